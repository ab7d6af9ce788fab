import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, promises as fs, readFileSync } from 'node:fs';
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
  stopOnExit(pid, exited);
  return { child, pid, exited };
}

const EXIT_GRACE_MS = 1000;
const runningPids = new Set<number>();
let exitHookInstalled = false;

/**
 * Makes sure `pid` does not outlive this process. The deployer's shutdown
 * hook stops processes gracefully, but Backstage exits at once, skipping
 * every shutdown hook, when a second SIGINT arrives while it stops, which is
 * what Ctrl-C under `yarn start` does (the terminal and the CLI each send
 * one). The children run in their own process groups, so no signal reaches
 * them on its own; this synchronous `exit` hook is the safety net.
 */
function stopOnExit(pid: number, exited: Promise<unknown>): void {
  runningPids.add(pid);
  exited.then(() => runningPids.delete(pid));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => killNowSync([...runningPids], EXIT_GRACE_MS));
  }
}

/** Whether `pid` is gone or a zombie (exited, not yet reaped: nobody reaps during a synchronous wait). */
function isGoneSync(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  if (process.platform !== 'linux') {
    return false;
  }
  try {
    // Field 3 of /proc/<pid>/stat, after the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * SIGTERM to every process (group), a bounded synchronous wait, then SIGKILL
 * to the survivors. Synchronous because an `exit` hook cannot await.
 */
export function killNowSync(pids: number[], graceMs: number): void {
  const alive = pids.filter(pid => signalProcess(pid, 'SIGTERM'));
  const deadline = Date.now() + graceMs;
  const tick = new Int32Array(new SharedArrayBuffer(4));
  let left = alive.filter(pid => !isGoneSync(pid));
  while (left.length > 0 && Date.now() < deadline) {
    Atomics.wait(tick, 0, 0, 20);
    left = left.filter(pid => !isGoneSync(pid));
  }
  for (const pid of left) {
    signalProcess(pid, 'SIGKILL');
  }
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
