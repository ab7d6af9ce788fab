import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Page } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { AlertmanagerPager } from './AlertmanagerPager';
import { AlertmanagerPagerSettings } from './config';

const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';
const DAY_MS = 24 * 60 * 60 * 1000;

/** One alert in Alertmanager's webhook notification. */
interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL: string;
  startsAt: string;
  endsAt: string;
}

/** Alertmanager's webhook notification body. */
interface WebhookNotification {
  status: 'firing' | 'resolved';
  alerts: WebhookAlert[];
}

/** One alert as `GET /api/v2/alerts` lists it. */
interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  endsAt: string;
  status: { state: string };
}

const notifications: WebhookNotification[] = [];
let receiver: Server;
let silentServer: Server;
let alertmanager: ChildProcess | undefined;
let alertmanagerOutput = '';
let alertmanagerUrl: string;
let workDir: string;

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve((server.address() as AddressInfo).port),
    );
  });
}

function close(server: Server | undefined): Promise<void> {
  if (!server?.listening) {
    return Promise.resolve();
  }
  server.closeAllConnections();
  return new Promise(resolve => server.close(() => resolve()));
}

/** A loopback port nothing listens on. */
async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await close(probe);
  return port;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out waiting for ${what}; webhook received ${JSON.stringify(
          notifications,
        )}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

function notificationAbout(
  dedupKey: string,
  status: 'firing' | 'resolved',
): { notification: WebhookNotification; alert: WebhookAlert } | undefined {
  for (const notification of notifications) {
    const alert = notification.alerts.find(
      a => a.labels.dedup_key === dedupKey && a.status === status,
    );
    if (notification.status === status && alert) {
      return { notification, alert };
    }
  }
  return undefined;
}

async function alertsInAlertmanager(
  dedupKey: string,
): Promise<GettableAlert[]> {
  const url = new URL('/api/v2/alerts', alertmanagerUrl);
  url.searchParams.append('filter', `dedup_key="${dedupKey}"`);
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as GettableAlert[];
}

function settings(
  overrides: Partial<AlertmanagerPagerSettings> = {},
): AlertmanagerPagerSettings {
  return {
    url: alertmanagerUrl,
    timeoutMs: 5_000,
    autoResolveAfterMs: DAY_MS,
    labels: { team: 'platform' },
    ...overrides,
  };
}

function page(overrides: Partial<Page> = {}): Page {
  return {
    dedupKey: `promotion:${randomUUID()}`,
    summary: 'Auto-rollback of payments in prod',
    severity: 'critical',
    entityRef: 'component:default/payments',
    environment: 'prod',
    digest: `sha256:${'a'.repeat(64)}`,
    link: 'http://backstage.test/catalog/default/component/payments/promotion',
    details: { burnRate: 14.4, window: '5m' },
    ...overrides,
  };
}

