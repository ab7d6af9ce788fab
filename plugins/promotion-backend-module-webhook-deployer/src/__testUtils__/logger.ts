import type { LoggerService } from '@backstage/backend-plugin-api';

/** A silent logger that keeps what was logged, so tests can read it. */
export class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];

  error(message: string): void {
    this.lines.push(`error: ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn: ${message}`);
  }
  info(message: string): void {
    this.lines.push(`info: ${message}`);
  }
  debug(message: string): void {
    this.lines.push(`debug: ${message}`);
  }
  child(): LoggerService {
    return this;
  }
}
