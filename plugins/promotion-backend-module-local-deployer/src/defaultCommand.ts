import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where the demo service lives, relative to the repository root. */
export const DEMO_SERVICE_SCRIPT = join('demo', 'service', 'server.js');

/** Walks up from `from` to the first directory holding the demo service; returns the script's absolute path. */
export function findDemoServiceScript(from: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, DEMO_SERVICE_SCRIPT);
    if (existsSync(candidate)) {
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      return undefined;
    }
    dir = parent;
  }
}

/**
 * The command run when config names none: the demo service under the Node
 * binary running the backend (PATH may not hold `node` under every runner).
 */
export function defaultCommand(from: string): string[] | undefined {
  const script = findDemoServiceScript(from);
  return script ? [process.execPath, script] : undefined;
}
