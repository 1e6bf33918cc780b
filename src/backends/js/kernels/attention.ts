// The js backend's fused attention kernels ('Attention', 'AttentionGrad'): the correctness oracle
// for assembly/attention.ts, as plain loops in float64 arithmetic over the float32 buffers. Same
// inputs, attributes, outputs and layouts (see the header of assembly/attention.ts):
//   inputs  q [B, T, N, H], k [B, S, K, H], v [B, S, K, Hv] (K divides N: query head h reads
//           key/value head floor(h / (N / K)), grouped-query attention), then mask and bias when present
//           (attrs.hasMask / hasBias), each [Bm, Nm, Tm, S] with Bm in {1, B}, Nm in {1, N},
//           Tm in {1, T}; the gradient kernel takes dOut [B, T, N, Hv] last.
//   attrs   scale, causal (0/1), zeroEmpty (0/1: a row with every key masked gives zeros instead
//           of uniform weights).
//   outputs 'Attention': out [B, T, N, Hv]; 'AttentionGrad': dq, dk, dv.
import type { TypedArray } from '../../../engine/dtype.js';
import type { Attrs, TensorInfo } from '../../backend.js';
import type { HostBackend } from '../../host.js';

/** Element strides (batch, head, query row) of a [Bm, Nm, Tm, S] mask or bias; 0 where an axis broadcasts. */
export function attentionStrides(info: TensorInfo | undefined): [number, number, number] {
  if (!info) return [0, 0, 0];
  const [Bm, Nm, Tm, S] = info.shape;
  return [Bm === 1 ? 0 : Nm * Tm * S, Nm === 1 ? 0 : Tm * S, Tm === 1 ? 0 : S];
}

interface Geometry {
  B: number;
  T: number;
  S: number;
  N: number;
  /** Key/value heads (K divides N). */
  K: number;
  H: number;
  Hv: number;
  scale: number;
  causal: boolean;
  zeroEmpty: boolean;
  mask: TypedArray | null;
  bias: TypedArray | null;
  ms: [number, number, number];
  bs: [number, number, number];
}

/**
 * The weights of query row t of head (b, h) in float64 (length S), and whether the row had no
 * unmasked key (then its weights are 0, or 1/S each without zeroEmpty). A NaN among the kept
 * logits makes every weight of the row NaN (Keras: softmax(x - max(x)) with a NaN max).
 */
function weights(g: Geometry, q: TypedArray, k: TypedArray, b: number, h: number, t: number): [Float64Array, boolean] {
  const { S, N, K, H, T } = g;
  const hk = Math.floor(h / (N / K));
  const p = new Float64Array(S);
  const qo = ((b * T + t) * N + h) * H;
  let m = -Infinity;
  for (let j = 0; j < S; j++) {
    let keep = !g.causal || j <= t;
    if (keep && g.mask) keep = g.mask[b * g.ms[0] + h * g.ms[1] + t * g.ms[2] + j] !== 0;
    if (!keep) {
      p[j] = -Infinity;
      continue;
    }
    let s = 0;
    const ko = ((b * S + j) * K + hk) * H;
    for (let d = 0; d < H; d++) s += q[qo + d] * k[ko + d];
    // The logit is a float32 value, as in the wasm kernel and Keras: a bias like Keras' -1e9 mask
    // then absorbs the score exactly as there (fround, not float64 s + bias).
    let l = Math.fround(s * g.scale);
    if (g.bias) l = Math.fround(l + g.bias[b * g.bs[0] + h * g.bs[1] + t * g.bs[2] + j]);
    p[j] = l;
    // a NaN logit makes the maximum NaN (and so every weight, as in Keras' softmax): a row whose
    // kept logits are all NaN is a NaN row, not an empty one
    if (l > m || l !== l) m = l;
  }
  if (m === -Infinity) {
    p.fill(g.zeroEmpty ? 0 : 1 / S);
    return [p, true];
  }
  let sum = 0;
  for (let j = 0; j < S; j++) {
    p[j] = p[j] === -Infinity ? 0 : Math.exp(p[j] - m);
    sum += p[j];
  }
  for (let j = 0; j < S; j++) p[j] /= sum;
  return [p, false];
}

