// The HDF5 reader against files h5py wrote in every layout variant (superblocks 0/2/3 and a
// userblock; symbol-table, compact and dense groups; contiguous, compact and chunked datasets with
// each chunk index; deflate/shuffle/Fletcher-32; every numeric type in both byte orders; fixed and
// variable-length strings; dense attributes) and against Keras 3's own weights files: exact values
// as h5py reads them (the JSON beside each fixture).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { H5File, H5Dataset } from '../../src/io/hdf5/index.js';
import { expectFile } from './hdf5_expect.js';

const read = (p: string) => new Uint8Array(readFileSync(new URL(`../fixtures/${p}`, import.meta.url)));
const json = (p: string) => JSON.parse(readFileSync(new URL(`../fixtures/${p}`, import.meta.url), 'utf8'));

describe('HDF5 reader: h5py fixtures', () => {
  const cases: [string, number][] = [
    ['earliest', 0],
    ['userblock', 0],
    ['v108', 2],
    ['latest', 3],
  ];
  for (const [name, sb] of cases) {
    it(`${name}.h5 (superblock v${sb}) reads exactly as h5py does`, async () => {
      const f = await H5File.read(read(`hdf5/${name}.h5`), { name: `${name}.h5` });
      expect(f.superblockVersion).toBe(sb);
      const n = expectFile(f, json(`hdf5/${name}.json`));
      expect(n.datasets).toBeGreaterThan(70);
      expect(n.groups).toBeGreaterThan(8);
      // every dataset and attribute kind the JSON describes was compared, not just a few
      expect(n.values).toBeGreaterThan(1800);
      // soft links resolve, soft-link loops and hard-link cycles do not hang
      expect((f.get('soft') as H5Dataset).data).toEqual(f.dataset('layers/dense/vars/0').data);
      expect(() => f.get('soft_loop_a')).toThrow(new RegExp(`${name}\\.h5: soft link .*more than 16 soft-link hops`));
      expect(f.group('cycle/inner/up/inner/up')).toBe(f.group('cycle'));
      const seen: string[] = [];
      f.visit((p) => seen.push(p));
      expect(seen.filter((p) => p.startsWith('cycle'))).toEqual(['cycle', 'cycle/inner']);
      // fill value of never-written chunks, partial edge chunks
      const partial = f.dataset('chunked/partial');
      expect(Array.from(partial.data as Float32Array).filter((x) => x === -1.5).length).toBe(100 - 9 - 1);
      expect(f.group('layers/dense').attr('fixed_arr')).toEqual(['dense', 'dense_1', 'x']);
      expect(f.group('layers/dense').attr('int')).toBe(42n);
      expect(f.group('layers/dense').attr('vlen_str')).toBe('hello, wörld');
    });
  }

  it('the deflate filter gives the same values through the web DecompressionStream (the browser path)', async () => {
    const ex = json('hdf5/latest.json');
    const f = await H5File.read(read('hdf5/latest.h5'), { name: 'latest.h5', codec: 'web' });
    expectFile(f, ex);
    expect(f.dataset('chunked/gzip_shuffle').storage.filters).toContain('deflate');
  });

  it('the fixtures exercise every chunk index, paged arrays, deep v2 B-trees and dense storage', async () => {
    const latest = await H5File.read(read('hdf5/latest.h5'), { name: 'latest.h5' });
    const idx = (f: H5File, p: string) => f.dataset(p).storage.chunkIndex;
    expect(idx(latest, 'chunked/one_chunk')).toBe('single');
    expect(idx(latest, 'chunked/early')).toBe('implicit');
    expect(idx(latest, 'chunked/gzip_shuffle')).toBe('farray');
    expect(idx(latest, 'chunked/paged')).toBe('farray');
    expect(latest.dataset('chunked/paged').storage.chunksStored).toBe(1100);
    expect(idx(latest, 'chunked/ext1')).toBe('earray');
    expect(latest.dataset('chunked/ext_many').storage.chunksStored).toBe(600);
    expect(idx(latest, 'chunked/ext2')).toBe('btree2');
    expect(latest.dataset('chunked/bt2_deep').storage.chunksStored).toBe(320);
    expect(latest.dataset('chunked/fletcher_gzip').storage.filters).toEqual(['shuffle', 'deflate', 'fletcher32']);
    expect(latest.dataset('types/compact2').storage.layout).toBe('compact');
    expect(latest.group('wide').keys().length).toBe(201);
    expect(latest.dataset('wide/link150').data).toEqual(latest.dataset('types/f16').data);
    const earliest = await H5File.read(read('hdf5/earliest.h5'), { name: 'earliest.h5' });
    expect(idx(earliest, 'chunked/many_chunks')).toBe('btree1');
    expect(earliest.dataset('chunked/many_chunks').storage.chunksStored).toBe(150);
    // structures present in the files (v2 B-trees with internal nodes, fractal heaps with indirect blocks)
    const has = (b: Uint8Array, s: string) => Buffer.from(b).includes(Buffer.from(s));
    for (const sig of [
      'FAHD',
      'FADB',
      'EAHD',
      'EAIB',
      'EADB',
      'EASB',
      'BTHD',
      'BTIN',
      'BTLF',
      'FRHP',
      'FHIB',
      'FHDB',
      'OHDR',
      'OCHK',
      'GCOL',
    ])
      expect(has(read('hdf5/latest.h5'), sig), sig).toBe(true);
    for (const sig of ['TREE', 'SNOD', 'HEAP', 'GCOL']) expect(has(read('hdf5/earliest.h5'), sig), sig).toBe(true);
  });
});

