import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { verifyWebhookSignature } from '@promotion-pipeline/backstage-plugin-promotion-backend-module-webhook-deployer';
import { PRODUCTION_CONFIG, spawnBackend, stopBackend } from './backendProcess';

jest.setTimeout(180_000);

const CONNECTION =
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;

interface Run {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code, or 'running' once `marker` was logged. */
  settled: Promise<number | null | 'running'>;
  stop: () => Promise<void>;
}

/**
 * The real entry on the demo config (plus `configs`) with `overrides` on
 * top; settles when the process exits or once it logs `marker`.
 */
function run(
  overrides: object,
  options: {
    configs?: string[];
    env?: Record<string, string>;
    marker?: string;
    /** After the marker, how long to wait for an exit before settling 'running'. */
    graceMs?: number;
  } = {},
): Run {
  const dir = mkdtempSync(join(tmpdir(), 'backend-modules-test-'));
  const extra = join(dir, 'app-config.test.yaml');
  // JSON is YAML; port 0 keeps clear of a running demo portal.
  writeFileSync(
    extra,
    JSON.stringify({ backend: { listen: { port: 0 } }, ...overrides }),
  );
  const child = spawnBackend(extra, options);
  let output = '';
  const exited = new Promise<number | null>(resolveExit =>
    child.once('exit', code => {
      rmSync(dir, { recursive: true, force: true });
      resolveExit(code);
    }),
  );
  const settled = new Promise<number | null | 'running'>(resolveRun => {
    const marker = options.marker ?? 'Plugin initialization complete';
    const watch = (d: Buffer) => {
      output += d;
      if (output.includes(marker)) {
        setTimeout(() => resolveRun('running'), options.graceMs ?? 0);
      }
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', watch);
    exited.then(resolveRun);
  });
  return {
    child,
    output: () => output,
    settled,
    stop: async () => {
      await stopBackend(child);
      await exited;
    },
  };
}

function count(text: string, line: string): number {
  return text.split('\n').filter(l => l.includes(line)).length;
}

describe('promotion modules in the backend', () => {
  it('each module without its config block stays off with one info line', async () => {
    const backend = run({});
    try {
      expect(await backend.settled).toBe('running');
      const output = backend.output();
      for (const line of [
        'The webhook deployer is off: promotion.deployers.webhook is not configured',
        'The prometheus metrics provider is off: promotion.metrics.prometheus is not configured',
        'The PagerDuty pager is off: promotion.pagers.pagerduty is not configured',
        'The Alertmanager pager is off: promotion.pagers.alertmanager is not configured',
      ]) {
        expect(count(output, line)).toBe(1);
      }
      // The demo configures the local-process deployer: on, and no off line.
      expect(output).not.toContain('local-process deployer is off');
    } finally {
      await backend.stop();
    }
  });

  it.each([
    [
      'webhook-deployer',
      { deployers: { webhook: { url: 'not a url', signingSecret: 's' } } },
      'promotion.deployers.webhook.url',
    ],
    [
      'prometheus',
      { metrics: { prometheus: { baseUrl: 'ftp://prometheus:9090' } } },
      "'promotion.metrics.prometheus': baseUrl",
    ],
    [
      'pagerduty',
      { pagers: { pagerduty: { url: 'https://events.invalid/v2' } } },
      'promotion.pagers.pagerduty.routingKey',
    ],
    [
      'alertmanager',
      { pagers: { alertmanager: { url: 'alertmanager:9093' } } },
      'promotion.pagers.alertmanager.url',
    ],
    [
      'alertmanager',
      { alertSources: { alertmanager: { timeout: 'soon' } } },
      'promotion.alertSources.alertmanager',
    ],
  ])(
    'module %s with a wrong block stops start-up naming %s',
    async (moduleId, promotion, key) => {
      // A failed module is reported after the other plugins came up; the
      // process must then exit rather than keep serving.
      const backend = run({ promotion }, { graceMs: 15_000 });
      try {
        expect({
          code: await backend.settled,
          output: backend.output(),
        }).toMatchObject({ code: 1 });
        const output = backend.output();
        expect(output).toContain('The backend refuses to start');
        expect(output).toContain(
          `Module '${moduleId}' for plugin 'promotion' startup failed`,
        );
        expect(output).toContain(key);
      } finally {
        await backend.stop();
      }
    },
  );
});

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A deploy system at the edge: records signed requests, answers succeeded. */
async function startDeploySystem(): Promise<{
  server: Server;
  url: string;
  received: Received[];
}> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', d => (body += d));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: 'succeeded' }));
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/deploy`, received };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>(r => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise(r => probe.close(r));
  return port;
}

async function dropDatabases(prefix: string): Promise<void> {
  const admin = new Client({ connectionString: CONNECTION });
  await admin.connect();
  try {
    const { rows } = await admin.query(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [prefix],
    );
    for (const { datname } of rows) {
      await admin.query(`DROP DATABASE "${datname}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

describe('app-config.production.yaml with its environment variables', () => {
  it('runs the webhook, Prometheus and Alertmanager set-up on PostgreSQL: a registered artifact reaches the deploy system signed', async () => {
    if (!CONNECTION) {
      throw new Error(
        'This test runs the production config on PostgreSQL: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (CI always does)',
      );
    }
    const db = new URL(CONNECTION);
    const prefix = `production_${process.pid}_`;
    const secret = randomBytes(16).toString('hex');
    const token = randomBytes(24).toString('hex');
    const deploySystem = await startDeploySystem();
    // backend.baseUrl must name the real port: plugins (events, signals)
    // call each other through it.
    const port = await freePort();
    // Only the port and a database prefix of its own differ from what an
    // operator runs (BACKEND_BASE_URL would do for the base URL); everything else comes from the documented variables.
    const backend = run(
      {
        backend: {
          baseUrl: `http://127.0.0.1:${port}`,
          listen: `:${port}`,
          database: { prefix },
        },
      },
      {
        configs: [PRODUCTION_CONFIG],
        marker: 'Listening on :',
        env: {
          POSTGRES_HOST: db.hostname,
          POSTGRES_PORT: db.port || '5432',
          POSTGRES_USER: decodeURIComponent(db.username),
          POSTGRES_PASSWORD: decodeURIComponent(db.password),
          PROMOTION_CI_TOKEN: token,
          DEPLOY_WEBHOOK_URL: deploySystem.url,
          DEPLOY_WEBHOOK_SECRET: secret,
          // Nothing is queried before a soak or an incident gate runs.
          PROMETHEUS_URL: 'http://127.0.0.1:9',
          ALERTMANAGER_URL: 'http://127.0.0.1:9',
        },
      },
    );
    try {
      expect({
        code: await backend.settled,
        output: backend.output(),
      }).toMatchObject({ code: 'running' });
      const api = `http://127.0.0.1:${port}/api/promotion`;
      const deadline = Date.now() + 120_000;
      while (!backend.output().includes('Plugin initialization complete')) {
        if (Date.now() > deadline || backend.child.exitCode !== null) {
          throw new Error(`backend did not come up:\n${backend.output()}`);
        }
        await new Promise(r => setTimeout(r, 250));
      }
      const output = backend.output();
      expect(output).toContain(
        'deployers webhook; gates tests, e2e, migration, approval, window, soak, incident; metrics prometheus, push; pagers alertmanager',
      );
      expect(count(output, 'The local-process deployer is off')).toBe(1);
      expect(count(output, 'The PagerDuty pager is off')).toBe(1);
      expect(output).not.toContain('Event publish request failed');

      const digest = `sha256:${randomBytes(32).toString('hex')}`;
      // The catalog reads the demo entities shortly after start-up: until
      // then the service is unknown (404).
      const register = () =>
        fetch(`${api}/v1/artifacts`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
          },
          body: JSON.stringify({
            entityRef: 'component:default/checkout',
            digest,
            version: '1.0.0',
            commit: 'abc1234',
          }),
        });
      let registered = await register();
      while (registered.status === 404 && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 500));
        registered = await register();
      }
      expect(registered.status).toBe(201);

      while (deploySystem.received.length === 0) {
        if (Date.now() > deadline) throw new Error('no deploy request');
        await new Promise(r => setTimeout(r, 250));
      }
      const [deploy] = deploySystem.received;
      expect(JSON.parse(deploy.body)).toMatchObject({
        entityRef: 'component:default/checkout',
        environment: 'dev',
        artifact: { digest },
      });
      expect(
        verifyWebhookSignature(
          secret,
          deploy.headers['x-promotion-timestamp'] as string,
          deploy.body,
          deploy.headers['x-promotion-signature'] as string,
        ),
      ).toBe(true);
      // Signals reach the events backend: no failed publish for the change.
      await new Promise(r => setTimeout(r, 1000));
      expect(backend.output()).not.toContain('Event publish request failed');
    } finally {
      await backend.stop();
      await new Promise(r => deploySystem.server.close(r));
      await dropDatabases(prefix);
    }
  });
});
