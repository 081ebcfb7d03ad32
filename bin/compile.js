// Fast build of dist/ for running tl: TypeScript's per-file transpiler, no type check, no .d.ts.
// `tsc -p tsconfig.build.json` (npm run build) takes 5-7 min on a 2-core VM, most of it type
// checking and declaration emit that running the CLI never needs; this takes seconds. Type
// checking is `npm run typecheck` (CI runs it). Usable as `node bin/compile.js [--if-stale]` or required.
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');

/** Where sources and output live: fixed, as bin/tl looks for dist/cli/main.js (tsconfig.build.json agrees). */
function dirsOf(root) {
  return { srcDir: path.join(root, 'src'), distDir: path.join(root, 'dist') };
}

/** Every .ts source under dir (relative paths), skipping declaration files. */
function sourcesUnder(dir, rel = '') {
  const found = [];
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = path.join(rel, entry.name);
    if (entry.isDirectory()) found.push(...sourcesUnder(dir, child));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(child);
  }
  return found;
}

/**
 * Transpiles src/ into a temporary sibling of dist/ and swaps it in, so an interrupted build
 * never leaves a dist/ that has main.js but lacks the modules it requires. Returns file count.
 */
function compile(root = ROOT) {
  const ts = require(require.resolve('typescript', { paths: [root] }));
  const configPath = path.join(root, 'tsconfig.build.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath);
  const options = { ...parsed.options, declaration: false, declarationMap: false, incremental: false, composite: false, noEmit: false };
  const { srcDir, distDir } = dirsOf(root);

  const staging = `${distDir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const files = sourcesUnder(srcDir);
  for (const rel of files) {
    const source = fs.readFileSync(path.join(srcDir, rel), 'utf8');
    const out = ts.transpileModule(source, { compilerOptions: options, fileName: path.join(srcDir, rel), reportDiagnostics: true });
    const syntaxErrors = (out.diagnostics || []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (syntaxErrors.length > 0) {
      fs.rmSync(staging, { recursive: true, force: true });
      const msg = syntaxErrors.map((d) => `${rel}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`).join('\n');
      throw new Error(`cannot compile ${msg}`);
    }
    const target = path.join(staging, rel.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, out.outputText);
    if (out.sourceMapText) {
      // Point the map at the .ts file from where the .js will live (dist/, not the staging dir).
      const map = JSON.parse(out.sourceMapText);
      const finalDir = path.dirname(path.join(distDir, rel));
      map.sources = [path.relative(finalDir, path.join(srcDir, rel)).split(path.sep).join('/')];
      fs.writeFileSync(`${target}.map`, JSON.stringify(map));
    }
  }

  // Swap: the old tree is moved aside first, so dist/ is either the old or the new build.
  const retired = `${distDir}.old-${process.pid}`;
  if (fs.existsSync(distDir)) fs.renameSync(distDir, retired);
  try {
    fs.renameSync(staging, distDir);
  } catch (err) {
    // Another process finished its build first (concurrent first runs): keep theirs.
    if (!fs.existsSync(distDir)) throw err;
    fs.rmSync(staging, { recursive: true, force: true });
  }
  fs.rmSync(retired, { recursive: true, force: true });
  return files.length;
}

/**
 * True when some src/ file has no dist/ counterpart or was modified after it: `npm test` then
 * rebuilds, and skips the rebuild right after `tl setup` compiled the same sources.
 */
function isStale(root = ROOT) {
  const { srcDir, distDir } = dirsOf(root);
  return sourcesUnder(srcDir).some((rel) => {
    const js = path.join(distDir, rel.replace(/\.ts$/, '.js'));
    return !fs.existsSync(js) || fs.statSync(js).mtimeMs < fs.statSync(path.join(srcDir, rel)).mtimeMs;
  });
}

module.exports = { compile, isStale };

if (require.main === module) {
  const started = Date.now();
  try {
    if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);
    const n = compile();
    process.stderr.write(`compiled ${n} files to dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s (no type check: npm run typecheck)\n`);
  } catch (err) {
    process.stderr.write(`bin/compile.js: ${err.message}\n`);
    process.exit(1);
  }
}
