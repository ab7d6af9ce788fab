import { createServer, Server } from 'node:net';
import { pickFreePort } from './ports';

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolvePromise(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

describe('pickFreePort', () => {
  const servers: Server[] = [];

  afterEach(async () => {
    await Promise.all(servers.splice(0).map(s => new Promise(r => s.close(r))));
  });

  it('returns a port nobody listens on', async () => {
    const port = await pickFreePort(new Set());
    const server = createServer();
    servers.push(server);
    await expect(listen(server, port)).resolves.toBe(port);
  });

  /** A busy port whose upper neighbour is free (retrying if someone else holds it). */
  async function busyPortWithFreeNeighbour(): Promise<number> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const busy = createServer();
      servers.push(busy);
      const port = await listen(busy, 0);
      const probe = createServer();
      const free = await listen(probe, port + 1).then(
        () => true,
        () => false,
      );
      await new Promise(r => probe.close(r));
      if (free) return port;
    }
    throw new Error('no busy port with a free neighbour');
  }

  it('skips busy ports of the range', async () => {
    const busyPort = await busyPortWithFreeNeighbour();
    await expect(
      pickFreePort(new Set(), { from: busyPort, to: busyPort + 1 }),
    ).resolves.toBe(busyPort + 1);
  });

  it('skips reserved ports even when they are free', async () => {
    const busyPort = await busyPortWithFreeNeighbour();
    const free = busyPort + 1;
    await expect(
      pickFreePort(new Set([free]), { from: free, to: free }),
    ).rejects.toThrow('no free loopback port');
  });

  it('throws when the range is exhausted', async () => {
    const busy = createServer();
    servers.push(busy);
    const busyPort = await listen(busy, 0);
    await expect(
      pickFreePort(new Set(), { from: busyPort, to: busyPort }),
    ).rejects.toThrow(`no free loopback port in ${busyPort}-${busyPort}`);
  });
});
