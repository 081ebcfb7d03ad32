// The TensorBoard logger writing train and validation event files through tfjs-node.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadTf } from '../../src/native/load';
import { tensorBoardLogger } from '../../src/train';

const tf = loadTf();

test('tensorBoardLogger writes train and validation event files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-train-tb-'));
  try {
    const tb = tensorBoardLogger(dir);
    const before = tf.memory().numTensors;
    tb.onEpoch({ phase: 1, epoch: 1, loss: 0.9, accuracy: 0.5, valLoss: 1.0, valAccuracy: 0.4, lr: 0.001, seconds: 1 }, { globalEpoch: 1 });
    tb.onEpoch({ phase: 2, epoch: 1, loss: 0.5, accuracy: 0.8, valLoss: 0.6, valAccuracy: 0.7, lr: 0.0001, seconds: 1 }, { globalEpoch: 2 });
    tb.close();
    expect(tf.memory().numTensors).toBe(before);
    for (const sub of ['train', 'validation']) {
      const files = fs.readdirSync(path.join(dir, sub)).filter((f) => f.startsWith('events.out.tfevents'));
      expect(files.length).toBe(1);
      const bytes = fs.readFileSync(path.join(dir, sub, files[0]));
      expect(bytes.includes(Buffer.from('epoch_loss'))).toBe(true);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
