// The one place where the options of fit, evaluate, predict and the on-batch calls are checked
// (batchSize, epochs, initialEpoch, validationSplit, verbose, shuffle, seed, sample and class
// weights, validation data). Every check runs before any tensor is made, and every error names the
// model, the function, the argument and the value with its type ("'5' (a string)"), so a bad
// option never reaches a kernel, never loops forever and never turns the weights into NaN.
import { fmt } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import { closestName, toCamelCase } from '../utils/names.js';
import { show } from '../utils/options.js';

export { show };

/** The calls whose options are checked here. */
export type TrainingCall =
  'fit' | 'fitDataset' | 'evaluate' | 'predict' | 'trainOnBatch' | 'testOnBatch' | 'predictOnBatch';

/**
 * The options each call accepts. tfjs-layers options that simdgrad does not implement
 * (stepsPerEpoch, validationSteps, yieldEvery...) are not listed, so they are reported instead of
 * silently ignored.
 */
export const KNOWN_OPTIONS: Record<'fit' | 'fitDataset' | 'evaluate' | 'predict', readonly string[]> = {
  fit: [
    'batchSize',
    'epochs',
    'verbose',
    'callbacks',
    'validationSplit',
    'validationData',
    'shuffle',
    'classWeight',
    'sampleWeight',
    'initialEpoch',
    'seed',
  ],
  fitDataset: [
    'epochs',
    'batchesPerEpoch',
    'validationData',
    'validationBatches',
    'validationBatchSize',
    'verbose',
    'callbacks',
    'initialEpoch',
  ],
  evaluate: ['batchSize', 'verbose', 'sampleWeight'],
  predict: ['batchSize', 'verbose'],
};

/** What to use instead of tfjs-layers/Keras training options simdgrad does not have. */
const PORTING_HINTS: Record<string, string> = {
  stepsPerEpoch: 'For a fixed number of batches per epoch use fitDataset(dataset, { batchesPerEpoch }).',
  steps_per_epoch: 'For a fixed number of batches per epoch use fitDataset(dataset, { batchesPerEpoch }).',
  validationSteps: "fitDataset's validationBatches limits the validation batches.",
  validation_steps: "fitDataset's validationBatches limits the validation batches.",
  yieldEvery: 'fit() yields to the event loop every 50 ms of training by itself.',
  validationFreq: 'Validation runs after every epoch.',
  validation_freq: 'Validation runs after every epoch.',
};

/** "model: call: " prefix of every message. */
const at = (model: string, call: string) => `${model}: ${call}: `;

/** Throws unless `opts` is undefined or a plain options object whose keys `call` knows. */
export function checkOptionsObject(
  model: string,
  call: 'fit' | 'fitDataset' | 'evaluate' | 'predict',
  opts: unknown,
): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts) || opts instanceof Tensor) {
    throw new Error(
      `${at(model, call)}the options argument must be an object like {batchSize: 32} but is ${show(opts)}`,
    );
  }
  const known = KNOWN_OPTIONS[call];
  for (const key of Object.keys(opts)) {
    if (known.includes(key)) continue;
    const camel = toCamelCase(key);
    const guess = known.includes(camel) ? camel : closestName(key, known);
    const other = (Object.keys(KNOWN_OPTIONS) as (keyof typeof KNOWN_OPTIONS)[]).filter(
      (c) => c !== call && KNOWN_OPTIONS[c].includes(key),
    );
    const hint = PORTING_HINTS[key]
      ? ` ${PORTING_HINTS[key]}`
      : guess
        ? ` Did you mean '${guess}'?`
        : other.length
          ? ` '${key}' is an option of ${other.map((c) => `${c}()`).join(' and ')}, not of ${call}().`
          : '';
    throw new Error(
      `${at(model, call)}unknown option '${key}' (simdgrad does not support it).${hint} Known options: ${known.join(', ')}`,
    );
  }
}

/** An integer >= `min` (undefined gives `dflt`). */
export function checkInt(model: string, call: string, arg: string, v: unknown, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    const want = min === 1 ? 'a positive integer' : `an integer >= ${min}`;
    throw new Error(`${at(model, call)}'${arg}' must be ${want} but is ${show(v)}`);
  }
  return v;
}

