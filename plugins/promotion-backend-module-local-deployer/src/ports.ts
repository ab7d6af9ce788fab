import { createServer } from 'node:net';
import type { PortRange } from './config';

const EPHEMERAL_ATTEMPTS = 20;

function tryListen(port: number): Promise<number | undefined> {
  return new Promise(resolvePromise => {
    const server = createServer();
    server.once('error', () => resolvePromise(undefined));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const address = server.address();
      const bound =
        typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolvePromise(bound));
    });
  });
}

/**
 * Finds a loopback port nobody listens on, skipping `reserved` (ports given
 * to processes that may not be listening yet). Throws when none is free.
 */
export async function pickFreePort(
  reserved: ReadonlySet<number>,
  range?: PortRange,
): Promise<number> {
  if (range) {
    for (let port = range.from; port <= range.to; port++) {
      if (!reserved.has(port) && (await tryListen(port)) !== undefined) {
        return port;
      }
    }
    throw new Error(`no free loopback port in ${range.from}-${range.to}`);
  }
  for (let attempt = 0; attempt < EPHEMERAL_ATTEMPTS; attempt++) {
    const port = await tryListen(0);
    if (port !== undefined && !reserved.has(port)) {
      return port;
    }
  }
  throw new Error('no free loopback port');
}
