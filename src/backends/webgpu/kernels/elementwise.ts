// Element-wise WGSL kernels: Unary, UnaryGrad, Binary (broadcasting), Compare, Where, MathUnary,
// MathBinary, Cast, CustomGrad. One pipeline per (op, dtypes): the op's expression is inlined,
// shapes and strides are parameters. The js kernels (src/backends/js/kernels/{unary,binary,math,
// gather,custom}.ts) are the contract; float math is f32 (the oracle rounds float64 results).
import { Binary, Compare, Unary } from '../../wasm/codes.generated.js';
import type { DataType } from '../../../engine/dtype.js';
import { broadcastShapes, broadcastStrides, collapseBroadcast, sizeFromShape, type Shape } from '../../../engine/shape.js';
import type { TensorInfo } from '../../backend.js';
import { bindings, grid, wgslType, type WebGPUBackend } from '../backend.js';
import { registerWebGPUKernel } from '../registry.js';

/** WGSL helpers shared by the element-wise shaders (NaN tests by bit pattern: compilers may fold x != x). */
export const MATH_WGSL = /* wgsl */ `
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinf_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
// NaN and infinity cannot be WGSL constants: build them from a runtime value (P[0] & 0u is 0).
fn nan_() -> f32 { return bitcast<f32>((P[0] & 0u) | 0x7fc00000u); }
fn inf_() -> f32 { return bitcast<f32>((P[0] & 0u) | 0x7f800000u); }
fn expm1_(x: f32) -> f32 {
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  if (isinf_(u)) { return u; }
  return um1 * x / log(u);
}
fn log1p_(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (isinf_(u)) { return u; }
  return log(u) * x / (u - 1.0);
}
fn sigmoid_(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}
fn tanh_(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}
fn sinh_(x: f32) -> f32 {
  if (abs(x) < 1.0) { let e = expm1_(abs(x)); return sign(x) * 0.5 * (e + e / (e + 1.0)); }
  return sign(x) * 0.5 * (exp(abs(x)) - exp(-abs(x)));
}
// sin/cos with our own range reduction and polynomials: some drivers' builtins (SwiftShader's)
// are off by ~2e-4 absolute. Cody-Waite reduction to [-pi/4, pi/4], then Taylor to x^9 / x^8.
fn sincosPoly_(r: f32, q: i32, wantCos: bool) -> f32 {
  let r2 = r * r;
  let s = r + r * r2 * (-1.6666667e-1 + r2 * (8.3333333e-3 + r2 * (-1.9841270e-4 + r2 * 2.7557319e-6)));
  let c = 1.0 + r2 * (-0.5 + r2 * (4.1666667e-2 + r2 * (-1.3888889e-3 + r2 * 2.4801587e-5)));
  let k = (q + select(0, 1, wantCos)) & 3;
  if (k == 0) { return s; }
  if (k == 1) { return c; }
  if (k == 2) { return -s; }
  return -c;
}
fn sincos_(x: f32, wantCos: bool) -> f32 {
  if (isnan_(x) || isinf_(x)) { return nan_(); }
  let qf = round(x * 0.63661977236758134);
  let r = ((x - qf * 1.5703125) - qf * 4.8375129699707031e-4) - qf * 7.5497899548918821e-8;
  return sincosPoly_(r, i32(qf), wantCos);
}
fn sin_(x: f32) -> f32 { return sincos_(x, false); }
fn cos_(x: f32) -> f32 { return sincos_(x, true); }
fn cosh_(x: f32) -> f32 { return 0.5 * (exp(abs(x)) + exp(-abs(x))); }
fn asinh_(x: f32) -> f32 { let a = abs(x); return sign(x) * log1p_(a + a * a / (1.0 + sqrt(1.0 + a * a))); }
fn acosh_(x: f32) -> f32 { return log(x + sqrt(x * x - 1.0)); }
fn atanh_(x: f32) -> f32 { return 0.5 * log1p_(2.0 * x / (1.0 - x)); }
`;

const SELU_SCALE = '1.0507009873554805';
const SELU_SA = '1.7580993408473766'; // scale * alpha

