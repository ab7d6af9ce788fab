#!/usr/bin/env node
/* eslint-disable no-console */
// Does history slow the engine down? Registration → deployer call latency
// (and the pipeline view's answer time) with a small and a large history in
// the plugin's tables, measured as paired rounds on two backends that run at
// the same time.
//
//   node bench/history-flat.js [--db postgres|sqlite] [--small 10000]
//        [--large 1000000] [--rounds 20] [--services 10]
//        [--history-services 100]
//
// Target: the large-history median ≤ 1.2× the small-history median.
//
// Two databases, each with its own backend: one holds --small history rows,
// the other --large, seeded directly (bench/lib/seed.js, the schema of
// plugins/promotion-backend/migrations/*.js): past releases of
// --history-services services in `prod`, an hour apart, each written as its
// artifact, promoted promotion, superseded deployment and two events (5 rows
// a release). The measured services (the first --services of them) carry
// their share of it. PostgreSQL tables are ANALYZEd after the seed, as
// autovacuum would do.
//
// Each round registers a new artifact of the next measured service over HTTP
// on both backends, one after the other (the order alternates between rounds),
// and times from just before the request until the webhook receiver (the
// deploy system, answering {"status":"succeeded"}) gets the deploy POST for
// that digest; then it times GET …/pipeline of that service. Both sides run
// through the same moments of this noisy machine, so their ratio holds still
// where two runs one after the other would not.
const h = require('./lib/harness');
const { seedHistory } = require('./lib/seed');

const dbKind = h.arg('db', 'postgres');
const small = h.numArg('small', 10_000);
const large = h.numArg('large', 1_000_000);
const rounds = h.numArg('rounds', 20);
const measured = h.numArg('services', 10);
const historyServices = h.numArg('history-services', 100);

async function rowCount(knex) {
  let n = 0;
  for (const t of [
    'promotion_artifacts',
    'promotion_promotions',
    'promotion_deployments',
    'promotion_events',
  ]) {
    n += Number((await knex(t).count({ n: '*' }).first()).n);
  }
  return n;
}

async function analyze(db, knex) {
  if (db.kind === 'postgres') await knex.raw('analyze');
}

/** A database seeded with `rows` history rows, and a backend on it. */
async function startSide(label, rows, run) {
  const { work, all, services, catalogFile, webhook } = run;
  const db = await h.createDatabase(dbKind, `history_${label}`);
  const backend = await h.startBackend({
    label,
    db,
    catalogFile,
    workDir: work,
    webhookUrl: webhook.url,
    promotion: {
      schedule: { seconds: 2 },
      pipelines: {
        direct: { environments: [{ name: 'prod', deployer: 'webhook' }] },
      },
    },
    waitFor: async b => {
      for (const s of services)
        await b.call('GET', `${h.servicePath(s)}/pipeline`);
      return b.call('GET', `${h.servicePath(all[all.length - 1])}/pipeline`);
    },
  });
  // Seeded once the backend has created the tables.
  const knex = db.knex();
  const seeded = performance.now();
  await seedHistory(knex, {
    services: all,
    pipeline: 'direct',
    environment: 'prod',
    releases: Math.round(rows / 5),
  });
  await analyze(db, knex);
  const count = await rowCount(knex);
  console.log(
    `${label}: backend ${backend.origin} on ${db.kind} (${
      db.name
    }), ${count} history rows seeded in ${(
      (performance.now() - seeded) /
      1000
    ).toFixed(1)} s`,
  );
  return { label, db, backend, rows: count, deploy: [], view: [] };
}

/** Registers a new artifact of `name`: timed to its deploy POST, then the pipeline view. */
async function round(side, webhook, name, seed) {
  // Each side's artifacts have their own digests.
  const sideSeed = `${side.label}-${seed}`;
  const digest = h.digestOf(`${name}-${sideSeed}`);
  const deployed = webhook.next(r => r.digest === digest, 60_000);
  const started = performance.now();
  await h.register(side.backend, name, sideSeed);
  const receivedAt = (await deployed).receivedPerf;
  const viewStarted = performance.now();
  await side.backend.call('GET', `${h.servicePath(name)}/pipeline`);
  return {
    deploy: receivedAt - started,
    view: performance.now() - viewStarted,
  };
}

async function main() {
  const work = h.workDir('history');
  const all = Array.from(
    { length: historyServices },
    (_, i) => `hist-${String(i).padStart(4, '0')}`,
  );
  const services = all.slice(0, measured);
  const catalogFile = h.writeCatalog(
    work,
    all.map(name => ({ name, pipeline: 'direct' })),
  );
  const webhook = await h.startWebhook();
  const run = { work, all, services, catalogFile, webhook };
  const sides = [
    await startSide('small', small, run),
    await startSide('large', large, run),
  ];

  // Warm-up: a real deployment per measured service on each side.
  for (const side of sides) {
    for (const s of services) await round(side, webhook, s, 'warm');
  }
  for (let i = 0; i < rounds; i++) {
    const name = services[i % services.length];
    const order = i % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const timed = await round(side, webhook, name, `${i}-${Date.now()}`);
      side.deploy.push(timed.deploy);
      side.view.push(timed.view);
    }
  }

  const [a, b] = sides;
  console.log(
    `database ${dbKind}; ${rounds} paired rounds over ${services.length} of ${all.length} services`,
  );
  for (const [figure, key] of [
    ['registration → deployer call', 'deploy'],
    ['pipeline view', 'view'],
  ]) {
    const ratio = h.median(b[key]) / h.median(a[key]);
    console.log(`${figure}, ${a.rows} rows: ${h.stats(a[key])}`);
    console.log(`${figure}, ${b.rows} rows: ${h.stats(b[key])}`);
    console.log(
      `  ratio ${ratio.toFixed(2)}× (target ≤ 1.2×) → ${
        ratio <= 1.2 ? 'met' : 'NOT met'
      }`,
    );
  }
  await h.checkDeploys(webhook, ...sides.map(side => side.db));
}

h.run(main);
