// WebGPU element-wise kernels (Unary, UnaryGrad, Binary, Compare, Where, MathUnary, MathBinary,
// Cast, CustomGrad) against the js oracle, values read back from the GPU with await data(); and
// gradients through them (sg.grads on webgpu vs js). Every op here must run natively: the
// fallback count stays empty.
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, randArray } from '../helpers.js';
import { describeGpu, vsJs } from './helpers.js';
import { MAX_GROUPS, setGridLimit } from '../../src/backends/webgpu/backend.js';

const X = randArray(2 * 3 * 5, 1, -3, 3);
const x = () => sg.tensor(X, [2, 3, 5]);
const pos = () => sg.tensor(randArray(30, 2, 0.1, 4), [2, 3, 5]);
const unit = () => sg.tensor(randArray(30, 3, -0.95, 0.95), [2, 3, 5]);
const ints = () => sg.tensor(Int32Array.from(randArray(30, 4, -20, 20), Math.trunc), [2, 3, 5], 'int32');

describeGpu('webgpu element-wise kernels vs the js oracle', () => {
  checkNoLeaks();
  beforeAll(async () => {
    await sg.setBackend('webgpu');
    sg.webgpu.resetFallbacks();
  });
  afterAll(async () => {
    await sg.setBackend('webgpu');
    expect(sg.webgpu.fallbacks()).toEqual({}); // everything above ran as WGSL
    await sg.setBackend('wasm');
  });

  const unary: [string, () => sg.Tensor][] = [
    ['neg', () => sg.neg(x())],
    ['abs', () => sg.abs(x())],
    ['square', () => sg.square(x())],
    ['sqrt', () => sg.sqrt(pos())],
    ['rsqrt', () => sg.rsqrt(pos())],
    ['exp', () => sg.exp(x())],
    ['log', () => sg.log(pos())],
    ['log1p', () => sg.log1p(sg.tensor([1e-7, -0.5, 0.001, 3, 100]))],
    ['reciprocal', () => sg.reciprocal(pos())],
    ['relu', () => sg.relu(x())],
    ['relu6', () => sg.relu6(sg.mul(x(), 3))],
    ['elu', () => sg.elu(x(), 0.7)],
    ['selu', () => sg.selu(x())],
    ['leakyRelu', () => sg.leakyRelu(x(), 0.1)],
    ['sigmoid', () => sg.sigmoid(sg.mul(x(), 10))],
    ['tanh', () => sg.tanh(sg.mul(x(), 10))],
    ['softplus', () => sg.softplus(sg.mul(x(), 10))],
    ['sign', () => sg.sign(sg.tensor([-2, 0, 3]))],
    ['floor', () => sg.floor(x())],
    ['ceil', () => sg.ceil(x())],
    ['round (half to even)', () => sg.round(sg.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6]))],
    ['sin', () => sg.sin(x())],
    ['cos', () => sg.cos(x())],
    ['step', () => sg.step(x(), 0.25)],
    ['clipByValue', () => sg.clipByValue(x(), -1, 0.5)],
    ['tan', () => sg.tan(unit())],
    ['asin', () => sg.asin(unit())],
    ['acos', () => sg.acos(unit())],
    ['atan', () => sg.atan(x())],
    ['sinh', () => sg.sinh(x())],
    ['cosh', () => sg.cosh(x())],
    ['asinh', () => sg.asinh(x())],
    ['acosh', () => sg.acosh(sg.add(pos(), 1))],
    ['atanh', () => sg.atanh(unit())],
    ['expm1', () => sg.expm1(sg.tensor([1e-6, -1e-3, 0.5, -2, 5]))],
    ['isNaN / isInf / isFinite', () => {
      const t = sg.tensor([NaN, Infinity, -Infinity, 0, -1.5]);
      return [sg.isNaN(t), sg.isInf(t), sg.isFinite(t)];
    }],
    ['int32 neg/abs/square/sign/relu/floor', () => [sg.neg(ints()), sg.abs(ints()), sg.square(ints()), sg.sign(ints()), sg.relu(ints()), sg.floor(ints())]],
    ['int32 exp (computed in float32)', () => sg.exp(sg.tensor([0, 1, 2], [3], 'int32'))],
  ];
  for (const [name, fn] of unary) it(`unary ${name}`, () => vsJs(fn));

  const A = () => sg.tensor(randArray(24, 5, -3, 3), [2, 3, 4]);
  const Bb = () => sg.tensor(randArray(4, 6, 0.5, 2), [4]); // broadcast over the last axis
  const Bc = () => sg.tensor(randArray(6, 7, 0.5, 2), [2, 3, 1]); // broadcast inner axis
  const binary: [string, (a: sg.Tensor, b: sg.Tensor) => sg.Tensor][] = [
    ['add', sg.add],
    ['sub', sg.sub],
    ['mul', sg.mul],
    ['div', sg.div],
    ['maximum', sg.maximum],
    ['minimum', sg.minimum],
    ['squaredDifference', sg.squaredDifference],
    ['atan2', sg.atan2],
    ['mod', sg.mod],
    ['floorDiv', sg.floorDiv],
  ];
  for (const [name, f] of binary) {
    it(`binary ${name} with broadcasting ([2,3,4] x [4], [2,3,1] x [2,3,4], scalar)`, () =>
      vsJs(() => [f(A(), Bb()), f(Bc(), A()), f(A(), sg.scalar(1.5)), f(A(), A())]));
  }
  it('pow: positive bases, integer exponents of negative bases, 0^0, 0^-1', () =>
    vsJs(() => [
      sg.pow(sg.abs(A()), Bb()),
      sg.pow(sg.tensor([-2, -2, -3, 0, 0, 0]), sg.tensor([2, 3, -1, 0, -1, 2])),
    ]));
  it('int32 binary: wrapping add/mul, floor division and mod by negatives, integer pow, max/min', () => {
    const a = () => sg.tensor([7, -7, 7, -7, 2147483647, 5, 0, 3], [8], 'int32');
    const b = () => sg.tensor([2, 2, -2, -2, 1, 0, 4, 3], [8], 'int32');
    return vsJs(() => [
      sg.add(a(), b()),
      sg.sub(a(), b()),
      sg.mul(a(), b()),
      sg.div(a(), b()),
      sg.floorDiv(a(), b()),
      sg.mod(a(), b()),
      sg.maximum(a(), b()),
      sg.minimum(a(), b()),
      sg.pow(sg.tensor([2, -3, 1, -1, 5], [5], 'int32'), sg.tensor([10, 3, -4, -3, 0], [5], 'int32')),
    ]);
  });
  it('comparisons with broadcasting, float32 and int32', () =>
    vsJs(() => {
      const a = sg.round(A());
      const b = sg.round(Bb());
      const ai = sg.cast(a, 'int32');
      const bi = sg.cast(b, 'int32');
      return [
        sg.greater(a, b),
        sg.greaterEqual(a, b),
        sg.less(a, b),
        sg.lessEqual(a, b),
        sg.equal(a, b),
        sg.notEqual(a, b),
        sg.equal(ai, bi),
        sg.less(ai, bi),
      ];
    }));
  it('where with a broadcast condition; logical and/or/xor/not', () =>
    vsJs(() => {
      const c = sg.greater(Bc(), 1.2);
      const d = sg.less(A(), 0);
      return [
        sg.where(c, A(), sg.neg(A())),
        sg.where(sg.greater(A(), 0), sg.cast(A(), 'int32'), sg.zerosLike(sg.cast(A(), 'int32'))),
        sg.logicalAnd(c, d),
        sg.logicalOr(c, d),
        sg.logicalXor(c, d),
        sg.logicalNot(d),
      ];
    }));
  it('cast between float32, int32 and bool (truncation toward zero)', () =>
    vsJs(() => {
      const f = sg.tensor([-2.7, -0.5, 0, 0.5, 2.7, 3]);
      const i = sg.cast(f, 'int32');
      return [i, sg.cast(f, 'bool'), sg.cast(i, 'float32'), sg.cast(i, 'bool'), sg.cast(sg.cast(i, 'bool'), 'float32')];
    }));
  it('dispatches folded into a second grid dimension (as past 65535 workgroups) index every element once', async () => {
    setGridLimit(3); // 3 workgroups of 64 in x: 1000 elements take 6 rows of y
    try {
      await vsJs(() => {
        const a = sg.tensor(randArray(1000, 8), [10, 100]);
        const b = sg.tensor(randArray(100, 9), [100]);
        return [sg.exp(a), sg.add(a, b), sg.greater(a, b), sg.transpose(a), sg.sum(a, 0)];
      });
    } finally {
      setGridLimit(MAX_GROUPS);
    }
  });

  // Gradients: UnaryGrad and the binary ops' broadcasting reductions, on webgpu vs js.
  const grads: [string, (a: sg.Tensor, b: sg.Tensor) => sg.Tensor][] = [
    ['sigmoid/tanh/elu/selu/softplus/relu/leakyRelu', (a) => sg.addN([sg.sigmoid(a), sg.tanh(a), sg.elu(a), sg.selu(a), sg.softplus(a), sg.relu(a), sg.leakyRelu(a, 0.3)])],
    ['exp/log/sqrt/rsqrt/reciprocal/square/abs', (a) => { const p = sg.add(sg.abs(a), 0.5); return sg.addN([sg.exp(a), sg.log(p), sg.sqrt(p), sg.rsqrt(p), sg.reciprocal(p), sg.square(a), sg.abs(a)]); }],
    ['sin/cos/log1p/clip/relu6', (a) => sg.addN([sg.sin(a), sg.cos(a), sg.log1p(sg.abs(a)), sg.clipByValue(a, -1, 1), sg.relu6(sg.mul(a, 4))])],
    ['broadcast add/sub/mul/div/pow/maximum', (a, b) => sg.addN([sg.add(a, b), sg.sub(b, a), sg.mul(a, b), sg.div(a, b), sg.pow(b, a), sg.maximum(a, b)])],
  ];
  for (const [name, f] of grads) {
    it(`gradient of ${name}`, () =>
      vsJs(() => {
        const a = sg.tensor(randArray(12, 9, -2, 2), [3, 4]);
        const b = sg.tensor(randArray(4, 10, 0.5, 2), [4]);
        const [ga, gb] = sg.grads((p: sg.Tensor, q: sg.Tensor) => sg.sum(f(p, q)))([a, b]);
        return [ga, gb];
      }));
  }
});
