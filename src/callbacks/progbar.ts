// ProgbarLogger: Keras 2.x's training progress output for a terminal. `Epoch 3/30`, then
//   verbose 1, TTY:     a live bar redrawn in place with '\r' (at most every `interval` ms):
//                       `123/375 [=========>....................] - ETA: 1s - loss: 0.3012`
//                       finished as `375/375 [==============================] - 1s 3ms/step - loss: ...`
//   verbose 1, not TTY: only that finished line, one per epoch (no '\r' noise in CI logs or pipes)
//   verbose 2:          one line per epoch: `375/375 - 1s - loss: ... - 1s/epoch - 3ms/step`
//   verbose 0:          nothing.
// In a browser (no process.stdout: the default writer is the console) verbose 1 and 2 write ONE
// console line per epoch, the header joined to the verbose-2 summary:
//   `Epoch 3/30 - 375/375 - 1s - loss: ... - 1s/epoch - 3ms/step`
// (tfjs prints nothing by default; verbose 0 does that here.)
// What a user's callbacks print never lands between an epoch's `Epoch i/n` header and its
// progress line: without a TTY the header is written together with the finished line; on a TTY
// the live header and bar are erased before any other write to the terminal (console.log,
// process.stdout/stderr.write) and drawn again below it, so that output appears above them.
// Output goes through an injectable Writer (process.stdout in Node, console.log in a browser).
import { checkOptions } from '../utils/options.js';
import { Callback } from './callback.js';
import type { Logs, TrainParams } from './types.js';

/** Where the progress bar writes; `isTTY` selects in-place redrawing. */
export interface Writer {
  /** Writes `text` as is (it brings its own '\r' and '\n'), as process.stdout.write. */
  write(text: string): void;
  /** A terminal: the live bar is redrawn in place with '\r'. */
  isTTY?: boolean;
  /**
   * A line-oriented console (a browser's, the default there): ProgbarLogger writes one line per
   * epoch, `Epoch i/n - ` followed by the verbose-2 summary, and nothing per batch.
   */
  console?: boolean;
  /** Terminal width in characters (to erase a wrapped bar); 80 when absent. */
  columns?: number;
  /**
   * Terminal only: calls `onOther(text)` just before anything else writes `text` to the same
   * terminal (a user's console.log), until the returned function is called. ProgbarLogger uses
   * it to move its live header and bar below such output.
   */
  watchOthers?(onOther: (text: string) => void): () => void;
}

/** Options of ProgbarLogger and Progbar. */
export interface ProgbarLoggerOptions {
  /** Defaults to `process.stdout` in Node, else a line-buffered `console.log` (see defaultWriter). */
  writer?: Writer;
  /** Overrides `params.verbose` (0, 1 or 2). */
  verbose?: 0 | 1 | 2;
  /** Least milliseconds between two redraws of the live bar (Keras: 50). */
  interval?: number;
  /** Bar width in characters (Keras: 30). */
  width?: number;
  /** Clock in milliseconds (tests inject a fake one); defaults to `performance.now`. */
  now?: () => number;
}

type WriteFn = (chunk: unknown, ...rest: unknown[]) => boolean;
interface NodeStream {
  write: WriteFn;
  isTTY?: boolean;
  columns?: number;
}

/**
 * The default writer: process.stdout in Node (a terminal when it is a TTY), else a
 * line-buffered console.log marked `console` (one line per epoch from ProgbarLogger).
 */
export function defaultWriter(): Writer {
  const p = (globalThis as { process?: { stdout?: NodeStream; stderr?: NodeStream } }).process;
  const out = p?.stdout;
  if (out && typeof out.write === 'function') {
    let own = false;
    return {
      write: (s: string) => {
        own = true;
        try {
          out.write(s);
        } finally {
          own = false;
        }
      },
      get isTTY() {
        return out.isTTY === true;
      },
      get columns() {
        return out.columns;
      },
      watchOthers(onOther: (text: string) => void): () => void {
        // process.stdout and a stderr that shows on the same terminal (console.error, warn).
        const streams = [out, p?.stderr].filter((x): x is NodeStream => !!x && x.isTTY === true);
        const saved = streams.map((st) => {
          const orig = st.write;
          const hooked: WriteFn = function (this: unknown, chunk, ...rest) {
            if (!own) onOther(typeof chunk === 'string' ? chunk : String(chunk ?? ''));
            return orig.call(st, chunk, ...rest);
          };
          st.write = hooked;
          return { st, orig, hooked };
        });
        return () => {
          // Restore only what is still ours (someone may have wrapped it since).
          for (const { st, orig, hooked } of saved) if (st.write === hooked) st.write = orig;
        };
      },
    };
  }
  let pending = '';
  return {
    isTTY: false,
    console: true,
    write(s: string) {
      pending += s;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        console.log(pending.slice(0, nl).replace(/^.*\r/, ''));
        pending = pending.slice(nl + 1);
      }
    },
  };
}

