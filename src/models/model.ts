// LayersModel: Keras' functional Model, a graph of layer calls between symbolic inputs and
// outputs. Sequential is built on it; multi-input, multi-output and shared layers need no
// other machinery. Training lives in training.ts.
import { divNum } from './step_values.js';
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import { concat } from '../ops/concat.js';
import { slice } from '../ops/slice.js';
import { Layer, inCallContext, type CallArgs, type LayerWeight } from '../layers/layer.js';
import { InputLayer } from '../layers/core/input.js';
import { Node, SymbolicTensor, shapeStr, type SymbolicShape } from '../layers/symbolic.js';
import { argMax } from '../ops/reduce.js';
import { greater } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { reshape } from '../ops/reshape.js';
import type { History } from '../callbacks/index.js';
import { evaluateDatasetModel, fitDatasetModel, type DatasetLike, type EvaluateDatasetArgs, type FitDatasetArgs } from './fit_dataset.js';
import type { Optimizer } from '../optimizers/index.js';
import type { IOHandler, SaveConfig, SaveResult } from '../io/types.js';
import {
  compileModel,
  evaluateModel,
  fitModel,
  onBatchModel,
  totalLoss,
  trainStep,
  type StepData,
  type StepLogs,
  type CompileArgs,
  type CompiledState,
  type EvaluateArgs,
  type FitArgs,
} from './training.js';
import { checkNotTraining, validatePredictArgs } from './validate.js';
import type { ClassWeightArg, SampleWeightArg } from './sample_weights.js';
import { dataList, isTensorMap } from './check_data.js';
import { runnableChain, type InferenceChain } from './inference_chain.js';

/** Arguments of a functional model: the symbolic inputs and outputs of its graph. */
export interface ModelArgs {
  /** The model's inputs, from `sg.input()`. */
  inputs: SymbolicTensor | SymbolicTensor[];
  /** The model's outputs, from layer calls on the inputs. */
  outputs: SymbolicTensor | SymbolicTensor[];
  /** The model's name (default 'functional_N'). */
  name?: string;
}

/** One tensor, or a list for models with several inputs or outputs. */
export type TensorOrList = Tensor | Tensor[];

/**
 * x or y of fit, evaluate, trainOnBatch and testOnBatch: one tensor, a list in the model's input
 * (output) order, or a map by input (output) layer name, as Keras' dicts and tfjs' named maps.
 * @example model.fit({ image: x }, { digit: yDigit, parity: yParity });
 */
export type ModelData = Tensor | Tensor[] | { [name: string]: Tensor };

/**
 * Saving hooks, filled in by src/io/models_io.ts when simdgrad's index loads it (src/io imports
 * the models, so the models reach it through this table instead of an import cycle).
 */
export const modelIOHooks: {
  save?: (model: LayersModel, destination: string | IOHandler, config?: SaveConfig) => Promise<SaveResult>;
  toJSON?: (model: LayersModel) => string;
} = {};

/** Keras' functional Model (tfjs-layers' LayersModel): a graph of layer calls from symbolic inputs to outputs, trained with `compile` and `fit`; `Sequential` is one. @example const m = sg.model({ inputs: x, outputs: y }); */
export class LayersModel extends Layer {
  static override className = 'Functional';
  /** The graph's symbolic inputs, in order. */
  inputs: SymbolicTensor[] = [];
  /** The graph's symbolic outputs, in order. */
  outputs: SymbolicTensor[] = [];
  /** Layer calls in an order where every input is computed before it is used. */
  protected nodes: Node[] = [];
  /** The distinct layers of the graph, in call order (input layers first). */
  layers: Layer[] = [];

  constructor(args: Partial<ModelArgs> = {}) {
    super({ name: args.name });
    if (args.inputs && args.outputs) this.setGraph(args.inputs, args.outputs);
  }

  /** (Re)defines the graph: finds every node between the inputs and the outputs. */
  protected setGraph(inputs: SymbolicTensor | SymbolicTensor[], outputs: SymbolicTensor | SymbolicTensor[]): void {
    this.inputs = Array.isArray(inputs) ? inputs : [inputs];
    this.outputs = Array.isArray(outputs) ? outputs : [outputs];
    const inputIds = new Set(this.inputs.map((t) => t.id));
    for (const t of this.inputs) {
      if (!(t.node?.layer instanceof InputLayer))
        throw new Error(`${this.name}: model inputs must come from input() (got '${t.name}')`);
    }
    const order: Node[] = [];
    const state = new Map<Node, 'visiting' | 'done'>();
    const visit = (t: SymbolicTensor) => {
      const node = t.node!;
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting')
        throw new Error(`${this.name}: the layer graph has a cycle at '${node.layer.name}'`);
      state.set(node, 'visiting');
      if (!inputIds.has(t.id)) {
        if (node.inputs.length === 0) {
          throw new Error(`${this.name}: output depends on input '${t.name}', which is not among the model's inputs`);
        }
        node.inputs.forEach(visit);
      }
      state.set(node, 'done');
      order.push(node);
    };
    this.outputs.forEach(visit);
    this.nodes = order;
    const seen = new Set<Layer>();
    this.layers = [];
    for (const t of this.inputs)
      if (!seen.has(t.node!.layer)) (seen.add(t.node!.layer), this.layers.push(t.node!.layer));
    for (const n of order) if (!seen.has(n.layer)) (seen.add(n.layer), this.layers.push(n.layer));
    this.built = true;
  }

