// WebGPU fused attention: 'Attention' (forward) and 'AttentionGrad' (dQ, dK, dV in one call), the
// kernels of sg.dotProductAttention and so of the MultiHeadAttention, GroupedQueryAttention and
// Attention layers. Contract (inputs, attrs, layouts, masks, causal, grouped-query heads, rows
// with every key masked): src/backends/js/kernels/attention.ts.
//
// Unlike the CPU kernels, which recompute one head's weights at a time, these materialise the
// weights of the whole call in a scratch buffer W [B, N, T, S] (freed when the kernel returns), so
// every stage is a flat, gather-only program with one invocation per element (no atomics):
//   logits   one invocation per (row, key): scale * q.k (+ bias), a sentinel where masked
//   softmax  one per row: max, exp, sum; masked keys 0; a row with no key left gets 0 or 1/S; a NaN logit makes the row NaN
//            (zeroEmpty) and is flagged in E [B*N*T] so that backward gives it no gradient
//   output   one per (b, t, h, d): sum_j W * V
// Backward recomputes W the same way, then dP = dOut . V^T per (row, key) into D, D = W * (dP -
// sum_j W * dP) * scale per row, then dQ = D . K, and dK, dV per key element summed over the
// query heads of its group and the query rows (each invocation owns one output element).
import type { Attrs, TensorInfo } from '../../backend.js';
import type { WebGPUBackend } from '../backend.js';
import { registerWebGPUKernel } from '../registry.js';
import { FLAT_MAIN, flatGroups } from './conv.js';
import { cachedCode, dispatch, inputDecl, outputDecl, withParams } from './matmul.js';

/** The bits of a float32 as an int32 parameter (read back with bitcast<f32>). */
export function f32Bits(v: number): number {
  return new Int32Array(new Float32Array([v]).buffer)[0];
}

/** Marks a masked logit in W between the logits and softmax programs: -(float32 max), a logit no finite score and bias reach in practice (Keras masks with -1e9 or -0.7 * max). */
const MASKED = 'bitcast<f32>(0xff7fffffu)';

const PARAMS = ['total', 'boff', 'B', 'T', 'S', 'N', 'K', 'H', 'Hv', 'causal', 'zeroEmpty', 'scale', 'm0', 'm1', 'm2', 'b0', 'b1', 'b2'];

interface Geom {
  B: number;
  T: number;
  S: number;
  N: number;
  K: number;
  H: number;
  Hv: number;
  hasMask: boolean;
  hasBias: boolean;
  mask?: TensorInfo;
  bias?: TensorInfo;
  params: (total: number) => number[];
}

/** Element strides (batch, head, row) of a [Bm, Nm, Tm, S] mask or bias; 0 where an axis broadcasts. */
function strides(t: TensorInfo | undefined): number[] {
  if (!t) return [0, 0, 0];
  const [Bm, Nm, Tm, S] = t.shape;
  return [Bm === 1 ? 0 : Nm * Tm * S, Nm === 1 ? 0 : Tm * S, Tm === 1 ? 0 : S];
}

function geometry(ins: TensorInfo[], attrs: Attrs): Geom {
  const [q, k, v] = ins;
  let i = 3;
  const mask = attrs.hasMask ? ins[i++] : undefined;
  const bias = attrs.hasBias ? ins[i++] : undefined;
  const [B, T, N, H] = q.shape;
  const g = { B, T, S: k.shape[1], N, K: k.shape[2], H, Hv: v.shape[3] };
  const fixed = [g.B, g.T, g.S, g.N, g.K, g.H, g.Hv, attrs.causal ? 1 : 0, attrs.zeroEmpty ? 1 : 0, f32Bits(attrs.scale as number)];
  const st = [...strides(mask), ...strides(bias)];
  return Object.assign(g, { hasMask: !!mask, hasBias: !!bias, mask, bias, params: (total: number) => [total, ...fixed, ...st] });
}

/**
 * WGSL shared by the programs: the row decomposition (row = (b * N + h) * T + t), the key/value
 * head of a query head, and keep(b, h, t, j) (causal and mask; reads the binding `M` if present).
 */
