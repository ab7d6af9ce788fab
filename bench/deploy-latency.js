#!/usr/bin/env node
/* eslint-disable no-console */
// Registration → deployer call latency on the real backend, and the same
// while another service's soak metrics provider hangs.
//
//   node bench/deploy-latency.js [--db postgres|sqlite] [--rounds 20]
//        [--services 10] [--hang-seconds 30]
//
// The backend (bench/lib/backend.ts: webhook deployer, Prometheus module)
// runs on a fresh database. Services `lat-NN` have one environment, `prod`,
// with no gates, so a registration goes straight to the deployer. Each round
// registers a new artifact of the next service (POST /v1/artifacts, CI token)
// and times from just before the request to the moment the webhook receiver
// (the deploy system, answering {"status":"succeeded"}) gets the deploy POST
// for that digest. Rounds run one after the other.
//
// Then `hang-svc` (pipeline staging → prod, prod gated by a soak read from
// Prometheus with onNoData: pending) gets an artifact; a fake Prometheus on
// loopback holds every query for hang-svc for --hang-seconds before answering
// (the provider gives up after its 10 s timeout, the gate stays pending and
// asks again on the next look). When the first hung query is in flight the
// rounds run again. Target: median ≤ 50 ms on PostgreSQL; with the hang
// ≤ 1.2× the median without.
const http = require('node:http');
const h = require('./lib/harness');

const dbKind = h.arg('db', 'postgres');
const rounds = h.numArg('rounds', 20);
const serviceCount = h.numArg('services', 10);
const hangSeconds = h.numArg('hang-seconds', 30);

async function fakePrometheus() {
  const hung = { total: 0, inFlight: 0, other: 0 };
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    if (url.includes('hang-svc')) {
      hung.total++;
      hung.inFlight++;
      const timer = setTimeout(() => {
        hung.inFlight--;
        if (!res.destroyed) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              status: 'success',
              data: { resultType: 'matrix', result: [] },
            }),
          );
        }
      }, hangSeconds * 1000);
      res.on('close', () => {
        if (!res.writableEnded) {
          clearTimeout(timer);
          hung.inFlight--;
        }
      });
      return;
    }
    hung.other++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        status: 'success',
        data: { resultType: 'matrix', result: [] },
      }),
    );
  });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  h.onCleanup(
    () =>
      new Promise(r => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${server.address().port}`, hung };
}

async function measure(backend, webhook, services, label, hung) {
  const latencies = [];
  let duringHang = 0;
  for (let i = 0; i < rounds; i++) {
    const name = services[i % services.length];
    const seed = `${label}-${i}-${Date.now()}`;
    const digest = h.digestOf(`${name}-${seed}`);
    if (hung?.inFlight > 0) duringHang++;
    const deployed = webhook.next(r => r.digest === digest, 30_000);
    const started = performance.now();
    await h.register(backend, name, seed);
    const call = await deployed;
    latencies.push(call.receivedPerf - started);
  }
  return { latencies, duringHang };
}

async function main() {
  const work = h.workDir('deploy');
  const services = Array.from(
    { length: serviceCount },
    (_, i) => `lat-${String(i).padStart(2, '0')}`,
  );
  const catalogFile = h.writeCatalog(work, [
    ...services.map(name => ({ name, pipeline: 'direct' })),
    { name: 'hang-svc', pipeline: 'soaked' },
  ]);
  const db = await h.createDatabase(dbKind, 'deploy');
  const webhook = await h.startWebhook();
  const prometheus = await fakePrometheus();
  const backend = await h.startBackend({
    label: 'deploy',
    db,
    catalogFile,
    workDir: work,
    webhookUrl: webhook.url,
    prometheusUrl: prometheus.url,
    promotion: {
      schedule: { seconds: 2 },
      pipelines: {
        direct: { environments: [{ name: 'prod', deployer: 'webhook' }] },
        soaked: {
          environments: [
            { name: 'staging', deployer: 'webhook' },
            {
              name: 'prod',
              deployer: 'webhook',
              gates: [
                {
                  name: 'soak',
                  provider: 'prometheus',
                  window: '1m',
                  thresholds: { errorRate: 0.5 },
                  stepSeconds: 5,
                  onNoData: 'pending',
                },
              ],
            },
          ],
        },
      },
    },
    // Up, and every service in the catalog.
    waitFor: async b => {
      await b.call('GET', `${h.servicePath('hang-svc')}/pipeline`);
      for (const s of services)
        await b.call('GET', `${h.servicePath(s)}/pipeline`);
      return true;
    },
  });
  console.log(`backend ${backend.origin} on ${db.kind} (${db.name})`);

  // Warm-up: one registration per service (first deploys, JIT, pools).
  for (const s of services) {
    const digest = h.digestOf(`${s}-warm`);
    const deployed = webhook.next(r => r.digest === digest, 30_000);
    await h.register(backend, s, 'warm');
    await deployed;
  }

  const plain = await measure(backend, webhook, services, 'plain');

  await h.register(backend, 'hang-svc', `hang-${Date.now()}`);
  await h.until(
    'a hung Prometheus query for hang-svc',
    async () => prometheus.hung.inFlight > 0,
    60_000,
    50,
  );
  const hanging = await measure(
    backend,
    webhook,
    services,
    'hang',
    prometheus.hung,
  );

  const m0 = h.median(plain.latencies);
  const m1 = h.median(hanging.latencies);
  console.log(
    `database: ${db.kind}; ${rounds} rounds over ${services.length} services`,
  );
  console.log(
    `registration → deployer call:               ${h.stats(plain.latencies)}`,
  );
  console.log(
    `  target: median ≤ 50 ms on PostgreSQL → ${
      m0 <= 50 ? 'met' : 'NOT met'
    } (${m0.toFixed(1)} ms)`,
  );
  console.log(
    `same while hang-svc's Prometheus query hangs ${hangSeconds} s: ${h.stats(
      hanging.latencies,
    )}`,
  );
  console.log(
    `  rounds started while a query was hung: ${hanging.duringHang}/${rounds}; hung queries ${prometheus.hung.total}`,
  );
  console.log(
    `  ratio ${(m1 / m0).toFixed(2)}× (target ≤ 1.2×) → ${
      m1 / m0 <= 1.2 ? 'met' : 'NOT met'
    }`,
  );
  await h.checkDeploys(webhook, db);
}

h.run(main);
