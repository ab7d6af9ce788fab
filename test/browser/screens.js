// Screenshots of the browser tests: every picture goes to test/output/, the
// ones the README shows are copied to docs/images/ (the README names them).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT } = require('./portal');

const OUTPUT = path.join(ROOT, 'test/output');
const IMAGES = path.join(ROOT, 'docs/images');
const WIDE = { width: 1280, height: 800 };
const NARROW = { width: 390, height: 844 };

/** Picture helpers bound to one page; names are prefixed with `prefix`. */
function screens(page, prefix) {
  fs.mkdirSync(OUTPUT, { recursive: true });

  /** The viewport as it is, into test/output/<prefix>-<name>.png. */
  const shot = async name => {
    const file = path.join(OUTPUT, `${prefix}-${name}.png`);
    await page.screenshot({ path: file });
    return file;
  };

  /** A picture the README shows: copied to docs/images/<name>. */
  const publish = (file, name) =>
    fs.copyFileSync(file, path.join(IMAGES, name));

  /**
   * Waits until the browser has laid out the page for a new viewport and
   * the sidebar's slide has ended (a picture taken during it shows the page
   * shifted right and cut).
   */
  const resize = async size => {
    await page.setViewportSize(size);
    await page.waitForFunction(
      w => document.documentElement.clientWidth === w,
      size.width,
    );
    await page.waitForFunction(
      () => {
        const x = document.querySelector('main')?.getBoundingClientRect().x;
        const settled = x !== undefined && x === window.lastMainX;
        window.lastMainX = x;
        return settled;
      },
      undefined,
      { polling: 200 },
    );
  };

  /** Scrolls so that `locator` starts at the top of the viewport. */
  const toTop = locator =>
    locator.evaluate(el => el.scrollIntoView({ block: 'start' }));

  const noSidewaysScroll = async () =>
    assert.ok(
      (await page.evaluate(() => document.documentElement.scrollWidth)) <=
        page.viewportSize().width,
      'nothing sticks out sideways',
    );

  /** Until an open dialog has faded in (a picture would catch it half transparent). */
  const dialogShown = () =>
    page.waitForFunction(() => {
      const dialog = document.querySelector('[role="dialog"]');
      for (let el = dialog; el; el = el.parentElement) {
        if (getComputedStyle(el).opacity !== '1') return false;
      }
      return Boolean(dialog);
    });

  return { shot, publish, resize, toTop, noSidewaysScroll, dialogShown };
}

module.exports = { screens, WIDE, NARROW };
