/** What {@link startOrExit} needs of a backend. */
export interface StartableBackend {
  start(): Promise<unknown>;
}

/**
 * Starts the backend and exits the process with code 1 when any plugin or
 * module fails to boot. `backend.start()` rejects with a
 * `BackendStartupError` then, but the HTTP server is already listening and
 * the plugins that did boot keep running: ignored, the rejection would leave
 * a half-working portal (the failed plugin answering 503, or a missing pager
 * module going unnoticed) instead of refusing to start as the docs promise.
 * The error names each failed plugin or module and its cause, which names
 * the config key.
 */
export async function startOrExit(
  backend: StartableBackend,
  exit: (code: number) => void = code => process.exit(code),
  report: (message: string) => void = message =>
    process.stderr.write(`${message}\n`),
): Promise<void> {
  try {
    await backend.start();
  } catch (error) {
    report(
      `The backend refuses to start: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
    exit(1);
  }
}
