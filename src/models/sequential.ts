// Sequential: a linear stack of layers, as a special case of the functional graph. Adding a
// layer calls it on the previous output; without an input shape the graph is built on first use.
import type { Tensor } from '../engine/tensor.js';
import { Layer } from '../layers/layer.js';
import { InputLayer, input } from '../layers/core/input.js';
import type { SymbolicShape, SymbolicTensor } from '../layers/symbolic.js';
import { LayersModel } from './model.js';
import { checkOptions } from '../utils/options.js';

/** Arguments of `sequential()`. */
export interface SequentialArgs {
  /** The layers, added in order as by `add`. */
  layers?: Layer[];
  /** The model's name (default 'sequential_N'). */
  name?: string;
}

/**
 * A linear stack of layers.
 * @example
 * const model = sg.sequential();
 * model.add(sg.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }));
 * model.add(sg.layers.dense({ units: 10, activation: 'softmax' }));
 */
export class Sequential extends LayersModel {
  static override className = 'Sequential';
  private stack: Layer[] = [];

  constructor(args: SequentialArgs = {}) {
    checkOptions('sequential', args);
    super({ name: args.name });
    for (const l of args.layers ?? []) this.add(l);
  }

  /** Appends a layer; the first layer needs `inputShape` unless the model is built later from data. */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new Error(`${this.name}: add() expects a layer but got ${typeof layer}`);
    if (this.stack.includes(layer)) throw new Error(`${this.name}: layer '${layer.name}' is already in this model`);
    if (layer instanceof LayersModel && layer.outputs.length > 1) {
      throw new Error(
        `${this.name}: a Sequential model's layers must have one output; '${layer.name}' has ${layer.outputs.length}`,
      );
    }
    if (this.stack.length === 0 && layer instanceof InputLayer) {
      this.stack.push(layer);
      this.setGraph(layer.output, layer.output);
      return;
    }
    this.stack.push(layer);
    if (this.outputs.length) {
      this.setGraph(this.inputs, layer.apply(this.outputs[0]) as SymbolicTensor);
    } else if (layer.batchInputShape) {
      this.buildFrom(layer.batchInputShape);
    } else if (layer instanceof LayersModel && layer.inputs.length === 1) {
      // A built model as the first layer brings its input shape (Keras).
      this.buildFrom(layer.inputs[0].shape);
    }
  }

  /** Removes the last layer. */
  pop(): void {
    if (this.stack.length === 0) throw new Error(`${this.name}: pop() on an empty model`);
    this.stack.pop();
    const first = this.stack[0];
    this.inputs = [];
    this.outputs = [];
    this.layers = [];
    if (first) this.buildFrom(first instanceof InputLayer ? first.output.shape : (first.batchInputShape ?? null));
  }

  /** Builds the graph for inputs of `batchInputShape` (Keras' model.build). */
  buildFrom(batchInputShape: SymbolicShape | null): void {
    if (!batchInputShape) return;
    const layers = this.stack[0] instanceof InputLayer ? this.stack.slice(1) : this.stack;
    const x =
      this.stack[0] instanceof InputLayer
        ? (this.stack[0] as InputLayer).output
        : input({ batchShape: batchInputShape, name: `${this.name}_input` });
    let y = x;
    for (const l of layers) y = l.apply(y) as SymbolicTensor;
    this.setGraph(x, y);
  }

  /** A deferred model called as a layer builds its graph for the shape it is called on. */
  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    if (!this.outputs.length && this.stack.length) this.buildFrom([null, ...(inputShape as SymbolicShape).slice(1)]);
    this.built = true;
  }

  /** Builds a deferred model from the first data it sees. */
  override ensureBuiltFor(x: Tensor[]): void {
    if (this.outputs.length) return;
    if (this.stack.length === 0) throw new Error(`${this.name}: the model has no layers`);
    this.buildFrom([null, ...x[0].shape.slice(1)]);
  }

  override execute(xs: Tensor[], training = false, outMasks?: (Tensor | null)[], inMasks?: (Tensor | null)[]): Tensor[] {
    this.ensureBuiltFor(xs);
    return super.execute(xs, training, outMasks, inMasks);
  }

  override summary(lineLength?: number, printFn?: (line: string) => void): void {
    if (!this.outputs.length) {
      throw new Error(
        `${this.name}: this model has not yet been built; give the first layer an inputShape or call it on data first`,
      );
    }
    super.summary(lineLength, printFn);
  }
}

/** Factory for `Sequential`, as tfjs-layers' `tf.sequential`. */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}

/** Factory for a functional model, as tfjs-layers' `tf.model`. */
export function model(args: {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}): LayersModel {
  checkOptions('model', args);
  if (!args || args.inputs === undefined || args.outputs === undefined) {
    throw new Error('model: needs { inputs, outputs } (symbolic tensors from input() and layer calls)');
  }
  return new LayersModel(args);
}
