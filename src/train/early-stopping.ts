// Early stopping on a monitored loss as a pure state machine; the loop keeps the best weights.
// No TensorFlow here: the state is plain numbers so it can go into a checkpoint as JSON.

export interface EarlyStoppingConfig {
  /** Epochs without improvement before stopping; 0 turns early stopping off. */
  patience: number;
  /** An epoch counts as an improvement only when the loss drops by more than this. */
  minDelta: number;
  /** At the end of the phase, put back the weights of the best epoch. */
  restoreBest: boolean;
}

export function defaultEarlyStoppingConfig(): EarlyStoppingConfig {
  return { patience: 0, minDelta: 0, restoreBest: true };
}

export interface EarlyStoppingState {
  /** Best monitored loss so far; null before the first finite one (kept JSON-safe for checkpoints). */
  best: number | null;
  /** 1-based epoch (within the phase) that reached `best`; 0 before the first epoch. */
  bestEpoch: number;
  /** Epochs since the last improvement. */
  wait: number;
  stopped: boolean;
}

export function initialEarlyStoppingState(): EarlyStoppingState {
  return { best: null, bestEpoch: 0, wait: 0, stopped: false };
}

/**
 * The state after an epoch with monitored loss `loss`. `improved` tells the caller to
 * snapshot the weights. A NaN loss never improves. Without patience it never stops.
 */
export function updateEarlyStopping(
  state: EarlyStoppingState,
  loss: number,
  epoch: number,
  cfg: EarlyStoppingConfig,
): { state: EarlyStoppingState; improved: boolean } {
  const improved = Number.isFinite(loss) && (state.best === null || loss < state.best - cfg.minDelta);
  if (improved) return { state: { best: loss, bestEpoch: epoch, wait: 0, stopped: false }, improved };
  const wait = state.wait + 1;
  const stopped = cfg.patience > 0 && wait >= cfg.patience;
  return { state: { ...state, wait, stopped }, improved };
}