function geometry(backend: HostBackend, ins: TensorInfo[], attrs: Attrs): Geometry {
  const [qI, kI, vI] = ins;
  let i = 3;
  const maskI = attrs.hasMask ? ins[i++] : undefined;
  const biasI = attrs.hasBias ? ins[i++] : undefined;
  const [B, T, N, H] = qI.shape;
  return {
    B,
    T,
    S: kI.shape[1],
    N,
    K: kI.shape[2],
    H,
    Hv: vI.shape[3],
    scale: attrs.scale as number,
    causal: !!attrs.causal,
    zeroEmpty: !!attrs.zeroEmpty,
    mask: maskI ? backend.view(maskI.dataId, 'float32') : null,
    bias: biasI ? backend.view(biasI.dataId, 'float32') : null,
    ms: attentionStrides(maskI),
    bs: attentionStrides(biasI),
  };
}

/** Registers the js backend's attention kernels. */
export function registerJsAttentionKernels(backend: HostBackend): void {
  const f32 = (t: TensorInfo) => backend.view(t.dataId, 'float32');

  backend.kernels.set('Attention', (ins, attrs) => {
    const g = geometry(backend, ins, attrs);
    const { B, T, S, N, K, Hv } = g;
    const outI = backend.allocOutput([B, T, N, Hv], 'float32');
    const [q, k, v, out] = [ins[0], ins[1], ins[2], outI].map(f32);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < N; h++) {
        for (let t = 0; t < T; t++) {
          const [p] = weights(g, q, k, b, h, t);
          const oo = ((b * T + t) * N + h) * Hv;
          const hk = Math.floor(h / (N / K));
          for (let d = 0; d < Hv; d++) {
            let s = 0;
            for (let j = 0; j < S; j++) s += p[j] * v[((b * S + j) * K + hk) * Hv + d];
            out[oo + d] = s;
          }
        }
      }
    }
    return outI;
  });

  backend.kernels.set('AttentionGrad', (ins, attrs) => {
    const g = geometry(backend, ins, attrs);
    const { B, T, S, N, K, H, Hv } = g;
    const dqI = backend.allocOutput([B, T, N, H], 'float32');
    const dkI = backend.allocOutput([B, S, K, H], 'float32');
    const dvI = backend.allocOutput([B, S, K, Hv], 'float32');
    const [q, k, v, dout, dqA, dkA, dvA] = [ins[0], ins[1], ins[2], ins[ins.length - 1], dqI, dkI, dvI].map(f32);
    const dk = new Float64Array(dkA.length);
    const dv = new Float64Array(dvA.length);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < N; h++) {
        for (let t = 0; t < T; t++) {
          const [p, empty] = weights(g, q, k, b, h, t);
          const oo = ((b * T + t) * N + h) * Hv;
          const qo = ((b * T + t) * N + h) * H;
          const hk = Math.floor(h / (N / K));
          const dS = new Float64Array(S);
          if (!empty) {
            let delta = 0;
            for (let j = 0; j < S; j++) {
              let dp = 0;
              for (let d = 0; d < Hv; d++) dp += dout[oo + d] * v[((b * S + j) * K + hk) * Hv + d];
              dS[j] = dp;
              delta += p[j] * dp;
            }
            for (let j = 0; j < S; j++) dS[j] = p[j] * (dS[j] - delta) * g.scale;
          }
          for (let d = 0; d < H; d++) {
            let s = 0;
            for (let j = 0; j < S; j++) s += dS[j] * k[((b * S + j) * K + hk) * H + d];
            dqA[qo + d] = s;
          }
          for (let j = 0; j < S; j++) {
            const ko = ((b * S + j) * K + hk) * H;
            const vo = ((b * S + j) * K + hk) * Hv;
            for (let d = 0; d < H; d++) dk[ko + d] += dS[j] * q[qo + d];
            for (let d = 0; d < Hv; d++) dv[vo + d] += p[j] * dout[oo + d];
          }
        }
      }
    }
    dkA.set(dk);
    dvA.set(dv);
    return [dqI, dkI, dvI];
  });
}
