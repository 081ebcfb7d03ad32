// Pure parts of the models room, no TensorFlow: the zoo registry data, name suggestions,
// model.json manifest checks. Milliseconds.
import { ModelError } from '../../src/errors';
import { editDistance, nearestNames } from '../../src/models/nearby';
import { findZooModel, loadZoo, offlineBaseNames, requireZooModel, validateZoo, zooModelUrl, type ZooModel } from '../../src/models/zoo';
import { assertSafeRelativePath, checkSizesAndHashes, expectedGroupBytes, parseModelJson } from '../../src/models/manifest';

test('the zoo lists mobilenet, all 16 MobileNet v1 variants with official URLs, and the offline base', () => {
  const zoo = loadZoo();
  const names = zoo.models.map((m) => m.name);
  for (const alpha of ['0.25', '0.50', '0.75', '1.0']) {
    for (const size of [128, 160, 192, 224]) {
      const m = findZooModel(zoo, `mobilenet-v1-${alpha}-${size}`)!;
      expect(m.input).toEqual({ height: size, width: size, channels: 3, preprocessing: { kind: 'scaleMinus1To1' }, resize: 'cover' });
      expect(m.featureLayer).toBe('conv_pw_13_relu');
      expect(zooModelUrl(zoo, m, undefined, {})).toBe(`https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_${alpha}_${size}/model.json`);
    }
  }
  expect(names).toHaveLength(18);
  const alias = zoo.models.find((m) => m.name === 'mobilenet')!;
  expect(findZooModel(zoo, 'mobilenet')!.name).toBe('mobilenet-v1-1.0-224');
  expect((alias as { why: string }).why.length).toBeGreaterThan(50);
  const nsfw = findZooModel(zoo, 'mobilenet-v2-nsfwjs') as ZooModel;
  expect(nsfw.source).toEqual({ kind: 'nsfwjs', package: 'nsfwjs', module: 'nsfwjs/models/mobilenet_v2' });
  expect(nsfw.featureLayer).toBe('block_13_expand_relu');
  expect(nsfw.input.preprocessing).toEqual({ kind: 'scale01' });
  expect(offlineBaseNames(zoo)).toEqual(['mobilenet-v2-nsfwjs']);
  // The env override and an explicit base (trailing slashes dropped).
  const m = findZooModel(zoo, 'mobilenet')!;
  expect(zooModelUrl(zoo, m, undefined, { TL_MODEL_BASE_URL: 'http://mirror/tfjs/' })).toBe('http://mirror/tfjs/mobilenet_v1_1.0_224/model.json');
  expect(zooModelUrl(zoo, m, 'http://x', { TL_MODEL_BASE_URL: 'http://mirror' })).toBe('http://x/mobilenet_v1_1.0_224/model.json');
});

test('an unknown zoo name suggests the nearest ones', () => {
  const zoo = loadZoo();
  expect(() => requireZooModel(zoo, 'mobilenet-v1-1.0-244')).toThrow(/nearest: mobilenet-v1-1.0-224/);
  expect(() => validateZoo({ baseUrl: 'x', models: [{ name: 'a', aliasOf: 'b', why: '' }] })).toThrow(/alias "a" points to "b"/);
  expect(() => validateZoo({ baseUrl: 'x', models: [{ name: 'a' }] })).toThrow(/needs source/);
});

test('edit distance and nearest names', () => {
  expect(editDistance('kitten', 'sitting')).toBe(3);
  expect(editDistance('', 'abc')).toBe(3);
  expect(editDistance('Conv', 'conv')).toBe(0);
  const layers = ['conv_pw_12_relu', 'conv_pw_13', 'conv_pw_13_bn', 'conv_pw_13_relu', 'global_average_pooling2d_1'];
  expect(nearestNames('conv_pw_13_rel', layers)[0]).toBe('conv_pw_13_relu');
  expect(nearestNames('pw_13_relu', layers)).toContain('conv_pw_13_relu');
  expect(nearestNames('zzzzzzzz', layers)).toEqual([]);
});

test('model.json parsing and weight size checks', () => {
  const mj = {
    modelTopology: { class_name: 'Model' },
    weightsManifest: [
      { paths: ['g1-s1', 'g1-s2'], weights: [{ name: 'k', shape: [3, 4], dtype: 'float32' }, { name: 'q', shape: [10], dtype: 'float32', quantization: { dtype: 'uint8' } }] },
    ],
  };
  const m = parseModelJson(JSON.stringify(mj), 'x/model.json');
  expect(expectedGroupBytes(m.weightsManifest[0])).toBe(12 * 4 + 10);
  const rec = (bytes: number) => ({ bytes, sha256: 'ab' });
  expect(() => checkSizesAndHashes(m, { 'g1-s1': rec(40), 'g1-s2': rec(18) }, undefined, 'here')).not.toThrow();
  expect(() => checkSizesAndHashes(m, { 'g1-s1': rec(40), 'g1-s2': rec(17) }, undefined, 'here')).toThrow(/has 57 bytes, but model.json declares 58/);
  expect(() => checkSizesAndHashes(m, { 'g1-s1': rec(40), 'g1-s2': rec(18) }, { 'g1-s2': { bytes: 18, sha256: 'cd' } }, 'here')).toThrow(/SHA-256 ab, expected cd/);
  expect(() => parseModelJson('{"modelTopology":', 'y/model.json')).toThrow(/y\/model.json is not valid JSON/);
  expect(() => parseModelJson('{"format":"graph-model"}', 'z')).toThrow(ModelError);
  for (const bad of ['../w.bin', '/etc/passwd', 'a/../../b', 'C:\\x', 'http://e/x', '']) {
    expect(() => assertSafeRelativePath(bad, 'm')).toThrow(/unsafe/);
  }
  expect(() => assertSafeRelativePath('group1-shard1of2.bin', 'm')).not.toThrow();
});
