#!/usr/bin/env node
/* eslint-disable no-console */
// Does history slow the engine down? Registration → deployer call latency
// (and the pipeline view's answer time) with a small and a large history in
// the plugin's tables, on the same backend.
//
//   node bench/history-flat.js [--db postgres|sqlite] [--small 10000]
//        [--large 1000000] [--rounds 20] [--services 10]
//        [--history-services 100]
//
// Target: the large-history median ≤ 1.2× the small-history median.
//
// History is seeded directly (bench/lib/seed.js, the schema of
// plugins/promotion-backend/migrations/*.js): past releases of
// --history-services services in `prod`, an hour apart, each written as its
// artifact, promoted promotion, superseded deployment and two events (5 rows
// a release; --small/--large count those rows). The measured services (the
// first --services of them) carry their share of it. PostgreSQL tables are
// ANALYZEd after each seed, as autovacuum would do.
//
// Each round registers a new artifact of the next measured service over HTTP
// and times from just before the request until the webhook receiver (the
// deploy system, answering {"status":"succeeded"}) gets the deploy POST for
// that digest; then it times GET …/pipeline of that service. The rounds run
// after the small seed, then again after topping the history up to --large.
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

async function measure(backend, webhook, services, label) {
  const deploy = [];
  const view = [];
  for (let i = 0; i < rounds; i++) {
    const name = services[i % services.length];
    const seed = `${label}-${i}-${Date.now()}`;
    const digest = h.digestOf(`${name}-${seed}`);
    const deployed = webhook.next(r => r.digest === digest, 60_000);
    const started = performance.now();
    await h.register(backend, name, seed);
    deploy.push((await deployed).receivedPerf - started);
    const viewStarted = performance.now();
    await backend.call('GET', `${h.servicePath(name)}/pipeline`);
    view.push(performance.now() - viewStarted);
  }
  return { deploy, view };
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
  const db = await h.createDatabase(dbKind, 'history');
  const webhook = await h.startWebhook();
  const backend = await h.startBackend({
    label: 'history',
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
  console.log(`backend ${backend.origin} on ${db.kind} (${db.name})`);
  const knex = db.knex();

  let seeded = performance.now();
  await seedHistory(knex, {
    services: all,
    pipeline: 'direct',
    environment: 'prod',
    releases: Math.round(small / 5),
  });
  await analyze(db, knex);
  const smallRows = await rowCount(knex);
  console.log(
    `seeded ${smallRows} history rows in ${(
      (performance.now() - seeded) /
      1000
    ).toFixed(1)} s`,
  );
  // Warm-up: a real deployment per measured service.
  for (const s of services) {
    const digest = h.digestOf(`${s}-warm`);
    const deployed = webhook.next(r => r.digest === digest, 60_000);
    await h.register(backend, s, 'warm');
    await deployed;
  }
  const a = await measure(backend, webhook, services, 'small');

  seeded = performance.now();
  await seedHistory(knex, {
    services: all,
    pipeline: 'direct',
    environment: 'prod',
    releases: Math.round((large - smallRows) / 5),
    startSeed: 1_000_000,
    current: false,
  });
  await analyze(db, knex);
  const largeRows = await rowCount(knex);
  console.log(
    `topped up to ${largeRows} history rows in ${(
      (performance.now() - seeded) /
      1000
    ).toFixed(1)} s`,
  );
  const b = await measure(backend, webhook, services, 'large');

  const ratio = h.median(b.deploy) / h.median(a.deploy);
  const viewRatio = h.median(b.view) / h.median(a.view);
  console.log(
    `database ${db.kind}; ${rounds} rounds over ${services.length} of ${all.length} services`,
  );
  console.log(
    `registration → deployer call, ${smallRows} rows: ${h.stats(a.deploy)}`,
  );
  console.log(
    `registration → deployer call, ${largeRows} rows: ${h.stats(b.deploy)}`,
  );
  console.log(
    `  ratio ${ratio.toFixed(2)}× (target ≤ 1.2×) → ${
      ratio <= 1.2 ? 'met' : 'NOT met'
    }`,
  );
  console.log(`pipeline view, ${smallRows} rows: ${h.stats(a.view)}`);
  console.log(`pipeline view, ${largeRows} rows: ${h.stats(b.view)}`);
  console.log(
    `  ratio ${viewRatio.toFixed(2)}× (target ≤ 1.2×) → ${
      viewRatio <= 1.2 ? 'met' : 'NOT met'
    }`,
  );
  await h.checkDeploys(webhook, db);
}

h.run(main);
