// WebGPU matrix multiply. One tiled GEMM generator (workgroup shared-memory tiles, vec4 global
// loads where the contiguous dimension is a multiple of 4, bias + activation in the epilogue,
// batched with broadcast) serves 'MatMul'/'FusedMatMul' here and the implicit-GEMM convolutions
// in conv.ts, which only swap the functions that fetch an element of A or B.
//
// Binding layout (the backend's ProgramSpec): inputs at 0..n-1, outputs after them, the integer
// parameters `P` last. The generators write parameters as `P.name`; `withParams` turns those into
// reads of the backend's parameter array, so one text serves every shape of a shape class.
import type { Attrs, TensorInfo } from '../../backend.js';
import { Act } from '../../wasm/codes.generated.js';
import { matMulGeometry } from '../../js/kernels/matmul.js';
import { registerWebGPUKernel } from '../registry.js';
import type { WebGPUBackend } from '../backend.js';

/**
 * A compute program ready to dispatch: its pipeline key, WGSL, dispatch size and integer
 * parameters (in the order of the names given to `withParams`).
 */
export interface GpuProgram {
  /** Pipeline cache key: everything the WGSL text depends on. */
  key: string;
  /** The WGSL source. */
  code: string;
  /** Workgroups to dispatch along x, y, z. */
  workgroups: [number, number, number];
  /** The integer parameters, P[0..]. */
  params: number[];
}

/** Most workgroups one dispatch dimension may have (WebGPU's default limit). */
export const MAX_GROUPS = 65535;

/**
 * Declares the parameter binding and rewrites every `P.name` in `code` into a read of parameter
 * k (the index of name in `names`).
 */
export function withParams(code: string, names: readonly string[], binding: number): string {
  const idx = new Map(names.map((n, i) => [n, i]));
  const body = code.replace(/\bP\.([A-Za-z_][A-Za-z0-9_]*)/g, (_m, n: string) => {
    const k = idx.get(n);
    if (k === undefined) throw new Error(`webgpu: WGSL uses parameter '${n}' that is not declared`);
    return `bitcast<i32>(P[${k}u])`;
  });
  return `@group(0) @binding(${binding}) var<storage, read> P: array<u32>;\n${body}`;
}

const codeCache = new Map<string, string>();

/** The WGSL of `key`, generated once (kernels run per step; their text depends on the key only). */
export function cachedCode(key: string, make: () => string): string {
  let code = codeCache.get(key);
  if (code === undefined) codeCache.set(key, (code = make()));
  return code;
}

/** Runs a program on the backend with the given inputs and outputs. */
export function dispatch(gpu: WebGPUBackend, prog: GpuProgram, inputs: TensorInfo[], outputs: TensorInfo[]): void {
  gpu.runProgram({
    key: prog.key,
    wgsl: () => prog.code,
    inputs,
    outputs,
    params: prog.params,
    workgroups: prog.workgroups,
  });
}

/** A read-only storage input at `binding`, of f32 or vec4<f32>. */
export function inputDecl(name: string, binding: number, vec4 = false): string {
  return `@group(0) @binding(${binding}) var<storage, read> ${name}: array<${vec4 ? 'vec4<f32>' : 'f32'}>;\n`;
}

/** A read-write storage output at `binding`. */
export function outputDecl(name: string, binding: number, vec4 = false): string {
  return `@group(0) @binding(${binding}) var<storage, read_write> ${name}: array<${vec4 ? 'vec4<f32>' : 'f32'}>;\n`;
}

/**
 * WGSL function `fn act(v: vec4<f32>, code: i32) -> vec4<f32>` applying an epilogue activation by its
 * `Act` code, chosen at run time (a uniform branch) so that one pipeline serves every activation.
 */
export const ACT_WGSL = `
fn act(v: vec4<f32>, code: i32) -> vec4<f32> {
  switch code {
    case ${Act.Relu}: { return max(v, vec4<f32>(0.0)); }
    case ${Act.Relu6}: { return clamp(v, vec4<f32>(0.0), vec4<f32>(6.0)); }
    case ${Act.Sigmoid}: { return 1.0 / (1.0 + exp(-v)); }
    // clamped: some drivers compute tanh through exp and return NaN for large |x|
    case ${Act.Tanh}: { return tanh(clamp(v, vec4<f32>(-15.0), vec4<f32>(15.0))); }
    default: { return v; }
  }
}
`;

