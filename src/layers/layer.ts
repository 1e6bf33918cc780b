// The Layer base class: weights, build-on-first-call, and the two ways of calling a layer:
// on concrete Tensors (eager, computes) or on SymbolicTensors (records a graph Node).
import type { DataType } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import { Tensor, Variable } from '../engine/tensor.js';
import { getConstraint, type Constraint } from '../constraints/index.js';
import { getInitializer, type Initializer } from '../initializers/index.js';
import { getRegularizer, serializeRegularizer, type Regularizer } from '../regularizers/index.js';
import { checkLayerArgs } from '../utils/layer_args.js';
import { Node, SymbolicTensor, type SymbolicShape } from './symbolic.js';
import { div } from '../ops/binary.js';
import { fill } from '../ops/creation.js';
import { mean, sum } from '../ops/reduce.js';

/** An initializer: a name ('glorotUniform', 'glorot_uniform'), an Initializer, or a {className, config} spec. */
export type InitializerArg = string | Initializer | { className: string; config?: Record<string, unknown> };
/** A regularizer: a name ('l2'), a Regularizer, or a {className, config} spec. */
export type RegularizerArg = string | Regularizer | { className: string; config?: Record<string, unknown> };
/** A constraint: a name ('maxNorm', 'non_neg'), a Constraint, or a {className, config} spec. */
export type ConstraintArg = string | Constraint | { className: string; config?: Record<string, unknown> };

/** Arguments every layer accepts (tfjs-layers' spelling of Keras' base layer arguments). */
export interface LayerArgs {
  /** The layer's name (default: its snake_case class name and a counter, e.g. 'dense_1'). */
  name?: string;
  /** Whether its weights train (default true). */
  trainable?: boolean;
  /** Shape of one sample, without the batch dimension: makes this layer a model's first layer. */
  inputShape?: SymbolicShape;
  /** Shape including the batch dimension (null for any). */
  batchInputShape?: SymbolicShape;
  /** With `inputShape`: a fixed batch size for the first dimension. */
  batchSize?: number;
  /** The layer's dtype (default 'float32'). */
  dtype?: DataType;
  /** Keras' `input_dim` for 2-d inputs: same as `inputShape: [inputDim]`. */
  inputDim?: number;
  /**
   * A penalty on the layer's output, added to the training loss through `addLoss` after each call
   * (divided by the batch size, as Keras).
   */
  activityRegularizer?: RegularizerArg;
}

/** What `call()` receives besides the inputs. */
export interface CallArgs {
  /** True in `fit` and training steps (dropout and noise active, batch statistics); false in predict and evaluate. */
  training?: boolean;
  /** The input mask(s) ([batch, time], bool) where the inputs carry one. */
  mask?: Tensor | (Tensor | null)[] | null;
  [key: string]: unknown;
}

/** The keyword form of `addWeight` (Keras 3's `add_weight(shape=..., initializer=...)`). */
export interface AddWeightArgs {
  /** The weight's name; the variable is named '<layer>/<name>'. */
  name: string;
  /** The weight's shape. */
  shape: number[];
  /** Its initializer (default 'glorotUniform' for float32, 'zeros' otherwise). */
  initializer?: InitializerArg;
  /** Its dtype (default 'float32'). */
  dtype?: DataType;
  /** Whether the optimizer updates it (default true). */
  trainable?: boolean;
  /** A penalty on its value, added to the training loss. */
  regularizer?: RegularizerArg | null;
  /** Applied to its value after each optimizer step. */
  constraint?: ConstraintArg | null;
}

const DTYPES: readonly string[] = ['float32', 'int32', 'bool'];

/** A weight of a layer: the engine variable plus its regularizer and constraint. */
export class LayerWeight {
  constructor(
    /** The weight's name within its layer ('kernel'). */
    readonly name: string,
    /** The engine variable holding the value. */
    readonly variable: Variable,
    /** The layer the weight belongs to. */
    readonly owner: Layer,
    /** Whether the weight itself trains (false for moving statistics); see `trainable`. */
    readonly trainableWeight: boolean,
    /** Its regularizer, if any. */
    readonly regularizer?: Regularizer,
    /** Its constraint, if any. */
    readonly constraint?: Constraint,
  ) {}

