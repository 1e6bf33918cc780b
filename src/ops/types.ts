// Type names tfjs code uses in signatures. simdgrad has one Tensor class (rank is a runtime
// property), so the rank-specific names are aliases of Tensor: code that annotates with them
// compiles unchanged. Porting note: they do not check the rank at compile time.
import type { Tensor } from '../engine/tensor.js';

/** A rank-0 tensor (an alias of Tensor: the rank is not checked at compile time). */
export type Scalar = Tensor;
/** A rank-1 tensor (an alias of Tensor). */
export type Tensor1D = Tensor;
/** A rank-2 tensor (an alias of Tensor). */
export type Tensor2D = Tensor;
/** A rank-3 tensor (an alias of Tensor). */
export type Tensor3D = Tensor;
/** A rank-4 tensor (an alias of Tensor). */
export type Tensor4D = Tensor;
/** A rank-5 tensor (an alias of Tensor). */
export type Tensor5D = Tensor;
/** A rank-6 tensor (an alias of Tensor). */
export type Tensor6D = Tensor;
/** Tensors by name (model inputs and outputs, gradients by variable name). */
export type NamedTensorMap = { [name: string]: Tensor };

/** tfjs's Rank enum (values 'R0'..'R6'). */
export enum Rank {
  /** Rank 0 (a scalar). */
  R0 = 'R0',
  /** Rank 1. */
  R1 = 'R1',
  /** Rank 2. */
  R2 = 'R2',
  /** Rank 3. */
  R3 = 'R3',
  /** Rank 4. */
  R4 = 'R4',
  /** Rank 5. */
  R5 = 'R5',
  /** Rank 6. */
  R6 = 'R6',
}
