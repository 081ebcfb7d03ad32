// The hostile-input corpus, generated at test time in a temp folder: a working folder with
// data and a notes file (for the data-loss cases), a tiny trained run, damaged and strange image
// files, symlink loops, pipes, and model folders that try to read outside themselves.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sharp, patternPixels, writePngBomb, writeTruncatedJpeg } from '../helpers/images';

export interface World {
  root: string;
  /** cwd of the data-loss cases: data/ (two classes) and notes.txt */
  work: string;
  data: string;
  /** a tiny trained run (pretrain), written by the suite's beforeAll */
  run: string;
  /** a plain file, for "--out file/sub" and "--tensorboard file" */
  file: string;
  /** a class folder set holding every kind of damaged or strange entry */
  bad: string;
  /** class folders with two self-links and a dangling class-folder link */
  loops: string;
  /** one file per damaged-image kind, each to be predicted alone */
  singles: Record<string, string>;
  /** a fake home folder (HOME points here in the cases) */
  home: string;
}

export async function writePng(file: string, seed: number, side = 12): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(patternPixels(side, side, seed), { raw: { width: side, height: side, channels: 3 } }).png().toFile(file);
  return file;
}

async function classFolders(root: string, perClass: number, seed: number): Promise<void> {
  for (const [c, label] of ['a', 'b'].entries()) {
    for (let i = 0; i < perClass; i++) await writePng(path.join(root, label, `${i}.png`), seed + c * 100 + i * 3 + (c ? 50 : 0), 12);
  }
}

export async function makeWorld(): Promise<World> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-hostile-'));
  const work = path.join(root, 'work');
  const data = path.join(work, 'data');
  await classFolders(data, 6, 1);
  fs.writeFileSync(path.join(work, 'notes.txt'), 'my notes, not tl output\n');
  const file = path.join(root, 'file.txt');
  fs.writeFileSync(file, 'a plain file\n');
  const home = path.join(root, 'home');
  fs.mkdirSync(home);
  fs.writeFileSync(path.join(home, '.profile'), 'export X=1\n');

  // Every kind of damaged or strange entry, in class folders beside good images.
  const bad = path.join(root, 'bad');
  await classFolders(bad, 4, 7);
  const singles: Record<string, string> = {};
  const d = path.join(bad, 'a');
  singles.truncated = await writeTruncatedJpeg(path.join(d, 'truncated.jpg'), 3);
  singles.empty = path.join(d, 'empty.png');
  fs.writeFileSync(singles.empty, '');
  singles.text = path.join(d, 'text.jpg');
  fs.writeFileSync(singles.text, 'this is not a JPEG\n');
  singles.bomb = writePngBomb(path.join(d, 'bomb.png'));
  singles.svg = path.join(d, 'vector.png');
  fs.writeFileSync(singles.svg, '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><rect width="9" height="9"/></svg>');
  singles.garbage = path.join(d, 'garbage.webp');
  fs.writeFileSync(singles.garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 73) % 256)));
  singles.pngHeaderOnly = path.join(d, 'header-only.png');
  fs.writeFileSync(singles.pngHeaderOnly, fs.readFileSync(await writePng(path.join(root, 'tmp', 'h.png'), 5)).subarray(0, 40));
  singles.fifo = path.join(d, 'pipe.jpg');
  require('child_process').execFileSync('mkfifo', [singles.fifo]);
  singles.dangling = path.join(d, 'gone.png');
  fs.symlinkSync(path.join(root, 'nowhere.png'), singles.dangling);
  singles.directory = path.join(d, 'folder.png');
  fs.mkdirSync(singles.directory);
  // Noise does not compress: about 12 KB, over a 1K --max-image-bytes.
  singles.large = path.join(d, 'large.png');
  await sharp(require('crypto').randomBytes(64 * 64 * 3), { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(singles.large);
  fs.symlinkSync(path.join(root, 'no-such-class'), path.join(bad, 'c'));

  const loops = path.join(root, 'loops');
  await classFolders(loops, 4, 11);
  fs.symlinkSync('.', path.join(loops, 'a', 'l1'));
  fs.symlinkSync('.', path.join(loops, 'a', 'l2'));
  fs.symlinkSync('..', path.join(loops, 'b', 'up'));
  fs.symlinkSync(path.join(root, 'missing-class'), path.join(loops, 'dangling-class'));

  return { root, work, data, run: path.join(root, 'run'), file, bad, loops, singles, home };
}

/** A copy of `run` whose model.json lists `paths` for its weights (the files are laid out by `layout`). */
export function modelWithPaths(world: World, name: string, paths: string[], layout: (dir: string) => void = () => {}): string {
  const dir = path.join(world.root, 'models', name);
  fs.mkdirSync(dir, { recursive: true });
  const model = JSON.parse(fs.readFileSync(path.join(world.run, 'model.json'), 'utf8'));
  model.weightsManifest[0].paths = paths;
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(model));
  for (const f of ['labels.json', 'tl.json']) fs.copyFileSync(path.join(world.run, f), path.join(dir, f));
  layout(dir);
  return dir;
}

/** A copy of the run whose weights are all NaN (same sizes, so only the values are wrong). */
export function nanModel(world: World): string {
  const dir = path.join(world.root, 'models', 'nan');
  fs.cpSync(world.run, dir, { recursive: true });
  const weights = fs.readFileSync(path.join(dir, 'weights.bin'));
  const nan = new Float32Array(weights.length / 4).fill(NaN);
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(nan.buffer));
  return dir;
}

/** sha256 of every file below `dir` (symlinks recorded by target), for byte-for-byte checks. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isSymbolicLink()) out.set(p, `link:${fs.readlinkSync(p)}`);
      else if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(p, createHash('sha256').update(fs.readFileSync(p)).digest('hex'));
      else out.set(p, 'special');
    }
  };
  walk(dir);
  return out;
}
