// `tl models list|show|pull|import`: the base-model zoo and its cache, for people and scripts.
// Flags and help only; the work is in src/models, imported when a subcommand runs.
import { Command } from 'commander';
import { Output, type Progress } from '../output';

interface JsonFlag {
  json?: boolean;
}

function outputFor(flags: JsonFlag, cmd: Command): Output {
  return new Output({ json: Boolean(flags.json), verbose: Boolean(cmd.optsWithGlobals().verbose) });
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`;
}

/** Turns download progress events into one bar for the weights (model.json is tiny). */
function downloadProgress(out: Output, label: string): { onProgress: (e: { stage: string; done: number; total: number }) => void; stop: () => void } {
  let bar: Progress | undefined;
  return {
    onProgress: (e) => {
      if (e.stage !== 'weights') return;
      if (!bar) bar = out.progress(label, Math.max(e.total, 1));
      bar.update(e.done, { size: megabytes(e.total) });
    },
    stop: () => bar?.stop(),
  };
}

async function runList(flags: JsonFlag, cmd: Command): Promise<void> {
  const out = outputFor(flags, cmd);
  const { listZoo } = await import('../../models');
  const { cacheArea } = await import('../../cache-dir');
  const rows = await listZoo();
  if (out.json) {
    out.result({ models: rows });
    return;
  }
  const c = out.c;
  const statusText = (s: string) => (s === 'cached' || s === 'offline' ? c.green(s) : s === 'damaged' ? c.red(s) : c.gray(s));
  const table = rows.map((r) => [
    r.name,
    `${r.input.height}x${r.input.width}x${r.input.channels}`,
    r.status,
    r.aliasOf ? `= ${r.aliasOf}` : r.featureLayer,
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...table.map((t) => t[i].length), ['name', 'input', 'status'][i].length));
  out.info(`${'name'.padEnd(widths[0])}  ${'input'.padEnd(widths[1])}  ${'status'.padEnd(widths[2])}  feature layer`);
  for (const t of table) {
    out.info(`${t[0].padEnd(widths[0])}  ${t[1].padEnd(widths[1])}  ${statusText(t[2])}${' '.repeat(widths[2] - t[2].length)}  ${t[3]}`);
  }
  out.info('');
  const alias = rows.find((r) => r.aliasOf);
  if (alias?.why) out.info(`${alias.name} = ${alias.aliasOf}: ${alias.why}`);
  const offline = rows.filter((r) => r.status === 'offline');
  for (const r of offline) out.info(`${r.name}: ${r.description}`);
  out.info(c.gray(`cache: ${cacheArea('models')}`));
  out.info('Next: `tl models show <name>` for its layers, `tl models pull <name>` to download one now.');
}

async function runShow(ref: string, flags: JsonFlag, cmd: Command): Promise<void> {
  const out = outputFor(flags, cmd);
  const { resolveBase, describeModel, formatModelSummary } = await import('../../models');
  const progress = downloadProgress(out, `Downloading ${ref}`);
  const { model, info } = await resolveBase(ref, { onProgress: progress.onProgress }).finally(progress.stop);
  const summary = describeModel(model);
  if (out.json) {
    out.result({ info, summary });
    model.dispose();
    return;
  }
  const pre = info.input.preprocessing;
  out.info(`${out.c.bold(info.name)}  (${info.source})`);
  out.info(info.description);
  out.info(
    `input ${info.input.height}x${info.input.width}x${info.input.channels}, pixels ${pre.kind === 'scale01' ? 'x/255' : pre.kind === 'scaleMinus1To1' ? 'x/127.5 - 1' : 'mean/std normalised'}, ` +
      `default feature layer ${info.featureLayer}${info.license ? `, licence ${info.license}` : ''}`,
  );
  out.info('');
  out.info(formatModelSummary(summary));
  model.dispose();
}

async function runPull(ref: string, flags: JsonFlag & { force?: boolean }, cmd: Command): Promise<void> {
  const out = outputFor(flags, cmd);
  const { pullModel } = await import('../../models');
  const progress = downloadProgress(out, `Downloading ${ref}`);
  const t0 = Date.now();
  const r = await pullModel(ref, { force: Boolean(flags.force), onProgress: progress.onProgress }).finally(progress.stop);
  const seconds = (Date.now() - t0) / 1000;
  if (out.json) {
    out.result({ ...r, seconds });
    return;
  }
  out.info(
    r.downloaded
      ? `Downloaded ${r.name} (${megabytes(r.bytes)}) from ${r.url} in ${seconds.toFixed(1)} s, verified, stored in ${r.cachePath}.`
      : `${r.name} is already cached and intact in ${r.cachePath} (${megabytes(r.bytes)}); pass --force to download it again.`,
  );
  out.info(`Next: tl transfer --base ${ref} --data <images> --out <dir>`);
}

async function runImport(ref: string, dir: string, flags: JsonFlag & { force?: boolean }, cmd: Command): Promise<void> {
  const out = outputFor(flags, cmd);
  const { importModel } = await import('../../models');
  const r = await importModel(ref, dir, { force: Boolean(flags.force) });
  if (out.json) {
    out.result(r);
    return;
  }
  out.info(`Imported ${r.name} (${megabytes(r.bytes)}) from ${dir} into ${r.cachePath}; it is now used without the network.`);
  out.info(`Next: tl models show ${r.name}`);
}

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('the base-model zoo: list bases, show their layers, download or import them into the cache')
    .addHelpText(
      'after',
      `
Bases are downloaded once into the cache ($TL_CACHE_DIR/models, else $XDG_CACHE_HOME/tl/models,
else ~/.cache/tl/models) and read from there afterwards. $TL_MODEL_BASE_URL replaces the
download server (a mirror); HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured.
mobilenet-v2-nsfwjs ships inside an npm package and needs no network.

Examples:
  $ tl models list
  $ tl models show mobilenet-v2-nsfwjs
  $ tl models pull mobilenet
  $ tl models import mobilenet-v1-1.0-224 ./mobilenet_v1_1.0_224   # a folder copied in by hand`,
    );

  models
    .command('list')
    .description('list the zoo: input size, cache status, default feature layer')
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', '\nExamples:\n  $ tl models list\n  $ tl models list --json')
    .action(async (flags: JsonFlag, cmd: Command) => runList(flags, cmd));

  models
    .command('show')
    .argument('<name|path>', 'zoo name, tl run directory, model.json path or http(s) URL')
    .description('show a model: input, preprocessing, feature layer, and every layer with output shape, parameters and trainable flag (a zoo model not yet cached is downloaded first)')
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', '\nExamples:\n  $ tl models show mobilenet-v2-nsfwjs\n  $ tl models show runs/source --json')
    .action(async (ref: string, flags: JsonFlag, cmd: Command) => runShow(ref, flags, cmd));

  models
    .command('pull')
    .argument('<name>', 'zoo name (or an http(s) URL of a model.json)')
    .description('download a zoo model into the cache now, with a progress bar, and verify it')
    .option('--force', 'download again even if an intact copy is cached')
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', '\nExamples:\n  $ tl models pull mobilenet\n  $ TL_MODEL_BASE_URL=http://mirror.local/tfjs tl models pull mobilenet-v1-0.25-224')
    .action(async (ref: string, flags: JsonFlag & { force?: boolean }, cmd: Command) => runPull(ref, flags, cmd));

  models
    .command('import')
    .argument('<name>', 'zoo name the folder holds, e.g. mobilenet-v1-1.0-224')
    .argument('<dir>', 'folder with model.json and the weight files it lists')
    .description('seed the cache from a model folder carried in by hand (for machines without network)')
    .option('--force', 'replace an intact cached copy')
    .option('--json', 'print one JSON object on stdout')
    .addHelpText(
      'after',
      '\nThe folder is checked (model.json parses, every weight file is there with the declared size)\nand copied into the cache atomically.\n\nExamples:\n  $ tl models import mobilenet-v1-1.0-224 /media/usb/mobilenet_v1_1.0_224',
    )
    .action(async (ref: string, dir: string, flags: JsonFlag & { force?: boolean }, cmd: Command) => runImport(ref, dir, flags, cmd));
}
