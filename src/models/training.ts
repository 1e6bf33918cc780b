// Keras' training loop for LayersModel: compile, fit, evaluate, trainOnBatch, testOnBatch.
// Every batch runs in its own scope and every intermediate is freed, so memory() after epoch 1
// equals memory() after epoch 5. Each optimizer update is one fused kernel per variable.
import { addNum, scalarOf, settle, settledNow, type Num } from './step_values.js';
import { ENGINE } from '../engine/engine.js';
import { Rng } from '../engine/random.js';
import { Tensor, type Variable } from '../engine/tensor.js';
import { add, div, maximum, mul } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { gather } from '../ops/gather.js';
import { variableGrads } from '../ops/gradients.js';
import { mean, sum } from '../ops/reduce.js';
import { reshape } from '../ops/reshape.js';
import { tensor } from '../ops/creation.js';
import { getLoss, type LossFn } from '../losses/index.js';
import { resolveMetric, type MetricFn } from '../metrics/index.js';
import { getOptimizer, type Optimizer, type OptimizerIdentifier } from '../optimizers/index.js';
import { CallbackList, History, ProgbarLogger, toCallbacks, type CallbackArg } from '../callbacks/index.js';
import type { Logs } from '../callbacks/types.js';
import { sliceRows, type LayersModel, type ModelData } from './model.js';
import { checkData, dataList } from './check_data.js';
import { checkNotTraining, validateEvaluateArgs, validateFitArgs } from './validate.js';
import {
  batchWeights,
  resolveClassWeights,
  resolveSampleWeights,
  type ClassWeightArg,
  type ClassWeightMap,
  type OutputWeights,
  type SampleWeightArg,
} from './sample_weights.js';

/** A loss: a Keras or tfjs name ('categorical_crossentropy', 'meanSquaredError') or a function (yTrue, yPred) -> per-sample losses. */
export type LossArg = string | LossFn;
/** A metric: a name ('accuracy', 'mae') or a function (yTrue, yPred) -> per-sample values. */
export type MetricArg = string | MetricFn;

/** The arguments of `compile`: optimizer, loss(es), metrics, loss weights. */
export interface CompileArgs {
  /** An optimizer object, a name ('adam', 'rmsprop') or a Keras-style config. */
  optimizer: OptimizerIdentifier;
  /**
   * One loss for every output, a list (one per output) or a map by output layer name. Optional
   * when the layers add their own losses (`addLoss`) or a custom `trainStep` computes the loss:
   * then `fit` needs no `y`.
   */
  loss?: LossArg | LossArg[] | Record<string, LossArg>;
  /**
   * Metrics: one list for every output, a list of lists (one per output, Keras' nested form) or a
   * map by output layer name.
   */
  metrics?: MetricArg[] | MetricArg[][] | Record<string, MetricArg[]>;
  /**
   * Weights of each output's loss in the total: a list in output order or a map by output layer
   * name (Keras' loss_weights; default 1 each).
   */
  lossWeights?: number[] | Record<string, number>;
}

/** Options of `fit` (Keras' keyword arguments in camelCase). */
export interface FitArgs {
  /** Samples per gradient step (default 32). */
  batchSize?: number;
  /** Epochs to train (default 1). */
  epochs?: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch; Keras' 'auto' is 1. */
  verbose?: 0 | 1 | 2 | 'auto';
  /** Callbacks: objects with onEpochEnd etc. (sync or async), or a list of them. */
  callbacks?: CallbackArg;
  /** The fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** [xVal, yVal] or [xVal, yVal, sampleWeightVal] (the weights in any form `sampleWeight` takes). */
  validationData?: [ModelData, ModelData] | [ModelData, ModelData, SampleWeightArg];
  /** Shuffle the training samples before each epoch (default true). */
  shuffle?: boolean;
  /**
   * Weights by class, multiplying each sample's loss: `{classIndex: weight}`, or for a model with
   * several outputs one per output (a list, or a map by output layer name).
   */
  classWeight?: ClassWeightArg;
  /**
   * Weights by sample ([n] each): one tensor for every output, or one per output as a list or a
   * map by output layer name (Keras' sample_weight).
   */
  sampleWeight?: SampleWeightArg;
  /** The epoch to start counting from (to resume a run; default 0). */
  initialEpoch?: number;
  /**
   * Seed of the per-epoch shuffles (default: drawn from the global seed that
   * `sg.utils.setRandomSeed` sets, else random).
   */
  seed?: number;
}

