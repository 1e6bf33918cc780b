// The wasm backend's 'Dropout' kernel: a binding of assembly/dropout.ts with the js oracle's
// attributes (src/backends/js/kernels/dropout.ts). Element-wise over the flat index, so
// backend.dispatch may split it over threads with bit-identical results.
import type { TensorInfo } from '../../backend.js';
import type { DropoutAttrs } from '../../js/kernels/dropout.js';
import type { WasmBackend } from '../index.js';

/**
 * Work per element against the unary cut-off (2^17): the hash is ~4 i32x4 multiplies and a
 * dozen other ops per 4 lanes, about tanh's cost; so a [128, 256] activation splits over threads.
 */
const DROPOUT_COST = 8;

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
