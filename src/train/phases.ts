// Runs the phases of a transfer run in order (1: head on the frozen base, 2: fine-tuning),
// resuming from a checkpoint where one is given. Chains and feeds are built lazily by the
// caller's prepare(), so a skipped or already finished phase costs nothing.
import { checkResumable } from './checkpoint';
import { trainPhase } from './loop';
import type { FitConfig, HistoryRow, PhaseConfig, PhaseNumber, PhaseSetup, PhaseSummary, TrainCheckpoint, TrainHooks } from './types';

export interface PhasePlan {
  phase: PhaseNumber;
  config: PhaseConfig;
  /** Builds the chain and feeds (e.g. computes cached activations); called only if the phase runs. */
  prepare: () => Promise<PhaseSetup>;
}

export interface RunPhasesOptions {
  fit: FitConfig;
  runKey: string;
  hooks?: TrainHooks;
  resume?: TrainCheckpoint | null;
  /** Told when a phase starts (for "Phase 1 of 2: training the new head"). */
  onPhaseStart?: (phase: PhaseNumber, config: PhaseConfig, resumed: boolean) => void;
}

export interface RunPhasesResult {
  interrupted: boolean;
  history: HistoryRow[];
  phases: PhaseSummary[];
}

function skippedSummary(phase: PhaseNumber, config: PhaseConfig): PhaseSummary {
  return {
    phase,
    epochsPlanned: config.epochs,
    epochsRun: 0,
    stoppedEarly: false,
    bestEpoch: 0,
    restoredBest: false,
    steps: 0,
    seconds: 0,
    unseededLayers: [],
  };
}

/**
 * Runs `plans` (ordered by phase). With `resume`, phases before the checkpoint's phase are
 * taken from it (their weights are already in the checkpoint's head) and the checkpoint's
 * phase continues where it stopped. Stops between phases too when hooks.shouldStop() is set.
 */
export async function runPhases(plans: PhasePlan[], opts: RunPhasesOptions): Promise<RunPhasesResult> {
  const resume = opts.resume ?? null;
  checkResumable(resume, opts.runKey);
  let history: HistoryRow[] = resume ? resume.history.slice() : [];
  const phases: PhaseSummary[] = resume ? resume.completedPhases.slice() : [];
  for (const plan of plans) {
    if (resume && plan.phase < resume.progress.phase) continue;
    if (phases.some((s) => s.phase === plan.phase)) continue;
    if (plan.config.epochs === 0) {
      phases.push(skippedSummary(plan.phase, plan.config));
      continue;
    }
    if (opts.hooks?.shouldStop?.()) return { interrupted: true, history, phases };
    const resumeHere = resume && resume.progress.phase === plan.phase ? resume : null;
    opts.onPhaseStart?.(plan.phase, plan.config, resumeHere !== null);
    const setup = await plan.prepare();
    const r = await trainPhase(plan.phase, setup, plan.config, {
      fit: opts.fit,
      runKey: opts.runKey,
      hooks: opts.hooks,
      history,
      completedPhases: phases,
      resume: resumeHere,
    });
    history = r.history;
    if (r.interrupted) return { interrupted: true, history, phases };
    phases.push(r.summary);
  }
  return { interrupted: false, history, phases };
}
