// Categorical cross-entropy on probabilities as one kernel each way ('CategoricalCrossentropy',
// 'CategoricalCrossentropyGrad'; src/backends/js/kernels/losses.ts), where the backend runs them
// itself (js, wasm). The composite it stands for (renormalise, clip, log, multiply, sum, negate)
// ran ~10 kernels forward and ~20 backward for every training step of a classifier; the values
// agree with it to float32 rounding (the fused kernels compute each row in float64).
import type { Backend } from '../backends/backend.js';
import { ENGINE } from '../engine/engine.js';
import { registerGradient } from '../engine/registry.js';
import type { Tensor } from '../engine/tensor.js';
import { div, mul } from '../ops/binary.js';
import { sum } from '../ops/reduce.js';
import { expandDims } from '../ops/reshape.js';
import { clipByValue, log, neg } from '../ops/unary.js';
import { EPSILON } from './common.js';

/** The clip bounds as float32 (what the composite's clip kernel compares against). */
const LO = Math.fround(EPSILON);
const HI = Math.fround(1 - EPSILON);

registerGradient('CategoricalCrossentropy', {
  saveInputs: true,
  grad: ([dy], { inputs: [t, p], attrs }) => [
    // d/dt = -log q (labels rarely need it; composed from ops)
    () => mul(neg(log(clipByValue(div(p, sum(p, -1, true)), attrs.lo as number, attrs.hi as number))), expandDims(dy, -1)),
    () => ENGINE.runKernel('CategoricalCrossentropyGrad', [t, p, dy], attrs)[0],
  ],
});

/** True where the active backend runs `name` itself (webgpu would run it on the CPU: not fused there). */
function hasOwnKernel(b: Backend, name: string): boolean {
  const native = (b as { native?: ReadonlySet<string> }).native;
  return b.kernels.has(name) && (native === undefined || native.has(name));
}

/**
 * -sum(t * log(clip(p / sum(p), 1e-7, 1 - 1e-7))) over the last axis as one kernel, or null where
 * the backend has no such kernel (the caller then composes it). t and p: float32, the same shape.
 */
export function fusedCrossentropy(t: Tensor, p: Tensor): Tensor | null {
  if (!hasOwnKernel(ENGINE.backend, 'CategoricalCrossentropy')) return null;
  return ENGINE.runKernel('CategoricalCrossentropy', [t, p], { lo: LO, hi: HI })[0];
}

/**
 * categoricalAccuracy as one kernel (1 where argMax(t) equals argMax(p) over the last axis), or
 * null where the backend has no such kernel. t and p: the same shape, at least one class.
 */
export function fusedCategoricalAccuracy(t: Tensor, p: Tensor): Tensor | null {
  if (!hasOwnKernel(ENGINE.backend, 'CategoricalAccuracy')) return null;
  return ENGINE.runKernel('CategoricalAccuracy', [t, p])[0];
}
