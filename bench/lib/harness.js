/* eslint-disable no-console */
// Shared by the engine benches (bench/engine-pass.js, history-flat.js,
// deploy-latency.js, replicas.js, burn-rollback.js): a fresh database per run
// (PostgreSQL on 127.0.0.1:5432 with trust auth, or a SQLite directory), a
// generated catalog file, the real backend (bench/lib/backend.ts) started as
// a child process group on a free loopback port, a webhook receiver playing
// the deploy system, and a reader for the plugin's tables. Everything a bench
// starts is registered here and stopped by `cleanup()` (also on SIGINT/SIGTERM
// and, as a last resort, on exit).
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const CI_TOKEN = 'bench-ci-token';
const WEBHOOK_SECRET = 'bench-webhook-secret';
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
// Longest a single API call may take before the bench fails.
const REQUEST_TIMEOUT_MS = Number(
  process.env.BENCH_REQUEST_TIMEOUT_MS ?? 120_000,
);
// A deploy system that misbehaves on purpose, to show that a bench's
// correctness checks fail (bench/smoke.sh --self-check):
//   retry  answers the first POST of each deployment 503 and the deployer
//          retries once, so the same Idempotency-Key arrives twice (what a
//          duplicate deploy looks like to the deploy system);
//   fail   answers the first deployment {"status":"failed"}: that lane is
//          never deployed.
const FAULT = process.env.BENCH_FAULT;
if (FAULT && !['retry', 'fail'].includes(FAULT)) {
  throw new Error(`BENCH_FAULT must be retry or fail, not ${FAULT}`);
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

/** `--name value` from argv, or the fallback. */
function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const numArg = (name, fallback) => Number(arg(name, fallback));

/**
 * Thrown by a probe of `until` when what it waits for can no longer happen
 * (the backend exited): `until` gives up at once instead of retrying.
 */
class Hopeless extends Error {}

/**
 * Polls `probe` until it returns something truthy. A probe that throws is
 * retried until the deadline, unless it throws `Hopeless`; a probe that hangs
 * counts against the deadline too. A wait longer than 30 s says so on stderr
 * every 30 s, so a run that waits is never silent.
 */
async function until(what, probe, timeoutMs = 60_000, intervalMs = 20) {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let last;
  let nextNote = started + 30_000;
  for (;;) {
    let timer;
    const outOfTime = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('the probe did not answer before the deadline')),
        Math.max(0, deadline - Date.now()),
      );
    });
    const value = await Promise.race([probe(), outOfTime])
      .catch(e => {
        if (e instanceof Hopeless) throw e;
        last = e;
        return undefined;
      })
      .finally(() => clearTimeout(timer));
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out: ${what}${last ? ` (${last.message})` : ''}`);
    }
    if (Date.now() > nextNote) {
      console.error(
        `still waiting after ${Math.round(
          (Date.now() - started) / 1000,
        )} s: ${what}${last ? ` (last: ${last.message.slice(0, 200)})` : ''}`,
      );
      nextNote += 30_000;
    }
    await sleep(intervalMs);
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool(items, limit, fn) {
  let next = 0;
  const results = new Array(items.length);
  async function worker() {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  }
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  return results;
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const median = values => quantile(values, 0.5);
function stats(values, unit = 'ms') {
  if (!values.length) return '(no samples)';
  const f = v => `${v.toFixed(unit === 'ms' ? 1 : 3)} ${unit}`;
  return `p50 ${f(median(values))}, p95 ${f(quantile(values, 0.95))}, max ${f(
    Math.max(...values),
  )} (n=${values.length})`;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const digestOf = seed =>
  `sha256:${crypto.createHash('sha256').update(String(seed)).digest('hex')}`;

/** Stop functions, newest first; run by cleanup(). */
const cleanups = [];
const syncKills = new Set();
function onCleanup(fn) {
  cleanups.unshift(fn);
}
async function cleanup() {
  while (cleanups.length) {
    const fn = cleanups.shift();
    await Promise.resolve()
      .then(fn)
      .catch(e => console.error(`cleanup: ${e.message}`));
  }
}
process.on('exit', () => {
  for (const pid of syncKills) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanup().finally(() => process.exit(130));
  });
}

/** A fresh database for one run; `kind` is `postgres` or `sqlite`. */
async function createDatabase(kind, label) {
  const knexLib = require('knex');
  if (kind === 'postgres' || kind === 'pg') {
    const name = `bench_${label}_${Date.now()}_${crypto
      .randomBytes(3)
      .toString('hex')}`.replace(/[^a-z0-9_]/g, '_');
    execFileSync('createdb', [
      '-h',
      PG.host,
      '-p',
      String(PG.port),
      '-U',
      PG.user,
      name,
    ]);
    const clients = [];
    const db = {
      kind: 'postgres',
      name,
      // One database per run; each plugin in its own schema of it.
      backendConfig: {
        client: 'pg',
        connection: { ...PG, database: name },
        pluginDivisionMode: 'schema',
      },
      knex() {
        const k = knexLib({
          client: 'pg',
          connection: { ...PG, database: name },
          searchPath: ['promotion'],
          pool: { min: 0, max: 4 },
        });
        clients.push(k);
        return k;
      },
      async drop() {
        if (db.dropped) return;
        db.dropped = true;
        await Promise.all(clients.map(k => k.destroy().catch(() => {})));
        execFileSync('dropdb', [
          '-h',
          PG.host,
          '-p',
          String(PG.port),
          '-U',
          PG.user,
          '--force',
          '--if-exists',
          name,
        ]);
      },
    };
    onCleanup(() => db.drop());
    return db;
  }
  if (kind !== 'sqlite')
    throw new Error(`--db must be postgres or sqlite, not ${kind}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${label}-`));
  const clients = [];
  const db = {
    kind: 'sqlite',
    name: dir,
    backendConfig: { client: 'better-sqlite3', connection: { directory: dir } },
    knex() {
      const k = knexLib({
        client: 'better-sqlite3',
        connection: { filename: path.join(dir, 'promotion.sqlite') },
        useNullAsDefault: true,
        pool: {
          min: 1,
          max: 1,
          afterCreate: (conn, done) => {
            conn.pragma('busy_timeout = 10000');
            done(null, conn);
          },
        },
      });
      clients.push(k);
      return k;
    },
    async drop() {
      if (db.dropped) return;
      db.dropped = true;
      await Promise.all(clients.map(k => k.destroy().catch(() => {})));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  onCleanup(() => db.drop());
  return db;
}

/** Timestamps as the plugin stores them (Date on PostgreSQL, epoch ms on SQLite) → ms. */
function ms(value) {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (/^\d+$/.test(value)) return Number(value);
  return new Date(value).getTime();
}

/** Writes a catalog file of components `names[i]` with the pipeline annotation. */
function writeCatalog(dir, services) {
  const file = path.join(dir, 'catalog.yaml');
  const docs = services.map(
    ({ name, pipeline }) =>
      `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\n  annotations:\n    promotion.backstage.io/pipeline: ${pipeline}\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/bench\n`,
  );
  fs.writeFileSync(file, docs.join('---\n'));
  return file;
}

/**
 * Starts the real backend (bench/lib/backend.ts) with a generated config.
 * `promotion` is the plugin's config block; the webhook deployer points at
 * `webhookUrl`. Logs (JSON lines) go to a file the bench can read.
 */
async function startBackend({
  label,
  db,
  catalogFile,
  promotion,
  webhookUrl,
  prometheusUrl,
  workDir,
  waitFor,
}) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const config = {
    app: { baseUrl: origin },
    backend: {
      baseUrl: origin,
      listen: { host: '127.0.0.1', port },
      database: db.backendConfig,
      auth: {
        externalAccess: [
          {
            type: 'static',
            options: { token: CI_TOKEN, subject: 'bench-ci' },
            accessRestrictions: [
              {
                plugin: 'promotion',
                permission: ['promotion.register', 'promotion.read'],
              },
            ],
          },
        ],
      },
    },
    auth: {
      providers: { guest: { dangerouslyAllowOutsideDevelopment: true } },
    },
    catalog: {
      rules: [{ allow: ['Component', 'Location'] }],
      locations: [{ type: 'file', target: catalogFile }],
    },
    permission: { enabled: true },
    promotion: {
      ...promotion,
      deployers: {
        ...(promotion.deployers ?? {}),
        webhook: {
          url: webhookUrl,
          signingSecret: WEBHOOK_SECRET,
          retries: FAULT === 'retry' ? 1 : 0,
        },
      },
      metrics: prometheusUrl
        ? { prometheus: { baseUrl: prometheusUrl, timeout: '10s' } }
        : undefined,
    },
  };
  const configFile = path.join(workDir, `app-config.${label}.yaml`);
  // YAML is a superset of JSON.
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  const logFile = path.join(workDir, `backend.${label}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the backend
      ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
      path.join(root, 'bench/lib/backend.ts'),
      '--config',
      configFile,
    ],
    {
      cwd: path.join(root, 'packages/backend'),
      stdio: ['ignore', out, out],
      detached: true,
      env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'info' },
    },
  );
  fs.closeSync(out);
  syncKills.add(child.pid);
  let exited = false;
  const exit = new Promise(resolve =>
    child.on('exit', code => {
      exited = true;
      resolve(code);
    }),
  );
  const stop = async () => {
    if (exited) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const code = await Promise.race([
      exit,
      sleep(15_000).then(() => 'timeout'),
    ]);
    if (code === 'timeout') {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
      await exit;
    }
    syncKills.delete(child.pid);
  };
  onCleanup(stop);
  const backend = {
    origin,
    logFile,
    stop,
    readLog: () => fs.readFileSync(logFile, 'utf8'),
    call: (method, url, body, token = CI_TOKEN) =>
      call(origin, method, url, body, token),
  };
  await until(
    `the backend ${label} (log: ${logFile})`,
    async () => {
      // A backend that exited will not come up: say why now, not after
      // the start timeout (e.g. a native addon built for another Node).
      if (exited)
        throw new Hopeless(
          `backend ${label} exited during start; its log ends:\n${backend
            .readLog()
            .slice(-3000)}`,
        );
      return waitFor
        ? waitFor(backend)
        : backend.call('GET', '/api/promotion/health');
    },
    // 10,000 catalog entities take minutes to ingest on 2 cores.
    Number(process.env.BENCH_START_TIMEOUT_MS ?? 900_000),
    250,
  ).catch(e => {
    if (e instanceof Hopeless) throw e;
    throw new Error(
      `${e.message}; the backend's log ends:\n${backend
        .readLog()
        .slice(-3000)}`,
    );
  });
  return backend;
}

