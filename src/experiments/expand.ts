// Expanding an experiment file into runs: defaults, then each experiment's own options, then
// every combination of its matrix; a `base`/`model` naming an earlier step fans out over that
// step's runs (paired on the matrix keys both steps share). Each run's id hashes its full
// effective config and its inputs, so editing one value changes only the ids it reaches. Pure.
import { createHash } from 'crypto';
import { canonicalJson } from '../canonical-json';
import type { ExperimentFile, ExperimentSpec, OptionValues } from './parse';
import type { StepKind } from './options';

export interface PlannedRun {
  /** 12 hex digits of sha256 over the effective config and inputs */
  id: string;
  experiment: string;
  step: StepKind;
  /** position in the expanded order (0-based) */
  index: number;
  /** the matrix values (and the referenced run) that tell it apart from its siblings, e.g. "dropout=0.2 seed=1" */
  label: string;
  /** folder of the run inside the results folder */
  dir: string;
  /** effective options; a reference keeps the step name it names */
  options: OptionValues;
  matrix: Record<string, unknown>;
  /** option ('base' or 'model') -> id of the run it uses */
  refs: Record<string, string>;
  gates: Record<string, number>;
  /** the experiment summary.md sets this run against (same label) */
  baseline?: string;
  /** file line each option came from (for error messages) */
  lines: Record<string, number>;
}

/** A stable text for an input (data spec or base/model path), e.g. a content fingerprint; supplied by the caller. */
export type InputFingerprint = (kind: 'data' | 'base' | 'model', value: string) => string;

export interface ExpandOptions {
  fingerprint: InputFingerprint;
  /** mixed into every id: a new tl version trains differently */
  version: string;
}

/** Every combination of the matrix, keys in file order, the last key varying fastest. */
export function matrixCombinations(matrix: Record<string, unknown[]>): Record<string, unknown>[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(matrix)) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  return combos;
}

export { canonicalJson };

const REFERENCE_KEYS: Record<StepKind, string | undefined> = { pretrain: undefined, transfer: 'base', evaluate: 'model' };

function labelOf(matrix: Record<string, unknown>, refKey: string | undefined, ref: PlannedRun | undefined, fannedOut: boolean): string {
  const parts = Object.entries(matrix).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`);
  if (ref && fannedOut && ref.label) parts.push(`${refKey}:${ref.experiment}[${ref.label}]`);
  return parts.join(' ');
}

/** The earlier runs a reference may use: those agreeing on every matrix key both steps vary. */
function candidatesFor(target: PlannedRun[], combo: Record<string, unknown>): PlannedRun[] {
  return target.filter((r) => Object.keys(r.matrix).every((k) => !(k in combo) || canonicalJson(combo[k]) === canonicalJson(r.matrix[k])));
}

function expandExperiment(e: ExperimentSpec, file: ExperimentFile, byName: Map<string, PlannedRun[]>, opts: ExpandOptions, start: number): PlannedRun[] {
  const defaults = e.step === 'evaluate' ? {} : file.defaults;
  const refKey = REFERENCE_KEYS[e.step];
  const runs: PlannedRun[] = [];
  for (const combo of matrixCombinations(e.matrix)) {
    const options: OptionValues = { ...defaults, ...e.options, ...combo };
    const lines: Record<string, number> = {};
    for (const k of Object.keys(options)) lines[k] = e.lines[k] ?? file.defaultLines[k] ?? e.line;
    const refName = refKey !== undefined && typeof options[refKey] === 'string' ? (options[refKey] as string) : undefined;
    const target = refName !== undefined ? byName.get(refName) : undefined;
    const refs: (PlannedRun | undefined)[] = target ? candidatesFor(target, combo) : [undefined];
    for (const ref of refs) {
      const inputs: Record<string, string> = {};
      if (typeof options.data === 'string') inputs.data = opts.fingerprint('data', options.data);
      if (refKey && refName !== undefined) inputs[refKey] = ref ? `run:${ref.id}` : opts.fingerprint(refKey as 'base' | 'model', refName);
      const id = createHash('sha256').update(canonicalJson({ step: e.step, options, inputs, version: opts.version })).digest('hex').slice(0, 12);
      const matrix = { ...combo };
      runs.push({
        id,
        experiment: e.name,
        step: e.step,
        index: start + runs.length,
        label: labelOf(matrix, refKey, ref, refs.length > 1),
        dir: `${e.name}-${id}`,
        options,
        matrix: ref ? { ...ref.matrix, ...matrix } : matrix,
        refs: ref && refKey ? { [refKey]: ref.id } : {},
        gates: { ...e.gates },
        ...(e.baseline !== undefined ? { baseline: e.baseline } : {}),
        lines,
      });
    }
  }
  return runs;
}

/** All runs of the file in order: experiments in file order, each expanded as above. */
export function expandExperiments(file: ExperimentFile, opts: ExpandOptions): PlannedRun[] {
  const byName = new Map<string, PlannedRun[]>();
  const all: PlannedRun[] = [];
  for (const e of file.experiments) {
    const runs = expandExperiment(e, file, byName, opts, all.length);
    byName.set(e.name, runs);
    all.push(...runs);
  }
  return all;
}

/** Parses "i/n" (1-based). */
export function parseShard(text: string): { index: number; count: number } | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return index >= 1 && count >= 1 && index <= count ? { index, count } : undefined;
}

/**
 * Shard i of n: every n-th run starting at the i-th (deterministic from the file alone), plus
 * the earlier runs they depend on, which the shard runs too but does not report as its own.
 */
export function selectShard(runs: PlannedRun[], index: number, count: number): { own: PlannedRun[]; needed: PlannedRun[] } {
  return withDependencies(runs, runs.filter((r) => r.index % count === index - 1));
}

/** `own`, and the earlier runs of `runs` they build on (directly or not) that are not in `own`. */
export function withDependencies(runs: PlannedRun[], own: PlannedRun[]): { own: PlannedRun[]; needed: PlannedRun[] } {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const needed = new Set<string>();
  const visit = (r: PlannedRun) => {
    for (const id of Object.values(r.refs)) {
      if (!needed.has(id)) {
        needed.add(id);
        visit(byId.get(id)!);
      }
    }
  };
  own.forEach(visit);
  const ownIds = new Set(own.map((r) => r.id));
  return { own, needed: runs.filter((r) => needed.has(r.id) && !ownIds.has(r.id)) };
}