/** Options of `evaluate`. */
export interface EvaluateArgs {
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** 0 silent, 1 or 'auto' default; evaluate prints nothing either way. */
  verbose?: 0 | 1 | 2 | 'auto';
  /** As fit's: one tensor for every output, or one per output (list or map by output name). */
  sampleWeight?: SampleWeightArg;
}

/** What compile() resolved, per output. */
export interface CompiledState {
  optimizer: Optimizer;
  /** Created by compile() from a name or config, so the model disposes it. */
  optimizerOwned: boolean;
  losses: { fn: LossFn; name: string }[];
  metrics: { fn: MetricFn; name: string }[][];
  lossWeights: number[];
  /** Log keys in Keras order: loss, then each output's metrics. */
  metricNames: string[];
  /**
   * The variables `fit` trains, fixed when compile() ran (Keras' compile-time semantics: setting
   * `trainable` afterwards takes effect at the next compile()).
   */
  trainableVars: Variable[];
  /** Names of metrics layers added (`addMetric`) or a custom trainStep returned, as first seen. */
  extraNames: string[];
}

/**
 * What one training or test step reports: host numbers (N = number), or while reads are pending
 * on a backend without synchronous readback (webgpu), promises of them (N = Num; see step_values.ts).
 */
export type StepResult<N = number> = {
  /** The total loss, then each output's loss (several outputs). */
  losses: N[];
  /** Each compiled metric summed over the batch's samples (over the kept steps where the output has a mask). */
  metricSums: N[];
  /** What each metric sum counts: the batch's samples, or its kept steps where the output has a mask. */
  metricCounts: N[];
  /** Batch means by name: metrics added with `addMetric`, or what a custom trainStep returned. */
  extra: Record<string, N>;
};

/** The batch a custom `trainStep` receives: the model's input(s), target(s) and sample weights. */
export interface StepData {
  /** One tensor for a one-input model, else a list in input order. */
  x: Tensor | Tensor[];
  /** One tensor for a one-output model, else a list; null when fit got no y. */
  y: Tensor | Tensor[] | null;
  /** One entry per output (null: unweighted), from fit's sampleWeight and classWeight. */
  sampleWeight?: OutputWeights;
}

/**
 * What a `trainStep` returns: values by log name (numbers, scalar tensors freed after the step, or
 * promises of numbers, as the base step gives on webgpu; fit awaits them at the end of the batch).
 */
export type StepLogs = Record<string, number | Tensor | Promise<number>>;

function perOutput<T>(
  model: LayersModel,
  what: string,
  v: T | T[] | Record<string, T>,
  isItem: (x: unknown) => boolean,
): T[] {
  const names = model.outputs.map((o) => o.node!.layer.name);
  if (isItem(v)) return names.map(() => v as T);
  if (Array.isArray(v)) {
    if (v.length !== names.length)
      throw new Error(`${model.name}: compile got ${v.length} ${what} for ${names.length} outputs`);
    return v;
  }
  const rec = v as Record<string, T>;
  for (const k of Object.keys(rec)) {
    if (!names.includes(k))
      throw new Error(
        `${model.name}: compile got a ${what.replace(/es$|s$/, '')} for unknown output '${k}'; outputs: ${names.join(', ')}`,
      );
  }
  return names.map((n) => {
    if (!(n in rec)) throw new Error(`${model.name}: compile has no ${what.replace(/es$|s$/, '')} for output '${n}'`);
    return rec[n];
  });
}