/** Forward expressions over `x` (f32), `a`, `b` (alpha, beta). */
const UNARY_F32: Record<number, string> = {
  [Unary.Neg]: '-x',
  [Unary.Abs]: 'abs(x)',
  [Unary.Square]: 'x * x',
  [Unary.Sqrt]: 'sqrt(x)',
  [Unary.Exp]: 'exp(x)',
  [Unary.Log]: 'log(x)',
  [Unary.Relu]: 'select(select(0.0, x, isnan_(x)), x, x > 0.0)',
  [Unary.Relu6]: 'select(min(max(x, 0.0), 6.0), x, isnan_(x))',
  [Unary.Elu]: 'select(a * expm1_(x), x, x > 0.0)',
  [Unary.Selu]: `select(${SELU_SA} * expm1_(x), ${SELU_SCALE} * x, x > 0.0)`,
  [Unary.LeakyRelu]: 'select(a * x, x, x > 0.0)',
  [Unary.Sigmoid]: 'sigmoid_(x)',
  [Unary.Tanh]: 'tanh_(x)',
  [Unary.Softplus]: 'max(x, 0.0) + log1p_(exp(-abs(x)))',
  [Unary.Clip]: 'select(min(max(x, a), b), x, isnan_(x))',
  [Unary.Reciprocal]: '1.0 / x',
  [Unary.Rsqrt]: '1.0 / sqrt(x)',
  [Unary.Sign]: 'sign(x)',
  [Unary.Floor]: 'floor(x)',
  [Unary.Ceil]: 'ceil(x)',
  [Unary.Round]: 'round(x)',
  [Unary.Sin]: 'sin_(x)',
  [Unary.Cos]: 'cos_(x)',
  [Unary.Log1p]: 'log1p_(x)',
  [Unary.Step]: 'select(a, 1.0, x > 0.0)',
};

/** Integer forms of the ops that keep int32 (src/ops/unary.ts INT_OPS). */
const UNARY_I32: Record<number, string> = {
  [Unary.Neg]: '-x',
  [Unary.Abs]: 'abs(x)',
  [Unary.Square]: 'x * x',
  [Unary.Relu]: 'max(x, 0)',
  [Unary.Relu6]: 'clamp(x, 0, 6)',
  [Unary.Sign]: 'sign(x)',
  [Unary.Floor]: 'x',
  [Unary.Ceil]: 'x',
  [Unary.Round]: 'x',
};

/** d f / d x from x, y (forward output), a, b. */
const UNARY_GRAD: Record<number, string> = {
  [Unary.Neg]: '-1.0',
  [Unary.Abs]: 'sign(x)',
  [Unary.Square]: '2.0 * x',
  [Unary.Sqrt]: '0.5 / y',
  [Unary.Exp]: 'y',
  [Unary.Log]: '1.0 / x',
  [Unary.Relu]: 'select(0.0, 1.0, x > 0.0)',
  [Unary.Relu6]: 'select(0.0, 1.0, x > 0.0 && x < 6.0)',
  [Unary.Elu]: 'select(y + a, 1.0, x > 0.0)',
  [Unary.Selu]: `select(y + ${SELU_SA}, ${SELU_SCALE}, x > 0.0)`,
  [Unary.LeakyRelu]: 'select(a, 1.0, x > 0.0)',
  [Unary.Sigmoid]: 'sigmoidGrad_(x)',
  [Unary.Tanh]: 'tanhGrad_(x)',
  [Unary.Softplus]: 'sigmoid_(x)',
  [Unary.Clip]: 'select(0.0, 1.0, x >= a && x <= b)',
  [Unary.Reciprocal]: '-1.0 / (x * x)',
  [Unary.Rsqrt]: '-0.5 * y * y * y',
  [Unary.Sign]: '0.0',
  [Unary.Floor]: '0.0',
  [Unary.Ceil]: '0.0',
  [Unary.Round]: '0.0',
  [Unary.Sin]: 'cos_(x)',
  [Unary.Cos]: '-sin_(x)',
  [Unary.Log1p]: '1.0 / (1.0 + x)',
  [Unary.Step]: '0.0',
};

