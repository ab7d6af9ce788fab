// Opens the adopter app's Pipeline tab in Chromium and waits for the dev
// lane to show the registered version. Reuses test/browser's launcher.
const { launchBrowser, openAsGuest } = require('../browser/browser');

const fs = require('node:fs');
const path = require('node:path');

const OUTPUT = path.resolve(__dirname, '../output');
const shot = variant => path.join(OUTPUT, `adopter-${variant}.png`);
const ENTITY_PATH = '/catalog/default/component/adopter-service/pipeline';

/** `variant` 'new' opens the new frontend system app, 'legacy' the legacy app (?legacy). */
async function checkPipelineTab(baseUrl, variant, version) {
  fs.mkdirSync(OUTPUT, { recursive: true });
  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage();
    const sockets = [];
    page.on('websocket', ws => sockets.push(ws.url()));
    const query = variant === 'legacy' ? '?legacy' : '';
    await openAsGuest(page, `${baseUrl}${ENTITY_PATH}${query}`);
    const dev = page.getByTestId('lane-dev');
    try {
      await dev.getByText(version).waitFor({ timeout: 120_000 });
    } catch (error) {
      await page.screenshot({ path: shot(variant), fullPage: true });
      throw new Error(`${variant}: ${error.message} (${shot(variant)})`);
    }
    await page.getByTestId('lane-prod').waitFor({ timeout: 10_000 });
    const running = await page.evaluate(() => window.adopterApp);
    if (running !== variant) {
      throw new Error(`expected the ${variant} app, the page runs ${running}`);
    }
    // The legacy EntityLayout draws tabs, the new entity page may draw links.
    const tab = page
      .getByRole('tab', { name: 'Pipeline' })
      .or(page.getByRole('link', { name: 'Pipeline', exact: true }));
    if (!(await tab.count())) {
      await page.screenshot({ path: shot(variant), fullPage: true });
      throw new Error(
        `${variant}: no Pipeline tab on the entity page (${shot(variant)})`,
      );
    }
    await page.screenshot({ path: shot(variant), fullPage: true });
    const signals = sockets.some(url => url.includes('/api/signals'));
    return `lanes dev and prod, Pipeline tab present${
      signals ? ', signals socket open' : ''
    }`;
  } finally {
    await close();
  }
}

module.exports = { checkPipelineTab };