/** Resolves the optimizer, losses and metrics by name (Keras snake_case accepted). */
export function compileModel(model: LayersModel, args: CompileArgs): CompiledState {
  if (!args || typeof args !== 'object') throw new Error(`${model.name}: compile needs {optimizer, loss}`);
  if (args.optimizer === undefined) throw new Error(`${model.name}: compile needs an 'optimizer'`);
  if (!model.outputs.length) {
    throw new Error(
      `${model.name}: the model has not been built yet; give its first layer an inputShape before compile()`,
    );
  }
  const isLoss = (x: unknown) => typeof x === 'string' || typeof x === 'function';
  if (args.loss == null && args.metrics && (Array.isArray(args.metrics) ? args.metrics.length : Object.keys(args.metrics).length)) {
    throw new Error(`${model.name}: compile got metrics but no 'loss'; metrics compare y with the output, so give a loss too`);
  }
  const lossArgs = args.loss == null ? [] : perOutput<LossArg>(model, 'losses', args.loss, isLoss);
  const losses = lossArgs.map((l) => ({ fn: getLoss(l), name: typeof l === 'string' ? l : l.name || 'loss' }));
  const metricLists = args.loss == null
    ? []
    : args.metrics
    ? Array.isArray(args.metrics) && args.metrics.length > 0 && args.metrics.every((m) => Array.isArray(m))
      ? perOutput<MetricArg[]>(model, 'metric lists', args.metrics as MetricArg[][], () => false)
      : Array.isArray(args.metrics)
      ? model.outputs.map(() => args.metrics as MetricArg[])
      : perOutput<MetricArg[]>(model, 'metrics', args.metrics, () => false)
    : model.outputs.map(() => []);
  const multi = model.outputs.length > 1;
  const metrics = metricLists.map((list, i) =>
    list.map((m) => {
      const r = resolveMetric(m, lossArgs[i], model.outputs[i].shape);
      const prefix = multi ? `${model.outputs[i].node!.layer.name}_` : '';
      return { fn: r.fn, name: prefix + r.name };
    }),
  );
  const lw = args.lossWeights;
  if (lw !== undefined && (lw === null || typeof lw !== 'object')) {
    throw new Error(`${model.name}: compile: lossWeights must be a list (one per output) or a map by output name but is ${String(lw)}`);
  }
  const lossWeights =
    lw === undefined
      ? model.outputs.map(() => 1)
      : Array.isArray(lw)
        ? lw
        : perOutput<number>(model, 'loss weights', lw, () => false).map((w) => w);
  if (lossArgs.length && lossWeights.length !== model.outputs.length) {
    throw new Error(`${model.name}: lossWeights has ${lossWeights.length} entries for ${model.outputs.length} outputs`);
  }
  lossWeights.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w)) {
      throw new Error(`${model.name}: compile: the loss weight of output '${model.outputs[i].node!.layer.name}' must be a finite number but is ${String(w)}`);
    }
  });
  const metricNames = [
    'loss',
    ...(multi && lossArgs.length ? model.outputs.map((o) => `${o.node!.layer.name}_loss`) : []),
    ...metrics.flat().map((m) => m.name),
  ];
  const optimizer = getOptimizer(args.optimizer);
  const trainableVars = model.trainableWeights.map((w) => w.variable);
  return {
    optimizer,
    optimizerOwned: optimizer !== args.optimizer,
    losses,
    metrics,
    lossWeights,
    metricNames,
    trainableVars,
    extraNames: [],
  };
}


/**
 * The weighted loss of one batch (a scalar): the compiled losses, the losses the layers added
 * (`addLoss`, `added`) and the regularization penalties.
 */
export function totalLoss(
  model: LayersModel,
  c: CompiledState,
  preds: Tensor[],
  ys: Tensor[],
  sw?: Tensor | OutputWeights,
  added: Tensor[] = [],
  masks?: (Tensor | null)[],
): { total: Tensor; perOutput: Tensor[] } {
  const perOutput = c.losses.length === 0 ? [] : preds.map((p, i) => {
    let l = c.losses[i].fn(ys[i], p);
    const w = sw instanceof Tensor ? sw : sw?.[i];
    if (w) l = mul(l, reshape(w, [w.size, ...l.shape.slice(1).map(() => 1)]));
    const m = lossMask(masks?.[i], l);
    // Keras 3 (losses.loss.apply_mask): masked entries weigh 0, the others total/valid, so the
    // mean is over the kept entries only.
    if (m) l = mul(l, mul(m, div(m.size, maximum(sum(m), 1))));
    return mean(l);
  });
  const reg = [...added, ...model.regularizationLosses()];
  if (perOutput.length === 0 && reg.length === 0) {
    throw new Error(
      `${model.name}: there is no loss to minimise: compile() got no 'loss' and no layer added one with addLoss()`,
    );
  }
  let total =
    perOutput.length === 0
      ? reg.shift()!
      : perOutput.length === 1 && c.lossWeights[0] === 1
        ? perOutput[0]
        : perOutput.map((l, i) => mul(l, c.lossWeights[i])).reduce((a, b) => add(a, b));
  if (reg.length)
    total = add(
      total,
      reg.reduce((a, b) => add(a, b)),
    );
  return { total, perOutput };
}

