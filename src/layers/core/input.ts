// InputLayer and input(): the entry points of a model graph.
import type { DataType } from '../../engine/dtype.js';
import type { Tensor } from '../../engine/tensor.js';
import { Layer, type LayerArgs } from '../layer.js';
import { Node, SymbolicTensor, type SymbolicShape } from '../symbolic.js';

export interface InputLayerArgs extends LayerArgs {
  inputShape?: SymbolicShape;
  batchInputShape?: SymbolicShape;
  /** Accepted for tfjs/Keras configs and not used: simdgrad has no sparse tensors. */
  sparse?: boolean;
}

/** The layer behind `input()`: passes its input through and owns the graph's input tensor. */
export class InputLayer extends Layer {
  static override className = 'InputLayer';
  private readonly inputTensor: SymbolicTensor;

  /** The graph input this layer owns. */
  override get output(): SymbolicTensor {
    return this.inputTensor;
  }

  constructor(args: InputLayerArgs) {
    super(args);
    if (!this.batchInputShape) throw new Error(`${this.name}: an input needs 'shape' (or 'batchShape')`);
    for (const d of this.batchInputShape) {
      if (d !== null && (!Number.isInteger(d) || d < 0)) {
        throw new Error(`${this.name}: invalid input shape ${JSON.stringify(this.batchInputShape)}`);
      }
    }
    const node = new Node(this, [], {});
    this.inputTensor = new SymbolicTensor(args.dtype ?? 'float32', this.batchInputShape.slice(), node, 0, this.name);
    node.outputs = [this.inputTensor];
    this.inboundNodes.push(node);
    this.built = true;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return Array.isArray(inputs) ? inputs[0] : inputs;
  }

  protected override outputDtype(): DataType {
    return this.output.dtype;
  }
}

/** Arguments of `input()` (Keras' Input): the shape of one sample, or the whole batch shape. */
export interface InputArgs {
  /** Shape of one sample (no batch dimension); null for a variable dimension. */
  shape?: SymbolicShape;
  /** The shape including the batch dimension (null for any). */
  batchShape?: SymbolicShape;
  /** With `shape`: a fixed batch size. */
  batchSize?: number;
  /** The input layer's name. */
  name?: string;
  /** The input's dtype (default 'float32'; 'int32' for token ids). */
  dtype?: DataType;
}

/**
 * A symbolic input of a functional model, as Keras' `Input`.
 * @example const x = sg.layers.input({ shape: [784] });
 */
export function input(args: InputArgs): SymbolicTensor {
  if (!args.shape && !args.batchShape) throw new Error("input: 'shape' or 'batchShape' is required");
  return new InputLayer({
    name: args.name,
    dtype: args.dtype,
    batchInputShape: args.batchShape ?? [args.batchSize ?? null, ...args.shape!],
  }).output;
}
