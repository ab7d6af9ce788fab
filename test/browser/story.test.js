// Issue 14's story in a real browser against the demo portal: a release's
// soak draws a graph with threshold lines, a slow release breaches its soak
// and the graph says so, prod shows its next freeze in the calendar's zone
// and the viewer's, an alert firing at a real Alertmanager stops a
// promotion into prod and its resolution lets it through, a rollback of
// prod is a switch at the lane's stable address to the warm previous
// process, the org-wide Promotions page lists the approval waiting for the
// signed-in user and leads to the service's tab, and the entity Overview
// card shows what runs where. Every screenshot (1280×800 and 390×844) goes
// to test/output/; the ones the README shows are copied to docs/images/.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startPortal, ciCall, APP_URL } = require('./portal');
const {
  calendarOverride,
  register,
  pipeline,
  lane,
  until,
  serving,
  verifiedIn,
  passE2e,
  CHECKOUT_PROD,
} = require('./demoFlow');
const { launchBrowser, openAsGuest } = require('./browser');
const { startAlertmanager } = require('./alertmanager');
const { screens, WIDE, NARROW } = require('./screens');

// The viewer sits in another zone than the calendar, so both times show.
const VIEWER_ZONE = 'America/New_York';
// Not the demo's 9093, so a `demo:incident` left running does not interfere.
const ALERTMANAGER_PORT = 9193;
let alertmanager;
let portal;
let chromium;
let page;

let shot, publish, resize, toTop, noSidewaysScroll, dialogShown;

before(
  async () => {
    // The demo's incident overlay: an incident gate on prod reading this Alertmanager.
    alertmanager = await startAlertmanager(ALERTMANAGER_PORT);
    portal = await startPortal({
      env: calendarOverride(),
      configs: [alertmanager.overlay],
    });
    chromium = await launchBrowser();
    const context = await chromium.browser.newContext({
      viewport: WIDE,
      timezoneId: VIEWER_ZONE,
    });
    page = await context.newPage();
    ({ shot, publish, resize, toTop, noSidewaysScroll, dialogShown } = screens(
      page,
      'issue14',
    ));
  },
  { timeout: 300_000 },
);