/** An output's mask as float32 when it fits the per-entry loss or metric values `l`, else null. */
function lossMask(mask: Tensor | null | undefined, l: Tensor): Tensor | null {
  if (!mask || mask.rank !== l.rank || mask.shape.some((d, k) => d !== l.shape[k])) return null;
  return cast(mask, 'float32');
}

/**
 * Per-batch sums of each metric (host numbers) over `preds`, and what each sum counts: samples,
 * or the kept entries where the output carries a mask (Keras 3 weights metrics by the mask).
 */
function metricSums(
  c: CompiledState,
  preds: Tensor[],
  ys: Tensor[],
  masks?: (Tensor | null)[],
): { sums: Num[]; counts: Num[] } {
  const sums: Num[] = [];
  const counts: Num[] = [];
  c.metrics.forEach((list, i) => {
    for (const m of list) {
      // Per-sample values: a metric of shape [batch, steps...] is averaged over its steps first,
      // as Keras' Mean metric averages every element (per-character accuracy of a seq2seq model).
      // Without a mask the count is the batch's samples, known on the host (no tensor, no read).
      let count = 0;
      const [v, n] = ENGINE.tidy(() => {
        const per = m.fn(ys[i], preds[i]);
        const mask = lossMask(masks?.[i], per);
        if (mask) return [sum(mul(per, mask)), sum(mask)];
        count = per.rank > 0 ? per.shape[0] : 1;
        const s = sum(
          per.rank > 1
            ? mean(
                per,
                per.shape.slice(1).map((_, k) => k + 1),
              )
            : per,
        );
        return [s];
      });
      sums.push(scalarOf(v));
      counts.push(n ? scalarOf(n) : count);
      v.dispose();
      n?.dispose();
    }
  });
  return { sums, counts };
}

/** Reads the metrics the layers added in the last call: batch means by name, summed per name. */
function readAdded(metrics: { name: string; value: Tensor }[]): Record<string, Num> {
  const out: Record<string, Num> = {};
  for (const m of metrics) out[m.name] = addNum(out[m.name] ?? 0, scalarOf(m.value));
  return out;
}

/**
 * One optimizer step on one batch of the built-in training: the compiled loss plus the added
 * losses and penalties, differentiated with respect to the variables compile() saw as trainable.
 * Returns the batch's loss (and per-output losses), the metric sums and the added metrics.
 */
export function trainStep(
  model: LayersModel,
  c: CompiledState,
  xs: Tensor[],
  ys: Tensor[],
  sw?: OutputWeights,
): StepResult<Num> {
  const vars: Variable[] = c.trainableVars.filter((v) => !v.isDisposed);
  if (vars.length === 0) throw new Error(`${model.name}: the model has no trainable weights (as of its last compile())`);
  let kept: Tensor[] = [];
  let lossOutputs: Tensor[] = [];
  let addedMetrics: { name: string; value: Tensor }[] = [];
  let keptMasks: (Tensor | null)[] = [];
  try {
    const { value, grads } = variableGrads(() => {
      const masks: (Tensor | null)[] = [];
      const preds = model.execute(xs, true, masks);
      const { total, perOutput } = totalLoss(model, c, preds, ys, sw, model.addedLosses(), masks);
      // Keep the predictions for the metrics (computed after backward, off the tape) and the
      // per-output losses for the logs; freed below.
      kept = preds.map((p) => ENGINE.keepTensor(p));
      keptMasks = masks.map((m) => (m ? ENGINE.keepTensor(m) : null));
      lossOutputs = perOutput.length > 1 ? perOutput.map((p) => ENGINE.keepTensor(p)) : [];
      addedMetrics = model.addedMetrics().map((m) => ({ name: m.name, value: ENGINE.keepTensor(m.value) }));
      return total;
    }, vars);
    c.optimizer.applyGradients(grads);
    for (const g of Object.values(grads)) g.dispose();
    model.applyConstraints();
    const losses = [scalarOf(value), ...lossOutputs.map(scalarOf)];
    value.dispose();
    const ms = ys.length ? metricSums(c, kept, ys, keptMasks) : { sums: [], counts: [] };
    return { losses, metricSums: ms.sums, metricCounts: ms.counts, extra: readAdded(addedMetrics) };
  } finally {
    const masks = keptMasks.filter((m): m is Tensor => m !== null);
    for (const t of [...kept, ...masks, ...lossOutputs, ...addedMetrics.map((m) => m.value)]) ENGINE.releaseKept(t);
  }
}

