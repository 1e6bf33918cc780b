// The Keras built-in callbacks, with Keras' semantics: EarlyStopping, ReduceLROnPlateau,
// LearningRateScheduler, CSVLogger, TerminateOnNaN and ModelCheckpoint (with Keras' filepath
// templates such as 'weights.{epoch:02d}-{val_loss:.2f}.json'). Each is a class (PascalCase) and
// a factory (camelCase). ModelCheckpoint writes weights through model.saveWeights when the model
// has it, else as a JSON file ({shapes, dtypes, values: base64 float32}) that loadWeightsFile
// reads back. File output needs Node; its modules load on first use.
import type { DataType } from '../engine/dtype.js';
import type { Tensor } from '../engine/tensor.js';
import { tensor } from '../ops/creation.js';
import { checkOptions } from '../utils/options.js';
import { Callback, describe, type HookResult } from './callback.js';
import { pyFixed } from './progbar.js';
import { base64ToBytes, bytesToBase64, nodeFs, nodePath, writeFileAtomic } from './node_io.js';
import type { CallbackModel, Logs } from './types.js';

/** 'min': lower is better; 'max': higher is better; 'auto': from the monitored name. */
export type MonitorMode = 'auto' | 'min' | 'max';

function checkMode(fn: string, mode: string): MonitorMode {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') {
    throw new Error(`${fn}: option 'mode' must be 'auto', 'min' or 'max' but got ${describe(mode)}`);
  }
  return mode;
}

function checkNumber(fn: string, name: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < min) {
    throw new Error(
      `${fn}: option '${name}' must be a number${min > -Infinity ? ` >= ${min}` : ''} but got ${describe(v)}`,
    );
  }
  return v;
}

function requireModel(fn: string, model: CallbackModel | undefined): CallbackModel {
  if (!model) throw new Error(`${fn}: no model set; the training loop calls setModel(model) before training`);
  return model;
}

function getLr(fn: string, model: CallbackModel): number {
  const lr = model.optimizer?.learningRate;
  if (typeof lr !== 'number') {
    throw new Error(`${fn}: the model's optimizer has no numeric 'learningRate' (got ${describe(lr)})`);
  }
  return lr;
}

function availableKeys(logs: Logs): string {
  return Object.keys(logs).join(', ') || '(none)';
}

// ---------------------------------------------------------------------------------------------
// EarlyStopping

/** Options of {@link EarlyStopping} (Keras' `EarlyStopping` arguments in camelCase). */
export interface EarlyStoppingArgs {
  /** The log key to watch (default 'val_loss'). */
  monitor?: string;
  /** Least change that counts as an improvement (its absolute value is used). Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** Default 0; 1 prints when it stops and restores. */
  verbose?: number;
  /**
   * 'min': stop when the monitor stops decreasing; 'max': increasing; 'auto' (default): 'max' when its name contains
   * 'acc', else 'min'.
   */
  mode?: MonitorMode;
  /** A value the monitor must beat: until it does, `wait` is not reset. */
  baseline?: number;
  /** Put back the weights of the best epoch when training ends. Default false. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching at all (warm-up). Default 0. */
  startFromEpoch?: number;
}

/**
 * Stops training when the monitored quantity has stopped improving (Keras 3's `EarlyStopping`:
 * an improving epoch never triggers the stop, even while the baseline is not yet beaten).
 * With `restoreBestWeights`, it keeps copies of the best epoch's weights (freed at train end)
 * and puts them back when training ends, as Keras 3 does.
 * @example
 * const stop = sg.callbacks.earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true });
 * await model.fit(x, y, { epochs: 100, validationSplit: 0.2, callbacks: [stop] });
 * stop.stoppedEpoch; // the epoch it stopped at (0 when it did not)
 */