beforeAll(async () => {
  if (!existsSync(ALERTMANAGER_BIN)) {
    throw new Error(
      `${ALERTMANAGER_BIN} is missing: these tests need a real Alertmanager. ` +
        'Install it with `apt-get install -y --no-install-recommends prometheus-alertmanager`.',
    );
  }

  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      notifications.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end();
    });
  });
  const receiverPort = await listen(receiver);
  // Accepts requests and never answers, for the timeout test.
  silentServer = createServer(() => {});
  await listen(silentServer);

  workDir = await mkdtemp(join(tmpdir(), 'promotion-alertmanager-'));
  const configFile = join(workDir, 'alertmanager.yml');
  // resolve_timeout is tiny so that an alert without an explicit end would
  // resolve itself at once; the pager must keep pages firing regardless.
  await writeFile(
    configFile,
    [
      'global:',
      '  resolve_timeout: 1s',
      'route:',
      '  receiver: promotion-test',
      "  group_by: ['dedup_key']",
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: promotion-test',
      '    webhook_configs:',
      `      - url: http://127.0.0.1:${receiverPort}/alerts`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  );

  const port = await freePort();
  alertmanagerUrl = `http://127.0.0.1:${port}`;
  const child = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${configFile}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.path=${join(workDir, 'data')}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  alertmanager = child;
  const collect = (chunk: Buffer) => {
    alertmanagerOutput = (alertmanagerOutput + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  await waitFor(
    'Alertmanager to become ready',
    async () => {
      if (child.exitCode !== null) {
        throw new Error(
          `Alertmanager exited with code ${child.exitCode}: ${alertmanagerOutput}`,
        );
      }
      try {
        const response = await fetch(`${alertmanagerUrl}/-/ready`);
        await response.arrayBuffer();
        return response.ok ? true : undefined;
      } catch {
        return undefined;
      }
    },
    15_000,
  );
}, 30_000);

afterAll(async () => {
  const child = alertmanager;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise(resolve => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await close(receiver);
  await close(silentServer);
  if (workDir) {
    await rm(workDir, { recursive: true, force: true });
  }
}, 15_000);

describe('AlertmanagerPager against a real Alertmanager', () => {
  it('fires an alert identified by its dedup key, with the page in annotations', async () => {
    const pager = new AlertmanagerPager(settings());
    const sent = page();
    const before = Date.now();

    await pager.trigger(sent);

    const { notification, alert } = await waitFor('firing webhook', () =>
      notificationAbout(sent.dedupKey, 'firing'),
    );
    expect(notification.status).toBe('firing');
    expect(alert.labels).toEqual({
      alertname: 'PromotionPage',
      dedup_key: sent.dedupKey,
      team: 'platform',
    });
    expect(alert.annotations).toEqual({
      summary: sent.summary,
      severity: 'critical',
      entity_ref: 'component:default/payments',
      environment: 'prod',
      service: 'payments',
      digest: sent.digest,
      link: sent.link,
      details: JSON.stringify(sent.details),
    });
    expect(alert.generatorURL).toBe(sent.link);
    expect(Date.parse(alert.startsAt)).toBeGreaterThanOrEqual(before - 1000);

    // Past Alertmanager's 1 s resolve_timeout the page still fires.
    const [listed, ...others] = await alertsInAlertmanager(sent.dedupKey);
    expect(others).toEqual([]);
    expect(listed.status.state).toBe('active');
    expect(Date.parse(listed.endsAt) - before).toBeGreaterThan(DAY_MS - 60_000);
  }, 20_000);

  it('resolves the alert and Alertmanager sends a resolved notification', async () => {
    const pager = new AlertmanagerPager(settings());
    const sent = page({ severity: 'warning' });
    await pager.trigger(sent);
    await waitFor('firing webhook', () =>
      notificationAbout(sent.dedupKey, 'firing'),
    );

    await pager.resolve(sent.dedupKey);

    const { alert } = await waitFor('resolved webhook', () =>
      notificationAbout(sent.dedupKey, 'resolved'),
    );
    expect(alert.labels.dedup_key).toBe(sent.dedupKey);
    // The resolved notification still reads like the page it closes.
    expect(alert.annotations.summary).toBe(sent.summary);
    expect(alert.annotations.severity).toBe('warning');
    const listed = await alertsInAlertmanager(sent.dedupKey);
    expect(listed.filter(a => a.status.state === 'active')).toEqual([]);
  }, 20_000);

  it('resolves after a restart knowing only the dedup key', async () => {
    const sent = page();
    await new AlertmanagerPager(settings()).trigger(sent);
    await waitFor('firing webhook', () =>
      notificationAbout(sent.dedupKey, 'firing'),
    );

    // A new instance has no memory of the trigger, like a restarted backend.
    await new AlertmanagerPager(settings()).resolve(sent.dedupKey);

    const { alert } = await waitFor('resolved webhook', () =>
      notificationAbout(sent.dedupKey, 'resolved'),
    );
    expect(alert.labels).toEqual({
      alertname: 'PromotionPage',
      dedup_key: sent.dedupKey,
      team: 'platform',
    });
    const listed = await alertsInAlertmanager(sent.dedupKey);
    expect(listed.filter(a => a.status.state === 'active')).toEqual([]);
  }, 20_000);

  it('collapses repeated triggers with one dedup key into one alert', async () => {
    const pager = new AlertmanagerPager(settings());
    const first = page({ severity: 'warning', summary: 'Soak failing' });
    await pager.trigger(first);
    await pager.trigger({
      ...first,
      severity: 'critical',
      summary: 'Soak failed',
    });

    const listed = await alertsInAlertmanager(first.dedupKey);
    expect(listed).toHaveLength(1);
    expect(listed[0].annotations.severity).toBe('critical');
    expect(listed[0].annotations.summary).toBe('Soak failed');
    await pager.resolve(first.dedupKey);
  }, 20_000);

  it('keeps a page whose link is not a URL, without a generatorURL', async () => {
    const pager = new AlertmanagerPager(settings());
    const sent = page({ link: 'not a url', details: undefined });

    await pager.trigger(sent);

    const [listed] = await alertsInAlertmanager(sent.dedupKey);
    expect(listed.status.state).toBe('active');
    expect(listed.annotations.link).toBe('not a url');
    expect(listed.annotations).not.toHaveProperty('details');
    await pager.resolve(sent.dedupKey);
  }, 20_000);

  it('throws with the status when Alertmanager refuses the request', async () => {
    // A wrong route prefix is a typical misconfiguration: Alertmanager says 404.
    const pager = new AlertmanagerPager(
      settings({ url: `${alertmanagerUrl}/wrong-prefix` }),
    );

    await expect(pager.trigger(page())).rejects.toThrow(
      /Alertmanager at http:\/\/127\.0\.0\.1:\d+\/wrong-prefix\/api\/v2\/alerts refused to trigger page promotion:.*: HTTP 404/,
    );
    await expect(pager.resolve('promotion:any')).rejects.toThrow(/HTTP 404/);
  });

  it('throws when Alertmanager is unreachable', async () => {
    const port = await freePort();
    const pager = new AlertmanagerPager(
      settings({ url: `http://127.0.0.1:${port}` }),
    );

    await expect(pager.trigger(page())).rejects.toThrow(
      /Could not reach Alertmanager at .*ECONNREFUSED/,
    );
    await expect(pager.resolve('promotion:any')).rejects.toThrow(
      /Could not reach Alertmanager/,
    );
  });

  it('throws when Alertmanager does not answer in time', async () => {
    const port = (silentServer.address() as AddressInfo).port;
    const pager = new AlertmanagerPager(
      settings({ url: `http://127.0.0.1:${port}`, timeoutMs: 300 }),
    );

    await expect(pager.trigger(page())).rejects.toThrow(
      /did not answer within 300 ms/,
    );
  });

  it('refuses a page without a dedup key or summary before sending', async () => {
    const pager = new AlertmanagerPager(settings());

    await expect(pager.trigger(page({ dedupKey: ' ' }))).rejects.toThrow(
      /non-empty dedup key/,
    );
    await expect(pager.trigger(page({ summary: '' }))).rejects.toThrow(
      /needs a summary/,
    );
    await expect(pager.resolve('')).rejects.toThrow(/non-empty dedup key/);
  });
});
