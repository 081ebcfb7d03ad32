// examples/browser/index.html in headless Chromium: it loads a tl run directory with plain
// tf.loadLayersModel, classifies images dropped on it and shows the top 3; the top class equals
// `tl predict`'s. Skipped without Chromium.
import * as fs from 'fs';
import * as path from 'path';
import { CHROMIUM } from './cdp';
import { withBrowser } from './session';
import { withServer } from './static-server';
import { CLASSES, colourPng, makeColourFolder, makeColourRun } from '../helpers/colour-run';
import { runCli } from '../helpers/cli';

const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) {
  // eslint-disable-next-line no-console
  console.warn(`browser example test SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium, or set TL_CHROMIUM)`);
}
const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'browser', 'index.html');
const TIMEOUT_MS = 900_000;

(haveChromium ? test : test.skip)('the browser example classifies dropped images with the same top class as tl predict', async () => {
  await withBrowser('browser-example', async (browser, work) => {
    const data = path.join(work, 'imgs');
    const runDir = path.join(work, 'run');
    await makeColourFolder(data, 1, false);
    await makeColourRun(runDir, data);
    // One per class; two need a resize to the model's 8x8 (one of them not square).
    const images = ['red.png', 'green.png', 'blue.png'].map((n) => path.join(work, n));
    await colourPng(images[0], 0, 201, 16, 16);
    await colourPng(images[1], 1, 202, 12, 10);
    await colourPng(images[2], 2, 203);
    const cli = await runCli(['predict', '--model', runDir, ...images, '--json', '--top-k', '3']);
    expect(cli.code).toBe(0);
    const tlTop = JSON.parse(cli.stdout).predictions.map((p: { top: { label: string }[] }) => p.top[0].label);
    expect(tlTop).toEqual(['red', 'green', 'blue']);

    await withServer({ '/': EXAMPLE, '/index.html': EXAMPLE, '/tf.min.js': require.resolve('@tensorflow/tfjs/dist/tf.min.js'), '/runs/colours/': runDir, '/img/': work }, async (server) => {
      const page = await browser.newPage();
      await page.goto(`${server.origin}/index.html?model=/runs/colours/`);
      const status = await page.evaluate<string>(`window.tlRun.then(() => document.getElementById('status').textContent)`);
      expect(status).toContain(`${CLASSES.length} classes, input 8x8x3`);
      const shown: { label: string; probability: number }[][] = [];
      for (const img of images) {
        // A real drop event carrying the file, as a person dragging it onto the page makes.
        const top = await page.evaluate<{ label: string; probability: number }[]>(`(async () => {
          const blob = await (await fetch('/img/${path.basename(img)}')).blob();
          const dt = new DataTransfer();
          dt.items.add(new File([blob], '${path.basename(img)}', { type: 'image/png' }));
          const before = Number(document.body.dataset.classified || 0);
          document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
          while (Number(document.body.dataset.classified || 0) === before) await new Promise((r) => setTimeout(r, 20));
          const items = Array.from(document.querySelectorAll('#top li')).map((li) => li.querySelector('b').textContent);
          return window.lastTop.map((t, i) => ({ ...t, shownAs: items[i] }));
        })()`);
        shown.push(top);
      }
      expect(shown.map((t) => t.length)).toEqual([3, 3, 3]);
      expect(shown.map((t) => t[0].label)).toEqual(tlTop);
      for (const t of shown) {
        expect(t.map((x) => (x as unknown as { shownAs: string }).shownAs)).toEqual(t.map((x) => x.label));
        expect(t[0].probability).toBeGreaterThanOrEqual(t[1].probability);
        expect(t.reduce((s, x) => s + x.probability, 0)).toBeCloseTo(1, 4);
      }
      expect(page.problems).toEqual([]);
      expect(page.requests.filter((u) => !u.startsWith(server.origin) && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);
    });
  });
}, TIMEOUT_MS);
