// Headless Chromium driven over the DevTools protocol, for the browser tests. Node 20 has no
// WebSocket client without --experimental-websocket, so this holds a minimal one (RFC 6455:
// masked client frames, fragmented and extended-length server frames, ping/pong, close).
import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { Socket } from 'net';

export const CHROMIUM = process.env.TL_CHROMIUM ?? '/usr/bin/chromium';

/** Flags measured to work on this machine (no GPU, no sandbox, no network beyond localhost). */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--remote-debugging-port=0',
  '--window-size=1200,900',
];

class WebSocketClient {
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  onMessage: (text: string) => void = () => undefined;
  onClose: () => void = () => undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.receive(d));
    socket.on('close', () => this.onClose());
    socket.on('error', () => this.onClose());
  }

  static connect(url: string): Promise<WebSocketClient> {
    const u = new URL(url);
    const key = crypto.randomBytes(16).toString('base64');
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: u.hostname,
        port: Number(u.port),
        path: u.pathname + u.search,
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13' },
      });
      req.on('upgrade', (res, socket, head) => {
        const expected = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
        if (res.headers['sec-websocket-accept'] !== expected) {
          socket.destroy();
          reject(new Error('WebSocket handshake: bad Sec-WebSocket-Accept'));
          return;
        }
        const ws = new WebSocketClient(socket);
        if (head.length) ws.receive(head);
        resolve(ws);
      });
      req.on('response', (res) => reject(new Error(`WebSocket handshake refused: HTTP ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
  }

  send(text: string): void {
    this.sendFrame(0x1, Buffer.from(text, 'utf8'));
  }

  close(): void {
    try {
      this.sendFrame(0x8, Buffer.alloc(0));
    } catch {
      /* already closed */
    }
    this.socket.end();
  }

  private sendFrame(opcode: number, payload: Buffer): void {
    const mask = crypto.randomBytes(4);
    const n = payload.length;
    const header = n < 126 ? Buffer.alloc(2) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    if (n < 126) header[1] = 0x80 | n;
    else if (n < 65536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(n, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(n), 2);
    }
    const masked = Buffer.alloc(n);
    for (let i = 0; i < n; i++) masked[i] = payload[i] ^ mask[i & 3];
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const b0 = this.buffer[0];
      const b1 = this.buffer[1];
      let len = b1 & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (this.buffer.length < 4) return;
        len = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (this.buffer.length < 10) return;
        len = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const maskKey = masked ? this.buffer.subarray(offset, offset + 4) : undefined;
      if (masked) offset += 4;
      if (this.buffer.length < offset + len) return;
      const payload = Buffer.from(this.buffer.subarray(offset, offset + len));
      if (maskKey) for (let i = 0; i < payload.length; i++) payload[i] ^= maskKey[i & 3];
      this.buffer = this.buffer.subarray(offset + len);
      const opcode = b0 & 0x0f;
      const fin = (b0 & 0x80) !== 0;
      if (opcode === 0x9) this.sendFrame(0xa, payload);
      else if (opcode === 0x8) this.socket.end();
      else if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
        this.fragments.push(payload);
        if (fin) {
          const text = Buffer.concat(this.fragments).toString('utf8');
          this.fragments = [];
          this.onMessage(text);
        }
      }
    }
  }
}

interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

/** A browser connection; page commands go to a session from newPage() (flattened sessions). */
export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }>();
  private readonly listeners: ((e: CdpEvent) => void)[] = [];

  private constructor(private readonly proc: ChildProcess, private readonly ws: WebSocketClient, private readonly userDataDir: string) {
    ws.onMessage = (text) => {
      const msg = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string } } & Partial<CdpEvent>;
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
        else p.resolve(msg.result);
      } else if (msg.method) {
        for (const l of this.listeners) l(msg as CdpEvent);
      }
    };
    ws.onClose = () => {
      for (const p of this.pending.values()) p.reject(new Error(`${p.method}: browser connection closed`));
      this.pending.clear();
    };
  }

  static async launch(timeoutMs = 180000): Promise<Browser> {
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-chromium-'));
    const proc = spawn(CHROMIUM, [...CHROMIUM_FLAGS, `--user-data-dir=${userDataDir}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const wsUrl = await new Promise<string>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`chromium did not report a DevTools endpoint within ${timeoutMs} ms:\n${err.slice(-2000)}`)), timeoutMs);
      proc.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`chromium exited (${code}) before DevTools was ready:\n${err.slice(-2000)}`));
      });
    });
    const ws = await WebSocketClient.connect(wsUrl);
    return new Browser(proc, ws, userDataDir);
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  on(listener: (e: CdpEvent) => void): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  /** A new tab with Page, Runtime, Log and Network events on; collects problems and requests. */
  async newPage(): Promise<Page> {
    const { targetId } = await this.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, sessionId);
    await Promise.all(['Page.enable', 'Runtime.enable', 'Log.enable', 'Network.enable'].map((m) => this.send(m, {}, sessionId)));
    return page;
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 3000))]);
    } catch {
      /* it may already be gone */
    }
    this.ws.close();
    if (this.proc.exitCode === null) {
      // Wait for the exit even after SIGKILL: a profile removed under a live browser refills.
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
        this.proc.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    // Chromium's helper processes can still write into the profile for a moment after the main
    // process exits (a fresh-clone run failed here with ENOTEMPTY): retry rather than fail the suite.
    fs.rmSync(this.userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
  }
}

export class Page {
  /** console.error calls, uncaught exceptions and error log entries (e.g. failed loads) */
  readonly problems: string[] = [];
  /** every URL the page requested */
  readonly requests: string[] = [];
  private loadWaiters: (() => void)[] = [];

  constructor(private readonly browser: Browser, readonly sessionId: string) {
    browser.on((e) => {
      if (e.sessionId !== sessionId) return;
      const p = e.params as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      if (e.method === 'Runtime.exceptionThrown') this.problems.push(`exception: ${p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text}`);
      else if (e.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert')) {
        this.problems.push(`console.${p.type}: ${(p.args ?? []).map((a: { value?: unknown; description?: string }) => a.value ?? a.description).join(' ')}`);
      } else if (e.method === 'Log.entryAdded' && p.entry?.level === 'error') this.problems.push(`log: ${p.entry.text} ${p.entry.url ?? ''}`);
      else if (e.method === 'Network.requestWillBeSent') this.requests.push(p.request?.url);
      else if (e.method === 'Network.loadingFailed') this.problems.push(`load failed: ${p.errorText}`);
      else if (e.method === 'Page.loadEventFired') {
        this.loadWaiters.splice(0).forEach((w) => w());
      }
    });
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.browser.send<T>(method, params, this.sessionId);
  }

  /** Navigates and waits for the load event. */
  async goto(url: string, timeoutMs = 180000): Promise<void> {
    const loaded = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`page did not load within ${timeoutMs} ms: ${url}`)), timeoutMs);
      this.loadWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
    const nav = await this.send<{ errorText?: string }>('Page.navigate', { url });
    if (nav.errorText) throw new Error(`navigation to ${url} failed: ${nav.errorText}`);
    await loaded;
  }

  /** Evaluates an expression (awaiting a returned promise) and returns its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send<{ result: { value?: T }; exceptionDetails?: { exception?: { description?: string }; text: string } }>('Runtime.evaluate', {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** PNG screenshot of the whole page (beyond the viewport). */
  async screenshot(): Promise<Buffer> {
    const { data } = await this.send<{ data: string }>('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
    return Buffer.from(data, 'base64');
  }
}