/**
 * How a GEMM operand is fetched from global memory: one element at a time, or four consecutive
 * elements along the row (column index + 0..3) or along the column (row index + 0..3) as one vec4.
 * A vec4 mode requires that dimension to be a multiple of 4, so a quad is wholly in or out of range.
 */
export type LoadMode = 'scalar' | 'vecRow' | 'vecCol';

/** Everything the GEMM generator needs; the operand loaders are WGSL functions the caller writes. */
export interface GemmSpec {
  /** Output tile rows and columns per workgroup (multiples of 4), and the K step. */
  tileM: number;
  tileN: number;
  tileK: number;
  aMode: LoadMode;
  bMode: LoadMode;
  /** Write the output as vec4 (needs N % 4 == 0). */
  outVec: boolean;
  hasBias: boolean;
  /** Parameter names; must include M, N, K and act (the `Act` code of the epilogue). */
  params: string[];
  /**
   * WGSL declarations of the inputs and these functions: `fn mmA(b: i32, m: i32, k: i32) -> f32`
   * (or mmA4 returning vec4<f32> for a vec mode), likewise mmB(b, k, n) / mmB4, and
   * `fn mmOut(b: i32, m: i32, n: i32) -> i32`, the flat output index.
   */
  body: string;
  /**
   * No batch: row tiles run along y and z (tile w.y + w.z * num_workgroups.y), so an implicit-GEMM
   * convolution may have more than 65535 row tiles. `b` is then 0.
   */
  foldM?: boolean;
  /**
   * Launch offsets (not with foldM): the batch is w.z + P.b0 and the row tile w.y + P.mt0, so a
   * product with more than 65535 batch matrices or row tiles runs as several launches. Needs the
   * parameters b0 and mt0.
   */
  launchOffsets?: boolean;
  /** Binding of the bias input (when hasBias) and of the output; the parameters follow the output. */
  biasBinding: number;
  outBinding: number;
}

