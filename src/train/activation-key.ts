// The activation cache's key rules: what makes two activations interchangeable (base, cut,
// input, model weights), the folder name a key maps to, and the file of one image's row.
// transfer (pipeline/activation-store.ts) and evaluate (pipeline/frozen-part.ts) both key through here.
import * as crypto from 'crypto';
import * as path from 'path';
import type * as tfTypes from '@tensorflow/tfjs-node';
import type { InputSpec } from '../data/types';
import { canonicalJson } from '../canonical-json';

/** What makes two activations interchangeable besides the image content. */
export interface ActivationKey {
  /** The caller's identity of the base, e.g. "zoo:mobilenet-v2-nsfwjs@1" or a run dir's model hash. */
  base: string;
  /** The layer whose output is cached (the cut point). */
  cutLayer: string;
  /** Input size, channels, resize mode and preprocessing: all change the pixels fed to the base. */
  input: InputSpec;
  /** Anything else that changes decoded pixels, e.g. the decoder's version. */
  extra?: string;
}

/**
 * The one rule for the identity of a base in activation-cache keys: `${source}|${name}` of the
 * resolved base (its weights are fingerprinted separately). transfer writes with it and
 * evaluate reads with it; if they disagreed, evaluate would silently stop finding the cache.
 */
export function baseCacheIdentity(info: { source: string; name: string }): string {
  return `${info.source}|${info.name}`;
}

/** A layer's config without what does not change its output (names are numbered per process). */
function outputRelevantConfig(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(outputRelevantConfig);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k !== 'name' && k !== 'trainable') out[k] = outputRelevantConfig(v);
    }
    return out;
  }
  return value;
}

/**
 * sha256 over the model's layers (class and config, minus names and trainable flags) and
 * weight values: it changes whenever the model's output could, and not when tfjs renames.
 */
export function modelFingerprint(model: tfTypes.LayersModel): string {
  const h = crypto.createHash('sha256');
  for (const layer of model.layers) {
    h.update(`${layer.getClassName()}:${canonicalJson(outputRelevantConfig(layer.getConfig()))};`);
  }
  for (const w of model.weights) {
    const t = w.read();
    h.update(`${t.shape.join('x')}:`);
    const d = t.dataSync();
    h.update(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  return h.digest('hex');
}

/** The directory name for a key: a hash of its canonical JSON (plus the weights fingerprint). */
export function activationKeyId(key: ActivationKey, fingerprint?: string): string {
  const canonical = canonicalJson({ v: 1, base: key.base, cutLayer: key.cutLayer, input: key.input, extra: key.extra ?? '', fingerprint: fingerprint ?? '' });
  return crypto.createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

export function entryPath(dir: string, hash: string): string {
  // Content hashes are hex from the data room; anything else is re-hashed into a safe name.
  const name = /^[0-9a-f]{16,128}$/i.test(hash) ? hash.toLowerCase() : crypto.createHash('sha256').update(hash).digest('hex');
  return path.join(dir, name.slice(0, 2), `${name}.f32`);
}
