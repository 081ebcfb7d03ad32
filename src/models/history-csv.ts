// history.csv of a run directory: one row per epoch of both phases, with a phase column.
// Pure text conversion in both directions; no file I/O here.
import { ModelError } from '../errors';
import type { HistoryRow } from './types';

export const HISTORY_COLUMNS = ['phase', 'epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr', 'seconds'] as const;

/** CSV text with a header; missing validation values are empty cells. Numbers keep full precision. */
export function formatHistoryCsv(rows: readonly HistoryRow[]): string {
  const cell = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '' : String(v));
  const lines = rows.map((r) => [r.phase, r.epoch, r.loss, r.accuracy, r.valLoss, r.valAccuracy, r.lr, r.seconds].map(cell).join(','));
  return [HISTORY_COLUMNS.join(','), ...lines].join('\n') + '\n';
}

/** Parses history.csv back; `where` names the file in errors. */
export function parseHistoryCsv(text: string, where = 'history.csv'): HistoryRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0 || lines[0].trim() !== HISTORY_COLUMNS.join(',')) {
    throw new ModelError(`${where} does not start with the header ${HISTORY_COLUMNS.join(',')}`);
  }
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== HISTORY_COLUMNS.length) throw new ModelError(`${where} line ${i + 2} has ${cells.length} cells, expected ${HISTORY_COLUMNS.length}`);
    const num = (s: string) => (s === '' ? undefined : Number(s));
    const [phase, epoch, loss, accuracy, valLoss, valAccuracy, lr, seconds] = cells.map(num);
    if (phase !== 1 && phase !== 2) throw new ModelError(`${where} line ${i + 2}: phase must be 1 or 2`);
    const row: HistoryRow = { phase, epoch: epoch ?? NaN, loss: loss ?? NaN, accuracy: accuracy ?? NaN, lr: lr ?? NaN, seconds: seconds ?? NaN };
    if (valLoss !== undefined) row.valLoss = valLoss;
    if (valAccuracy !== undefined) row.valAccuracy = valAccuracy;
    return row;
  });
}
