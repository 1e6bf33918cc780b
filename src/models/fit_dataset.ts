// model.fitDataset and model.evaluateDataset (tfjs-layers' spellings of Keras' fit and evaluate on
// a generator or tf.data.Dataset): batches drawn from a dataset, an iterator or a generator of
// {xs, ys, sampleWeights} (or Keras' [x, y, sampleWeight]) batches, such as
// `imageDataGenerator(...).flow(x, y)`. Each batch runs through trainOnBatch, so the model's own
// trainStep, constraints and added losses apply as in fit().
import { checkNotTraining, validateFitDatasetArgs } from './validate.js';
import { Tensor } from '../engine/tensor.js';
import { CallbackList, History, ProgbarLogger, toCallbacks, type CallbackArg } from '../callbacks/index.js';
import type { Logs } from '../callbacks/types.js';
import type { LayersModel, ModelData } from './model.js';
import type { SampleWeightArg } from './sample_weights.js';

/**
 * One batch: tfjs-data's {xs, ys} (with optional `sampleWeights`), or Keras' (x, y) pair or
 * (x, y, sample_weight) triple. x and y take the forms fit's do (a tensor, a list, a map by
 * input/output name); the sample weights the forms of fit's `sampleWeight`. Its tensors belong to
 * fitDataset/evaluateDataset, which free them after the batch's step.
 */
export type DatasetBatch =
  | { xs: ModelData; ys?: ModelData; sampleWeights?: SampleWeightArg }
  | [ModelData, ModelData]
  | [ModelData, ModelData, SampleWeightArg];

type AnyIterator = Iterator<DatasetBatch> | AsyncIterator<DatasetBatch>;

/**
 * What fitDataset accepts: an object with tfjs-data's `iterator()` (returning an iterator or a
 * promise of one, each pass over the data a fresh iterator), or any (async) iterable of batches.
 */
export type DatasetLike =
  { iterator(): AnyIterator | Promise<AnyIterator> } | Iterable<DatasetBatch> | AsyncIterable<DatasetBatch>;

/** Options of `fitDataset` (tfjs-layers' ModelFitDatasetArgs). */
export interface FitDatasetArgs {
  /** Epochs to train (default 1). */
  epochs?: number;
  /**
   * Batches per epoch. Given: one iterator runs across epochs (Keras' steps_per_epoch), and
   * training ends early, with a warning, if it runs dry. Absent: each epoch is one full pass.
   */
  batchesPerEpoch?: number;
  /** [x, y] (or [x, y, sampleWeight]) tensors evaluated after each epoch, or a dataset of batches. */
  validationData?: [ModelData, ModelData] | [ModelData, ModelData, SampleWeightArg] | DatasetLike;
  /** Batches of a validation dataset per evaluation (default: all of one pass). */
  validationBatches?: number;
  /** Batch size for tensor validationData (default 32). */
  validationBatchSize?: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch (default 1). */
  verbose?: 0 | 1 | 2;
  /** Callbacks: objects with onEpochEnd etc., or a list of them. */
  callbacks?: CallbackArg;
  /** The epoch to start counting from (to resume a run; default 0). */
  initialEpoch?: number;
}

function iteratorOf(what: string, ds: DatasetLike): Promise<AnyIterator> {
  const d = ds as Record<string | symbol, unknown>;
  if (ds && typeof d.iterator === 'function') return Promise.resolve((ds as { iterator(): AnyIterator }).iterator());
  if (ds && typeof d[Symbol.asyncIterator] === 'function')
    return Promise.resolve((ds as AsyncIterable<DatasetBatch>)[Symbol.asyncIterator]());
  if (ds && typeof d[Symbol.iterator] === 'function')
    return Promise.resolve((ds as Iterable<DatasetBatch>)[Symbol.iterator]());
  throw new Error(`${what}: the dataset must have iterator() or be an (async) iterable of {xs, ys} batches`);
}

/** A batch's parts: x, y and the sample weights (undefined: none). */
type Parts = [ModelData, ModelData, SampleWeightArg | undefined];

/** A tensor, a non-empty list of tensors, or a map of tensors by name. */
const isData = (t: unknown): boolean =>
  t instanceof Tensor ||
  (Array.isArray(t) && t.length > 0 && t.every((u) => u instanceof Tensor)) ||
  (t !== null && typeof t === 'object' && !Array.isArray(t) && Object.values(t).length > 0 && Object.values(t).every((u) => u instanceof Tensor));

/** Sample weights as fit takes them: a tensor, a list (null entries allowed) or a map by output name. */
const isWeights = (t: unknown): boolean =>
  t instanceof Tensor ||
  (t !== null && typeof t === 'object' && Object.values(t).every((u) => u === null || u === undefined || u instanceof Tensor));

