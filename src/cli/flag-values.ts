// Turning flag text into checked numbers: one family of parsers, each taking (flag, text, limits)
// and throwing a UsageError that names the flag and the accepted range. undefined text (flag not
// given) gives undefined, so callers fall back to the library default.
import { UsageError } from '../errors';

/**
 * Upper bounds of size flags: far above any sensible value, and low enough that one batch's
 * buffers stay allocatable (a 100000-pixel input side overflows a typed array).
 */
export const FLAG_CEILINGS = { inputSize: 1024, batchSize: 4096, hiddenUnits: 16384 } as const;

export interface IntLimits {
  /** smallest accepted value; default 1 */
  min?: number;
  max?: number;
}

/** A whole number in [min, max] (written as digits: "1e3" and "2.0" are refused). */
export function wholeNumber(flag: string, text: string | undefined, limits: IntLimits = {}): number | undefined {
  return text === undefined ? undefined : checkedWholeNumber(flag, text, limits, '');
}

/**
 * A whole number in [min, max] (default from 0), or 'auto': --epochs and --patience (a budget in
 * steps, train/step-budget.ts), --batch-size of evaluate and predict (chosen from the model).
 */
export function wholeNumberOrAuto(flag: string, text: string | undefined, limits: IntLimits = { min: 0 }): number | 'auto' | undefined {
  if (text === undefined) return undefined;
  return text.trim() === 'auto' ? 'auto' : checkedWholeNumber(flag, text, limits, ' or auto');
}

function checkedWholeNumber(flag: string, text: string, limits: IntLimits, alternative: string): number {
  const { min = 1, max = Number.MAX_SAFE_INTEGER } = limits;
  const trimmed = String(text).trim();
  const n = Number(trimmed);
  if (!/^-?\d+$/.test(trimmed) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : `of at least ${min}`;
    throw new UsageError(`${flag} must be a whole number ${range}${alternative}, got "${text}"`);
  }
  return n;
}

export interface DecimalLimits {
  /** largest accepted value (included); default no limit */
  max?: number;
  /** accept 0 as well; default only values above 0 */
  zeroAllowed?: boolean;
}

/** A finite number above 0 (or from 0 with zeroAllowed), at most max. */
export function positiveDecimal(flag: string, text: string | undefined, limits: DecimalLimits = {}): number | undefined {
  if (text === undefined) return undefined;
  const { max = Infinity, zeroAllowed = false } = limits;
  const n = String(text).trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n) || n < 0 || (!zeroAllowed && n === 0) || n > max) {
    throw new UsageError(`${flag} must be a number ${zeroAllowed ? '>= 0' : '> 0'}${max < Infinity ? ` and <= ${max}` : ''}, got "${text}"`);
  }
  return n;
}

/** A fraction in [0, 1): a share of each class set aside. */
export function fraction(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = String(text).trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n) || n < 0 || n >= 1) {
    throw new UsageError(`${flag} must be a fraction from 0 up to (not including) 1, got "${text}"`, `For example ${flag} 0.1 keeps 10% of each class aside.`);
  }
  return n;
}
