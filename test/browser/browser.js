// Launches Debian's Chromium through playwright-core; no browser download.
// playwright's launch() gives every run a fresh temporary profile.
const { chromium } = require('playwright-core');
const fs = require('node:fs');

const EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A fresh headless Chromium. */
async function launchBrowser() {
  if (!fs.existsSync(EXECUTABLE)) {
    throw new Error(`${EXECUTABLE} is missing: apt-get install chromium (scripts/test.sh does)`);
  }
  const browser = await chromium.launch({
    executablePath: EXECUTABLE,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return { browser, close: () => browser.close() };
}

/** Opens a page of the portal, entering as the guest user when asked to sign in. */
async function openAsGuest(page, url) {
  await page.goto(url);
  const enter = page.getByRole('button', { name: 'Enter' });
  try {
    await enter.waitFor({ timeout: 15_000 });
    await enter.click();
  } catch {
    // Already signed in: the sign-in page never showed.
  }
}

module.exports = { launchBrowser, openAsGuest };