function common(hasMask: boolean): string {
  return `
fn kvHead(h: i32) -> i32 { return h / (P.N / P.K); }
fn keep(b: i32, h: i32, t: i32, j: i32) -> bool {
  if (P.causal != 0 && j > t) { return false; }
  ${hasMask ? 'if (M[b * P.m0 + h * P.m1 + t * P.m2 + j] == 0.0) { return false; }' : ''}
  return true;
}
`;
}

type Stage = 'logits' | 'softmax' | 'out' | 'dp' | 'ds' | 'dq' | 'dk' | 'dv';

/**
 * The WGSL of one stage. Bindings in order: Q, K, V (as the stage needs), M, Bi (when present),
 * DO (backward stages), then the outputs.
 */
function stageWgsl(stage: Stage, hasMask: boolean, hasBias: boolean): string {
  const decl: string[] = [];
  let b = 0;
  const inp = (n: string) => decl.push(inputDecl(n, b++));
  const out = (n: string) => decl.push(outputDecl(n, b++));
  let body: string;
  const rowParts = `let j = i % P.S; let row = i / P.S; let t = row % P.T; let h = (row / P.T) % P.N; let bb = row / (P.T * P.N); let bg = bb + P.boff;`;
  switch (stage) {
    case 'logits':
      inp('Q');
      inp('Kt');
      if (hasMask) inp('M');
      if (hasBias) inp('Bi');
      out('W');
      body = `${rowParts}
  if (!keep(bg, h, t, j)) { W[i] = ${MASKED}; return; }
  let qo = ((bg * P.T + t) * P.N + h) * P.H;
  let ko = ((bg * P.S + j) * P.K + kvHead(h)) * P.H;
  var s = 0.0;
  for (var d = 0; d < P.H; d++) { s += Q[qo + d] * Kt[ko + d]; }
  var l = s * bitcast<f32>(P.scale);
  ${hasBias ? 'l += Bi[bg * P.b0 + h * P.b1 + t * P.b2 + j];' : ''}
  W[i] = l;`;
      break;
    case 'softmax':
      // One invocation per row, i = row.
      out('W');
      out('E');
      body = `let o = i * P.S;
  var m = ${MASKED};
  var any = false;
  var nan = false;
  var nanV = 0.0;
  for (var j = 0; j < P.S; j++) {
    let l = W[o + j];
    // NaN found by its bits (WGSL's max and comparisons need not see it): the row is NaN, as Keras' softmax gives
    if ((bitcast<u32>(l) & 0x7fffffffu) > 0x7f800000u) { nan = true; nanV = l; }
    else if (l != ${MASKED}) { any = true; m = max(m, l); }
  }
  if (nan) {
    for (var j = 0; j < P.S; j++) { W[o + j] = nanV; }
    E[i] = 0.0;
    return;
  }
  if (!any) {
    let fill = select(1.0 / f32(P.S), 0.0, P.zeroEmpty != 0);
    for (var j = 0; j < P.S; j++) { W[o + j] = fill; }
    E[i] = 1.0;
    return;
  }
  var sum = 0.0;
  for (var j = 0; j < P.S; j++) {
    let l = W[o + j];
    var e = 0.0;
    if (l != ${MASKED}) { e = exp(l - m); }
    W[o + j] = e;
    sum += e;
  }
  let inv = 1.0 / sum;
  for (var j = 0; j < P.S; j++) { W[o + j] = W[o + j] * inv; }
  E[i] = 0.0;`;
      break;
    case 'out':
      // i over [B, T, N, Hv]
      inp('W');
      inp('V');
      out('O');
      body = `let d = i % P.Hv; let h = (i / P.Hv) % P.N; let t = (i / (P.Hv * P.N)) % P.T; let bb = i / (P.Hv * P.N * P.T); let bg = bb + P.boff;
  let wo = ((bb * P.N + h) * P.T + t) * P.S;
  let hk = kvHead(h);
  var s = 0.0;
  for (var j = 0; j < P.S; j++) { s += W[wo + j] * V[((bg * P.S + j) * P.K + hk) * P.Hv + d]; }
  O[i + P.boff * P.T * P.N * P.Hv] = s;`;
      break;
    case 'dp':
      // i over rows x keys: dP = dOut[row] . V[j]
      inp('V');
      inp('DO');
      out('D');
      body = `${rowParts}
  let oo = ((bg * P.T + t) * P.N + h) * P.Hv;
  let vo = ((bg * P.S + j) * P.K + kvHead(h)) * P.Hv;
  var s = 0.0;
  for (var d = 0; d < P.Hv; d++) { s += DO[oo + d] * V[vo + d]; }
  D[i] = s;`;
      break;
    case 'ds':
      // one invocation per row: D = W * (dP - sum W * dP) * scale, 0 for a row with no key
      inp('W');
      inp('E');
      out('D');
      body = `let o = i * P.S;
  if (E[i] != 0.0) {
    for (var j = 0; j < P.S; j++) { D[o + j] = 0.0; }
    return;
  }
  var delta = 0.0;
  for (var j = 0; j < P.S; j++) { delta += W[o + j] * D[o + j]; }
  let sc = bitcast<f32>(P.scale);
  for (var j = 0; j < P.S; j++) { D[o + j] = W[o + j] * (D[o + j] - delta) * sc; }`;
      break;
    case 'dq':
      // i over [B, T, N, H]: dQ = D[row] . K
      inp('Kt');
      inp('D');
      out('DQ');
      body = `let d = i % P.H; let h = (i / P.H) % P.N; let t = (i / (P.H * P.N)) % P.T; let bb = i / (P.H * P.N * P.T); let bg = bb + P.boff;
  let ro = ((bb * P.N + h) * P.T + t) * P.S;
  let hk = kvHead(h);
  var s = 0.0;
  for (var j = 0; j < P.S; j++) { s += D[ro + j] * Kt[((bg * P.S + j) * P.K + hk) * P.H + d]; }
  DQ[i + P.boff * P.T * P.N * P.H] = s;`;
      break;
    case 'dk':
    case 'dv': {
      // i over [B, S, K, H] (dk: sum D * Q) or [B, S, K, Hv] (dv: sum W * dOut) over the group's heads and the rows
      const isK = stage === 'dk';
      inp(isK ? 'D' : 'W');
      inp(isK ? 'Q' : 'DO');
      out('G');
      const w = isK ? 'P.H' : 'P.Hv';
      const src = isK ? 'D' : 'W';
      const other = isK ? 'Q' : 'DO';
      body = `let d = i % ${w}; let hk = (i / ${w}) % P.K; let j = (i / (${w} * P.K)) % P.S; let bb = i / (${w} * P.K * P.S); let bg = bb + P.boff;
  let g = P.N / P.K;
  var s = 0.0;
  for (var h = hk * g; h < hk * g + g; h++) {
    for (var t = 0; t < P.T; t++) {
      s += ${src}[((bb * P.N + h) * P.T + t) * P.S + j] * ${other}[((bg * P.T + t) * P.N + h) * ${w} + d];
    }
  }
  G[i + P.boff * P.S * P.K * ${w}] = s;`;
      break;
    }
  }
  // keep() reads M, bound only in the logits stage.
  const code = `${decl.join('')}${common(hasMask && stage === 'logits')}${FLAT_MAIN}
  ${body}
}
`;
  return withParams(code, PARAMS, b);
}

