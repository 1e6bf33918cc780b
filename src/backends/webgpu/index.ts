// The `webgpu` backend: tensors in GPU buffers, kernels in WGSL, in browsers through navigator.gpu
// and in Node through the optional `webgpu` package (Dawn). Enable it with
//   await sg.setBackend('webgpu');   // or sg.setBackend('webgpu') then await sg.ready()
// Reads are asynchronous (await t.data() / t.array()); dataSync() works only where the backend
// holds a host copy (see backend.ts). Kernels without a WGSL version run on wasm: `sg.webgpu.fallbacks()`.
//
// ---- How to add a kernel ----
// 1. In a module under kernels/ (imported from kernels/index.ts), register it under the backend
//    kernel name; the js kernel of that name (src/backends/js/kernels/) is the contract for its
//    inputs, attrs, output shape and dtype:
//
//      registerWebGPUKernel('Neg', ([x], _attrs, gpu) => {
//        const y = gpu.makeOutput(x.shape, x.dtype);          // an unzeroed output buffer
//        const n = sizeFromShape(x.shape);
//        gpu.runProgram({
//          key: `neg_${x.dtype}`,                               // one pipeline per key: put dtypes/flags in it
//          wgsl: () => `${bindings([['x', 'f32']], [['y', 'f32']])}
//            @compute @workgroup_size(64)
//            fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
//              let i = flatIndex(gid, nwg);
//              if (i >= pU(0)) { return; }
//              y[i] = -x[i];
//            }`,
//          inputs: [x], outputs: [y],
//          params: [n],                                         // P[0..]: integers; floatParams follow
//          workgroups: grid(n),                                 // 64-thread groups, folded into y past 65535
//        });
//        return y;
//      });
//
// 2. Bindings: inputs at 0..n-1 (read), outputs at n.. (read_write), the params `P` last;
//    `bindings()` writes the declarations and the helpers flatIndex/pI/pU/pF. float32 buffers are
//    array<f32>, int32 and bool array<i32> (`wgslType`). Buffers may be larger than the tensor
//    (pooled sizes): always bound-check with the element count.
// 3. Shapes, strides and scalars go in params (not in the WGSL), so one pipeline serves every shape.
// 4. In-place kernels (optimizer updates) list the updated variables as `outputs` and return [].
// 5. Test it against the js kernel in test/webgpu/ (await data(); see test/webgpu/helpers.ts).
import type { Backend } from '../backend.js';
import { WebGPUBackend } from './backend.js';
import { acquireDevice } from './device.js';
import { webgpuKernels } from './registry.js';
import { KERNEL_MODULES } from './kernels/index.js';

export { WebGPUBackend, type ProgramSpec, type WebGPUKernelFunc, bindings, grid, wgslType, WGSL_PRELUDE } from './backend.js';
export { registerWebGPUKernel } from './registry.js';

/** Creates the backend: requests a device (navigator.gpu or Dawn in Node), registers the kernels. */
export async function createWebGPUBackend(fallback: Backend | null): Promise<WebGPUBackend> {
  const acquired = await acquireDevice();
  if (KERNEL_MODULES.length === 0) throw new Error('webgpu: no kernel modules are loaded');
  return new WebGPUBackend(acquired, fallback, webgpuKernels());
}