  /**
   * Runs the graph on concrete inputs. Intermediate tensors are freed by the caller's scope; so
   * are the losses and metrics layers add (read them with `addedLosses()` in that scope).
   */
  execute(xs: Tensor[], training = false, outMasks?: (Tensor | null)[], inMasks?: (Tensor | null)[]): Tensor[] {
    return inCallContext(this, () => this.executeGraph(xs, training, outMasks, inMasks));
  }

  /** The graph as slots (see GraphPlan), made again whenever setGraph changes the graph. */
  private plan: GraphPlan | null = null;

  private graphPlan(): GraphPlan {
    const p = this.plan;
    if (p && p.nodes === this.nodes && p.inputs === this.inputs && p.outputs === this.outputs) return p;
    return (this.plan = makePlan(this.inputs, this.outputs, this.nodes));
  }

  /**
   * Runs the nodes in order. `outMasks`, when given, receives each output's mask (or null): the
   * training loop weights the loss by it, as Keras 3 does. `inMasks` are the inputs' masks (a
   * model called as a layer on masked tensors). Values and masks live in arrays indexed by the
   * plan's slots (issue 17: Maps by tensor id and the per-node list building cost ~1 us a layer
   * of a one-sample predict); the masks array exists only once some mask does.
   */
  private executeGraph(
    xs: Tensor[],
    training: boolean,
    outMasks?: (Tensor | null)[],
    inMasks?: (Tensor | null)[],
  ): Tensor[] {
    if (xs.length !== this.inputs.length) {
      throw new Error(`${this.name}: expected ${this.inputs.length} input tensor(s) but got ${xs.length}`);
    }
    const plan = this.graphPlan();
    const values: (Tensor | undefined)[] = new Array(plan.slots);
    // Keras masks: each output's mask (from embedding maskZero, masking, ...) rides along and
    // reaches the next layer as its `mask` call argument; only passed where a mask exists.
    let masks: (Tensor | null)[] | null = null;
    for (let i = 0; i < xs.length; i++) {
      const t = this.inputs[i];
      checkShape(this.name, t, xs[i]);
      // As tfjs-layers' feed check: an input of another dtype (int32 data into a float32 model)
      // is cast to the input's dtype; the cast is freed by the caller's scope.
      values[plan.inputSlots[i]] = xs[i].dtype === t.dtype ? xs[i] : cast(xs[i], t.dtype);
      const m = inMasks?.[i];
      if (m) (masks ??= new Array<Tensor | null>(plan.slots).fill(null))[plan.inputSlots[i]] = m;
    }
    for (const step of plan.steps) {
      const node = step.node;
      const ins = step.ins;
      const one = ins.length === 1;
      const input = one ? values[ins[0]]! : ins.map((k) => values[k]!);
      let mask: Tensor | (Tensor | null)[] | null = null;
      if (masks !== null) {
        const ms = masks;
        const inMs = ins.map((k) => ms[k]);
        if (inMs.some((m) => m)) mask = one ? inMs[0] : inMs;
      }
      // No object spread with added keys ({...kwargs, training}): Node 20's V8 takes ~1-2 us for one, as much as
      // a small layer's kernel (issue 17: inference latency).
      const callArgs = (hasKeys(node.kwargs) ? Object.assign({}, node.kwargs, { training }) : { training }) as CallArgs;
      if (mask) callArgs.mask = mask;
      let out: Tensor | Tensor[];
      try {
        out = node.layer.callWithHooks(input, callArgs);
      } catch (e) {
        throw nameLayer(e, this.name, node.layer, one ? [input as Tensor] : (input as Tensor[]));
      }
      const outs = step.outs;
      if (Array.isArray(out)) for (let i = 0; i < outs.length; i++) values[outs[i]] = out[i];
      else values[outs[0]] = out;
      if (mask && !node.layer.handlesMasks()) {
        warnMaskDropped(node.layer);
        continue;
      }
      // Without an input mask the default computeMask gives none: no call (most layers).
      if (!mask && node.layer.computeMask === Layer.prototype.computeMask) continue;
      const outMask = node.layer.computeMask(input, mask);
      for (let i = 0; i < outs.length; i++) {
        const m = Array.isArray(outMask) ? outMask[i] : outMask;
        if (m) (masks ??= new Array<Tensor | null>(plan.slots).fill(null))[outs[i]] = m;
      }
    }
    if (outMasks) {
      outMasks.length = 0;
      for (const k of plan.outputSlots) outMasks.push(masks?.[k] ?? null);
    }
    const res: Tensor[] = new Array(plan.outputSlots.length);
    for (let i = 0; i < res.length; i++) res[i] = values[plan.outputSlots[i]]!;
    return res;
  }

