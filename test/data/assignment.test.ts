// Split assignments: written into a run directory as JSON, read back into the exact data set,
// after the data moved, with files missing, and for built-in sets.
import * as fs from 'fs';
import * as path from 'path';
import { datasetFromAssignment, examplesOf, loadDataset, SplitAssignmentJson, writeSplitAssignment } from '../../src/data';
import { DataError } from '../../src/errors';
import { removeDir, tempDir, writeImage } from '../helpers/images';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

async function folder(): Promise<string> {
  const root = tempDir('assign');
  dirs.push(root);
  for (let i = 0; i < 12; i++) await writeImage(path.join(root, i % 2 ? 'a' : 'b', `${i}.png`), { seed: i, w: 8, h: 8 });
  return root;
}

const roundTrip = (a: SplitAssignmentJson) => JSON.parse(JSON.stringify(a)) as SplitAssignmentJson;

it('rebuilds the exact data set from its JSON', async () => {
  const root = await folder();
  const ds = await loadDataset(root, { valSplit: 0.25, testSplit: 0.25, seed: 3 });
  const a = roundTrip(writeSplitAssignment(ds));
  expect(a).toMatchObject({ format: 'tl-split-assignment', version: 1, source: 'files', root, classes: ['a', 'b'] });
  expect(a.counts.train + a.counts.val + a.counts.test).toBe(12);
  expect(a.examples[0]).toEqual({ id: ds.examples[0].id, hash: ds.examples[0].hash, split: ds.examples[0].split, label: ds.examples[0].label });
  const back = await datasetFromAssignment(a);
  expect(back.examples).toEqual(ds.examples);
  expect(back.classes).toEqual(ds.classes);
  expect(back.splitConfig).toEqual(ds.splitConfig);
});

it('finds the data again after a move, and lists files that disappeared', async () => {
  const root = await folder();
  const ds = await loadDataset(root);
  const a = roundTrip(writeSplitAssignment(ds));
  const moved = root + '-moved';
  dirs.push(moved);
  fs.renameSync(root, moved);
  await expect(datasetFromAssignment(a)).rejects.toThrow(DataError);
  fs.rmSync(path.join(moved, 'a', '1.png'));
  const back = await datasetFromAssignment(a, { dataRoot: moved });
  expect(back.examples).toHaveLength(11);
  expect(back.skipped).toEqual([{ id: path.join(moved, 'a', '1.png'), reason: expect.stringMatching(/missing/) }]);
  expect(back.examples.every((e) => e.id.startsWith(moved))).toBe(true);
  expect(examplesOf(back, 'test').map((e) => path.relative(moved, e.id))).toEqual(
    examplesOf(ds, 'test').filter((e) => !e.id.endsWith(path.join('a', '1.png'))).map((e) => path.relative(root, e.id)),
  );
});

it('round-trips a built-in set', async () => {
  const ds = await loadDataset('mnist:3,7', { limitPerClass: 10 });
  const back = await datasetFromAssignment(roundTrip(writeSplitAssignment(ds)));
  expect(back.examples).toEqual(ds.examples);
  expect(back.naturalInput).toEqual({ height: 28, width: 28, channels: 1 });
});

it('refuses JSON that is not a split assignment', async () => {
  await expect(datasetFromAssignment({ hello: 1 } as unknown as SplitAssignmentJson)).rejects.toThrow(/not a usable split assignment/);
  const bad = { format: 'tl-split-assignment', version: 1, classes: ['a', 'b'], examples: [{ id: 'x', hash: 'h', split: 'nope', label: 0 }] };
  await expect(datasetFromAssignment(bad as unknown as SplitAssignmentJson)).rejects.toThrow(/malformed/);
});
