// Shape and index ops on every backend: reshape, transpose, slice, concat, stack, pad, tile,
// gather, oneHot, where, cast; values, size 0, int32, gradients, errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, take } from '../helpers.js';

describe.each(BACKENDS)('shape and index ops on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();
  const m23 = () =>
    sg.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);

  it('reshape (with -1), expandDims, squeeze share the buffer', () => {
    const x = m23();
    const before = sg.memory().numDataBuffers;
    const r = sg.reshape(x, [3, -1]);
    expect(r.shape).toEqual([3, 2]);
    expect(sg.memory().numDataBuffers).toBe(before); // no copy
    const e = sg.expandDims(x, 1);
    expect(e.shape).toEqual([2, 1, 3]);
    const s = sg.squeeze(e);
    expect(s.shape).toEqual([2, 3]);
    expect(take(s)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => sg.reshape(x, [4, 2])).toThrow(
      'reshape: cannot reshape a tensor of shape [2,3] (size 6) into [4,2] (size 8)',
    );
    expect(() => sg.squeeze(x, [0])).toThrow(/squeeze: dimension 0 of shape \[2,3\] is 2, not 1/);
    for (const t of [x, r, e]) t.dispose();
  });

  it('transpose: 2-d default, 3-d permutation, int32', () => {
    const x = m23();
    expect(take(sg.transpose(x))).toEqual([1, 4, 2, 5, 3, 6]);
    const t3 = sg.tidy(() => sg.reshape(sg.range(0, 24, 1, 'int32'), [2, 3, 4]));
    const y = sg.transpose(t3, [2, 0, 1]);
    expect(y.shape).toEqual([4, 2, 3]);
    expect(y.dtype).toBe('int32');
    expect(take(y).slice(0, 6)).toEqual([0, 4, 8, 12, 16, 20]);
    expect(() => sg.transpose(x, [0, 0])).toThrow(/transpose: perm \[0,0\] is not a permutation/);
    x.dispose();
    t3.dispose();
  });

  it('slice, concat, stack, unstack', () => {
    const x = m23();
    expect(take(sg.slice(x, [0, 1], [2, 2]))).toEqual([2, 3, 5, 6]);
    expect(take(sg.slice(x, [1, 0], [-1, -1]))).toEqual([4, 5, 6]);
    expect(take(sg.slice(x, 1))).toEqual([4, 5, 6]);
    expect(() => sg.slice(x, [0, 2], [1, 2])).toThrow(
      /slice: begin \[0,2\] with size \[1,2\] is out of bounds for shape \[2,3\]/,
    );
    expect(take(sg.concat([x, x], 0))).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    expect(take(sg.concat([x, x], 1))).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
    const empty = sg.zeros([2, 0]);
    expect(take(sg.concat([x, empty], 1))).toEqual([1, 2, 3, 4, 5, 6]);
    const st = sg.stack([x, x], 1);
    expect(st.shape).toEqual([2, 2, 3]);
    st.dispose();
    const parts = sg.unstack(x, 1);
    expect(parts.map((p) => p.shape)).toEqual([[2], [2], [2]]);
    expect(parts.map(take)).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    const y = sg.zeros([3, 3]);
    expect(() => sg.concat([x, y], 1)).toThrow(
      /concat: tensors\[1\] has shape \[3,3\] \(float32\), which does not match tensors\[0\] \[2,3\]/,
    );
    for (const t of [x, empty, y]) t.dispose();
  });

  it('pad and tile', () => {
    const x = m23();
    expect(
      take(
        sg.pad(
          x,
          [
            [0, 1],
            [1, 0],
          ],
          9,
        ),
      ),
    ).toEqual([9, 1, 2, 3, 9, 4, 5, 6, 9, 9, 9, 9]);
    expect(take(sg.tile(x, [2, 1]))).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    expect(take(sg.tile(x, [1, 2]))).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
    expect(() => sg.pad(x, [[0, 1]])).toThrow(/pad: paddings \[\[0,1\]\] must be one \[before, after\] pair/);
    expect(() =>
      sg.pad(
        x,
        [
          [0, 0],
          [0, 0],
        ],
        NaN,
      ),
    ).toThrow(/pad: argument 'constantValue' must be a finite number/);
    x.dispose();
  });

  it('gather along axes, oneHot, out-of-range indices', () => {
    const x = m23();
    const idx = sg.tensor([2, 0, 2], undefined, 'int32');
    expect(take(sg.gather(x, idx, 1))).toEqual([3, 1, 3, 6, 4, 6]);
    expect(take(sg.gather(x, [1]))).toEqual([4, 5, 6]);
    const bad = sg.tensor([3], undefined, 'int32');
    expect(() => sg.gather(x, bad, 1)).toThrow('gather: index 3 is out of range [0, 3)');
    const ohIdx = sg.tensor([1, 0, 5], undefined, 'int32');
    const oh = sg.oneHot(ohIdx, 3);
    expect(oh.dtype).toBe('int32');
    expect(take(oh)).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 0]);
    expect(take(sg.oneHot([2], 3, 1, 0, 'float32'))).toEqual([0, 0, 1]);
    for (const t of [x, idx, bad, ohIdx]) t.dispose();
  });

  it('where with broadcasting, cast', () => {
    const x = m23();
    const c = sg.greater(x, 3);
    expect(take(sg.where(c, x, 0))).toEqual([0, 0, 0, 4, 5, 6]);
    const col = sg.tidy(() => sg.greater(sg.tensor([[1], [0]]), 0.5));
    expect(take(sg.tidy(() => sg.where(col, x, sg.neg(x))))).toEqual([1, 2, 3, -4, -5, -6]);
    expect(() => sg.where(x, x, x)).toThrow(/where: argument 'condition' must be bool or int32 but is float32/);
    const f = sg.tensor([1.7, -1.7, 0]);
    expect(take(sg.cast(f, 'int32'))).toEqual([1, -1, 0]);
    expect(take(sg.cast(f, 'bool'))).toEqual([1, 1, 0]);
    for (const t of [x, c, col, f]) t.dispose();
  });

  it.each([
    ['transpose', (t: sg.Tensor) => sg.transpose(t, [1, 2, 0])],
    ['slice', (t: sg.Tensor) => sg.slice(t, [0, 1, 1], [2, 2, 2])],
    ['concat', (t: sg.Tensor) => sg.concat([t, sg.square(t)], 1)],
    ['stack', (t: sg.Tensor) => sg.stack([t, t], 2)],
    [
      'pad',
      (t: sg.Tensor) =>
        sg.pad(t, [
          [1, 0],
          [0, 2],
          [1, 1],
        ]),
    ],
    ['tile', (t: sg.Tensor) => sg.tile(t, [1, 2, 3])],
    ['gather', (t: sg.Tensor) => sg.gather(t, [2, 0, 2], 1)],
    ['reshape', (t: sg.Tensor) => sg.reshape(t, [4, 6])],
    ['where', (t: sg.Tensor) => sg.where(sg.greater(t, 0), t, sg.mul(t, 3))],
    ['unstack', (t: sg.Tensor) => sg.mul(sg.unstack(t, 1)[1], 2)],
  ])('%s: gradient matches finite differences', (_n, f) => {
    const x = rand([2, 3, 4], 21, -1, 1);
    gradCheck(f, [x]);
    x.dispose();
  });
});
