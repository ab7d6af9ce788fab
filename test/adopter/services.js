// What the adopter app runs against, all on 127.0.0.1 and all stopped by the
// test: a fresh PostgreSQL database, a deploy webhook receiver that checks
// the signature as docs/webhook-deployer.md tells deploy systems to, and the
// app's backend (which also serves the built frontend).
const { spawn } = require('node:child_process');
const { createHmac, timingSafeEqual } = require('node:crypto');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { Client } = require('pg');

const ROOT = path.resolve(__dirname, '../..');
const YARN = path.join(ROOT, '.yarn/releases/yarn-4.13.0.cjs');
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };

async function withPg(fn) {
  const client = new Client({ ...PG, database: 'postgres' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a database of its own for this run; the returned function drops it. */
async function createDatabase() {
  const name = `promotion_adopter_${Date.now()}_${process.pid}`;
  await withPg(c => c.query(`CREATE DATABASE ${name}`));
  const drop = () =>
    withPg(c => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  return { name, drop };
}

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function verified(secret, timestamp, rawBody, signature) {
  if (!/^\d+$/.test(timestamp ?? '')) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const match = /^sha256=([0-9a-f]{64})$/.exec(signature ?? '');
  if (!match) return false;
  const expected = createHmac('sha256', secret)
    .update(`${timestamp}.`)
    .update(rawBody)
    .digest();
  const given = Buffer.from(match[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A deploy system that rolls out at once: every verified request succeeds. */
async function startWebhookReceiver(secret) {
  const deployments = [];
  let refused = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const h = req.headers;
      if (
        !verified(
          secret,
          h['x-promotion-timestamp'],
          raw,
          h['x-promotion-signature'],
        )
      ) {
        refused += 1;
        res.writeHead(401).end('bad signature');
        return;
      }
      deployments.push(JSON.parse(raw.toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'succeeded' }));
    });
  });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks/promotion`,
    deployments,
    refused: () => refused,
    stop: () => new Promise(r => server.close(r)),
  };
}

async function waitFor(url, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`backend exited ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `answered ${res.status}`;
    } catch (error) {
      last = error.message;
    }
    await new Promise(r => setTimeout(r, 1000));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms: ${last}`);
}

/** Starts the app's backend (`yarn start` in packages/backend) in its own process group. */
async function startBackend(appDir, env) {
  const output = [];
  const child = spawn(process.execPath, [YARN, 'start'], {
    cwd: path.join(appDir, 'packages/backend'),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  child.stdout.on('data', d => output.push(d.toString()));
  child.stderr.on('data', d => output.push(d.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise(r => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };
  const baseUrl = `http://127.0.0.1:${env.ADOPTER_PORT}`;
  try {
    await waitFor(`${baseUrl}/api/promotion/health`, 180_000, child);
  } catch (error) {
    await stop();
    throw new Error(
      `${error.message}\n--- backend output ---\n${output
        .join('')
        .slice(-6000)}`,
    );
  }
  return { baseUrl, stop, output };
}

module.exports = {
  createDatabase,
  freePort,
  startWebhookReceiver,
  startBackend,
};