/** Every tensor in a batch (or any nesting of lists and maps). */
function tensorsOf(b: unknown): Tensor[] {
  if (b instanceof Tensor) return [b];
  if (b && typeof b === 'object') return Object.values(b).flatMap(tensorsOf);
  return [];
}

function unpack(what: string, b: DatasetBatch, i: number): Parts {
  const parts = Array.isArray(b)
    ? b
    : b && typeof b === 'object'
      ? [b.xs, b.ys, ...('sampleWeights' in b ? [b.sampleWeights] : [])]
      : null;
  if (!parts || parts.length < 2 || parts.length > 3 || !isData(parts[0]) || !isData(parts[1]) || (parts.length === 3 && parts[2] != null && !isWeights(parts[2]))) {
    // The batch is ours to free even when it is malformed.
    for (const t of tensorsOf(b)) if (!t.isDisposed) t.dispose();
    throw new Error(
      `${what}: batch ${i} of the dataset is not {xs, ys} (sampleWeights optional) or [x, y, sampleWeight?] of tensors (a flow() without y has no ys)`,
    );
  }
  return [parts[0] as ModelData, parts[1] as ModelData, (parts[2] ?? undefined) as SampleWeightArg | undefined];
}

const freeBatch = (p: Parts) => {
  for (const t of tensorsOf(p)) if (!t.isDisposed) t.dispose();
};

/** The values of trainOnBatch/testOnBatch/evaluate by log name. */
function named(model: LayersModel, v: number | number[], prefix = ''): Logs {
  const vals = Array.isArray(v) ? v : [v];
  const names = model.metricsNames;
  const logs: Logs = {};
  vals.forEach((x, i) => (logs[prefix + (names[i] ?? `output_${i}`)] = x));
  return logs;
}

/** Batch-size-weighted means of logs. */
class Means {
  private sums = new Map<string, number>();
  private n = 0;
  add(logs: Logs, size: number): void {
    for (const [k, v] of Object.entries(logs)) this.sums.set(k, (this.sums.get(k) ?? 0) + (v as number) * size);
    this.n += size;
  }
  logs(): Logs {
    const out: Logs = {};
    for (const [k, v] of this.sums) out[k] = v / this.n;
    return out;
  }
}

const batchSize = (x: ModelData) => tensorsOf(x)[0].shape[0];

async function evaluateBatches(model: LayersModel, what: string, ds: DatasetLike, maxBatches: number | undefined, prefix: string): Promise<Logs> {
  const it = await iteratorOf(what, ds);
  const means = new Means();
  let i = 0;
  for (; maxBatches === undefined || i < maxBatches; i++) {
    const r = await it.next();
    if (r.done) break;
    const p = unpack(what, r.value, i);
    try {
      means.add(named(model, await model.testOnBatch(p[0], p[1], p[2]), prefix), batchSize(p[0]));
    } finally {
      freeBatch(p);
    }
  }
  if (i === 0) throw new Error(`${what}: the dataset gave no batches`);
  return means.logs();
}

/** Options of `evaluateDataset` (tfjs-layers' ModelEvaluateDatasetArgs). */
export interface EvaluateDatasetArgs {
  /** The most batches to draw (default: one full pass). */
  batches?: number;
}

/**
 * Loss and metrics over a dataset's batches in inference mode; see LayersModel.evaluateDataset.
 * The loss is the batch-size-weighted mean of the batches' losses and each metric its mean over
 * all samples, as Keras' evaluate on a dataset.
 */
export async function evaluateDatasetModel(model: LayersModel, dataset: DatasetLike, args: EvaluateDatasetArgs = {}): Promise<number | number[]> {
  const what = `${model.name}: evaluateDataset`;
  const known = ['batches'];
  for (const k of Object.keys(args ?? {})) {
    if (!known.includes(k)) throw new Error(`${what}: unknown option '${k}'; options: ${known.join(', ')}`);
  }
  const nb = args?.batches;
  if (nb !== undefined && !(Number.isInteger(nb) && nb > 0)) throw new Error(`${what}: batches must be a positive integer but is ${nb}`);
  void model.metricsNames; // throws "call compile() before ..." before anything runs
  const logs = await evaluateBatches(model, what, dataset, nb, '');
  const values = model.metricsNames.filter((m) => m in logs).map((m) => logs[m] as number);
  return values.length === 1 ? values[0] : values;
}

/**
 * Trains `model` on a dataset of batches; see LayersModel.fitDataset.
 */
