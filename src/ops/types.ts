// Type names tfjs code uses in signatures. simdgrad has one Tensor class (rank is a runtime
// property), so the rank-specific names are aliases of Tensor: code that annotates with them
// compiles unchanged. Porting note: they do not check the rank at compile time.
import type { Tensor } from '../engine/tensor.js';

export type Scalar = Tensor;
export type Tensor1D = Tensor;
export type Tensor2D = Tensor;
export type Tensor3D = Tensor;
export type Tensor4D = Tensor;
export type Tensor5D = Tensor;
export type Tensor6D = Tensor;
/** Tensors by name (model inputs and outputs, gradients by variable name). */
export type NamedTensorMap = { [name: string]: Tensor };

/** tfjs's Rank enum (values 'R0'..'R6'). */
export enum Rank {
  R0 = 'R0',
  R1 = 'R1',
  R2 = 'R2',
  R3 = 'R3',
  R4 = 'R4',
  R5 = 'R5',
  R6 = 'R6',
}
