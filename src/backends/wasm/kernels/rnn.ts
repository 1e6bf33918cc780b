// The wasm backend's rnn kernels (placeholder until the rnn kernels land).
import type { WasmBackend } from '../index.js';

/** Registers the wasm backend's rnn kernels. */
export function registerWasmRnnKernels(_backend: WasmBackend): void {}
