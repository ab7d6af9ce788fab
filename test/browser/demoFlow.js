// The demo flow as CI and the story test drive it through the promotion
// API: register artifacts, report e2e, wait for lanes, and read what the
// process behind a stable address runs.
const crypto = require('node:crypto');
const { ciCall, ciCallWhenCatalogReady } = require('./portal');

/** Wall clock of an instant in Europe/Berlin: weekday (mon…) and minutes after midnight. */
function berlinClock(ms) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Berlin',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const part = type => parts.find(p => p.type === type).value;
  return {
    day: part('weekday').toLowerCase(),
    minute: Number(part('hour')) * 60 + Number(part('minute')),
  };
}

/**
 * The demo calendar freezes prod on Friday from 15:00 and 09:00–10:00 on
 * weekdays (Berlin). When the next half hour touches one, the run keeps the
 * calendar but drops its deny rules, so the flow can reach prod and a freeze
 * still shows as next (the Black Friday blackout).
 */
function calendarOverride() {
  const now = Date.now();
  const touches = [0, 10, 20, 30].some(m => {
    const { day, minute } = berlinClock(now + m * 60_000);
    const weekday = ['mon', 'tue', 'wed', 'thu', 'fri'].includes(day);
    return (
      (day === 'fri' && minute >= 15 * 60) ||
      (weekday && minute >= 9 * 60 && minute < 10 * 60)
    );
  });
  return touches
    ? { 'APP_CONFIG_promotion_calendars_prod-calendar_deny': '[]' }
    : {};
}

async function register(
  service,
  version,
  { labels = [], author = 'user:default/carol', paths = ['src/index.js'] } = {},
) {
  const digest = `sha256:${crypto.randomBytes(32).toString('hex')}`;
  await ciCallWhenCatalogReady('POST', '/v1/artifacts', {
    entityRef: `component:default/${service}`,
    digest,
    version,
    commit: crypto.randomBytes(20).toString('hex'),
    author,
    labels,
    changedPaths: paths,
    testResults: ['unit', 'integration', 'contract'].map(suite => ({
      suite,
      status: 'passed',
    })),
  });
  return digest;
}

const pipeline = service =>
  ciCall('GET', `/v1/services/component/default/${service}/pipeline`);
const lane = (view, name) => view.environments.find(e => e.name === name);

async function until(what, probe, timeoutMs = 150_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A backend that restarts (e.g. the dev server reloading) answers nothing for a moment.
    const value = await probe().catch(error => {
      if (!/fetch failed/.test(error.message)) throw error;
      return undefined;
    });
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 500));
  }
}

// checkout's prod lane behind its stable address (app-config.yaml stableAddresses).
const CHECKOUT_PROD = 'http://127.0.0.1:7323/';

/** What the process behind a stable address says it runs. */
async function serving(address) {
  try {
    const res = await fetch(address, {
      headers: { accept: 'application/json' },
    });
    return res.ok ? await res.json() : {};
  } catch {
    return {};
  }
}

const verifiedIn = (service, env, digest) =>
  until(`${digest} verified in ${env}`, async () => {
    const current = lane(await pipeline(service), env).current;
    return current?.artifact.digest === digest && current.state === 'verified';
  });

async function passE2e(service, digest) {
  await verifiedIn(service, 'staging', digest);
  await ciCall('POST', `/v1/artifacts/${digest}/test-results`, {
    entityRef: `component:default/${service}`,
    suite: 'e2e',
    environment: 'staging',
    status: 'passed',
  });
}

module.exports = {
  calendarOverride,
  register,
  pipeline,
  lane,
  until,
  serving,
  verifiedIn,
  passE2e,
  CHECKOUT_PROD,
};
