// How the CLI talks to people and scripts: colour only on a terminal, progress bars on a
// terminal, plain lines otherwise, and a single JSON object on stdout with --json.
import chalk from 'chalk';
import type { SingleBar } from 'cli-progress';

export interface OutputOptions {
  json: boolean;
  verbose: boolean;
  /** Defaults to process.stdout.isTTY; tests pass false. */
  isTTY?: boolean;
}

/** A progress handle; on a non-terminal each update is a plain line at most every few seconds. */
export interface Progress {
  update(done: number, fields?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(finalLine?: string): void;
}

const PLAIN_PROGRESS_INTERVAL_MS = 5000;

export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly isTTY: boolean;
  readonly color: boolean;
  private readonly chalk: chalk.Chalk;

  constructor(opts: OutputOptions) {
    this.json = opts.json;
    this.verbose = opts.verbose;
    this.isTTY = opts.isTTY ?? Boolean(process.stdout.isTTY);
    // NO_COLOR (any value) always wins; colour only when a person is looking.
    this.color = this.isTTY && !('NO_COLOR' in process.env);
    this.chalk = new chalk.Instance({ level: this.color ? 1 : 0 });
  }

  get c(): chalk.Chalk {
    return this.chalk;
  }

  /** True when progress() draws live bars (a terminal, not --json); false: throttled plain lines. */
  get liveBars(): boolean {
    return this.isTTY && !this.json && Boolean(process.stderr.isTTY);
  }

  /** Human-readable line. With --json it goes to stderr so stdout stays one JSON object. */
  info(line: string): void {
    (this.json ? process.stderr : process.stdout).write(line + '\n');
  }

  /** Extra detail shown with --verbose only. */
  debug(line: string): void {
    if (this.verbose) process.stderr.write(this.chalk.gray(line) + '\n');
  }

  warn(line: string): void {
    process.stderr.write(this.chalk.yellow('warning: ') + line + '\n');
  }

  /** The one JSON result of a command (only with --json). */
  result(value: unknown): void {
    process.stdout.write(JSON.stringify(value) + '\n');
  }

  /**
   * A progress bar for long work. On a terminal (and not --json) a cli-progress bar on
   * stderr; otherwise plain lines on stderr, throttled, so logs of batch runs stay short.
   */
  progress(label: string, total: number, format?: string): Progress {
    if (this.liveBars) {
      // Required lazily: only commands that show a bar pay for loading it.
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const cliProgress = require('cli-progress') as typeof import('cli-progress');
      const bar: SingleBar = new cliProgress.SingleBar(
        {
          format: format ?? `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} {extra}`,
          hideCursor: true,
          clearOnComplete: false,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { extra: '' });
      return {
        update: (done, fields) => bar.update(done, { extra: fields ? formatFields(fields) : '', ...fields }),
        setTotal: (t) => bar.setTotal(t),
        stop: (finalLine) => {
          bar.stop();
          if (finalLine) process.stderr.write(finalLine + '\n');
        },
      };
    }
    let lastPrinted = 0;
    let currentTotal = total;
    let completionPrinted = false;
    return {
      update: (done, fields) => {
        const now = Date.now();
        // One line per interval, plus the line that reaches the total, once: updates past the
        // total (a download larger than announced) must not print a line each.
        const completes = done >= currentTotal && !completionPrinted;
        if (now - lastPrinted < PLAIN_PROGRESS_INTERVAL_MS && !completes) return;
        if (done >= currentTotal) completionPrinted = true;
        lastPrinted = now;
        process.stderr.write(`${label}: ${done}/${currentTotal}${fields ? ' ' + formatFields(fields) : ''}\n`);
      },
      setTotal: (t) => {
        if (t !== currentTotal) completionPrinted = false;
        currentTotal = t;
      },
      stop: (finalLine) => {
        if (finalLine) process.stderr.write(finalLine + '\n');
      },
    };
  }
}

export function formatFields(fields: Record<string, string | number>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : v}`)
    .join(' ');
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4);
}
