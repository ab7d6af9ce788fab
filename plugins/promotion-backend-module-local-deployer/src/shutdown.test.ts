import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { eventually, tempDir } from './testHelpers';

jest.setTimeout(90_000);

/** Whether `pid` runs (a zombie has stopped running; its reaper may be slow in a container). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

const BACKEND = join(__dirname, '__testUtils__', 'backendProcess.ts');
const SERVICES = 2;

/** Starts a real backend process with the module; resolves once its services are healthy. */
function startBackend(stateDir: string): Promise<{
  child: ChildProcess;
  pids: number[];
  exited: Promise<number | null>;
}> {
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
      BACKEND,
      stateDir,
      String(SERVICES),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>(resolveExit =>
    child.once('exit', code => resolveExit(code)),
  );
  let output = '';
  return new Promise((resolveStart, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /READY (\[[^\]]*\])/.exec(output);
      if (ready) {
        resolveStart({ child, pids: JSON.parse(ready[1]), exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    exited.then(code =>
      reject(
        new Error(`backend exited (${code}) before it was ready:\n${output}`),
      ),
    );
  });
}

describe('stopping the backend stops every local process', () => {
  let stateDir: { path: string; remove: () => Promise<void> };
  let started: Awaited<ReturnType<typeof startBackend>> | undefined;

  beforeEach(async () => {
    stateDir = await tempDir();
    started = undefined;
  });

  afterEach(async () => {
    // Whatever the outcome, leave nothing running.
    if (started && started.child.exitCode === null)
      started.child.kill('SIGKILL');
    for (const pid of started?.pids ?? []) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await stateDir.remove();
  });

  const allGone = (pids: number[]) => pids.every(pid => !isRunning(pid));

  it.each([
    // Ctrl-C under `yarn start`: the terminal and the CLI each send one SIGINT,
    // and Backstage exits at once on the second, skipping shutdown hooks.
    ['SIGINT twice (Ctrl-C under yarn start)', ['SIGINT', 'SIGINT']],
    ['SIGTERM', ['SIGTERM']],
    ['SIGINT', ['SIGINT']],
  ] as const)('%s', async (_name, signals) => {
    started = await startBackend(stateDir.path);
    const { child, pids, exited } = started;
    expect(pids).toHaveLength(SERVICES);
    expect(pids.every(isRunning)).toBe(true);

    for (const signal of signals) {
      child.kill(signal);
      await new Promise(r => setTimeout(r, 100));
    }
    await exited;
    await eventually(() => allGone(pids), 5_000);
  });
});
