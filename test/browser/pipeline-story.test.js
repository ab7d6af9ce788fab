// The whole story in a real browser against the running demo portal: CI
// registers risky artifacts, they land in dev and staging and soak, the
// author is refused approval in the tab, a permitted user approves, the
// artifact reaches prod, and the rollback button returns prod to the
// previous digest. Screenshots of each step go to test/output/.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startPortal, ciCall, ciCallWhenCatalogReady, APP_URL, ROOT } = require('./portal');
const { launchBrowser, openAsGuest } = require('./browser');

const OUTPUT = path.join(ROOT, 'test/output');
const SERVICE = 'component:default/payments';
const GUEST = 'user:development/guest';
let portal;
let chromium;
let page;
let step = 0;

const shot = async name => {
  step += 1;
  await page.screenshot({ path: path.join(OUTPUT, `story-${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
};

async function register(version, author) {
  const digest = `sha256:${crypto.randomBytes(32).toString('hex')}`;
  await ciCallWhenCatalogReady('POST', '/v1/artifacts', {
    entityRef: SERVICE,
    digest,
    version,
    commit: crypto.randomBytes(20).toString('hex'),
    author,
    labels: ['payment'],
    changedPaths: ['services/payments/charge.js'],
    testResults: ['unit', 'integration', 'contract'].map(suite => ({ suite, status: 'passed' })),
  });
  return digest;
}

async function pipeline() {
  return ciCall('GET', '/v1/services/component/default/payments/pipeline');
}

async function until(what, probe, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 500));
  }
}

const lane = (view, name) => view.environments.find(e => e.name === name);
const verifiedIn = (env, digest) =>
  until(`${digest} verified in ${env}`, async () => {
    const current = lane(await pipeline(), env).current;
    return current?.artifact.digest === digest && current.state === 'verified';
  });

/** Reports e2e once staging verified it, as the CI e2e job would. */
async function passE2e(digest) {
  await verifiedIn('staging', digest);
  await ciCall('POST', `/v1/artifacts/${digest}/test-results`, {
    entityRef: SERVICE,
    suite: 'e2e',
    environment: 'staging',
    status: 'passed',
  });
}

before(async () => {
  fs.mkdirSync(OUTPUT, { recursive: true });
  portal = await startPortal();
  chromium = await launchBrowser();
  page = await chromium.browser.newPage({ viewport: { width: 1400, height: 1000 } });
}, { timeout: 300_000 });

after(async () => {
  await chromium?.close();
  await portal?.stop();
});

test('approve in the tab, reach prod, roll back with one click', { timeout: 600_000 }, async () => {
  // The guest's own risky change: the tab refuses the author.
  const own = await register('3.0.0-own', GUEST);
  await passE2e(own);
  await openAsGuest(page, `${APP_URL}/catalog/default/component/payments/pipeline`);
  const approval = page.getByRole('region', { name: 'Approval into prod' });
  await approval.waitFor({ timeout: 120_000 });
  await approval.getByText('you are the author').waitFor({ timeout: 30_000 });
  assert.equal(await approval.getByRole('button', { name: 'Approve' }).isDisabled(), true);
  await shot('author-refused');

  // Someone else's change replaces it; the guest may approve that one.
  const first = await register('3.0.1', 'user:default/carol');
  await passE2e(first);
  await until('approval of 3.0.1 pending', async () => {
    const p = lane(await pipeline(), 'prod').promotion;
    return p?.artifact.digest === first && p.gates.some(g => g.gate === 'approval' && g.verdict === 'pending');
  });
  await page.getByTestId('lane-prod').getByText('3.0.1').first().waitFor({ timeout: 30_000 });
  const panel = page.getByRole('region', { name: 'Approval into prod' });
  await panel.scrollIntoViewIfNeeded();
  await shot('waiting-for-approval');

  // Layout with the approval panel open: the lanes sit side by side at
  // 1400 px, and stack in one column with nothing sideways at 360 px.
  const lanes = () => Promise.all(['dev', 'staging', 'prod'].map(env => page.getByTestId(`lane-${env}`).boundingBox()));
  const wide = await lanes();
  assert.ok(wide.every(box => Math.abs(box.y - wide[0].y) < 2), `lanes side by side at 1400 px: ${JSON.stringify(wide)}`);
  await page.setViewportSize({ width: 360, height: 800 });
  await page.waitForFunction(() => document.querySelector('[data-testid="lane-prod"]').getBoundingClientRect().width < 360);
  const narrow = await lanes();
  assert.ok(narrow[0].y < narrow[1].y && narrow[1].y < narrow[2].y, `lanes stacked at 360 px: ${JSON.stringify(narrow)}`);
  assert.ok(narrow.every(box => box.x >= 0 && box.x + box.width <= 360), `lanes inside 360 px: ${JSON.stringify(narrow)}`);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 360);
  await panel.scrollIntoViewIfNeeded();
  await shot('waiting-for-approval-360');
  await page.setViewportSize({ width: 1400, height: 1000 });
  await panel.getByLabel('Comment').fill('checked the charge path');
  await panel.getByRole('button', { name: 'Approve' }).click();
  await verifiedIn('prod', first);
  await page.getByTestId('lane-prod').getByText('verified').first().waitFor({ timeout: 30_000 });
  await shot('first-in-prod');

  // A second release reaches prod; the first is now the warm previous one.
  const second = await register('3.0.2', 'user:default/carol');
  await passE2e(second);
  await until('approval of 3.0.2 pending', async () => {
    const p = lane(await pipeline(), 'prod').promotion;
    return p?.artifact.digest === second && p.gates.some(g => g.gate === 'approval' && g.verdict === 'pending');
  });
  await page.getByTestId('lane-prod').getByText('3.0.2').first().waitFor({ timeout: 30_000 });
  await page.getByRole('region', { name: 'Approval into prod' }).getByRole('button', { name: 'Approve' }).click();
  await verifiedIn('prod', second);
  await shot('second-in-prod');

  // Roll prod back from the tab; the dialog names the exact digest.
  await page.getByRole('button', { name: 'Roll back prod' }).click();
  const target = await page.getByTestId('rollback-target-digest').innerText();
  assert.equal(target.trim(), first);
  await page.getByLabel('Reason').fill('payment errors after 3.0.2');
  // Let the dialog finish fading in, or the picture catches it half transparent.
  await page.waitForFunction(() => {
    for (let el = document.querySelector('[role="dialog"]'); el; el = el.parentElement) {
      if (getComputedStyle(el).opacity !== '1') return false;
    }
    return true;
  });
  await shot('rollback-dialog');
  await page.getByRole('button', { name: 'Roll back', exact: true }).click();
  await verifiedIn('prod', first);
  const prod = lane(await pipeline(), 'prod');
  assert.equal(prod.current.trigger, 'rollback');
  assert.equal(prod.holds[0].digest, second);
  await page.getByTestId('lane-prod').getByText('rollback').first().waitFor({ timeout: 30_000 });
  await shot('rolled-back');
  // The rollback in the audit trail and the time to restore in DORA.
  await page.getByText('rollback.requested').first().waitFor({ timeout: 30_000 });
  await page.getByText('DORA', { exact: true }).scrollIntoViewIfNeeded();
  await shot('history-dora');
});
