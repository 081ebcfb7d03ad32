// Reading an experiment file (YAML, or JSON which YAML reads too) and checking it against the
// option table: every problem names the file, the line and, for a typo, the nearest valid names.
// Pure apart from the caller-supplied text; throws one UsageError listing all problems.
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { UsageError } from '../errors';
import { nearestNames } from '../models/nearby';
import { EXPERIMENT_KEYS, FILE_KEYS, GATES, optionSpec, optionsOf, REQUIRED, STEP_KINDS, type OptionSpec, type StepKind } from './options';

export type OptionValues = Record<string, unknown>;

export interface ExperimentSpec {
  name: string;
  step: StepKind;
  options: OptionValues;
  matrix: Record<string, unknown[]>;
  gates: Record<string, number>;
  /** another experiment whose runs of the same settings this one's are set against in summary.md */
  baseline?: string;
  /** 1-based line of the entry, and of each option / matrix key, for later error messages */
  line: number;
  lines: Record<string, number>;
}

export interface ExperimentFile {
  file: string;
  defaults: OptionValues;
  defaultLines: Record<string, number>;
  experiments: ExperimentSpec[];
}

type Path = (string | number)[];

/** Line lookups on the parsed document: the line of a key (or of a list item). */
class Locator {
  constructor(private readonly doc: Document, private readonly counter: LineCounter) {}
  line(path: Path): number {
    const parent = path.length > 1 ? this.doc.getIn(path.slice(0, -1), true) : this.doc.contents;
    const last = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
      const range = (pair?.key as { range?: [number, number] } | undefined)?.range ?? (parent as { range?: [number, number] }).range;
      if (range) return this.counter.linePos(range[0]).line;
    }
    const node = this.doc.getIn(path, true) as { range?: [number, number] } | undefined;
    return node?.range ? this.counter.linePos(node.range[0]).line : 1;
  }
}

