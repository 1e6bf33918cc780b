// Callback: the Keras hook set (train/epoch/batch, test, predict), CallbackList which drives a
// list of them in order, and CustomCallback / customCallback / toCallbacks for plain-object hooks.
// A hook may be synchronous or return a Promise; CallbackList awaits only hooks that returned a
// Promise, so a list of synchronous callbacks costs no microtask per batch.
import type { CallbackModel, Logs, TrainParams } from './types.js';

/** A hook's result: nothing, or a Promise the loop waits for before going on. */
export type HookResult = void | Promise<void>;

/**
 * Plain-object hooks, accepted wherever callbacks are (tfjs-layers' `CustomCallbackArgs` style).
 * Each is called with the wrapping callback as `this`, so `this.model` and `this.params` work in
 * `function` hooks.
 * @example
 * await model.fit(x, y, { callbacks: { onEpochEnd: (epoch, logs) => console.log(epoch, logs) } });
 */
export interface CallbackHooks {
  /** Called once when `fit` starts, after `setParams` and `setModel`. */
  onTrainBegin?(logs?: Logs): HookResult;
  /** Called once when `fit` ends (also after early stopping). */
  onTrainEnd?(logs?: Logs): HookResult;
  /** Called at the start of each epoch; `epoch` counts from 0. */
  onEpochBegin?(epoch: number, logs?: Logs): HookResult;
  /**
   * Called at the end of each epoch; `logs` holds the epoch's loss and metrics (and `val_` ones with validation
   * data).
   */
  onEpochEnd?(epoch: number, logs?: Logs): HookResult;
  /** Called before each training batch; `batch` counts from 0 within the epoch. */
  onBatchBegin?(batch: number, logs?: Logs): HookResult;
  /** Called after each training batch; `logs` holds the loss and metrics so far. */
  onBatchEnd?(batch: number, logs?: Logs): HookResult;
  /** Called when `evaluate` (or the validation pass of `fit`) starts. */
  onTestBegin?(logs?: Logs): HookResult;
  /** Called when `evaluate` (or the validation pass of `fit`) ends. */
  onTestEnd?(logs?: Logs): HookResult;
  /** Called before each evaluation batch. */
  onTestBatchBegin?(batch: number, logs?: Logs): HookResult;
  /** Called after each evaluation batch. */
  onTestBatchEnd?(batch: number, logs?: Logs): HookResult;
  /** Called when `predict` starts. */
  onPredictBegin?(logs?: Logs): HookResult;
  /** Called when `predict` ends. */
  onPredictEnd?(logs?: Logs): HookResult;
  /** Called before each prediction batch. */
  onPredictBatchBegin?(batch: number, logs?: Logs): HookResult;
  /** Called after each prediction batch. */
  onPredictBatchEnd?(batch: number, logs?: Logs): HookResult;
}

/** The names of the hooks, in the order Keras documents them. */
export const HOOK_NAMES = [
  'onTrainBegin',
  'onTrainEnd',
  'onEpochBegin',
  'onEpochEnd',
  'onBatchBegin',
  'onBatchEnd',
  'onTestBegin',
  'onTestEnd',
  'onTestBatchBegin',
  'onTestBatchEnd',
  'onPredictBegin',
  'onPredictEnd',
  'onPredictBatchBegin',
  'onPredictBatchEnd',
] as const;
/** The name of one hook (`'onEpochEnd'`...). */
export type HookName = (typeof HOOK_NAMES)[number];

/**
 * Base class of the callbacks: every hook is a no-op; override the ones you need (synchronous or
 * `async`). The training loop calls `setParams` and `setModel` before `onTrainBegin`.
 * @example
 * class PrintLoss extends sg.Callback {
 *   override onEpochEnd(epoch: number, logs?: sg.callbacks.Logs): void {
 *     console.log(`epoch ${epoch + 1}: loss ${logs?.loss}`);
 *   }
 * }
 * await model.fit(x, y, { epochs: 5, callbacks: [new PrintLoss()] });
 */
export class Callback implements CallbackHooks {
  /** The model being trained; set by `setModel`. */
  model?: CallbackModel;
  /** The run's parameters; set by `setParams`. */
  params?: TrainParams;

  /** Called by the training loop before `onTrainBegin`: sets `this.model`. */
  setModel(model: CallbackModel): void {
    this.model = model;
  }

