// The Keras built-in callbacks, with Keras' semantics: EarlyStopping, ReduceLROnPlateau,
// LearningRateScheduler, CSVLogger and TerminateOnNaN; ModelCheckpoint and its weights files are in
// checkpoint.ts. Each is a class (PascalCase) and a factory (camelCase). File output needs Node; its
// modules load on first use.
import type { Tensor } from '../engine/tensor.js';
import { checkOptions } from '../utils/options.js';
import { Callback, describe } from './callback.js';
import { nodeFs, nodePath } from './node_io.js';
import type { CallbackModel, Logs } from './types.js';

/** 'min': lower is better; 'max': higher is better; 'auto': from the monitored name. */
export type MonitorMode = 'auto' | 'min' | 'max';

/** @internal */
export function checkMode(fn: string, mode: string): MonitorMode {
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

/** @internal */
export function requireModel(fn: string, model: CallbackModel | undefined): CallbackModel {
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

/** @internal */
export function availableKeys(logs: Logs): string {
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
