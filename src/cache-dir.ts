// Where tl keeps its caches (native library, downloaded models, activations): one root, one rule.
import * as os from 'os';
import * as path from 'path';

/** $TL_CACHE_DIR, else $XDG_CACHE_HOME/tl, else ~/.cache/tl. Pure: pass env and home for tests. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  if (env.TL_CACHE_DIR) return path.resolve(env.TL_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return path.join(path.resolve(env.XDG_CACHE_HOME), 'tl');
  return path.join(home, '.cache', 'tl');
}

/** A named area under the cache root: 'native', 'models', 'activations'. */
export function cacheArea(area: 'native' | 'models' | 'activations', env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), area);
}