export async function fitDatasetModel(
  model: LayersModel,
  dataset: DatasetLike,
  args: FitDatasetArgs = {},
): Promise<History> {
  const what = `${model.name}: fitDataset`;
  // The options are checked where fit's are (src/models/validate.ts); a second fit or fitDataset
  // while one runs is refused.
  checkNotTraining(model, 'fitDataset');
  const { epochs, initialEpoch, verbose, batchesPerEpoch: bpe } = validateFitDatasetArgs(model.name, args);
  args ??= {};
  model.isTraining = true;
  try {
    return await fitDatasetLoop(model, dataset, args, what, epochs, initialEpoch, verbose, bpe);
  } finally {
    model.isTraining = false;
  }
}

/**
 * The step of one batch: trainOnBatch, which refuses to run while isTraining, so lifted for the
 * (synchronous) call; its values are a promise on webgpu.
 */
function trainStepOf(model: LayersModel, p: Parts): number | number[] | Promise<number | number[]> {
  model.isTraining = false;
  try {
    return model.trainOnBatch(p[0], p[1], p[2]);
  } finally {
    model.isTraining = true;
  }
}

async function fitDatasetLoop(
  model: LayersModel,
  dataset: DatasetLike,
  args: FitDatasetArgs,
  what: string,
  epochs: number,
  initialEpoch: number,
  verbose: 0 | 1 | 2,
  bpe: number | undefined,
): Promise<History> {
  const val = args.validationData;
  // [x, y] or [x, y, sampleWeight] of tensors (or of tensor lists or maps) is validation data;
  // anything else a dataset. So a validation dataset written as an array must hold {xs, ys} batches.
  const valTensors =
    Array.isArray(val) && (val.length === 2 || val.length === 3) && isData(val[0]) && isData(val[1])
      ? (val as unknown as Parts)
      : null;
  void model.metricsNames; // throws "call compile() before fitDataset()" before anything runs
  const history = new History();
  const list = new CallbackList([
    ...toCallbacks(args.callbacks),
    history,
    ...(verbose > 0 ? [new ProgbarLogger()] : []),
  ]);
  list.setModel(model);
  const known = (dataset as { length?: unknown }).length;
  const steps = bpe ?? (typeof known === 'number' ? known : 0);
  const valNames = val !== undefined ? model.metricsNames.map((m) => `val_${m}`) : [];
  list.setParams({ epochs, steps, samples: 0, verbose, metrics: [...model.metricsNames, ...valNames], initialEpoch });
  model.stopTraining = false;
  let shared: AnyIterator | null = bpe !== undefined ? await iteratorOf(what, dataset) : null;
  let pending: void | Promise<void>;
  if ((pending = list.onTrainBegin({}))) await pending;
  let dry = false;
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining && !dry; epoch++) {
    if ((pending = list.onEpochBegin(epoch, {}))) await pending;
    const it = shared ?? (await iteratorOf(what, dataset));
    const means = new Means();
    let b = 0;
    for (; (bpe === undefined || b < bpe) && !model.stopTraining; b++) {
      const r = await it.next();
      if (r.done) {
        if (bpe !== undefined) {
          dry = true;
          console.warn(
            `${what}: the dataset ran out after ${b} batches of epoch ${epoch + 1} (batchesPerEpoch ${bpe}); training stops`,
          );
        }
        break;
      }
      const p = unpack(what, r.value, b);
      const size = batchSize(p[0]);
      try {
        if ((pending = list.onBatchBegin(b, { batch: b, size }))) await pending;
        means.add(named(model, await trainStepOf(model, p)), size);
      } finally {
        freeBatch(p);
      }
      if ((pending = list.onBatchEnd(b, Object.assign(means.logs(), { batch: b, size })))) await pending;
    }
    if (b === 0 && !dry) throw new Error(`${what}: the dataset gave no batches in epoch ${epoch + 1}`);
    const logs = means.logs();
    if (val !== undefined && b > 0) {
      if (valTensors) {
        const batchSize = args.validationBatchSize ?? 32;
        const v = await model.evaluate(
          valTensors[0],
          valTensors[1],
          valTensors[2] ? { batchSize, sampleWeight: valTensors[2] } : { batchSize },
        );
        Object.assign(logs, named(model, v, 'val_'));
      } else {
        const w = `${what}: validationData`;
        Object.assign(logs, await evaluateBatches(model, w, val as DatasetLike, args.validationBatches, 'val_'));
      }
    }
    if ((pending = list.onEpochEnd(epoch, logs))) await pending;
  }
  shared = null;
  if ((pending = list.onTrainEnd({}))) await pending;
  return history;
}
