#!/usr/bin/env node
/* eslint-disable no-console */
// Is the pipeline tab's main request as fast as the catalog? autocannon
// against the real backend over HTTP: GET …/pipeline of a service with 10,
// 200 and 100,000 deployments, against the catalog's own
// GET /api/catalog/entities/by-name/… on the same backend, as the same
// signed-in user (guest), in interleaved rounds.
//
//   node bench/pipeline-view.js [--db sqlite,postgres] [--duration 15]
//        [--rounds 3] [--connections 10] [--sizes 10,200,100000]
//
// Targets: pipeline/catalog ≤ 1.5× at p50 and at p99 for every size, and the
// 100,000-deployment service within 1.2× of the 10-deployment one.
//
// Each service runs dev → staging → prod (webhook deployer). Its history is
// seeded directly (bench/lib/seed.js: per release an artifact, its promoted
// promotion, a superseded deployment and two events), spread over the three
// lanes, ending a day ago; then one artifact per service is registered over
// HTTP, so dev runs a real deployment and staging has a real pending
// promotion with its tests gate waiting. PostgreSQL tables are ANALYZEd after
// the seed, as autovacuum would do. A round runs autocannon for --duration
// seconds on each target in turn (catalog first); the figures are the
// medians over the rounds. A last line shows the polling client's
// conditional GET (If-None-Match → 304) for the 200-deployment service.
const autocannon = require('autocannon');
const h = require('./lib/harness');
const { seedHistory } = require('./lib/seed');

const dbKinds = h.arg('db', 'sqlite,postgres').split(',');
const duration = h.numArg('duration', 15);
const rounds = h.numArg('rounds', 3);
const connections = h.numArg('connections', 10);
const sizes = h.arg('sizes', '10,200,100000').split(',').map(Number);
const ENVIRONMENTS = ['dev', 'staging', 'prod'];

const serviceName = size => `view-${size}`;