export class EarlyStopping extends Callback {
  /** The log key watched. */
  readonly monitor: string;
  /** Least change that counts as an improvement. */
  readonly minDelta: number;
  /** Epochs without improvement before stopping. */
  readonly patience: number;
  /** 1 prints when it stops and restores. */
  readonly verbose: number;
  /** 'min', 'max' or 'auto' (see {@link EarlyStoppingArgs.mode}). */
  readonly mode: MonitorMode;
  /** The value the monitor must beat, if one was given. */
  readonly baseline: number | undefined;
  /** Whether the best epoch's weights are put back when training ends. */
  readonly restoreBestWeights: boolean;
  /** Epochs of warm-up before the monitor is watched. */
  readonly startFromEpoch: number;
  /** Epochs since the last improvement. */
  wait = 0;
  /** The epoch (0-based) training was stopped at; 0 when it was not stopped. */
  stoppedEpoch = 0;
  /** The best monitored value so far (in 'max' mode, stored negated). */
  best = Infinity;
  /** The epoch (0-based) of the best value. */
  bestEpoch = 0;
  /** Copies of the best weights while training (restoreBestWeights only). */
  bestWeights: Tensor[] | null = null;
  private readonly better: (a: number, b: number) => boolean;
  private readonly signedDelta: number;
  private warned = false;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    const fn = 'earlyStopping';
    this.monitor = args.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string')
      throw new Error(`${fn}: option 'monitor' must be a string but got ${describe(this.monitor)}`);
    this.minDelta = Math.abs(checkNumber(fn, 'minDelta', args.minDelta ?? 0));
    this.patience = checkNumber(fn, 'patience', args.patience ?? 0, 0);
    this.verbose = args.verbose ?? 0;
    this.mode = checkMode(fn, args.mode ?? 'auto');
    this.baseline =
      args.baseline === undefined || args.baseline === null ? undefined : checkNumber(fn, 'baseline', args.baseline);
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.startFromEpoch = checkNumber(fn, 'startFromEpoch', args.startFromEpoch ?? 0, 0);
    const m = this.monitor;
    const max =
      this.mode === 'max' ||
      (this.mode === 'auto' && (m.endsWith('acc') || m.endsWith('accuracy') || m.endsWith('auc')));
    this.better = max ? (a, b) => a > b : (a, b) => a < b;
    this.signedDelta = max ? this.minDelta : -this.minDelta;
  }

  private isImprovement(value: number, reference: number): boolean {
    return this.better(value - this.signedDelta, reference);
  }

  private dropBest(): void {
    if (this.bestWeights) for (const t of this.bestWeights) t.dispose();
    this.bestWeights = null;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.better(1, 0) ? -Infinity : Infinity;
    this.bestEpoch = 0;
    this.dropBest();
    this.warned = false;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      if (!this.warned) {
        console.warn(
          `earlyStopping: conditioned on metric '${this.monitor}', which is not available; available metrics are: ${availableKeys(logs)}`,
        );
        this.warned = true;
      }
      return;
    }
    if (epoch < this.startFromEpoch) return;
    const model = requireModel('earlyStopping', this.model);
    // Keep the first watched epoch's weights, in case no epoch ever improves.
    if (this.restoreBestWeights && this.bestWeights === null) {
      this.bestWeights = model.getWeights();
      this.bestEpoch = epoch;
    }
    this.wait += 1;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) {
        this.dropBest();
        this.bestWeights = model.getWeights();
      }
      // Restart the count only when both the baseline and the previous best are beaten.
      if (this.baseline === undefined || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== null && this.model) {
      if (this.verbose > 0)
        console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model.setWeights(this.bestWeights);
    }
    this.dropBest();
  }
}

/** An EarlyStopping callback (see the class). @example sg.callbacks.earlyStopping({ patience: 5 }) */
export function earlyStopping(args: EarlyStoppingArgs = {}): EarlyStopping {
  checkOptions('earlyStopping', args);
  return new EarlyStopping(args);
}

// ---------------------------------------------------------------------------------------------
// ReduceLROnPlateau

/** Options of {@link ReduceLROnPlateau} (Keras' arguments in camelCase). */
export interface ReduceLROnPlateauArgs {
  /** Default 'val_loss'. */
  monitor?: string;
  /** The learning rate is multiplied by this (< 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement before reducing. Default 10. */
  patience?: number;
  /** 1 prints each reduction. Default 0. */
  verbose?: number;
  /** 'auto': 'max' when the monitor's name contains 'acc', else 'min'. */
  mode?: MonitorMode;
  /** Least change that counts as an improvement. Default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** Lower bound of the learning rate. Default 0. */
  minLr?: number;
}

/**
 * Multiplies the learning rate by `factor` when the monitored quantity has not improved for
 * `patience` epochs (Keras `ReduceLROnPlateau`). Adds `lr` to the epoch logs, as Keras.
 * @example
 * sg.callbacks.reduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 2, minLr: 1e-5 });
 */
