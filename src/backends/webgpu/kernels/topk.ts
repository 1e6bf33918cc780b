// WebGPU 'TopK': the positions of the k largest values along the last axis, sorted largest first
// (ties: the lower index first; NaN counts as the largest, NaNs among themselves by index), as
// sg.topk's host sort (src/ops/selection.ts, tfjs' comparator). Only the webgpu backend has this
// kernel: sg.topk runs it there instead of reading x back to sort on the host, and gathers the
// values from x with the flat indices (so the values stay differentiable through gather).
//
// A bitonic sort of each row, padded to N = the next power of two, in O(n log^2 n) work:
// every element becomes a (key, index) pair of u32 whose ascending order is the comparator's
// (key: the value's bits mapped so that larger values and NaN come first; -0 as +0; padding last),
// so the order is total and the sort needs no stability. Stages whose compare distance is under
// 512 run in workgroup memory (one dispatch sorts blocks of 512, or finishes a merge); longer
// distances run one global pass each. A last pass copies the first k of each row.
//   input  x [..., n] (float32 or int32)
//   attrs  k
//   output indices int32 [..., k] (positions within the row), flat int32 [rows * k] (row * n + index)
import type { TensorInfo } from '../../backend.js';
import { MAX_GROUPS, type WebGPUBackend } from '../backend.js';
import { registerWebGPUKernel } from '../registry.js';
import { FLAT_MAIN, flatGroups } from './conv.js';
import { cachedCode, dispatch, withParams } from './matmul.js';

/** Elements a workgroup sorts in shared memory (two per invocation). */
const BLOCK = 512;
const PARAMS = ['total', 'N', 'n', 's', 'j', 'k', 'init'];

/** WGSL `keyOf(v)`: a u32 whose ascending order puts NaN first, then larger values first. */
function keyWgsl(float: boolean): string {
  if (!float) return 'fn keyOf(v: i32) -> u32 { return ~(bitcast<u32>(v) ^ 0x80000000u); }';
  return `fn keyOf(v: f32) -> u32 {
  var u = bitcast<u32>(v);
  if ((u & 0x7fffffffu) > 0x7f800000u) { return 0u; } // NaN (by its bits: a compiler may assume v == v)
  if ((u & 0x7fffffffu) == 0u) { u = 0u; }            // -0 ties with +0
  let ord = select(u | 0x80000000u, ~u, (u & 0x80000000u) != 0u); // ascending in v
  return ~ord;
}`;
}

const LESS = 'fn less(a: vec2<u32>, b: vec2<u32>) -> bool { return a.x < b.x || (a.x == b.x && a.y < b.y); }';

/**
 * Sorts blocks of 512 in workgroup memory: with P.init, reads x (padding past n) and runs stages
 * s = 2 .. min(N, 512); else finishes stage P.s (compare distances 256 .. 1) on S.
 */
function localWgsl(float: boolean): string {
  const t = float ? 'f32' : 'i32';
  return withParams(
    `@group(0) @binding(0) var<storage, read> X: array<${t}>;
@group(0) @binding(1) var<storage, read_write> S: array<vec2<u32>>;
${keyWgsl(float)}
${LESS}
var<workgroup> sh: array<vec2<u32>, ${BLOCK}>;
@compute @workgroup_size(${BLOCK / 2})
fn main(@builtin(local_invocation_id) l: vec3<u32>, @builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let block = (w.x + w.y * nw.x) * ${BLOCK}u;
  let total = u32(P.total); let N = u32(P.N); let n = u32(P.n);
  if (block >= total) { return; }
  let t = l.x;
  for (var e = 0u; e < 2u; e++) {
    let q = t + e * ${BLOCK / 2}u;
    let g = block + q;
    let p = g & (N - 1u);
    if (P.init != 0) {
      if (g < total && p < n) { sh[q] = vec2<u32>(keyOf(X[(g / N) * n + p]), p); } else { sh[q] = vec2<u32>(0xffffffffu, p); }
    } else if (g < total) { sh[q] = S[g]; } else { sh[q] = vec2<u32>(0xffffffffu, p); }
  }
  workgroupBarrier();
  var s = select(u32(P.s), 2u, P.init != 0);
  let sEnd = select(u32(P.s), min(N, ${BLOCK}u), P.init != 0);
  loop {
    if (s > sEnd) { break; }
    var j = min(s / 2u, ${BLOCK / 2}u);
    loop {
      if (j == 0u) { break; }
      let i = 2u * j * (t / j) + t % j;
      let asc = ((block + i) & (N - 1u) & s) == 0u;
      let a = sh[i]; let b = sh[i + j];
      if (less(b, a) == asc) { sh[i] = b; sh[i + j] = a; }
      workgroupBarrier();
      j = j / 2u;
    }
    s = s * 2u;
  }
  for (var e = 0u; e < 2u; e++) {
    let q = t + e * ${BLOCK / 2}u;
    if (block + q < total) { S[block + q] = sh[q]; }
  }
}
`,
    PARAMS,
    2,
  );
}

