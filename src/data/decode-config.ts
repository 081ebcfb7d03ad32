// Settings shared by probing (header checks) and decoding with sharp. No sharp import here,
// so pure modules and the CLI can read the defaults without loading native code.

export interface DecodeConfig {
  /**
   * Largest accepted image, in pixels (width x height): the decompression-bomb guard.
   * 64 megapixels covers any camera photo (8000x8000) and costs at most ~256 MB to decode as RGBA.
   */
  maxPixels: number;
  /** Colour under transparent pixels and around `contain` letterboxes (0..255 per channel). */
  background: { r: number; g: number; b: number };
  /**
   * sharp's strictness: 'warning' refuses truncated or corrupt pixel data instead of silently
   * returning grey blocks; that is what we want for training data.
   */
  failOn: 'truncated' | 'error' | 'warning';
  /**
   * Largest file read as an image, in bytes: the guard against a huge or endless input (a 64
   * megapixel photo is well under 64 MiB as JPEG or PNG). Files over it are skipped.
   */
  maxBytes: number;
}

/** 64 MiB; `--max-image-bytes` raises it up to MAX_IMAGE_BYTES_CEILING. */
export const DEFAULT_MAX_IMAGE_BYTES = 64 * 2 ** 20;
/** 2 GiB: a Node Buffer's practical limit, and far beyond any image worth decoding. */
export const MAX_IMAGE_BYTES_CEILING = 2 * 2 ** 30;

let maxImageBytes = DEFAULT_MAX_IMAGE_BYTES;

/**
 * Sets the per-file byte limit every later read uses (the CLI's --max-image-bytes). A process
 * setting, like sharp's concurrency: it applies to data loading, decoding and prediction alike.
 */
export function configureImageLimits(limits: { maxBytes?: number }): void {
  if (limits.maxBytes !== undefined) {
    if (!(Number.isInteger(limits.maxBytes) && limits.maxBytes > 0 && limits.maxBytes <= MAX_IMAGE_BYTES_CEILING)) {
      throw new RangeError(`maxBytes must be an integer from 1 to ${MAX_IMAGE_BYTES_CEILING}`);
    }
    maxImageBytes = limits.maxBytes;
  }
}

export function defaultDecodeConfig(): DecodeConfig {
  return { maxPixels: 64_000_000, background: { r: 0, g: 0, b: 0 }, failOn: 'warning', maxBytes: maxImageBytes };
}

/** Formats sharp reports that we accept (avif is reported as heif). SVG, PDF and friends are refused. */
export const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif']);
