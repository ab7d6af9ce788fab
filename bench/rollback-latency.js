#!/usr/bin/env node
/* eslint-disable no-console */
// Measures how long a manual rollback takes from the API call to the deploy
// system accepting the rollback deployment, on the real backend (SQLite, the
// local-process deployer starting real processes, real HTTP).
//
//   node bench/rollback-latency.js [--rounds 20]
//
// Each round ships a new artifact to prod, waits until it is verified, then
// rolls prod back. Reported per rollback: the API answer time (client side)
// and request → deployer accepted (`mttrSeconds` of the rollback, server side).
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 20);
const base = 'http://127.0.0.1:7107/api/promotion';
const token = 'demo-ci-token-change-me';
const entityRef = 'component:default/checkout';
const service = '/v1/services/component/default/checkout';

async function call(method, url, body) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
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
    await sleep(20);
  }
}

const prodLane = async () =>
  (await call('GET', `${service}/pipeline`)).environments[0];

async function ship(i) {
  const digest = `sha256:${crypto
    .createHash('sha256')
    .update(`bench-${Date.now()}-${i}`)
    .digest('hex')}`;
  await call('POST', '/v1/artifacts', {
    entityRef,
    digest,
    version: `9.0.${i}`,
    commit: `bench${i}`,
    testResults: ['unit', 'integration', 'contract'].map(suite => ({
      suite,
      status: 'passed',
    })),
  });
  await until(`${digest} verified`, async () => {
    const c = (await prodLane()).current;
    return c?.artifact.digest === digest && c.state === 'verified';
  });
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = q =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `p50 ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(
    0,
  )} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms (n=${sorted.length})`;
}

async function main() {
  const backend = spawn(
    path.join(root, 'scripts/yarn'),
    [
      'workspace',
      'backend',
      'start',
      '--config',
      '../../app-config.yaml',
      '--config',
      '../../bench/app-config.bench.yaml',
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], detached: true },
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
    // Up, and the demo catalog read (the entity resolves).
    await until(
      'the backend',
      () => call('GET', `${service}/pipeline`),
      180_000,
    );
    await ship(0);
    const answer = [];
    const dispatch = [];
    for (let i = 1; i <= rounds; i++) {
      await ship(i);
      const started = performance.now();
      const { promotionId } = await call('POST', `${service}/rollback`, {
        environment: 'prod',
        reason: `bench round ${i}`,
      });
      answer.push(performance.now() - started);
      const rollback = await until(
        'the rollback reaching the deployer',
        async () => {
          const { items } = await call('GET', `${service}/rollbacks`);
          const r = items.find(x => x.id === promotionId);
          return r?.dispatchedAt && r;
        },
      );
      dispatch.push(rollback.mttrSeconds * 1000);
    }
    console.log(`rollback API answer:              ${stats(answer)}`);
    console.log(`rollback request → deployer accepted: ${stats(dispatch)}`);
  } finally {
    stop();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
