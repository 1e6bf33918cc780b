// utils: toCategorical (Keras to_categorical), normalize (Keras utils.normalize) and
// shuffleIndices, with their errors.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { normalize, shuffleIndices, toCategorical } from '../src/utils/index.js';
import { checkNoLeaks, expectClose, take } from './helpers.js';

describe('utils', () => {
  checkNoLeaks();

  it('toCategorical: one-hot float32, numClasses inferred as max + 1', () => {
    const t = toCategorical([0, 2, 1]);
    expect(t.shape).toEqual([3, 3]);
    expect(t.dtype).toBe('float32');
    expect(take(t)).toEqual([1, 0, 0, 0, 0, 1, 0, 1, 0]);
    const y = sg.tensor([3, 0], undefined, 'int32');
    const u = toCategorical(y, 5);
    expect(u.shape).toEqual([2, 5]);
    expect(take(u)).toEqual([0, 0, 0, 1, 0, 1, 0, 0, 0, 0]);
    y.dispose();
  });

  it('toCategorical: a trailing 1 is dropped ([n, 1] -> [n, k]); higher ranks keep their shape', () => {
    const a = toCategorical([[1], [0]]);
    expect(a.shape).toEqual([2, 2]);
    expect(take(a)).toEqual([0, 1, 1, 0]);
    const b = toCategorical(
      [
        [0, 1],
        [2, 0],
      ],
      3,
    );
    expect(b.shape).toEqual([2, 2, 3]);
    b.dispose();
    const f = sg.tensor([1, 2]); // float32 holding integers is fine
    expect(take(toCategorical(f))).toEqual([0, 1, 0, 0, 0, 1]);
    f.dispose();
  });

  it('toCategorical: clear errors for out-of-range, negative and non-integer labels', () => {
    expect(() => toCategorical([0, 3, 1], 3)).toThrow(
      'toCategorical: label 3 (element 1) is out of range for numClasses 3; labels must be in [0, 2]',
    );
    expect(() => toCategorical([0, -1])).toThrow(
      "toCategorical: argument 'y' must hold integer labels >= 0 but element 1 is -1",
    );
    expect(() => toCategorical([0.5])).toThrow(/element 0 is 0.5/);
    expect(() => toCategorical([1], 0)).toThrow(/argument 'numClasses' must be an integer >= 1/);
    expect(() => toCategorical([])).toThrow(/is empty; pass 'numClasses'/);
    expect(() => toCategorical('abc' as never)).toThrow(/toCategorical: argument 'y' must be a Tensor or an array/);
  });

  it('normalize: L2 along the last axis by default, zero rows stay zero', () => {
    expectClose(
      take(
        normalize([
          [3, 4],
          [0, 0],
        ]),
      ),
      [0.6, 0.8, 0, 0],
    ); // plain arrays too
    const x = sg.tensor([
      [3, 4],
      [0, 0],
    ]);
    expectClose(take(normalize(x)), [0.6, 0.8, 0, 0]);
    expectClose(take(normalize(x, 0)), [1, 1, 0, 0]);
    expectClose(take(normalize(x, -1, 1)), [3 / 7, 4 / 7, 0, 0]);
    expectClose(take(normalize(x, 1, Infinity)), [0.75, 1, 0, 0]);
    const p3 = Math.cbrt(27 + 64);
    expectClose(take(normalize(x, 1, 3)), [3 / p3, 4 / p3, 0, 0]);
    x.dispose();
    const i = sg.tensor([[3, 4]], undefined, 'int32');
    const n = normalize(i);
    expect(n.dtype).toBe('float32');
    expectClose(take(n), [0.6, 0.8]);
    i.dispose();
  });

  it('normalize: errors name the argument', () => {
    const x = sg.tensor([1, 2]);
    expect(() => normalize(x, 1)).toThrow("normalize: argument 'axis' 1 is out of range for x of shape [2]");
    expect(() => normalize(x, -1, 0)).toThrow(/normalize: argument 'order' must be a number > 0/);
    x.dispose();
  });

  it('shuffleIndices: a seeded permutation, reproducible', () => {
    const a = shuffleIndices(100, 7);
    expect(a.slice().sort((p, q) => p - q)).toEqual([...Array(100).keys()]);
    expect(shuffleIndices(100, 7)).toEqual(a);
    expect(shuffleIndices(100, 8)).not.toEqual(a);
    expect(shuffleIndices(0, 1)).toEqual([]);
    expect(() => shuffleIndices(-1, 1)).toThrow(/shuffleIndices: argument 'n' must be an integer >= 0/);
  });
});
