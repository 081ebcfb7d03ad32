// `tl setup` (alias `tl doctor --fix`) provisions the native backend; `tl doctor` reports on it.
import { Command } from 'commander';
import { Output } from '../output';

interface SetupFlags {
  force?: boolean;
  json?: boolean;
}

async function runSetup(flags: SetupFlags, verbose: boolean): Promise<void> {
  const out = new Output({ json: Boolean(flags.json), verbose });
  const { provisionNativeBackend } = await import('../../native');
  const { provisionEventRenderer } = await import('../native');
  const t0 = Date.now();
  const result = await provisionNativeBackend({ ignoreExisting: Boolean(flags.force), onEvent: provisionEventRenderer(out) });
  const seconds = (Date.now() - t0) / 1000;
  if (out.json) {
    out.result({ ok: true, nativeSource: result.source, tensorflowVersion: result.tensorflowVersion, seconds, routes: result.routes, cacheEntry: result.cacheEntry, tfjsNodeDir: result.tfjsNodeDir, tfjsNodePlace: result.tfjsNodePlace });
    return;
  }
  out.info(
    `Native TensorFlow ${result.tensorflowVersion} ready (source: ${result.source}) in ${seconds.toFixed(1)} s.` +
      `\nAddon and libraries in ${result.tfjsNodeDir}` +
      (result.tfjsNodePlace === 'user-cache' ? ' (tl\'s install folder is not writable for you, so tl keeps its copy of tfjs-node in your cache).' : '.') +
      (result.cacheEntry ? `\nCached at ${result.cacheEntry}; later installs restore from there in seconds.` : '') +
      '\nNext: `tl doctor` to see the full environment.',
  );
}

async function runDoctor(flags: { json?: boolean; fix?: boolean }, verbose: boolean): Promise<void> {
  if (flags.fix) return runSetup({ json: flags.json }, verbose);
  const out = new Output({ json: Boolean(flags.json), verbose });
  const { collectDoctorReport } = await import('../doctor-report');
  const report = await collectDoctorReport(out);
  if (out.json) {
    out.result(report);
    return;
  }
  const c = out.c;
  const rows: [string, string][] = [
    ['backend', report.backend === 'tensorflow' ? c.green(report.backend) : c.red(String(report.backend))],
    ['TensorFlow C library', report.tensorflowVersion],
    ['native source', String(report.nativeSource)],
    ['tfjs / tfjs-node', `${report.tfjsVersion} / ${report.tfjsNodeVersion}`],
    ['CPUs', String(report.cpus)],
    ['threads', `intra-op ${report.threads.intraOp}, inter-op ${report.threads.interOp}`],
    ['CPU allocator', `${report.allocator.kind === 'bfc' ? 'BFC (freed buffers reused)' : c.yellow('default (every large buffer freshly mapped: slow at batch 32)')}, from ${report.allocator.source}`],
    ['sharp / libvips', `${report.sharpVersion} / ${report.libvipsVersion}`],
    ['cache', `${report.cacheDir} (${(report.cacheBytes / 1e6).toFixed(0)} MB)`],
    ['node', report.node],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) out.info(`${k.padEnd(width)}  ${v}`);
}

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('provision the native TensorFlow backend (cache, official download, TensorFlow wheel, or a local libtensorflow)')
    .option('--force', 'rebuild even if a working addon is installed (cache and downloads are still used)')
    .option('--json', 'print one JSON object on stdout')
    .addHelpText(
      'after',
      `
Routes, tried in order until one works:
  existing  the addon in node_modules already loads
  cache     a previous result in $TL_CACHE_DIR, $XDG_CACHE_HOME/tl or ~/.cache/tl (seconds)
  official  tfjs-node's own download (honours TFJS_NODE_CDN_STORAGE, TFJS_NODE_BASE_URI, HTTPS_PROXY)
  wheel     $TL_TENSORFLOW_WHEEL, else \`pip download tensorflow-cpu\` through your pip config; compiles the addon
  dir       $TL_LIBTENSORFLOW_DIR, an unpacked libtensorflow C release (lib/ and include/)

Examples:
  $ tl setup
  $ TL_TENSORFLOW_WHEEL=~/Downloads/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl tl setup
  $ tl setup --force --verbose`,
    )
    .action(async (flags: SetupFlags, cmd: Command) => runSetup(flags, Boolean(cmd.optsWithGlobals().verbose)));
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('report the TensorFlow backend, versions, threads, sharp and the cache; provisions the backend if missing')
    .option('--json', 'print one JSON object on stdout (keys include backend, tensorflowVersion, nativeSource)')
    .option('--fix', 'same as `tl setup`')
    .addHelpText('after', '\nExamples:\n  $ tl doctor\n  $ tl doctor --json | jq .backend\n  $ tl doctor --fix')
    .action(async (flags: { json?: boolean; fix?: boolean }, cmd: Command) => runDoctor(flags, Boolean(cmd.optsWithGlobals().verbose)));
}