export class ReduceLROnPlateau extends Callback {
  /** The log key watched. */
  readonly monitor: string;
  /** The learning rate is multiplied by this at each reduction. */
  readonly factor: number;
  /** Epochs without improvement before reducing. */
  readonly patience: number;
  /** 1 prints each reduction. */
  readonly verbose: number;
  /** 'min', 'max' or 'auto'. */
  readonly mode: MonitorMode;
  /** Least change that counts as an improvement. */
  readonly minDelta: number;
  /** Epochs to wait after a reduction before counting again. */
  readonly cooldown: number;
  /** Lower bound of the learning rate. */
  readonly minLr: number;
  /** Epochs since the last improvement. */
  wait = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** The best monitored value so far. */
  best = Infinity;
  private readonly maxMode: boolean;
  private warned = false;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    const fn = 'reduceLROnPlateau';
    this.monitor = args.monitor ?? 'val_loss';
    this.factor = checkNumber(fn, 'factor', args.factor ?? 0.1, 0);
    if (this.factor >= 1) throw new Error(`${fn}: option 'factor' must be < 1 but got ${this.factor}`);
    this.patience = checkNumber(fn, 'patience', args.patience ?? 10, 0);
    this.verbose = args.verbose ?? 0;
    this.mode = checkMode(fn, args.mode ?? 'auto');
    this.minDelta = checkNumber(fn, 'minDelta', args.minDelta ?? 1e-4);
    this.cooldown = checkNumber(fn, 'cooldown', args.cooldown ?? 0, 0);
    this.minLr = checkNumber(fn, 'minLr', args.minLr ?? 0, 0);
    this.maxMode = this.mode === 'max' || (this.mode === 'auto' && this.monitor.includes('acc'));
    this.reset();
  }

  private reset(): void {
    this.best = this.maxMode ? -Infinity : Infinity;
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  private improved(current: number): boolean {
    return this.maxMode ? current > this.best + this.minDelta : current < this.best - this.minDelta;
  }

  /** True while epochs of cooldown are left. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  override onTrainBegin(): void {
    this.reset();
    this.warned = false;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const fn = 'reduceLROnPlateau';
    const model = requireModel(fn, this.model);
    logs.lr = getLr(fn, model);
    const current = logs[this.monitor];
    if (current === undefined) {
      if (!this.warned) {
        console.warn(
          `${fn}: conditioned on metric '${this.monitor}', which is not available; available metrics are: ${availableKeys(logs)}`,
        );
        this.warned = true;
      }
      return;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (this.improved(current)) {
      this.best = current;
      this.wait = 0;
    } else if (!this.inCooldown) {
      this.wait += 1;
      if (this.wait >= this.patience) {
        const oldLr = getLr(fn, model);
        if (oldLr > Math.fround(this.minLr)) {
          const newLr = Math.max(oldLr * this.factor, this.minLr);
          model.optimizer.learningRate = newLr;
          if (this.verbose > 0)
            console.log(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${newLr}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/** A ReduceLROnPlateau callback (see the class). @example sg.callbacks.reduceLROnPlateau({ patience: 3 }) */
export function reduceLROnPlateau(args: ReduceLROnPlateauArgs = {}): ReduceLROnPlateau {
  checkOptions('reduceLROnPlateau', args);
  return new ReduceLROnPlateau(args);
}

// ---------------------------------------------------------------------------------------------
// LearningRateScheduler

/**
 * Sets the learning rate at the start of each epoch to `schedule(epoch, currentLr)` (Keras
 * `LearningRateScheduler`; epochs are 0-based). Adds `lr` to the epoch logs.
 * @example
 * sg.callbacks.learningRateScheduler((epoch, lr) => (epoch < 10 ? lr : lr * Math.exp(-0.1)));
 */
export class LearningRateScheduler extends Callback {
  constructor(
    /** The schedule: `(epoch, currentLr) => newLr`, epochs 0-based. */
    readonly schedule: (epoch: number, lr: number) => number,
    /** 1 prints the learning rate set at each epoch. */
    readonly verbose = 0,
  ) {
    super();
    if (typeof schedule !== 'function') {
      throw new Error(
        `learningRateScheduler: argument 'schedule' must be a function (epoch, lr) => number but got ${describe(schedule)}`,
      );
    }
  }

  override onEpochBegin(epoch: number): void {
    const fn = 'learningRateScheduler';
    const model = requireModel(fn, this.model);
    const lr = this.schedule(epoch, getLr(fn, model));
    if (typeof lr !== 'number' || !Number.isFinite(lr)) {
      throw new Error(
        `${fn}: the schedule returned ${describe(lr)} for epoch ${epoch}; it must return a finite number`,
      );
    }
    model.optimizer.learningRate = lr;
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }

  override onEpochEnd(_epoch: number, logs?: Logs): void {
    if (logs && this.model) logs.lr = getLr('learningRateScheduler', this.model);
  }
}

/** A LearningRateScheduler (see the class). @example sg.callbacks.learningRateScheduler((e, lr) => lr * 0.9) */
export function learningRateScheduler(
  schedule: (epoch: number, lr: number) => number,
  verbose = 0,
): LearningRateScheduler {
  return new LearningRateScheduler(schedule, verbose);
}

// ---------------------------------------------------------------------------------------------
// CSVLogger

/** Python's str() of a float, near enough: 1.0 for integral values, 1e-05 exponents. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  const a = Math.abs(v);
  if (a < 1e-4 || a >= 1e16) return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(v);
}

/** Options of {@link CSVLogger}. */
export interface CSVLoggerArgs {
  /** Field separator (default ','). */
  separator?: string;
  /** Append to an existing file instead of overwriting it (default false). */
  append?: boolean;
}

/**
 * Streams epoch results to a CSV file (Keras `CSVLogger`, Node only): a header `epoch` plus the
 * first epoch's log keys sorted, then one row per epoch; keys missing in an epoch read `NA`.
 * @example
 * await model.fit(x, y, { epochs: 5, callbacks: [sg.callbacks.csvLogger('training.log')] });
 */
export class CSVLogger extends Callback {
  /** The field separator. */
  readonly separator: string;
  /** Whether rows are appended to an existing file. */
  readonly append: boolean;
  private keys: string[] | null = null;
  private writeHeader = true;
  private fs: typeof import('node:fs') | null = null;

  constructor(
    /** The CSV file's path. */
    readonly filename: string,
    args: CSVLoggerArgs = {},
  ) {
    super();
    if (typeof filename !== 'string' || filename === '') {
      throw new Error(`csvLogger: argument 'filename' must be a non-empty path string but got ${describe(filename)}`);
    }
    this.separator = args.separator ?? ',';
    if (typeof this.separator !== 'string' || this.separator.length === 0) {
      throw new Error(`csvLogger: option 'separator' must be a non-empty string but got ${describe(this.separator)}`);
    }
    this.append = args.append ?? false;
  }

  override async onTrainBegin(): Promise<void> {
    const fs = await nodeFs('csvLogger');
    const path = await nodePath('csvLogger');
    this.fs = fs;
    this.keys = null;
    await fs.promises.mkdir(path.dirname(path.resolve(this.filename)), { recursive: true });
    if (this.append) {
      let size = 0;
      try {
        size = (await fs.promises.stat(this.filename)).size;
      } catch {
        size = 0;
      }
      this.writeHeader = size === 0;
    } else {
      await fs.promises.writeFile(this.filename, '');
      this.writeHeader = true;
    }
  }

  private field(s: string): string {
    return s.includes(this.separator) || /["\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (!this.fs)
      throw new Error(`csvLogger: onEpochEnd before onTrainBegin; the training loop must call onTrainBegin first`);
    if (this.keys === null) this.keys = Object.keys(logs).sort();
    let text = '';
    if (this.writeHeader) {
      text += ['epoch', ...this.keys].map((k) => this.field(k)).join(this.separator) + '\n';
      this.writeHeader = false;
    }
    const row = [String(epoch), ...this.keys.map((k) => (k in logs ? this.field(pyFloat(logs[k])) : 'NA'))];
    text += row.join(this.separator) + '\n';
    this.fs.appendFileSync(this.filename, text);
  }

  override onTrainEnd(): void {
    this.keys = null;
  }
}

/** A CSVLogger (see the class). @example sg.callbacks.csvLogger('log.csv', { append: true }) */
export function csvLogger(filename: string, args: CSVLoggerArgs = {}): CSVLogger {
  checkOptions('csvLogger', args);
  return new CSVLogger(filename, args);
}

// ---------------------------------------------------------------------------------------------
// TerminateOnNaN

/**
 * Stops training as soon as a batch loss is NaN or infinite (Keras `TerminateOnNaN`).
 * @example
 * await model.fit(x, y, { callbacks: [sg.callbacks.terminateOnNaN()] });
 */
export class TerminateOnNaN extends Callback {
  override onBatchEnd(batch: number, logs: Logs = {}): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      console.log(`Batch ${batch}: Invalid loss, terminating training`);
      requireModel('terminateOnNaN', this.model).stopTraining = true;
    }
  }
}