/**
 * Runs a model's own `trainStep` (an override) on one batch and reads what it returns: numbers
 * as they are, tensors as their mean. Runs inside the batch's scope, which frees the tensors.
 */
function customTrainStep(model: LayersModel, xs: Tensor[], ys: Tensor[], sw?: OutputWeights): StepResult<Num> {
  const logs = model.trainStep({
    x: xs.length === 1 ? xs[0] : xs,
    y: ys.length === 0 ? null : ys.length === 1 ? ys[0] : ys,
    sampleWeight: sw,
  });
  if (logs === null || typeof logs !== 'object') {
    throw new Error(`${model.name}: trainStep must return an object of logs ({ loss: ... }) but returned ${String(logs)}`);
  }
  const extra: Record<string, Num> = {};
  for (const [k, v] of Object.entries(logs)) {
    if (typeof v === 'number' || v instanceof Promise) extra[k] = v;
    else if (v instanceof Tensor) {
      const m = ENGINE.tidy(() => (v.rank === 0 ? v : mean(v)));
      extra[k] = scalarOf(m);
    } else throw new Error(`${model.name}: trainStep returned '${k}' = ${String(v)}; expected a number or a tensor`);
  }
  return { losses: [], metricSums: [], metricCounts: [], extra };
}

/** The step fit() and trainOnBatch() run: the model's trainStep override, else the built-in one. */
function runTrainStep(model: LayersModel, c: CompiledState, xs: Tensor[], ys: Tensor[], sw?: OutputWeights): StepResult<Num> {
  return model.hasCustomTrainStep() ? customTrainStep(model, xs, ys, sw) : trainStep(model, c, xs, ys, sw);
}

/** Loss and metric sums of one batch in inference mode. */
function testStep(
  model: LayersModel,
  c: CompiledState,
  xs: Tensor[],
  ys: Tensor[],
  sw?: OutputWeights,
): StepResult<Num> {
  let names: string[] = [];
  const { preds, masks, added, metricValues } = ENGINE.tidy(() => {
    const masks: (Tensor | null)[] = [];
    const preds = model.execute(xs, false, masks);
    const am = model.addedMetrics();
    names = am.map((m) => m.name);
    return { preds, masks, added: model.addedLosses(), metricValues: am.map((m) => m.value) };
  });
  try {
    const ls = ENGINE.tidy(() => {
      const { total, perOutput } = totalLoss(model, c, preds, ys, sw, added, masks);
      return [total, ...(perOutput.length > 1 ? perOutput : [])];
    });
    const losses = ls.map(scalarOf);
    for (const l of ls) l.dispose();
    const extra = readAdded(metricValues.map((value, i) => ({ name: names[i], value })));
    const ms = ys.length ? metricSums(c, preds, ys, masks) : { sums: [], counts: [] };
    return { losses, metricSums: ms.sums, metricCounts: ms.counts, extra };
  } finally {
    const ownMasks = masks.filter((m): m is Tensor => m !== null);
    for (const t of [...preds, ...ownMasks, ...added, ...metricValues]) t.dispose();
  }
}

/** Host-side running means of the loss and metrics over an epoch (weighted by batch size). */
class EpochMeans {
  private lossSums: number[] = [];
  private metricTotals: number[] = [];
  private metricCounts: number[] = [];
  private extraSums = new Map<string, number>();
  private samples = 0;
  constructor(
    private readonly c: CompiledState,
    private readonly prefix = '',
  ) {}

  add(r: StepResult, batch: number): void {
    r.losses.forEach((l, i) => (this.lossSums[i] = (this.lossSums[i] ?? 0) + l * batch));
    r.metricSums.forEach((m, i) => (this.metricTotals[i] = (this.metricTotals[i] ?? 0) + m));
    r.metricCounts.forEach((m, i) => (this.metricCounts[i] = (this.metricCounts[i] ?? 0) + m));
    for (const [k, v] of Object.entries(r.extra)) {
      this.extraSums.set(k, (this.extraSums.get(k) ?? 0) + v * batch);
      if (!this.c.extraNames.includes(k) && !this.c.metricNames.includes(k)) this.c.extraNames.push(k);
    }
    this.samples += batch;
  }

