#!/usr/bin/env node
/* eslint-disable no-console */
// Burn condition → automatic rollback dispatched, with sustain 0, on the real
// backend.
//
//   node bench/burn-rollback.js [--db postgres|sqlite] [--rounds 5]
//
// Target: ≤ 1 s from the reading that crosses the burn-rate threshold to the
// rollback deployment accepted by the deployer.
//
// One service per round, `burn-NN`, pipeline `burn`: one environment, `prod`, webhook
// deployer (the bench's receiver answers {"status":"succeeded"}), SLO 0.99
// read from pushed counters (provider push), one window pair (5m long / 1m
// short, burn rate 2), sustain 0, settle 0, minRequests 10;
// promotion.autoRollback.schedule 2 s. Each round, on its own service:
//   1. registers a base artifact, then a new one (CI token), and waits until
//      prod runs the new one verified (the base is what it rolls back to);
//   2. pushes healthy counters for it (requestsGood = requestsTotal: 0, then
//      1,000; POST …/environments/prod/samples with its digest);
//   3. pushes a burning reading (requestsTotal 3,000, requestsGood 1,000) and
//      waits for the receiver to get the deploy POST of the base digest.
// Reported per round, from the engine's own records: mttrSeconds of the
// automatic rollback (GET …/rollbacks: dispatchedAt − detectedAt, where
// detectedAt is the first evaluation that crossed the threshold), the
// `autorollback.fired` and `rollback.requested` event times against that
// crossing (GET …/events), and, on the bench's clock, bad push → deploy call
// received.
const h = require('./lib/harness');

const dbKind = h.arg('db', 'postgres');
const rounds = h.numArg('rounds', 5);
const names = Array.from(
  { length: rounds },
  (_, i) => `burn-${String(i + 1).padStart(2, '0')}`,
);

async function current(backend, name) {
  const svc = h.servicePath(name);
  const view = await backend.call('GET', `${svc}/pipeline`);
  return view.environments.find(e => e.name === 'prod')?.current;
}

async function ship(backend, webhook, name, seed) {
  const digest = h.digestOf(`${name}-${seed}`);
  const deployed = webhook.next(r => r.digest === digest, 60_000);
  await h.register(backend, name, seed);
  await deployed;
  await h.until(`${digest} verified in prod`, async () => {
    const c = await current(backend, name);
    return c?.artifact.digest === digest && c.state === 'verified';
  });
  return digest;
}

const push = (backend, name, digest, good, total) =>
  backend.call('POST', `${h.servicePath(name)}/environments/prod/samples`, {
    digest,
    samples: [
      { signal: 'requestsGood', value: good },
      { signal: 'requestsTotal', value: total },
    ],
  });

async function main() {
  const work = h.workDir('burn');
  const catalogFile = h.writeCatalog(
    work,
    names.map(name => ({ name, pipeline: 'burn' })),
  );
  const db = await h.createDatabase(dbKind, 'burn');
  const webhook = await h.startWebhook();
  const backend = await h.startBackend({
    label: 'burn',
    db,
    catalogFile,
    workDir: work,
    webhookUrl: webhook.url,
    promotion: {
      schedule: { seconds: 2 },
      autoRollback: { schedule: { seconds: 2 } },
      pipelines: {
        burn: {
          slo: {
            objective: 0.99,
            provider: 'push',
            sustain: { seconds: 0 },
            settle: { seconds: 0 },
            minRequests: 10,
            windows: [
              { long: { minutes: 5 }, short: { minutes: 1 }, burnRate: 2 },
            ],
          },
          environments: [{ name: 'prod', deployer: 'webhook' }],
        },
      },
    },
    waitFor: b =>
      b.call('GET', `${h.servicePath(names[names.length - 1])}/pipeline`),
  });
  console.log(`backend ${backend.origin} on ${db.kind} (${db.name})`);

  const results = [];
  for (let i = 1; i <= rounds; i++) {
    const name = names[i - 1];
    const svc = h.servicePath(name);
    const previous = await ship(backend, webhook, name, 'base');
    const digest = await ship(backend, webhook, name, 'new');
    await push(backend, name, digest, 0, 0);
    await h.sleep(300);
    await push(backend, name, digest, 1000, 1000);
    await h.sleep(300);
    const rolledBack = webhook.next(r => r.digest === previous, 30_000);
    const pushedAt = Date.now();
    await push(backend, name, digest, 1000, 3000);
    const call = await rolledBack;
    const clientMs = call.receivedAt - pushedAt;
    const rollback = await h.until(
      'the automatic rollback dispatched',
      async () => {
        const { items } = await backend.call('GET', `${svc}/rollbacks`);
        const r = items.find(
          x =>
            x.trigger === 'auto' &&
            x.dispatchedAt &&
            Date.parse(x.detectedAt) >= pushedAt - 1000,
        );
        return r;
      },
    );
    const events = await backend.call('GET', `${svc}/events?limit=50`);
    const list = events.items ?? events;
    const detected = Date.parse(rollback.detectedAt);
    const at = kind => {
      const e = list.find(x => x.kind === kind && Date.parse(x.at) >= detected);
      return e ? Date.parse(e.at) - detected : NaN;
    };
    results.push({
      mttrMs: rollback.mttrSeconds * 1000,
      firedMs: at('autorollback.fired'),
      requestedMs: at('rollback.requested'),
      clientMs,
    });
    console.log(
      `round ${i}: crossing → dispatched ${(
        rollback.mttrSeconds * 1000
      ).toFixed(0)} ms (engine); crossing → autorollback.fired ${at(
        'autorollback.fired',
      )} ms, → rollback.requested ${at(
        'rollback.requested',
      )} ms; bad push → deploy call ${clientMs} ms (bench clock)`,
    );
  }
  const mttr = results.map(r => r.mttrMs);
  console.log(`database ${db.kind}; ${rounds} automatic rollbacks, sustain 0`);
  console.log(
    `crossing → rollback dispatched (mttrSeconds, engine): ${h.stats(mttr)}`,
  );
  console.log(
    `bad push → deploy call received (bench clock):      ${h.stats(
      results.map(r => r.clientMs),
    )}`,
  );
  console.log(
    `  target ≤ 1 s → ${
      Math.max(...mttr) <= 1000 ? 'met' : 'NOT met'
    } (max ${Math.max(...mttr).toFixed(0)} ms)`,
  );
  await h.checkDeploys(webhook, db);
}

h.run(main);