const GRAD_WGSL = /* wgsl */ `
fn sigmoidGrad_(x: f32) -> f32 { let e = exp(-abs(x)); return e / ((1.0 + e) * (1.0 + e)); }
fn tanhGrad_(x: f32) -> f32 { let e = exp(-2.0 * abs(x)); return 4.0 * e / ((1.0 + e) * (1.0 + e)); }
`;

const MAIN = '@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>)';

/** A value of WGSL type `from` as type `to` (f32 <-> i32 conversions; i32 -> f32 is exact below 2^24). */
function conv(expr: string, from: string, to: string): string {
  return from === to ? expr : `${to}(${expr})`;
}

registerWebGPUKernel('Unary', ([x], attrs, gpu) => {
  const op = attrs.op as number;
  const t = wgslType(x.dtype);
  const expr = t === 'i32' ? UNARY_I32[op] : UNARY_F32[op];
  if (expr === undefined) throw new Error(`Unary: op code ${op} has no WebGPU form for ${x.dtype}`);
  const y = gpu.makeOutput(x.shape, x.dtype);
  const n = sizeFromShape(x.shape);
  gpu.runProgram({
    key: `unary_${op}_${t}`,
    wgsl: () => `${bindings([['X', t]], [['Y', t]])}${MATH_WGSL}
${MAIN} {
  let i = flatIndex(gid, nwg);
  if (i >= pU(0)) { return; }
  let a = pF(1); let b = pF(2);
  let x = X[i];
  Y[i] = ${expr};
}`,
    inputs: [x],
    outputs: [y],
    params: [n],
    floatParams: [(attrs.alpha as number) ?? 0, (attrs.beta as number) ?? 0],
    workgroups: grid(n),
  });
  return y;
});

registerWebGPUKernel('UnaryGrad', ([x, y, dy], attrs, gpu) => {
  const op = attrs.op as number;
  const tx = wgslType(x.dtype);
  const ty = wgslType(y.dtype);
  const td = wgslType(dy.dtype);
  const dx = gpu.makeOutput(x.shape, 'float32');
  const n = sizeFromShape(x.shape);
  gpu.runProgram({
    key: `unarygrad_${op}_${tx}${ty}${td}`,
    wgsl: () => `${bindings([['X', tx], ['Yf', ty], ['DY', td]], [['DX', 'f32']])}${MATH_WGSL}${GRAD_WGSL}
${MAIN} {
  let i = flatIndex(gid, nwg);
  if (i >= pU(0)) { return; }
  let a = pF(1); let b = pF(2);
  let x = ${conv('X[i]', tx, 'f32')};
  let y = ${conv('Yf[i]', ty, 'f32')};
  DX[i] = ${conv('DY[i]', td, 'f32')} * (${UNARY_GRAD[op]});
}`,
    inputs: [x, y, dy],
    outputs: [dx],
    params: [n],
    floatParams: [(attrs.alpha as number) ?? 0, (attrs.beta as number) ?? 0],
    workgroups: grid(n),
  });
  return dx;
});

/** Strides of each input over the (collapsed) output shape: broadcasting as index arithmetic. */
function broadcastParams(outShape: Shape, ins: TensorInfo[]): { rank: number; params: number[] } {
  const c = collapseBroadcast(
    outShape,
    ins.map((t) => broadcastStrides(t.shape, outShape)),
  );
  const rank = c.shape.length;
  return { rank, params: [sizeFromShape(outShape), rank, ...c.shape, ...c.strides.flat()] };
}

/**
 * An element-wise shader over broadcast inputs named A, B (C): `body` computes `r` from the
 * loaded values a, b (c). The offsets come from the collapsed output index.
 */