/**
 * Python's '%.{digits}f': like toFixed, but an exact tie rounds to even (Python formats the exact
 * binary value, so 0.125 -> '0.12' where toFixed gives '0.13').
 */
export function pyFixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  const a = Math.abs(x);
  if (!Number.isFinite(x) || a >= 1e21 || digits > 80) return s;
  const exact = a.toFixed(Math.min(100, digits + 60));
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + digits);
  if (!/^50*$/.test(rest)) return s;
  // An exact tie: keep the truncated value when its last digit is even.
  const kept = exact.slice(0, dot + 1 + digits).replace(/\.$/, '');
  const last = Number(kept[kept.length - 1]);
  if (last % 2 === 0) return (x < 0 ? '-' : '') + kept;
  return s;
}

/** Keras' metric value format: 4 decimals, or 4-digit scientific for |v| <= 1e-3. */
export function formatMetricValue(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Math.abs(v) > 1e-3) return pyFixed(v, 4);
  // Python's %.4e writes at least two exponent digits: 1.2340e-04.
  return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Keras' per-unit duration: ` 3ms/step`, ` 12us/step`, ` 2s/epoch` (seconds in). */
export function formatUnitTime(seconds: number, unit: string): string {
  if (seconds >= 1 || seconds === 0) return ` ${Math.round(seconds)}s/${unit}`;
  if (seconds >= 1e-3) return ` ${Math.round(seconds * 1e3)}ms/${unit}`;
  return ` ${Math.round(seconds * 1e6)}us/${unit}`;
}

