import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, promises as fs } from 'node:fs';
import type { ProcessExit } from './ProcessRecordStore';

// Own process group on POSIX, so a stop reaches whatever the command forks.
const USE_PROCESS_GROUP = process.platform !== 'win32';
const POLL_INTERVAL_MS = 100;

/** A process this deployer started, with a promise of its end. */
export interface StartedProcess {
  child: ChildProcess;
  pid: number;
  exited: Promise<ProcessExit>;
}

/**
 * Starts `command` with exactly `env`, output appended to `logPath`.
 * Rejects when the program cannot be started at all.
 */
export async function startProcess(
  command: string[],
  env: Record<string, string>,
  logPath: string,
  cwd: string,
): Promise<StartedProcess> {
  const [program, ...args] = command;
  const log = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(program, args, {
      cwd,
      env,
      detached: USE_PROCESS_GROUP,
      stdio: ['ignore', log, log],
      windowsHide: true,
    });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(log);
  }
  const exited = new Promise<ProcessExit>(resolveExit => {
    child.once('exit', (code, signal) =>
      resolveExit({ code, signal, at: new Date().toISOString() }),
    );
  });
  const pid = child.pid;
  if (pid === undefined) {
    const error = await new Promise<Error>(resolveError =>
      child.once('error', resolveError),
    );
    throw new Error(`could not start ${program}: ${error.message}`);
  }
  // Later errors (e.g. a failed kill) must not crash the backend.
  child.on('error', () => {});
  return { child, pid, exited };
}

/**
 * Whether `pid` is alive and still the process of deployment `key`. On Linux
 * the process environment must carry DEPLOYMENT_ID=<key>, which rules out a
 * reused pid and a zombie; elsewhere only existence is checked.
 */
export async function isDeploymentProcessAlive(
  pid: number,
  key: string,
): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: another user's process now holds the pid.
    return false;
  }
  if (process.platform !== 'linux') {
    return true;
  }
  try {
    const environ = await fs.readFile(`/proc/${pid}/environ`, 'utf8');
    return environ.split('\0').includes(`DEPLOYMENT_ID=${key}`);
  } catch {
    return false;
  }
}

/** Sends `signal` to the process (its whole group on POSIX); false when it is gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(USE_PROCESS_GROUP ? -pid : pid, signal);
    return true;
  } catch {
    try {
      // The group leader may have left its group, or the platform has none.
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise(resolveDelay => setTimeout(resolveDelay, ms));
}

/** Resolves true once `isGone()` holds, false when `timeoutMs` passes first. */
export async function waitUntil(
  isGone: () => Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await isGone()) return true;
    if (Date.now() >= deadline) return false;
    await delay(Math.min(POLL_INTERVAL_MS, Math.max(0, deadline - Date.now())));
  }
}