  /**
   * One batch in inference mode: through the inference chain (src/models/inference_chain.ts:
   * Dense and Dropout-like layers as bare kernel calls) where the graph is one and it can run
   * these inputs, else through execute in a scope of its own. Same bits either way.
   */
  private inferBatch(xs: Tensor[]): Tensor[] {
    const chain = this.chainFor(xs);
    const y = chain ? inCallContext(this, () => chain.run(xs[0])) : null;
    if (y) return [y];
    return ENGINE.tidy(() => this.execute(xs, false));
  }

  /** The graph's inference chain where it is one and can run `xs` now, else null. */
  private chainFor(xs: Tensor[]): InferenceChain | null {
    return xs.length === 1 && this.built ? runnableChain(this.graphPlan(), xs[0]) : null;
  }

  override call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const m = args.mask;
    const inMasks = m ? (Array.isArray(m) ? m : [m]) : undefined;
    const outMasks: (Tensor | null)[] = [];
    const outs = this.execute(Array.isArray(inputs) ? inputs : [inputs], !!args.training, outMasks, inMasks);
    this.callMasks = outMasks;
    return outs.length === 1 ? outs[0] : outs;
  }

  /** The output masks of the last call, handed to `computeMask` right after it. */
  private callMasks: (Tensor | null)[] = [];

  /**
   * A model called as a layer: its outputs' masks, as its graph computed them in the call just
   * made (Keras 3's Functional.compute_mask), so masks flow through nested models.
   */
  override computeMask(): Tensor | (Tensor | null)[] | null {
    const m = this.callMasks;
    this.callMasks = [];
    if (m.length === 0 || m.every((t) => t === null)) return null;
    return m.length === 1 ? m[0] : m;
  }

  override computeOutputShape(): SymbolicShape | SymbolicShape[] {
    const s = this.outputs.map((o) => o.shape);
    return s.length === 1 ? s[0] : s;
  }

  /** A model used as a layer checks what it is called on against its inputs. */
  protected override checkInput(shape: SymbolicShape | SymbolicShape[]): void {
    if (!this.inputs.length) return;
    const shapes = this.inputs.length === 1 && !Array.isArray(shape[0]) ? [shape as SymbolicShape] : (shape as SymbolicShape[]);
    if (shapes.length !== this.inputs.length) {
      throw new Error(`${this.name}: the model has ${this.inputs.length} input(s) but was called on ${shapes.length}`);
    }
    this.inputs.forEach((sym, i) => {
      const s = shapes[i];
      const ok = s.length === sym.shape.length && s.every((d, k) => d === null || sym.shape[k] === null || d === sym.shape[k]);
      if (!ok) {
        throw new Error(
          `${this.name}: input '${sym.node!.layer.name}' expects shape ${shapeStr(sym.shape)} but the model was called on ${shapeStr(s)}`,
        );
      }
    });
  }

  /** The graph's layers (input layers included): their weights, losses and metrics are the model's. */
  override subLayers(): Layer[] {
    return this.layers.filter((l) => l !== this);
  }

  /** The model's output(s), as Keras' `model.output`. */
  override get output(): SymbolicTensor | SymbolicTensor[] {
    if (!this.outputs.length) throw new Error(`${this.name}: the model has no outputs yet (it has not been built)`);
    return this.outputs.length === 1 ? this.outputs[0] : this.outputs;
  }

  /** The model's input(s), as Keras' `model.input`. */
  override get input(): SymbolicTensor | SymbolicTensor[] {
    if (!this.inputs.length) throw new Error(`${this.name}: the model has no inputs yet (it has not been built)`);
    return this.inputs.length === 1 ? this.inputs[0] : this.inputs;
  }

  // ---- training ----

  /** Set by a callback (earlyStopping, terminateOnNaN) to end fit() after the current batch. */
  stopTraining = false;
  /** True while fit() runs: a second fit(), trainOnBatch(), compile() or dispose() is refused. */
  isTraining = false;
  /** Set by dispose(): later calls say so instead of failing on a freed weight. */
  isDisposed = false;

  /** Throws naming the call when the model was disposed. */
  protected assertNotDisposed(what: string): void {
    if (this.isDisposed) {
      throw new Error(`${this.name}: ${what}(): the model was disposed (model.dispose() freed its weights)`);
    }
  }
  private compiled?: CompiledState;

  /**
   * Configures training: optimizer, loss(es) and metrics, by object or Keras name.
   * @example model.compile({ optimizer: 'rmsprop', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
   */
  compile(args: CompileArgs): void {
    this.assertNotDisposed('compile');
    checkNotTraining(this, 'compile');
    const next = compileModel(this, args);
    this.disposeOwnedOptimizer();
    this.compiled = next;
  }

  /** An optimizer that compile() created from a name belongs to the model and dies with it. */
  private disposeOwnedOptimizer(): void {
    if (this.compiled?.optimizerOwned) this.compiled.optimizer.dispose();
  }

  private requireCompiled(what: string): CompiledState {
    this.assertNotDisposed(what);
    if (!this.compiled) throw new Error(`${this.name}: call compile() before ${what}()`);
    return this.compiled;
  }

  /** The optimizer `compile` set (throws before compile). */
  get optimizer(): Optimizer {
    return this.requireCompiled('optimizer').optimizer;
  }

  /** Log names in Keras order: 'loss', then the metrics. */
  get metricsNames(): string[] {
    const c = this.requireCompiled('metricsNames');
    // A custom trainStep names its own logs (once it has run); the built-in step the compiled ones.
    if (this.hasCustomTrainStep() && c.extraNames.length) return c.extraNames.slice();
    return [...c.metricNames, ...c.extraNames];
  }

  /**
   * One training step on one batch, called by `fit()` and `trainOnBatch()`. Override it (in a
   * subclass, or by assigning a function) for a custom training loop, as Keras 3's `train_step`:
   * compute the loss on a tape, apply the gradients, return the values to log.
   * Porting note: return the batch's values (numbers or scalar tensors); fit averages them over the
   * epoch weighted by batch size, where Keras' `train_step` returns its metric trackers' results.
   * The base step (`super.trainStep(data)`) returns numbers on the CPU backends and, on webgpu
   * (asynchronous reads: no readback inside a step), promises of numbers, which fit and
   * trainOnBatch await at the end of the batch; return them as they are or await them.
   * @example
   * class VAE extends sg.LayersModel {
   *   override trainStep({ x }: sg.StepData) {
   *     const { value, grads } = sg.variableGrads(() => this.computeLoss(x as sg.Tensor, null, this.apply(x as sg.Tensor)), this.trainableVariables);
   *     this.optimizer.applyGradients(grads);
   *     sg.dispose(grads);
   *     return { loss: value };
   *   }
   * }
   */
  trainStep(data: StepData): StepLogs {
    const c = this.requireCompiled('trainStep');
    const xs = Array.isArray(data.x) ? data.x : [data.x];
    const ys = data.y === null ? [] : Array.isArray(data.y) ? data.y : [data.y];
    // On a backend that reads asynchronously (webgpu) the values are promises of numbers: an
    // override may return them (`return super.trainStep(data)`) and fit awaits them after the step.
    const r = trainStep(this, c, xs, ys, data.sampleWeight);
    const logs: StepLogs = {};
    c.metricNames.forEach((name, i) => {
      const v = i < r.losses.length ? r.losses[i] : divNum(r.metricSums[i - r.losses.length], r.metricCounts[i - r.losses.length]);
      if (v !== undefined) logs[name] = v;
    });
    const out: StepLogs = Object.assign(logs, r.extra);
    // An override may drop some of these pending reads; one that rejects (a GPU-side index error
    // reported at the next read) must not then be an unhandled rejection. Awaiting it still throws.
    for (const v of Object.values(out)) if (v instanceof Promise) v.catch(() => {});
    return out;
  }

  /** Whether `trainStep` was overridden (fit then runs it instead of the built-in step). @internal */
  hasCustomTrainStep(): boolean {
    return this.trainStep !== LayersModel.prototype.trainStep;
  }

  /**
   * The training objective for predictions `yPred` of the last call: the compiled loss (when `y`
   * is given), the losses the layers added in that call (`addLoss`) and the weight penalties, as a
   * scalar (Keras 3's `compute_loss`). For custom training steps.
   */
  computeLoss(y: TensorOrList | null, yPred: TensorOrList, sampleWeight?: Tensor | (Tensor | null)[]): Tensor {
    const c = this.requireCompiled('computeLoss');
    const preds = Array.isArray(yPred) ? yPred : [yPred];
    const ys = y === null ? [] : Array.isArray(y) ? y : [y];
    const noY = ys.length === 0;
    return totalLoss(this, noY ? Object.assign({}, c, { losses: [] }) : c, preds, ys, sampleWeight, this.addedLosses()).total;
  }

  /**
   * Trains on a dataset of {xs, ys} batches (tfjs-layers' fitDataset; Keras' fit on a generator),
   * such as `sg.preprocessing.image.imageDataGenerator({...}).flow(x, y, { batchSize: 32 })`. The
   * batches' tensors are freed after their step. See FitDatasetArgs.
   * @example await model.fitDataset(gen.flow(xTrain, yTrain, { batchSize: 32 }), { epochs: 5, validationData: [xTest, yTest] });
   */
  async fitDataset(dataset: DatasetLike, args: FitDatasetArgs = {}): Promise<History> {
    return fitDatasetModel(this, dataset, args);
  }

  /**
   * Loss and metrics over a dataset of {xs, ys, sampleWeights?} (or [x, y, sampleWeight?])
   * batches in inference mode, as numbers in evaluate's order (tfjs-layers' evaluateDataset, which
   * returns Scalars; Keras' evaluate on a dataset). The batches' tensors are freed after their step.
   * @example const [loss, acc] = (await model.evaluateDataset(testBatches, { batches: 10 })) as number[];
   */
  async evaluateDataset(dataset: DatasetLike, args: EvaluateDatasetArgs = {}): Promise<number | number[]> {
    return evaluateDatasetModel(this, dataset, args);
  }

  /**
   * Trains for `epochs` over (x, y) in batches; returns the History of every epoch's logs.
   * @example const history = await model.fit(xTrain, yTrain, { epochs: 30, batchSize: 128, validationSplit: 0.2 });
   */
  async fit(x: ModelData, y?: ModelData | null | FitArgs, args: FitArgs = {}): Promise<History> {
    // fit(x, {epochs}) and fit(x, null, {...}): no y, for losses that come from addLoss or trainStep.
    // A map whose values are all tensors is y by output name.
    if (y !== undefined && y !== null && !Array.isArray(y) && !(y instanceof Tensor) && !isTensorMap(y)) {
      return this.fit(x, null, y as FitArgs);
    }
    return fitModel(this, this.requireCompiled('fit'), x, (y as ModelData | null | undefined) ?? [], args);
  }

  /**
   * Loss and metrics over (x, y) in inference mode. Porting note: returns numbers (Keras'
   * values), where tfjs-layers returns Scalars the caller must dispose. On the webgpu backend
   * (no synchronous readback) it returns a promise of them, read once after the last batch:
   * `await model.evaluate(x, y)` works on every backend.
   * @example const [loss, acc] = (await model.evaluate(xTest, yTest)) as number[];
   */
  evaluate(x: ModelData, y?: ModelData | null, args: EvaluateArgs = {}): number | number[] | Promise<number | number[]> {
    return evaluateModel(this, this.requireCompiled('evaluate'), x, y ?? [], args);
  }

  /**
   * One optimizer step on one batch; returns the loss (and metrics). `sampleWeight` and
   * `classWeight` take the forms fit's do (one per output for several outputs). On the webgpu
   * backend it returns a promise of them (as tfjs-layers' trainOnBatch always does), read after
   * the step: `await model.trainOnBatch(x, y)` works on every backend.
   */
  trainOnBatch(
    x: ModelData,
    y?: ModelData | null,
    sampleWeight?: SampleWeightArg,
    classWeight?: ClassWeightArg,
  ): number | number[] | Promise<number | number[]> {
    return onBatchModel('trainOnBatch', this, this.requireCompiled('trainOnBatch'), x, y ?? [], sampleWeight, classWeight);
  }

  /** Loss (and metrics) of one batch in inference mode; on the webgpu backend a promise of them (see evaluate). */
  testOnBatch(x: ModelData, y: ModelData, sampleWeight?: SampleWeightArg): number | number[] | Promise<number | number[]> {
    return onBatchModel('testOnBatch', this, this.requireCompiled('testOnBatch'), x, y, sampleWeight);
  }

  /**
   * The predicted class of each sample (int32): argMax of the output, or output > 0.5 for a
   * single sigmoid unit, as Keras' predict_classes.
   */
  predictClasses(x: TensorOrList, opts: { batchSize?: number } = {}): Tensor {
    const p = this.predict(x, opts);
    const probs = Array.isArray(p) ? p[0] : p;
    if (Array.isArray(p)) for (const t of p.slice(1)) t.dispose();
    const out = ENGINE.tidy(() =>
      probs.shape[probs.rank - 1] === 1
        ? cast(reshape(greater(probs, 0.5), probs.shape.slice(0, -1)), 'int32')
        : argMax(probs, -1),
    );
    probs.dispose();
    return out;
  }

  /** Hook for models that build their graph from the first data (Sequential). */
  ensureBuiltFor(_xs: Tensor[]): void {}

  // ---- weights ----

  /** The weights of the graph's layers that train (none when the model is frozen), each once. */
  override get trainableWeights(): LayerWeight[] {
    if (!this.trainable) return [];
    return unique(this.layers.flatMap((l) => (l === this ? [] : l.trainableWeights)));
  }

  override get nonTrainableWeights(): LayerWeight[] {
    if (!this.trainable) return this.weights;
    return unique(this.layers.flatMap((l) => (l === this ? [] : l.nonTrainableWeights)));
  }

  /** Every weight in layer order (Keras' model.get_weights order). */
  override get weights(): LayerWeight[] {
    return unique(this.layers.flatMap((l) => (l === this ? [] : l.weights)));
  }

  override getWeights(): Tensor[] {
    return this.weights.map((w) => w.variable.clone());
  }

  override setWeights(values: Tensor[]): void {
    const ws = this.weights;
    if (values.length !== ws.length)
      throw new Error(`${this.name}: setWeights expected ${ws.length} tensors but got ${values.length}`);
    ws.forEach((w, i) => {
      if (fmt(values[i].shape) !== fmt(w.shape)) {
        throw new Error(
          `${this.name}: weight '${w.owner.name}/${w.name}' has shape ${fmt(w.shape)} but the new value has shape ${fmt(values[i].shape)}`,
        );
      }
    });
    ws.forEach((w, i) => w.variable.assign(values[i]));
  }

  /** The number of weight values (trainable and not), each shared weight once. */
  override countParams(): number {
    return this.weights.reduce((n, w) => n + w.variable.size, 0);
  }

  override regularizationLosses(): Tensor[] {
    return this.layers.flatMap((l) => (l === this ? [] : l.regularizationLosses()));
  }

  override applyConstraints(): void {
    for (const l of this.layers) if (l !== this) l.applyConstraints();
  }

  /** A layer of the graph by name or by index in `layers` (input layers count), as Keras' get_layer. */
  getLayer(nameOrIndex: string | number): Layer {
    const l =
      typeof nameOrIndex === 'number' ? this.layers[nameOrIndex] : this.layers.find((x) => x.name === nameOrIndex);
    if (!l)
      throw new Error(
        `${this.name}: no layer ${typeof nameOrIndex === 'number' ? 'at index' : 'named'} ${nameOrIndex}`,
      );
    return l;
  }

  // ---- inference ----

  /**
   * Runs the model in inference mode over `x` in batches of `batchSize` (default 32); on wasm and js a straight
   * line of Dense and Dropout-like layers takes more rows a call where 8 MiB allow (the same bits per row).
   * @example const probs = model.predict(xTest, { batchSize: 128 });
   */
  predict(x: ModelData, opts: { batchSize?: number; verbose?: number } = {}): TensorOrList {
    this.assertNotDisposed('predict');
    const batchSize = validatePredictArgs(this.name, opts).batchSize;
    const xs = dataList(this, 'predict', 'x', x, 'input');
    const n = checkBatch(this.name, xs);
    this.ensureBuiltFor(xs);
    const bs = this.chainFor(xs)?.rowsPerCall(batchSize) ?? batchSize;
    if (n <= bs) {
      // One batch (every one-sample predict): the inputs themselves, no slice and no concat.
      const outs = ownOutputs(this.inferBatch(xs), xs);
      return outs.length === 1 ? outs[0] : outs;
    }
    const parts: Tensor[][] = this.outputs.map(() => []);
    try {
      for (let start = 0; start < Math.max(n, 1); start += bs) {
        const size = Math.min(bs, n - start);
        const outs = ENGINE.tidy(() => this.inferBatch(xs.map((t) => sliceRows(t, start, size))));
        outs.forEach((o, i) => parts[i].push(o));
        if (n === 0) break;
      }
      const res = parts.map((p) => (p.length === 1 ? p[0] : concat(p, 0)));
      for (const p of parts) if (p.length > 1) for (const t of p) t.dispose();
      return res.length === 1 ? res[0] : res;
    } catch (e) {
      for (const p of parts) for (const t of p) t.dispose();
      throw e;
    }
  }

  /** One batch through the model in inference mode. */
  predictOnBatch(x: ModelData): TensorOrList {
    this.assertNotDisposed('predictOnBatch');
    const xs = dataList(this, 'predictOnBatch', 'x', x, 'input');
    checkBatch(this.name, xs);
    const outs = ownOutputs(this.inferBatch(xs), xs);
    return outs.length === 1 ? outs[0] : outs;
  }

  // ---- summary ----

  /**
   * Prints Keras' summary table: layer name and type, output shape (None for the batch),
   * parameter counts, and totals.
   */
  summary(lineLength = 65, printFn: (line: string) => void = console.log): void {
    const multi =
      this.nodes.some((n) => n.inputs.length > 1) ||
      this.layers.some((l) => l.inboundNodes.length > 1 && !(l instanceof InputLayer));
    const cols = multi ? [0.33, 0.55, 0.67, 1] : [0.45, 0.85, 1];
    const width = multi ? Math.max(lineLength, 98) : lineLength;
    const pos = cols.map((p) => Math.floor(p * width));
    const row = (fields: string[]) => {
      let line = '';
      fields.forEach((f, i) => {
        line = (line + f).slice(0, i === 0 ? pos[0] - 1 : pos[i] - 1);
        line = line.padEnd(pos[i]);
      });
      printFn(line.trimEnd());
    };
    printFn(`Model: "${this.name}"`);
    printFn('_'.repeat(width));
    row(
      multi ? ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'] : ['Layer (type)', 'Output Shape', 'Param #'],
    );
    printFn('='.repeat(width));
    const shown = this.layers.filter((l) => !(l instanceof InputLayer) || multi || this.className !== 'Sequential');
    shown.forEach((l, i) => {
      const nodes = this.nodes.filter((n) => n.layer === l);
      const shapes = nodes.flatMap((n) => n.outputs.map((o) => shapeStr(o.shape)));
      const outShape = shapes.length === 1 ? shapes[0] : shapes.length ? `[${shapes.join(', ')}]` : 'multiple';
      const params = l.countParams().toString();
      if (multi) {
        const conn = nodes.flatMap((n) => n.inputs.map((t) => `${t.node!.layer.name}[0][${t.outputIndex}]`));
        row([`${l.name} (${l.className})`, outShape, params, conn[0] ?? '']);
        for (const c of conn.slice(1)) row(['', '', '', c]);
      } else {
        row([`${l.name} (${l.className})`, outShape, params]);
      }
      printFn(i === shown.length - 1 ? '='.repeat(width) : '_'.repeat(width));
    });
    if (shown.length === 0) printFn('='.repeat(width));
    const trainable = this.trainableWeights.reduce((s, w) => s + w.variable.size, 0);
    const total = this.countParams();
    printFn(`Total params: ${total.toLocaleString('en-US')}`);
    printFn(`Trainable params: ${trainable.toLocaleString('en-US')}`);
    printFn(`Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`);
    printFn('_'.repeat(width));
  }

  // ---- saving (src/io) ----

  /** Free-form JSON saved with the model and restored by loadLayersModel (tfjs' user-defined metadata). */
  userDefinedMetadata?: Record<string, unknown>;

  /**
   * Saves topology and weights (and with includeOptimizer the optimizer state) in the
   * tfjs-layers format, to a URL ('file://dir', 'localstorage://name', ...) or an IOHandler.
   * @example await model.save('file:///tmp/my-model', { includeOptimizer: true });
   */
  save(destination: string | IOHandler, config?: SaveConfig): Promise<SaveResult> {
    if (!modelIOHooks.save) {
      return Promise.reject(
        new Error(
          `${this.name}.save: the io module is not loaded (a bundler left it out: use an io function such as ` +
            `sg.loadLayersModel somewhere in the program, which keeps it)`,
        ),
      );
    }
    return modelIOHooks.save(this, destination, config);
  }

  /**
   * The topology as JSON in Keras snake_case (tfjs-layers' model.toJSON()); returns an object
   * when `returnString` is false.
   * @example const copy = sg.modelFromJSON(model.toJSON());
   */
  toJSON(_unused?: unknown, returnString = true): string | Record<string, unknown> {
    if (!modelIOHooks.toJSON)
      throw new Error(
        `${this.name}.toJSON: the io module is not loaded (a bundler left it out: use an io function such as ` +
          `sg.modelFromJSON or sg.loadLayersModel somewhere in the program, or await model.save(...) once first)`,
      );
    const json = modelIOHooks.toJSON(this);
    return returnString ? json : (JSON.parse(json) as Record<string, unknown>);
  }

  /** Frees every layer's weights and the optimizer compile() created (its slot variables). */
  override dispose(): void {
    checkNotTraining(this, 'dispose');
    this.isDisposed = true;
    for (const l of this.layers) if (l !== this) l.dispose();
    this.disposeOwnedOptimizer();
    this.compiled = undefined;
  }
}

