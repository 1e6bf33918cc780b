// The Layer base class: weights, build-on-first-call, and the two ways of calling a layer:
// on concrete Tensors (eager, computes) or on SymbolicTensors (records a graph Node).
import type { DataType } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import { Tensor, Variable } from '../engine/tensor.js';
import { getConstraint, type Constraint } from '../constraints/index.js';
import { getInitializer, type Initializer } from '../initializers/index.js';
import { getRegularizer, type Regularizer } from '../regularizers/index.js';
import { checkLayerArgs } from '../utils/layer_args.js';
import { Node, SymbolicTensor, type SymbolicShape } from './symbolic.js';

export type InitializerArg = string | Initializer | { className: string; config?: Record<string, unknown> };
export type RegularizerArg = string | Regularizer | { className: string; config?: Record<string, unknown> };
export type ConstraintArg = string | Constraint | { className: string; config?: Record<string, unknown> };

/** Arguments every layer accepts (tfjs-layers' spelling of Keras' base layer arguments). */
export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Shape of one sample, without the batch dimension: makes this layer a model's first layer. */
  inputShape?: SymbolicShape;
  /** Shape including the batch dimension (null for any). */
  batchInputShape?: SymbolicShape;
  batchSize?: number;
  dtype?: DataType;
  /** Keras' `input_dim` for 2-d inputs: same as `inputShape: [inputDim]`. */
  inputDim?: number;
}

export interface CallArgs {
  training?: boolean;
  [key: string]: unknown;
}

/** A weight of a layer: the engine variable plus its regularizer and constraint. */
export class LayerWeight {
  constructor(
    readonly name: string,
    readonly variable: Variable,
    readonly owner: Layer,
    readonly trainableWeight: boolean,
    readonly regularizer?: Regularizer,
    readonly constraint?: Constraint,
  ) {}

  /** Trainable when the weight is and its layer is (`layer.trainable = false` freezes it). */
  get trainable(): boolean {
    return this.trainableWeight && this.owner.trainable;
  }

  get shape(): number[] {
    return this.variable.shape;
  }
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
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

export abstract class Layer {
  /** The Keras class name, e.g. 'Dense' (used by summary() and configs). */
  static className = 'Layer';
  readonly name: string;
  trainable: boolean;
  built = false;
  readonly dtype: DataType;
  /** Set by inputShape/batchInputShape: the layer can start a model. */
  readonly batchInputShape?: SymbolicShape;
  /** Graph nodes where this layer was called (a shared layer has several). */
  readonly inboundNodes: Node[] = [];
  protected weightList: LayerWeight[] = [];

  constructor(args: LayerArgs = {}) {
    const cls = (this.constructor as typeof Layer).className;
    // Not an object, or an unknown initializer/regularizer/constraint name: fail now, naming the layer.
    checkLayerArgs(cls, args);
    this.name = args.name ?? uniqueLayerName(snakeCase(cls));
    this.trainable = args.trainable ?? true;
    this.dtype = args.dtype ?? 'float32';
    if (args.batchInputShape) this.batchInputShape = args.batchInputShape.slice();
    else if (args.inputShape) this.batchInputShape = [args.batchSize ?? null, ...args.inputShape];
    else if (args.inputDim !== undefined) this.batchInputShape = [args.batchSize ?? null, args.inputDim];
  }

  get className(): string {
    return (this.constructor as typeof Layer).className;
  }

  /** Creates the weights once the input shape is known. */
  build(_inputShape: SymbolicShape | SymbolicShape[]): void {
    this.built = true;
  }

  /** The computation, on concrete tensors. */
  abstract call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[];

  /**
   * Whether this layer passes an input mask on unchanged (Keras' supports_masking). Layers that
   * make or change masks (embedding with maskZero, masking, recurrent layers) override computeMask.
   */
  readonly supportsMasking: boolean = false;

