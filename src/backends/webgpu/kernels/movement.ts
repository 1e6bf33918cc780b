// Data movement in WGSL: Transpose, Slice, Concat, Pad, Tile, Gather, UnsortedSegmentSum, OneHot.
// Contract: src/backends/js/kernels/{shape,gather}.ts. One thread per output element; shapes and
// strides are parameters, so one pipeline per kernel and dtype serves every shape and rank.
// Index checks: where the indices have a host copy (made on the host, or read once) an index out
// of range throws the js kernel's error before any kernel runs; indices that exist only on the GPU
// cannot be read without a readback: the kernel flags the first one out of range in the backend's
// status buffer (Gather writes zeros for it, UnsortedSegmentSum skips it) and the next read
// (`await t.data()`, fit's end-of-step reads) throws the same error then (backend.ts, indexStatus).
import type { DataType } from '../../../engine/dtype.js';
import { sizeFromShape, stridesOf, type Shape } from '../../../engine/shape.js';
import type { TensorInfo } from '../../backend.js';
import { bindings, grid, wgslType, type WebGPUBackend } from '../backend.js';
import { registerWebGPUKernel } from '../registry.js';

const MAIN = '@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>)';

/**
 * out[i] = X[base + sum_d idx_d(i) * stride_d]: transpose (permuted strides) and slice (a base
 * offset) are both this strided copy. Params: [n, rank, base, shape[rank], strides[rank]].
 */
function stridedCopy(gpu: WebGPUBackend, x: TensorInfo, outShape: Shape, base: number, strides: number[]): TensorInfo {
  const out = gpu.makeOutput(outShape, x.dtype);
  const n = sizeFromShape(outShape);
  const t = wgslType(x.dtype);
  const rank = outShape.length;
  gpu.runProgram({
    key: `strided_${t}`,
    wgsl: () => `${bindings([['X', t]], [['Y', t]])}
${MAIN} {
  let i = flatIndex(gid, nwg);
  if (i >= pU(0)) { return; }
  let rank = pU(1);
  var off = pI(2u);
  var rem = i32(i);
  for (var dd = 0u; dd < rank; dd++) {
    let d = rank - 1u - dd;
    let dim = pI(3u + d);
    off += (rem % dim) * pI(3u + rank + d);
    rem = rem / dim;
  }
  Y[i] = X[off];
}`,
    inputs: [x],
    outputs: [out],
    params: [n, rank, base, ...outShape, ...strides],
    workgroups: grid(n),
  });
  return out;
}

registerWebGPUKernel('Transpose', ([x], attrs, gpu) => {
  const perm = attrs.perm as number[];
  const st = stridesOf(x.shape);
  return stridedCopy(
    gpu,
    x,
    perm.map((p) => x.shape[p]),
    0,
    perm.map((p) => st[p]),
  );
});

registerWebGPUKernel('Slice', ([x], attrs, gpu) => {
  const begin = attrs.begin as number[];
  const size = attrs.size as number[];
  const st = stridesOf(x.shape);
  const base = begin.reduce((s, b, d) => s + b * st[d], 0);
  return stridedCopy(gpu, x, size, base, st);
});

registerWebGPUKernel('Tile', ([x], attrs, gpu) => {
  const reps = attrs.reps as number[];
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = gpu.makeOutput(outShape, x.dtype);
  const n = sizeFromShape(outShape);
  const t = wgslType(x.dtype);
  const rank = outShape.length;
  gpu.runProgram({
    key: `tile_${t}`,
    wgsl: () => `${bindings([['X', t]], [['Y', t]])}
${MAIN} {
  let i = flatIndex(gid, nwg);
  if (i >= pU(0)) { return; }
  let rank = pU(1);
  var off = 0;
  var rem = i32(i);
  for (var dd = 0u; dd < rank; dd++) {
    let d = rank - 1u - dd;
    let dim = pI(2u + d);
    off += ((rem % dim) % pI(2u + rank + d)) * pI(2u + 2u * rank + d);
    rem = rem / dim;
  }
  Y[i] = X[off];
}`,
    inputs: [x],
    outputs: [out],
    params: [n, rank, ...outShape, ...x.shape, ...stridesOf(x.shape)],
    workgroups: grid(n),
  });
  return out;
});