function formatEta(seconds: number): string {
  const s = Math.floor(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  if (seconds > 3600) return `${Math.floor(s / 3600)}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  if (seconds > 60) return `${Math.floor(s / 60)}:${two(s % 60)}`;
  return `${s}s`;
}

/** Log keys that are bookkeeping, not metrics. */
const HIDDEN = new Set(['batch', 'size', 'num_steps']);

function defaultNow(): () => number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf ? () => perf.now() : () => Date.now();
}

/**
 * One progress bar: Keras' `Progbar` for a known (or unknown, target 0) number of steps.
 * @example
 * const bar = new sg.callbacks.Progbar(100, { verbose: 1 });
 * for (let i = 1; i <= 100; i++) bar.update(i, { loss: 1 / i }, i === 100);
 */
export class Progbar {
  private readonly writer: Writer;
  private readonly verbose: 0 | 1 | 2;
  private readonly interval: number;
  private readonly width: number;
  private readonly now: () => number;
  private readonly start: number;
  private readonly unitName: string;
  private lastUpdate = -Infinity;
  private timeAfterFirstStep: number | null = null;
  private seenSoFar = 0;
  private totalWidth = 0;
  private readonly order: string[] = [];
  private readonly values = new Map<string, number>();

  constructor(
    /** Steps in this bar; 0 when unknown. */
    readonly target: number,
    opts: ProgbarLoggerOptions & { unitName?: string } = {},
  ) {
    this.unitName = opts.unitName ?? 'step';
    this.writer = opts.writer ?? defaultWriter();
    this.verbose = opts.verbose ?? 1;
    this.interval = opts.interval ?? 50;
    this.width = opts.width ?? 30;
    this.now = opts.now ?? defaultNow();
    this.start = this.now();
  }

  /** Shows progress `current` of `target` with these values; `finalize` ends the bar's line. */
  update(current: number, values: Logs = {}, finalize = false): void {
    for (const k of Object.keys(values)) {
      if (HIDDEN.has(k) || typeof values[k] !== 'number') continue;
      if (!this.values.has(k)) this.order.push(k);
      this.values.set(k, values[k]);
    }
    this.seenSoFar = current;
    const nowMs = this.now();
    if (current === 1 && this.timeAfterFirstStep === null) this.timeAfterFirstStep = nowMs;
    const elapsed = (nowMs - this.start) / 1000;
    const known = this.target > 0;
    const tty = this.writer.isTTY === true;

    if (this.verbose === 1) {
      if (!finalize && (!tty || nowMs - this.lastUpdate < this.interval)) return;
      this.lastUpdate = nowMs;
      let bar: string;
      if (known) {
        const digits = Math.floor(Math.log10(this.target)) + 1;
        bar = `${String(current).padStart(digits)}/${this.target} [`;
        const prog = Math.min(current / this.target, 1);
        const progWidth = Math.floor(this.width * prog);
        if (progWidth > 0) bar += '='.repeat(progWidth - 1) + (current < this.target ? '>' : '=');
        bar += '.'.repeat(this.width - progWidth) + ']';
      } else {
        bar = `${String(current).padStart(7)}/Unknown`;
      }
      const perStep = this.stepSeconds(current, nowMs);
      let info = ` - ${Math.round(elapsed)}s`;
      if (!known || finalize) info += formatUnitTime(perStep, this.unitName);
      else info = ` - ETA: ${formatEta(perStep * (this.target - current))}`;
      info += this.metricsText();
      let line = bar + info;
      const prevWidth = this.totalWidth;
      this.totalWidth = line.length;
      if (tty && prevWidth > line.length) line += ' '.repeat(prevWidth - line.length);
      this.writer.write((tty ? '\r' : '') + line + (finalize ? '\n' : ''));
    } else if (this.verbose === 2 && finalize) {
      const count = known
        ? `${String(current).padStart(Math.floor(Math.log10(this.target)) + 1)}/${this.target}`
        : `${current}/Unknown`;
      let line = `${count} - ${Math.round(elapsed)}s${this.metricsText()}`;
      line += ` -${formatUnitTime(elapsed, 'epoch')}`;
      if (current > 0) line += ` -${formatUnitTime(elapsed / current, this.unitName)}`;
      this.writer.write(line + '\n');
    }
  }

  /** The last `current` given to `update`. */
  get seen(): number {
    return this.seenSoFar;
  }

  private stepSeconds(current: number, nowMs: number): number {
    if (current <= 0) return 0;
    // Keras excludes the first step (often slow: compilation, warm-up) once there are more.
    if (this.timeAfterFirstStep !== null && current > 1) {
      return (nowMs - this.timeAfterFirstStep) / 1000 / (current - 1);
    }
    return (nowMs - this.start) / 1000 / current;
  }

  private metricsText(): string {
    let s = '';
    for (const k of this.order) s += ` - ${k}: ${formatMetricValue(this.values.get(k)!)}`;
    return s;
  }
}

/** The terminal watcher of the ProgbarLogger that started last (see onTrainBegin). */
let activeUnwatch: (() => void) | null = null;

/**
 * Prints Keras' progress output during `fit` (and `evaluate`/`predict` when called on their
 * own). `fit` adds one automatically when `verbose > 0`; its verbosity comes from
 * `params.verbose` unless given here. In a browser (the console writer) it prints one line per
 * epoch. Output of other callbacks never lands between an epoch's header and its progress line.
 * @example
 * // Capture the output instead of printing it:
 * const lines: string[] = [];
 * const logger = sg.callbacks.progbarLogger({ writer: { write: (s) => lines.push(s), isTTY: false } });
 */
export class ProgbarLogger extends Callback {
  private readonly opts: ProgbarLoggerOptions;
  private readonly out: Writer;
  private bar: Progbar | null = null;
  private inFit = false;
  private epochs = 0;
  /** The epoch header not yet written (written with the bar's first output). */
  private pendingHeader = '';
  /** On a TTY: the header and the unfinished bar text now on screen (erasable). */
  private shownHeader = '';
  private shownBar = '';
  /** On a TTY: the header to draw again before the bar's next output (after another's output). */
  private redrawHeader = '';
  private othersEndLine = true;
  private unwatch: (() => void) | null = null;

  constructor(opts: ProgbarLoggerOptions = {}) {
    super();
    if (opts.verbose !== undefined && opts.verbose !== 0 && opts.verbose !== 1 && opts.verbose !== 2) {
      throw new Error(`ProgbarLogger: option 'verbose' must be 0, 1 or 2 but got ${String(opts.verbose)}`);
    }
    this.out = opts.writer ?? defaultWriter();
    // Every write of the bars goes through emit(), which adds the header and tracks the screen.
    this.opts = { ...opts, writer: { write: (s: string) => this.emit(s), isTTY: this.out.isTTY === true } };
  }

  private get verbose(): 0 | 1 | 2 {
    return this.opts.verbose ?? this.params?.verbose ?? 1;
  }

  private get tty(): boolean {
    return this.out.isTTY === true && this.out.console !== true;
  }

  private newBar(target: number): Progbar {
    // The console writes one summary line per epoch (verbose 2's) whatever the verbosity.
    const verbose = this.out.console === true ? 2 : this.verbose;
    return new Progbar(target, { ...this.opts, verbose });
  }

  /** Writes `s` for a bar: first the pending (or erased) header, and keeps track of the screen. */
  private emit(s: string): void {
    let prefix = '';
    if (this.redrawHeader) {
      prefix = (this.othersEndLine ? '' : '\n') + this.redrawHeader;
      this.redrawHeader = '';
      this.shownHeader = prefix.trimStart();
    }
    if (this.pendingHeader) {
      prefix += this.pendingHeader;
      if (this.tty) this.shownHeader = this.pendingHeader;
      this.pendingHeader = '';
    }
    const text = prefix + s;
    this.out.write(text);
    if (!this.tty) return;
    if (s === '') {
      this.shownBar = '';
    } else if (s.endsWith('\n')) {
      this.shownHeader = '';
      this.shownBar = '';
    } else {
      this.shownBar = s.slice(s.lastIndexOf('\r') + 1);
    }
  }

  /** Another write is about to reach the terminal: erase our live header and bar first. */
  private onOther(text: string): void {
    if (this.shownHeader || this.shownBar) {
      const cols = Math.max(1, this.out.columns ?? 80);
      const barRows = this.shownBar ? Math.ceil(this.shownBar.length / cols) : 0;
      let erase = '\r\x1b[2K' + '\x1b[1A\x1b[2K'.repeat(Math.max(0, barRows - 1));
      if (this.shownHeader) erase += '\x1b[1A\x1b[2K'.repeat(Math.ceil((this.shownHeader.length - 1) / cols) || 1);
      this.out.write(erase);
      this.redrawHeader = this.shownHeader;
      this.shownHeader = '';
      this.shownBar = '';
      this.othersEndLine = true;
    }
    if (text.length) this.othersEndLine = text.endsWith('\n');
  }

  override setParams(params: TrainParams): void {
    super.setParams(params);
    this.epochs = params.epochs;
  }

  override onTrainBegin(): void {
    this.inFit = true;
    // One watcher at a time: a fit that threw never reached onTrainEnd to remove its own.
    activeUnwatch?.();
    activeUnwatch = this.unwatch = null;
    if (this.verbose !== 0 && this.tty && this.out.watchOthers) {
      activeUnwatch = this.unwatch = this.out.watchOthers((t) => this.onOther(t));
    }
  }

  override onTrainEnd(): void {
    this.inFit = false;
    this.bar = null;
    this.pendingHeader = '';
    this.redrawHeader = '';
    if (this.unwatch) {
      this.unwatch();
      if (activeUnwatch === this.unwatch) activeUnwatch = null;
      this.unwatch = null;
    }
  }

  override onEpochBegin(epoch: number): void {
    if (this.verbose === 0) return;
    this.redrawHeader = '';
    const header = this.epochs > 1 ? `Epoch ${epoch + 1}/${this.epochs}` : '';
    if (this.out.console === true) this.pendingHeader = header ? `${header} - ` : '';
    else if (header && this.tty) this.emitHeader(header + '\n');
    else this.pendingHeader = header ? header + '\n' : '';
    this.bar = this.newBar(this.params?.steps ?? 0);
  }

  private emitHeader(h: string): void {
    this.pendingHeader = h;
    this.emit('');
  }

  override onBatchEnd(batch: number, logs?: Logs): void {
    if (this.verbose === 0) return;
    if (this.bar === null) this.bar = this.newBar(this.params?.steps ?? 0);
    this.bar.update(batch + 1, logs);
  }

  override onEpochEnd(_epoch: number, logs?: Logs): void {
    if (this.verbose === 0 || this.bar === null) return;
    this.bar.update(this.bar.seen, logs, true);
    this.bar = null;
  }

  override onTestBegin(): void {
    if (!this.inFit && this.verbose !== 0) this.bar = this.newBar(this.params?.steps ?? 0);
  }

  override onTestBatchEnd(batch: number, logs?: Logs): void {
    if (!this.inFit && this.bar !== null) this.bar.update(batch + 1, logs);
  }

  override onTestEnd(logs?: Logs): void {
    if (!this.inFit && this.bar !== null) {
      this.bar.update(this.bar.seen, logs, true);
      this.bar = null;
    }
  }

  override onPredictBegin(): void {
    if (!this.inFit && this.verbose !== 0) this.bar = this.newBar(this.params?.steps ?? 0);
  }

  override onPredictBatchEnd(batch: number): void {
    if (!this.inFit && this.bar !== null) this.bar.update(batch + 1);
  }

  override onPredictEnd(): void {
    if (!this.inFit && this.bar !== null) {
      this.bar.update(this.bar.seen, {}, true);
      this.bar = null;
    }
  }
}

/**
 * A ProgbarLogger (see the class).
 * @example
 * await model.fit(x, y, { verbose: 0, callbacks: [sg.callbacks.progbarLogger({ verbose: 2 })] });
 */
export function progbarLogger(opts: ProgbarLoggerOptions = {}): ProgbarLogger {
  checkOptions('progbarLogger', opts);
  return new ProgbarLogger(opts);
}