  /**
   * The mask of this layer's output given its inputs and their mask ([batch, time], non-zero =
   * keep), or null for none. Models call it after call() and pass the result to the next layer
   * as the `mask` call argument. Default: the input mask where supportsMasking, else none.
   * Porting note: Keras raises when a mask reaches a layer without supports_masking; we drop it.
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
    const shapes = tensors.map((t) => t.shape as SymbolicShape);
    const shapeArg = Array.isArray(inputs) ? shapes : shapes[0];
    this.checkInput(shapeArg);
    if (!this.built) this.build(shapeArg);
    this.built = true;
    return ENGINE.tidy(() => this.call(Array.isArray(inputs) ? tensors : tensors[0], args));
  }

  private applySymbolic(inputs: SymbolicTensor[], asList: boolean, args: CallArgs): SymbolicTensor | SymbolicTensor[] {
    const shapes = inputs.map((t) => t.shape);
    const shapeArg = asList ? shapes : shapes[0];
    this.checkInput(shapeArg);
    if (!this.built) this.build(shapeArg);
    this.built = true;
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

  /** Validates an input shape against what the layer was built for; throws naming the layer. */
  protected checkInput(_shape: SymbolicShape | SymbolicShape[]): void {}

  /**
   * Creates a weight variable named '<layer>/<name>' with an initializer (default glorotUniform).
   * @example this.kernel = this.addWeight('kernel', [inDim, units], 'glorotUniform');
   */
  addWeight(
    name: string,
    shape: number[],
    initializer: InitializerArg = 'glorotUniform',
    opts: { trainable?: boolean; regularizer?: RegularizerArg; constraint?: ConstraintArg; dtype?: DataType } = {},
  ): LayerWeight {
    if (this.weightList.some((w) => w.name === name)) {
      throw new Error(`${this.name}: a weight named '${name}' already exists`);
    }
    const init = getInitializer(initializer as never);
    // Resolved before the variable exists, so an unknown name leaks nothing.
    const regularizer = opts.regularizer ? getRegularizer(opts.regularizer as never) : undefined;
    const constraint = opts.constraint ? getConstraint(opts.constraint as never) : undefined;
    const value = init.apply(shape, opts.dtype ?? 'float32');
    const v = ENGINE.makeVariable(value, opts.trainable ?? true, uniqueVariableName(`${this.name}/${name}`));
    value.dispose();
    const w = new LayerWeight(name, v, this, opts.trainable ?? true, regularizer, constraint);
    this.weightList.push(w);
    return w;
  }

  /** All weights, trainable first (Keras order). */
  get weights(): LayerWeight[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }

  get trainableWeights(): LayerWeight[] {
    return this.weightList.filter((w) => w.trainable);
  }

  get nonTrainableWeights(): LayerWeight[] {
    return this.weightList.filter((w) => !w.trainable);
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

  countParams(): number {
    return this.weightList.reduce((n, w) => n + w.variable.size, 0);
  }

  /** Regularization penalties of this layer's weights (scalars), for the training loss. */
  regularizationLosses(): Tensor[] {
    return this.weightList.filter((w) => w.regularizer).map((w) => w.regularizer!.apply(w.variable));
  }

  /** Applies weight constraints after an optimizer step. */
  applyConstraints(): void {
    for (const w of this.weightList) {
      if (!w.constraint) continue;
      const c = ENGINE.tidy(() => w.constraint!.apply(w.variable));
      w.variable.assign(c);
      c.dispose();
    }
  }

  /** Frees this layer's weights. */
  dispose(): void {
    for (const w of this.weightList) w.variable.dispose();
    this.weightList = [];
    this.built = false;
  }
}

function isShapeList(s: SymbolicShape | SymbolicShape[]): s is SymbolicShape[] {
  return s.length > 0 && Array.isArray(s[0]);
}

/** Replaces null dims by concrete ones for error messages and checks. */
export function concreteShape(shape: SymbolicShape): string {
  return fmt(shape.map((d) => (d === null ? -1 : d))).replace(/-1/g, 'None');
}

export { Tensor };
