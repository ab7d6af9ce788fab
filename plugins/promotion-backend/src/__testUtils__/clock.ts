/** A clock tests move by hand. */
export class ManualClock {
  private current: number;

  constructor(start: string | Date = '2026-11-23T10:00:00Z') {
    this.current = new Date(start).getTime();
  }

  readonly now = (): Date => new Date(this.current);

  advance(ms: number): void {
    this.current += ms;
  }

  set(at: string | Date): void {
    this.current = new Date(at).getTime();
  }
}
