#!/usr/bin/env node
// @ts-check
'use strict';

/*
 * Stand-in for a service's build, started by the local-process deployer.
 * No dependencies: it must run with nothing but `node demo/service/server.js`.
 *
 * Labels on the artifact (ARTIFACT_LABELS) make bad releases on purpose:
 *   demo:unhealthy  GET /health answers 503
 *   demo:crash      the process exits with code 1 after 300 ms
 *   demo:errors     every fifth counted request is a 500 (20 %)
 *   demo:slow       counted requests take about a second
 *   demo:saturated  process_saturation_ratio reads 0.95
 *
 * With PROMOTION_PUSH_URL set (the promotion API's base URL), it also pushes
 * its health every 2 s to the push metrics API, as a service's collector
 * would: request counters for the SLO burn rate, and error rate, latency and
 * saturation for the soak graph. It names its digest, so the API refuses the
 * warm previous process (409) and only the artifact running is counted.
 */

const http = require('node:http');
const { performance } = require('node:perf_hooks');

const HOST = '127.0.0.1';
const CRASH_AFTER_MS = 300;
const ERROR_EVERY_NTH = 5;
const SHUTDOWN_GRACE_MS = 2000;
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const env = process.env;
const port = Number(env.PORT ?? 8080);
const version = env.ARTIFACT_VERSION ?? 'unknown';
const digest = env.ARTIFACT_DIGEST ?? 'unknown';
const environment = env.ENVIRONMENT ?? 'local';
const entityRef = env.ENTITY_REF ?? '';
const deploymentId = env.DEPLOYMENT_ID ?? '';
const labels = splitList(env.ARTIFACT_LABELS);
const has = (/** @type {string} */ label) => labels.includes(label);
// Synthetic traffic keeps /metrics moving in a demo with nobody calling the service.
const trafficIntervalMs = Number(env.SYNTHETIC_TRAFFIC_INTERVAL_MS ?? 250);

/** @param {string | undefined} value */
function splitList(value) {
  return (value ?? '')
    .split(',')
    .map(item => item.trim())
    .filter(Boolean);
}

