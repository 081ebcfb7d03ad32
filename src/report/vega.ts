// Renders Vega-Lite specs to SVG (vega-lite compiles, vega renders headless) and SVG to PNG
// with sharp. Not the chart designs themselves: those are in charts.ts.
import * as fs from 'fs';
import * as path from 'path';

/** The small part of the vega API we use (renderer 'none' + toSVG needs no canvas). */
interface VegaModule {
  version: string;
  parse(spec: object): unknown;
  View: new (runtime: unknown, opts: { renderer: 'none' }) => { toSVG(scaleFactor?: number): Promise<string>; finalize(): void };
}
interface VegaLiteModule {
  version: string;
  compile(spec: object): { spec: object };
}

let modules: { vega: VegaModule; vegaLite: VegaLiteModule } | undefined;

/**
 * Evaluates a UMD bundle as CommonJS. Why not require('vega'): vega 6 and vega-lite 6 ship
 * only ES modules, and vega's graph has a top-level await (vega-canvas probing for node-canvas),
 * so Node 20's require(esm) refuses it, while a real import() does not survive tsc's CommonJS
 * output or jest's module sandbox. Both packages also publish a self-contained UMD bundle,
 * which works the same under compiled CommonJS and ts-jest.
 */
function loadUmd(file: string, deps: Record<string, unknown>): unknown {
  const code = fs.readFileSync(file, 'utf8');
  const mod: { exports: Record<string, unknown> } = { exports: {} };
  const requireDep = (name: string): unknown => {
    if (name in deps) return deps[name];
    throw new Error(`${path.basename(file)} asked for '${name}', which the bundle loader does not provide`);
  };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function('exports', 'module', 'require', `${code}\n//# sourceURL=${file}`);
  factory.call(mod.exports, mod.exports, mod, requireDep);
  return mod.exports;
}

/** The bundle `file` beside a package's resolved entry point (exports maps hide build/ paths). */
function bundleBeside(pkg: string, relative: string): string {
  const entry = require.resolve(pkg); // e.g. .../vega/build/vega.module.js
  let dir = path.dirname(entry);
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, relative);
}

/** vega and vega-lite, loaded once (about 1 MB of JavaScript; a second or so). */
export function loadVega(): { vega: VegaModule; vegaLite: VegaLiteModule } {
  if (modules) return modules;
  const vega = loadUmd(bundleBeside('vega', 'build/vega.js'), {}) as VegaModule;
  const vegaLite = loadUmd(bundleBeside('vega-lite', 'build/vega-lite.min.js'), { vega }) as VegaLiteModule;
  if (typeof vega.View !== 'function' || typeof vegaLite.compile !== 'function') {
    throw new Error('the vega / vega-lite bundles did not load as expected (build/vega.js, build/vega-lite.min.js)');
  }
  modules = { vega, vegaLite };
  return modules;
}

/** SVG text of a Vega-Lite spec, rendered headless. */
export async function vegaLiteToSvg(spec: object): Promise<string> {
  const { vega, vegaLite } = loadVega();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * PNG of an SVG. `scale` 2 renders at 144 dpi (twice the SVG's CSS pixels) so text stays crisp
 * on high-density screens. Text is drawn by librsvg with the system fonts (fontconfig).
 */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const sharp = require('sharp') as typeof import('sharp').default;
  return sharp(Buffer.from(svg), { density: 72 * scale }).png().toBuffer();
}

export async function vegaLiteToPng(spec: object, scale = 2): Promise<Buffer> {
  return svgToPng(await vegaLiteToSvg(spec), scale);
}
