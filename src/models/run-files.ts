// The files of a run directory, and the rule for replacing one with --overwrite: only an empty
// folder or a folder holding nothing but what tl wrote there (tl.json lists it), never a
// protected folder (root, home, working folder, the data or anything containing them).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UsageError } from '../errors';
import { protectedRefusal, resolveReal } from '../out-paths';
import { EVALUATION_FILES } from '../report';

export const RUN_FILES = {
  model: 'model.json',
  weights: 'weights.bin',
  labels: 'labels.json',
  tl: 'tl.json',
  metrics: 'metrics.json',
  history: 'history.csv',
} as const;

/** What pretrain and transfer put beside the model; tl.json written before it listed its files names no more. */
const UNLISTED_RUN_ENTRIES: readonly string[] = [...Object.values(RUN_FILES), 'split.json', 'learning-curves.png'];
/** The folder `tl evaluate` writes its report into by default. */
export const EVALUATION_DIR = 'evaluation';

/** An existing folder's contents, as far as the overwrite rule needs them. */
export interface FolderSummary {
  entries: string[];
  /** tl.json parsed, when the folder has one that parses. */
  tl?: unknown;
  /** Names inside the evaluation/ sub-folder, when it is a folder. */
  evaluation?: string[];
}

function isTlRecord(tl: unknown): tl is { tlVersion: string; kind: string; files?: unknown } {
  const t = tl as { tlVersion?: unknown; kind?: unknown } | undefined;
  return typeof t === 'object' && t !== null && typeof t.tlVersion === 'string' && (t.kind === 'pretrain' || t.kind === 'transfer');
}

/** A report file of `tl evaluate`, or one of its temporary names (`.NAME.tmp-...`). */
function isReportFile(name: string): boolean {
  const own: readonly string[] = Object.values(EVALUATION_FILES);
  return own.includes(name) || own.some((f) => name.startsWith(`.${f}.tmp-`));
}

/**
 * Why a folder with these contents must not be replaced, or undefined when it may be (empty, or a
 * tl run directory holding only what tl wrote there). Pure.
 */
export function runDirectoryRefusal(s: FolderSummary): string | undefined {
  if (s.entries.length === 0) return undefined;
  if (!isTlRecord(s.tl) || !s.entries.includes(RUN_FILES.model)) {
    return `it is not a tl run directory (no ${RUN_FILES.tl} and ${RUN_FILES.model} written by tl pretrain/transfer)`;
  }
  const listed = Array.isArray(s.tl.files) ? s.tl.files.filter((f): f is string => typeof f === 'string') : UNLISTED_RUN_ENTRIES;
  const foreign = s.entries.filter((name) => !(listed.includes(name) || (name === EVALUATION_DIR && s.evaluation !== undefined)));
  foreign.push(...(s.evaluation ?? []).filter((name) => !isReportFile(name)).map((name) => `${EVALUATION_DIR}/${name}`));
  if (foreign.length === 0) return undefined;
  const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ` and ${foreign.length - 3} more` : '');
  return `it holds files tl did not write there (${shown})`;
}

/** Reads what runDirectoryRefusal needs from an existing folder. */
export function summariseFolder(dir: string): FolderSummary {
  const entries = fs.readdirSync(dir);
  let tl: unknown;
  try {
    tl = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.tl), 'utf8'));
  } catch {
    tl = undefined;
  }
  const evalDir = path.join(dir, EVALUATION_DIR);
  const evaluation = fs.lstatSync(evalDir, { throwIfNoEntry: false })?.isDirectory() ? fs.readdirSync(evalDir) : undefined;
  return { entries, tl, evaluation };
}

/**
 * Refuses an existing `outDir` unless `overwrite` and it may be replaced: not a protected folder
 * (the root, home, working folder, `dataPaths` or any folder containing one), and empty or a
 * tl run directory with nothing else in it. Call it before training too, so a long run is not
 * thrown away at the end.
 */
export function checkOutDir(outDir: string, overwrite: boolean, dataPaths: string[] = []): void {
  const dir = path.resolve(outDir);
  const st = fs.statSync(dir, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isDirectory()) {
    throw new UsageError(`--out ${dir} exists and is not a directory`, 'Choose another --out path.');
  }
  if (!overwrite) {
    throw new UsageError(`--out ${dir} already exists`, 'Choose another --out, or pass --overwrite to replace it.');
  }
  const real = resolveReal(dir);
  const why =
    protectedRefusal(real, { cwd: resolveReal(process.cwd()), home: resolveReal(os.homedir()), data: dataPaths.map(resolveReal) }) ??
    runDirectoryRefusal(summariseFolder(real));
  if (why) {
    throw new UsageError(
      `--overwrite refuses to replace ${dir}: ${why}`,
      '--overwrite only replaces an empty folder or a tl run directory holding nothing else. Choose a new --out, or move the folder away yourself.',
    );
  }
}
