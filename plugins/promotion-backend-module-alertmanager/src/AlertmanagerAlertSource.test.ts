import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AlertmanagerAlertSource } from './AlertmanagerAlertSource';
import { PROMOTION_ALERT_NAME } from './AlertmanagerPager';
import { startAlertmanager, TestAlertmanager } from './testUtils';

jest.setTimeout(30_000);

describe('AlertmanagerAlertSource against a real Alertmanager', () => {
  let alertmanager: TestAlertmanager;
  let source: AlertmanagerAlertSource;

  beforeAll(async () => {
    alertmanager = await startAlertmanager();
    source = new AlertmanagerAlertSource({
      url: alertmanager.url,
      timeoutMs: 5_000,
    });
  });

  afterAll(async () => {
    await alertmanager?.stop();
  });

  it('lists the alerts matching every matcher, oldest first, and forgets them once resolved', async () => {
    const checkout = {
      alertname: 'HighErrorRate',
      service: 'checkout',
      environment: 'prod',
    };
    await alertmanager.fire(checkout, 'checkout 5xx above 5 %');
    await alertmanager.fire({ ...checkout, environment: 'staging' });
    await alertmanager.fire({ ...checkout, service: 'payments' });

    const firing = await source.firingAlerts([
      'service="checkout"',
      'environment="prod"',
    ]);
    expect(firing).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]+$/),
        name: 'HighErrorRate',
        labels: checkout,
        startsAt: expect.any(String),
        summary: 'checkout 5xx above 5 %',
        url: 'http://prometheus.test/graph',
      },
    ]);
    expect(
      await source.firingAlerts(['service=~"check.*"', 'environment!="prod"']),
    ).toEqual([
      expect.objectContaining({
        labels: { ...checkout, environment: 'staging' },
      }),
    ]);

    await alertmanager.resolve(checkout);
    expect(
      await source.firingAlerts(['service="checkout"', 'environment="prod"']),
    ).toEqual([]);
  });

  it('leaves out silenced alerts and the promotion pager’s own pages', async () => {
    await alertmanager.fire({ alertname: 'DiskFull', service: 'ledger' });
    await alertmanager.fire({
      alertname: PROMOTION_ALERT_NAME,
      service: 'ledger',
      dedup_key: 'promotion:x',
    });
    expect(
      (await source.firingAlerts(['service="ledger"'])).map(a => a.name),
    ).toEqual(['DiskFull']);

    await alertmanager.silence('alertname', 'DiskFull');
    expect(await source.firingAlerts(['service="ledger"'])).toEqual([]);
  });

  it('throws, naming Alertmanager, for a matcher it refuses', async () => {
    await expect(source.firingAlerts(['service=checkout"'])).rejects.toThrow(
      /Alertmanager answered 400/,
    );
  });
});

describe('AlertmanagerAlertSource when Alertmanager cannot be read', () => {
  const servers: Server[] = [];

  async function serve(
    handler: Parameters<typeof createServer>[1],
  ): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise(r => server.close(r));
    }
  });

  it('throws when nothing listens', async () => {
    const url = await serve(() => {});
    await new Promise(r => servers.pop()!.close(r));
    const source = new AlertmanagerAlertSource({ url, timeoutMs: 1_000 });
    await expect(source.firingAlerts(['a="b"'])).rejects.toThrow(
      /Could not reach Alertmanager/,
    );
  });

  it('throws when it does not answer in time', async () => {
    const url = await serve(() => {});
    const source = new AlertmanagerAlertSource({ url, timeoutMs: 200 });
    await expect(source.firingAlerts(['a="b"'])).rejects.toThrow(
      /did not answer within 200 ms/,
    );
  });

  it('throws on an answer that is not an alert list', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ alerts: [] }));
    });
    const source = new AlertmanagerAlertSource({ url, timeoutMs: 1_000 });
    await expect(source.firingAlerts(['a="b"'])).rejects.toThrow(
      /unreadable alert list/,
    );
  });
});