/** Keras' verbose: 0, 1, 2 or 'auto' (1). */
export function checkVerbose(model: string, call: string, v: unknown, allowed: readonly number[]): 0 | 1 | 2 {
  if (v === undefined || v === 'auto') return 1;
  if (typeof v !== 'number' || !allowed.includes(v)) {
    throw new Error(`${at(model, call)}verbose must be one of ${allowed.join(', ')} or 'auto' but is ${show(v)}`);
  }
  return v as 0 | 1 | 2;
}

/**
 * A sample-weight tensor: rank 1 of `n` entries, every entry finite and >= 0. Returns nothing;
 * reads the values on the host (one pass, before any batch runs).
 */
export function checkSampleWeight(model: string, call: string, arg: string, sw: unknown, n: number): void {
  if (sw === undefined || sw === null) return;
  if (!(sw instanceof Tensor)) {
    throw new Error(`${at(model, call)}${arg} must be a Tensor of shape [${n}] but is ${show(sw)}`);
  }
  if (sw.isDisposed) throw new Error(`${at(model, call)}${arg} (shape ${fmt(sw.shape)}) is already disposed`);
  if (sw.rank !== 1 || sw.shape[0] !== n) {
    throw new Error(
      `${at(model, call)}${arg} must have shape [${n}] (one weight per sample) but has shape ${fmt(sw.shape)}`,
    );
  }
  if (sw.dtype === 'bool') throw new Error(`${at(model, call)}${arg} must be float32 or int32 but is bool`);
  const v = sw.dataSync();
  for (let i = 0; i < v.length; i++) {
    if (!(Number.isFinite(v[i]) && v[i] >= 0)) {
      throw new Error(`${at(model, call)}${arg} holds ${v[i]} at index ${i}; sample weights must be finite and >= 0`);
    }
  }
}

/** Keras' class_weight: {classIndex: weight}, each weight finite and >= 0. */
export function checkClassWeight(model: string, call: string, cw: unknown): void {
  if (cw === undefined || cw === null) return;
  if (typeof cw !== 'object' || Array.isArray(cw) || cw instanceof Tensor) {
    throw new Error(`${at(model, call)}classWeight must be an object {classIndex: weight} but is ${show(cw)}`);
  }
  for (const [k, w] of Object.entries(cw)) {
    if (!/^\d+$/.test(k)) {
      throw new Error(`${at(model, call)}classWeight has the key '${k}'; keys must be class indices (0, 1, ...)`);
    }
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new Error(
        `${at(model, call)}classWeight for class ${k} is ${show(w)}; class weights must be finite numbers >= 0`,
      );
    }
  }
}

/** fit()'s options, resolved to their defaults after checking. */
export interface ResolvedFitArgs {
  batchSize: number;
  epochs: number;
  initialEpoch: number;
  verbose: 0 | 1 | 2;
  validationSplit: number;
  shuffle: boolean;
}

/** Checks every fit() option that does not depend on the data; returns the resolved numbers. */
export function validateFitArgs(model: string, args: unknown): ResolvedFitArgs {
  checkOptionsObject(model, 'fit', args);
  const a = (args ?? {}) as Record<string, unknown>;
  const batchSize = checkInt(model, 'fit', 'batchSize', a.batchSize, 32, 1);
  const epochs = checkInt(model, 'fit', 'epochs', a.epochs, 1, 0);
  const initialEpoch = checkInt(model, 'fit', 'initialEpoch', a.initialEpoch, 0, 0);
  const verbose = checkVerbose(model, 'fit', a.verbose, [0, 1, 2]);
  const split = a.validationSplit ?? 0;
  if (typeof split !== 'number' || !(split >= 0 && split < 1)) {
    throw new Error(`${at(model, 'fit')}validationSplit must be a number in [0, 1) but is ${show(split)}`);
  }
  const shuffle = a.shuffle ?? true;
  if (typeof shuffle !== 'boolean')
    throw new Error(`${at(model, 'fit')}shuffle must be a boolean but is ${show(shuffle)}`);
  if (a.seed !== undefined && (typeof a.seed !== 'number' || !Number.isFinite(a.seed))) {
    throw new Error(`${at(model, 'fit')}seed must be a finite number but is ${show(a.seed)}`);
  }
  // classWeight and sampleWeight are checked against the model's outputs (sample_weights.ts).
  if (a.validationData !== undefined) {
    const vd = a.validationData;
    const ok =
      Array.isArray(vd) &&
      (vd.length === 2 || vd.length === 3) &&
      vd.slice(0, 2).every(
        (t) =>
          t instanceof Tensor ||
          (Array.isArray(t) && t.every((u) => u instanceof Tensor)) ||
          (t !== null && typeof t === 'object' && Object.values(t).every((u) => u instanceof Tensor)),
      );
    if (!ok) {
      throw new Error(
        `${at(model, 'fit')}validationData must be [xVal, yVal] or [xVal, yVal, sampleWeightVal] (tensors, lists or maps by name) but is ${show(vd)}`,
      );
    }
  }
  return { batchSize, epochs, initialEpoch, verbose, validationSplit: split, shuffle };
}

