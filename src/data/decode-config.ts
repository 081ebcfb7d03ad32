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
}

export function defaultDecodeConfig(): DecodeConfig {
  return { maxPixels: 64_000_000, background: { r: 0, g: 0, b: 0 }, failOn: 'warning' };
}

/** Formats sharp reports that we accept (avif is reported as heif). SVG, PDF and friends are refused. */
export const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif']);