/** WGSL text of one tiled GEMM: out[b, m, n] = act(sum_k A[b, m, k] B[b, k, n] + bias[n]). */
export function gemmWgsl(s: GemmSpec): string {
  // Shared tiles are scalar arrays and every 4-wide step is unrolled in the text: dynamic
  // indexing into vectors makes some compilers (SwiftShader's) slow and the code no faster.
  const { tileM: TM, tileN: TN, tileK: TK } = s;
  const TM4 = TM / 4;
  const TN4 = TN / 4;
  const NT = TM4 * TN4;
  const C = ['x', 'y', 'z', 'w'];
  const four = (f: (e: number) => string) => [0, 1, 2, 3].map(f).join(' ');
  const loadA = (() => {
    if (s.aMode === 'vecRow') {
      // four consecutive k of row m
      return `for (var i = lid; i < ${(TM * TK) / 4}; i += ${NT}) {
      let m = i / ${TK / 4}; let kq = (i % ${TK / 4}) * 4;
      let gm = m0 + m; let gk = k0 + kq;
      var v = vec4<f32>(0.0);
      if (gm < P.M && gk < P.K) { v = mmA4(b, gm, gk); }
      ${four((e) => `As[(kq + ${e}) * ${TM} + m] = v.${C[e]};`)}
    }`;
    }
    if (s.aMode === 'vecCol') {
      return `for (var i = lid; i < ${(TM * TK) / 4}; i += ${NT}) {
      let k = i / ${TM4}; let mq = (i % ${TM4}) * 4;
      let gm = m0 + mq; let gk = k0 + k;
      var v = vec4<f32>(0.0);
      if (gm < P.M && gk < P.K) { v = mmA4(b, gm, gk); }
      ${four((e) => `As[k * ${TM} + mq + ${e}] = v.${C[e]};`)}
    }`;
    }
    return `for (var i = lid; i < ${TM * TK}; i += ${NT}) {
      let m = i / ${TK}; let k = i % ${TK};
      let gm = m0 + m; let gk = k0 + k;
      var v = 0.0;
      if (gm < P.M && gk < P.K) { v = mmA(b, gm, gk); }
      As[k * ${TM} + m] = v;
    }`;
  })();
  const loadB = (() => {
    if (s.bMode === 'vecRow') {
      return `for (var i = lid; i < ${(TK * TN) / 4}; i += ${NT}) {
      let k = i / ${TN4}; let nq = (i % ${TN4}) * 4;
      let gk = k0 + k; let gn = n0 + nq;
      var v = vec4<f32>(0.0);
      if (gk < P.K && gn < P.N) { v = mmB4(b, gk, gn); }
      ${four((e) => `Bs[k * ${TN} + nq + ${e}] = v.${C[e]};`)}
    }`;
    }
    if (s.bMode === 'vecCol') {
      return `for (var i = lid; i < ${(TK * TN) / 4}; i += ${NT}) {
      let n = i / ${TK / 4}; let kq = (i % ${TK / 4}) * 4;
      let gk = k0 + kq; let gn = n0 + n;
      var v = vec4<f32>(0.0);
      if (gk < P.K && gn < P.N) { v = mmB4(b, gk, gn); }
      ${four((e) => `Bs[(kq + ${e}) * ${TN} + n] = v.${C[e]};`)}
    }`;
    }
    return `for (var i = lid; i < ${TK * TN}; i += ${NT}) {
      let k = i / ${TN}; let n = i % ${TN};
      let gk = k0 + k; let gn = n0 + n;
      var v = 0.0;
      if (gk < P.K && gn < P.N) { v = mmB(b, gk, gn); }
      Bs[k * ${TN} + n] = v;
    }`;
  })();
  const bias = s.hasBias ? inputDecl('Bias', s.biasBinding) : '';
  const biasVec = s.hasBias
    ? `vec4<f32>(${[0, 1, 2, 3].map((e) => `Bias[min(gn + ${e}, P.N - 1)]`).join(', ')})`
    : 'vec4<f32>(0.0)';
  const epilogue = [0, 1, 2, 3]
    .map((i) => {
      const store = s.outVec
        ? `if (gn < P.N) { Out[mmOut(b, gm, gn) / 4] = v; }`
        : [0, 1, 2, 3]
            .map((j) => `if (gn + ${j} < P.N) { Out[mmOut(b, gm, gn + ${j})] = v.${C[j]}; }`)
            .join('\n        ');
      return `{
    let gm = m0 + ty * 4 + ${i};
    if (gm < P.M) {
      let v = act(acc${i} + bias, P.act);
      ${store}
    }
  }`;
    })
    .join('\n  ');
  const code = `${s.body}${bias}${outputDecl('Out', s.outBinding, s.outVec)}${ACT_WGSL}
var<workgroup> As: array<f32, ${TK * TM}>;
var<workgroup> Bs: array<f32, ${TK * TN}>;

@compute @workgroup_size(${TN4}, ${TM4}, 1)
fn main(@builtin(local_invocation_id) l: vec3<u32>, @builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let tx = i32(l.x); let ty = i32(l.y);
  let lid = ty * ${TN4} + tx;
  ${
    s.foldM
      ? `let b = 0;\n  let m0 = i32(w.y + w.z * nwg.y) * ${TM};`
      : s.launchOffsets
      ? `let b = i32(w.z) + P.b0;\n  let m0 = (i32(w.y) + P.mt0) * ${TM};`
      : `let b = i32(w.z);\n  let m0 = i32(w.y) * ${TM};`
  }
  let n0 = i32(w.x) * ${TN};
  var acc0 = vec4<f32>(0.0); var acc1 = vec4<f32>(0.0); var acc2 = vec4<f32>(0.0); var acc3 = vec4<f32>(0.0);
  for (var k0 = 0; k0 < P.K; k0 += ${TK}) {
    ${loadA}
    ${loadB}
    workgroupBarrier();
    for (var kk = 0; kk < ${TK}; kk++) {
      let ab = kk * ${TM} + ty * 4;
      let bb = kk * ${TN} + tx * 4;
      let bv = vec4<f32>(Bs[bb], Bs[bb + 1], Bs[bb + 2], Bs[bb + 3]);
      acc0 += As[ab] * bv; acc1 += As[ab + 1] * bv; acc2 += As[ab + 2] * bv; acc3 += As[ab + 3] * bv;
    }
    workgroupBarrier();
  }
  let gn = n0 + tx * 4;
  let bias = ${biasVec};
  ${epilogue}
}
`;
  return withParams(code, s.params, s.outBinding + 1);
}