/** One compare-exchange pass of stage P.s at distance P.j over S (distances of 512 and more). */
const GLOBAL_WGSL = withParams(
  `@group(0) @binding(0) var<storage, read_write> S: array<vec2<u32>>;
${LESS}
${FLAT_MAIN}
  let t = u32(i); let j = u32(P.j); let N = u32(P.N);
  let lo = 2u * j * (t / j) + t % j;
  let asc = (lo & (N - 1u) & u32(P.s)) == 0u;
  let a = S[lo]; let b = S[lo + j];
  if (less(b, a) == asc) { S[lo] = b; S[lo + j] = a; }
}
`,
  PARAMS,
  1,
);

/** The first k pairs of each sorted row: positions and flat positions. */
const TAKE_WGSL = withParams(
  `@group(0) @binding(0) var<storage, read> S: array<vec2<u32>>;
@group(0) @binding(1) var<storage, read_write> Idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> Flat: array<i32>;
${FLAT_MAIN}
  let row = i / P.k; let r = i % P.k;
  let p = i32(S[row * P.N + r].y);
  Idx[i] = p;
  Flat[i] = row * P.n + p;
}
`,
  PARAMS,
  3,
);

registerWebGPUKernel('TopK', ([x], attrs, gpu: WebGPUBackend): TensorInfo[] => {
  const k = attrs.k as number;
  const n = x.shape[x.shape.length - 1];
  const lead = x.shape.slice(0, -1);
  const rows = lead.reduce((a, b) => a * b, 1);
  const idx = gpu.makeOutput([...lead, k], 'int32');
  const flat = gpu.makeOutput([rows * k], 'int32');
  if (rows * n === 0 || k === 0) return [idx, flat];
  const N = 2 ** Math.ceil(Math.log2(Math.max(n, 2)));
  const total = rows * N;
  if (2 * total > gpu.maxBufferBytes() / 4) {
    throw new Error(`topk: ${rows} rows of ${n} (padded to ${N}) need a sort buffer larger than this device allows; run topk on the wasm backend`);
  }
  const S = gpu.makeOutput([2 * total], 'int32'); // (key, index) pairs
  const t = x.dtype === 'float32' ? 'f32' : 'i32';
  const blocks = Math.ceil(total / BLOCK);
  const blockGroups: [number, number, number] = blocks <= MAX_GROUPS ? [blocks, 1, 1] : [MAX_GROUPS, Math.ceil(blocks / MAX_GROUPS), 1];
  const params = (s: number, j: number, init: number, count = total) => [count, N, n, s, j, k, init];
  const local = (s: number, init: number, ins: TensorInfo[]) =>
    dispatch(gpu, { key: `TopK_local_${t}`, code: cachedCode(`TopK_local_${t}`, () => localWgsl(t === 'f32')), workgroups: blockGroups, params: params(s, 0, init) }, ins, [S]);
  local(0, 1, [x]);
  for (let s = 2 * BLOCK; s <= N; s *= 2) {
    for (let j = s / 2; j >= BLOCK; j /= 2) {
      dispatch(gpu, { key: 'TopK_global', code: GLOBAL_WGSL, workgroups: flatGroups(total / 2), params: params(s, j, 0, total / 2) }, [], [S]);
    }
    local(s, 0, [x]);
  }
  dispatch(gpu, { key: 'TopK_take', code: TAKE_WGSL, workgroups: flatGroups(rows * k), params: params(0, 0, 0, rows * k) }, [S], [idx, flat]);
  gpu.disposeData(S.dataId);
  return [idx, flat];
});
