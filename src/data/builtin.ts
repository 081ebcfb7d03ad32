// The built-in sets (fashion-mnist, mnist) read straight from the JSON files of their npm
// packages, parsed once per process into one Uint8Array per class (28x28 grey, 0..255).
// Not here: class names (class-names.ts), de-duplication and splits (dataset.ts).
import { promises as fsp } from 'fs';
import * as path from 'path';
import { DataError } from '../errors';
import { BuiltinSetName } from './class-names';
import { contentHash } from './probe';

/** Both sets are 28x28 pixels, one grey channel. */
export const BUILTIN_SIDE = 28;
export const BUILTIN_PIXELS = BUILTIN_SIDE * BUILTIN_SIDE;

interface PackageLayout {
  packageName: string;
  version: string;
  /** folder with N.json per class, inside the package */
  dir: string;
  /** how the JSON stores a pixel: integers 0..255, or floats 0..1 */
  values: 'uint8' | 'unit';
}

const LAYOUTS: Record<BuiltinSetName, PackageLayout> = {
  'fashion-mnist': { packageName: 'fashion-mnist', version: '1.1.0', dir: 'src/clothes', values: 'uint8' },
  mnist: { packageName: 'mnist', version: '1.1.0', dir: 'src/digits', values: 'unit' },
};

/** One class of a built-in set, every row of its file in file order (duplicates included). */
export interface BuiltinClassData {
  set: BuiltinSetName;
  classIndex: number;
  count: number;
  /** count x 784 bytes, row-major 28x28 */
  pixels: Uint8Array;
  /** content hash of each row (of its 784 bytes) */
  hashes: string[];
}

const cache = new Map<string, Promise<BuiltinClassData>>();

/** Loads (once per process) one class of a built-in set. */
export function loadBuiltinClass(set: BuiltinSetName, classIndex: number): Promise<BuiltinClassData> {
  const key = `${set}/${classIndex}`;
  let p = cache.get(key);
  if (!p) {
    p = readBuiltinClass(set, classIndex);
    // A failed load is not cached, so a later call (after installing the package) can succeed.
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

/** A view (no copy) of row `index` of a loaded class. */
export function builtinRow(data: BuiltinClassData, index: number): Uint8Array {
  if (!(index >= 0 && index < data.count)) {
    throw new DataError(`${data.set}/${data.classIndex}/${index}: no such image (the class has ${data.count})`);
  }
  return data.pixels.subarray(index * BUILTIN_PIXELS, (index + 1) * BUILTIN_PIXELS);
}

export function builtinDataFile(set: BuiltinSetName, classIndex: number): string {
  const layout = LAYOUTS[set];
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${layout.packageName}/package.json`);
  } catch {
    throw new DataError(
      `the built-in set ${set} needs the npm package ${layout.packageName}@${layout.version}, which is not installed`,
      `Run \`npm install ${layout.packageName}@${layout.version}\` in the project, or use a folder of images instead.`,
    );
  }
  return path.join(path.dirname(pkgJson), layout.dir, `${classIndex}.json`);
}

async function readBuiltinClass(set: BuiltinSetName, classIndex: number): Promise<BuiltinClassData> {
  const file = builtinDataFile(set, classIndex);
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch (err) {
    throw new DataError(
      `cannot read ${file} of the built-in set ${set}: ${(err as Error).message}`,
      `Reinstall the package: npm install ${LAYOUTS[set].packageName}@${LAYOUTS[set].version}`,
    );
  }
  const pixels = parsePixelJson(bytes, LAYOUTS[set].values, file);
  const count = pixels.length / BUILTIN_PIXELS;
  const hashes = new Array<string>(count);
  for (let i = 0; i < count; i++) hashes[i] = contentHash(pixels.subarray(i * BUILTIN_PIXELS, (i + 1) * BUILTIN_PIXELS));
  return { set, classIndex, count, pixels, hashes };
}

/**
 * Reads every number of a `{"data": [...]}` file into bytes, without JSON.parse: the files are
 * 14-17 MB each and JSON.parse would build ~5 million boxed numbers per file first.
 * Accepts a flat array or an array of rows; rows (when present) must hold 784 numbers, or none
 * (empty rows are dropped, so an image's index counts images, not rows).
 * 'unit' values (0..1, three decimals in mnist) become round(v * 255), which restores the
 * original bytes exactly since 0.001 < 1/510.
 */
export function parsePixelJson(bytes: Uint8Array, values: 'uint8' | 'unit', where: string): Uint8Array {
  const bad = (what: string) =>
    new DataError(`${where}: ${what}`, 'The file of the built-in set is damaged; reinstall its npm package.');
  const out = new Uint8Array(Math.ceil(bytes.length / 2)); // every number takes at least 2 bytes ("0,")
  let n = 0;
  let depth = 0;
  let rowStart = -1; // index in `out` where the current innermost row began, -1 outside rows
  const n0 = 48; // '0'
  let i = 0;
  const len = bytes.length;
  while (i < len) {
    const c = bytes[i];
    if (c === 91 /* [ */) {
      depth++;
      if (depth === 2) rowStart = n;
      i++;
    } else if (c === 93 /* ] */) {
      // fashion-mnist's class 0 file holds two empty rows (`[]`): not images, skipped.
      if (depth === 2 && n !== rowStart && n - rowStart !== BUILTIN_PIXELS) {
        throw bad(`a row holds ${n - rowStart} numbers, expected ${BUILTIN_PIXELS}`);
      }
      depth--;
      i++;
    } else if ((c >= n0 && c <= 57) || c === 45 /* - */ || c === 46 /* . */) {
      if (depth < 1) throw bad('a number outside the data array');
      // Integer part, then an optional fraction; anything fancier goes through parseFloat.
      let j = i;
      let intPart = 0;
      while (j < len && bytes[j] >= n0 && bytes[j] <= 57) intPart = intPart * 10 + (bytes[j++] - n0);
      let v = intPart;
      if (j < len && bytes[j] === 46) {
        j++;
        let scale = 0.1;
        while (j < len && bytes[j] >= n0 && bytes[j] <= 57) {
          v += (bytes[j++] - n0) * scale;
          scale /= 10;
        }
      }
      if (c === 45 || (j < len && (bytes[j] === 101 || bytes[j] === 69))) {
        // A sign or an exponent: rare, so take the slow, exact route.
        let k = j;
        while (k < len && /[0-9eE+\-.]/.test(String.fromCharCode(bytes[k]))) k++;
        if (c === 45 && k === j) k = j + 1;
        v = parseFloat(Buffer.from(bytes.subarray(i, k)).toString('latin1'));
        j = Math.max(k, i + 1);
      }
      const b = values === 'unit' ? Math.round(v * 255) : v;
      if (!(b >= 0 && b <= 255) || (values === 'uint8' && !Number.isInteger(b))) {
        throw bad(`value ${Buffer.from(bytes.subarray(i, j)).toString('latin1')} is not a ${values === 'unit' ? '0..1' : '0..255'} pixel`);
      }
      out[n++] = b;
      i = j;
    } else {
      i++;
    }
  }
  if (n === 0) throw bad('no pixels found');
  if (n % BUILTIN_PIXELS !== 0) throw bad(`${n} numbers is not a whole number of 28x28 images`);
  return out.slice(0, n);
}