/** A TerminateOnNaN callback. @example sg.callbacks.terminateOnNaN() */
export function terminateOnNaN(): TerminateOnNaN {
  return new TerminateOnNaN();
}

// ---------------------------------------------------------------------------------------------
// Python str.format for checkpoint paths

const FIELD = /\{\{|\}\}|\{([^{}:!]*)(?:![rsa])?(?::([^{}]*))?\}/g;
const SPEC = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

function twoDigitExp(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function formatG(v: number, p: number, alt: boolean): string {
  if (p === 0) p = 1;
  if (v === 0) return alt ? (0).toFixed(p - 1) : '0';
  const exp = Number(v.toExponential(p - 1).split('e')[1]);
  let s: string;
  if (exp >= -4 && exp < p) s = pyFixed(v, Math.max(0, p - 1 - exp));
  else s = twoDigitExp(v.toExponential(p - 1));
  if (!alt) s = s.replace(/(\.\d*?)0+(e|$)/, '$1$2').replace(/\.(e|$)/, '$1');
  return s;
}

function formatValue(name: string, v: unknown, spec: string, template: string, isInt: boolean): string {
  const m = SPEC.exec(spec);
  if (!m) throw new Error(`formatFilepath: invalid format spec '${spec}' for '${name}' in '${template}'`);
  const [, fillC, alignC, signC, altC, zero, widthS, group, precS, typeC] = m;
  const prec = precS === undefined ? undefined : Number(precS);
  let body: string;
  let sign = '';
  if (typeof v === 'string') {
    if (typeC && typeC !== 's')
      throw new Error(`formatFilepath: format code '${typeC}' cannot format the string '${name}' in '${template}'`);
    body = prec === undefined ? v : v.slice(0, prec);
  } else if (typeof v === 'number') {
    const a = Math.abs(v);
    if (v < 0 || Object.is(v, -0)) sign = '-';
    else if (signC === '+') sign = '+';
    else if (signC === ' ') sign = ' ';
    const finite = Number.isFinite(v);
    const special = Number.isNaN(v) ? 'nan' : 'inf';
    switch (typeC) {
      case 'd':
      case 'n':
        if (!Number.isInteger(v)) {
          throw new Error(`formatFilepath: format code 'd' needs an integer but '${name}' is ${v} in '${template}'`);
        }
        body = String(a);
        break;
      case 'f':
      case 'F':
        body = finite ? pyFixed(a, prec ?? 6) : special;
        break;
      case 'e':
      case 'E':
        body = finite ? twoDigitExp(a.toExponential(prec ?? 6)) : special;
        break;
      case 'g':
      case 'G':
        body = finite ? formatG(a, prec ?? 6, altC === '#') : special;
        break;
      case '%':
        body = finite ? pyFixed(a * 100, prec ?? 6) + '%' : special + '%';
        break;
      case undefined:
        body =
          isInt && Number.isInteger(v)
            ? String(a)
            : prec !== undefined && finite
              ? formatG(a, prec, false)
              : pyFloat(a);
        break;
      default:
        throw new Error(`formatFilepath: format code '${typeC}' is not supported (for '${name}' in '${template}')`);
    }
    if (typeC === 'E' || typeC === 'G' || typeC === 'F') body = body.toUpperCase();
    if (group) {
      const intPart = /^\d+/.exec(body)?.[0] ?? '';
      body = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, group) + body.slice(intPart.length);
    }
  } else {
    throw new Error(`formatFilepath: '${name}' has no printable value (${describe(v)}) in '${template}'`);
  }
  const width = widthS === undefined ? 0 : Number(widthS);
  let fill = fillC ?? ' ';
  let align = alignC ?? (typeof v === 'number' ? '>' : '<');
  if (zero && !alignC) {
    fill = '0';
    align = typeof v === 'number' ? '=' : '<';
  }
  const len = sign.length + body.length;
  if (len >= width) return sign + body;
  const pad = width - len;
  if (align === '=') return sign + fill.repeat(pad) + body;
  if (align === '<') return sign + body + fill.repeat(pad);
  if (align === '^') return fill.repeat(Math.floor(pad / 2)) + sign + body + fill.repeat(pad - Math.floor(pad / 2));
  return fill.repeat(pad) + sign + body;
}