  /** Called by the training loop before `onTrainBegin`: sets `this.params` (epochs, steps, verbose...). */
  setParams(params: TrainParams): void {
    this.params = params;
  }

  /** Called once when `fit` starts, after `setParams` and `setModel`. A no-op here: override it. */
  onTrainBegin(_logs?: Logs): HookResult {}
  /** Called once when `fit` ends (also after early stopping). A no-op here: override it. */
  onTrainEnd(_logs?: Logs): HookResult {}
  /** Called at the start of each epoch; `epoch` counts from 0. A no-op here: override it. */
  onEpochBegin(_epoch: number, _logs?: Logs): HookResult {}
  /**
   * Called at the end of each epoch; `logs` holds the epoch's loss and metrics (and `val_` ones with validation
   * data). A no-op here: override it.
   */
  onEpochEnd(_epoch: number, _logs?: Logs): HookResult {}
  /** Called before each training batch; `batch` counts from 0 within the epoch. A no-op here: override it. */
  onBatchBegin(_batch: number, _logs?: Logs): HookResult {}
  /** Called after each training batch; `logs` holds the loss and metrics so far. A no-op here: override it. */
  onBatchEnd(_batch: number, _logs?: Logs): HookResult {}
  /** Called when `evaluate` (or the validation pass of `fit`) starts. A no-op here: override it. */
  onTestBegin(_logs?: Logs): HookResult {}
  /** Called when `evaluate` (or the validation pass of `fit`) ends. A no-op here: override it. */
  onTestEnd(_logs?: Logs): HookResult {}
  /** Called before each evaluation batch. A no-op here: override it. */
  onTestBatchBegin(_batch: number, _logs?: Logs): HookResult {}
  /** Called after each evaluation batch. A no-op here: override it. */
  onTestBatchEnd(_batch: number, _logs?: Logs): HookResult {}
  /** Called when `predict` starts. A no-op here: override it. */
  onPredictBegin(_logs?: Logs): HookResult {}
  /** Called when `predict` ends. A no-op here: override it. */
  onPredictEnd(_logs?: Logs): HookResult {}
  /** Called before each prediction batch. A no-op here: override it. */
  onPredictBatchBegin(_batch: number, _logs?: Logs): HookResult {}
  /** Called after each prediction batch. A no-op here: override it. */
  onPredictBatchEnd(_batch: number, _logs?: Logs): HookResult {}
}

/**
 * A callback built from plain-object hooks (tfjs-layers' `CustomCallback`).
 * @example
 * const cb = new sg.CustomCallback({ onBatchEnd: (batch, logs) => { if (logs!.loss < 0.01) model.stopTraining = true; } });
 */
export class CustomCallback extends Callback {
  private readonly hooks: CallbackHooks;

  constructor(hooks: CallbackHooks) {
    super();
    if (hooks === null || typeof hooks !== 'object') {
      throw new Error(
        `CustomCallback: argument 'hooks' must be an object of hook functions but got ${describe(hooks)}`,
      );
    }
    for (const key of Object.keys(hooks)) {
      const value = (hooks as Record<string, unknown>)[key];
      if (!(HOOK_NAMES as readonly string[]).includes(key)) {
        throw new Error(`CustomCallback: unknown hook '${key}'; expected one of ${HOOK_NAMES.join(', ')}`);
      }
      if (value !== undefined && typeof value !== 'function') {
        throw new Error(`CustomCallback: hook '${key}' must be a function but got ${describe(value)}`);
      }
    }
    this.hooks = hooks;
  }

