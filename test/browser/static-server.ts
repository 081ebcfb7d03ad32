// A localhost HTTP server for browser tests: URL prefixes mapped to files or folders, nothing else.
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { AddressInfo } from 'net';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.png': 'image/png' };

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * routes: exact URL -> file, or a prefix ending in '/' -> folder. Query strings are ignored;
 * '..' in a path is refused, anything unmapped is 404.
 */
export async function serveStatic(routes: Record<string, string>): Promise<StaticServer> {
  const resolveUrl = (url: string): string | undefined => {
    if (url.includes('..')) return undefined;
    if (routes[url] && !url.endsWith('/')) return routes[url];
    const prefix = Object.keys(routes).filter((p) => p.endsWith('/') && url.startsWith(p)).sort((a, b) => b.length - a.length)[0];
    if (prefix === undefined) return undefined;
    const rest = url.slice(prefix.length);
    return rest === '' ? undefined : path.join(routes[prefix], rest);
  };
  const server = http.createServer((req, res) => {
    const file = resolveUrl(decodeURIComponent((req.url ?? '/').split('?')[0]));
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections(); // Chromium keeps connections alive
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs `fn` with a server on `routes`, closing it afterwards whatever happens. */
export async function withServer<T>(routes: Record<string, string>, fn: (server: StaticServer) => Promise<T>): Promise<T> {
  const server = await serveStatic(routes);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}
