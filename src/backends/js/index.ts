// The `js` backend: every kernel as a plain, readable loop over typed arrays. It is the
// correctness oracle the tests compare the other backends against, not a fast path.
import type { DataType, TypedArray } from '../../engine/dtype.js';
import { makeArray } from '../../engine/dtype.js';
import type { DataId } from '../backend.js';
import { HostBackend, type CpuKernelDef } from '../host.js';
import { binaryDefs } from './kernels/binary.js';
import { gatherDefs } from './kernels/gather.js';
import { imageTransformDefs } from './kernels/image_transform.js';
import { matMulDefs } from './kernels/matmul.js';
import { reduceDefs } from './kernels/reduce.js';
import { shapeDefs } from './kernels/shape.js';
import { unaryDefs } from './kernels/unary.js';
import { mathDefs } from './kernels/math.js';
import { scanDefs } from './kernels/scan.js';
import { imageDefs } from './kernels/image.js';
import { customDefs } from './kernels/custom.js';
import { dropoutDefs } from './kernels/dropout.js';
import { lossDefs } from './kernels/losses.js';
import { fftDefs } from './kernels/fft.js';
import { registerJsOptimKernels } from './kernels/optim.js';
import { registerJsConvKernels } from './kernels/conv.js';
import { registerJsRnnKernels } from './kernels/rnn.js';
import { registerJsConvLstmKernels } from './kernels/conv_lstm.js';
import { registerJsAttentionKernels } from './kernels/attention.js';

/** Every js kernel; the wasm backend falls back to these where it has no kernel of its own. */
export const JS_KERNELS: CpuKernelDef[] = [
  ...unaryDefs,
  ...binaryDefs,
  ...reduceDefs,
  ...matMulDefs,
  ...shapeDefs,
  ...gatherDefs,
  ...imageTransformDefs,
  ...mathDefs,
  ...scanDefs,
  ...imageDefs,
  ...customDefs,
  ...fftDefs,
  ...dropoutDefs,
  ...lossDefs,
];

export class JsBackend extends HostBackend {
  readonly name = 'js';
  private data = new Map<DataId, TypedArray>();
  private bytes = 0;

  constructor() {
    super();
    for (const def of JS_KERNELS) this.registerView(def);
    registerJsOptimKernels(this);
    registerJsConvKernels(this);
    registerJsRnnKernels(this);
    registerJsConvLstmKernels(this);
    registerJsAttentionKernels(this);
  }

  protected alloc(size: number, dtype: DataType): DataId {
    const id = {};
    this.data.set(id, makeArray(dtype, size));
    this.bytes += size * 4;
    return id;
  }

  protected free(dataId: DataId): void {
    const a = this.data.get(dataId);
    if (!a) return;
    this.bytes -= a.byteLength;
    this.data.delete(dataId);
  }

  view(dataId: DataId): TypedArray {
    const a = this.data.get(dataId);
    if (!a) throw new Error('js backend: buffer not found (already freed?)');
    return a;
  }

  protected dtypeOf(dataId: DataId): DataType {
    return this.view(dataId) instanceof Float32Array ? 'float32' : 'int32';
  }

  numBytes(): number {
    return this.bytes;
  }

  memoryInfo(): Record<string, number> {
    return { bytes: this.bytes, buffers: this.data.size };
  }
}
