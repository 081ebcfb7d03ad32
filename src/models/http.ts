// A small HTTP(S) GET client for model downloads: redirects, proxies from the environment,
// connect and idle timeouts, byte counting and hashing while streaming to a file. Not a general client.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import { once } from 'events';
import { finished } from 'stream/promises';
import * as tls from 'tls';

export interface GetOptions {
  /** Give up if no TCP connection is made within this time (ms). */
  connectTimeoutMs?: number;
  /** Give up if the socket stays silent this long once connected (ms). */
  idleTimeoutMs?: number;
  maxRedirects?: number;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_GET_OPTIONS: Required<Omit<GetOptions, 'env'>> = {
  connectTimeoutMs: 10_000, // a reachable host answers in well under a second; fail fast offline
  idleTimeoutMs: 30_000,
  maxRedirects: 5,
};

/** A failed fetch; `url` is the address that failed (after redirects). */
export class FetchError extends Error {
  constructor(readonly url: string, message: string, readonly status?: number) {
    super(message);
    this.name = 'FetchError';
  }
}

/** A response bigger than the caller allows: reading stopped at the limit. */
export class ResponseTooLargeError extends FetchError {
  constructor(url: string, message: string, readonly limit: number) {
    super(url, message);
    this.name = 'ResponseTooLargeError';
  }
}

/** The server went silent for longer than the idle timeout (before or during the body). */
class IdleTimeoutError extends Error {}

const bytes = (n: number) => `${n} byte${n === 1 ? '' : 's'}`;

/** Loopback hosts never go through a proxy: a remote proxy cannot reach this machine's loopback. */
function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

/** The proxy to use for `target`, from HTTPS_PROXY / HTTP_PROXY (any case), honouring NO_PROXY. */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  if (isLoopback(target.hostname)) return undefined;
  const pick = (name: string) => env[name] ?? env[name.toLowerCase()];
  const noProxy = (pick('NO_PROXY') ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const host = target.hostname.toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const entry of noProxy) {
    if (entry === '*') return undefined;
    const [entryHost, entryPort] = entry.split(':');
    if (entryPort && entryPort !== port) continue;
    const suffix = entryHost.replace(/^\*?\./, '');
    if (host === suffix || host.endsWith('.' + suffix)) return undefined;
  }
  const raw = target.protocol === 'https:' ? pick('HTTPS_PROXY') : pick('HTTP_PROXY');
  if (!raw) return undefined;
  try {
    return new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    return undefined;
  }
}

function proxyAuthHeader(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const cred = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'Proxy-Authorization': `Basic ${Buffer.from(cred).toString('base64')}` };
}

/** Opens a CONNECT tunnel through an HTTP proxy to host:port, then TLS over it. */
function tunnelTls(proxy: URL, target: URL, connectTimeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const port = target.port || '443';
    const req = http.request({
      host: proxy.hostname,
      port: proxy.port || 80,
      method: 'CONNECT',
      path: `${target.hostname}:${port}`,
      headers: { Host: `${target.hostname}:${port}`, ...proxyAuthHeader(proxy) },
    });
    const timer = setTimeout(() => req.destroy(new Error(`proxy ${proxy.host} did not open a tunnel within ${connectTimeoutMs} ms`)), connectTimeoutMs);
    req.once('connect', (res, socket) => {
      clearTimeout(timer);
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`proxy ${proxy.host} refused the tunnel: HTTP ${res.statusCode}`));
        return;
      }
      resolve(tls.connect({ socket, servername: net.isIP(target.hostname) ? undefined : target.hostname }));
    });
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

/** One request, no redirects. Resolves with the response whatever its status. */
function requestOnce(url: URL, opts: Required<Omit<GetOptions, 'env'>>, env: NodeJS.ProcessEnv): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const proxy = proxyFor(url, env);
    const headers: Record<string, string> = { 'User-Agent': 'tl (model download)', Accept: '*/*' };
    let req: http.ClientRequest;
    if (url.protocol === 'http:' && proxy) {
      // Plain HTTP through a proxy: send the absolute URL to the proxy.
      req = http.request({ host: proxy.hostname, port: proxy.port || 80, path: url.href, headers: { ...headers, Host: url.host, ...proxyAuthHeader(proxy) } });
    } else if (url.protocol === 'https:' && proxy) {
      req = https.request(url, {
        headers,
        agent: false,
        // Node calls this with a callback and waits for it when nothing is returned.
        createConnection: ((_o: unknown, cb: (err: Error | null, s?: net.Socket) => void) => {
          tunnelTls(proxy, url, opts.connectTimeoutMs).then((s) => cb(null, s), (e: Error) => cb(e));
          return undefined;
        }) as unknown as https.RequestOptions['createConnection'],
      });
    } else {
      req = (url.protocol === 'https:' ? https : http).request(url, { headers });
    }
    req.on('socket', (socket: net.Socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(
        () => req.destroy(new Error(`no connection to ${proxy ? `proxy ${proxy.host}` : url.host} within ${opts.connectTimeoutMs} ms`)),
        opts.connectTimeoutMs,
      );
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    // Once the response is there, its body stream must fail with the timeout itself: destroying
    // only the request would surface as a bare "aborted".
    let response: http.IncomingMessage | undefined;
    req.setTimeout(opts.idleTimeoutMs, () => {
      const err = new IdleTimeoutError(`no data from ${url.host} for ${opts.idleTimeoutMs / 1000} s`);
      if (response) response.destroy(err);
      else req.destroy(err);
    });
    req.once('response', (res) => resolve((response = res)));
    // 'on', not 'once': a socket error after the response is also emitted here, and must not go unhandled.
    req.on('error', reject);
    req.end();
  });
}