/** One stage over batch rows [boff, boff + nb): `total` invocations. */
function run(gpu: WebGPUBackend, g: Geom, boff: number, stage: Stage, total: number, inputs: TensorInfo[], outputs: TensorInfo[]): void {
  const flags = stage === 'logits' ? `${+g.hasMask}${+g.hasBias}` : '';
  const key = `attn_${stage}${flags}`;
  const p = g.params(total);
  dispatch(
    gpu,
    {
      key,
      code: cachedCode(key, () => stageWgsl(stage, g.hasMask, g.hasBias)),
      workgroups: flatGroups(total),
      params: [p[0], boff, ...p.slice(1)],
    },
    inputs,
    outputs,
  );
}

/**
 * Batch rows per chunk: the weights of a chunk, [nb, N, T, S], must fit one storage binding (a
 * long sequence with many heads and a large batch runs as several chunks).
 */
function batchChunk(gpu: WebGPUBackend, g: Geom): number {
  const perBatch = g.N * g.T * g.S;
  const fit = Math.floor(gpu.maxBufferBytes() / 4 / perBatch);
  if (fit < 1) {
    throw new Error(
      `dotProductAttention: the webgpu kernel holds one batch row's weights [heads ${g.N}, queries ${g.T}, keys ${g.S}] ` +
        `(${perBatch * 4} bytes) in one buffer, more than this device allows (${gpu.maxBufferBytes()} bytes); ` +
        `use fewer heads or shorter sequences, or the wasm backend`,
    );
  }
  return Math.min(g.B, fit, maxChunk);
}