/**
 * Python `str.format` for checkpoint paths (Keras' ModelCheckpoint `filepath`): `{epoch:02d}`,
 * `{val_loss:.2f}`, `{loss:.4e}`, `{epoch}`, `{{` and `}}`; fill, align, sign, width, grouping,
 * precision and the types d f e g % s. `intKeys` print as integers without a type (epoch, batch).
 * @example
 * sg.callbacks.formatFilepath('weights.{epoch:02d}-{val_loss:.2f}.json', { epoch: 3, val_loss: 0.1234 });
 * // 'weights.03-0.12.json'
 */
export function formatFilepath(
  template: string,
  values: Record<string, number | string>,
  intKeys: string[] = ['epoch', 'batch'],
): string {
  return template.replace(FIELD, (whole: string, name: string | undefined, spec: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const key = name ?? '';
    if (!(key in values)) {
      throw new Error(
        `formatFilepath: the path template '${template}' names '{${key}}', which is not available; ` +
          `available keys are: ${Object.keys(values).join(', ') || '(none)'}`,
      );
    }
    return formatValue(key, values[key], spec ?? '', template, intKeys.includes(key));
  });
}

// ---------------------------------------------------------------------------------------------
// The JSON weights file

/** The JSON layout ModelCheckpoint writes when the model has no saveWeights. */
export interface WeightsFile {
  /** Always 'simdgrad-weights'. */
  format: 'simdgrad-weights';
  /** The layout's version (1). */
  version: 1;
  /** Each weight's shape, in the model's weight order. */
  shapes: number[][];
  /** Each weight's dtype. */
  dtypes: DataType[];
  /** Each weight's values as little-endian float32, base64. */
  values: string[];
  /** The weights' variable names, when known. */
  names?: string[];
}