  logs(): Logs {
    const logs: Logs = {};
    const names = this.c.metricNames;
    const nLoss = this.lossSums.length;
    // A custom trainStep reports only its own names (extra); the built-in step all compiled ones.
    if (nLoss > 0) {
      names.forEach((name, i) => {
        const v = i < nLoss ? this.lossSums[i] / this.samples : this.metricTotals[i - nLoss] / this.metricCounts[i - nLoss];
        logs[this.prefix + name] = v;
      });
    }
    for (const [k, v] of this.extraSums) logs[this.prefix + k] = v / this.samples;
    return logs;
  }
}

function rows(ts: Tensor[], idx: Tensor | null, start: number, size: number): Tensor[] {
  return ts.map((t) => (idx ? gather(t, idx) : sliceRows(t, start, size)));
}

/** Keras' fit loop. */
export async function fitModel(
  model: LayersModel,
  c: CompiledState,
  x: ModelData,
  y: ModelData,
  args: FitArgs = {},
): Promise<History> {
  // Refused before anything else, so a second fit() cannot touch the running one's state.
  checkNotTraining(model, 'fit');
  const {
    batchSize,
    epochs,
    verbose,
    initialEpoch,
    validationSplit: split,
    shuffle,
  } = validateFitArgs(model.name, args);
  args ??= {};
  let xs = dataList(model, 'fit', 'x', x, 'input');
  let ys = dataList(model, 'fit', 'y', y, 'output');
  model.ensureBuiltFor(xs);
  const n = checkData(model, c, xs, ys);
  const sw = resolveSampleWeights(model, 'fit', 'sampleWeight', args.sampleWeight, n);
  const cw = resolveClassWeights(model, 'fit', args.classWeight);
  let val: { xs: Tensor[]; ys: Tensor[]; sw?: OutputWeights } | null = null;
  if (args.validationData) {
    const [vx, vy, vsw] = args.validationData as [ModelData, ModelData, SampleWeightArg?];
    val = { xs: dataList(model, 'fit', 'validationData x', vx, 'input'), ys: dataList(model, 'fit', 'validationData y', vy, 'output') };
    const nVal = checkData(model, c, val.xs, val.ys, 'fit: validationData');
    val.sw = resolveSampleWeights(model, 'fit', 'validationData sampleWeight (its third entry)', vsw, nVal);
  }
  // From here on the model is training: a second fit() or trainOnBatch() is refused until the
  // finally below (also when a callback throws).
  model.isTraining = true;
  const owned: Tensor[] = [];
  try {
    return await fitLoop(model, c, xs, ys, sw, cw, val, owned, args, {
      batchSize,
      epochs,
      verbose,
      initialEpoch,
      split,
      shuffle,
      n,
    });
  } finally {
    model.isTraining = false;
    for (const t of owned) t.dispose();
  }
}

