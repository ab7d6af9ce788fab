import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

// Test-only helper: it runs from the source tree, never from a build.
// eslint-disable-next-line no-restricted-syntax
const PACKAGE_DIR = resolve(__dirname, '..');
const DEMO_CONFIG = resolve(PACKAGE_DIR, '../../app-config.yaml');

/** The repo's production overrides (PostgreSQL, webhook, Prometheus, Alertmanager). */
export const PRODUCTION_CONFIG = resolve(
  PACKAGE_DIR,
  '../../app-config.production.yaml',
);

/**
 * Starts this backend's real entry point (`src/index.ts`) as
 * `backstage-cli package start` would, with the demo config, then
 * `options.configs` (e.g. {@link PRODUCTION_CONFIG}) and one more config file
 * on top; for tests that watch a whole process.
 */
export function spawnBackend(
  extraConfigFile: string,
  options: { configs?: string[]; env?: Record<string, string> } = {},
) {
  const configs = [DEMO_CONFIG, ...(options.configs ?? []), extraConfigFile];
  return spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
      'src/index.ts',
      ...configs.flatMap(file => ['--config', file]),
    ],
    {
      cwd: PACKAGE_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'development', ...options.env },
    },
  );
}

/**
 * Stops a backend from {@link spawnBackend} the way an operator would: SIGTERM
 * runs the shutdown hooks (the local deployer stops the demo instances it
 * started, which run in their own process groups and would outlive a
 * SIGKILL); SIGKILL only when it has not exited after `graceMs`.
 */
export async function stopBackend(
  child: ChildProcess,
  graceMs = 20_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise(resolveExit => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
