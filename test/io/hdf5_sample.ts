// A file written by our HDF5 writer with every kind of value it supports, and what it must read
// back as (shared by hdf5_write.test.ts, our reader, and hdf5_python.test.ts, h5py).
import { H5Writer } from '../../src/io/hdf5/index.js';

export const MODEL_CONFIG = JSON.stringify({
  class_name: 'Sequential',
  config: { layers: new Array(2000).fill({ x: 1 }) },
});

export function sampleWriter(): H5Writer {
  const w = new H5Writer();
  const vars = w.group('layers/dense/vars');
  vars.dataset('0', { shape: [2, 3], dtype: 'float32', data: new Float32Array([1.5, -2, 3e-8, 4, 5, 6]) });
  vars.dataset('1', { shape: [3], dtype: 'float32', data: [0.1, 0.2, 0.3] }).attr('note', 'bias');
  const t = w.group('types');
  t.dataset('f16', { shape: [4], dtype: 'float16', data: [0.5, -2, 65504, 6.103515625e-5] });
  t.dataset('f64', { shape: [2, 2], dtype: 'float64', data: new Float64Array([Math.PI, -Math.E, 1e-300, 1e300]) });
  t.dataset('i8', { shape: [3], dtype: 'int8', data: new Int8Array([-128, 0, 127]) });
  t.dataset('u8', { shape: [2], dtype: 'uint8', data: [0, 255] });
  t.dataset('i16', { shape: [2], dtype: 'int16', data: [-32768, 32767] });
  t.dataset('u16', { shape: [2], dtype: 'uint16', data: [0, 65535] });
  t.dataset('i32', { shape: [2, 1], dtype: 'int32', data: new Int32Array([-2147483648, 2147483647]) });
  t.dataset('u32', { shape: [1], dtype: 'uint32', data: [4294967295] });
  t.dataset('i64', { shape: [2], dtype: 'int64', data: new BigInt64Array([-(2n ** 62n), 2n ** 62n]) });
  t.dataset('u64', { shape: [1], dtype: 'uint64', data: [2n ** 64n - 1n] });
  t.dataset('bool', { shape: [3], dtype: 'bool', data: [true, false, true] });
  t.dataset('scalar', { shape: [], dtype: 'float32', data: [2.5] });
  t.dataset('empty', { shape: [0, 4], dtype: 'float32', data: [] });
  t.dataset('strs', { shape: [3], dtype: 'string', data: ['alpha', 'βeta', ''] });
  t.dataset('fixed', { shape: [2], dtype: 'string', data: ['ab', 'c'], stringFormat: 'fixed' });
  const a = w.group('layers/dense');
  a.attr('name', 'dense').attr('units', 3).attr('count', 7n).attr('flag', true);
  a.attr('names', ['kernel', 'bias', 'ünïcode']);
  a.attr('f32', new Float32Array([1, 2.5]));
  a.attr('matrix', { shape: [2, 2], dtype: 'int32', data: [1, 2, 3, 4] });
  a.attr('layer_names', { shape: [2], dtype: 'string', data: ['dense', 'dense_1'], stringFormat: 'fixed' });
  w.attr('model_config', MODEL_CONFIG);
  w.group('empty_group');
  // many links and many strings: more than one global heap object page
  const m = w.group('many');
  for (let i = 0; i < 300; i++)
    m.dataset(`d${i}`, { shape: [1], dtype: 'int32', data: [i] }).attr('label', `item ${i}`);
  return w;
}
