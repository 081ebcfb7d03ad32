// compare.html in Debian's headless Chromium: it renders the tables and the inline SVG curves
// (one line per run and series), the screenshot is not blank, no console errors, no outside
// requests. Skipped without Chromium, like the evaluation report's browser test.
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { Browser, CHROMIUM } from './cdp';
import { readCompareRun, writeComparison } from '../../src/experiments';
import { tempDir } from '../evaluate/fixtures';
import { fakeRun } from '../experiments/fixtures';

const describeIfChromium = fs.existsSync(CHROMIUM) ? describe : describe.skip;
const BROWSER_TIMEOUT_MS = 900_000;

describeIfChromium('compare.html in headless Chromium', () => {
  let browser: Browser;
  let work: string;
  beforeAll(async () => {
    work = tempDir('compare-browser');
    browser = await Browser.launch();
  }, BROWSER_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  }, BROWSER_TIMEOUT_MS);

  test('renders tables and one curve per run and series, not blank, nothing fetched', async () => {
    const runs = [fakeRun(work, 'dropout-0', 0, 12, 4), fakeRun(work, 'dropout-0.5', 0.5, 12, 4)].map(readCompareRun);
    await writeComparison(path.join(work, 'out'), 'dropout 0 against 0.5', runs);
    const page = await browser.newPage();
    await page.goto(`file://${path.join(work, 'out', 'compare.html')}`);
    const state = await page.evaluate<{ title: string; headers: number; curves: number; width: number }>(
      `(() => ({ title: document.title, headers: document.querySelectorAll('th .swatch').length,
        curves: document.querySelectorAll('svg polyline.curve').length,
        width: document.querySelector('svg').getBoundingClientRect().width }))()`,
    );
    expect(state.title).toBe('dropout 0 against 0.5');
    expect(state.headers).toBe(2);
    expect(state.curves).toBe(2 * 2 * 2); // runs x (train, validation) x (accuracy, loss)
    expect(state.width).toBeGreaterThan(800);
    const shot = await page.screenshot();
    if (process.env.TL_TEST_ARTIFACTS) {
      fs.mkdirSync(process.env.TL_TEST_ARTIFACTS, { recursive: true });
      fs.writeFileSync(path.join(process.env.TL_TEST_ARTIFACTS, 'compare-screenshot.png'), shot);
    }
    const stats = await sharp(shot).stats();
    for (const ch of stats.channels.slice(0, 3)) expect(ch.max - ch.min).toBeGreaterThan(100);
    expect(page.problems).toEqual([]);
    expect(page.requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'))).toEqual([]);
  }, BROWSER_TIMEOUT_MS);
});
