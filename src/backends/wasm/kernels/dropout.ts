// The wasm backend's 'Dropout' kernel: a binding of assembly/dropout.ts with the js oracle's
// attributes (src/backends/js/kernels/dropout.ts). Element-wise over the flat index, so
// backend.dispatch may split it over threads with bit-identical results.
import type { TensorInfo } from '../../backend.js';
import type { DropoutAttrs } from '../../js/kernels/dropout.js';
import type { WasmBackend } from '../index.js';

/**
 * Work per element against the unary cut-off (2^17): a [128, 256] activation (the walk-through
 * MLP's) stays on one thread, where splitting it measured no faster (1 thread 53 us, 2 threads
 * 61 us, best of 2,000 calls on a loaded machine); from 2^16 elements it splits.
 */
const DROPOUT_COST = 2;

/** Registers the SIMD 'Dropout' kernel (float32; other dtypes never reach it: the op checks). */
export function registerWasmDropoutKernels(backend: WasmBackend): void {
  backend.kernels.set('Dropout', ([x]: TensorInfo[], attrs) => {
    const { k0, k1, thr, scale } = attrs as unknown as DropoutAttrs;
    const out = backend.allocOutput(x.shape, 'float32');
    const n = x.shape.reduce((a, c) => a * c, 1);
    try {
      // dropoutF32(x, out, k0, k1, thr, scale, start, end)
      backend.dispatch('dropoutF32', [backend.ptr(x.dataId), backend.ptr(out.dataId), k0 | 0, k1 | 0, thr | 0, scale], n, 6, {
        work: n * DROPOUT_COST,
        grain: 16,
        minWork: 1 << 17,
      });
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) throw new Error(`Dropout (wasm): ${e.message}`);
      throw e;
    }
    return out;
  });
}
