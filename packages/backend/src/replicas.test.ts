import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { spawnBackend, stopBackend } from './backendProcess';

jest.setTimeout(240_000);

const CONNECTION =
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
// The demo config's CI token, allowed to register and read.
const CI_TOKEN = 'demo-ci-token-change-me';

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

interface Replica {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: () => number | null | undefined;
}

/** The real entry (`src/index.ts`) on the demo config, on PostgreSQL with `prefix`. */
function startReplica(dir: string, prefix: string, port: number): Replica {
  const url = new URL(CONNECTION!);
  const extra = join(dir, `app-config.${port}.yaml`);
  writeFileSync(
    extra,
    JSON.stringify({
      backend: {
        baseUrl: `http://127.0.0.1:${port}`,
        listen: { port },
        database: {
          client: 'pg',
          prefix,
          connection: {
            host: url.hostname,
            port: Number(url.port || 5432),
            user: decodeURIComponent(url.username),
            password: decodeURIComponent(url.password),
          },
        },
      },
    }),
  );
  const child = spawnBackend(extra);
  let output = '';
  let code: number | null | undefined;
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  child.once('exit', c => (code = c));
  return { child, port, output: () => output, exited: () => code };
}

/** Polls `attempt` until it returns true, the replica exits, or the deadline passes. */
async function until(
  replica: Replica,
  what: string,
  attempt: () => Promise<boolean>,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (replica.exited() !== undefined) {
      throw new Error(
        `replica on :${
          replica.port
        } exited with ${replica.exited()} before ${what}:\n${replica.output()}`,
      );
    }
    if (await attempt().catch(() => false)) return;
    await new Promise(r => setTimeout(r, 500));
  }
  throw new Error(
    `replica on :${
      replica.port
    }: no ${what} after ${timeoutMs} ms:\n${replica.output()}`,
  );
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

/**
 * Two replicas of the real backend started at the same moment on an empty
 * PostgreSQL server: Backstage's own plugins and ours migrate their
 * databases at once. Both must stay up and serve the promotion API.
 */
describe('two backend replicas starting together on an empty PostgreSQL', () => {
  beforeAll(() => {
    if (!CONNECTION) {
      throw new Error(
        'This test is about PostgreSQL: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (CI always does)',
      );
    }
  });

  it.each([1, 2])('both start and serve the API (run %p)', async run => {
    const prefix = `replicas_${process.pid}_${run}_`;
    const dir = mkdtempSync(join(tmpdir(), 'backend-replicas-test-'));
    const replicas: Replica[] = [];
    try {
      const ports = [await freePort(), await freePort()];
      replicas.push(...ports.map(port => startReplica(dir, prefix, port)));

      await Promise.all(
        replicas.map(replica =>
          until(replica, 'ready health', async () => {
            const res = await fetch(
              `http://127.0.0.1:${replica.port}/api/promotion/health`,
            );
            return res.status === 200;
          }),
        ),
      );
      // Until the catalog has ingested the entity the API answers 404 naming it.
      const seen = new Set<number>();
      for (const [index, replica] of replicas.entries()) {
        let last = '';
        await until(replica, 'registered artifact', async () => {
          const res = await fetch(
            `http://127.0.0.1:${replica.port}/api/promotion/v1/artifacts`,
            {
              method: 'POST',
              headers: {
                authorization: `Bearer ${CI_TOKEN}`,
                'content-type': 'application/json',
              },
              body: JSON.stringify({
                entityRef: 'component:default/checkout',
                digest: `sha256:${String(run * 10 + index).padStart(64, '0')}`,
                version: `1.0.${run * 10 + index}`,
                commit: 'c0ffee',
              }),
            },
          );
          last = `${res.status} ${await res.text()}`;
          seen.add(res.status);
          return res.status === 201;
        }).catch(error => {
          throw new Error(`${error.message}\nlast answer: ${last}`);
        });
      }
      expect(seen.has(503)).toBe(false);
      for (const replica of replicas) {
        expect(replica.output()).not.toContain('startup failed');
        expect(replica.exited()).toBeUndefined();
      }
    } finally {
      await Promise.all(replicas.map(replica => stopBackend(replica.child)));
      rmSync(dir, { recursive: true, force: true });
      await dropDatabases(prefix);
    }
  });
});
