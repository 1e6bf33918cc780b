// Reductions in WGSL: Reduce (sum/max/min/prod over the middle axis of [outer, R, inner]; the ops
// transpose and reshape any axis choice onto that, so every axis set is served), ArgReduce,
// Softmax / log-softmax and Cumulative (cumsum/cumprod). Contract: src/backends/js/kernels/{reduce,scan}.ts.
// Long reductions run one workgroup per output (256 threads stride over R, then a tree in
// workgroup memory); short ones one thread per output.
import { Reduce } from '../../wasm/codes.generated.js';
import { sizeFromShape } from '../../../engine/shape.js';
import { bindings, grid, wgslType, MAX_GROUPS } from '../backend.js';
import { registerWebGPUKernel } from '../registry.js';
import { MATH_WGSL } from './elementwise.js';

const MAIN = '@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>)';

/** acc <- step(acc, v) in WGSL for each Reduce code; NaN (f32) wins in all four. */
function stepExpr(op: number, t: string): string {
  const nanGuard = (e: string) => (t === 'f32' ? `select(${e}, acc, isnan_(acc))` : e);
  switch (op) {
    case Reduce.Sum:
      return 'acc + v';
    case Reduce.Prod:
      return nanGuard('acc * v');
    case Reduce.Max:
      return nanGuard(t === 'f32' ? 'select(acc, v, v > acc || isnan_(v))' : 'max(acc, v)');
    case Reduce.Min:
      return nanGuard(t === 'f32' ? 'select(acc, v, v < acc || isnan_(v))' : 'min(acc, v)');
  }
  throw new Error(`Reduce: unknown op code ${op}`);
}

/** [initial accumulator, value of an empty reduction] as the js oracle stores them. */
function initValues(op: number, int: boolean): [number, number] {
  switch (op) {
    case Reduce.Sum:
      return [0, 0];
    case Reduce.Prod:
      return [1, 1];
    case Reduce.Max:
      return int ? [-2147483648, 0] : [-Infinity, -Infinity];
    default:
      return int ? [2147483647, 0] : [Infinity, Infinity];
  }
}

/** R at or above which one workgroup reduces one output. */
const WG_MIN_R = 256;
const WG = 256;

registerWebGPUKernel('Reduce', ([x], attrs, gpu) => {
  const [outer, R, inner] = x.shape;
  const op = attrs.op as number;
  const t = wgslType(x.dtype);
  const int = t === 'i32';
  const out = gpu.makeOutput([outer, inner], x.dtype);
  const nOut = outer * inner;
  const [init, empty] = initValues(op, int);
  // Params: [nOut, R, inner, init (i32), empty (i32)], floats: [init, empty].
  const ip = [nOut, R, inner, int ? init : 0, int ? empty : 0];
  const fp = [int ? 0 : init, int ? 0 : empty];
  const initE = int ? 'pI(3u)' : 'pF(5u)';
  const emptyE = int ? 'pI(4u)' : 'pF(6u)';
  const decl = `${bindings([['X', t]], [['Y', t]])}${MATH_WGSL}`;
  if (R >= WG_MIN_R && nOut > 0) {
    const groups = nOut <= MAX_GROUPS ? [nOut, 1] : [MAX_GROUPS, Math.ceil(nOut / MAX_GROUPS)];
    gpu.runProgram({
      key: `reduce_wg_${op}_${t}`,
      wgsl: () => `${decl}
var<workgroup> part: array<${t}, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let oi = wid.x + wid.y * nwg.x;
  let valid = oi < pU(0);
  let R = pU(1); let inner = pU(2);
  let o = oi / max(inner, 1u); let j = oi % max(inner, 1u);
  var acc = ${initE};
  if (valid) {
    for (var r = lid; r < R; r += ${WG}u) {
      let v = X[(o * R + r) * inner + j];
      acc = ${stepExpr(op, t)};
    }
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { let v = part[lid + s]; let acc = part[lid]; part[lid] = ${stepExpr(op, t)}; }
    workgroupBarrier();
  }
  if (valid && lid == 0u) { Y[oi] = part[0]; }
}`,
      inputs: [x],
      outputs: [out],
      params: ip,
      floatParams: fp,
      workgroups: groups,
    });
    return out;
  }
  gpu.runProgram({
    key: `reduce_${op}_${t}`,
    wgsl: () => `${decl}
${MAIN} {
  let oi = flatIndex(gid, nwg);
  if (oi >= pU(0)) { return; }
  let R = pU(1); let inner = pU(2);
  let o = oi / inner; let j = oi % inner;
  var acc = ${initE};
  for (var r = 0u; r < R; r++) {
    let v = X[(o * R + r) * inner + j];
    acc = ${stepExpr(op, t)};
  }
  if (R == 0u) { acc = ${emptyE}; }
  Y[oi] = acc;
}`,
    inputs: [x],
    outputs: [out],
    params: ip,
    floatParams: fp,
    workgroups: grid(nOut),
  });
  return out;
});

