// model.fitDataset (tfjs-layers' spelling of Keras' fit on a generator or tf.data.Dataset): trains
// on batches drawn from a dataset, an iterator or a generator of {xs, ys} (or [x, y]) batches,
// such as `imageDataGenerator(...).flow(x, y)`. Each batch runs through trainOnBatch, so the
// model's own trainStep, constraints and added losses apply as in fit().
import { checkNotTraining, validateFitDatasetArgs } from './validate.js';
import { Tensor } from '../engine/tensor.js';
import { CallbackList, History, ProgbarLogger, toCallbacks, type CallbackArg } from '../callbacks/index.js';
import type { Logs } from '../callbacks/types.js';
import type { LayersModel, TensorOrList } from './model.js';

/** One batch: tfjs-data's {xs, ys} or Keras' (x, y) pair. Its tensors belong to fitDataset, which frees them. */
export type DatasetBatch = { xs: TensorOrList; ys?: TensorOrList } | [TensorOrList, TensorOrList];

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
  /** [x, y] tensors evaluated after each epoch, or a dataset of batches. */
  validationData?: [TensorOrList, TensorOrList] | DatasetLike;
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

function unpack(what: string, b: DatasetBatch, i: number): [TensorOrList, TensorOrList] {
  const pair = Array.isArray(b) ? b : b && typeof b === 'object' ? [b.xs, b.ys] : null;
  const ok = (t: unknown) =>
    t instanceof Tensor || (Array.isArray(t) && t.length > 0 && t.every((u) => u instanceof Tensor));
  if (!pair || pair.length !== 2 || !ok(pair[0]) || !ok(pair[1])) {
    // The batch is ours to free even when it is malformed.
    const all = b && typeof b === 'object' ? (Array.isArray(b) ? b : Object.values(b)).flat() : [];
    for (const t of all) if (t instanceof Tensor && !t.isDisposed) t.dispose();
    throw new Error(
      `${what}: batch ${i} of the dataset is not {xs, ys} (or [x, y]) of tensors (a flow() without y has no ys)`,
    );
  }
  return [pair[0]!, pair[1]!];
}

const freeBatch = (x: TensorOrList, y: TensorOrList) => {
  for (const t of [...(Array.isArray(x) ? x : [x]), ...(Array.isArray(y) ? y : [y])]) if (!t.isDisposed) t.dispose();
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

const batchSize = (x: TensorOrList) => (Array.isArray(x) ? x[0] : x).shape[0];

async function evaluateDataset(model: LayersModel, ds: DatasetLike, maxBatches: number | undefined): Promise<Logs> {
  const what = `${model.name}: fitDataset: validationData`;
  const it = await iteratorOf(what, ds);
  const means = new Means();
  for (let i = 0; maxBatches === undefined || i < maxBatches; i++) {
    const r = await it.next();
    if (r.done) break;
    const [x, y] = unpack(what, r.value, i);
    try {
      means.add(named(model, model.testOnBatch(x, y), 'val_'), batchSize(x));
    } finally {
      freeBatch(x, y);
    }
  }
  return means.logs();
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

/** The step of one batch: trainOnBatch, which refuses to run while isTraining, so lifted for the (synchronous) call. */
function trainStepOf(model: LayersModel, x: TensorOrList, y: TensorOrList): number | number[] {
  model.isTraining = false;
  try {
    return model.trainOnBatch(x, y);
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
  // [x, y] of tensors (or of tensor lists) is validation data; anything else a dataset. So a
  // validation dataset written as an array must hold {xs, ys} batches.
  const isTensors = (t: unknown) =>
    t instanceof Tensor || (Array.isArray(t) && t.length > 0 && t.every((u) => u instanceof Tensor));
  const valTensors =
    Array.isArray(val) && val.length === 2 && isTensors(val[0]) && isTensors(val[1])
      ? (val as [TensorOrList, TensorOrList])
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
      const [x, y] = unpack(what, r.value, b);
      const size = batchSize(x);
      try {
        if ((pending = list.onBatchBegin(b, { batch: b, size }))) await pending;
        means.add(named(model, trainStepOf(model, x, y)), size);
      } finally {
        freeBatch(x, y);
      }
      if ((pending = list.onBatchEnd(b, { ...means.logs(), batch: b, size }))) await pending;
    }
    if (b === 0 && !dry) throw new Error(`${what}: the dataset gave no batches in epoch ${epoch + 1}`);
    const logs = means.logs();
    if (val !== undefined && b > 0) {
      if (valTensors) {
        const v = model.evaluate(valTensors[0], valTensors[1], { batchSize: args.validationBatchSize ?? 32 });
        Object.assign(logs, named(model, v, 'val_'));
      } else Object.assign(logs, await evaluateDataset(model, val as DatasetLike, args.validationBatches));
    }
    if ((pending = list.onEpochEnd(epoch, logs))) await pending;
  }
  shared = null;
  if ((pending = list.onTrainEnd({}))) await pending;
  return history;
}