/** The key of a GEMM text: every field of the spec but the body, plus the caller's tag for it. */
export function gemmKey(tag: string, s: GemmSpec): string {
  return `${tag}:${s.tileM}x${s.tileN}x${s.tileK}:${s.aMode}:${s.bMode}:${+s.outVec}:${+s.hasBias}:${+!!s.foldM}${s.launchOffsets ? ':lo' : ''}`;
}

/** Tile sizes for an M x N output: 64 x 64 when there is enough work, else 32 x 32. */
export function gemmTiles(M: number, N: number): { tileM: number; tileN: number; tileK: number } {
  return M * N >= 256 * 256 ? { tileM: 64, tileN: 64, tileK: 8 } : { tileM: 32, tileN: 32, tileK: 8 };
}

/**
 * Batch dims of a broadcast matmul merged where both operands advance together or stay together
 * (so a rank-6 batch usually needs 1 or 2 index digits). Returns the merged out shape and the
 * per-dim element strides of a and b (0 where broadcast).
 */
export function mergeBatch(
  shape: number[],
  sa: number[],
  sb: number[],
): { shape: number[]; sa: number[]; sb: number[] } {
  const out = { shape: [] as number[], sa: [] as number[], sb: [] as number[] };
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    const last = out.shape.length - 1;
    // merge into the inner group when both operands advance over the two as over one dim
    if (last >= 0 && sa[d] === out.sa[last] * out.shape[last] && sb[d] === out.sb[last] * out.shape[last]) {
      out.shape[last] *= shape[d];
      continue;
    }
    out.shape.push(shape[d]);
    out.sa.push(sa[d]);
    out.sb.push(sb[d]);
  }
  out.shape.reverse();
  out.sa.reverse();
  out.sb.reverse();
  return out;
}

/** Element strides of each batch dim of an operand whose batch shape broadcasts to `outBatch`. */
function batchStrides(batch: number[], outBatch: number[], matSize: number): number[] {
  const r = outBatch.length;
  const st = new Array<number>(r).fill(0);
  let acc = matSize;
  for (let d = batch.length - 1; d >= 0; d--) {
    const od = r - batch.length + d;
    st[od] = batch[d] === 1 ? 0 : acc;
    acc *= batch[d];
  }
  return st;
}