  override onTrainBegin(logs?: Logs): HookResult {
    return this.hooks.onTrainBegin?.call(this, logs);
  }
  override onTrainEnd(logs?: Logs): HookResult {
    return this.hooks.onTrainEnd?.call(this, logs);
  }
  override onEpochBegin(epoch: number, logs?: Logs): HookResult {
    return this.hooks.onEpochBegin?.call(this, epoch, logs);
  }
  override onEpochEnd(epoch: number, logs?: Logs): HookResult {
    return this.hooks.onEpochEnd?.call(this, epoch, logs);
  }
  override onBatchBegin(batch: number, logs?: Logs): HookResult {
    return this.hooks.onBatchBegin?.call(this, batch, logs);
  }
  override onBatchEnd(batch: number, logs?: Logs): HookResult {
    return this.hooks.onBatchEnd?.call(this, batch, logs);
  }
  override onTestBegin(logs?: Logs): HookResult {
    return this.hooks.onTestBegin?.call(this, logs);
  }
  override onTestEnd(logs?: Logs): HookResult {
    return this.hooks.onTestEnd?.call(this, logs);
  }
  override onTestBatchBegin(batch: number, logs?: Logs): HookResult {
    return this.hooks.onTestBatchBegin?.call(this, batch, logs);
  }
  override onTestBatchEnd(batch: number, logs?: Logs): HookResult {
    return this.hooks.onTestBatchEnd?.call(this, batch, logs);
  }
  override onPredictBegin(logs?: Logs): HookResult {
    return this.hooks.onPredictBegin?.call(this, logs);
  }
  override onPredictEnd(logs?: Logs): HookResult {
    return this.hooks.onPredictEnd?.call(this, logs);
  }
  override onPredictBatchBegin(batch: number, logs?: Logs): HookResult {
    return this.hooks.onPredictBatchBegin?.call(this, batch, logs);
  }
  override onPredictBatchEnd(batch: number, logs?: Logs): HookResult {
    return this.hooks.onPredictBatchEnd?.call(this, batch, logs);
  }
}

/**
 * A callback from plain-object hooks.
 * @example
 * const cb = sg.callbacks.customCallback({ onEpochEnd: async (epoch, logs) => { await save(logs); } });
 */
export function customCallback(hooks: CallbackHooks): CustomCallback {
  return new CustomCallback(hooks);
}

/** What `fit`'s `callbacks` option takes: a callback, plain-object hooks, or a list of either. */
export type CallbackArg = Callback | CallbackHooks | ReadonlyArray<Callback | CallbackHooks>;

/**
 * Normalises a `callbacks` argument to a list of Callback objects; plain objects of hooks become
 * CustomCallbacks. `undefined` and `null` give an empty list.
 * @example
 * sg.callbacks.toCallbacks([sg.callbacks.earlyStopping(), { onEpochEnd: (e) => console.log(e) }]);
 */
export function toCallbacks(cbs: CallbackArg | undefined | null): Callback[] {
  if (cbs === undefined || cbs === null) return [];
  const list: ReadonlyArray<unknown> = Array.isArray(cbs) ? cbs : [cbs];
  return list.map((cb, i) => {
    if (cb instanceof Callback) return cb;
    // A callback from another copy of this library (bundled twice) still has the protocol.
    if (isCallbackLike(cb)) return cb as Callback;
    if (cb !== null && typeof cb === 'object' && !Array.isArray(cb)) return new CustomCallback(cb as CallbackHooks);
    throw new Error(
      `toCallbacks: argument 'callbacks'${Array.isArray(cbs) ? `[${i}]` : ''} must be a Callback or an object of ` +
        `hook functions but got ${describe(cb)}`,
    );
  });
}

function isCallbackLike(x: unknown): boolean {
  if (x === null || typeof x !== 'object') return false;
  const o = x as Record<string, unknown>;
  return typeof o.setModel === 'function' && typeof o.setParams === 'function' && typeof o.onEpochEnd === 'function';
}

function isThenable(r: unknown): r is PromiseLike<void> {
  return r !== undefined && r !== null && typeof (r as PromiseLike<void>).then === 'function';
}

/**
 * Runs a list of callbacks' hooks in order. Each method returns `undefined` when every hook ran
 * synchronously, or a Promise (to await) as soon as one hook returned a Promise; the hooks after
 * it then run only once it has resolved. All callbacks see the same `logs` object, so a callback
 * that adds a key (reduceLROnPlateau adds `lr`) is seen by those after it, as in Keras.
 * @example
 * const list = new sg.callbacks.CallbackList([sg.callbacks.earlyStopping(), history]);
 * list.setModel(model); list.setParams(params);
 * const r = list.onBatchEnd(0, { loss: 0.3 }); if (r) await r;
 */
export class CallbackList {
  /** The callbacks, in the order their hooks run. */
  readonly callbacks: Callback[];

  constructor(callbacks: CallbackArg | undefined | null = []) {
    this.callbacks = toCallbacks(callbacks);
  }

  /** Adds callbacks at the end of the list. */
  append(...callbacks: Array<Callback | CallbackHooks>): void {
    this.callbacks.push(...toCallbacks(callbacks));
  }

  /** Sets the model on every callback. */
  setModel(model: CallbackModel): void {
    for (const cb of this.callbacks) cb.setModel(model);
  }