function broadcastShader(names: string[], types: string[], outType: string, body: string, extra = ''): string {
  // Parameters: [n, rank, shape[rank], strides of input 0 [rank], strides of input 1 [rank], ...].
  const offs = names.map((_, j) => `var o${j} = 0;`).join(' ');
  const acc = names.map((_, j) => `o${j} += c * pI(2u + ${j + 1}u * rank + d);`).join(' ');
  const decls = names.map((n, j) => [n.toUpperCase(), types[j]] as [string, string]);
  return `${bindings(decls, [['OUT', outType]])}${MATH_WGSL}${extra}
${MAIN} {
  let i = flatIndex(gid, nwg);
  if (i >= pU(0)) { return; }
  let rank = pU(1);
  var rem = i32(i);
  ${offs}
  for (var dd = 0u; dd < rank; dd++) {
    let d = rank - 1u - dd;
    let dim = pI(2u + d);
    let c = rem % dim;
    rem = rem / dim;
    ${acc}
  }
  ${names.map((n, j) => `let ${n} = ${n.toUpperCase()}[o${j}];`).join(' ')}
  ${body}
  OUT[i] = r;
}`;
}

/** Float binary expressions; integer ones follow tfjs (floor division, wrapping multiply, integer power). */
const BINARY_F32: Record<number, string> = {
  [Binary.Add]: 'a + b',
  [Binary.Sub]: 'a - b',
  [Binary.Mul]: 'a * b',
  [Binary.Div]: 'a / b',
  [Binary.Max]: 'select(max(a, b), nan_(), isnan_(a) || isnan_(b))',
  [Binary.Min]: 'select(min(a, b), nan_(), isnan_(a) || isnan_(b))',
  [Binary.Pow]: 'powf_(a, b)',
  [Binary.SquaredDifference]: '(a - b) * (a - b)',
};
const BINARY_I32: Record<number, string> = {
  [Binary.Add]: 'a + b',
  [Binary.Sub]: 'a - b',
  [Binary.Mul]: 'a * b',
  [Binary.Div]: 'floorDivI_(a, b)',
  [Binary.Max]: 'max(a, b)',
  [Binary.Min]: 'min(a, b)',
  [Binary.Pow]: 'powI_(a, b)',
  [Binary.SquaredDifference]: '(a - b) * (a - b)',
};

const INT_WGSL = /* wgsl */ `
fn floorDivI_(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  var q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) { q = q - 1; }
  return q;
}
fn powI_(a: i32, b: i32) -> i32 {
  if (b < 0) { if (a == 1) { return 1; } if (a == -1) { return select(-1, 1, b % 2 == 0); } return 0; }
  var r = 1; var base = a; var e = b;
  loop { if (e == 0) { break; } if ((e & 1) == 1) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}
fn modF_(a: f32, b: f32) -> f32 {
  let r = a - b * trunc(a / b);
  return select(r, r + b, r != 0.0 && ((r < 0.0) != (b < 0.0)));
}
fn modI_(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let r = a % b;
  return select(r, r + b, r != 0 && ((r < 0) != (b < 0)));
}
`;

/** pow with JavaScript's answers where WGSL's pow (exp2(b * log2(a))) is undefined: a <= 0, b == 0. */
const POW_WGSL = /* wgsl */ `
fn powf_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  if (a > 0.0) { return pow(a, b); }
  if (a == 0.0) { if (b > 0.0) { return 0.0; } return inf_(); }
  if (b != floor(b)) { return nan_(); }
  let m = pow(-a, b);
  return select(m, -m, (abs(b) % 2.0) == 1.0);
}
`;

function runBroadcast(
  gpu: WebGPUBackend,
  key: string,
  ins: TensorInfo[],
  names: string[],
  outShape: Shape,
  outDtype: DataType,
  body: string,
  extra = '',
): TensorInfo {
  const out = gpu.makeOutput(outShape, outDtype);
  const { rank, params } = broadcastParams(outShape, ins);
  const types = ins.map((t) => wgslType(t.dtype));
  const n = sizeFromShape(outShape);
  gpu.runProgram({
    key: `${key}_${types.join('')}`,
    wgsl: () => broadcastShader(names, types, wgslType(outDtype), body, extra),
    inputs: ins,
    outputs: [out],
    params: [n, rank, ...params.slice(2)],
    workgroups: grid(n),
  });
  return out;
}