/**
 * A graph ready to run: every symbolic tensor of it gets a slot (an index into the value array of
 * one execution); each non-input node lists its input and output slots.
 */
interface GraphPlan {
  nodes: Node[];
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  slots: number;
  inputSlots: number[];
  outputSlots: number[];
  steps: { node: Node; ins: number[]; outs: number[] }[];
  /** The inference chain of the graph (null: not a chain), found at the first predict. */
  chain?: InferenceChain | null;
}

/** The slots of a graph (see GraphPlan). Nodes whose outputs are all model inputs are skipped. */
function makePlan(inputs: SymbolicTensor[], outputs: SymbolicTensor[], nodes: Node[]): GraphPlan {
  const slotOf = new Map<number, number>();
  const slot = (t: SymbolicTensor) => {
    let k = slotOf.get(t.id);
    if (k === undefined) slotOf.set(t.id, (k = slotOf.size));
    return k;
  };
  const inputSlots = inputs.map(slot);
  const given = new Set(inputSlots);
  const steps: GraphPlan['steps'] = [];
  for (const node of nodes) {
    const outs = node.outputs.map(slot);
    if (outs.every((k) => given.has(k))) continue; // an input node
    steps.push({ node, ins: node.inputs.map(slot), outs });
  }
  const outputSlots = outputs.map(slot);
  return { nodes, inputs, outputs, slots: slotOf.size, inputSlots, outputSlots, steps };
}

