// The steps of an experiment file turned into pipeline calls exactly as the commands do: each
// option becomes the text its CLI flag would carry and goes through the same converters
// (pretrainOptionsFrom, transferOptionsFrom, the flag parsers), so a file and a command line
// cannot disagree. Also the dry check of every run's values before anything runs.
import * as fs from 'fs';
import { UsageError } from '../errors';
import type { ExecuteContext, PlannedRun, RunFigures, StepExecutor } from '../experiments';
import type { PipelineListener } from '../pipeline';
import { pretrainOptionsFrom, type PretrainFlags } from './commands/pretrain';
import { transferOptionsFrom, type TransferFlags } from './commands/transfer';
import { FLAG_CEILINGS, wholeNumber } from './flag-values';

/** A file value as the text of its flag: lists joined by commas, `true` kept for --augment. */
function flagValues(options: Record<string, unknown>): Record<string, string | boolean | undefined> {
  const out: Record<string, string | boolean | undefined> = {};
  for (const [k, v] of Object.entries(options)) {
    if (typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.length === 0 ? 'none' : v.join(',');
    else if (v !== undefined && v !== null) out[k] = String(v);
  }
  if (out.augment === false) delete out.augment;
  return out;
}

function pretrainFlags(run: PlannedRun, ctx: Partial<ExecuteContext>, resume: boolean, overwrite: boolean): PretrainFlags {
  return { ...(flagValues(run.options) as object), out: ctx.modelDir ?? 'out', resume, overwrite } as PretrainFlags;
}

function transferFlags(run: PlannedRun, ctx: Partial<ExecuteContext>, resume: boolean, overwrite: boolean): TransferFlags {
  const base = ctx.refDirs?.base ?? String(run.options.base);
  return { ...(flagValues(run.options) as object), base, out: ctx.modelDir ?? 'out', resume, overwrite } as TransferFlags;
}

function evaluateNumbers(run: PlannedRun) {
  return {
    batchSize: wholeNumber('--batch-size', run.options.batchSize === undefined ? undefined : String(run.options.batchSize), { max: FLAG_CEILINGS.batchSize }),
    topK: wholeNumber('--top-k', run.options.topK === undefined ? undefined : String(run.options.topK)),
  };
}

/** A UsageError of a flag converter, restated at the file line the option came from. */
function atLine(file: string, run: PlannedRun, err: unknown): unknown {
  if (!(err instanceof UsageError)) return err;
  const flag = /--([a-z0-9-]+)/.exec(err.message)?.[1];
  const option = flag?.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const line = option !== undefined ? run.lines[option] : undefined;
  const where = `${file}${line ? `:${line}` : ''}`;
  const message = err.message.replace(/--([a-z0-9-]+)/g, (_, f: string) => f.replace(/-([a-z0-9])/g, (__, c: string) => c.toUpperCase()));
  return new UsageError(`${where}: ${run.experiment}${run.label ? ` [${run.label}]` : ''}: ${message}; nothing was run`, err.hint);
}

/** Converts every run's options as its command would, so a bad value stops the file before any run. */
export async function checkRunValues(file: string, runs: PlannedRun[]): Promise<void> {
  for (const run of runs) {
    try {
      if (run.step === 'pretrain') pretrainOptionsFrom(pretrainFlags(run, {}, false, false));
      else if (run.step === 'transfer') await transferOptionsFrom(transferFlags(run, {}, false, false));
      else evaluateNumbers(run);
    } catch (err) {
      throw atLine(file, run, err);
    }
  }
}

/** The figures of a finished model on its own test split (or an evaluate step's data). */
async function measure(model: string, run: PlannedRun, opts: { data?: string; split?: 'train' | 'val' | 'test' | 'all'; onWarning: (m: string) => void }): Promise<RunFigures> {
  const { evaluateRun } = await import('../pipeline');
  const r = await evaluateRun({ model, data: opts.data, split: opts.split, ...evaluateNumbers(run), reportDir: null, cache: run.options.cache !== false, onWarning: opts.onWarning });
  const m = r.metrics;
  const perClass = m.perClass.map((p) => ({ label: p.label, recall: p.recall, f1: p.f1, support: p.support }));
  return { accuracy: m.accuracy, loss: m.loss, macroF1: m.macro.f1, minClassRecall: Math.min(...perClass.map((p) => p.recall)), count: m.count, perClass };
}

export interface ExecutorHooks {
  onEvent?: PipelineListener;
  shouldStop?: () => boolean;
  onWarning: (message: string) => void;
}

/** Runs one planned run through the pipeline; an interrupted run resumes from its checkpoint next time. */
export function stepExecutor(hooks: ExecutorHooks): StepExecutor {
  return async (run, ctx) => {
    const { checkpointPath } = await import('../pipeline');
    const resume = !ctx.force && fs.existsSync(checkpointPath(ctx.modelDir));
    // A model folder without run.json: killed after the model was written; train it again.
    const overwrite = !resume && fs.existsSync(ctx.modelDir);
    const pipelineHooks = { onEvent: hooks.onEvent, shouldStop: hooks.shouldStop };
    if (run.step === 'evaluate') {
      const model = ctx.refDirs.model ?? String(run.options.model);
      return measure(model, run, { data: run.options.data as string | undefined, split: run.options.split as 'test' | undefined, onWarning: hooks.onWarning });
    }
    let val: { valAccuracy: number; valLoss: number };
    if (run.step === 'pretrain') {
      const { pretrain } = await import('../pipeline');
      val = (await pretrain(pretrainOptionsFrom(pretrainFlags(run, ctx, resume, overwrite)), pipelineHooks)).metrics;
    } else {
      const { transfer } = await import('../pipeline');
      val = (await transfer(await transferOptionsFrom(transferFlags(run, ctx, resume, overwrite)), pipelineHooks)).metrics;
    }
    const figures = await measure(ctx.modelDir, { ...run, options: { cache: run.options.cache } }, { onWarning: hooks.onWarning });
    return { ...figures, valAccuracy: val.valAccuracy, valLoss: val.valLoss };
  };
}
