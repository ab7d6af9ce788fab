#!/usr/bin/env node
/* eslint-disable no-console */
// Engine pass figures on the real backend: (a) how long a pass takes when
// nothing is due, with N lanes waiting at a stop-the-line freeze, and (b) how
// long after the freeze is lifted every waiting lane has been re-evaluated
// and promoted.
//
//   node bench/engine-pass.js [--db postgres|sqlite] [--lanes 200]
//        [--seed api|sql] [--concurrency 8] [--idle-seconds 10]
//        [--engine-concurrency N] [--evaluation-concurrency N]
//        [--verify-wait-seconds 120]
//
// Targets: idle pass ≤ 20 ms at 10,000 lanes; all due lanes re-evaluated
// within 2 s after the freeze is lifted.
//
// Setup: N services `lane-NNNNN` (generated catalog file), pipeline `gated`
// with one environment, `prod` (webhook deployer; the bench's receiver
// answers {"status":"succeeded"}), gated by `window` on a calendar with no
// deny rules, so only a freeze holds a promotion. A signed-in guest freezes
// prod for all services (POST …/freezes, allServices: true), then each
// service gets a promotion into prod:
//   --seed api  registers an artifact per service over HTTP (CI token), with
//               at most --concurrency registrations in flight (default for
//               up to 1,000 lanes);
//   --seed sql  inserts what a registration writes (artifact, pending
//               promotion due now, its events; bench/lib/seed.js) straight
//               into the plugin's tables (default above 1,000 lanes).
// The bench waits until the engine has looked at every promotion (a pending
// `window` verdict in promotion_gate_results).
//
// (a) Pass time: the backend runs with promotion.engine.passBudget = 1 ms,
// so the engine logs "pass took N ms … claimed K lane(s)" for every pass
// over 1 ms (the warning EngineMetrics.passFinished writes). Over
// --idle-seconds the bench collects those lines and reports the passes that
// claimed nothing (idle) and all passes; a pass of ≤ 1 ms is not logged, so
// the number of scheduled passes is printed too. The number of promotions
// due (pending, next_check_at ≤ now) is read from the table once a second.
//
// (b) The guest lifts the freeze (DELETE /v1/freezes/:id); the bench reads
// the promotions table every 100 ms until no lane is pending any more, and
// reports: lift → last lane left pending (client clock, ±100 ms), lift → the
// newest `window` verdict / promotion update written after the lift (server
// clock, from promotion_gate_results.evaluated_at and
// promotion_promotions.updated_at), deploy calls and duplicate deploys (per
// Idempotency-Key at the receiver).
const h = require('./lib/harness');
const { seedPendingLanes } = require('./lib/seed');

const dbKind = h.arg('db', 'postgres');
const lanes = h.numArg('lanes', 200);
const seedMode = h.arg('seed', lanes > 1000 ? 'sql' : 'api');
const concurrency = h.numArg('concurrency', 8);
const idleSeconds = h.numArg('idle-seconds', 10);
// promotion.engine.concurrency of the backend; unset: the engine's default.
const engineConcurrency = h.numArg('engine-concurrency', 0);
// promotion.engine.evaluationConcurrency; unset: the engine's default.
const evaluationConcurrency = h.numArg('evaluation-concurrency', 0);
const scheduleSeconds = 2;
// How long (b) waits for every deployment to be verified after the lift.
const verifyWaitSeconds = h.numArg('verify-wait-seconds', 120);

