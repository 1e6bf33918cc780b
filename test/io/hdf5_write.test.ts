// The HDF5 writer: every value kind it writes reads back exactly through our reader, and bad
// input is refused with an error naming the path. (h5py and Keras reading our files:
// hdf5_python.test.ts.)
import { describe, expect, it } from 'vitest';
import { H5File, H5Writer } from '../../src/io/hdf5/index.js';
import { MODEL_CONFIG, sampleWriter } from './hdf5_sample.js';

describe('HDF5 writer', () => {
  it('every kind of value reads back exactly through our reader', async () => {
    const f = await H5File.read(sampleWriter().toBytes(), { name: 'ours.h5' });
    expect(f.superblockVersion).toBe(2);
    expect(f.keys()).toEqual(['empty_group', 'layers', 'many', 'types']);
    expect(Array.from(f.dataset('layers/dense/vars/0').data as Float32Array)).toEqual(
      Array.from(new Float32Array([1.5, -2, 3e-8, 4, 5, 6])),
    );
    expect(f.dataset('layers/dense/vars/0').shape).toEqual([2, 3]);
    expect(f.dataset('layers/dense/vars/1').attr('note')).toBe('bias');
    const t = f.group('types');
    expect(Array.from(t.dataset('f16').data as Float32Array)).toEqual([0.5, -2, 65504, 6.103515625e-5]);
    expect(t.dataset('f16').dtype).toBe('float16');
    expect(Array.from(t.dataset('f64').data as Float64Array)).toEqual([Math.PI, -Math.E, 1e-300, 1e300]);
    expect(Array.from(t.dataset('i8').data as Int8Array)).toEqual([-128, 0, 127]);
    expect(Array.from(t.dataset('u8').data as Uint8Array)).toEqual([0, 255]);
    expect(Array.from(t.dataset('i16').data as Int16Array)).toEqual([-32768, 32767]);
    expect(Array.from(t.dataset('u16').data as Uint16Array)).toEqual([0, 65535]);
    expect(Array.from(t.dataset('i32').data as Int32Array)).toEqual([-2147483648, 2147483647]);
    expect(Array.from(t.dataset('u32').data as Uint32Array)).toEqual([4294967295]);
    expect(Array.from(t.dataset('i64').data as BigInt64Array)).toEqual([-(2n ** 62n), 2n ** 62n]);
    expect(Array.from(t.dataset('u64').data as BigUint64Array)).toEqual([2n ** 64n - 1n]);
    expect(t.dataset('bool').dtype).toBe('bool');
    expect(Array.from(t.dataset('bool').data as Uint8Array)).toEqual([1, 0, 1]);
    expect(t.dataset('scalar').shape).toEqual([]);
    expect(t.dataset('empty').shape).toEqual([0, 4]);
    expect(t.dataset('strs').data).toEqual(['alpha', 'βeta', '']);
    expect(t.dataset('fixed').data).toEqual(['ab', 'c']);
    const g = f.group('layers/dense');
    expect(g.attr('name')).toBe('dense');
    expect(g.attr('units')).toBe(3);
    expect(g.attr('count')).toBe(7n);
    expect(g.attrs.flag.dtype).toBe('bool');
    expect(g.attr('names')).toEqual(['kernel', 'bias', 'ünïcode']);
    expect(Array.from(g.attr('f32') as Float32Array)).toEqual([1, 2.5]);
    expect(g.attrs.matrix.shape).toEqual([2, 2]);
    expect(g.attr('layer_names')).toEqual(['dense', 'dense_1']);
    expect(f.attr('model_config')).toBe(MODEL_CONFIG);
    expect(f.group('empty_group').keys()).toEqual([]);
    expect(f.group('many').keys().length).toBe(300);
    expect(f.dataset('many/d299').attr('label')).toBe('item 299');
  });

  it('float16 rounds to nearest even, with subnormals, overflow and NaN', async () => {
    const w = new H5Writer();
    const vals = [1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 70000, -Infinity, NaN, -0];
    w.dataset('h', { shape: [vals.length], dtype: 'float16', data: vals });
    const d = (await H5File.read(w.toBytes())).dataset('h').data as Float32Array;
    expect(Array.from(d)).toEqual([1, 1 + 2 * 2 ** -10, 2 ** -24, 0, 2 ** -24, Infinity, -Infinity, NaN, -0]);
  });

  it('refuses bad input naming the path', () => {
    const w = new H5Writer();
    expect(() => w.dataset('a/b', { shape: [2, 2], dtype: 'float32', data: [1, 2, 3] })).toThrow(
      /'\/a\/b': 3 values for shape \[2,2\] \(4 expected\)/,
    );
    expect(() => w.dataset('c', { shape: [1], dtype: 'complex64' as never, data: [1] })).toThrow(/dtype 'complex64'/);
    w.dataset('d', { shape: [1], dtype: 'float32', data: [1] });
    expect(() => w.dataset('d', { shape: [1], dtype: 'float32', data: [1] })).toThrow(/'\/d' already exists/);
    expect(() => w.group('d/e')).toThrow(/'\/d' is a dataset, not a group/);
    expect(() => w.attr('x', [1, 2] as never)).toThrow(/arrays must be string\[\]/);
    expect(() => w.group('../x')).toThrow(/'\.\.' in path/);
    expect(() => w.dataset('i8', { shape: [2], dtype: 'int8', data: [1, 300] })).toThrow(
      /'\/i8': element 1 \(300\) is not an integer in the int8 range/,
    );
    expect(() => w.dataset('i64', { shape: [1], dtype: 'int64', data: [1.5] })).toThrow(
      /element 0 \(1\.5\) is not an integer in the int64 range/,
    );
    expect(() => w.dataset('s', { shape: [2], dtype: 'string', data: ['a', 3] as never })).toThrow(
      /'\/s': element 1 is a number, not a string/,
    );
    expect(() => w.dataset('f', { shape: [1], dtype: 'float32', data: ['x'] as never })).toThrow(
      /'\/f': element 0 is a string, not a number/,
    );
    w.attr('huge', new Float64Array(10000));
    expect(() => w.toBytes()).toThrow(/attribute 'huge' takes \d+ bytes, over the 64 KiB/);
  });
});