  /** Trainable when the weight is and its layer is (`layer.trainable = false` freezes it). */
  get trainable(): boolean {
    return this.trainableWeight && this.owner.trainable;
  }

  /** The weight's shape. */
  get shape(): number[] {
    return this.variable.shape;
  }

  /** The variable, to use in ops inside `call()` (tfjs' `LayerVariable.read()`). */
  read(): Variable {
    return this.variable;
  }

  /** Assigns a new value of the same shape (tfjs' `LayerVariable.write()`). */
  write(value: Tensor): void {
    if (fmt(value.shape) !== fmt(this.shape)) {
      throw new Error(
        `${this.owner.name}: weight '${this.name}' has shape ${fmt(this.shape)} but the new value has shape ${fmt(value.shape)}`,
      );
    }
    this.variable.assign(value);
  }
}

/**
 * Nesting depth of layer calls. Losses and metrics a layer adds (`addLoss`, `addMetric`) live from
 * one outermost call to the next, as Keras clears them at the start of each top-level `__call__`.
 */
let callDepth = 0;

/**
 * How many call losses and metric values are held by all layers, and how many zero-argument
 * losses exist: while both are 0 (most models), collecting and clearing skip walking the layers.
 */
let heldAdded = 0;
let lossFnCount = 0;

/**
 * Runs `fn` as a call of `root`: at the outermost level, the losses and metrics that `root` and
 * its sublayers added in their previous call are dropped first.
 * @internal
 */
export function inCallContext<T>(root: Layer, fn: () => T): T {
  if (callDepth === 0) root.clearLosses();
  callDepth++;
  try {
    return fn();
  } finally {
    callDepth--;
  }
}

/** A metric value a layer reported with `addMetric` during its last call. */
export interface AddedMetric {
  name: string;
  value: Tensor;
}

const nameCounters = new Map<string, number>();

/** Keras 2.0 naming, as the keras R announcement prints it: dense_1, dense_2, dropout_1, ... */
function uniqueLayerName(prefix: string): string {
  const n = (nameCounters.get(prefix) ?? 0) + 1;
  nameCounters.set(prefix, n);
  return `${prefix}_${n}`;
}

function uniqueVariableName(base: string): string {
  if (!ENGINE.variables.has(base)) return base;
  let i = 1;
  while (ENGINE.variables.has(`${base}_${i}`)) i++;
  return `${base}_${i}`;
}

