// Typed errors thrown by library code; only the CLI maps them to messages and exit codes.
// Each error says what went wrong, where (file, flag, layer) and how to fix it.

/** Exit codes documented in the README. 1 is reserved for a failed quality gate. */
export const ExitCode = {
  ok: 0,
  thresholdNotMet: 1,
  usage: 2,
  data: 3,
  model: 4,
  native: 5,
  internal: 70,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: `hint` is the "how to fix it" sentence shown under the message. */
export class TlError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;
  constructor(message: string, exitCode: ExitCodeValue, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

/** A flag or argument the user gave cannot be used. */
export class UsageError extends TlError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint);
  }
}

/** The data (folder, manifest, built-in set) cannot be used. */
export class DataError extends TlError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.data, hint);
  }
}

/** A model, base or run directory cannot be loaded, cut or saved. */
export class ModelError extends TlError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.model, hint);
  }
}

/** The native TensorFlow backend is missing, broken, or could not be provisioned. */
export class NativeBackendError extends TlError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.native, hint);
  }
}

/** The run was stopped by SIGINT/SIGTERM after writing a consistent checkpoint. */
/**
 * A NaN or infinite loss, activation or prediction: the run cannot give meaningful numbers.
 * Exit 4 (model), with the usual causes in the hint unless the caller knows the actual one.
 */
export class NonFiniteError extends TlError {
  constructor(message: string, hint = NON_FINITE_CAUSES) {
    super(message, ExitCode.model, hint);
  }
}

export const NON_FINITE_CAUSES =
  'Likely causes: non-finite weights in the model or base (a damaged or badly trained model.json/weights), a learning rate too high ' +
  '(try a tenth of it with --lr), or damaged cached activations (`tl cache verify` checks them, `tl cache clear` empties them).';

export class InterruptedError extends TlError {
  constructor(message = 'interrupted', hint?: string) {
    super(message, ExitCode.interrupted, hint);
  }
}

/** A --min-* quality gate of `tl evaluate` was not met. */
export class ThresholdError extends TlError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.thresholdNotMet, hint);
  }
}