registerWebGPUKernel('Pad', ([x], attrs, gpu) => {
  const pads = attrs.paddings as number[][];
  const outShape = x.shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  const out = gpu.makeOutput(outShape, x.dtype);
  const n = sizeFromShape(outShape);
  const t = wgslType(x.dtype);
  const rank = outShape.length;
  const c = (attrs.constantValue as number) ?? 0;
  gpu.runProgram({
    key: `pad_${t}`,
    wgsl: () => `${bindings([['X', t]], [['Y', t]])}
${MAIN} {
  let i = flatIndex(gid, nwg);
  if (i >= pU(0)) { return; }
  let rank = pU(1);
  var off = 0;
  var inside = true;
  var rem = i32(i);
  for (var dd = 0u; dd < rank; dd++) {
    let d = rank - 1u - dd;
    let dim = pI(3u + d);
    let k = rem % dim - pI(3u + 2u * rank + d);
    rem = rem / dim;
    if (k < 0 || k >= pI(3u + rank + d)) { inside = false; }
    off += k * pI(3u + 3u * rank + d);
  }
  if (inside) { Y[i] = X[off]; } else { Y[i] = ${t === 'f32' ? `pF(3u + 4u * rank)` : 'pI(2u)'}; }
}`,
    inputs: [x],
    outputs: [out],
    params: [n, rank, t === 'f32' ? 0 : c, ...outShape, ...x.shape, ...pads.map((p) => p[0]), ...stridesOf(x.shape)],
    floatParams: [t === 'f32' ? c : 0],
    workgroups: grid(n),
  });
  return out;
});

registerWebGPUKernel('Concat', (xs, attrs, gpu) => {
  const axis = attrs.axis as number;
  const outShape = xs[0].shape.slice();
  outShape[axis] = xs.reduce((s, t) => s + t.shape[axis], 0);
  const out = gpu.makeOutput(outShape, xs[0].dtype);
  const outer = sizeFromShape(outShape.slice(0, axis));
  const rowOut = sizeFromShape(outShape.slice(axis));
  const t = wgslType(xs[0].dtype);
  let colOff = 0;
  for (const x of xs) {
    const row = sizeFromShape(x.shape.slice(axis));
    const n = outer * row;
    if (outer === 1) gpu.copyElements(x, 0, out, colOff, n);
    else
      gpu.runProgram({
        key: `concat_${t}`,
        wgsl: () => `${bindings([['X', t]], [['Y', t]])}
${MAIN} {
  let i = flatIndex(gid, nwg);
  if (i >= pU(0)) { return; }
  let row = pU(1);
  Y[(i / row) * pU(2) + pU(3) + i % row] = X[i];
}`,
        inputs: [x],
        outputs: [out],
        params: [n, row, rowOut, colOff],
        workgroups: grid(n),
      });
    colOff += row;
  }
  return out;
});

/**
 * Checks indices against [0, n): where they have a host copy, now (the js kernel's error, before
 * any kernel runs); where they live only on the GPU, in the kernel, which writes the first index
 * out of range into the backend's status buffer (`indexStatus`), reported by the next read.
 * Returns the status code the kernel writes (its P[statusAt]).
 */
function checkIndices(gpu: WebGPUBackend, op: string, idx: TensorInfo, n: number): number {
  const v = gpu.hostValues(idx.dataId);
  if (!v) {
    gpu.armIndexCheck();
    return gpu.indexCheckCode(op);
  }
  for (let j = 0; j < v.length; j++) {
    if (!(v[j] >= 0 && v[j] < n)) throw new Error(`${op}: index ${v[j]} is out of range [0, ${n})`);
  }
  return gpu.indexCheckCode(op);
}

/** WGSL `flagIndex(v, n, code)`: records index v out of [0, n) in the status buffer S (first one wins). */
const FLAG_WGSL = `
fn flagIndex(v: i32, n: i32, code: i32) {
  if (atomicCompareExchangeWeak(&S[0], 0, code).exchanged) { atomicStore(&S[1], v); atomicStore(&S[2], n); }
}`;

