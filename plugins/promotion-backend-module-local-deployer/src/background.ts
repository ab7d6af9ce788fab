/** Work started in the background (stops, exit records), awaited on close. */
export class BackgroundWork {
  private readonly pending = new Set<Promise<unknown>>();

  /** Returns `promise` unchanged, remembering it until it settles. */
  track = <T>(promise: Promise<T>): Promise<T> => {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    settled.then(() => this.pending.delete(settled));
    return promise;
  };

  /** Waits until nothing tracked is pending, including work started meanwhile. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.all([...this.pending]);
    }
  }
}