async function call(origin, method, url, body, token = CI_TOKEN) {
  const res = await fetch(`${origin}${url}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'content-type': 'application/json',
    },
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  if (!res.ok)
    throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** A signed-in person (the guest provider): freezes and rollbacks need one. */
async function guestToken(backend) {
  const guest = await call(
    backend.origin,
    'GET',
    '/api/auth/guest/refresh',
    undefined,
    '',
  );
  return guest.backstageIdentity.token;
}

const servicePath = name =>
  `/api/promotion/v1/services/component/default/${name}`;

/** Registers one artifact of `name`; returns the digest. */
async function register(backend, name, seed) {
  const digest = digestOf(`${name}-${seed}`);
  await backend.call('POST', '/api/promotion/v1/artifacts', {
    entityRef: `component:default/${name}`,
    digest,
    version: `1.0.${typeof seed === 'number' ? seed : 0}`,
    commit: `bench${String(seed)
      .replace(/[^a-z0-9]/gi, '')
      .slice(0, 30)}`,
  });
  return digest;
}

/**
 * The deploy system: answers each deploy POST with `{"status":"succeeded"}`
 * (the synchronous answer, docs/webhook-deployer.md), optionally after
 * `delayMs` (or `delayFor(body)`), and counts calls per Idempotency-Key.
 */
async function startWebhook({ delayMs = 0, delayFor } = {}) {
  const calls = [];
  const perKey = new Map();
  const waiters = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', c => chunks.push(c));
    req.on('end', async () => {
      const receivedAt = Date.now();
      const receivedPerf = performance.now();
      let body = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        // status polls have no body
      }
      const key = req.headers['idempotency-key'] ?? body.deploymentId;
      const record = {
        key,
        entityRef: body.entityRef,
        environment: body.environment,
        digest: body.artifact?.digest,
        receivedAt,
        receivedPerf,
      };
      // Decided on arrival: calls keep arriving during a delay.
      const fails =
        req.method === 'POST' && FAULT === 'fail' && calls.length === 0;
      if (req.method === 'POST') {
        calls.push(record);
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
        for (const w of waiters) w(record);
      }
      const delay = delayFor ? delayFor(body) : delayMs;
      if (delay) await sleep(delay);
      if (req.method === 'POST' && FAULT === 'retry' && perKey.get(key) === 1) {
        res.writeHead(503).end('bench fault: retry');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: fails ? 'failed' : 'succeeded' }));
    });
  });
  // Connections stay open as long as a typical HTTP server keeps them (Node's
  // default, 5 s): the backend's client stops reusing one a second or two
  // before the server's advertised timeout, so with 1 s it opened a new
  // connection for every call, which a real deploy system does not cause.
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/deploy`;
  const webhook = {
    url,
    calls,
    perKey,
    /** TCP connections accepted so far. */
    connections: () => connections,
    duplicates: () => [...perKey.values()].filter(n => n > 1).length,
    /** Resolves with the first call (from now on) that `match` accepts. */
    next(match, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error('timed out waiting for a deploy call'));
        }, timeoutMs);
        const w = record => {
          if (!match(record)) return;
          clearTimeout(timer);
          waiters.delete(w);
          resolve(record);
        };
        waiters.add(w);
      });
    },
    close: () =>
      new Promise(r => {
        if (!server.listening) return r();
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
  onCleanup(() => webhook.close());
  return webhook;
}

function workDir(label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${label}-work-`));
  onCleanup(() => {
    if (process.env.BENCH_KEEP) console.log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Engine pass reports from the log (needs promotion.engine.passBudget below every pass). */
function passesFromLog(text, sinceMs = 0) {
  const passes = [];
  for (const line of text.split('\n')) {
    const m = /pass took (\d+) ms.*claimed (\d+) lane/.exec(line);
    if (!m) continue;
    let at = NaN;
    try {
      at = new Date(JSON.parse(line).timestamp).getTime();
    } catch {
      // not JSON
    }
    if (!(at >= sinceMs)) continue;
    passes.push({ at, ms: Number(m[1]), claimed: Number(m[2]) });
  }
  return passes;
}

/**
 * The correctness every bench checks whatever its timing: no deployment
 * reached the deploy system twice and none failed. Prints the counts and
 * sets a non-zero exit code when either is not 0.
 */
async function checkDeploys(webhook, ...dbs) {
  let failed = 0;
  for (const db of dbs) {
    failed += Number(
      (
        await db
          .knex()('promotion_deployments')
          .where('state', 'failed')
          .count({ n: '*' })
          .first()
      ).n,
    );
  }
  const duplicates = webhook.duplicates();
  console.log(
    `correctness: duplicate deploys ${duplicates}, failed deployments ${failed} (both must be 0)`,
  );
  if (duplicates || failed) process.exitCode = 1;
}

/** Runs `main`, then cleanup; exits non-zero on failure. */
function run(main) {
  main()
    .catch(error => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => cleanup());
}

module.exports = {
  root,
  CI_TOKEN,
  WEBHOOK_SECRET,
  sleep,
  arg,
  numArg,
  until,
  pool,
  median,
  quantile,
  stats,
  freePort,
  digestOf,
  onCleanup,
  cleanup,
  createDatabase,
  ms,
  writeCatalog,
  startBackend,
  call,
  guestToken,
  servicePath,
  register,
  startWebhook,
  workDir,
  passesFromLog,
  checkDeploys,
  run,
};
