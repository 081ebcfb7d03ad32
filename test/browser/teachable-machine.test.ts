// A tl run that fits Teachable Machine's image format opens with the npm package
// @teachablemachine/image (tmImage.load(model.json, metadata.json)) in headless Chromium and
// gives the same top class as `tl predict`. Skipped without Chromium.
import * as fs from 'fs';
import * as path from 'path';
import { CHROMIUM } from './cdp';
import { withBrowser } from './session';
import { withServer } from './static-server';
import { loadTf } from '../../src/native/load';
import { writeRunDirectory, type TlJson } from '../../src/models';
import type { InputSpec } from '../../src/data/types';
import { CLASSES, colourPng } from '../helpers/colour-run';
import { runCli } from '../helpers/cli';

const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) {
  // eslint-disable-next-line no-console
  console.warn(`Teachable Machine browser test SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium, or set TL_CHROMIUM)`);
}
const TIMEOUT_MS = 900_000;
const TM_INPUT: InputSpec = { height: 224, width: 224, channels: 3, preprocessing: { kind: 'scaleMinus1To1' }, resize: 'cover' };

/** 224x224 RGB in [-1, 1] -> mean colour -> class (blue, green, red): a real, tiny classifier. */
async function writeColourRun(dir: string): Promise<void> {
  const tf = loadTf();
  const model = tf.sequential();
  model.add(tf.layers.globalAveragePooling2d({ inputShape: [224, 224, 3] }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  // Channel r, g, b -> classes ordered as CLASSES (blue, green, red).
  const kernel = tf.tensor2d([[0, 0, 4], [0, 4, 0], [4, 0, 0]]);
  const bias = tf.zeros([3]);
  model.layers[1].setWeights([kernel, bias]);
  tf.dispose([kernel, bias]);
  const tl: TlJson = { tlVersion: '0.1.0', kind: 'pretrain', featureLayer: model.layers[0].name, input: TM_INPUT, split: { spec: 'colours', seed: 1, valSplit: 0, testSplit: 0 }, config: {}, timings: {} };
  await writeRunDirectory(dir, { model, labels: CLASSES, tl }, { overwrite: false });
  model.dispose();
}

(haveChromium ? test : test.skip)('tmImage.load opens a tl run and predicts the same top class as tl predict', async () => {
  await withBrowser('tm-browser', async (browser, work) => {
    const runDir = path.join(work, 'run');
    await writeColourRun(runDir);
    expect(fs.existsSync(path.join(runDir, 'metadata.json'))).toBe(true);
    // Not square, so both sides centre-crop; each with a clear runner-up colour.
    const names = ['red.png', 'green.png', 'blue.png'];
    await colourPng(path.join(work, names[0]), 0, 301, 300, 260, 1);
    await colourPng(path.join(work, names[1]), 1, 302, 260, 300, 2);
    await colourPng(path.join(work, names[2]), 2, 303, 240, 240, 0);
    const cli = await runCli(['predict', '--model', runDir, ...names.map((n) => path.join(work, n)), '--json']);
    expect(cli.code).toBe(0);
    const tlTop: string[] = JSON.parse(cli.stdout).predictions.map((p: { top: { label: string }[] }) => p.top[0].label);
    expect(tlTop).toEqual(['red', 'green', 'blue']);

    const page = `<!doctype html><html><head><link rel="icon" href="data:,"><script src="/tf.min.js"></script><script src="/tm.min.js"></script></head><body>tm check</body></html>`;
    fs.writeFileSync(path.join(work, 'index.html'), page);
    await withServer({
      '/index.html': path.join(work, 'index.html'),
      '/tf.min.js': require.resolve('@tensorflow/tfjs/dist/tf.min.js'),
      '/tm.min.js': require.resolve('@teachablemachine/image/dist/teachablemachine-image.min.js'),
      '/run/': runDir,
      '/img/': work,
    }, async (server) => {
      const tab = await browser.newPage();
      await tab.goto(`${server.origin}/index.html`);
      const result = await tab.evaluate<{ labels: string[]; top: string[] }>(`(async () => {
        await tf.setBackend('cpu');
        const model = await tmImage.load('/run/model.json', '/run/metadata.json');
        const top = [];
        for (const name of ${JSON.stringify(names)}) {
          const img = new Image();
          img.src = '/img/' + name;
          await img.decode();
          const preds = await model.predict(img);
          top.push(preds.reduce((a, b) => (b.probability > a.probability ? b : a)).className);
        }
        return { labels: model.getClassLabels(), top };
      })()`);
      expect(result.labels).toEqual(CLASSES);
      expect(result.top).toEqual(tlTop);
      expect(tab.problems).toEqual([]);
    });
  });
}, TIMEOUT_MS);
