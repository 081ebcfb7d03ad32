// Splitting a model into frozen lower and trainable upper parts that share weights, across a
// residual block, on the native backend.
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadTf } from '../../src/native/load';
import { splitAt, splitPointAtOrBelow } from '../../src/models';

const tf = loadTf();

/** input -> conv1 -> [conv2 -> conv3] + skip -> add -> conv4 -> GAP */
function residualModel(): tfTypes.LayersModel {
  const input = tf.input({ shape: [6, 6, 2] });
  const c1 = tf.layers.conv2d({ name: 'res_c1', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tfTypes.SymbolicTensor;
  const c2 = tf.layers.conv2d({ name: 'res_c2', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(c1) as tfTypes.SymbolicTensor;
  const c3 = tf.layers.conv2d({ name: 'res_c3', filters: 3, kernelSize: 1 }).apply(c2) as tfTypes.SymbolicTensor;
  const add = tf.layers.add({ name: 'res_add' }).apply([c1, c3]) as tfTypes.SymbolicTensor;
  const c4 = tf.layers.conv2d({ name: 'res_c4', filters: 4, kernelSize: 3, padding: 'same' }).apply(add) as tfTypes.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({ name: 'res_gap' }).apply(c4) as tfTypes.SymbolicTensor;
  return tf.model({ inputs: input, outputs: gap });
}

describe('splitAt', () => {
  const model = residualModel();
  const x = tf.randomUniform([3, 6, 6, 2], 0, 1, 'float32', 1);

  afterAll(() => x.dispose());

  test('a layer number, as text or a number, splits where its name does', () => {
    const index = model.layers.findIndex((l) => l.name === 'res_c4');
    for (const at of [index, String(index)]) expect(splitAt(model, at).boundaryLayer).toBe('res_c4');
  });

  test('upper(lower(x)) equals model(x) at a block edge, and the parts share weights', () => {
    expect(tf.getBackend()).toBe('tensorflow');
    const s = splitAt(model, 'res_c2');
    expect(s.boundaryShape).toEqual([6, 6, 3]);
    expect(s.lowerOutputLayer).toBe('res_c1');
    expect(s.upper.layers.map((l) => l.name).slice(1)).toEqual(['res_c2', 'res_c3', 'res_add', 'res_c4', 'res_gap']);
    const whole = model.predict(x) as tfTypes.Tensor;
    const mid = s.lower!.predict(x) as tfTypes.Tensor;
    const parts = s.upper.predict(mid) as tfTypes.Tensor;
    expect(Buffer.from((whole.dataSync() as Float32Array).buffer).equals(Buffer.from((parts.dataSync() as Float32Array).buffer))).toBe(true);
    // Shared layer objects: changing a weight through the upper model changes the whole model.
    expect(s.upper.getLayer('res_c4')).toBe(model.getLayer('res_c4'));
    tf.dispose([whole, mid, parts]);
  });

  test('splitting leaves the original model serialisable and unchanged', async () => {
    splitAt(model, 'res_c4');
    // Re-applying layers adds nodes to them; the original model's topology must not see those.
    const copy = (await tf.models.modelFromJSON({ modelTopology: model.toJSON(null, false) } as Parameters<typeof tf.models.modelFromJSON>[0])) as tfTypes.LayersModel;
    copy.setWeights(model.getWeights());
    const a = model.predict(x) as tfTypes.Tensor;
    const b = copy.predict(x) as tfTypes.Tensor;
    expect(Buffer.from((a.dataSync() as Float32Array).buffer).equals(Buffer.from((b.dataSync() as Float32Array).buffer))).toBe(true);
    expect(copy.layers.length).toBe(model.layers.length);
    tf.dispose([a, b]);
  });

  test('a split inside the residual block is refused, naming layers that work', () => {
    expect(() => splitAt(model, 'res_c3')).toThrow(/2 tensors cross/);
    try {
      splitAt(model, 'res_c3');
    } catch (e) {
      expect((e as { hint?: string }).hint).toMatch(/res_c2|res_c4/);
    }
  });

  test('splitPointAtOrBelow moves a cut inside the residual block down to its start', () => {
    const index = (name: string) => model.layers.findIndex((l) => l.name === name);
    expect(splitPointAtOrBelow(model, index('res_add'))).toBe(index('res_c2'));
    expect(splitPointAtOrBelow(model, index('res_c3'))).toBe(index('res_c2'));
    expect(splitPointAtOrBelow(model, index('res_c4'))).toBe(index('res_c4'));
    expect(splitPointAtOrBelow(model, 0)).toBeUndefined();
  });

  test('an unknown layer name lists nearby names', () => {
    try {
      splitAt(model, 'res_c9');
      throw new Error('expected a ModelError');
    } catch (e) {
      // The same lookup and message as --cut-layer: nearby names, then the last layers.
      expect((e as Error).message).toMatch(/has no layer 'res_c9'; nearest names: res_c1, res_c2/);
      expect((e as { hint?: string }).hint).toMatch(/tl models show/);
    }
  });
});
