// The wasm backend's fused attention kernels: bindings of assembly/attention.ts with the same
// names, inputs, attributes and outputs as the js oracle (src/backends/js/kernels/attention.ts).
// The forward runs over query rows (batch x heads x T) and the backward over key/value heads
// (batch x key heads) through backend.dispatch, so the thread pool can hand each worker a block of them; each
// worker gets its own scratch (K^T, V^T and the [rows, S] blocks), and no output element is
// written by two chunks.
import type { TensorInfo } from '../../backend.js';
import { attentionStrides } from '../../js/kernels/attention.js';
import type { WasmBackend } from '../index.js';

/** The exports of assembly/attention.ts (pointers are byte offsets into the heap; 0 = absent). */
export interface AttentionExports {
  attentionForwardF32(...args: number[]): void;
  attentionBackwardF32(...args: number[]): void;
  attentionForwardWorkBytes(S: number, H: number, Hv: number): number;
  attentionBackwardWorkBytes(S: number, H: number, Hv: number): number;
}

/** Registers the wasm backend's attention kernels. */
export function registerWasmAttentionKernels(backend: WasmBackend): void {
  const w = backend.wasm as unknown as AttentionExports;
  const p = (t: TensorInfo | undefined) => (t ? backend.ptr(t.dataId) : 0);

  /** Runs `fn` with one scratch buffer of `bytes` bytes (the calling thread's), freed after. */
  const withScratch = (bytes: number, fn: (ptr: number) => void): void => {
    const id = backend.allocOutput([Math.max(1, Math.ceil(bytes / 4))], 'float32').dataId;
    try {
      fn(backend.ptr(id));
    } finally {
      backend.disposeData(id);
    }
  };

  const common = (ins: TensorInfo[], attrs: Record<string, unknown>) => {
    const [q, k, v] = ins;
    let i = 3;
    const mask = attrs.hasMask ? ins[i++] : undefined;
    const bias = attrs.hasBias ? ins[i++] : undefined;
    const [B, T, N, H] = q.shape;
    const S = k.shape[1];
    const Hv = v.shape[3];
    const K = k.shape[2]; // key/value heads (divides N)
    const flags = (attrs.causal ? 1 : 0) | (attrs.zeroEmpty ? 2 : 0);
    return { q, k, v, mask, bias, B, T, N, K, H, S, Hv, flags, scale: attrs.scale as number };
  };

  backend.kernels.set('Attention', (ins, attrs) => {
    const c = common(ins, attrs);
    const out = backend.allocOutput([c.B, c.T, c.N, c.Hv], 'float32');
    const bytes = w.attentionForwardWorkBytes(c.S, c.H, c.Hv);
    withScratch(bytes, (work) => {
      const args = [
        p(c.q),
        p(c.k),
        p(c.v),
        p(c.mask),
        p(c.bias),
        p(out),
        work,
        c.B,
        c.T,
        c.S,
        c.N,
        c.K,
        c.H,
        c.Hv,
        ...attentionStrides(c.mask),
        ...attentionStrides(c.bias),
        c.scale,
        c.flags,
      ];
      // Work in multiply-adds (scores and the weighted sum); chunks of whole 8-row blocks.
      backend.dispatch('attentionForwardF32', args, c.B * c.N * c.T, args.length, {
        work: c.B * c.N * c.T * c.S * (c.H + c.Hv),
        grain: 8,
        scratch: [{ at: 6, bytes }],
      });
    });
    return out;
  });

  backend.kernels.set('AttentionGrad', (ins, attrs) => {
    const c = common(ins, attrs);
    const dout = ins[ins.length - 1];
    const dq = backend.allocOutput([c.B, c.T, c.N, c.H], 'float32');
    const dk = backend.allocOutput([c.B, c.S, c.K, c.H], 'float32');
    const dv = backend.allocOutput([c.B, c.S, c.K, c.Hv], 'float32');
    const bytes = w.attentionBackwardWorkBytes(c.S, c.H, c.Hv);
    withScratch(bytes, (work) => {
      const args = [
        p(c.q),
        p(c.k),
        p(c.v),
        p(c.mask),
        p(c.bias),
        p(dout),
        p(dq),
        p(dk),
        p(dv),
        work,
        c.B,
        c.T,
        c.S,
        c.N,
        c.K,
        c.H,
        c.Hv,
        ...attentionStrides(c.mask),
        ...attentionStrides(c.bias),
        c.scale,
        c.flags,
      ];
      // over key/value heads: each call owns the dK/dV of its heads and the dQ of their query heads
      backend.dispatch('attentionBackwardF32', args, c.B * c.K, args.length, {
        work: 3 * c.B * c.N * c.T * c.S * (c.H + c.Hv),
        scratch: [{ at: 9, bytes }],
      });
    });
    return [dq, dk, dv];
  });
}