async function fitLoop(
  model: LayersModel,
  c: CompiledState,
  xs: Tensor[],
  ys: Tensor[],
  sw: OutputWeights | undefined,
  cw: (ClassWeightMap | null)[] | undefined,
  val: { xs: Tensor[]; ys: Tensor[]; sw?: OutputWeights } | null,
  owned: Tensor[],
  args: FitArgs,
  o: {
    batchSize: number;
    epochs: number;
    verbose: 0 | 1 | 2;
    initialEpoch: number;
    split: number;
    shuffle: boolean;
    n: number;
  },
): Promise<History> {
  const { batchSize, epochs, verbose, initialEpoch, split, shuffle, n } = o;
  if (!val && split > 0) {
    // Keras takes the last fraction of the samples, before any shuffling.
    const nTrain = Math.floor(n * (1 - split));
    if (nTrain === 0 || nTrain === n)
      throw new Error(
        `${model.name}: fit: validationSplit ${split} of ${n} samples leaves no training or no validation samples`,
      );
    val = { xs: xs.map((t) => sliceRows(t, nTrain, n - nTrain)), ys: ys.map((t) => sliceRows(t, nTrain, n - nTrain)) };
    xs = xs.map((t) => sliceRows(t, 0, nTrain));
    ys = ys.map((t) => sliceRows(t, 0, nTrain));
    owned.push(...val.xs, ...val.ys, ...xs, ...ys);
    if (sw) {
      const all = sw;
      val.sw = all.map((t) => (t ? sliceRows(t, nTrain, n - nTrain) : null));
      sw = all.map((t) => (t ? sliceRows(t, 0, nTrain) : null));
      for (const t of [...val.sw, ...sw]) if (t) owned.push(t);
    }
  }
  const nTrain = xs[0].shape[0];
  const steps = Math.ceil(nTrain / batchSize);
  const history = new History();
  const user = toCallbacks(args.callbacks);
  // Keras' order: the user's callbacks first (so e.g. reduceLROnPlateau's 'lr' reaches the
  // logs), then History, then the progress bar.
  const list = new CallbackList([...user, history, ...(verbose > 0 ? [new ProgbarLogger()] : [])]);
  const valNames = val ? c.metricNames.map((m) => `val_${m}`) : [];
  list.setModel(model);
  list.setParams({ epochs, steps, samples: nTrain, verbose, metrics: [...c.metricNames, ...valNames], initialEpoch });
  model.stopTraining = false;
  // Unseeded, the shuffles draw their seed from the global seed (sg.utils.setRandomSeed).
  const rng = new Rng(args.seed);
  // Hooks are awaited only when they return a promise: synchronous callbacks cost no microtask.
  let pending: void | Promise<void>;
  const removeInterrupt = stopOnInterrupt(model);
  let lastYield = performance.now();
  try {
    if ((pending = list.onTrainBegin({}))) await pending;
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      if ((pending = list.onEpochBegin(epoch, {}))) await pending;
      const order = Int32Array.from({ length: nTrain }, (_, i) => i);
      if (shuffle) {
        for (let i = nTrain - 1; i > 0; i--) {
          const j = Math.floor(rng.uniform() * (i + 1));
          [order[i], order[j]] = [order[j], order[i]];
        }
      }
      const shuffled = shuffle;
      const means = new EpochMeans(c);
      for (let b = 0; b < steps && !model.stopTraining; b++) {
        const start = b * batchSize;
        const size = Math.min(batchSize, nTrain - start);
        if ((pending = list.onBatchBegin(b, { batch: b, size }))) await pending;
        let r!: StepResult<Num>;
        ENGINE.tidy(() => {
          const idx = shuffled ? tensor(order.subarray(start, start + size), [size], 'int32') : null;
          const bx = rows(xs, idx, start, size);
          const by = rows(ys, idx, start, size);
          const bsw = batchWeights(sw, cw, by, (t) => rows([t], idx, start, size)[0]);
          r = runTrainStep(model, c, bx, by, bsw);
        });
        means.add(settledNow(r) ?? (await settle(r)), size);
        if ((pending = list.onBatchEnd(b, Object.assign(means.logs(), { batch: b, size })))) await pending;
        if (performance.now() - lastYield > YIELD_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      const logs = means.logs();
      if (val) {
        const vl = evaluateInternal(model, c, val.xs, val.ys, val.sw, batchSize, 'val_');
        Object.assign(logs, vl instanceof Promise ? await vl : vl);
      }
      if ((pending = list.onEpochEnd(epoch, logs))) await pending;
    }
    if ((pending = list.onTrainEnd({}))) await pending;
  } finally {
    removeInterrupt();
  }
  return history;
}

/**
 * fit() yields to the event loop every YIELD_MS of training, so a page stays responsive, timers
 * and I/O run, and Ctrl-C reaches its handler; at ~5 ms a batch that is one yield in ten batches.
 */
const YIELD_MS = 50;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  );
}

/**
 * In Node, the first Ctrl-C during fit() stops training after the current batch, so fit()
 * returns its History and frees every tensor it made; a second Ctrl-C exits at once.
 * Returns the function that removes the handler.
 */