function fire(origin, path, token, headers = {}) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${origin}${path}`,
        connections,
        duration,
        headers: { authorization: `Bearer ${token}`, ...headers },
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/** p50/p99 of one autocannon run; throws on any error or unexpected status. */
function latency(result, label, expectStatus = 200) {
  const wrong =
    expectStatus === 200
      ? result.non2xx
      : result.requests.total -
        (result.statusCodeStats[expectStatus]?.count ?? 0);
  if (result.errors || result.timeouts || wrong > 0) {
    throw new Error(
      `${label}: ${result.errors} errors, ${result.timeouts} timeouts, ${wrong} answers other than ${expectStatus}`,
    );
  }
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
  };
}

async function seed(knex, size) {
  const name = serviceName(size);
  let written = 0;
  for (const [i, environment] of ENVIRONMENTS.entries()) {
    // The deployments split over the lanes; prod gets the remainder.
    const releases =
      i < ENVIRONMENTS.length - 1
        ? Math.floor(size / ENVIRONMENTS.length)
        : size - 2 * Math.floor(size / ENVIRONMENTS.length);
    written += await seedHistory(knex, {
      services: [name],
      pipeline: 'bench',
      environment,
      releases,
      startSeed: i * 1_000_000,
    });
  }
  return written;
}

async function benchOne(dbKind) {
  const work = h.workDir(`view-${dbKind}`);
  const catalogFile = h.writeCatalog(
    work,
    sizes.map(size => ({ name: serviceName(size), pipeline: 'bench' })),
  );
  const db = await h.createDatabase(dbKind, 'view');
  const webhook = await h.startWebhook();
  const backend = await h.startBackend({
    label: `view-${dbKind}`,
    db,
    catalogFile,
    workDir: work,
    webhookUrl: webhook.url,
    promotion: {
      schedule: { seconds: 2 },
      pipelines: {
        bench: {
          environments: [
            { name: 'dev', deployer: 'webhook' },
            {
              name: 'staging',
              deployer: 'webhook',
              gates: [{ name: 'tests', suites: ['unit'] }],
            },
            { name: 'prod', deployer: 'webhook' },
          ],
        },
      },
    },
    waitFor: async b => {
      for (const size of sizes)
        await b.call('GET', `${h.servicePath(serviceName(size))}/pipeline`);
      return true;
    },
  });
  console.log(`backend ${backend.origin} on ${db.kind} (${db.name})`);
  const knex = db.knex();
  for (const size of sizes) {
    const started = performance.now();
    const rows = await seed(knex, size);
    console.log(
      `seeded ${size} deployments (${rows} rows) of ${serviceName(size)} in ${(
        (performance.now() - started) /
        1000
      ).toFixed(1)} s`,
    );
  }
  if (db.kind === 'postgres') await knex.raw('analyze');
  // A real artifact per service: a dev deployment and a pending promotion.
  for (const size of sizes) {
    const name = serviceName(size);
    const digest = h.digestOf(`${name}-live`);
    const deployed = webhook.next(r => r.digest === digest, 60_000);
    deployed.catch(() => {});
    // The first call after a long seed may meet a keep-alive socket the
    // backend has just closed; registration is idempotent, so try again.
    await h
      .register(backend, name, 'live')
      .catch(() => h.register(backend, name, 'live'));
    await deployed;
  }
  await h.sleep(3000);

  const token = await h.guestToken(backend);
  const targets = [
    {
      label: 'catalog',
      path: `/api/catalog/entities/by-name/component/default/${serviceName(
        sizes[0],
      )}`,
    },
    ...sizes.map(size => ({
      label: `pipeline ${size}`,
      size,
      path: `${h.servicePath(serviceName(size))}/pipeline`,
    })),
  ];
  // Warm-up: caches, JIT, connection pools.
  for (const t of targets) {
    for (let i = 0; i < 20; i++)
      await backend.call('GET', t.path, undefined, token);
  }
  const runs = new Map(targets.map(t => [t.label, []]));
  for (let r = 0; r < rounds; r++) {
    for (const t of targets) {
      runs
        .get(t.label)
        .push(latency(await fire(backend.origin, t.path, token), t.label));
    }
    const line = targets
      .map(t => {
        const last = runs.get(t.label)[r];
        return `${t.label} p50 ${last.p50} p99 ${last.p99} ms`;
      })
      .join('; ');
    console.log(`round ${r + 1}: ${line}`);
  }
  // The polling client: If-None-Match with the ETag it holds.
  const pollPath = `${h.servicePath(
    serviceName(sizes[Math.min(1, sizes.length - 1)]),
  )}/pipeline`;
  const probe = await fetch(`${backend.origin}${pollPath}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const etag = probe.headers.get('etag');
  let conditional;
  if (etag) {
    conditional = latency(
      await fire(backend.origin, pollPath, token, { 'if-none-match': etag }),
      'conditional pipeline',
      304,
    );
  }

  const med = (label, key) => h.median(runs.get(label).map(x => x[key]));
  const catalog = { p50: med('catalog', 'p50'), p99: med('catalog', 'p99') };
  const verdict = ok => (ok ? 'met' : 'NOT met');
  console.log(
    `\n${db.kind}: ${rounds} interleaved rounds of ${duration} s, ${connections} connections (medians over rounds)`,
  );
  console.log(
    `catalog by-name: p50 ${catalog.p50} ms, p99 ${catalog.p99} ms, ${med(
      'catalog',
      'rps',
    ).toFixed(0)} req/s`,
  );
  const summary = { db: db.kind, catalog, sizes: {} };
  for (const size of sizes) {
    const label = `pipeline ${size}`;
    const p50 = med(label, 'p50');
    const p99 = med(label, 'p99');
    const r50 = p50 / catalog.p50;
    const r99 = p99 / catalog.p99;
    summary.sizes[size] = { p50, p99, r50, r99 };
    console.log(
      `pipeline, ${size} deployments: p50 ${p50} ms, p99 ${p99} ms, ${med(
        label,
        'rps',
      ).toFixed(0)} req/s; ratio p50 ${r50.toFixed(2)}×, p99 ${r99.toFixed(
        2,
      )}× (target ≤ 1.5×) → ${verdict(r50 <= 1.5 && r99 <= 1.5)}`,
    );
  }
  const smallest = summary.sizes[Math.min(...sizes)];
  const largest = summary.sizes[Math.max(...sizes)];
  if (smallest && largest && smallest !== largest) {
    const g50 = largest.p50 / smallest.p50;
    const g99 = largest.p99 / smallest.p99;
    console.log(
      `${Math.max(...sizes)} vs ${Math.min(
        ...sizes,
      )} deployments: p50 ${g50.toFixed(2)}×, p99 ${g99.toFixed(
        2,
      )}× (target ≤ 1.2×) → ${verdict(g50 <= 1.2 && g99 <= 1.2)}`,
    );
  }
  if (conditional) {
    console.log(
      `conditional GET (If-None-Match → 304), ${
        pollPath.split('/').slice(-2)[0]
      }: p50 ${conditional.p50} ms, p99 ${conditional.p99} ms`,
    );
  } else {
    console.log('pipeline answers carry no ETag');
  }
  await backend.stop();
  await webhook.close();
  await db.drop();
  return summary;
}

async function main() {
  for (const kind of dbKinds) await benchOne(kind.trim());
}

h.run(main);
