// Host reads of ops that compute on the CPU (topk's sort where no kernel exists, unique, bincount,
// multinomial, nonMaxSuppression, the index checks of cropAndResize...). On a backend without
// synchronous readback (webgpu) a tensor that is a GPU result has no host copy until it is read
// with `await t.data()`; the read then fails with an error that names the op and the argument
// and says how to get the copy, instead of the bare dataSync() error.
import type { TypedArray } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';

/**
 * The values of `t` for op `op`, which reads its argument `arg` on the host. Throws, naming both,
 * where the active backend cannot read `t` synchronously (webgpu: a GPU result not yet read).
 */
export function hostValues(op: string, arg: string, t: Tensor): TypedArray {
  if (!ENGINE.canReadSync(t)) {
    throw new Error(
      `${op}: computes on the host and reads '${arg}' (shape ${fmt(t.shape)}, ${t.dtype}) synchronously, but on the ` +
        `${ENGINE.backend.name} backend its values exist only on the GPU (WebGPU has no blocking readback). Read it ` +
        `first with 'await ${arg}.data()' (the tensor then keeps a host copy and ${op} can use it), or run ${op} on the ` +
        `wasm backend`,
    );
  }
  return t.dataSync();
}
