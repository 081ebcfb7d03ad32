// Renders pipeline events for pretrain/transfer: a bar per epoch on a terminal ("Phase 1 of 2:
// training the new head"), one plain line per epoch otherwise, nothing on stdout with --json.
import type { Output, Progress } from './output';
import type { PipelineEvent } from '../pipeline/events';

/**
 * Phase 1 on cached activations can run hundreds of epochs of a few milliseconds each: a live
 * per-batch bar starts only once an epoch has run this long, and epoch lines come at most this often
 * (plus each phase's first and last epoch). history.csv keeps every epoch.
 */
const QUIET_MS = 1000;

/**
 * In plain lines (logs, CI) per-batch lines start only once an epoch has run this long: in a
 * shorter epoch the epoch line that follows soon says as much, and a log of 1-2 s epochs stays
 * one line per epoch.
 */
const PLAIN_QUIET_MS = 5000;

/** Warns about the first 20 skipped files, then says where the rest are listed. */
function skipReporter(out: Output): (file: { id: string; reason: string }) => void {
  let skipped = 0;
  return (file) => {
    skipped++;
    if (skipped <= 20) out.warn(`skipped ${file.id}: ${file.reason}`);
    else if (skipped === 21) out.warn('more files skipped; the full list is in the run directory (tl.json)');
  };
}

export function trainingRenderer(out: Output, now: () => number = Date.now): (e: PipelineEvent) => void {
  let bar: Progress | undefined;
  let barKey = '';
  const reportSkip = skipReporter(out);
  /** When the current epoch began: the end of the previous one, or the phase's start. */
  let epochStarted = now();
  let lastEpochLine = -Infinity;
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
    barKey = '';
  };
  const log = (line: string) => process.stderr.write(line + '\n');
  return (e) => {
    // Anything but a batch (a stage, activations progress, an epoch's end) precedes a new epoch.
    if (e.type !== 'batch') epochStarted = now();
    switch (e.type) {
      case 'stage':
        stopBar();
        log(e.message);
        break;
      case 'progress': {
        if (barKey !== e.stage) {
          stopBar();
          barKey = e.stage;
          bar = out.progress(e.stage, e.total);
        }
        bar?.update(e.done);
        if (e.done >= e.total) stopBar();
        break;
      }
      case 'phase':
        stopBar();
        log(
          out.c.bold(`Phase ${e.phase} of ${e.phases}: ${e.title}`) +
            ` (${e.config.epochs} epochs, ${e.config.optimizer.kind} lr ${e.config.optimizer.learningRate}, ${e.config.schedule.kind} schedule)` +
            (e.resumed ? ' - resumed from checkpoint' : ''),
        );
        break;
      case 'batch': {
        const b = e.event;
        const key = `p${b.phase}e${b.epoch}`;
        if (barKey !== key && now() - epochStarted < (out.liveBars ? QUIET_MS : PLAIN_QUIET_MS)) break;
        // In plain lines an epoch's last batch would only repeat the epoch line that follows it.
        if (!out.liveBars && b.step >= b.stepsPerEpoch) break;
        if (barKey !== key) {
          stopBar();
          barKey = key;
          bar = out.progress(`  epoch ${b.epoch}/${b.epochs}`, b.stepsPerEpoch);
        }
        bar?.update(b.step, { loss: b.loss, acc: b.accuracy });
        break;
      }
      case 'epoch': {
        stopBar();
        const r = e.row;
        const edge = r.epoch === 1 || r.epoch === e.event.epochs || e.event.stoppingEarly;
        if (!edge && epochStarted - lastEpochLine < QUIET_MS) break;
        lastEpochLine = epochStarted;
        const val = r.valLoss !== undefined ? ` val_loss ${r.valLoss.toFixed(4)} val_acc ${(r.valAccuracy ?? 0).toFixed(4)}` : '';
        log(
          `  phase ${r.phase} epoch ${r.epoch}/${e.event.epochs}: loss ${r.loss.toFixed(4)} acc ${r.accuracy.toFixed(4)}${val} lr ${r.lr.toExponential(2)} (${r.seconds.toFixed(1)} s)` +
            (e.event.improved ? ' *' : '') +
            (e.event.stoppingEarly ? ` - early stop, best epoch ${e.event.bestEpoch}` : ''),
        );
        break;
      }
      case 'skip':
        reportSkip(e.file);
        break;
      case 'warning':
        out.warn(e.message);
        break;
      case 'detail':
        out.debug(e.message);
        break;
    }
  };
}

/**
 * Sets a flag on the first SIGINT/SIGTERM so the run stops after the current batch (training, or
 * base activations before and after it); a second one exits at once.
 */
export function interruptFlag(): { stopped: () => boolean; dispose: () => void } {
  let stop = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write(`\n${signal}: finishing the current batch, then stopping; the checkpoint keeps every finished epoch (press again to abort at once)\n`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    stopped: () => stop,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** Runs a training verb with the renderer for `out` and the interrupt flag, removing the signal handlers however it ends. */
export async function withTrainingHooks<T>(out: Output, work: (hooks: { onEvent: (e: PipelineEvent) => void; shouldStop: () => boolean }) => Promise<T>): Promise<T> {
  const interrupt = interruptFlag();
  try {
    return await work({ onEvent: trainingRenderer(out), shouldStop: interrupt.stopped });
  } finally {
    interrupt.dispose();
  }
}
