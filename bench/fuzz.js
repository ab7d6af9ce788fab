#!/usr/bin/env node
/* eslint-disable no-console */
// Sends generated bad requests to the real backend (the demo backend over a
// fresh SQLite file, real HTTP) and checks that every one is refused with a
// 4xx and Backstage's error body, and that no plugin table gained or lost a
// row. The requests come from the OpenAPI spec's mutating operations, drawn
// by the same generator as the fuzz test
// (plugins/promotion-backend/src/__testUtils__/openApiFuzz.ts).
//
//   node bench/fuzz.js [--cases 10000] [--concurrency 4] [--seed N]
//
// Reported: cases, time, a histogram of statuses, 5xx count, and the cases
// that broke the contract (first few).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// Lets Node load the generator's TypeScript, as `backstage-cli package start` does.
require('@backstage/cli-node/config/nodeTransform.cjs');
const fc = require('fast-check');
const { parse } = require('yaml');
const {
  badRequests,
  describeCase,
  mutatingOperations,
} = require('../plugins/promotion-backend/src/__testUtils__/openApiFuzz.ts');
const {
  hasBackstageErrorBody,
  rawRequest,
} = require('../plugins/promotion-backend/src/__testUtils__/rawHttp.ts');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const cases = Number(arg('cases', 10_000));
const concurrency = Number(arg('concurrency', 4));
const seed = Number(arg('seed', Date.now() % 1_000_000));

const origin = 'http://127.0.0.1:7108';
const ciToken = 'Bearer demo-ci-token-change-me';
const entityRef = 'component:default/checkout';
const service = '/api/promotion/v1/services/component/default/checkout';
const dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'promotion-fuzz-'));

