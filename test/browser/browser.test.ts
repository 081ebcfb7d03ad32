// Real-browser checks with Debian's headless Chromium: report.html renders with no console
// errors and no outside requests, and a tl run directory loads in the browser with the
// published tfjs bundle and predicts the same top-1 as `tl predict`; tl compare's compare.html
// renders its inline SVG curves. Skipped without Chromium.
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { AddressInfo } from 'net';
import sharp from 'sharp';
import { Browser, CHROMIUM } from './cdp';
import { computeMetrics, checkThresholds, fileToModelInput } from '../../src/evaluate';
import { buildEvaluationFiles } from '../../src/report';
import { CLASSES, INPUT, colourPng, makeColourFolder, makeColourRun, tempDir } from '../helpers/colour-run';
import { runCli } from '../helpers/cli';
import { readCompareRun, writeComparison } from '../../src/experiments';
import { fakeRun } from '../experiments/fixtures';

const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) {
  // eslint-disable-next-line no-console
  console.warn(`browser tests SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium, or set TL_CHROMIUM)`);
}
const describeIfChromium = haveChromium ? describe : describe.skip;
// Seconds on an idle machine; generous limits because a loaded 2-core box starves Chromium.
const BROWSER_TIMEOUT_MS = 900_000;

describeIfChromium('in headless Chromium', () => {
  let browser: Browser;
  let work: string;

  beforeAll(async () => {
    work = tempDir('browser');
    browser = await Browser.launch();
  }, BROWSER_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  }, BROWSER_TIMEOUT_MS);

  test('report.html renders: images load, screenshot is not blank, no console errors, no outside requests', async () => {
    // A realistic report: 4 classes, some mistakes, thumbnails, learning curves with two phases.
    const labels = ['cat', 'dog', 'fox', 'owl'];
    const yTrue: number[] = [];
    const probs: number[][] = [];
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const t = i % 4;
      const p = i % 7 === 0 ? (t + 1) % 4 : t; // every 7th is wrong
      const row = [0.05, 0.05, 0.05, 0.05];
      row[p] = 0.85;
      yTrue.push(t);
      probs.push(row);
      ids.push(`/data/${labels[t]}/img-${i}.jpg`);
    }
    const metrics = computeMetrics({ labels, ids, yTrue, probs }, { mistakes: 6 });
    const mistakeInputs = metrics.mistakes.map((_, k) => ({
      pixels: Float32Array.from({ length: 16 * 16 * 3 }, (_, i) => ((i * (k + 3)) % 97) / 96),
      height: 16,
      width: 16,
      channels: 3 as const,
    }));
    const files = await buildEvaluationFiles({
      title: 'Evaluation of test-run',
      model: 'runs/test-run',
      data: 'the held-out test split',
      dataSource: 'run-test-split',
      metrics,
      gate: checkThresholds(metrics, { minAccuracy: 0.8 }),
      skipped: [{ id: '/data/cat/broken.jpg', reason: 'truncated JPEG' }],
      seconds: 1.5,
      createdAt: new Date(),
      mistakeInputs,
      preprocessing: { kind: 'scale01' },
      history: [
        { phase: 1, epoch: 1, loss: 1.2, accuracy: 0.5, valLoss: 1.3, valAccuracy: 0.45 },
        { phase: 1, epoch: 2, loss: 0.8, accuracy: 0.7, valLoss: 0.9, valAccuracy: 0.66 },
        { phase: 2, epoch: 1, loss: 0.4, accuracy: 0.85, valLoss: 0.5, valAccuracy: 0.8 },
      ],
      runConfig: { tlVersion: '0.1.0', kind: 'transfer', base: 'mobilenet', input: INPUT },
    });
    const file = path.join(work, 'report.html');
    fs.writeFileSync(file, files['report.html']);

    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    const state = await page.evaluate<{ images: number; broken: number; title: string; rows: number }>(
      `(() => { const imgs = Array.from(document.images);
        return { images: imgs.length, broken: imgs.filter((i) => !(i.complete && i.naturalWidth > 0)).length,
                 title: document.title, rows: document.querySelectorAll('tbody tr').length }; })()`,
    );
    expect(state.title).toBe('Evaluation of test-run');
    // learning curves + confusion matrix + F1 chart + one thumbnail per mistake
    expect(state.images).toBe(3 + metrics.mistakes.length);
    expect(state.broken).toBe(0);
    expect(state.rows).toBeGreaterThanOrEqual(labels.length);

    const shot = await page.screenshot();
    // TL_TEST_ARTIFACTS=<dir> keeps the page and screenshot for a person (or CI) to look at.
    if (process.env.TL_TEST_ARTIFACTS) {
      fs.mkdirSync(process.env.TL_TEST_ARTIFACTS, { recursive: true });
      fs.writeFileSync(path.join(process.env.TL_TEST_ARTIFACTS, 'report-screenshot.png'), shot);
      fs.copyFileSync(file, path.join(process.env.TL_TEST_ARTIFACTS, 'report.html'));
    }
    const stats = await sharp(shot).stats();
    // Not blank: every channel varies, and the image is not one flat colour.
    expect(stats.isOpaque).toBe(true);
    for (const ch of stats.channels.slice(0, 3)) {
      expect(ch.max - ch.min).toBeGreaterThan(100);
      expect(ch.stdev).toBeGreaterThan(5);
    }
    const meta = await sharp(shot).metadata();
    expect(meta.height).toBeGreaterThan(900); // the whole page, not just the viewport

    expect(page.problems).toEqual([]);
    const outside = page.requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'));
    expect(outside).toEqual([]);
  }, BROWSER_TIMEOUT_MS);

  test('a run directory loads in the browser with tfjs and predicts the same top-1 as tl predict', async () => {
    const data = path.join(work, 'imgs');
    const runDir = path.join(work, 'run');
    await makeColourFolder(data, 1, false);
    await makeColourRun(runDir, data);
    // One image per class, one of them needing a resize (12x10 -> 8x8).
    const images = [
      path.join(work, 'probe-red.png'),
      path.join(work, 'probe-green.png'),
      path.join(work, 'probe-blue.png'),
    ];
    await colourPng(images[0], 0, 101);
    await colourPng(images[1], 1, 102, 12, 10);
    await colourPng(images[2], 2, 103);

    const cli = await runCli(['predict', '--model', runDir, ...images, '--json', '--top-k', '3']);
    expect(cli.code).toBe(0);
    const tlTop1: string[] = JSON.parse(cli.stdout).predictions.map((p: { top: { label: string }[] }) => p.top[0].label);
    expect(tlTop1).toEqual(['red', 'green', 'blue']);

    const tfBundle = require.resolve('@tensorflow/tfjs/dist/tf.min.js');
    const server = http.createServer((req, res) => {
      const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
      let file: string | undefined;
      if (url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><html><head><link rel="icon" href="data:,"><script src="/tf.min.js"></script></head><body>tl model check</body></html>');
        return;
      }
      if (url === '/tf.min.js') file = tfBundle;
      else if (url.startsWith('/run/') && !url.includes('..')) file = path.join(runDir, url.slice('/run/'.length));
      if (!file || !fs.existsSync(file)) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : file.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      // The same pixels tl predict feeds the model (decode + resize + scale, as in training).
      const inputs = await Promise.all(images.map(async (f) => Array.from(await fileToModelInput(f, INPUT))));
      const result = await page.evaluate<{ backend: string; probs: number[][] }>(`(async () => {
        await tf.setBackend('cpu');
        const model = await tf.loadLayersModel('/run/model.json');
        const rows = ${JSON.stringify(inputs)};
        const probs = [];
        for (const r of rows) {
          const x = tf.tensor4d(r, [1, ${INPUT.height}, ${INPUT.width}, ${INPUT.channels}]);
          const y = model.predict(x);
          probs.push(Array.from(await y.data()));
          x.dispose(); y.dispose();
        }
        return { backend: tf.getBackend(), probs };
      })()`);
      expect(result.backend).toBe('cpu');
      const browserTop1 = result.probs.map((row) => CLASSES[row.indexOf(Math.max(...row))]);
      expect(browserTop1).toEqual(tlTop1);
      // Probabilities agree too (float32 CPU kernels in JS vs the TensorFlow C library).
      const tlProbs = JSON.parse(cli.stdout).predictions.map((p: { top: { label: string; probability: number }[] }) =>
        CLASSES.map((c) => p.top.find((t) => t.label === c)!.probability),
      );
      result.probs.forEach((row, i) => row.forEach((v, c) => expect(v).toBeCloseTo(tlProbs[i][c], 5)));
      expect(page.problems).toEqual([]);
    } finally {
      server.closeAllConnections(); // Chromium keeps connections alive; close() alone would wait
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, BROWSER_TIMEOUT_MS);

  test('tl compare\'s compare.html renders tables and one curve per run and series, not blank, nothing fetched', async () => {
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