registerWebGPUKernel('Gather', ([x, idx], _attrs, gpu) => {
  const [outer, n, inner] = x.shape;
  const m = idx.shape[0];
  const code = checkIndices(gpu, 'gather', idx, n);
  const out = gpu.makeOutput([outer, m, inner], x.dtype);
  const total = outer * m * inner;
  const t = wgslType(x.dtype);
  const zero = t === 'f32' ? '0.0' : '0';
  gpu.runProgram({
    key: `gather_${t}`,
    wgsl: () => `${bindings([['X', t], ['I', 'i32']], [['Y', t], ['S', 'atomic<i32>']])}${FLAG_WGSL}
${MAIN} {
  let i = flatIndex(gid, nwg);
  if (i >= pU(0)) { return; }
  let n = pI(1u); let m = pU(2); let inner = pU(3);
  let k = i % inner;
  let j = (i / inner) % m;
  let o = i / (inner * m);
  let src = I[j];
  if (src < 0 || src >= n) { Y[i] = ${zero}; flagIndex(src, n, pI(4u)); return; }
  Y[i] = X[(o * u32(n) + u32(src)) * inner + k];
}`,
    inputs: [x, idx],
    outputs: [out, gpu.indexStatus()],
    params: [total, n, m, inner, code],
    workgroups: grid(total),
  });
  return out;
});

registerWebGPUKernel('UnsortedSegmentSum', ([x, ids], attrs, gpu) => {
  const [outer, m, inner] = x.shape;
  const ns = attrs.numSegments as number;
  const code = checkIndices(gpu, 'unsortedSegmentSum', ids, ns);
  const out = gpu.makeZeros([outer, ns, inner], x.dtype);
  const total = outer * m * inner;
  const t = wgslType(x.dtype);
  // One invocation per element of x adds it into its segment: O(size of x) in all. WGSL has no
  // float atomics: f32 adds are a compare-exchange loop on the bits (as ImageTransform's adjoint).
  const add =
    t === 'f32'
      ? `var old = atomicLoad(&Y[dst]);
  loop {
    let r = atomicCompareExchangeWeak(&Y[dst], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }`
      : 'atomicAdd(&Y[dst], v);';
  gpu.runProgram({
    key: `segsum_${t}`,
    wgsl: () => `${bindings([['X', t], ['I', 'i32']], [['Y', t === 'f32' ? 'atomic<u32>' : 'atomic<i32>'], ['S', 'atomic<i32>']])}${FLAG_WGSL}
${MAIN} {
  let i = flatIndex(gid, nwg);
  if (i >= pU(0)) { return; }
  let ns = pI(1u); let m = pU(2); let inner = pU(3);
  let k = i % inner;
  let j = (i / inner) % m;
  let o = i / (inner * m);
  let s = I[j];
  if (s < 0 || s >= ns) { flagIndex(s, ns, pI(4u)); return; }
  let v = X[i];
  let dst = (o * u32(ns) + u32(s)) * inner + k;
  ${add}
}`,
    inputs: [x, ids],
    outputs: [out, gpu.indexStatus()],
    params: [total, ns, m, inner, code],
    workgroups: grid(total),
  });
  return out;
});

registerWebGPUKernel('OneHot', ([idx], attrs, gpu) => {
  const depth = attrs.depth as number;
  const dtype = attrs.dtype as DataType;
  const out = gpu.makeOutput([...idx.shape, depth], dtype);
  const total = sizeFromShape(idx.shape) * depth;
  const t = wgslType(dtype);
  const on = attrs.onValue as number;
  const off = attrs.offValue as number;
  gpu.runProgram({
    key: `onehot_${t}`,
    wgsl: () => `${bindings([['I', 'i32']], [['Y', t]])}
${MAIN} {
  let i = flatIndex(gid, nwg);
  if (i >= pU(0)) { return; }
  let depth = pU(1);
  let hot = I[i / depth] == i32(i % depth);
  Y[i] = select(${t === 'f32' ? 'pF(5u), pF(4u)' : 'pI(3u), pI(2u)'}, hot);
}`,
    inputs: [idx],
    outputs: [out],
    params: [total, depth, t === 'i32' ? on : 0, t === 'i32' ? off : 0],
    floatParams: [t === 'f32' ? on : 0, t === 'f32' ? off : 0],
    workgroups: grid(total),
  });
  return out;
});
