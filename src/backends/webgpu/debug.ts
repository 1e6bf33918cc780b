// `sg.webgpu`: debug facts of the WebGPU backend (fallback counts, native kernels, adapter, counters).
// Kept apart from the backend so that importing simdgrad does not load the WebGPU code.
import { ENGINE } from '../../engine/engine.js';
import type { WebGPUBackend } from './backend.js';

function instance(what: string): WebGPUBackend {
  const b = ENGINE.findBackend('webgpu') as WebGPUBackend | undefined;
  if (!b) throw new Error(`webgpu.${what}: the webgpu backend is not initialised (await sg.setBackend('webgpu') first)`);
  return b;
}

/**
 * Debug facts of the WebGPU backend (after `await sg.setBackend('webgpu')`): which kernels run as
 * WGSL, which fell back to wasm and how often, the adapter, dispatch and pool counters.
 * @example
 * await sg.setBackend('webgpu');
 * model.predict(x);
 * console.log(sg.webgpu.fallbacks()); // e.g. { Attention: 2 }
 * @category Memory and backends
 */
export const webgpu = {
  /** Calls per kernel that ran on the CPU fallback (wasm) since the backend started or the last reset. */
  fallbacks(): Record<string, number> {
    return { ...instance('fallbacks').fallbackCounts };
  },
  /** Forgets the fallback counts. */
  resetFallbacks(): void {
    const c = instance('resetFallbacks').fallbackCounts;
    for (const k of Object.keys(c)) delete c[k];
  },
  /** Kernel names that run as WGSL on the GPU (every other kernel falls back to wasm). */
  nativeKernels(): string[] {
    return [...instance('nativeKernels').native].sort();
  },
  /** The adapter the device came from (e.g. 'SwiftShader driver 5.0.0'). */
  adapter(): string {
    return instance('adapter').adapterName;
  },
  /** Counters: submits, dispatches, uploads (host values staged and copied on the GPU), pipelinesCompiled, buffersCreated, buffersReused (pool), reads. */
  stats(): Record<string, number> {
    return { ...instance('stats').stats };
  },
  /** Waits until the GPU has finished all work submitted so far (for timing). */
  sync(): Promise<void> {
    return instance('sync').sync();
  },
  /** Destroys the pool's free buffers (live tensors keep theirs). */
  releasePool(): void {
    instance('releasePool').releasePool();
  },
};