/** Layers already warned that they drop a mask (Keras warns at each call; once is enough). */
const maskWarned = new WeakSet<Layer>();

/** Keras 3's warning when a mask reaches a layer that does not support masking. */
function warnMaskDropped(layer: Layer): void {
  if (maskWarned.has(layer)) return;
  maskWarned.add(layer);
  console.warn(
    `Layer '${layer.name}' (of type ${layer.className}) was passed an input with a mask attached to it. ` +
      'However, this layer does not support masking and will therefore destroy the mask information. ' +
      'Downstream layers will not see the mask.',
  );
}

/** Each weight once: a layer shared by two nested models appears in both. */
function unique(ws: LayerWeight[]): LayerWeight[] {
  return ws.length < 2 ? ws : [...new Set(ws)];
}

/** Whether an object has an own enumerable key. */
function hasKeys(o: object): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return true;
  return false;
}

/** Rows [start, start + size) of a tensor along axis 0. */
export function sliceRows(t: Tensor, start: number, size: number): Tensor {
  // All rows (predict of one batch): a view of the same buffer, no copy (clone is taped like slice).
  if (start === 0 && size === t.shape[0]) return t.clone();
  return slice(t, [start, ...t.shape.slice(1).map(() => 0)], [size, ...t.shape.slice(1)]);
}

