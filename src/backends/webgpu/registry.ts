// The table of WGSL kernels: each kernel module registers its kernels here when it is imported
// (src/backends/webgpu/kernels/index.ts imports them all); a WebGPU backend created afterwards
// runs these natively and sends every other kernel name of the CPU backend to the fallback.
import type { WebGPUKernelFunc } from './backend.js';

const KERNELS = new Map<string, WebGPUKernelFunc>();

/**
 * Registers a WebGPU kernel under a backend kernel name ('MatMul', 'Unary'...; the js backend's
 * kernels in src/backends/js/kernels are the contract for inputs, attrs and outputs). A backend
 * created later runs it natively instead of falling back to wasm. Registering a name twice replaces it.
 * @example
 * registerWebGPUKernel('Neg', ([x], _attrs, gpu) => { const y = gpu.makeOutput(x.shape, x.dtype); gpu.runProgram({...}); return y; });
 */
export function registerWebGPUKernel(name: string, fn: WebGPUKernelFunc): void {
  KERNELS.set(name, fn);
}

/** The registered WebGPU kernels by name. */
export function webgpuKernels(): ReadonlyMap<string, WebGPUKernelFunc> {
  return KERNELS;
}