registerWebGPUKernel('ArgReduce', ([x], attrs, gpu) => {
  const [rows, n] = x.shape;
  const isMax = !!attrs.isMax;
  const t = wgslType(x.dtype);
  const out = gpu.makeOutput([rows], 'int32');
  const better = t === 'f32' ? `isnan_(v) || v ${isMax ? '>' : '<'} bv` : `v ${isMax ? '>' : '<'} bv`;
  gpu.runProgram({
    key: `argreduce_${isMax}_${t}`,
    wgsl: () => `${bindings([['X', t]], [['Y', 'i32']])}${MATH_WGSL}
${MAIN} {
  let r = flatIndex(gid, nwg);
  if (r >= pU(0)) { return; }
  let n = pU(1);
  var best = 0u;
  var bv = X[r * n];
  for (var i = 1u; i < n; i++) {
    ${t === 'f32' ? 'if (isnan_(bv)) { break; }' : ''}
    let v = X[r * n + i];
    if (${better}) { best = i; bv = v; }
  }
  Y[r] = i32(best);
}`,
    inputs: [x],
    outputs: [out],
    params: [rows, n],
    workgroups: grid(rows),
  });
  return out;
});

registerWebGPUKernel('Softmax', ([x], attrs, gpu) => {
  const n = x.shape[x.shape.length - 1];
  const size = sizeFromShape(x.shape);
  const rows = n === 0 ? 0 : size / n;
  const log = !!attrs.log;
  const out = gpu.makeOutput(x.shape, 'float32');
  gpu.runProgram({
    key: `softmax_${log}`,
    wgsl: () => `${bindings([['X', 'f32']], [['Y', 'f32']])}${MATH_WGSL}
${MAIN} {
  let r = flatIndex(gid, nwg);
  if (r >= pU(0)) { return; }
  let n = pU(1);
  let o = r * n;
  var m = X[o];
  for (var i = 1u; i < n; i++) { m = max(m, X[o + i]); }
  var s = 0.0;
  for (var i = 0u; i < n; i++) { s += exp(X[o + i] - m); }
  ${log ? 'let ls = log(s);\n  for (var i = 0u; i < n; i++) { Y[o + i] = X[o + i] - m - ls; }' : 'for (var i = 0u; i < n; i++) { Y[o + i] = exp(X[o + i] - m) / s; }'}
}`,
    inputs: [x],
    outputs: [out],
    params: [rows, n],
    workgroups: grid(rows),
  });
  return out;
});

registerWebGPUKernel('Cumulative', ([x], attrs, gpu) => {
  const [outer, n, inner] = x.shape;
  const prod = !!attrs.prod;
  const exclusive = !!attrs.exclusive;
  const reverse = !!attrs.reverse;
  const t = wgslType(x.dtype);
  const out = gpu.makeOutput(x.shape, x.dtype);
  const one = t === 'f32' ? '1.0' : '1';
  const zero = t === 'f32' ? '0.0' : '0';
  gpu.runProgram({
    key: `cumulative_${prod}_${exclusive}_${reverse}_${t}`,
    wgsl: () => `${bindings([['X', t]], [['Y', t]])}
${MAIN} {
  let line = flatIndex(gid, nwg);
  if (line >= pU(0)) { return; }
  let n = pU(1); let inner = pU(2);
  let o = line / inner; let j = line % inner;
  var acc = ${prod ? one : zero};
  for (var k = 0u; k < n; k++) {
    let r = ${reverse ? 'n - 1u - k' : 'k'};
    let at = (o * n + r) * inner + j;
    let v = X[at];
    ${exclusive ? 'Y[at] = acc;' : ''}
    acc = acc ${prod ? '*' : '+'} v;
    ${exclusive ? '' : 'Y[at] = acc;'}
  }
}`,
    inputs: [x],
    outputs: [out],
    params: [outer * inner, n, inner],
    workgroups: grid(outer * inner),
  });
  return out;
});