let maxChunk = Infinity;

/** Caps the batch rows per attention chunk (tests use 1 to run the chunked path on tiny shapes); Infinity restores it. */
export function setAttentionBatchChunk(n: number): void {
  maxChunk = n;
}

/** W [nb, N, T, S] (the softmax weights) and E [nb*N*T] (1 where a row had no key) of batch rows [boff, boff + nb). */
function weights(gpu: WebGPUBackend, g: Geom, boff: number, nb: number, q: TensorInfo, k: TensorInfo): [TensorInfo, TensorInfo] {
  const rows = nb * g.N * g.T;
  const w = gpu.makeOutput([nb, g.N, g.T, g.S], 'float32');
  const e = gpu.makeOutput([rows], 'float32');
  const extra = [g.mask, g.bias].filter((t): t is TensorInfo => t !== undefined);
  run(gpu, g, boff, 'logits', rows * g.S, [q, k, ...extra], [w]);
  run(gpu, g, boff, 'softmax', rows, [], [w, e]);
  return [w, e];
}

registerWebGPUKernel('Attention', (ins, attrs, gpu) => {
  const g = geometry(ins, attrs);
  const out = gpu.makeOutput([g.B, g.T, g.N, g.Hv], 'float32');
  const chunk = batchChunk(gpu, g);
  for (let boff = 0; boff < g.B; boff += chunk) {
    const nb = Math.min(chunk, g.B - boff);
    const [w, e] = weights(gpu, g, boff, nb, ins[0], ins[1]);
    run(gpu, g, boff, 'out', nb * g.T * g.N * g.Hv, [w, ins[2]], [out]);
    gpu.disposeData(w.dataId);
    gpu.disposeData(e.dataId);
  }
  return out;
});

registerWebGPUKernel('AttentionGrad', (ins, attrs, gpu) => {
  const g = geometry(ins, attrs);
  const [q, k, v] = ins;
  const dout = ins[ins.length - 1];
  const dq = gpu.makeOutput([g.B, g.T, g.N, g.H], 'float32');
  const dk = gpu.makeOutput([g.B, g.S, g.K, g.H], 'float32');
  const dv = gpu.makeOutput([g.B, g.S, g.K, g.Hv], 'float32');
  const chunk = batchChunk(gpu, g);
  for (let boff = 0; boff < g.B; boff += chunk) {
    const nb = Math.min(chunk, g.B - boff);
    const rows = nb * g.N * g.T;
    const [w, e] = weights(gpu, g, boff, nb, q, k);
    const d = gpu.makeOutput([nb, g.N, g.T, g.S], 'float32');
    run(gpu, g, boff, 'dp', rows * g.S, [v, dout], [d]);
    run(gpu, g, boff, 'ds', rows, [w, e], [d]);
    run(gpu, g, boff, 'dq', nb * g.T * g.N * g.H, [k, d], [dq]);
    run(gpu, g, boff, 'dk', nb * g.S * g.K * g.H, [d, q], [dk]);
    run(gpu, g, boff, 'dv', nb * g.S * g.K * g.Hv, [w, dout], [dv]);
    for (const t of [w, e, d]) gpu.disposeData(t.dataId);
  }
  return [dq, dk, dv];
});