async function main() {
  const work = h.workDir('engine');
  const services = Array.from(
    { length: lanes },
    (_, i) => `lane-${String(i).padStart(5, '0')}`,
  );
  const catalogFile = h.writeCatalog(
    work,
    services.map(name => ({ name, pipeline: 'gated' })),
  );
  const db = await h.createDatabase(dbKind, 'engine');
  const webhook = await h.startWebhook();
  const last = services[services.length - 1];
  const backend = await h.startBackend({
    label: 'engine',
    db,
    catalogFile,
    workDir: work,
    webhookUrl: webhook.url,
    promotion: {
      schedule: { seconds: scheduleSeconds },
      engine: {
        passBudget: { milliseconds: 1 },
        ...(engineConcurrency ? { concurrency: engineConcurrency } : {}),
        ...(evaluationConcurrency ? { evaluationConcurrency } : {}),
      },
      calendars: { always: { timezone: 'UTC' } },
      pipelines: {
        gated: {
          environments: [
            {
              name: 'prod',
              deployer: 'webhook',
              gates: [{ name: 'window', calendar: 'always' }],
            },
          ],
        },
      },
    },
    waitFor: b => b.call('GET', `${h.servicePath(last)}/pipeline`),
  });
  console.log(
    `backend ${backend.origin} on ${db.kind} (${db.name}); catalog has ${lanes} services`,
  );
  const knex = db.knex();
  const person = await h.guestToken(backend);
  const freeze = await backend.call(
    'POST',
    `${h.servicePath(services[0])}/freezes`,
    { environment: 'prod', reason: 'bench: stop the line', allServices: true },
    person,
  );

  const seedStarted = performance.now();
  if (seedMode === 'sql') {
    await seedPendingLanes(knex, {
      services,
      pipeline: 'gated',
      toEnvironment: 'prod',
    });
  } else {
    await h.pool(services, concurrency, name =>
      h.register(backend, name, 'lane'),
    );
  }
  const seeded = (performance.now() - seedStarted) / 1000;
  const waiting = () =>
    knex('promotion_gate_results as g')
      .join('promotion_promotions as p', 'p.id', 'g.promotion_id')
      .where({
        'g.gate': 'window',
        'g.verdict': 'pending',
        'p.state': 'pending',
      })
      .count({ n: '*' })
      .first()
      .then(r => Number(r.n));
  await h.until(
    `all ${lanes} promotions held by the freeze`,
    async () => (await waiting()) >= lanes,
    600_000,
    250,
  );
  const settled = (performance.now() - seedStarted) / 1000;
  console.log(
    `seeded ${lanes} lanes via ${seedMode} in ${seeded.toFixed(
      1,
    )} s; all held at the window gate after ${settled.toFixed(1)} s`,
  );

  // (a) idle passes
  await h.sleep(scheduleSeconds * 1000);
  const idleFrom = Date.now();
  const due = [];
  while (Date.now() - idleFrom < idleSeconds * 1000) {
    const row = await knex('promotion_promotions')
      .where('state', 'pending')
      .where('next_check_at', '<=', new Date())
      .count({ n: '*' })
      .first();
    due.push(Number(row.n));
    await h.sleep(1000);
  }
  await h.sleep(500); // let the last log lines land
  const passes = h
    .passesFromLog(backend.readLog(), idleFrom)
    .filter(p => p.at <= idleFrom + idleSeconds * 1000);
  const idle = passes.filter(p => p.claimed === 0).map(p => p.ms);
  const busy = passes.filter(p => p.claimed > 0);

  // Commits PostgreSQL counted for the bench's database (every statement
  // outside a transaction is one): a figure the machine's load does not move.
  const commits = async () =>
    db.kind === 'postgres'
      ? Number(
          (
            await knex('pg_stat_database')
              .where({ datname: db.name })
              .first('xact_commit')
          ).xact_commit,
        )
      : NaN;
  const commitsBefore = await commits();

  // (b) lift the freeze
  const liftedAt = Date.now();
  await backend.call(
    'DELETE',
    `/api/promotion/v1/freezes/${freeze.id}`,
    undefined,
    person,
  );
  // Whether one is left, not how many, every 100 ms: a count every 25 ms
  // took a quarter of a core from the two the engine and PostgreSQL share.
  // The server-clock figures below do not depend on this interval.
  const anyPending = () =>
    knex('promotion_promotions')
      .select(knex.raw('1'))
      .where({ state: 'pending', to_environment: 'prod' })
      .first()
      .then(row => row !== undefined);
  await h.until(
    'every lane out of pending after the lift',
    async () => !(await anyPending()),
    300_000,
    100,
  );
  const clientAll = Date.now() - liftedAt;
  const lastVerdict = await knex('promotion_gate_results')
    .where('gate', 'window')
    .max({ at: 'evaluated_at' })
    .first();
  const lastUpdate = await knex('promotion_promotions')
    .where('to_environment', 'prod')
    .max({ at: 'updated_at' })
    .first();
  const states = await knex('promotion_promotions')
    .select('state')
    .count({ n: '*' })
    .groupBy('state');
  // --verify-wait-seconds 0: the lift alone (a diagnosis run).
  await h
    .until(
      `${lanes} deploy calls`,
      async () => webhook.perKey.size >= lanes,
      verifyWaitSeconds > 0 ? 120_000 : 0,
      50,
    )
    .catch(() => {});
  // Verified or failed: a failed one never verifies, and checkDeploys
  // below fails the run for it without waiting out this wait.
  const deploymentsSettled = () =>
    knex('promotion_deployments')
      .whereIn('state', ['verified', 'failed'])
      .count({ n: '*' })
      .first()
      .then(r => Number(r.n));
  await h
    .until(
      `${lanes} deployments verified`,
      async () => (await deploymentsSettled()) >= lanes,
      // Deployments have fewer slots than evaluations and take longer: wait
      // a bounded time and say how far they got.
      verifyWaitSeconds * 1000,
      100,
    )
    .catch(() => {});
  const allVerified = Date.now() - liftedAt;
  const verifiedCount = Number(
    (
      await knex('promotion_deployments')
        .where({ state: 'verified' })
        .count({ n: '*' })
        .first()
    ).n,
  );
  await h.sleep(1500); // backends report their counts within a second of going idle
  const commitsPerLane = ((await commits()) - commitsBefore) / lanes;

  console.log(
    `database ${db.kind}, ${lanes} lanes, engine schedule ${scheduleSeconds} s`,
  );
  console.log(
    `(a) passes logged over ${idleSeconds} s with every lane held (passes ≤ 1 ms are not logged): ${passes.length}`,
  );
  console.log(`    idle passes (claimed 0): ${h.stats(idle)}`);
  console.log(
    `    passes that claimed lanes: ${busy.length}${
      busy.length
        ? `, claimed ${h.median(busy.map(p => p.claimed))} (median), ${h.stats(
            busy.map(p => p.ms),
          )}`
        : ''
    }`,
  );
  console.log(
    `    promotions due (pending, next_check_at ≤ now), sampled each second: ${due.join(
      ' ',
    )}`,
  );
  const idleFigure = idle.length
    ? h.median(idle)
    : busy.length
    ? h.median(busy.map(p => p.ms))
    : 1;
  console.log(
    `    target: idle pass ≤ 20 ms at 10,000 lanes; here ${idleFigure} ms (median; ${
      idle.length
        ? 'idle passes'
        : busy.length
        ? 'no idle pass, the passes re-evaluated held lanes'
        : 'no pass over 1 ms'
    }) at ${lanes} lanes`,
  );
  console.log(
    `(b) freeze lifted → every lane left pending: ${clientAll} ms (client clock, read every 100 ms)`,
  );
  console.log(
    `    lift → newest window verdict: ${
      h.ms(lastVerdict.at) - liftedAt
    } ms; lift → newest promotion update: ${
      h.ms(lastUpdate.at) - liftedAt
    } ms (server clock)`,
  );
  console.log(
    `    promotion states: ${states.map(s => `${s.state} ${s.n}`).join(', ')}`,
  );
  console.log(
    `    target: all due lanes re-evaluated within 2 s → ${
      clientAll <= 2000 ? 'met' : 'NOT met'
    }`,
  );
  console.log(
    `    lift → ${verifiedCount} of ${lanes} deployments verified: ${allVerified} ms; commits per lane (pg_stat_database of the bench's database, which the catalog shares; lift → then): ${
      Number.isNaN(commitsPerLane) ? 'n/a (SQLite)' : commitsPerLane.toFixed(2)
    }`,
  );
  console.log(
    `deploy calls ${webhook.calls.length} for ${
      webhook.perKey.size
    } deployments; duplicate deploys ${webhook.duplicates()}`,
  );
  // Correctness, whatever the timing: every lane promoted, each deployed once.
  const promoted = states.find(s => s.state === 'promoted')?.n ?? 0;
  if (
    webhook.duplicates() ||
    Number(promoted) !== lanes ||
    webhook.perKey.size !== lanes
  ) {
    process.exitCode = 1;
  }
  await h.checkDeploys(webhook, db);
}

h.run(main);
