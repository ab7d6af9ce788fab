import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

// Test-only helper: it runs from the source tree, never from a build.
// eslint-disable-next-line no-restricted-syntax
const PACKAGE_DIR = resolve(__dirname, '..');
const DEMO_CONFIG = resolve(PACKAGE_DIR, '../../app-config.yaml');

/**
 * Starts this backend's real entry point (`src/index.ts`) as
 * `backstage-cli package start` would, with the demo config and one more
 * config file on top; for tests that watch a whole process.
 */
export function spawnBackend(extraConfigFile: string) {
  return spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
      'src/index.ts',
      '--config',
      DEMO_CONFIG,
      '--config',
      extraConfigFile,
    ],
    {
      cwd: PACKAGE_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'development' },
    },
  );
}
