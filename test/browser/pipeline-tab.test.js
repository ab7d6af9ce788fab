// The demo portal comes up, the guest signs in, and a demo service's
// pipeline tab shows the artifact CI registers while the tab is open. The
// portal runs with polling off (promotion.pipelineTab.polling: false), so
// the lane can only change through a signal over the events backend: no
// reload, no poll.
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
const SERVICE = 'component:default/storefront';
const PIPELINE_PATH = '/v1/services/component/default/storefront/pipeline';
const CHANNEL = `promotion:${SERVICE}`;
// Polling would fetch again 2 s after the page loaded; watch well past that.
const QUIET_MS = 7_000;
let portal;
let chromium;

before(
  async () => {
    fs.mkdirSync(OUTPUT, { recursive: true });
    portal = await startPortal({
      env: { APP_CONFIG_promotion_pipelineTab_polling: 'false' },
    });
    chromium = await launchBrowser();
  },
  { timeout: 300_000 },
);

after(async () => {
  await chromium?.close();
  await portal?.stop();
});

test(
  'with polling off a lane changes on a signal, without a reload',
  { timeout: 240_000 },
  async () => {
    // The catalog knows the service before the tab opens (an error would
    // stay on screen: nothing polls).
    await ciCallWhenCatalogReady('GET', PIPELINE_PATH);

    const page = await chromium.browser.newPage({
      viewport: { width: 1400, height: 900 },
    });
    const fetches = []; // times the page asked for the pipeline
    const signals = []; // times a signal for the service arrived
    let subscribed = false;
    page.on('request', request => {
      if (
        request.method() === 'GET' &&
        new URL(request.url()).pathname === `/api/promotion${PIPELINE_PATH}`
      ) {
        fetches.push(Date.now());
      }
    });
    page.on('websocket', ws => {
      ws.on('framesent', ({ payload }) => {
        if (String(payload).includes(`"channel":"${CHANNEL}"`)) {
          subscribed = true;
        }
      });
      ws.on('framereceived', ({ payload }) => {
        if (String(payload).includes(`"channel":"${CHANNEL}"`)) {
          signals.push(Date.now());
        }
      });
    });
    let navigations = 0;
    page.on('framenavigated', frame => {
      if (frame === page.mainFrame()) navigations += 1;
    });

    await openAsGuest(
      page,
      `${APP_URL}/catalog/default/component/storefront/pipeline`,
    );
    for (const env of ['dev', 'staging', 'prod']) {
      await page.getByTestId(`lane-${env}`).waitFor({ timeout: 90_000 });
    }
    const deadline = Date.now() + 30_000;
    while (!subscribed) {
      assert.ok(Date.now() < deadline, `the tab subscribes to ${CHANNEL}`);
      await new Promise(r => setTimeout(r, 100));
    }

    // Polling is off: a quiet pipeline is not fetched again.
    const loaded = fetches.length;
    assert.ok(loaded >= 1, 'the tab fetched the pipeline once on opening');
    await new Promise(r => setTimeout(r, QUIET_MS));
    assert.equal(fetches.length, loaded, `no fetch in ${QUIET_MS} ms of quiet`);

    const navigationsBefore = navigations;
    const registeredAt = Date.now();
    const digest = `sha256:${crypto.randomBytes(32).toString('hex')}`;
    await ciCall('POST', '/v1/artifacts', {
      entityRef: SERVICE,
      digest,
      version: '2.0.0-signal',
      commit: crypto.randomBytes(20).toString('hex'),
      author: 'user:default/alice',
      testResults: ['unit', 'integration', 'contract'].map(suite => ({
        suite,
        status: 'passed',
      })),
    });
    await page
      .getByTestId('lane-dev')
      .getByText('2.0.0-signal')
      .first()
      .waitFor({ timeout: 20_000 });
    const shownMs = Date.now() - registeredAt;

    assert.equal(navigations, navigationsBefore, 'the page was not reloaded');
    assert.ok(signals.length >= 1, 'a signal for the service arrived');
    // Every fetch since the registration followed a signal (one fetch per
    // signal at most): the change came through signals, not a poll.
    const after = fetches.filter(t => t >= registeredAt);
    assert.ok(after.length >= 1, 'the lane was fetched again');
    assert.ok(
      after.length <= signals.filter(t => t >= registeredAt).length,
      `${after.length} fetches after ${signals.length} signals`,
    );
    for (const t of after) {
      assert.ok(
        signals.some(s => s <= t && t - s < 2_000),
        'each fetch within 2 s of a signal',
      );
    }
    console.log(
      `registration → lane shows 2.0.0-signal in ${shownMs} ms; ${after.length} fetches after ${signals.length} signals`,
    );
    await page.screenshot({
      path: path.join(OUTPUT, 'signal-pipeline-tab.png'),
      fullPage: true,
    });

    // A component without the annotation explains how to opt in.
    await page.goto(`${APP_URL}/catalog/default/component/ledger/pipeline`);
    await page
      .getByText('promotion.backstage.io/pipeline')
      .first()
      .waitFor({ timeout: 60_000 });
    await page.close();
  },
);
