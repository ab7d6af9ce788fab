#!/usr/bin/env node
/* eslint-disable no-console */
// Warm rollback on the demo backend: rollback request → the environment's
// stable address serving the previous artifact again.
//
//   node bench/warm-rollback.js [--rounds 10]
//
// Target: ≤ 200 ms. Starts the demo backend (app-config.yaml merged with
// bench/app-config.warm.yaml: checkout has one environment, prod, on the
// local-process deployer with its stable address on 127.0.0.1:7399, no soak,
// no gates; SQLite in memory; real processes of demo/service/server.js).
// Each round ships a new artifact (a real process starts, turns healthy and
// takes the stable address), then, as a signed-in person, asks for a rollback
// and polls GET http://127.0.0.1:7399/health until it answers with the
// previous digest. Reported per round: the API answer (client side), request
// → the stable address serving the previous digest (client side, polling
// every 2 ms), and whether the rollback deployment started a process (it must
// not: its deployment is served by the warm one). The hold the rollback
// leaves is released before the next round.
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 10);
const origin = 'http://127.0.0.1:7108';
const stablePort = 7399;
const ciToken = 'demo-ci-token-change-me';
const service = '/api/promotion/v1/services/component/default/checkout';

const sleep = ms => new Promise(r => setTimeout(r, ms));

async function call(method, url, body, token = ciToken) {
  const res = await fetch(`${origin}${url}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'content-type': 'application/json',
    },
    body: body && JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function until(what, probe, timeoutMs = 60_000, intervalMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(intervalMs);
  }
}

/** The digest the stable address serves now (a fresh connection each time). */
function servedDigest() {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: stablePort, path: '/health', agent: false },
      res => {
        let text = '';
        res.on('data', c => (text += c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(text).digest);
          } catch {
            resolve(undefined);
          }
        });
      },
    );
    req.on('error', reject);
  });
}

const prodLane = async () =>
  (await call('GET', `${service}/pipeline`)).environments[0];

async function ship(i) {
  const digest = `sha256:${crypto
    .createHash('sha256')
    .update(`warm-bench-${Date.now()}-${i}`)
    .digest('hex')}`;
  await call('POST', '/api/promotion/v1/artifacts', {
    entityRef: 'component:default/checkout',
    digest,
    version: `9.1.${i}`,
    commit: `warm${i}`,
  });
  await until(`${digest} verified`, async () => {
    const c = (await prodLane()).current;
    return c?.artifact.digest === digest && c.state === 'verified';
  });
  await until(`${digest} at the stable address`, async () => {
    return (await servedDigest()) === digest;
  });
  return digest;
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
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warm-bench-'));
  const logFile = path.join(stateDir, 'backend.log');
  const out = fs.openSync(logFile, 'a');
  const backend = spawn(
    path.join(root, 'scripts/yarn'),
    [
      'workspace',
      'backend',
      'start',
      '--config',
      '../../app-config.yaml',
      '--config',
      '../../bench/app-config.warm.yaml',
    ],
    {
      cwd: root,
      stdio: ['ignore', out, out],
      detached: true,
      env: { ...process.env, WARM_BENCH_STATE_DIR: stateDir },
    },
  );
  fs.closeSync(out);
  let exited = false;
  const gone = new Promise(r =>
    backend.on('exit', () => {
      exited = true;
      r();
    }),
  );
  const stop = async () => {
    try {
      process.kill(-backend.pid, 'SIGTERM');
    } catch {
      return;
    }
    // The backend stops the processes it started before it exits.
    await Promise.race([gone, sleep(20_000)]);
    if (!exited) process.kill(-backend.pid, 'SIGKILL');
  };
  try {
    await until(
      'the backend',
      () => call('GET', `${service}/pipeline`),
      180_000,
      250,
    );
    const guest = (await call('GET', '/api/auth/guest/refresh', undefined, ''))
      .backstageIdentity.token;
    const logs = () => fs.readdirSync(stateDir).filter(n => n.endsWith('.log'));
    let previous = await ship(0);
    const answer = [];
    const switched = [];
    let started = 0;
    for (let i = 1; i <= rounds; i++) {
      const current = await ship(i);
      const logsBefore = logs().length;
      const t0 = performance.now();
      const res = await call(
        'POST',
        `${service}/rollback`,
        { environment: 'prod', reason: `warm bench round ${i}` },
        guest,
      );
      answer.push(performance.now() - t0);
      if (res.targetDigest !== previous) {
        throw new Error(`rolled back to ${res.targetDigest}, not ${previous}`);
      }
      await until(
        'the stable address serving the previous artifact',
        async () => (await servedDigest()) === previous,
        10_000,
        2,
      );
      switched.push(performance.now() - t0);
      started += logs().length - logsBefore;
      console.log(
        `round ${i}: API answer ${answer[i - 1].toFixed(
          0,
        )} ms; request → stable address serves ${previous.slice(
          7,
          19,
        )} ${switched[i - 1].toFixed(0)} ms`,
      );
      // Release the hold on the rolled-back artifact so the next round can ship.
      await until('the rollback verified', async () => {
        const c = (await prodLane()).current;
        return c?.artifact.digest === previous && c.state === 'verified';
      });
      const lane = await prodLane();
      for (const hold of lane.holds ?? []) {
        await call(
          'POST',
          `${service}/holds/${hold.id}/release`,
          { reason: 'warm bench' },
          guest,
        );
      }
      // `current` was rolled back; the next round returns to `previous` again.
      if (lane.current.artifact.digest === current) {
        throw new Error('the lane still serves the rolled-back artifact');
      }
    }
    console.log(
      `rollback API answer:                         ${stats(answer)}`,
    );
    console.log(
      `rollback request → stable address serves it: ${stats(switched)}`,
    );
    console.log(`processes started by rollbacks: ${started}`);
    const max = Math.max(...switched);
    console.log(
      `  target ≤ 200 ms → ${max <= 200 ? 'met' : 'NOT met'} (max ${max.toFixed(
        0,
      )} ms)`,
    );
    if (started > 0) process.exitCode = 1;
  } catch (error) {
    console.error(fs.readFileSync(logFile, 'utf8').slice(-4000));
    throw error;
  } finally {
    await stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
