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
  onTrainBegin?(logs?: Logs): HookResult;
  onTrainEnd?(logs?: Logs): HookResult;
  onEpochBegin?(epoch: number, logs?: Logs): HookResult;
  onEpochEnd?(epoch: number, logs?: Logs): HookResult;
  onBatchBegin?(batch: number, logs?: Logs): HookResult;
  onBatchEnd?(batch: number, logs?: Logs): HookResult;
  onTestBegin?(logs?: Logs): HookResult;
  onTestEnd?(logs?: Logs): HookResult;
  onTestBatchBegin?(batch: number, logs?: Logs): HookResult;
  onTestBatchEnd?(batch: number, logs?: Logs): HookResult;
  onPredictBegin?(logs?: Logs): HookResult;
  onPredictEnd?(logs?: Logs): HookResult;
  onPredictBatchBegin?(batch: number, logs?: Logs): HookResult;
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

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  setParams(params: TrainParams): void {
    this.params = params;
  }

  onTrainBegin(_logs?: Logs): HookResult {}
  onTrainEnd(_logs?: Logs): HookResult {}
  onEpochBegin(_epoch: number, _logs?: Logs): HookResult {}
  onEpochEnd(_epoch: number, _logs?: Logs): HookResult {}
  onBatchBegin(_batch: number, _logs?: Logs): HookResult {}
  onBatchEnd(_batch: number, _logs?: Logs): HookResult {}
  onTestBegin(_logs?: Logs): HookResult {}
  onTestEnd(_logs?: Logs): HookResult {}
  onTestBatchBegin(_batch: number, _logs?: Logs): HookResult {}
  onTestBatchEnd(_batch: number, _logs?: Logs): HookResult {}
  onPredictBegin(_logs?: Logs): HookResult {}
  onPredictEnd(_logs?: Logs): HookResult {}
  onPredictBatchBegin(_batch: number, _logs?: Logs): HookResult {}
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
  readonly callbacks: Callback[];

  constructor(callbacks: CallbackArg | undefined | null = []) {
    this.callbacks = toCallbacks(callbacks);
  }

  /** Adds callbacks at the end of the list. */
  append(...callbacks: Array<Callback | CallbackHooks>): void {
    this.callbacks.push(...toCallbacks(callbacks));
  }

  setModel(model: CallbackModel): void {
    for (const cb of this.callbacks) cb.setModel(model);
  }

  setParams(params: TrainParams): void {
    for (const cb of this.callbacks) cb.setParams(params);
  }

  onTrainBegin(logs: Logs = {}): HookResult {
    return this.run('onTrainBegin', [logs]);
  }
  onTrainEnd(logs: Logs = {}): HookResult {
    return this.run('onTrainEnd', [logs]);
  }
  onEpochBegin(epoch: number, logs: Logs = {}): HookResult {
    return this.run('onEpochBegin', [epoch, logs]);
  }
  onEpochEnd(epoch: number, logs: Logs = {}): HookResult {
    return this.run('onEpochEnd', [epoch, logs]);
  }
  onBatchBegin(batch: number, logs: Logs = {}): HookResult {
    return this.run('onBatchBegin', [batch, logs]);
  }
  onBatchEnd(batch: number, logs: Logs = {}): HookResult {
    return this.run('onBatchEnd', [batch, logs]);
  }
  onTestBegin(logs: Logs = {}): HookResult {
    return this.run('onTestBegin', [logs]);
  }
  onTestEnd(logs: Logs = {}): HookResult {
    return this.run('onTestEnd', [logs]);
  }
  onTestBatchBegin(batch: number, logs: Logs = {}): HookResult {
    return this.run('onTestBatchBegin', [batch, logs]);
  }
  onTestBatchEnd(batch: number, logs: Logs = {}): HookResult {
    return this.run('onTestBatchEnd', [batch, logs]);
  }
  onPredictBegin(logs: Logs = {}): HookResult {
    return this.run('onPredictBegin', [logs]);
  }
  onPredictEnd(logs: Logs = {}): HookResult {
    return this.run('onPredictEnd', [logs]);
  }
  onPredictBatchBegin(batch: number, logs: Logs = {}): HookResult {
    return this.run('onPredictBatchBegin', [batch, logs]);
  }
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
