// Issue 14's story in a real browser against the demo portal: a release's
// soak draws a graph with threshold lines, a slow release breaches its soak
// and the graph says so, prod shows its next freeze in the calendar's zone
// and the viewer's, the org-wide Promotions page lists the approval waiting
// for the signed-in user and leads to the service's tab, and the entity
// Overview card shows what runs where. A rollback of prod is a switch at
// the lane's stable address to the warm previous process. Screenshots at 1280×800 and 390×844 go
// to test/output/; the README's pictures are copied to docs/images/.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const {
  startPortal,
  ciCall,
  ciCallWhenCatalogReady,
  APP_URL,
  ROOT,
} = require('./portal');
const { launchBrowser, openAsGuest } = require('./browser');

const OUTPUT = path.join(ROOT, 'test/output');
const IMAGES = path.join(ROOT, 'docs/images');
const WIDE = { width: 1280, height: 800 };
const NARROW = { width: 390, height: 844 };
// The viewer sits in another zone than the calendar, so both times show.
const VIEWER_ZONE = 'America/New_York';
let portal;
let chromium;
let page;

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

const shot = async (name, options = {}) => {
  const file = path.join(OUTPUT, `issue14-${name}.png`);
  await page.screenshot({ path: file, fullPage: false, ...options });
  return file;
};

const publish = (file, name) => fs.copyFileSync(file, path.join(IMAGES, name));

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

/** Waits until the browser has laid out the page for a new viewport. */
async function resize(size) {
  await page.setViewportSize(size);
  await page.waitForFunction(
    w => document.documentElement.clientWidth === w,
    size.width,
  );
}

const noSidewaysScroll = async () =>
  assert.ok(
    (await page.evaluate(() => document.documentElement.scrollWidth)) <=
      page.viewportSize().width,
    'nothing sticks out sideways',
  );

before(
  async () => {
    fs.mkdirSync(OUTPUT, { recursive: true });
    portal = await startPortal({ env: calendarOverride() });
    chromium = await launchBrowser();
    const context = await chromium.browser.newContext({
      viewport: WIDE,
      timezoneId: VIEWER_ZONE,
    });
    page = await context.newPage();
  },
  { timeout: 300_000 },
);

after(async () => {
  await chromium?.close();
  await portal?.stop();
});

