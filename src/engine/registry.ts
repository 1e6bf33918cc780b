// Gradient registry: each op file registers the backward rule of its kernel beside the forward.
import type { Attrs } from '../backends/backend.js';
import type { Tensor } from './tensor.js';
import type { Shape } from './shape.js';
import type { DataType } from './dtype.js';

export interface InputInfo {
  readonly shape: Shape;
  readonly dtype: DataType;
}

/** What a gradient rule receives besides dy: the tensors it asked to save, the attrs and input shapes. */
export interface GradContext {
  /** Saved inputs by position (undefined where not saved). */
  inputs: Tensor[];
  /** Saved outputs by position (undefined where not saved). */
  outputs: Tensor[];
  attrs: Attrs;
  inputInfos: InputInfo[];
}

/** A gradient rule, written with ops, so every backend gets backward for free. */
export interface GradSpec {
  /** Which inputs to keep alive for backward (true: all). */
  saveInputs?: boolean | number[];
  /** Keep the outputs alive for backward. */
  saveOutputs?: boolean;
  /**
   * Returns, per input, a thunk computing d(loss)/d(input) from the output gradients, or null
   * where the input has no gradient. Thunks run only for inputs that need a gradient.
   */
  grad: (dys: Tensor[], ctx: GradContext) => ((() => Tensor) | null)[];
}

const gradients = new Map<string, GradSpec>();

export function registerGradient(kernelName: string, spec: GradSpec): void {
  gradients.set(kernelName, spec);
}

export function getGradient(kernelName: string): GradSpec | undefined {
  return gradients.get(kernelName);
}
