import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { probeHealth } from './health';

describe('probeHealth', () => {
  let server: Server;
  let port: number;

  beforeEach(async () => {
    server = createServer((req, res) => {
      if (req.url === '/hang') return; // never answers
      res.statusCode = req.url === '/health' ? 204 : 503;
      res.end();
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise(r => server.close(r));
  });

  it('is healthy on a 2xx', async () => {
    expect(await probeHealth(port, '/health', 1000)).toEqual({
      healthy: true,
      reason: '/health answered 204',
    });
  });

  it('is unhealthy on any other status', async () => {
    expect(await probeHealth(port, '/ready', 1000)).toEqual({
      healthy: false,
      reason: '/ready answered 503',
    });
  });

  it('is unhealthy when the answer is too slow', async () => {
    expect(await probeHealth(port, '/hang', 200)).toEqual({
      healthy: false,
      reason: '/hang did not answer within 200 ms',
    });
  });

  it('is unhealthy when nothing listens', async () => {
    server.closeAllConnections();
    await new Promise(r => server.close(r));
    server = createServer();
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const closedPort = port;
    const result = await probeHealth(closedPort, '/health', 1000);
    expect(result.healthy).toBe(false);
    expect(result.reason).toContain('unreachable');
  });
});
