// The environment TensorFlow reads once, when its library loads: logging and the CPU allocator.
// Pure over an env object so the rule is testable; load.ts applies it to process.env.

/** Variable that selects TensorFlow's BFC (best-fit with coalescing) CPU allocator. */
export const BFC_ALLOCATOR_ENV = 'TF_CPU_ALLOCATOR_USE_BFC';

export interface AllocatorSetting {
  /** 'bfc': TensorFlow reuses freed buffers; 'default': every large output is freshly mapped. */
  allocator: 'bfc' | 'default';
  /** Who decided: tl's default, or the user's own TF_CPU_ALLOCATOR_USE_BFC. */
  source: 'tl' | 'user';
  value: string;
}

/**
 * Sets the variables TensorFlow reads at load time, leaving any the user set alone.
 * - TF_CPU_ALLOCATOR_USE_BFC=true: TensorFlow's default CPU allocator maps and page-faults a fresh
 *   buffer for every large op output; at batch 32 through MobileNetV2 that made element-wise ops
 *   cost more than the convolutions (5 img/s against 71 img/s with BFC, identical outputs).
 * - TF_ENABLE_ONEDNN_OPTS=0, always (--verbose included: it must not change what is computed).
 *   With oneDNN, tfjs's op-by-op LayersModel calls ran about 6x slower here (every op converts its
 *   layout), and results differ in the last bits; it is also what prints oneDNN's banner.
 * - TF_CPP_MIN_LOG_LEVEL=2 unless verbose: TensorFlow's start-up logs only with --verbose.
 */
export function tensorFlowEnv(env: NodeJS.ProcessEnv, verbose: boolean): AllocatorSetting {
  const userValue = env[BFC_ALLOCATOR_ENV];
  if (userValue === undefined) env[BFC_ALLOCATOR_ENV] = 'true';
  if (env.TF_ENABLE_ONEDNN_OPTS === undefined) env.TF_ENABLE_ONEDNN_OPTS = '0';
  if (!verbose && env.TF_CPP_MIN_LOG_LEVEL === undefined) env.TF_CPP_MIN_LOG_LEVEL = '2';
  return allocatorSetting(env[BFC_ALLOCATOR_ENV] as string, userValue === undefined ? 'tl' : 'user');
}

/** How TensorFlow reads the variable: "true" or "1" (any case) turns BFC on. */
export function allocatorSetting(value: string, source: 'tl' | 'user'): AllocatorSetting {
  const on = /^(true|1)$/i.test(value.trim());
  return { allocator: on ? 'bfc' : 'default', source, value };
}
