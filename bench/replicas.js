#!/usr/bin/env node
/* eslint-disable no-console */
// Throughput of one backend replica against two on the same PostgreSQL
// database, on the same workload, where every deploy call takes 50 ms.
//
//   node bench/replicas.js [--lanes 1000] [--deploy-ms 50] [--concurrency 8]
//
// Target: two replicas ≥ 1.8× the promotions/s of one; 0 duplicate deploys.
// Throughput is a steady-state figure: the default run lasts about 9 s with
// one replica. With 200 lanes it lasts about 2 s, and the ~0.1–0.15 s from
// the lift to the first deploy calls plus the last wave, which no replica
// count shortens, weigh as much as the noise of this machine.
//
// Each run (one replica, then two) gets a fresh PostgreSQL database
// (createdb/dropdb on 127.0.0.1:5432), a generated catalog of N services
// `rep-NNNNN` (pipeline `gated`: one environment, `prod`, webhook deployer,
// gated by `window` on a calendar with no deny rules) and a webhook receiver
// that answers each deploy POST with {"status":"succeeded"} after
// --deploy-ms and counts calls per Idempotency-Key. The second replica is
// started after the first is up (they never race on migrations).
//
// Workload: a guest freezes prod for all services; every service registers
// an artifact (API, CI token, --concurrency in flight, spread over the
// replicas); once every promotion waits at the freeze, the freeze is lifted
// and the clock starts. It stops when every promotion is promoted and every
// deployment has left queued/deploying (the tables read every 25 ms once the
// receiver has seen a call for every lane).
// Promotions/s = N / that time. Duplicate deploys: Idempotency-Keys the
// receiver saw more than once (also reported: deploy calls vs deployments).
const h = require('./lib/harness');

const lanes = h.numArg('lanes', 1000);
const deployMs = h.numArg('deploy-ms', 50);
const concurrency = h.numArg('concurrency', 8);

async function runWith(replicaCount) {
  const label = `rep${replicaCount}`;
  const work = h.workDir(label);
  const services = Array.from(
    { length: lanes },
    (_, i) => `rep-${String(i).padStart(5, '0')}`,
  );
  const catalogFile = h.writeCatalog(
    work,
    services.map(name => ({ name, pipeline: 'gated' })),
  );
  const db = await h.createDatabase('postgres', label);
  const webhook = await h.startWebhook({ delayMs: deployMs });
  const last = services[services.length - 1];
  const replicas = [];
  for (let r = 0; r < replicaCount; r++) {
    replicas.push(
      await h.startBackend({
        label: `${label}-${r}`,
        db,
        catalogFile,
        workDir: work,
        webhookUrl: webhook.url,
        promotion: {
          schedule: { seconds: 2 },
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
      }),
    );
  }
  const knex = db.knex();
  try {
    const person = await h.guestToken(replicas[0]);
    const freeze = await replicas[0].call(
      'POST',
      `${h.servicePath(services[0])}/freezes`,
      {
        environment: 'prod',
        reason: 'bench: hold until the start',
        allServices: true,
      },
      person,
    );
    await h.pool(services, concurrency, (name, i) =>
      h.register(replicas[i % replicas.length], name, 'rep'),
    );
    await h.until(
      'every promotion held by the freeze',
      async () =>
        Number(
          (
            await knex('promotion_gate_results as g')
              .join('promotion_promotions as p', 'p.id', 'g.promotion_id')
              .where({
                'g.gate': 'window',
                'g.verdict': 'pending',
                'p.state': 'pending',
              })
              .count({ n: '*' })
              .first()
          ).n,
        ) >= lanes,
      300_000,
      250,
    );
    const liftedAt = Date.now();
    await replicas[0].call(
      'DELETE',
      `/api/promotion/v1/freezes/${freeze.id}`,
      undefined,
      person,
    );
    // The receiver counts calls in this process: the database is only asked
    // once every lane has called, so polling does not take CPU from the run.
    await h.until(
      'a deploy call for every lane',
      async () => webhook.perKey.size >= lanes,
      600_000,
      5,
    );
    await h.until(
      'every lane promoted and deployed',
      async () => {
        const promoted = await knex('promotion_promotions')
          .where({ state: 'promoted' })
          .count({ n: '*' })
          .first();
        if (Number(promoted.n) < lanes) return false;
        const done = await knex('promotion_deployments')
          .whereNotIn('state', ['queued', 'deploying'])
          .count({ n: '*' })
          .first();
        return Number(done.n) >= lanes;
      },
      600_000,
      25,
    );
    const seconds = (Date.now() - liftedAt) / 1000;
    // The engine's own clock: the lift's commit to the last deployment the
    // deploy system answered (without the lift request's permission check
    // and the poll's granularity, which no replica count changes).
    const lifted = await knex('promotion_freezes')
      .where({ id: freeze.id })
      .first('lifted_at');
    const healthy = await knex('promotion_deployments')
      .max({ at: 'healthy_at' })
      .first();
    const engineSeconds = (h.ms(healthy.at) - h.ms(lifted.lifted_at)) / 1000;
    const lastDeploy =
      Math.max(...webhook.calls.map(c => c.receivedAt)) + deployMs;
    await h.sleep(2000); // late duplicates, if any
    await h.checkDeploys(webhook, db);
    const result = {
      replicas: replicaCount,
      seconds,
      perSecond: lanes / seconds,
      enginePerSecond: lanes / engineSeconds,
      deploySeconds: (lastDeploy - liftedAt) / 1000,
      calls: webhook.calls.length,
      deployments: webhook.perKey.size,
      duplicates: webhook.duplicates(),
    };
    console.log(
      `${replicaCount} replica(s): ${lanes} promotions in ${seconds.toFixed(
        2,
      )} s → ${result.perSecond.toFixed(
        1,
      )}/s; engine clock ${engineSeconds.toFixed(
        2,
      )} s → ${result.enginePerSecond.toFixed(
        1,
      )}/s (lift → last deploy answered ${result.deploySeconds.toFixed(
        2,
      )} s); deploy calls ${result.calls} for ${
        result.deployments
      } deployments, duplicates ${
        result.duplicates
      }; the receiver accepted ${webhook.connections()} connections`,
    );
    return result;
  } finally {
    for (const r of replicas.reverse()) await r.stop();
    await webhook.close();
    await db.drop();
  }
}

async function main() {
  console.log(`${lanes} lanes, each deploy call ${deployMs} ms, PostgreSQL`);
  const one = await runWith(1);
  const two = await runWith(2);
  const ratio = two.perSecond / one.perSecond;
  const engineRatio = two.enginePerSecond / one.enginePerSecond;
  console.log(
    `two replicas / one: ${ratio.toFixed(
      2,
    )}× (bench clock), ${engineRatio.toFixed(
      2,
    )}× (engine clock) (target ≥ 1.8×) → ${
      ratio >= 1.8 ? 'met' : 'NOT met'
    } on the bench clock, ${
      engineRatio >= 1.8 ? 'met' : 'NOT met'
    } on the engine clock`,
  );
  const dup = one.duplicates + two.duplicates;
  console.log(
    `duplicate deploys: ${dup} (target 0) → ${dup === 0 ? 'met' : 'NOT met'}`,
  );
  if (dup) process.exitCode = 1;
}

h.run(main);