after(async () => {
  await chromium?.close();
  await portal?.stop();
  await alertmanager?.stop();
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
    await toTop(page.getByTestId('lane-staging'));
    publish(await shot('soak-graph-1280'), 'soak-graph.png');
    await resize(NARROW);
    await noSidewaysScroll();
    await stagingSoak.scrollIntoViewIfNeeded();
    await shot('soak-graph-390');
    await calendar.scrollIntoViewIfNeeded();
    publish(await shot('next-freeze-390'), 'next-freeze-mobile.png');
    await resize(WIDE);

    // An incident in prod: an alert about checkout fires at Alertmanager, so
    // the second release stops in front of prod with the alert named on the
    // lane, every other gate green; resolving the alert lets it through.
    const firstInProd = lane(await pipeline('checkout'), 'prod').current;
    const alert = {
      alertname: 'CheckoutErrors',
      service: 'checkout',
      environment: 'prod',
      severity: 'critical',
    };
    await alertmanager.post(alert, { summary: 'checkout 5xx above 5 %' });
    const second = await register('checkout', '4.0.1');
    await passE2e('checkout', second);
    await until(
      '4.0.1 held only by the incident gate',
      async () => {
        const p = lane(await pipeline('checkout'), 'prod').promotion;
        return (
          p?.artifact.digest === second &&
          p.gates.every(g =>
            g.gate === 'incident'
              ? g.verdict === 'pending' && /CheckoutErrors/.test(g.reason)
              : g.verdict === 'passed',
          )
        );
      },
      90_000,
    );
    const prodLane = page.getByTestId('lane-prod');
    // Named at the top of the lane, and in its gate checklist.
    const note = prodLane.getByRole('status', {
      name: 'Incident freeze on prod',
    });
    await note.getByText('CheckoutErrors').waitFor({ timeout: 30_000 });
    assert.match(
      await note.innerText(),
      /promotions into prod stopped\s+CheckoutErrors: checkout 5xx above 5 % \(firing .+\)\s+at alertmanager; promotions resume when it resolves/,
    );
    const incidentGate = prodLane.getByTestId('gate-incident');
    await incidentGate
      .getByText(/CheckoutErrors/)
      .first()
      .waitFor({ timeout: 30_000 });
    assert.match(
      await incidentGate.innerText(),
      /incident: pending[\s\S]*incident freeze: CheckoutErrors since .* firing at alertmanager; promotions into prod resume when it resolves/,
    );
    assert.equal(
      lane(await pipeline('checkout'), 'prod').current.artifact.digest,
      release,
      'nothing deployed into prod while the alert fires',
    );
    // The README's first picture: 4.0.1 in dev and staging, stopped before prod.
    await toTop(page.getByRole('tab', { name: 'Pipeline' }));
    publish(await shot('pipeline-tab-1280'), 'pipeline-tab.png');
    await toTop(incidentGate);
    publish(await shot('incident-gate-1280'), 'incident-gate.png');
    await resize(NARROW);
    await noSidewaysScroll();
    await toTop(page.getByTestId('lane-prod'));
    publish(await shot('incident-freeze-390'), 'incident-freeze-mobile.png');
    await resize(WIDE);

    await alertmanager.post(alert, { resolved: true });
    const resolvedAt = Date.now();
    await until(
      '4.0.1 deploying into prod after the alert resolved',
      async () =>
        lane(await pipeline('checkout'), 'prod').current?.artifact.digest ===
        second,
      60_000,
    );
    console.log(
      `incident gate: alert resolved → 4.0.1 deploying into prod in ${
        Date.now() - resolvedAt
      } ms (the gate looks again every 15 s while an alert fires)`,
    );
    // The audit log names the freeze's start and end.
    await until(
      'incident.freeze.started and .ended in the audit log',
      async () => {
        const audit = await ciCall(
          'GET',
          '/v1/services/component/default/checkout/events?environment=prod&limit=100',
        );
        const kinds = audit.items.map(e => e.kind);
        return (
          kinds.includes('incident.freeze.started') &&
          kinds.includes('incident.freeze.ended')
        );
      },
      30_000,
    );

    // Then a rollback from the tab: the warm 4.0.0 process takes prod's
    // stable address back without anything starting.
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
    await dialogShown();
    publish(await shot('rollback-dialog-1280'), 'rollback-dialog.png');
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
    await toTop(page.getByTestId('lane-prod'));
    publish(await shot('warm-rollback-1280'), 'warm-rollback.png');
    // The rollback in the audit trail, the time to restore in DORA.
    await page
      .getByText('rollback.requested')
      .first()
      .waitFor({ timeout: 30_000 });
    await toTop(page.getByText('DORA', { exact: true }));
    publish(await shot('history-dora-1280'), 'history-dora.png');

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
    await toTop(slowStaging);
    publish(await shot('soak-breach-1280'), 'soak-breach.png');

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
    publish(await shot('promotions-page-1280'), 'promotions-page.png');
    await resize(NARROW);
    await noSidewaysScroll();
    // On a phone each row is a block of labelled values, not a cut table.
    assert.match(
      await approvals.innerText(),
      /Service\s+payments\s+Into\s+staging → prod\s+Artifact\s+6\.0\.0/,
    );
    publish(await shot('promotions-page-390'), 'promotions-page-mobile.png');
    await resize(WIDE);

    // The row leads to the service's tab, where the approval panel waits.
    await approvals.getByRole('link', { name: 'payments' }).click();
    await page.waitForURL(/\/catalog\/default\/component\/payments\/pipeline$/);
    const approvalPanel = page.getByRole('region', {
      name: 'Approval into prod',
    });
    await approvalPanel.waitFor({ timeout: 60_000 });
    await toTop(page.getByTestId('lane-prod'));
    publish(await shot('approval-1280'), 'approval.png');

    // The entity Overview card: what runs in each environment.
    await page.goto(`${APP_URL}/catalog/default/component/checkout`);
    const card = page.getByRole('table', {
      name: 'What runs in each environment',
    });
    await card.waitFor({ timeout: 60_000 });
    assert.match(await card.innerText(), /prod\s+4\.0\.0\s+\S+\s+verified/);
    const openPipeline = page.getByRole('link', { name: /Open the pipeline/ });
    await openPipeline.scrollIntoViewIfNeeded();
    publish(await shot('overview-card-1280'), 'overview-card.png');
    await resize(NARROW);
    await noSidewaysScroll();
    // Environment names whole, the state beside its icon.
    const prodRow = page.getByTestId('overview-prod');
    const [name, state] = await Promise.all([
      prodRow.locator('th').boundingBox(),
      prodRow.getByText('verified').first().boundingBox(),
    ]);
    assert.ok(name.width >= 30, `environment column ${name.width} px wide`);
    const icon = await prodRow.getByLabel('verified').boundingBox();
    assert.ok(
      Math.abs(icon.y + icon.height / 2 - (state.y + state.height / 2)) < 8,
      'the state sits beside its icon',
    );
    await openPipeline.scrollIntoViewIfNeeded();
    publish(await shot('overview-card-390'), 'overview-card-mobile.png');
    await resize(WIDE);
    await page.getByRole('link', { name: /Open the pipeline/ }).click();
    await page.waitForURL(/\/catalog\/default\/component\/checkout\/pipeline$/);
  },
);