class Problems {
  readonly list: string[] = [];
  constructor(private readonly file: string, private readonly at: Locator) {}
  add(path: Path, message: string): void {
    this.list.push(`${this.file}:${this.at.line(path)}: ${message}`);
  }
  unknownKey(path: Path, key: string, valid: readonly string[], what: string): void {
    const near = nearestNames(key, valid, 3);
    this.add([...path, key], `unknown ${what} "${key}"` + (near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(' or ')}?` : `; valid: ${valid.join(', ')}`));
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** undefined when `v` fits the option's JSON type (and choices), else what was expected. */
export function typeProblem(o: OptionSpec, v: unknown): string | undefined {
  if (o.choices) return typeof v === 'string' && o.choices.includes(v) ? undefined : `one of ${o.choices.join(', ')}`;
  const wholeAtLeast0 = typeof v === 'number' && Number.isInteger(v) && v >= 0;
  const ok: Record<OptionSpec['type'], boolean> = {
    string: typeof v === 'string' && v.trim() !== '',
    number: typeof v === 'number' && Number.isFinite(v),
    integer: wholeAtLeast0,
    integerOrAuto: wholeAtLeast0 || v === 'auto',
    boolean: typeof v === 'boolean',
    stringOrBoolean: typeof v === 'boolean' || typeof v === 'string',
    integerList: typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1)),
  };
  const expected: Record<OptionSpec['type'], string> = {
    string: 'a non-empty string',
    number: 'a number',
    integer: 'a whole number',
    integerOrAuto: 'a whole number or "auto"',
    boolean: 'true or false',
    stringOrBoolean: 'true, false or a list like "flip,rotation=10"',
    integerList: 'a list of unit counts like [128, 64]',
  };
  return ok[o.type] ? undefined : expected[o.type];
}

function checkOptions(p: Problems, path: Path, values: Record<string, unknown>, allowed: readonly OptionSpec[], skip: readonly string[], what: string): void {
  const names = allowed.map((o) => o.name);
  for (const [key, value] of Object.entries(values)) {
    if (skip.includes(key)) continue;
    const spec = allowed.find((o) => o.name === key);
    if (!spec) {
      const elsewhere = optionSpec(key);
      if (elsewhere) p.add([...path, key], `"${key}" is not an option of ${what} (it belongs to ${elsewhere.steps.join('/')} steps)`);
      else p.unknownKey(path, key, [...names, ...skip], 'option');
      continue;
    }
    const bad = typeProblem(spec, value);
    if (bad) p.add([...path, key], `${key} must be ${bad}, got ${JSON.stringify(value)}`);
  }
}

function readExperiment(p: Problems, raw: unknown, i: number, earlier: Set<string>, loc: Locator): ExperimentSpec | undefined {
  const path: Path = ['experiments', i];
  if (!isObject(raw)) {
    p.add(path, 'each experiment must be a mapping with name, step and options');
    return undefined;
  }
  const { name, step } = raw;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) p.add([...path, 'name'], 'name must be letters, digits, "_", "." or "-" (it names the run folders)');
  else if (earlier.has(name)) p.add([...path, 'name'], `name "${name}" is used twice`);
  if (typeof step !== 'string' || !STEP_KINDS.includes(step as StepKind)) {
    const near = typeof step === 'string' ? nearestNames(step, STEP_KINDS, 1) : [];
    p.add([...path, 'step'], `step must be ${STEP_KINDS.join(', ')}` + (near.length ? `; did you mean "${near[0]}"?` : ''));
    return undefined;
  }
  const kind = step as StepKind;
  const allowed = optionsOf(kind);
  checkOptions(p, path, raw, allowed, EXPERIMENT_KEYS, `a ${kind} step`);
  const matrix = raw.matrix ?? {};
  if (!isObject(matrix)) p.add([...path, 'matrix'], 'matrix must map option names to lists of values');
  else {
    for (const [key, list] of Object.entries(matrix)) {
      if (!Array.isArray(list) || list.length === 0) p.add([...path, 'matrix', key], `matrix.${key} must be a non-empty list`);
      else if (key in raw) p.add([...path, 'matrix', key], `${key} is set both as an option and in matrix; keep one`);
      else {
        const spec = allowed.find((o) => o.name === key);
        if (!spec) checkOptions(p, [...path, 'matrix'], { [key]: list[0] }, allowed, [], `a ${kind} step`);
        const bad = spec && list.map((v) => typeProblem(spec, v) && JSON.stringify(v)).find(Boolean);
        if (spec && bad) p.add([...path, 'matrix', key], `matrix.${key} values must be ${typeProblem(spec, JSON.parse(bad))}, got ${bad}`);
      }
    }
  }
  const gates = raw.gates ?? {};
  if (!isObject(gates)) p.add([...path, 'gates'], 'gates must map gate names to numbers');
  else {
    for (const [key, v] of Object.entries(gates)) {
      if (!GATES.some((g) => g.name === key)) p.unknownKey([...path, 'gates'], key, GATES.map((g) => g.name), 'gate');
      else if (typeof v !== 'number' || !Number.isFinite(v)) p.add([...path, 'gates', key], `gate ${key} must be a number, got ${JSON.stringify(v)}`);
    }
  }
  const options = Object.fromEntries(Object.entries(raw).filter(([k]) => !(EXPERIMENT_KEYS as readonly string[]).includes(k)));
  const lines: Record<string, number> = {};
  for (const k of Object.keys(options)) lines[k] = loc.line([...path, k]);
  if (isObject(matrix)) for (const k of Object.keys(matrix)) lines[k] = loc.line([...path, 'matrix', k]);
  if (raw.baseline !== undefined && typeof raw.baseline !== 'string') p.add([...path, 'baseline'], 'baseline must be the name of another experiment');
  const baseline = typeof raw.baseline === 'string' ? raw.baseline : undefined;
  return { name: String(name), step: kind, baseline, options, matrix: isObject(matrix) ? (matrix as Record<string, unknown[]>) : {}, gates: isObject(gates) ? (gates as Record<string, number>) : {}, line: loc.line(path), lines };
}

/** Steps missing a required option (after defaults), and references to later steps. */
function checkRequiredAndRefs(p: Problems, experiments: ExperimentSpec[], defaults: OptionValues): void {
  const names = experiments.map((e) => e.name);
  experiments.forEach((e, i) => {
    for (const r of REQUIRED[e.step]) {
      const fromDefaults = e.step !== 'evaluate' && r in defaults;
      if (!(r in e.options) && !(r in e.matrix) && !fromDefaults) p.add(['experiments', i], `${e.step} step "${e.name}" needs ${r}`);
    }
    if (e.baseline !== undefined && (e.baseline === e.name || !names.includes(e.baseline))) {
      const near = nearestNames(e.baseline, names.filter((n) => n !== e.name), 2);
      p.add(['experiments', i, 'baseline'], `baseline "${e.baseline}" is not another experiment of this file` + (near.length ? `; did you mean "${near[0]}"?` : ''));
    }
    for (const key of ['base', 'model']) {
      const values = key in e.matrix ? e.matrix[key] : key in e.options ? [e.options[key]] : [];
      for (const v of values) {
        const j = names.indexOf(String(v));
        if (j >= i) p.add(['experiments', i, key], `${key} "${v}" names ${j === i ? 'this step itself' : 'a later step'}; a step can only use an earlier one`);
      }
    }
  });
}

/** Parses and checks `text` (the contents of `file`); throws a UsageError listing every problem. */
export function parseExperimentFile(file: string, text: string): ExperimentFile {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line;
    throw new UsageError(`${file}:${line}: not valid YAML/JSON: ${e.message.split('\n')[0]}`, 'Fix the syntax at that line; `tl run --help` shows a small example file.');
  }
  const loc = new Locator(doc, counter);
  const p = new Problems(file, loc);
  const root = doc.toJS() as unknown;
  if (!isObject(root)) throw new UsageError(`${file}: an experiment file is a mapping with "experiments" (and optionally "defaults")`, 'See `tl run --help` for a small example.');
  for (const key of Object.keys(root)) if (!(FILE_KEYS as readonly string[]).includes(key)) p.unknownKey([], key, FILE_KEYS, 'top-level key');
  const defaults = root.defaults ?? {};
  if (!isObject(defaults)) p.add(['defaults'], 'defaults must be a mapping of options');
  else checkOptions(p, ['defaults'], defaults, [...optionsOf('pretrain'), ...optionsOf('transfer')].filter((o, i, a) => a.indexOf(o) === i), [], 'defaults');
  const list = root.experiments;
  const experiments: ExperimentSpec[] = [];
  if (!Array.isArray(list) || list.length === 0) p.add(['experiments'], 'experiments must be a non-empty list');
  else {
    const seen = new Set<string>();
    list.forEach((raw, i) => {
      const e = readExperiment(p, raw, i, seen, loc);
      if (e) {
        seen.add(e.name);
        experiments.push(e);
      }
    });
    if (p.list.length === 0) checkRequiredAndRefs(p, experiments, isObject(defaults) ? defaults : {});
  }
  if (p.list.length > 0) {
    throw new UsageError(`${file} has ${p.list.length} problem${p.list.length === 1 ? '' : 's'}; nothing was run:\n  ${p.list.join('\n  ')}`, 'Option names are the CLI flags in camelCase (--limit-per-class -> limitPerClass); schema/experiment.schema.json lists them.');
  }
  const defaultLines: Record<string, number> = {};
  if (isObject(defaults)) for (const k of Object.keys(defaults)) defaultLines[k] = loc.line(['defaults', k]);
  return { file, defaults: isObject(defaults) ? defaults : {}, defaultLines, experiments };
}