registerWebGPUKernel('Binary', ([a, b], attrs, gpu) => {
  const op = attrs.op as number;
  const shape = broadcastShapes('binary', a.shape, b.shape);
  const int = a.dtype !== 'float32';
  const ta = wgslType(a.dtype);
  const tb = wgslType(b.dtype);
  const ct = int ? 'i32' : 'f32';
  const expr = (int ? BINARY_I32 : BINARY_F32)[op];
  const body = `let av = ${conv('a', ta, ct)}; let bv = ${conv('b', tb, ct)};
  let r = ${conv(expr.replace(/\ba\b/g, 'av').replace(/\bb\b/g, 'bv'), ct, wgslType(a.dtype))};`;
  return runBroadcast(gpu, `binary_${op}`, [a, b], ['a', 'b'], shape, a.dtype, body, INT_WGSL + POW_WGSL);
});

const COMPARE: Record<number, string> = {
  [Compare.Greater]: '>',
  [Compare.GreaterEqual]: '>=',
  [Compare.Less]: '<',
  [Compare.LessEqual]: '<=',
  [Compare.Equal]: '==',
  [Compare.NotEqual]: '!=',
};

registerWebGPUKernel('Compare', ([a, b], attrs, gpu) => {
  const op = attrs.op as number;
  const shape = broadcastShapes('binary', a.shape, b.shape);
  const ta = wgslType(a.dtype);
  const tb = wgslType(b.dtype);
  const ct = ta === 'f32' || tb === 'f32' ? 'f32' : 'i32';
  // NaN compares unequal to everything (and != to everything) whatever the compiler assumes.
  const nan = ct === 'f32' ? `isnan_(av) || isnan_(bv)` : 'false';
  const body = `let av = ${conv('a', ta, ct)}; let bv = ${conv('b', tb, ct)};
  let r = select(select(0, 1, av ${COMPARE[op]} bv), ${op === Compare.NotEqual ? 1 : 0}, ${nan});`;
  return runBroadcast(gpu, `compare_${op}`, [a, b], ['a', 'b'], shape, 'bool', body);
});

registerWebGPUKernel('Where', ([c, a, b], _attrs, gpu) => {
  const shape = broadcastShapes('where', c.shape, broadcastShapes('where', a.shape, b.shape));
  const ta = wgslType(a.dtype);
  const tb = wgslType(b.dtype);
  const body = `let r = select(${conv('b', tb, ta)}, a, ${wgslType(c.dtype) === 'f32' ? 'c != 0.0' : 'c != 0'});`;
  return runBroadcast(gpu, 'where', [c, a, b], ['c', 'a', 'b'], shape, a.dtype, body);
});

/** MathUnary functions (src/backends/js/kernels/math.ts); the bool ones write 0/1. */
const MATH_UNARY: Record<string, string> = {
  tan: 'tan(x)',
  asin: 'asin(x)',
  acos: 'acos(x)',
  atan: 'atan(x)',
  sinh: 'sinh_(x)',
  cosh: 'cosh_(x)',
  asinh: 'asinh_(x)',
  acosh: 'acosh_(x)',
  atanh: 'atanh_(x)',
  expm1: 'expm1_(x)',
  isNaN: 'select(0, 1, isnan_(x))',
  isInf: 'select(0, 1, isinf_(x))',
  isFinite: 'select(1, 0, isnan_(x) || isinf_(x))',
  logicalNot: 'select(0, 1, x == 0.0)',
};
const UNARY_BOOL = new Set(['isNaN', 'isInf', 'isFinite', 'logicalNot']);