/**
 * Encodes tensors as a WeightsFile object (values as base64 little-endian float32).
 * @example
 * const json = JSON.stringify(sg.callbacks.encodeWeights(model.getWeights()));
 */
export function encodeWeights(weights: Tensor[]): WeightsFile {
  if (!Array.isArray(weights))
    throw new Error(`encodeWeights: argument 'weights' must be an array of tensors but got ${describe(weights)}`);
  const names: string[] = [];
  let named = true;
  const out: WeightsFile = { format: 'simdgrad-weights', version: 1, shapes: [], dtypes: [], values: [] };
  weights.forEach((w, i) => {
    if (!w || typeof w.dataSync !== 'function') {
      throw new Error(`encodeWeights: argument 'weights[${i}]' must be a Tensor but got ${describe(w)}`);
    }
    if (w.dtype === 'complex64')
      throw new Error(`encodeWeights: argument 'weights[${i}]' is complex64 (shape [${w.shape}]); weight files hold real tensors`);
    const vals = w.dataSync();
    const bytes = new Uint8Array(vals.length * 4);
    const view = new DataView(bytes.buffer);
    for (let j = 0; j < vals.length; j++) view.setFloat32(j * 4, vals[j], true);
    out.shapes.push(w.shape.slice());
    out.dtypes.push(w.dtype);
    out.values.push(bytesToBase64(bytes));
    const name = (w as Tensor & { name?: unknown }).name;
    if (typeof name === 'string') names.push(name);
    else named = false;
  });
  if (named && names.length > 0) out.names = names;
  return out;
}

/**
 * Decodes a WeightsFile object into new tensors (the caller owns them).
 * @example
 * const weights = sg.callbacks.decodeWeights(JSON.parse(text)); model.setWeights(weights); sg.dispose(weights);
 */
export function decodeWeights(file: unknown, source = 'decodeWeights'): Tensor[] {
  const f = file as Partial<WeightsFile>;
  if (f === null || typeof f !== 'object' || f.format !== 'simdgrad-weights') {
    throw new Error(`${source}: not a simdgrad weights file (expected "format": "simdgrad-weights")`);
  }
  if (f.version !== 1)
    throw new Error(`${source}: unsupported weights file version ${describe(f.version)}; this reader knows version 1`);
  const { shapes, dtypes, values } = f;
  if (
    !Array.isArray(shapes) ||
    !Array.isArray(dtypes) ||
    !Array.isArray(values) ||
    shapes.length !== dtypes.length ||
    shapes.length !== values.length
  ) {
    throw new Error(`${source}: 'shapes', 'dtypes' and 'values' must be arrays of one length`);
  }
  // Validate everything before creating any tensor, so an error leaks nothing.
  const decoded = shapes.map((shape, i) => {
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`${source}: weight ${i} has an invalid shape ${JSON.stringify(shape)}`);
    }
    const dtype = dtypes[i];
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
      throw new Error(`${source}: weight ${i} has an unknown dtype ${describe(dtype)}`);
    }
    if (typeof values[i] !== 'string') throw new Error(`${source}: weight ${i}'s values must be a base64 string`);
    const bytes = base64ToBytes(values[i], `${source}: weight ${i}`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (bytes.length !== size * 4) {
      throw new Error(
        `${source}: weight ${i} has shape ${JSON.stringify(shape)} (${size} values) but ${bytes.length} bytes of data (expected ${size * 4})`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const arr = dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
    for (let j = 0; j < size; j++) arr[j] = view.getFloat32(j * 4, true);
    return { shape, dtype, arr };
  });
  return decoded.map((d) => tensor(d.arr, d.shape, d.dtype));
}