async function call(method, url, body, auth = ciToken) {
  const res = await fetch(`${origin}${url}`, {
    method,
    headers: {
      authorization: auth,
      'content-type': 'application/json',
      'x-requested-with': 'XMLHttpRequest',
    },
    body: body && JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

async function until(what, probe, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

/** Rows per plugin table, read from the backend's own SQLite file; refused-action audit events left out. */
function tableCounts() {
  const Database = require('better-sqlite3');
  const db = new Database(path.join(dbDir, 'promotion.sqlite'), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    const counts = {};
    const tables = db
      .prepare(
        "select name from sqlite_master where type = 'table' and name like 'promotion\\_%' escape '\\' and name not like 'promotion\\_\\_%' escape '\\' order by name",
      )
      .all();
    for (const { name } of tables) {
      const where =
        name === 'promotion_events' ? " where kind not like '%.refused'" : '';
      counts[name] = db
        .prepare(`select count(*) as n from "${name}"${where}`)
        .get().n;
    }
    return counts;
  } finally {
    db.close();
  }
}

/** Waits until the engine stops writing. */
async function settle() {
  let previous = JSON.stringify(tableCounts());
  for (let still = 0; still < 3; ) {
    await sleep(500);
    const current = JSON.stringify(tableCounts());
    still = current === previous ? still + 1 : 0;
    previous = current;
  }
}

async function seedBackend(userToken) {
  const digest = `sha256:${require('node:crypto')
    .createHash('sha256')
    .update(`fuzz-${seed}`)
    .digest('hex')}`;
  await call('POST', '/api/promotion/v1/artifacts', {
    entityRef,
    digest,
    version: '1.0.0',
    commit: 'fuzz',
    author: 'user:default/bob',
    labels: ['payment'],
  });
  let last;
  const view = await until(
    'a promotion into prod waiting for approval',
    async () => {
      const v = await call('GET', `${service}/pipeline`);
      const prod = v.environments.find(e => e.name === 'prod');
      last = JSON.stringify(
        v.environments.map(e => [e.name, e.current?.state, e.promotion?.gates]),
      );
      return (
        prod.promotion?.gates.some(
          g => g.gate === 'approval' && g.verdict === 'pending',
        ) && v
      );
    },
  );
  if (!view) throw new Error(`no pending promotion: ${last}`);
  // Freezing is a person's action.
  const freeze = await call(
    'POST',
    `${service}/freezes`,
    { environment: 'prod', reason: 'fuzz seed' },
    userToken,
  );
  const lanes = Object.fromEntries(view.environments.map(e => [e.name, e]));
  return {
    kind: 'component',
    namespace: 'default',
    name: 'checkout',
    entityRef,
    environment: 'dev',
    author: 'user:default/bob',
    digest,
    promotionId: lanes.prod.promotion.id,
    rollbackId: lanes.prod.promotion.id,
    freezeId: freeze.id,
    deploymentId: lanes.dev.current.id,
  };
}

async function main() {
  // Plain node, not `backstage-cli package start`: its file watcher would
  // restart the backend mid-run whenever a source file changes.
  const backend = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
      'src/index.ts',
      '--config',
      '../../app-config.yaml',
      '--config',
      '../../bench/app-config.fuzz.yaml',
    ],
    {
      cwd: path.join(root, 'packages/backend'),
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        PROMOTION_FUZZ_DB_DIR: dbDir,
      },
    },
  );
  const stop = () => {
    try {
      process.kill(-backend.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.on('exit', stop);
  try {
    await until(
      'the backend',
      () => call('GET', `${service}/pipeline`),
      180_000,
    );
    // A person: the guest sign-in of the development backend.
    const guest = await call('GET', '/api/auth/guest/refresh', undefined, '');
    const userToken = `Bearer ${guest.backstageIdentity.token}`;
    const seeds = await seedBackend(userToken);
    await settle();
    const before = tableCounts();

    const spec = parse(
      fs.readFileSync(
        path.join(root, 'plugins/promotion-backend/src/schema/openapi.yaml'),
        'utf8',
      ),
    );
    const operations = mutatingOperations(spec);
    const drawn = fc.sample(
      badRequests({
        operations,
        seeds,
        basePath: '/api/promotion',
        tokens: { ci: ciToken, user: userToken },
      }),
      { numRuns: cases, seed },
    );

    const statuses = {};
    const perOperation = {};
    const broken = [];
    let next = 0;
    const started = performance.now();
    async function worker() {
      while (next < drawn.length) {
        const fuzzCase = drawn[next++];
        const res = await rawRequest(origin, fuzzCase.request).catch(error => ({
          status: `error ${error.code ?? error.message}`,
        }));
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const op = (perOperation[fuzzCase.operationId] ??= {});
        op[res.status] = (op[res.status] ?? 0) + 1;
        const ok =
          typeof res.status === 'number' &&
          res.status >= 400 &&
          res.status < 500 &&
          hasBackstageErrorBody(res);
        if (!ok) {
          broken.push(
            `${describeCase(fuzzCase)} → ${res.status} ${(res.text ?? '').slice(
              0,
              200,
            )}`,
          );
        }
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    await settle();
    const after = tableCounts();
    const serverErrors = Object.entries(statuses)
      .filter(([s]) => Number(s) >= 500)
      .reduce((n, [, c]) => n + c, 0);
    const rowsUnchanged = JSON.stringify(before) === JSON.stringify(after);

    console.log(`seed ${seed}; ${operations.length} mutating operations`);
    console.log(
      `cases ${drawn.length} in ${seconds.toFixed(1)} s (${(
        drawn.length / seconds
      ).toFixed(0)}/s, concurrency ${concurrency})`,
    );
    console.log(`statuses ${JSON.stringify(statuses)}`);
    for (const [op, hist] of Object.entries(perOperation).sort()) {
      console.log(`  ${op.padEnd(24)} ${JSON.stringify(hist)}`);
    }
    console.log(`5xx ${serverErrors}`);
    console.log(
      `contract broken (not 4xx, or 4xx without the error body) ${broken.length}`,
    );
    for (const line of broken.slice(0, 10)) console.log(`  ${line}`);
    console.log(
      `plugin rows ${rowsUnchanged ? 'unchanged' : 'CHANGED'}: ${JSON.stringify(
        after,
      )}`,
    );
    if (serverErrors || broken.length || !rowsUnchanged) process.exitCode = 1;
  } finally {
    stop();
    fs.rmSync(dbDir, { recursive: true, force: true });
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
