// The wasm backend's conv kernels (placeholder until the conv kernels land).
import type { WasmBackend } from '../index.js';

/** Registers the wasm backend's conv kernels. */
export function registerWasmConvKernels(_backend: WasmBackend): void {}