/**
 * Writes tensors to `path` as a JSON WeightsFile (Node).
 * @example
 * await sg.callbacks.saveWeightsFile('w.json', weights);
 */
export async function saveWeightsFile(path: string, weights: Tensor[]): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(encodeWeights(weights)), 'saveWeightsFile');
}

/**
 * Reads a JSON weights file written by ModelCheckpoint (or saveWeightsFile) back to tensors,
 * in the order of `model.getWeights()`; the caller owns them.
 * @example
 * const weights = await sg.callbacks.loadWeightsFile('ckpt/weights.05-0.31.json');
 * model.setWeights(weights);
 * sg.dispose(weights);
 */
export async function loadWeightsFile(path: string): Promise<Tensor[]> {
  const fs = await nodeFs('loadWeightsFile');
  let text: string;
  try {
    text = await fs.promises.readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`loadWeightsFile: cannot read '${path}': ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`loadWeightsFile: '${path}' is not valid JSON: ${(e as Error).message}`);
  }
  return decodeWeights(json, `loadWeightsFile('${path}')`);
}

// ---------------------------------------------------------------------------------------------
// ModelCheckpoint

/** Options of {@link ModelCheckpoint} (Keras' arguments in camelCase). */
export interface ModelCheckpointArgs {
  /** Default 'val_loss'. */
  monitor?: string;
  /** 1 prints each save. Default 0. */
  verbose?: number;
  /** Save only when the monitored quantity improves on the best so far. Default false. */
  saveBestOnly?: boolean;
  /** Save weights only (default true; false needs a model with `save`). */
  saveWeightsOnly?: boolean;
  /** 'auto': 'max' when the monitor contains 'acc' or starts with 'fmeasure', else 'min'. */
  mode?: MonitorMode;
  /** 'epoch' (default) or a number of batches between saves. */
  saveFreq?: 'epoch' | number;
  /** The best value to start from, with saveBestOnly. */
  initialValueThreshold?: number;
}

/**
 * Saves the weights during training (Keras `ModelCheckpoint`). The path is a Python format
 * template filled with `epoch` (1-based), `batch` (1-based, with a numeric `saveFreq`) and the
 * logs: 'ckpt/weights.{epoch:02d}-{val_loss:.2f}.json'. It uses `model.saveWeights` when the
 * model has it, else writes a JSON weights file that `loadWeightsFile` reads.
 * @example
 * const ckpt = sg.callbacks.modelCheckpoint('ckpt/best.json', { monitor: 'val_accuracy', saveBestOnly: true });
 * await model.fit(x, y, { epochs: 20, validationSplit: 0.2, callbacks: [ckpt] });
 * ckpt.lastSaved; // the path written last
 */
export class ModelCheckpoint extends Callback {
  /** The log key compared with saveBestOnly. */
  readonly monitor: string;
  /** 1 prints each save. */
  readonly verbose: number;
  /** Save only when the monitor improves on the best so far. */
  readonly saveBestOnly: boolean;
  /** Save the weights only (else `model.save`). */
  readonly saveWeightsOnly: boolean;
  /** 'min', 'max' or 'auto'. */
  readonly mode: MonitorMode;
  /** 'epoch', or the number of batches between saves. */
  readonly saveFreq: 'epoch' | number;
  /** The best monitored value so far. */
  best: number;
  /** Every path saved so far, in order. */
  readonly saved: string[] = [];
  private readonly better: (a: number, b: number) => boolean;
  private currentEpoch = 0;
  private batchesSinceSave = 0;
  private lastBatchSeen = 0;

  constructor(
    /** The path template ('ckpt/weights.{epoch:02d}.json'). */
    readonly filepath: string,
    args: ModelCheckpointArgs = {},
  ) {
    super();
    const fn = 'modelCheckpoint';
    if (typeof filepath !== 'string' || filepath === '') {
      throw new Error(`${fn}: argument 'filepath' must be a non-empty path template but got ${describe(filepath)}`);
    }
    this.monitor = args.monitor ?? 'val_loss';
    this.verbose = args.verbose ?? 0;
    this.saveBestOnly = args.saveBestOnly ?? false;
    this.saveWeightsOnly = args.saveWeightsOnly ?? true;
    this.mode = checkMode(fn, args.mode ?? 'auto');
    const freq = args.saveFreq ?? 'epoch';
    if (freq !== 'epoch' && !(typeof freq === 'number' && Number.isInteger(freq) && freq > 0)) {
      throw new Error(
        `${fn}: option 'saveFreq' must be 'epoch' or a positive integer number of batches but got ${describe(freq)}`,
      );
    }
    this.saveFreq = freq;
    const max =
      this.mode === 'max' ||
      (this.mode === 'auto' && (this.monitor.includes('acc') || this.monitor.startsWith('fmeasure')));
    this.better = max ? (a, b) => a > b : (a, b) => a < b;
    this.best = args.initialValueThreshold ?? (max ? -Infinity : Infinity);
  }

  /** The path written last, or undefined before the first save. */
  get lastSaved(): string | undefined {
    return this.saved[this.saved.length - 1];
  }

  override setModel(model: CallbackModel): void {
    super.setModel(model);
    if (!this.saveWeightsOnly && typeof model.save !== 'function') {
      throw new Error(
        `modelCheckpoint: saveWeightsOnly is false but the model has no save(path) method; use saveWeightsOnly: true`,
      );
    }
  }

  override onTrainBegin(): void {
    this.batchesSinceSave = 0;
    this.lastBatchSeen = 0;
  }

  override onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
  }

  override onBatchEnd(batch: number, logs: Logs = {}): HookResult {
    if (this.saveFreq === 'epoch') return;
    // A batch index not above the last one seen means a new epoch began.
    const add = batch <= this.lastBatchSeen ? batch + 1 : batch - this.lastBatchSeen;
    this.batchesSinceSave += add;
    this.lastBatchSeen = batch;
    if (this.batchesSinceSave >= this.saveFreq) {
      this.batchesSinceSave = 0;
      return this.saveModel(this.currentEpoch, batch, logs);
    }
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): HookResult {
    if (this.saveFreq === 'epoch') return this.saveModel(epoch, null, logs);
  }

  /** The path for this epoch (0-based) and batch (0-based or null) and logs. */
  filePath(epoch: number, batch: number | null, logs: Logs): string {
    const values: Record<string, number> = { ...logs, epoch: epoch + 1 };
    if (batch !== null && !('batch' in logs)) values.batch = batch + 1;
    try {
      return formatFilepath(this.filepath, values);
    } catch (e) {
      throw new Error(`modelCheckpoint: failed to format the filepath '${this.filepath}': ${(e as Error).message}`);
    }
  }

  private saveModel(epoch: number, batch: number | null, logs: Logs): HookResult {
    const path = this.filePath(epoch, batch, logs);
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) {
        console.warn(
          `modelCheckpoint: can save the best model only with '${this.monitor}' available, skipping; available: ${availableKeys(logs)}`,
        );
        return;
      }
      if (!this.better(current, this.best)) {
        if (this.verbose > 0)
          console.log(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${this.best.toFixed(5)}`);
        return;
      }
      if (this.verbose > 0) {
        console.log(
          `\nEpoch ${epoch + 1}: ${this.monitor} improved from ${this.best.toFixed(5)} to ${current.toFixed(5)}, saving model to ${path}`,
        );
      }
      this.best = current;
    } else if (this.verbose > 0) {
      console.log(`\nEpoch ${epoch + 1}: saving model to ${path}`);
    }
    return this.write(path);
  }

  private async write(path: string): Promise<void> {
    const model = requireModel('modelCheckpoint', this.model);
    const fs = await nodeFs('modelCheckpoint');
    const p = await nodePath('modelCheckpoint');
    await fs.promises.mkdir(p.dirname(p.resolve(path)), { recursive: true });
    if (!this.saveWeightsOnly) {
      await model.save!(path);
    } else if (typeof model.saveWeights === 'function') {
      await model.saveWeights(path);
    } else {
      const weights = model.getWeights();
      try {
        await saveWeightsFile(path, weights);
      } finally {
        for (const w of weights) w.dispose();
      }
    }
    this.saved.push(path);
  }
}

/** A ModelCheckpoint (see the class). @example sg.callbacks.modelCheckpoint('w.{epoch:02d}.json') */
export function modelCheckpoint(filepath: string, args: ModelCheckpointArgs = {}): ModelCheckpoint {
  checkOptions('modelCheckpoint', args);
  return new ModelCheckpoint(filepath, args);
}