/** The common sample count of a list of tensors; throws naming the model and every shape. */
export function checkBatch(model: string, xs: Tensor[], what = 'inputs'): number {
  if (xs.length === 0) throw new Error(`${model}: no ${what} given`);
  for (const t of xs) ENGINE.assertLive(t, model);
  const n = xs[0].rank > 0 ? xs[0].shape[0] : -1;
  if (n < 0 || xs.some((t) => t.rank === 0 || t.shape[0] !== n)) {
    throw new Error(
      `${model}: all ${what} must have the same number of samples (first dimension); got shapes ${xs.map((t) => fmt(t.shape)).join(', ')}`,
    );
  }
  return n;
}

/**
 * A layer's error as the user should see it: the model, the layer's name and class and the input
 * shapes first (unless the message already names the layer). The error object is kept, so its
 * class and stack stay.
 */
function nameLayer(e: unknown, model: string, layer: Layer, ins: Tensor[]): unknown {
  if (!(e instanceof Error) || e.message.includes(`'${layer.name}'`)) return e;
  const shapes = ins.map((t) => `${fmt(t.shape)} ${t.dtype}`).join(', ');
  e.message = `${model}: layer '${layer.name}' (${layer.className}) on input ${shapes}: ${e.message}`;
  return e;
}

/** Checks a concrete input against its symbolic shape; throws naming the input layer. */
function checkShape(model: string, sym: SymbolicTensor, t: Tensor): void {
  const s = sym.shape;
  const ok = s.length === t.rank && s.every((d, i) => d === null || d === t.shape[i]);
  if (!ok) {
    throw new Error(`${model}: input '${sym.node!.layer.name}' expects shape ${shapeStr(s)} but got ${fmt(t.shape)}`);
  }
}

/**
 * Outputs the caller may dispose one by one: an output that is one of the inputs (a graph that
 * passes it through) or that an earlier output already is (a model listing one tensor twice) is
 * cloned, so that disposing a prediction never disposes the caller's tensor or another output.
 */
function ownOutputs(outs: Tensor[], xs: Tensor[]): Tensor[] {
  for (let i = 0; i < outs.length; i++)
    if (xs.includes(outs[i]) || outs.indexOf(outs[i]) < i) outs[i] = outs[i].clone();
  return outs;
}
