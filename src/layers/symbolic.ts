// SymbolicTensor and Node: the graph that Keras-style models are built from. Calling a layer on a
// SymbolicTensor records a Node (layer, inputs, outputs) instead of computing anything; a Model is
// the set of Nodes between its inputs and outputs, run in topological order.
import type { DataType } from '../engine/dtype.js';
import type { Layer } from './layer.js';

/** A shape with `null` for unknown dimensions (the batch), as Keras' `None`. */
export type SymbolicShape = (number | null)[];

let nextSymbolicId = 0;

/**
 * A placeholder for a tensor that will flow through a model: shape (batch dim null) and dtype,
 * and the layer call that produces it.
 */
export class SymbolicTensor {
  /** A unique id (creation order). */
  readonly id = nextSymbolicId++;
  constructor(
    /** The dtype of the tensor this stands for. */
    readonly dtype: DataType,
    /** The shape; the batch dimension (first) is null. */
    readonly shape: SymbolicShape,
    /** The layer call that produced this tensor (null only while it is being created). */
    public node: Node | null,
    /** Which output of that node. */
    readonly outputIndex: number,
    /** The tensor's name (the producing layer's name and output, 'dense_1/out'). */
    readonly name: string,
  ) {}

  /** Number of dimensions, the batch one included. */
  get rank(): number {
    return this.shape.length;
  }

  /** The layer that produced this tensor (undefined for an Input before it is connected). */
  get sourceLayer(): Layer | undefined {
    return this.node?.layer;
  }
}

/** One call of a layer in a graph: inputs and outputs are symbolic. */
export class Node {
  outputs: SymbolicTensor[] = [];
  constructor(
    readonly layer: Layer,
    readonly inputs: SymbolicTensor[],
    readonly kwargs: Record<string, unknown>,
  ) {}
}

export function shapeStr(shape: SymbolicShape): string {
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}${shape.length === 1 ? ',' : ''})`;
}