describe('HDF5 reader: input handling', () => {
  it('reads a Node Buffer twice without touching it (Buffer.slice shares memory)', async () => {
    const buf = readFileSync(new URL('../fixtures/hdf5/latest.h5', import.meta.url));
    const before = Buffer.from(buf);
    const a = await H5File.read(buf, { name: 'a' });
    const b = await H5File.read(buf, { name: 'b' });
    expect(buf.equals(before)).toBe(true);
    expect(b.dataset('wide/link007').data).toEqual(a.dataset('wide/link007').data);
    // an ArrayBuffer works too, and the returned data do not alias the input
    const c = await H5File.read(
      before.buffer.slice(before.byteOffset, before.byteOffset + before.length) as ArrayBuffer,
    );
    const d = c.dataset('types/compact2').data as Float32Array;
    expect(Array.from(d)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
  });
});

describe('HDF5 reader: Keras files', () => {
  for (const p of ['keras/tiny_mlp.model.weights.h5', 'keras/tiny_mlp_legacy.h5']) {
    it(`${p} reads exactly as h5py does`, async () => {
      const f = await H5File.read(read(p), { name: p });
      expectFile(f, json(`${p}.json`));
    });
  }

  it('Keras 3 weights: every model variable under layers/<name>/vars/<i> equals the model', async () => {
    const ref = json('keras/tiny_mlp.json');
    const f = await H5File.read(read('keras/tiny_mlp.model.weights.h5'), { name: 'model.weights.h5' });
    const layerOf: Record<string, string> = { hidden: 'dense', bn: 'batch_normalization', out: 'dense_1' };
    let n = 0;
    for (const [path, w] of Object.entries<{ shape: number[]; data: number[] }>(ref.weights)) {
      const [, layer, varName] = path.split('/');
      const order = layer === 'bn' ? ['gamma', 'beta', 'moving_mean', 'moving_variance'] : ['kernel', 'bias'];
      const d = f.dataset(`layers/${layerOf[layer]}/vars/${order.indexOf(varName)}`);
      expect(d.shape).toEqual(w.shape);
      expect(d.dtype).toBe('float32');
      expect(Array.from(d.data as Float32Array)).toEqual(w.data);
      n++;
    }
    expect(n).toBe(8);
    expect(f.has('optimizer/vars/0')).toBe(true);
  });

  it('Keras 2 legacy .h5: model_config, layer_names and weight_names', async () => {
    const f = await H5File.read(read('keras/tiny_mlp_legacy.h5'), { name: 'legacy.h5' });
    const cfg = JSON.parse(f.attr('model_config') as string);
    expect(cfg.class_name).toBe('Sequential');
    const mw = f.group('model_weights');
    expect(mw.attr('layer_names')).toEqual(['hidden', 'bn', 'out']);
    const wn = mw.group('hidden').attr('weight_names') as string[];
    expect(wn.length).toBe(2);
    expect(mw.dataset(`hidden/${wn[0]}`).shape).toEqual([4, 5]);
  });
});