/** The 'MatMul' / 'FusedMatMul' program: inputs a, b[, bias]; attrs transposeA, transposeB, act. */
export function matMulProgram(inputs: TensorInfo[], attrs: Attrs): { program: GpuProgram; outShape: number[] } {
  const [a, b, bias] = inputs;
  const tA = !!attrs.transposeA;
  const tB = !!attrs.transposeB;
  const act = (attrs.act as number) ?? Act.Linear;
  const { batchShape, M, N, K } = matMulGeometry(a, b, tA, tB);
  const outShape = [...batchShape, M, N];
  const ra = a.shape.length;
  const rb = b.shape.length;
  const mb = mergeBatch(
    batchShape,
    batchStrides(a.shape.slice(0, ra - 2), batchShape, M * K),
    batchStrides(b.shape.slice(0, rb - 2), batchShape, K * N),
  );
  // One batch digit at least, so unbatched and singly batched products share a pipeline.
  if (mb.shape.length === 0) (mb.shape.push(1), mb.sa.push(0), mb.sb.push(0));
  const nb = mb.shape.reduce((x, y) => x * y, 1);
  const aMode: LoadMode = !tA ? (K % 4 === 0 ? 'vecRow' : 'scalar') : M % 4 === 0 ? 'vecCol' : 'scalar';
  const bMode: LoadMode = !tB ? (N % 4 === 0 ? 'vecRow' : 'scalar') : K % 4 === 0 ? 'vecCol' : 'scalar';
  const r = mb.shape.length;
  const bp = mb.shape.map((_, d) => [`bs${d}`, `sa${d}`, `sb${d}`]).flat();
  const params = ['M', 'N', 'K', 'act', 'b0', 'mt0', ...bp];
  // Offsets of batch b's matrices: digits of b over the merged batch shape, innermost last.
  let offs = 'var r = b; var oa = 0; var ob = 0;\n';
  for (let d = r - 1; d >= 0; d--) {
    offs += `  { let q = r % P.bs${d}; r = r / P.bs${d}; oa += q * P.sa${d}; ob += q * P.sb${d}; }\n`;
  }
  const aIdx = tA ? 'oa + k * P.M + m' : 'oa + m * P.K + k';
  const bIdx = tB ? 'ob + n * P.K + k' : 'ob + k * P.N + n';
  const av = aMode !== 'scalar';
  const bv = bMode !== 'scalar';
  const body = `${inputDecl('A', 0, av)}${inputDecl('B', 1, bv)}
fn offsets(b: i32) -> vec2<i32> {
  ${offs}  return vec2<i32>(oa, ob);
}
${av ? `fn mmA4(b: i32, m: i32, k: i32) -> vec4<f32> { let oa = offsets(b).x; return A[(${aIdx}) / 4]; }` : `fn mmA(b: i32, m: i32, k: i32) -> f32 { let oa = offsets(b).x; return A[${aIdx}]; }`}
${bv ? `fn mmB4(b: i32, k: i32, n: i32) -> vec4<f32> { let ob = offsets(b).y; return B[(${bIdx}) / 4]; }` : `fn mmB(b: i32, k: i32, n: i32) -> f32 { let ob = offsets(b).y; return B[${bIdx}]; }`}
fn mmOut(b: i32, m: i32, n: i32) -> i32 { return (b * P.M + m) * P.N + n; }
`;
  const tiles = gemmTiles(M, N);
  const spec: GemmSpec = Object.assign(tiles, {
    aMode,
    bMode,
    outVec: N % 4 === 0,
    hasBias: !!bias,
    params,
    body,
    biasBinding: 2,
    outBinding: bias ? 3 : 2,
    launchOffsets: true,
  });
  const values = [M, N, K, act, 0, 0];
  for (let d = 0; d < r; d++) values.push(mb.shape[d], mb.sa[d], mb.sb[d]);
  const key = gemmKey(`matmul:${+tA}${+tB}:r${r}`, spec);
  return {
    program: {
      key,
      code: cachedCode(key, () => gemmWgsl(spec)),
      workgroups: [Math.ceil(N / tiles.tileN), Math.ceil(M / tiles.tileM), nb],
      params: values,
    },
    outShape,
  };
}

let launchLimit = MAX_GROUPS;

/**
 * Lowers the batch matrices and row tiles one MatMul launch covers (tests use it to exercise the
 * split on small products); `MAX_GROUPS` restores it.
 */
export function setMatMulLaunchLimit(n: number): void {
  launchLimit = n;
}

function matMulKernel(inputs: TensorInfo[], attrs: Attrs, gpu: WebGPUBackend): TensorInfo {
  const { program, outShape } = matMulProgram(inputs, attrs);
  const y = gpu.makeOutput(outShape, 'float32');
  if (outShape.some((d) => d === 0)) return y;
  // More than 65535 batch matrices or row tiles: several launches, each at its offsets (P.b0, P.mt0).
  const [gx, gy, gz] = program.workgroups;
  for (let b0 = 0; b0 < gz; b0 += launchLimit) {
    for (let mt0 = 0; mt0 < gy; mt0 += launchLimit) {
      const params = program.params.slice();
      params[4] = b0;
      params[5] = mt0;
      const workgroups: [number, number, number] = [gx, Math.min(launchLimit, gy - mt0), Math.min(launchLimit, gz - b0)];
      dispatch(gpu, Object.assign({}, program, { params, workgroups }), inputs, [y]);
    }
  }
  return y;
}

registerWebGPUKernel('MatMul', matMulKernel);
registerWebGPUKernel('FusedMatMul', matMulKernel);
