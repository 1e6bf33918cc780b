// In-place SIMD optimizer update kernels (placeholder until the optimizers land).
import type { WasmBackend } from '../index.js';

/** Registers the wasm backend's in-place optimizer kernels. */
export function registerWasmOptimKernels(_backend: WasmBackend): void {}
