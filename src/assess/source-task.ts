// What a base was trained on and how the data's images look, read from what is already on disk:
// the zoo entry or a run directory's tl.json / metrics.json / labels.json, and image headers.
import * as fs from 'fs';
import * as path from 'path';
import { defaultDecodeConfig, probeImageBytes, readImageFile, type Dataset, type Example } from '../data';
import { readTlJson, type BaseInfo, type TrainedOn } from '../models';

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The zoo's record, else a tl run directory's own: its data spec, training images and classes. */
export function trainedOnOf(info: BaseInfo): TrainedOn | undefined {
  if (info.trainedOn) return info.trainedOn;
  const dir = fs.existsSync(info.source) && fs.statSync(info.source).isDirectory() ? info.source : path.dirname(info.source);
  const tl = readTlJson(dir);
  if (!tl) return undefined;
  const metrics = readJson(path.join(dir, 'metrics.json')) as { trainCount?: number } | undefined;
  const labels = readJson(path.join(dir, 'labels.json'));
  const spec = tl.split?.spec ?? 'unknown data';
  const from = tl.kind === 'transfer' && tl.base ? `, on top of base ${tl.base}` : '';
  return {
    data: `${spec} (tl ${tl.kind} run${from})`,
    ...(typeof metrics?.trainCount === 'number' ? { images: metrics.trainCount } : {}),
    ...(Array.isArray(labels) ? { classes: labels.length } : {}),
  };
}

/** Files whose headers are read to learn a folder's image size. */
const SIZE_SAMPLE = 16;

/** Size and channels of the data's images: built-in sets say; for files, the median of a few headers. */
export async function dataImageSize(ds: Dataset, examples: Example[]): Promise<{ height: number; width: number; channels: number } | undefined> {
  if (ds.naturalInput) return ds.naturalInput;
  const cfg = defaultDecodeConfig();
  const facts: { height: number; width: number; channels: number }[] = [];
  const step = Math.max(1, Math.floor(examples.length / SIZE_SAMPLE));
  for (let i = 0; i < examples.length && facts.length < SIZE_SAMPLE; i += step) {
    const src = examples[i].source;
    if (src.kind !== 'file') continue;
    try {
      const probe = await probeImageBytes(await readImageFile(src.path, cfg.maxBytes), cfg, 'header');
      // Alpha does not count: grey+alpha is grey, RGBA is colour.
      if (probe.ok) facts.push({ height: probe.facts.height, width: probe.facts.width, channels: probe.facts.channels <= 2 ? 1 : 3 });
    } catch {
      // unreadable files are reported when the features are computed
    }
  }
  if (facts.length === 0) return undefined;
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { height: mid(facts.map((f) => f.height)), width: mid(facts.map((f) => f.width)), channels: mid(facts.map((f) => f.channels)) };
}
