// Loads @tensorflow/tfjs-node once, quietly, and refuses to run on anything but the native backend.
// Provisioning (getting the native library in place) lives in provision.ts; this file only loads.
import { NativeBackendError } from '../errors';
import { tensorFlowEnv, type AllocatorSetting } from './tf-env';
import { locateTfjsNode } from './package-place';

export type Tf = typeof import('@tensorflow/tfjs-node');

let loaded: Tf | undefined;
let allocator: AllocatorSetting | undefined;

export interface LoadOptions {
  /** Show TensorFlow's C++ start-up logs (oneDNN, cpu_feature_guard). */
  verbose?: boolean;
}

/** Environment variable that allows the pure-JS backend for debugging only. */
export const ALLOW_JS_BACKEND_ENV = 'TL_ALLOW_JS_BACKEND';

export const PROVISION_HINT =
  'Run `tl setup` (in a clone: `node bin/tl setup`) to provision the native TensorFlow library (see README, "How the native backend is installed").';

/**
 * Returns the tfjs-node module with the `tensorflow` backend active. Throws
 * NativeBackendError (never falls back to JS) unless TL_ALLOW_JS_BACKEND=1.
 */
export function loadTf(opts: LoadOptions = {}): Tf {
  if (loaded) return loaded;
  allocator = tensorFlowEnv(process.env, Boolean(opts.verbose));
  try {
    // tl's copy in the user cache (install folder not writable) is required by path; otherwise by
    // name, as Node finds it from tl (tests map that name to one shared instance).
    const found = locateTfjsNode();
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    loaded = (found?.place === 'user-cache' ? require(found.pkgDir) : require('@tensorflow/tfjs-node')) as Tf;
  } catch (err) {
    if (process.env[ALLOW_JS_BACKEND_ENV] === '1') {
      process.emitWarning(
        `native TensorFlow backend unavailable (${(err as Error).message.split('\n')[0]}); ` +
          `${ALLOW_JS_BACKEND_ENV}=1 is set, so running on the slow pure-JS CPU backend`,
      );
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const tfjs = require('@tensorflow/tfjs') as Tf;
      loaded = tfjs;
      return tfjs;
    }
    throw new NativeBackendError(
      `the native TensorFlow backend could not be loaded: ${(err as Error).message.split('\n')[0]}`,
      PROVISION_HINT,
    );
  }
  const backend = loaded.getBackend();
  if (backend !== 'tensorflow') {
    throw new NativeBackendError(`expected the native 'tensorflow' backend, got '${backend}'`, PROVISION_HINT);
  }
  return loaded;
}

/** The TensorFlow C library version reported by the loaded binding, e.g. "2.21.0". */
export function tensorflowVersion(tf: Tf): string {
  const backend = tf.backend() as unknown as { binding?: { TF_Version?: string } };
  return backend.binding?.TF_Version ?? 'unknown';
}

/** The CPU allocator the loaded TensorFlow was started with (undefined before loadTf). */
export function loadedAllocator(): AllocatorSetting | undefined {
  return allocator;
}