/** Keras' to_snake_case: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, SimpleRNN -> simple_rnn. */
export function snakeCase(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** The base of every layer (Keras' Layer): weights, build on first call, and `apply` on concrete or symbolic tensors. Subclass it for a custom layer: `build`, `call`, `computeOutputShape`, `getConfig`. @example class Scale extends sg.Layer { static override className = 'Scale'; call(x: sg.Tensor | sg.Tensor[]) { return sg.mul(x as sg.Tensor, 2); } } */
export abstract class Layer {
  /** The Keras class name, e.g. 'Dense' (used by summary() and configs). */
  static className = 'Layer';
  /** The layer's name, unique per program unless given. */
  readonly name: string;
  private trainableFlag: boolean;
  /** Whether `build` ran (its weights exist). */
  built = false;
  /** The layer's dtype. */
  readonly dtype: DataType;
  /** Set by inputShape/batchInputShape: the layer can start a model. */
  readonly batchInputShape?: SymbolicShape;
  /** Graph nodes where this layer was called (a shared layer has several). */
  readonly inboundNodes: Node[] = [];
  protected weightList: LayerWeight[] = [];
  /** The activity regularizer (from `activityRegularizer`), applied to each output after `call`. */
  readonly activityRegularizer?: Regularizer;
  /** Losses added by `addLoss` in the last call (owned by the scope the call ran in). */
  private callLosses: Tensor[] = [];
  /** Zero-argument losses added by `addLoss(() => ...)`, evaluated whenever losses are collected. */
  private lossFns: (() => Tensor)[] = [];
  private callMetrics: AddedMetric[] = [];

  constructor(args: LayerArgs = {}) {
    const cls = (this.constructor as typeof Layer).className;
    // Not an object, or an unknown initializer/regularizer/constraint name: fail now, naming the layer.
    checkLayerArgs(cls, args);
    this.name = args.name ?? uniqueLayerName(snakeCase(cls));
    this.trainableFlag = args.trainable ?? true;
    if (args.activityRegularizer) this.activityRegularizer = getRegularizer(args.activityRegularizer as never);
    this.dtype = args.dtype ?? 'float32';
    if (args.batchInputShape) this.batchInputShape = args.batchInputShape.slice();
    else if (args.inputShape) this.batchInputShape = [args.batchSize ?? null, ...args.inputShape];
    else if (args.inputDim !== undefined) this.batchInputShape = [args.batchSize ?? null, args.inputDim];
  }

  /** The Keras class name of this layer, e.g. 'Dense'. */
  get className(): string {
    return (this.constructor as typeof Layer).className;
  }

  /**
   * Whether the optimizer updates this layer's weights. Setting it also sets it on every sublayer
   * (Keras 3). What counts is what `compile()` saw: change it, then compile again (Keras'
   * compile-time semantics, which the GAN recipe relies on).
   * @example
   * discriminator.trainable = false; // then compile the combined model
   */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  set trainable(value: boolean) {
    this.trainableFlag = value;
    for (const l of this.subLayers()) l.trainable = value;
  }

  /**
   * The layers this layer holds, found as Keras tracks attributes: fields that are layers or
   * arrays of layers. Their weights, losses and metrics count as this layer's. Models list their
   * graph's layers.
   */
  subLayers(): Layer[] {
    // Why cached once built: training asks on every step (constraints, penalties) and the scan
    // costs microseconds per layer; a layer's sublayers are its fields by the time it has run.
    if (this.built && this.subLayerCache) return this.subLayerCache;
    const out = new Set<Layer>();
    for (const [k, v] of Object.entries(this)) {
      if (k === 'subLayerCache') continue;
      if (v instanceof Layer && v !== this) out.add(v);
      else if (Array.isArray(v)) for (const e of v) if (e instanceof Layer && e !== this) out.add(e);
    }
    const list = [...out];
    if (this.built) this.subLayerCache = list;
    return list;
  }

  private subLayerCache?: Layer[];

  /**
   * The output of this layer's first call on symbolic tensors (a list for several outputs), to
   * build sub-models: `sg.model({ inputs: m.inputs, outputs: m.getLayer('c').output })`.
   * Porting note: as Keras 3, a layer called several times gives its first call's output (tfjs
   * throws); `getOutputAt(i)` gives another.
   */
  get output(): SymbolicTensor | SymbolicTensor[] {
    return this.getOutputAt(0);
  }

  /** The input of this layer's first call on symbolic tensors (a list for several inputs). */
  get input(): SymbolicTensor | SymbolicTensor[] {
    return this.getInputAt(0);
  }

  /** The output(s) of this layer's `nodeIndex`-th symbolic call. */
  getOutputAt(nodeIndex: number): SymbolicTensor | SymbolicTensor[] {
    const outs = this.nodeAt(nodeIndex, 'output').outputs;
    return outs.length === 1 ? outs[0] : outs;
  }

  /** The input(s) of this layer's `nodeIndex`-th symbolic call. */
  getInputAt(nodeIndex: number): SymbolicTensor | SymbolicTensor[] {
    const node = this.nodeAt(nodeIndex, 'input');
    const ins = node.inputs.length ? node.inputs : node.outputs; // an InputLayer is its own input
    return ins.length === 1 ? ins[0] : ins;
  }

  private nodeAt(i: number, what: string): Node {
    if (this.inboundNodes.length === 0) {
      throw new Error(`${this.name}: the layer has never been called on symbolic tensors and thus has no defined ${what}`);
    }
    const node = this.inboundNodes[i];
    if (!node) throw new Error(`${this.name}: asked for the ${what} of call ${i} but the layer has ${this.inboundNodes.length} call(s)`);
    return node;
  }

  /** Creates the weights once the input shape is known. */
  build(_inputShape: SymbolicShape | SymbolicShape[]): void {
    this.built = true;
  }

  /** The computation, on concrete tensors. */
  abstract call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[];

  /**
   * Whether this layer passes an input mask on unchanged (Keras' supports_masking): Dense,
   * Dropout, Activation, the normalizations, TimeDistributed and the merge layers do. Layers that
   * make or change masks (embedding with maskZero, masking, recurrent layers) override computeMask.
   * A mask that reaches a layer which neither supports masking nor overrides computeMask (Flatten,
   * Conv1D, ...) is dropped with a warning, once per layer, as Keras 3 does.
   */
  readonly supportsMasking: boolean = false;

  /**
   * Whether a model hands this layer's output a mask computed by `computeMask` (Keras 3: a layer
   * supports masking when it sets supports_masking or overrides compute_mask). @internal
   */
  handlesMasks(): boolean {
    return this.supportsMasking || this.computeMask !== Layer.prototype.computeMask;
  }

  /**
   * The mask of this layer's output given its inputs and their mask ([batch, time], non-zero =
   * keep), or null for none. Models call it after call() and pass the result to the next layer
   * as the `mask` call argument; a model's output that carries a mask weights the loss by it (Keras
   * 3: masked steps count 0, the rest total/valid). Default: the input mask where supportsMasking,
   * else none.
   */
  computeMask(_inputs: Tensor | Tensor[], mask?: Tensor | (Tensor | null)[] | null): Tensor | (Tensor | null)[] | null {
    return this.supportsMasking ? (mask ?? null) : null;
  }

  /** The output shape for an input shape (default: unchanged). */
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape | SymbolicShape[] {
    return inputShape;
  }

  /** Keras' get_config: the constructor arguments that rebuild this layer. */
  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.name, trainable: this.trainable, dtype: this.dtype };
    if (this.batchInputShape) c.batchInputShape = this.batchInputShape;
    if (this.activityRegularizer) c.activityRegularizer = serializeRegularizer(this.activityRegularizer);
    return c;
  }

  /**
   * Calls the layer: on SymbolicTensors it records a graph node and returns SymbolicTensors; on
   * Tensors it builds the layer if needed and computes.
   * @example
   * const x = sg.layers.input({ shape: [784] });
   * const h = sg.layers.dense({ units: 32 }).apply(x);
   */
  apply(inputs: SymbolicTensor, args?: CallArgs): SymbolicTensor;
  apply(inputs: SymbolicTensor[], args?: CallArgs): SymbolicTensor | SymbolicTensor[];
  apply(inputs: Tensor, args?: CallArgs): Tensor;
  apply(inputs: Tensor[], args?: CallArgs): Tensor | Tensor[];
  apply(inputs: SymbolicTensor | SymbolicTensor[], args?: CallArgs): SymbolicTensor | SymbolicTensor[];
  apply(inputs: Tensor | Tensor[], args?: CallArgs): Tensor | Tensor[];
  apply(
    inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[],
    args: CallArgs = {},
  ): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length === 0) throw new Error(`${this.name}: apply() needs at least one input`);
    if (list.every((t) => t instanceof SymbolicTensor)) {
      return this.applySymbolic(list as SymbolicTensor[], Array.isArray(inputs), args);
    }
    if (list.some((t) => t instanceof SymbolicTensor)) {
      throw new Error(`${this.name}: inputs mix SymbolicTensors and Tensors`);
    }
    const tensors = list as Tensor[];
    tensors.forEach((t, i) => {
      if (t instanceof Tensor && t.isDisposed) {
        throw new Error(`${this.name}: input ${i} (shape ${fmt(t.shape)}) is a disposed tensor`);
      }
    });
    const shapes = tensors.map((t) => t.shape as SymbolicShape);
    const shapeArg = Array.isArray(inputs) ? shapes : shapes[0];
    this.checkInput(shapeArg);
    if (!this.built) this.build(shapeArg);
    this.built = true;
    return inCallContext(this, () => {
      // The losses and metrics added during the call leave the scope with the outputs, so that a
      // custom training step can read `layer.losses` after `layer.apply(x)`.
      const r = ENGINE.tidy(() => {
        const out = this.callWithHooks(Array.isArray(inputs) ? tensors : tensors[0], args);
        return { out, added: this.addedTensors() };
      });
      return r.out;
    });
  }

  /**
   * `call()` plus what Keras' `__call__` does around it: the activity regularizer's loss.
   * Models run every layer through this. @internal
   */
  callWithHooks(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const out = this.call(inputs, args);
    if (this.activityRegularizer) {
      for (const o of Array.isArray(out) ? out : [out]) {
        if (o.dtype !== 'float32') continue;
        const l = this.activityRegularizer.apply(o);
        this.addLoss(o.rank > 0 && o.shape[0] > 0 ? div(l, o.shape[0]) : l);
      }
    }
    return out;
  }

  /** The symbolic inputs of the call being recorded (dtype and shape), for shape inference. */
  protected symbolicInputs: SymbolicTensor[] = [];

  private applySymbolic(inputs: SymbolicTensor[], asList: boolean, args: CallArgs): SymbolicTensor | SymbolicTensor[] {
    this.symbolicInputs = inputs;
    const shapes = inputs.map((t) => t.shape);
    const shapeArg = asList ? shapes : shapes[0];
    this.checkInput(shapeArg);
    if (!this.built) this.build(shapeArg);
    this.built = true;
    // A composite layer creates its sublayers' weights on their first call: one call on a small
    // dummy input builds them now, so the graph's weights are complete before compile().
    if (this.subLayers().some((l) => !l.built)) {
      ENGINE.tidy(() => void this.runOnDummy(inputs, asList, 1));
      this.clearLosses();
    }
    const outShape = this.computeOutputShape(shapeArg);
    const node = new Node(this, inputs, args);
    const outShapes = isShapeList(outShape) ? outShape : [outShape];
    node.outputs = outShapes.map(
      (s, i) => new SymbolicTensor(this.outputDtype(), s, node, i, `${this.name}/out${outShapes.length > 1 ? i : ''}`),
    );
    this.inboundNodes.push(node);
    return isShapeList(outShape) ? node.outputs : node.outputs[0];
  }

  protected outputDtype(): DataType {
    return 'float32';
  }

  /**
   * Calls the layer (inference mode) on concrete stand-ins of symbolic inputs: unknown dimensions
   * take `unknownSize`, float inputs hold 0.5 (finite under log, sqrt, division), integer ones 0
   * (a valid index). The caller scopes the result. @internal
   */
  runOnDummy(
    inputs: { shape: SymbolicShape; dtype: DataType }[],
    asList: boolean,
    unknownSize: number,
  ): Tensor | Tensor[] {
    const xs = inputs.map((t) =>
      fill(
        t.shape.map((d) => d ?? unknownSize),
        t.dtype === 'float32' ? 0.5 : 0,
        t.dtype,
      ),
    );
    return inCallContext(this, () => this.callWithHooks(asList ? xs : xs[0], { training: false }));
  }

  /** Validates an input shape against what the layer was built for; throws naming the layer. */
  protected checkInput(_shape: SymbolicShape | SymbolicShape[]): void {}

  /**
   * Creates a weight variable named '<layer>/<name>'. Three spellings:
   * - simdgrad's `addWeight(name, shape, initializer = 'glorotUniform', {trainable, regularizer, constraint, dtype})`;
   * - tfjs-layers' `addWeight(name, shape, dtype?, initializer?, regularizer?, trainable?, constraint?)`
   *   (recognised by a dtype string in third place);
   * - Keras 3's keywords as one object: `addWeight({ name, shape, initializer, trainable, ... })`.
   * @example
   * this.kernel = this.addWeight('kernel', [inDim, units], 'glorotUniform');
   * this.count = this.addWeight({ name: 'count', shape: [], initializer: 'zeros', trainable: false });
   */
  addWeight(args: AddWeightArgs): LayerWeight;
  addWeight(
    name: string,
    shape: number[],
    initializer?: InitializerArg,
    opts?: { trainable?: boolean; regularizer?: RegularizerArg | null; constraint?: ConstraintArg | null; dtype?: DataType },
  ): LayerWeight;
  addWeight(
    name: string,
    shape: number[],
    dtype?: DataType,
    initializer?: InitializerArg,
    regularizer?: RegularizerArg | null,
    trainable?: boolean,
    constraint?: ConstraintArg | null,
  ): LayerWeight;
  addWeight(
    nameOrArgs: string | AddWeightArgs,
    shapeArg?: number[],
    third?: InitializerArg | DataType,
    ...rest: unknown[]
  ): LayerWeight {
    let a: AddWeightArgs;
    if (typeof nameOrArgs === 'object' && nameOrArgs !== null) a = nameOrArgs;
    else if (typeof third === 'string' && DTYPES.includes(third)) {
      const [initializer, regularizer, trainable, constraint] = rest as [
        InitializerArg?, RegularizerArg?, boolean?, ConstraintArg?,
      ];
      a = { name: nameOrArgs, shape: shapeArg!, dtype: third as DataType, initializer, regularizer, trainable, constraint };
    } else {
      const opts = (rest[0] ?? {}) as Omit<AddWeightArgs, 'name' | 'shape' | 'initializer'>;
      a = { ...opts, name: nameOrArgs, shape: shapeArg!, initializer: third as InitializerArg | undefined };
    }
    const { name, shape } = a;
    if (typeof name !== 'string' || name === '') throw new Error(`${this.name}: addWeight needs a 'name'`);
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`${this.name}: addWeight '${name}': 'shape' must be a list of integers >= 0 but is ${JSON.stringify(shape)}`);
    }
    if (this.weightList.some((w) => w.name === name)) {
      throw new Error(`${this.name}: a weight named '${name}' already exists`);
    }
    const dtype = a.dtype ?? 'float32';
    const init = getInitializer((a.initializer ?? (dtype === 'float32' ? 'glorotUniform' : 'zeros')) as never);
    // Resolved before the variable exists, so an unknown name leaks nothing.
    const regularizer = a.regularizer ? getRegularizer(a.regularizer as never) : undefined;
    const constraint = a.constraint ? getConstraint(a.constraint as never) : undefined;
    const value = init.apply(shape, dtype);
    const trainable = a.trainable ?? true;
    const v = ENGINE.makeVariable(value, trainable, uniqueVariableName(`${this.name}/${name}`));
    value.dispose();
    const w = new LayerWeight(name, v, this, trainable, regularizer, constraint);
    this.weightList.push(w);
    return w;
  }

  // ---- losses and metrics added by the layer ----

  /**
   * Adds a loss to the training objective: a float32 tensor computed in `call()` (every element
   * summed, as Keras 3), which lasts until the layer's next call, or a zero-argument function,
   * evaluated every time losses are collected (a penalty on weights). `fit` adds every loss of the
   * model's layers to the compiled loss.
   * @example
   * // in call(): the KL term of a variational autoencoder
   * this.addLoss(sg.mul(-0.5, sg.mean(sg.sum(sg.sub(sg.sub(sg.add(1, logVar), sg.square(mu)), sg.exp(logVar)), -1))));
   */
  addLoss(loss: Tensor | (() => Tensor) | (Tensor | (() => Tensor))[]): void {
    for (const l of Array.isArray(loss) ? loss : [loss]) {
      if (typeof l === 'function') {
        this.lossFns.push(l);
        lossFnCount++;
        continue;
      }
      if (!(l instanceof Tensor)) {
        throw new Error(`${this.name}: addLoss expects a tensor or a zero-argument function but got ${typeof l}`);
      }
      ENGINE.assertLive(l, `${this.name}.addLoss`);
      if (l.dtype !== 'float32') throw new Error(`${this.name}: addLoss expects a float32 tensor but got ${l.dtype}`);
      // Our own tensor (a sum, on the tape), so clearing it never frees one the caller holds.
      this.callLosses.push(sum(l));
      heldAdded++;
    }
  }

  /**
   * Reports a value under `name` in `fit`'s logs and History (its mean over each batch, averaged
   * over the epoch, as Keras 2's `add_metric` with mean aggregation). Call it in `call()`.
   * @example this.addMetric(sg.mean(sg.abs(x)), 'mean_activation');
   */
  addMetric(value: Tensor, name: string): void {
    if (!(value instanceof Tensor)) throw new Error(`${this.name}: addMetric expects a tensor but got ${typeof value}`);
    if (typeof name !== 'string' || name === '') throw new Error(`${this.name}: addMetric needs a 'name'`);
    ENGINE.assertLive(value, `${this.name}.addMetric`);
    if (value.dtype !== 'float32') throw new Error(`${this.name}: addMetric '${name}' expects float32 but got ${value.dtype}`);
    this.callMetrics.push({ name, value: mean(value) });
    heldAdded++;
  }

  /** This layer and every layer under it, each once. */
  private selfAndSubLayers(): Layer[] {
    const seen = new Set<Layer>();
    const visit = (l: Layer) => {
      if (seen.has(l)) return;
      seen.add(l);
      for (const s of l.subLayers()) visit(s);
    };
    visit(this);
    return [...seen];
  }

  /**
   * The losses added by this layer and its sublayers (`addLoss`): those of the last call, then the
   * zero-argument ones, evaluated now. Weight regularization is not included (see `losses`). @internal
   */
  addedLosses(): Tensor[] {
    if (heldAdded === 0 && lossFnCount === 0) return [];
    const all = this.selfAndSubLayers();
    return [...all.flatMap((l) => l.callLosses), ...all.flatMap((l) => l.lossFns.map((f) => checkLossFn(l, f())))];
  }

  /** The metrics added by this layer and its sublayers in their last call. @internal */
  addedMetrics(): AddedMetric[] {
    if (heldAdded === 0) return [];
    return this.selfAndSubLayers().flatMap((l) => l.callMetrics);
  }

  /**
   * Keras' `layer.losses`: the losses added in the last call, the zero-argument ones and the weight
   * regularization penalties, as scalars. Read them in the scope of the call (a custom training
   * step); the function-made ones are new tensors of the caller's scope.
   */
  get losses(): Tensor[] {
    return [...this.addedLosses(), ...this.regularizationLosses()];
  }

  /** The tensors the last call added (losses and metric values). */
  private addedTensors(): Tensor[] {
    if (heldAdded === 0) return [];
    const all = this.selfAndSubLayers();
    return all.flatMap((l) => [...l.callLosses, ...l.callMetrics.map((m) => m.value)]);
  }

  /**
   * Drops the losses and metrics of the last call (and frees them if still alive), for this layer
   * and its sublayers; the zero-argument losses stay. Runs at the start of every outermost call.
   */
  clearLosses(): void {
    if (heldAdded === 0) return;
    for (const l of this.selfAndSubLayers()) {
      for (const t of l.callLosses) t.dispose();
      for (const m of l.callMetrics) m.value.dispose();
      heldAdded -= l.callLosses.length + l.callMetrics.length;
      l.callLosses = [];
      l.callMetrics = [];
    }
  }

  /** All weights, trainable first (Keras order). */
  get weights(): LayerWeight[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }

  /** The weights the optimizer updates: this layer's and its sublayers' (none when frozen). */
  get trainableWeights(): LayerWeight[] {
    if (!this.trainable) return [];
    return [...this.weightList.filter((w) => w.trainable), ...this.subLayers().flatMap((l) => l.trainableWeights)];
  }

  /** The variables of `trainableWeights`, for `variableGrads` in a custom training step (Keras' `trainable_variables`). */
  get trainableVariables(): Variable[] {
    return this.trainableWeights.map((w) => w.variable);
  }

  /** The weights it does not: non-trainable ones (moving statistics), or all of a frozen layer's. */
  get nonTrainableWeights(): LayerWeight[] {
    if (!this.trainable) {
      return [...this.weightList, ...this.subLayers().flatMap((l) => [...l.trainableWeights, ...l.nonTrainableWeights])];
    }
    return [...this.weightList.filter((w) => !w.trainable), ...this.subLayers().flatMap((l) => l.nonTrainableWeights)];
  }

  /** Copies of the weight values, in `weights` order. The caller disposes them. */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.variable.clone());
  }

  /** Sets the weight values, in `weights` order; shapes must match. */
  setWeights(values: Tensor[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) {
      throw new Error(`${this.name}: setWeights expected ${ws.length} tensors but got ${values.length}`);
    }
    ws.forEach((w, i) => {
      if (fmt(values[i].shape) !== fmt(w.shape)) {
        throw new Error(
          `${this.name}: weight '${w.name}' has shape ${fmt(w.shape)} but the new value has shape ${fmt(values[i].shape)}`,
        );
      }
    });
    ws.forEach((w, i) => w.variable.assign(values[i]));
  }

  /** The number of weight values of this layer and its sublayers. */
  countParams(): number {
    return this.weightList.reduce((n, w) => n + w.variable.size, this.subLayers().reduce((n, l) => n + l.countParams(), 0));
  }

  /** Regularization penalties of this layer's (and its sublayers') weights (scalars), for the training loss. */
  regularizationLosses(): Tensor[] {
    return [
      ...this.weightList.filter((w) => w.regularizer).map((w) => w.regularizer!.apply(w.variable)),
      ...this.subLayers().flatMap((l) => l.regularizationLosses()),
    ];
  }

  /** Applies weight constraints after an optimizer step. */
  applyConstraints(): void {
    for (const w of this.weightList) {
      if (!w.constraint) continue;
      const c = ENGINE.tidy(() => w.constraint!.apply(w.variable));
      w.variable.assign(c);
      c.dispose();
    }
    for (const l of this.subLayers()) l.applyConstraints();
  }

  /** Frees this layer's weights (and its sublayers'), and the losses of its last call. */
  dispose(): void {
    this.clearLosses();
    for (const w of this.weightList) w.variable.dispose();
    for (const l of this.subLayers()) l.dispose();
    this.weightList = [];
    this.built = false;
  }
}

function checkLossFn(layer: Layer, t: unknown): Tensor {
  if (!(t instanceof Tensor) || t.dtype !== 'float32') {
    throw new Error(`${layer.name}: a loss function given to addLoss must return a float32 tensor`);
  }
  return t.rank === 0 ? t : sum(t);
}

function isShapeList(s: SymbolicShape | SymbolicShape[]): s is SymbolicShape[] {
  return s.length > 0 && Array.isArray(s[0]);
}

/** Replaces null dims by concrete ones for error messages and checks. */
export function concreteShape(shape: SymbolicShape): string {
  return fmt(shape.map((d) => (d === null ? -1 : d))).replace(/-1/g, 'None');
}

export { Tensor };