/** Defaults for every option left out or given as undefined. */
function withDefaults(options: GetOptions): Required<Omit<GetOptions, 'env'>> {
  return {
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_GET_OPTIONS.connectTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_GET_OPTIONS.idleTimeoutMs,
    maxRedirects: options.maxRedirects ?? DEFAULT_GET_OPTIONS.maxRedirects,
  };
}

/** GET following redirects; resolves with a 200 response and the final URL, else FetchError. */
export async function get(urlText: string, options: GetOptions = {}): Promise<{ res: http.IncomingMessage; url: string }> {
  const opts = withDefaults(options);
  const env = options.env ?? process.env;
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new FetchError(urlText, `'${urlText}' is not a valid URL`);
  }
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchError(url.href, `unsupported protocol ${url.protocol}`);
    let res: http.IncomingMessage;
    try {
      res = await requestOnce(url, opts, env);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e instanceof IdleTimeoutError) throw new FetchError(url.href, `timed out: ${e.message}`);
      throw new FetchError(url.href, e.code ? `${e.code} ${e.message}` : e.message);
    }
    const status = res.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
      res.resume();
      if (hop >= opts.maxRedirects) throw new FetchError(url.href, `more than ${opts.maxRedirects} redirects`);
      try {
        url = new URL(res.headers.location, url);
      } catch {
        throw new FetchError(url.href, `redirected to an invalid URL '${res.headers.location}'`);
      }
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new FetchError(url.href, `HTTP ${status}${res.statusMessage ? ' ' + res.statusMessage : ''}`, status);
    }
    return { res, url: url.href };
  }
}

/** Refuses a response whose Content-Length already says it is larger than `maxBytes`. */
function checkDeclaredLength(res: http.IncomingMessage, maxBytes: number, url: string): void {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw new ResponseTooLargeError(url, `response of ${declared} bytes (Content-Length) is more than ${maxBytes} bytes`, maxBytes);
  }
}

/** The error for a body that broke off after `received` bytes (a timeout says so, with its length). */
function interrupted(err: unknown, url: string, received: number): FetchError {
  if (err instanceof FetchError) return err;
  if (err instanceof IdleTimeoutError) return new FetchError(url, `timed out after ${bytes(received)}: ${err.message}`);
  return new FetchError(url, `download interrupted after ${bytes(received)}: ${(err as Error).message}`);
}

/** Reads a whole (small) response body into memory, refusing more than maxBytes. */
export async function getBuffer(urlText: string, maxBytes: number, options: GetOptions = {}): Promise<{ body: Buffer; url: string }> {
  const { res, url } = await get(urlText, options);
  checkDeclaredLength(res, maxBytes, url);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) {
        res.destroy();
        throw new ResponseTooLargeError(url, `response is more than ${maxBytes} bytes`, maxBytes);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw interrupted(err, url, total);
  }
  checkContentLength(res, total, url);
  return { body: Buffer.concat(chunks), url };
}

/**
 * Streams a response into `file`, hashing as it goes; onBytes gets each chunk's length. With
 * `maxBytes`, a larger response fails (ResponseTooLargeError) and no more than that is written.
 */
export async function getToFile(
  urlText: string,
  file: string,
  onBytes: (n: number) => void,
  options: GetOptions & { maxBytes?: number } = {},
): Promise<{ bytes: number; sha256: string; url: string }> {
  const maxBytes = options.maxBytes ?? Infinity;
  const { res, url } = await get(urlText, options);
  checkDeclaredLength(res, maxBytes, url);
  const hash = crypto.createHash('sha256');
  const out = fs.createWriteStream(file);
  // A file error must not become an uncaught 'error' event: keep it and fail the download.
  let fileError: Error | undefined;
  out.on('error', (e) => (fileError ??= e));
  let total = 0;
  try {
    for await (const chunk of res) {
      const buf = chunk as Buffer;
      if (total + buf.length > maxBytes) {
        res.destroy();
        throw new ResponseTooLargeError(url, `response is more than ${maxBytes} bytes; stopped reading there`, maxBytes);
      }
      total += buf.length;
      hash.update(buf);
      onBytes(buf.length);
      if (fileError) throw fileError;
      // events.once removes its 'drain' and 'error' listeners whichever fires: none pile up per chunk.
      if (!out.write(buf)) await once(out, 'drain');
    }
    if (fileError) throw fileError;
  } catch (err) {
    // Under load the file may still be opening or have writes queued when the body breaks off:
    // wait until it is closed, so the caller's clean-up of its directory cannot race the open.
    out.destroy();
    await finished(out).catch(() => undefined);
    if (err === fileError) throw err; // names the file (e.g. "ENOENT: ..., open '<file>'")
    throw interrupted(err, url, total);
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  checkContentLength(res, total, url);
  return { bytes: total, sha256: hash.digest('hex'), url };
}

function checkContentLength(res: http.IncomingMessage, received: number, url: string): void {
  const declared = res.headers['content-length'];
  if (declared !== undefined && Number(declared) !== received) {
    throw new FetchError(url, `truncated download: received ${received} of ${declared} bytes`);
  }
}