registerWebGPUKernel('MathUnary', ([x], attrs, gpu) => {
  const fn = attrs.fn as string;
  const expr = MATH_UNARY[fn];
  if (expr === undefined) throw new Error(`MathUnary: unknown function '${fn}'`);
  const outDtype: DataType = UNARY_BOOL.has(fn) ? 'bool' : x.dtype;
  const tx = wgslType(x.dtype);
  const to = wgslType(outDtype);
  const y = gpu.makeOutput(x.shape, outDtype);
  const n = sizeFromShape(x.shape);
  gpu.runProgram({
    key: `mathunary_${fn}_${tx}`,
    wgsl: () => `${bindings([['X', tx]], [['Y', to]])}${MATH_WGSL}
${MAIN} {
  let i = flatIndex(gid, nwg);
  if (i >= pU(0)) { return; }
  let x = ${conv('X[i]', tx, 'f32')};
  Y[i] = ${UNARY_BOOL.has(fn) ? expr : conv(expr, 'f32', to)};
}`,
    inputs: [x],
    outputs: [y],
    params: [n],
    workgroups: grid(n),
  });
  return y;
});

const MATH_BINARY_F32: Record<string, string> = {
  atan2: 'atan2(av, bv)',
  mod: 'modF_(av, bv)',
  floorDiv: 'floor(av / bv)',
};
const MATH_BINARY_I32: Record<string, string> = {
  atan2: 'i32(atan2(f32(av), f32(bv)))',
  mod: 'modI_(av, bv)',
  floorDiv: 'floorDivI_(av, bv)',
};
const LOGICAL: Record<string, string> = {
  logicalAnd: 'select(0, 1, av != 0 && bv != 0)',
  logicalOr: 'select(0, 1, av != 0 || bv != 0)',
  logicalXor: 'select(0, 1, (av != 0) != (bv != 0))',
};

registerWebGPUKernel('MathBinary', ([a, b], attrs, gpu) => {
  const fn = attrs.fn as string;
  const shape = broadcastShapes(fn, a.shape, b.shape);
  const ta = wgslType(a.dtype);
  const tb = wgslType(b.dtype);
  let body: string;
  let outDtype: DataType = a.dtype;
  if (LOGICAL[fn]) {
    outDtype = 'bool';
    body = `let av = ${conv('a', ta, 'i32')}; let bv = ${conv('b', tb, 'i32')};\n  let r = ${LOGICAL[fn]};`;
  } else {
    const ct = ta;
    const expr = (ct === 'f32' ? MATH_BINARY_F32 : MATH_BINARY_I32)[fn];
    if (expr === undefined) throw new Error(`MathBinary: unknown function '${fn}'`);
    body = `let av = ${conv('a', ta, ct)}; let bv = ${conv('b', tb, ct)};\n  let r = ${expr};`;
  }
  return runBroadcast(gpu, `mathbinary_${fn}`, [a, b], ['a', 'b'], shape, outDtype, body, INT_WGSL);
});

registerWebGPUKernel('Cast', ([x], attrs, gpu) => {
  const to = attrs.dtype as DataType;
  const tx = wgslType(x.dtype);
  const tt = wgslType(to);
  let expr: string;
  if (to === 'bool') expr = tx === 'f32' ? 'select(0, 1, v != 0.0)' : 'select(0, 1, v != 0)';
  else if (tt === 'i32') expr = tx === 'f32' ? 'select(i32(trunc(v)), 0, isnan_(v) || isinf_(v))' : 'v';
  else expr = tx === 'f32' ? 'v' : 'f32(v)';
  const y = gpu.makeOutput(x.shape, to);
  const n = sizeFromShape(x.shape);
  gpu.runProgram({
    key: `cast_${tx}_${to}`,
    wgsl: () => `${bindings([['X', tx]], [['Y', tt]])}${MATH_WGSL}
${MAIN} {
  let i = flatIndex(gid, nwg);
  if (i >= pU(0)) { return; }
  let v = X[i];
  Y[i] = ${expr};
}`,
    inputs: [x],
    outputs: [y],
    params: [n],
    workgroups: grid(n),
  });
  return y;
});

registerWebGPUKernel('CustomGrad', (ins, attrs, gpu) => {
  const x = ins[attrs.at as number];
  const y = gpu.makeOutput(x.shape, x.dtype);
  gpu.copyElements(x, 0, y, 0, sizeFromShape(x.shape));
  return y;
});
