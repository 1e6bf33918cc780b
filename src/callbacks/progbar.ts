// ProgbarLogger: Keras 2.x's training progress output for a terminal. `Epoch 3/30`, then
//   verbose 1, TTY:     a live bar redrawn in place with '\r' (at most every `interval` ms):
//                       `123/375 [=========>....................] - ETA: 1s - loss: 0.3012`
//                       finished as `375/375 [==============================] - 1s 3ms/step - loss: ...`
//   verbose 1, not TTY: only that finished line, one per epoch (no '\r' noise in CI logs or pipes)
//   verbose 2:          one line per epoch: `375/375 - 1s - loss: ... - 1s/epoch - 3ms/step`
//   verbose 0:          nothing.
// Output goes through an injectable Writer (process.stdout in Node, console.log in a browser).
import { checkOptions } from '../utils/options.js';
import { Callback } from './callback.js';
import type { Logs, TrainParams } from './types.js';

/** Where the progress bar writes; `isTTY` selects in-place redrawing. */
export interface Writer {
  write(text: string): void;
  isTTY?: boolean;
}

export interface ProgbarLoggerOptions {
  /** Defaults to `process.stdout` in Node, else a line-buffered `console.log`. */
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

/** The default writer: process.stdout in Node, else console.log one line at a time. */
export function defaultWriter(): Writer {
  const p = (globalThis as { process?: { stdout?: { write(s: string): unknown; isTTY?: boolean } } }).process;
  const out = p?.stdout;
  if (out && typeof out.write === 'function') {
    return {
      write: (s: string) => void out.write(s),
      get isTTY() {
        return out.isTTY === true;
      },
    };
  }
  let pending = '';
  return {
    isTTY: false,
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

/**
 * Prints Keras' progress output during `fit` (and `evaluate`/`predict` when called on their
 * own). `fit` adds one automatically when `verbose > 0`; its verbosity comes from
 * `params.verbose` unless given here.
 * @example
 * // Capture the output instead of printing it:
 * const lines: string[] = [];
 * const logger = sg.callbacks.progbarLogger({ writer: { write: (s) => lines.push(s), isTTY: false } });
 */
export class ProgbarLogger extends Callback {
  private readonly opts: ProgbarLoggerOptions;
  private bar: Progbar | null = null;
  private inFit = false;
  private epochs = 0;

  constructor(opts: ProgbarLoggerOptions = {}) {
    super();
    if (opts.verbose !== undefined && opts.verbose !== 0 && opts.verbose !== 1 && opts.verbose !== 2) {
      throw new Error(`ProgbarLogger: option 'verbose' must be 0, 1 or 2 but got ${String(opts.verbose)}`);
    }
    this.opts = { ...opts, writer: opts.writer ?? defaultWriter() };
  }

  private get verbose(): 0 | 1 | 2 {
    return this.opts.verbose ?? this.params?.verbose ?? 1;
  }

  private newBar(target: number): Progbar {
    return new Progbar(target, { ...this.opts, verbose: this.verbose });
  }

  override setParams(params: TrainParams): void {
    super.setParams(params);
    this.epochs = params.epochs;
  }

  override onTrainBegin(): void {
    this.inFit = true;
  }

  override onTrainEnd(): void {
    this.inFit = false;
    this.bar = null;
  }

  override onEpochBegin(epoch: number): void {
    if (this.verbose === 0) return;
    if (this.epochs > 1) this.opts.writer!.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
    this.bar = this.newBar(this.params?.steps ?? 0);
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