function stopOnInterrupt(model: LayersModel): () => void {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (!proc || typeof proc.on !== 'function' || typeof proc.off !== 'function') return () => {};
  let interrupts = 0;
  const handler = () => {
    if (++interrupts > 1) proc.exit(130);
    model.stopTraining = true;
    proc.stderr?.write(`\n${model.name}: interrupted; fit() stops after this batch (Ctrl-C again to quit now)\n`);
  };
  proc.on('SIGINT', handler);
  return () => proc.off('SIGINT', handler);
}

function evaluateInternal(
  model: LayersModel,
  c: CompiledState,
  xs: Tensor[],
  ys: Tensor[],
  sw: OutputWeights | undefined,
  batchSize: number,
  prefix = '',
): Logs | Promise<Logs> {
  const n = xs[0].shape[0];
  const means = new EpochMeans(c, prefix);
  // Steps whose reads are pending (webgpu) are summed once read: the logs are then a promise.
  const later: { r: StepResult<Num>; size: number }[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const bx = xs.map((t) => sliceRows(t, start, size));
    const by = ys.map((t) => sliceRows(t, start, size));
    const bsw = sw?.map((t) => (t ? sliceRows(t, start, size) : null));
    try {
      const r = testStep(model, c, bx, by, bsw);
      const now = settledNow(r);
      if (now) means.add(now, size);
      else later.push({ r, size });
    } finally {
      for (const t of [...bx, ...by, ...(bsw ?? [])]) t?.dispose();
    }
  }
  if (later.length === 0) return means.logs();
  return (async () => {
    for (const { r, size } of later) means.add(await settle(r), size);
    return means.logs();
  })();
}

/**
 * Loss (and metrics) over x and y in inference mode, as numbers in Keras' order; a promise of
 * them where the backend reads asynchronously (webgpu: read once, after the last batch).
 */
export function evaluateModel(
  model: LayersModel,
  c: CompiledState,
  x: ModelData,
  y: ModelData,
  args: EvaluateArgs = {},
): number | number[] | Promise<number | number[]> {
  const { batchSize } = validateEvaluateArgs(model.name, args);
  args ??= {};
  const xs = dataList(model, 'evaluate', 'x', x, 'input');
  const ys = dataList(model, 'evaluate', 'y', y, 'output');
  model.ensureBuiltFor(xs);
  const n = checkData(model, c, xs, ys, 'evaluate');
  const sw = resolveSampleWeights(model, 'evaluate', 'sampleWeight', args.sampleWeight, n);
  const got = evaluateInternal(model, c, xs, ys, sw, batchSize);
  const values = (logs: Logs) => {
    const v = [...c.metricNames, ...c.extraNames].filter((m) => m in logs).map((m) => logs[m]);
    return v.length === 1 ? v[0] : v;
  };
  return got instanceof Promise ? got.then(values) : values(got);
}

/**
 * One batch through `train` (trainOnBatch) or `test` (testOnBatch): the loss and metrics as
 * numbers, or a promise of them where the backend reads asynchronously (webgpu).
 */
export function onBatchModel(
  what: 'trainOnBatch' | 'testOnBatch',
  model: LayersModel,
  c: CompiledState,
  x: ModelData,
  y: ModelData,
  sampleWeight?: SampleWeightArg,
  classWeight?: ClassWeightArg,
): number | number[] | Promise<number | number[]> {
  if (what === 'trainOnBatch') checkNotTraining(model, what);
  const xs = dataList(model, what, 'x', x, 'input');
  const ys = dataList(model, what, 'y', y, 'output');
  model.ensureBuiltFor(xs);
  const n = checkData(model, c, xs, ys, what);
  const sw = resolveSampleWeights(model, what, 'sampleWeight', sampleWeight, n);
  const cw = resolveClassWeights(model, what, classWeight);
  let step!: StepResult<Num>;
  if (what === 'trainOnBatch') ENGINE.tidy(() => void (step = runTrainStep(model, c, xs, ys, batchWeights(sw, cw, ys, (t) => t))));
  else step = testStep(model, c, xs, ys, sw);
  const values = (r: StepResult) => {
    for (const k of Object.keys(r.extra)) if (!c.extraNames.includes(k) && !c.metricNames.includes(k)) c.extraNames.push(k);
    const v = [...r.losses, ...r.metricSums.map((m, i) => m / r.metricCounts[i]), ...Object.values(r.extra)];
    return v.length === 1 ? v[0] : v;
  };
  const now = settledNow(step);
  return now ? values(now) : settle(step).then(values);
}
