#!/usr/bin/env node
/* eslint-disable no-console */
// Fires (or resolves) an alert about a demo service at the demo's
// Alertmanager, as Prometheus would; with `scripts/yarn demo:incident`
// running, promotions of that service into prod stop until it resolves.
//
//   scripts/yarn demo:alert <service> [--env prod] [--resolve]
const args = process.argv.slice(2);
const service = args.find(a => !a.startsWith('--'));
if (!service) {
  console.error('usage: yarn demo:alert <service> [--env prod] [--resolve]');
  process.exit(2);
}
const envIndex = args.indexOf('--env');
const environment = envIndex >= 0 ? args[envIndex + 1] : 'prod';
const resolve = args.includes('--resolve');
const url = process.env.ALERTMANAGER_URL ?? 'http://127.0.0.1:9093';

async function main() {
  const now = Date.now();
  const res = await fetch(`${url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      {
        labels: {
          alertname: 'DemoIncident',
          service,
          environment,
          severity: 'critical',
        },
        annotations: { summary: `${service} is on fire in ${environment}` },
        startsAt: new Date(now - 1000).toISOString(),
        // A resolved alert is one whose end lies in the past.
        endsAt: new Date(resolve ? now - 500 : now + 3_600_000).toISOString(),
        generatorURL: 'http://localhost:3000/',
      },
    ]),
  });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  console.log(
    `${
      resolve ? 'Resolved' : 'Fired'
    } DemoIncident for ${service} in ${environment} at ${url}`,
  );
}

main().catch(error => {
  console.error(`Could not reach Alertmanager at ${url}: ${error.message}`);
  process.exit(1);
});