  /** Sets the run parameters on every callback. */
  setParams(params: TrainParams): void {
    for (const cb of this.callbacks) cb.setParams(params);
  }

  /** Runs every callback's `onTrainBegin` in order (a Promise when one of them returned one). */
  onTrainBegin(logs: Logs = {}): HookResult {
    return this.run('onTrainBegin', [logs]);
  }
  /** Runs every callback's `onTrainEnd` in order (a Promise when one of them returned one). */
  onTrainEnd(logs: Logs = {}): HookResult {
    return this.run('onTrainEnd', [logs]);
  }
  /** Runs every callback's `onEpochBegin` in order (a Promise when one of them returned one). */
  onEpochBegin(epoch: number, logs: Logs = {}): HookResult {
    return this.run('onEpochBegin', [epoch, logs]);
  }
  /** Runs every callback's `onEpochEnd` in order (a Promise when one of them returned one). */
  onEpochEnd(epoch: number, logs: Logs = {}): HookResult {
    return this.run('onEpochEnd', [epoch, logs]);
  }
  /** Runs every callback's `onBatchBegin` in order (a Promise when one of them returned one). */
  onBatchBegin(batch: number, logs: Logs = {}): HookResult {
    return this.run('onBatchBegin', [batch, logs]);
  }
  /** Runs every callback's `onBatchEnd` in order (a Promise when one of them returned one). */
  onBatchEnd(batch: number, logs: Logs = {}): HookResult {
    return this.run('onBatchEnd', [batch, logs]);
  }
  /** Runs every callback's `onTestBegin` in order (a Promise when one of them returned one). */
  onTestBegin(logs: Logs = {}): HookResult {
    return this.run('onTestBegin', [logs]);
  }
  /** Runs every callback's `onTestEnd` in order (a Promise when one of them returned one). */
  onTestEnd(logs: Logs = {}): HookResult {
    return this.run('onTestEnd', [logs]);
  }
  /** Runs every callback's `onTestBatchBegin` in order (a Promise when one of them returned one). */
  onTestBatchBegin(batch: number, logs: Logs = {}): HookResult {
    return this.run('onTestBatchBegin', [batch, logs]);
  }
  /** Runs every callback's `onTestBatchEnd` in order (a Promise when one of them returned one). */
  onTestBatchEnd(batch: number, logs: Logs = {}): HookResult {
    return this.run('onTestBatchEnd', [batch, logs]);
  }
  /** Runs every callback's `onPredictBegin` in order (a Promise when one of them returned one). */
  onPredictBegin(logs: Logs = {}): HookResult {
    return this.run('onPredictBegin', [logs]);
  }
  /** Runs every callback's `onPredictEnd` in order (a Promise when one of them returned one). */
  onPredictEnd(logs: Logs = {}): HookResult {
    return this.run('onPredictEnd', [logs]);
  }
  /** Runs every callback's `onPredictBatchBegin` in order (a Promise when one of them returned one). */
  onPredictBatchBegin(batch: number, logs: Logs = {}): HookResult {
    return this.run('onPredictBatchBegin', [batch, logs]);
  }
  /** Runs every callback's `onPredictBatchEnd` in order (a Promise when one of them returned one). */
  onPredictBatchEnd(batch: number, logs: Logs = {}): HookResult {
    return this.run('onPredictBatchEnd', [batch, logs]);
  }

  private run(hook: HookName, args: unknown[]): HookResult {
    const cbs = this.callbacks;
    for (let i = 0; i < cbs.length; i++) {
      const r = (cbs[i][hook] as (...a: unknown[]) => HookResult).apply(cbs[i], args);
      if (isThenable(r)) return this.runRest(r, hook, args, i + 1);
    }
    return undefined;
  }

  private async runRest(pending: PromiseLike<void>, hook: HookName, args: unknown[], from: number): Promise<void> {
    await pending;
    const cbs = this.callbacks;
    for (let i = from; i < cbs.length; i++) {
      const r = (cbs[i][hook] as (...a: unknown[]) => HookResult).apply(cbs[i], args);
      if (isThenable(r)) await r;
    }
  }
}

/** A short description of a value for error messages. */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === 'string') return `the string '${x.length > 40 ? x.slice(0, 40) + '...' : x}'`;
  if (typeof x === 'object') return `an object (${(x as object).constructor?.name ?? 'Object'})`;
  return `${typeof x} ${String(x)}`;
}
