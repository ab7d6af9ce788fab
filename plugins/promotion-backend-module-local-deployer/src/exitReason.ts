import { promises as fs } from 'node:fs';
import type { ProcessExit } from './ProcessRecordStore';

const LOG_TAIL_BYTES = 600;

/** Why a process is gone, with the last lines of its output when there are any. */
export async function describeExit(
  logPath: string,
  exit: ProcessExit | undefined,
): Promise<string> {
  let reason: string;
  if (!exit) {
    reason =
      'the process exited (its exit code is unknown: it was started by an earlier backend)';
  } else if (exit.signal) {
    reason = `the process exited on signal ${exit.signal}`;
  } else {
    reason = `the process exited with code ${exit.code}`;
  }
  const tail = await logTail(logPath);
  return tail ? `${reason}; last output: ${tail}` : reason;
}

async function logTail(logPath: string): Promise<string | undefined> {
  try {
    const handle = await fs.open(logPath, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, LOG_TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const lines = buffer
        .toString('utf8')
        .split('\n')
        .map(line => line.trim())
        .filter(Boolean);
      return lines.slice(-3).join(' | ') || undefined;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
