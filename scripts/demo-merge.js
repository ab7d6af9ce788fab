#!/usr/bin/env node
/* eslint-disable no-console */
// Registers a new artifact for a demo service exactly as CI does after a
// merge, reports its test suites, then follows it through the lanes and
// reports the e2e suite once it is verified in staging.
//
//   yarn demo:merge <service> [--label schema-migration] [--fail integration] [--no-follow]
const crypto = require('node:crypto');

const args = process.argv.slice(2);
const service = args.find(a => !a.startsWith('--'));
if (!service) {
  console.error(
    'usage: yarn demo:merge <service> [--label L]... [--fail SUITE] [--no-follow]',
  );
  process.exit(2);
}
const flag = name =>
  args.flatMap((a, i) =>
    a === `--${name}` && args[i + 1] ? [args[i + 1]] : [],
  );
const baseUrl =
  process.env.PROMOTION_URL ?? 'http://localhost:7007/api/promotion';
const token = process.env.PROMOTION_CI_TOKEN ?? 'demo-ci-token-change-me';
const entityRef = service.includes(':')
  ? service
  : `component:default/${service}`;
const failing = new Set(flag('fail'));

async function call(method, path, body) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  }
  return text ? JSON.parse(text) : undefined;
}

async function main() {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const digest = `sha256:${crypto
    .createHash('sha256')
    .update(`${entityRef}${stamp}${Math.random()}`)
    .digest('hex')}`;
  const suites = ['unit', 'integration', 'contract'];
  const { artifact, created } = await call('POST', '/v1/artifacts', {
    entityRef,
    digest,
    version: `1.0.${stamp}`,
    commit: crypto.randomBytes(20).toString('hex'),
    author: 'user:default/alice',
    labels: flag('label'),
    changedPaths: ['src/index.js'],
    testResults: suites.map(suite => ({
      suite,
      status: failing.has(suite) ? 'failed' : 'passed',
      passed: 42,
      failed: failing.has(suite) ? 1 : 0,
    })),
  });
  console.log(
    `${created ? 'Registered' : 'Already had'} ${artifact.version} ${
      artifact.digest
    } for ${entityRef}`,
  );
  if (args.includes('--no-follow')) return;

  const [kind, rest] = entityRef.split(':');
  const [namespace, name] = rest.split('/');
  const path = `/v1/services/${kind}/${namespace}/${name}/pipeline`;
  let reportedE2e = false;
  let last = '';
  const deadline = Date.now() + 5 * 60_000;
  while (Date.now() < deadline) {
    const pipeline = await call('GET', path);
    const lanes = pipeline.environments.map(lane => {
      const mine = lane.current?.artifact.digest === digest;
      const gate =
        lane.promotion?.artifact.digest === digest
          ? lane.promotion.gates.map(g => `${g.gate}:${g.verdict}`).join(',')
          : '';
      return `${lane.name}=${
        mine ? lane.current.state : gate ? `waiting(${gate})` : '-'
      }`;
    });
    // A soak breach says what crossed its threshold; print it once per change.
    const breach = pipeline.environments
      .flatMap(lane =>
        lane.promotion?.artifact.digest === digest ? lane.promotion.gates : [],
      )
      .find(g => g.gate === 'soak' && g.reason.startsWith('breach'));
    const line = `${lanes.join('  ')}${
      breach ? `\n  soak ${breach.reason}` : ''
    }`;
    if (line !== last) console.log(line);
    last = line;
    const staging = pipeline.environments.find(l => l.name === 'staging');
    if (
      !reportedE2e &&
      staging?.current?.artifact.digest === digest &&
      staging.current.state === 'verified'
    ) {
      await call('POST', `/v1/artifacts/${digest}/test-results`, {
        entityRef,
        suite: 'e2e',
        environment: 'staging',
        status: failing.has('e2e') ? 'failed' : 'passed',
      });
      reportedE2e = true;
      console.log('Reported e2e against staging');
    }
    const lastLane = pipeline.environments[pipeline.environments.length - 1];
    if (
      lastLane.current?.artifact.digest === digest &&
      ['verified', 'failed'].includes(lastLane.current.state)
    ) {
      console.log(`Reached ${lastLane.name}: ${lastLane.current.state}`);
      return;
    }
    await new Promise(r => setTimeout(r, 1000));
  }
  console.log('Still in progress; watch it in the pipeline tab.');
}

main().catch(error => {
  console.error(error.message);
  process.exit(1);
});
