// Compares what our HDF5 reader returns with the JSON that scripts/fixtures/make_hdf5_fixtures.py
// wrote from h5py's view of the same file (exact values; large arrays by SHA-256 of their bytes).
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { H5File, H5Value } from '../../src/io/hdf5/index.js';

const latin1 = (s: string) => Array.from(new TextEncoder().encode(s), (c) => String.fromCharCode(c)).join('');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

type Expected = Record<string, unknown>;

function leBytes(v: H5Value): Uint8Array {
  const d = v.data as unknown as ArrayBufferView;
  if (v.dtype === 'float16') {
    // our data are widened to float32; h5py hashed the float16 bits
    throw new Error('no float16 digests in the fixtures');
  }
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** Checks one value against its JSON description; returns the number of elements compared. */
export function expectValue(v: H5Value | string | undefined, e: unknown, where: string): number {
  expect(v, where).toBeDefined();
  if (typeof e === 'string') {
    // a Python str: h5py gave a scalar (vlen or fixed) string
    expect(typeof v === 'string' ? v : (v as H5Value).data, where).toEqual(typeof v === 'string' ? e : [e]);
    return 1;
  }
  const ex = e as Expected;
  const val = v as H5Value;
  if ('bytes' in ex) {
    const want = ex.bytes as string | { len: number; sha256: string };
    expect(val.shape, where).toEqual([]);
    const got = val.data[0] as string;
    if (typeof want === 'string') expect(latin1(got), where).toBe(want);
    else {
      const bytes = new TextEncoder().encode(got);
      expect(bytes.length, where).toBe(want.len);
      expect(sha(bytes), where).toBe(want.sha256);
    }
    return 1;
  }
  if ('strings' in ex) {
    expect(val.shape, where).toEqual(ex.shape);
    const want = ex.strings as (string | { bytes: string })[];
    expect(val.data.length, where).toBe(want.length);
    want.forEach((w, i) => {
      const got = val.data[i] as string;
      if (typeof w === 'string') expect(got, `${where}[${i}]`).toBe(w);
      else expect(latin1(got), `${where}[${i}]`).toBe(w.bytes);
    });
    return want.length;
  }
  expect(val.shape, where).toEqual(ex.shape);
  const dt = ex.dtype as string;
  if (dt === 'empty') {
    // h5py.Empty (a null dataspace): no elements
    expect(val.data.length, where).toBe(0);
    return 1;
  }
  if (dt !== 'int' && dt !== 'float') expect(val.dtype, where).toBe(dt);
  else expect(val.dtype, where).toMatch(dt === 'int' ? /int/ : /float/);
  if ('sha256' in ex) {
    expect(sha(leBytes(val)), where).toBe(ex.sha256);
    return val.data.length;
  }
  const want = ex.data as number[];
  const got = Array.from(val.data as ArrayLike<number | bigint>, (x) => Number(x));
  expect(got, where).toEqual(want);
  return want.length;
}

/** Checks every group, dataset and attribute the JSON lists; returns counts. */
export function expectFile(
  f: H5File,
  ex: { datasets: Expected; attrs: Record<string, Expected>; groups: Record<string, string[]> },
) {
  let values = 0;
  for (const [path, keys] of Object.entries(ex.groups)) expect(f.group(path).keys(), `keys of ${path}`).toEqual(keys);
  for (const [path, e] of Object.entries(ex.datasets)) {
    const d = f.dataset(path);
    values += expectValue({ shape: d.shape, dtype: d.dtype, data: d.data }, e, path);
  }
  for (const [path, attrs] of Object.entries(ex.attrs)) {
    const o = f.get(path);
    expect(o.attrNames(), `attributes of ${path}`).toEqual(Object.keys(attrs).sort());
    for (const [name, e] of Object.entries(attrs)) values += expectValue(o.attrs[name], e, `${path} @${name}`);
  }
  return { groups: Object.keys(ex.groups).length, datasets: Object.keys(ex.datasets).length, values };
}
