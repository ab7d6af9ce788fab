// Smoke test: the demo portal comes up, the guest signs in, and a demo
// service's pipeline tab shows the artifact CI just registered.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startPortal, ciCallWhenCatalogReady, APP_URL, ROOT } = require('./portal');
const { launchBrowser, openAsGuest } = require('./browser');

const OUTPUT = path.join(ROOT, 'test/output');
let portal;
let chromium;

before(async () => {
  fs.mkdirSync(OUTPUT, { recursive: true });
  portal = await startPortal();
  chromium = await launchBrowser();
}, { timeout: 300_000 });

after(async () => {
  await chromium?.close();
  await portal?.stop();
});

test('the pipeline tab of a demo service renders its lanes and a new artifact', { timeout: 180_000 }, async () => {
  const digest = `sha256:${crypto.randomBytes(32).toString('hex')}`;
  await ciCallWhenCatalogReady('POST', '/v1/artifacts', {
    entityRef: 'component:default/storefront',
    digest,
    version: '2.0.0-smoke',
    commit: crypto.randomBytes(20).toString('hex'),
    author: 'user:default/alice',
    testResults: ['unit', 'integration', 'contract'].map(suite => ({ suite, status: 'passed' })),
  });

  const page = await chromium.browser.newPage({ viewport: { width: 1400, height: 900 } });
  await openAsGuest(page, `${APP_URL}/catalog/default/component/storefront/pipeline`);
  for (const env of ['dev', 'staging', 'prod']) {
    await page.getByTestId(`lane-${env}`).waitFor({ timeout: 90_000 });
  }
  await page.getByTestId('lane-dev').getByText('2.0.0-smoke').waitFor({ timeout: 60_000 });
  const devLane = await page.getByTestId('lane-dev').innerText();
  assert.match(devLane, /2\.0\.0-smoke/);
  await page.screenshot({ path: path.join(OUTPUT, 'smoke-pipeline-tab.png'), fullPage: true });

  // A component without the annotation explains how to opt in.
  await page.goto(`${APP_URL}/catalog/default/component/ledger/pipeline`);
  await page.getByText('promotion.backstage.io/pipeline').first().waitFor({ timeout: 60_000 });
  await page.close();
});
