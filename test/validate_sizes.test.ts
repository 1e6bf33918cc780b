// Sizes computed from arguments (issue 14 item 5, utilities side) and grads() given a single
// tensor (item 7): a request that cannot be met fails at once, naming the function and the bytes,
// with nothing allocated; the next valid call works.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { checkNoLeaks, take } from './helpers.js';

beforeAll(() => sg.setBackend('wasm'));

function counters(): [number, number, number] {
  const m = sg.memory();
  return [m.numTensors, m.numDataBuffers, m.numBytes];
}

/** Expects `f` to throw within `ms` matching every pattern, with memory() unchanged. */
function failsFast(f: () => unknown, ms: number, ...patterns: RegExp[]): void {
  const before = counters();
  const t0 = performance.now();
  let msg: string | undefined;
  try {
    f();
  } catch (e) {
    msg = (e as Error).message;
  }
  const took = performance.now() - t0;
  if (msg === undefined) expect.fail(`expected an error matching ${patterns.join(' / ')}`);
  for (const p of patterns) expect(msg).toMatch(p);
  expect(took).toBeLessThan(ms);
  expect(counters()).toEqual(before);
}

describe('output sizes from arguments are checked up front', () => {
  checkNoLeaks();

  it('toCategorical with a huge label or numClasses fails at once naming the bytes', () => {
    // 2^40 is exact in float32 (plain-array labels become float32 first).
    failsFast(
      () => sg.utils.toCategorical([2 ** 40]),
      500,
      /^toCategorical: /,
      /4,398,046,511,108 bytes/,
      /\[1, 1099511627777\]/,
    );
    failsFast(() => sg.utils.toCategorical([2e9]), 500, /^toCategorical: /, /8,000,000,004 bytes/);
    failsFast(() => sg.utils.toCategorical([1, 2, 3], 2 ** 31), 500, /^toCategorical: /, /bytes/);
    const t = sg.utils.toCategorical([2, 0], 3);
    expect(t.shape).toEqual([2, 3]);
    expect(take(t)).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it('padSequences with a huge maxlen and shuffleIndices with a huge n fail at once', () => {
    failsFast(
      () => sg.text.padSequences([[1], [2]], { maxlen: 1e12 }),
      500,
      /^padSequences: /,
      /8,000,000,000,000 bytes/,
    );
    failsFast(() => sg.utils.shuffleIndices(1e12), 500, /^shuffleIndices: /, /1,000,000,000,000/);
    expect(sg.utils.shuffleIndices(5, 1).slice().sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('encodeIdx with a huge shape fails at once', () => {
    failsFast(
      () => sg.datasets.encodeIdx({ type: 'float64', shape: [1e6, 1e6], data: [] }),
      500,
      /^encodeIdx: /,
      /8,000,000,000,000 bytes/,
    );
  });
});

describe('grads() argument checks (item 7)', () => {
  checkNoLeaks();

  it('grads(f) given a single tensor names the function and what it expects', () => {
    const x = sg.tensor([1, 2]);
    const g = sg.grads((a: sg.Tensor) => sg.sum(sg.square(a)));
    failsFast(
      () => g(x as never),
      500,
      /^grads: /,
      /array of tensors/,
      /use grad\(f\)\(x\)/,
      /float32 Tensor of shape \[2\]/,
    );
    failsFast(
      () => sg.valueAndGrads((a: sg.Tensor) => sg.sum(a))(x as never),
      500,
      /^valueAndGrads: /,
      /array of tensors/,
    );
    failsFast(() => g([x, 3] as never), 500, /^grads: /, /element 1/, /3/);
    failsFast(
      () => sg.grad((a: sg.Tensor) => sg.sum(a))([x] as never),
      500,
      /^grad: /,
      /expected a Tensor/,
      /an array of length 1/,
    );
    failsFast(() => sg.grads(5 as never), 500, /^grads: /, /function/);
    const [d] = g([x]);
    expect(take(d)).toEqual([2, 4]);
    x.dispose();
  });
});