/** @param {string} value */
function escapeHtml(value) {
  return value.replace(
    /[&<>"']/g,
    c =>
      /** @type {Record<string, string>} */ ({
        '&': '&amp;',
        '<': '&lt;',
        '>': '&gt;',
        '"': '&quot;',
        "'": '&#39;',
      })[c],
  );
}

/** @param {string} value */
function escapeLabelValue(value) {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n');
}

/** The environment's variables, named by the deployer in PROMOTION_VARIABLES. */
function variables() {
  /** @type {Record<string, string>} */
  const result = {};
  for (const name of splitList(env.PROMOTION_VARIABLES)) {
    result[name] = env[name] ?? '';
  }
  return result;
}

const metrics = {
  requests: { 200: 0, 500: 0 },
  bucketCounts: BUCKETS.map(() => 0),
  durationSum: 0,
  durationCount: 0,
  counted: 0,
  elu: performance.eventLoopUtilization(),
};

/** Decides the outcome of one counted request and records it. */
function countRequest() {
  metrics.counted += 1;
  const code =
    has('demo:errors') && metrics.counted % ERROR_EVERY_NTH === 0 ? 500 : 200;
  const seconds = has('demo:slow')
    ? 0.8 + Math.random() * 0.6
    : 0.005 + Math.random() * 0.06;
  metrics.requests[code] += 1;
  metrics.durationSum += seconds;
  metrics.durationCount += 1;
  BUCKETS.forEach((le, i) => {
    if (seconds <= le) metrics.bucketCounts[i] += 1;
  });
  return { code, seconds };
}

const pushUrl = env.PROMOTION_PUSH_URL;
// The demo's static CI token (app-config.yaml); a real collector has its own.
const pushToken = env.PROMOTION_PUSH_TOKEN ?? 'demo-ci-token-change-me';
const PUSH_INTERVAL_MS = 2000;
const pushed = { total: 0, errors: 0, durationSum: 0 };

/** One push of this process's health; failures are only logged. */
async function pushHealth() {
  const [kind, rest] = entityRef.split(':');
  const [namespace, name] = (rest ?? '').split('/');
  const total = metrics.requests[200] + metrics.requests[500];
  const delta = total - pushed.total;
  const samples = [
    { signal: 'requestsTotal', value: total },
    { signal: 'requestsGood', value: metrics.requests[200] },
    { signal: 'saturation', value: saturation() },
  ];
  if (delta > 0) {
    samples.push(
      {
        signal: 'errorRate',
        value: (metrics.requests[500] - pushed.errors) / delta,
      },
      {
        signal: 'latency',
        value: (metrics.durationSum - pushed.durationSum) / delta,
      },
    );
  }
  Object.assign(pushed, {
    total,
    errors: metrics.requests[500],
    durationSum: metrics.durationSum,
  });
  const url = `${pushUrl}/v1/services/${kind}/${namespace}/${name}/environments/${environment}/samples`;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${pushToken}`,
      },
      body: JSON.stringify({ samples, digest }),
    });
    // 409: no longer the artifact running here (kept warm); stay quiet.
    if (!res.ok && res.status !== 409) {
      process.stderr.write(`demo service: push answered ${res.status}\n`);
    }
  } catch (error) {
    process.stderr.write(`demo service: push failed: ${error}\n`);
  }
}

function saturation() {
  if (has('demo:saturated')) return 0.95;
  const now = performance.eventLoopUtilization();
  const delta = performance.eventLoopUtilization(now, metrics.elu);
  metrics.elu = now;
  return Number(delta.utilization.toFixed(4));
}

function renderMetrics() {
  const lines = [
    '# HELP http_requests_total Requests served, by status code.',
    '# TYPE http_requests_total counter',
    `http_requests_total{code="200"} ${metrics.requests[200]}`,
    `http_requests_total{code="500"} ${metrics.requests[500]}`,
    '# HELP http_request_duration_seconds Time spent serving requests.',
    '# TYPE http_request_duration_seconds histogram',
    ...BUCKETS.map(
      (le, i) =>
        `http_request_duration_seconds_bucket{le="${le}"} ${metrics.bucketCounts[i]}`,
    ),
    `http_request_duration_seconds_bucket{le="+Inf"} ${metrics.durationCount}`,
    `http_request_duration_seconds_sum ${metrics.durationSum}`,
    `http_request_duration_seconds_count ${metrics.durationCount}`,
    '# HELP process_saturation_ratio Share of capacity in use (0..1).',
    '# TYPE process_saturation_ratio gauge',
    `process_saturation_ratio ${saturation()}`,
    '# HELP service_build_info The artifact this process runs.',
    '# TYPE service_build_info gauge',
    `service_build_info{version="${escapeLabelValue(
      version,
    )}",digest="${escapeLabelValue(digest)}",environment="${escapeLabelValue(
      environment,
    )}"} 1`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * @param {http.ServerResponse} res
 * @param {number} code
 * @param {unknown} body
 */
function sendJson(res, code, body) {
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
function handle(req, res) {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { error: 'method not allowed' });
    return;
  }
  const about = { version, digest, environment };
  if (path === '/health') {
    const healthy = !has('demo:unhealthy');
    sendJson(res, healthy ? 200 : 503, {
      status: healthy ? 'ok' : 'unhealthy',
      ...about,
    });
    return;
  }
  if (path === '/metrics') {
    res.writeHead(200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    });
    res.end(renderMetrics());
    return;
  }
  if (path !== '/') {
    sendJson(res, 404, { error: 'not found' });
    return;
  }
  const { code, seconds } = countRequest();
  // Only a slow release really makes callers wait; otherwise the duration is simulated.
  const delayMs = has('demo:slow') ? Math.round(seconds * 1000) : 0;
  setTimeout(() => answerPage(req, res, code), delayMs);
}

/**
 * @param {http.IncomingMessage} req
 * @param {http.ServerResponse} res
 * @param {number} code
 */
function answerPage(req, res, code) {
  if (code === 500) {
    sendJson(res, 500, { error: 'simulated failure (demo:errors)' });
    return;
  }
  const page = {
    version,
    digest,
    environment,
    entityRef,
    deploymentId,
    labels,
    variables: variables(),
    secretRefs: splitList(env.PROMOTION_SECRET_REFS),
  };
  if ((req.headers.accept ?? '').includes('text/html')) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>${escapeHtml(
        entityRef || 'demo service',
      )}</title>` +
        `<h1>${escapeHtml(version)} in ${escapeHtml(environment)}</h1>` +
        `<pre>${escapeHtml(JSON.stringify(page, null, 2))}</pre>`,
    );
    return;
  }
  sendJson(res, 200, page);
}

const server = http.createServer(handle);
/** @type {NodeJS.Timeout | undefined} */
let traffic;
/** @type {NodeJS.Timeout | undefined} */
let pusher;

server.on('error', error => {
  process.stderr.write(`demo service: ${error.message}\n`);
  process.exit(1);
});

server.listen(port, HOST, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(
    `demo service ${version} (${digest}) for ${environment} on http://${HOST}:${bound}\n`,
  );
  if (trafficIntervalMs > 0) {
    traffic = setInterval(countRequest, trafficIntervalMs);
  }
  if (pushUrl && entityRef) {
    pusher = setInterval(pushHealth, PUSH_INTERVAL_MS);
  }
});

if (has('demo:crash')) {
  setTimeout(() => {
    process.stderr.write('demo service: crashing as label demo:crash asks\n');
    process.exit(1);
  }, CRASH_AFTER_MS);
}

function shutdown() {
  clearInterval(traffic);
  clearInterval(pusher);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  // Never hang the deployer's stop: leave even if a socket lingers.
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
