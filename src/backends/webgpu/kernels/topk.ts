// WebGPU 'TopK': the positions of the k largest values along the last axis, sorted largest first
// (ties: the lower index first; NaN counts as the largest, NaNs among themselves by index), as
// sg.topk's host sort (src/ops/selection.ts, tfjs' comparator). Only the webgpu backend has this
// kernel: sg.topk runs it there instead of reading x back to sort on the host, and gathers the
// values from x with the flat indices (so the values stay differentiable through gather).
//
// One invocation per element: its rank in its row is the number of elements that sort before it
// (O(n) each, no sorting network: rows of a few thousand stay cheap); an element whose rank is
// below k writes its index at that rank. The order is total, so every rank < k is written once.
//   input  x [..., n] (float32 or int32)
//   attrs  k
//   output indices int32 [..., k] (positions within the row), flat int32 [rows * k] (row * n + index)
import type { TensorInfo } from '../../backend.js';
import type { WebGPUBackend } from '../backend.js';
import { registerWebGPUKernel } from '../registry.js';
import { FLAT_MAIN, flatGroups } from './conv.js';
import { cachedCode, dispatch, withParams } from './matmul.js';

function topkWgsl(float: boolean): string {
  const t = float ? 'f32' : 'i32';
  // NaN by its bits: a compiler may assume v != v is false.
  const nan = float ? 'fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }' : 'fn isNan(v: i32) -> bool { return false; }';
  const body = `@group(0) @binding(0) var<storage, read> X: array<${t}>;
@group(0) @binding(1) var<storage, read_write> Idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> Flat: array<i32>;
${nan}
// whether element (a, j) sorts before element (b, i), j != i
fn before(a: ${t}, j: i32, b: ${t}, i: i32) -> bool {
  let na = isNan(a);
  let nb = isNan(b);
  if (na || nb) { return na && (!nb || j < i); }
  return a > b || (a == b && j < i);
}
${FLAT_MAIN}
  let i0 = i % P.n; let row = i / P.n; let o = row * P.n;
  let v = X[i];
  var rank = 0;
  for (var j = 0; j < P.n; j++) {
    if (j != i0 && before(X[o + j], j, v, i0)) {
      rank++;
      if (rank >= P.k) { return; }
    }
  }
  Idx[row * P.k + rank] = i0;
  Flat[row * P.k + rank] = i;
}
`;
  return withParams(body, ['total', 'n', 'k'], 3);
}

registerWebGPUKernel('TopK', ([x], attrs, gpu: WebGPUBackend): TensorInfo[] => {
  const k = attrs.k as number;
  const n = x.shape[x.shape.length - 1];
  const lead = x.shape.slice(0, -1);
  const rows = lead.reduce((a, b) => a * b, 1);
  const idx = gpu.makeOutput([...lead, k], 'int32');
  const flat = gpu.makeOutput([rows * k], 'int32');
  const total = rows * n;
  if (total === 0 || k === 0) return [idx, flat];
  const key = `TopK_${x.dtype === 'float32' ? 'f32' : 'i32'}`;
  dispatch(
    gpu,
    { key, code: cachedCode(key, () => topkWgsl(x.dtype === 'float32')), workgroups: flatGroups(total), params: [total, n, k] },
    [x],
    [idx, flat],
  );
  return [idx, flat];
});