test(
  'soak graphs, the next freeze, the Promotions page and the overview card',
  { timeout: 900_000 },
  async () => {
    // A plain release: its soaks draw graphs all the way to prod.
    const release = await register('checkout', '4.0.0');
    await openAsGuest(
      page,
      `${APP_URL}/catalog/default/component/checkout/pipeline`,
    );
    await passE2e('checkout', release);

    const staging = page.getByTestId('lane-staging');
    const stagingSoak = staging.getByRole('figure', {
      name: 'Soak of staging',
    });
    await stagingSoak.waitFor({ timeout: 60_000 });
    // At least two samples make a line; the thresholds draw dashed lines.
    // (A flat error-rate line has no height, so it counts as attached, not visible.)
    await stagingSoak
      .locator('.recharts-line-curve')
      .first()
      .waitFor({ state: 'attached', timeout: 60_000 });
    const points = await stagingSoak
      .locator('.recharts-line-curve')
      .first()
      .getAttribute('d');
    assert.ok(
      (points.match(/L/g) ?? []).length >= 1,
      `a line of two or more samples: ${points}`,
    );
    assert.ok(
      (await stagingSoak.locator('.recharts-reference-line').count()) >= 3,
      'threshold and window lines',
    );
    assert.match(await stagingSoak.innerText(), /Soak window \d+ s of 20 s/);
    assert.match(await stagingSoak.innerText(), /latency [\d.]+ \(max 0\.5\)/);
    const devSoak = page
      .getByTestId('lane-dev')
      .getByRole('figure', { name: 'Soak of dev' });
    assert.match(await devSoak.innerText(), /Time-only soak 5 s of 5 s/);

    // Prod names its next freeze in Berlin time and the viewer's.
    const calendar = page.getByTestId('lane-prod').getByTestId('lane-calendar');
    await calendar.waitFor({ timeout: 30_000 });
    assert.match(
      await calendar.innerText(),
      /Next freeze: .+, \w{3} \d+ \w{3} \d\d:\d\d.* Europe\/Berlin \(.*your time\)/,
    );

    await verifiedIn('checkout', 'prod', release);
    await page
      .getByTestId('lane-prod')
      .getByText('4.0.0')
      .first()
      .waitFor({ timeout: 30_000 });
    await stagingSoak.scrollIntoViewIfNeeded();
    publish(
      await shot('soak-graph-1280', { fullPage: true }),
      'soak-graph.png',
    );
    await resize(NARROW);
    await noSidewaysScroll();
    await stagingSoak.scrollIntoViewIfNeeded();
    await shot('soak-graph-390');
    await calendar.scrollIntoViewIfNeeded();
    publish(await shot('next-freeze-390'), 'next-freeze-mobile.png');
    await resize(WIDE);

    // A second release, then a rollback from the tab: the warm 4.0.0 process
    // takes prod's stable address back without anything starting.
    const firstInProd = lane(await pipeline('checkout'), 'prod').current;
    const second = await register('checkout', '4.0.1');
    await passE2e('checkout', second);
    await verifiedIn('checkout', 'prod', second);
    await page
      .getByTestId('lane-prod')
      .getByText('4.0.1')
      .first()
      .waitFor({ timeout: 30_000 });
    assert.equal((await serving(CHECKOUT_PROD)).version, '4.0.1');
    await page.getByRole('button', { name: 'Roll back prod' }).click();
    assert.equal(
      (await page.getByTestId('rollback-target-digest').innerText()).trim(),
      release,
    );
    await page.getByLabel('Reason').fill('latency after 4.0.1');
    const clicked = Date.now();
    await page.getByRole('button', { name: 'Roll back', exact: true }).click();
    const back = await until(
      'the stable address serving 4.0.0 again',
      async () => {
        const answer = await serving(CHECKOUT_PROD);
        return answer.version === '4.0.0' && answer;
      },
      30_000,
    );
    const switchMs = Date.now() - clicked;
    // The process answering is the one deployed for 4.0.0 before: nothing started.
    assert.equal(back.deploymentId, firstInProd.id);
    console.log(
      `warm switch: click → stable address serving 4.0.0 in ${switchMs} ms (through the browser)`,
    );
    await verifiedIn('checkout', 'prod', release);
    await page
      .getByTestId('lane-prod')
      .getByText('rollback')
      .first()
      .waitFor({ timeout: 30_000 });
    await page.getByTestId('lane-prod').scrollIntoViewIfNeeded();
    publish(await shot('warm-rollback-1280'), 'warm-rollback.png');

    // A slow release breaches staging's soak: the graph marks it, the window restarts.
    await register('storefront', '5.0.0-slow', { labels: ['demo:slow'] });
    await page.goto(`${APP_URL}/catalog/default/component/storefront/pipeline`);
    const slowStaging = page.getByTestId('lane-staging');
    const breach = slowStaging.getByTestId('soak-breach');
    await breach.waitFor({ timeout: 120_000 });
    assert.match(
      await breach.innerText(),
      /Window restarted by a breach: latency [\d.]+ s > 0\.5 s/,
    );
    const slowLane = await pipeline('storefront');
    const soakGate = lane(slowLane, 'prod').promotion.gates.find(
      g => g.gate === 'soak',
    );
    assert.equal(soakGate.verdict, 'pending');
    await breach.scrollIntoViewIfNeeded();
    publish(
      await shot('soak-breach-1280', { fullPage: true }),
      'soak-breach.png',
    );

    // A risky release waits for approval; the guest finds it on the Promotions page.
    const risky = await register('payments', '6.0.0', {
      labels: ['payment'],
      paths: ['services/payments/charge.js'],
    });
    await passE2e('payments', risky);
    await until('approval of 6.0.0 pending', async () => {
      const p = lane(await pipeline('payments'), 'prod').promotion;
      return (
        p?.artifact.digest === risky &&
        p.gates.some(g => g.gate === 'approval' && g.verdict === 'pending')
      );
    });
    await page.getByRole('link', { name: 'Promotions' }).first().click();
    const approvals = page.getByRole('region', {
      name: 'Waiting for your approval',
    });
    await approvals.getByText('6.0.0').waitFor({ timeout: 30_000 });
    assert.match(
      await page.getByText(/^Waiting for your approval \(\d+\)$/).innerText(),
      /\(1\)/,
    );
    const inFlight = page.getByRole('region', { name: 'In flight' });
    await inFlight.getByText('storefront').waitFor({ timeout: 30_000 });
    const freezes = page.getByRole('region', {
      name: 'Stopped lines and freezes',
    });
    assert.match(await freezes.innerText(), /Next freeze of standard\/prod/);
    publish(
      await shot('promotions-page-1280', { fullPage: true }),
      'promotions-page.png',
    );
    await resize(NARROW);
    await noSidewaysScroll();
    publish(await shot('promotions-page-390'), 'promotions-page-mobile.png');
    await resize(WIDE);

    // The row leads to the service's tab, where the approval panel waits.
    await approvals.getByRole('link', { name: 'payments' }).click();
    await page.waitForURL(/\/catalog\/default\/component\/payments\/pipeline$/);
    await page
      .getByRole('region', { name: 'Approval into prod' })
      .waitFor({ timeout: 60_000 });

    // The entity Overview card: what runs in each environment.
    await page.goto(`${APP_URL}/catalog/default/component/checkout`);
    const card = page.getByRole('table', {
      name: 'What runs in each environment',
    });
    await card.waitFor({ timeout: 60_000 });
    assert.match(await card.innerText(), /prod\s+4\.0\.0/);
    await card.scrollIntoViewIfNeeded();
    publish(await shot('overview-card-1280'), 'overview-card.png');
    await page.getByRole('link', { name: /Open the pipeline/ }).click();
    await page.waitForURL(/\/catalog\/default\/component\/checkout\/pipeline$/);
  },
);