/** fitDataset()'s options (tfjs-layers' semantics: epochs >= 1, initialEpoch < epochs). */
export function validateFitDatasetArgs(
  model: string,
  args: unknown,
): { epochs: number; initialEpoch: number; verbose: 0 | 1 | 2; batchesPerEpoch: number | undefined } {
  const call = 'fitDataset';
  checkOptionsObject(model, call, args);
  const a = (args ?? {}) as Record<string, unknown>;
  const epochs = checkInt(model, call, 'epochs', a.epochs, 1, 1);
  const initialEpoch = checkInt(model, call, 'initialEpoch', a.initialEpoch, 0, 0);
  if (initialEpoch >= epochs) {
    throw new Error(
      `${at(model, call)}'initialEpoch' must be an integer in [0, epochs) but is ${show(a.initialEpoch)}`,
    );
  }
  const bpe =
    a.batchesPerEpoch === undefined ? undefined : checkInt(model, call, 'batchesPerEpoch', a.batchesPerEpoch, 0, 1);
  checkInt(model, call, 'validationBatches', a.validationBatches, 1, 1);
  checkInt(model, call, 'validationBatchSize', a.validationBatchSize, 32, 1);
  return { epochs, initialEpoch, verbose: checkVerbose(model, call, a.verbose, [0, 1, 2]), batchesPerEpoch: bpe };
}

/** evaluate()'s options: batchSize and verbose (0, 1, 2 or 'auto', as Keras). */
export function validateEvaluateArgs(model: string, args: unknown): { batchSize: number; verbose: number } {
  checkOptionsObject(model, 'evaluate', args);
  const a = (args ?? {}) as Record<string, unknown>;
  return {
    batchSize: checkInt(model, 'evaluate', 'batchSize', a.batchSize, 32, 1),
    verbose: checkVerbose(model, 'evaluate', a.verbose, [0, 1, 2]),
  };
}

/** predict()'s options: batchSize and verbose. */
export function validatePredictArgs(model: string, args: unknown): { batchSize: number; verbose: number } {
  checkOptionsObject(model, 'predict', args);
  const a = (args ?? {}) as Record<string, unknown>;
  return {
    batchSize: checkInt(model, 'predict', 'batchSize', a.batchSize, 32, 1),
    verbose: checkVerbose(model, 'predict', a.verbose, [0, 1, 2]),
  };
}

/** Refuses a call that changes the weights while fit() runs (tfjs' wording for a second fit). */
export function checkNotTraining(
  model: { name: string; isTraining: boolean },
  call: TrainingCall | 'compile' | 'dispose',
): void {
  if (!model.isTraining) return;
  if (call === 'fit' || call === 'fitDataset') {
    throw new Error(`${model.name}: Cannot start training because another fit() call is ongoing.`);
  }
  throw new Error(
    `${model.name}: ${call}() changes the model while a fit() call is ongoing; call it after fit() resolves ` +
      `(predict() and evaluate() are allowed during fit, e.g. in callbacks)`,
  );
}
