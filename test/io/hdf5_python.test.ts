// HDF5 interchange with the real peers: h5py opens the files our writer makes and sees the same
// groups, datasets, attributes and values; Keras 3 loads a model.weights.h5 that our writer
// re-wrote from the one Keras saved and predicts exactly as before; our reader reads a file h5py
// writes during the test, and Keras files (.keras and .h5) whose datasets h5py re-wrote chunked with
// gzip and shuffle, as files in the wild often are. Needs the venv (scripts/setup-venv.sh): without it these tests fail.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { H5Dataset, H5File, H5Group, H5WGroup, H5Writer } from '../../src/io/hdf5/index.js';
import { expectFile } from './hdf5_expect.js';
import { runPython } from './hdf5_python.js';
import { MODEL_CONFIG, sampleWriter } from './hdf5_sample.js';
import * as sg from '../../src/index.js';
import { ZipReader } from '../../src/io/zip.js';
import { predictRef, zooRef } from './keras_zoo_ref.js';

const fixture = (p: string) => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));
const script = fileURLToPath(new URL('../../scripts/fixtures/make_hdf5_fixtures.py', import.meta.url));

/** Python that prints h5py's view of a file as the fixture JSON (the fixture script's describe()). */
const DESCRIBE = `import sys, json, importlib.util
spec = importlib.util.spec_from_file_location('fx', ${JSON.stringify(script)})
fx = importlib.util.module_from_spec(spec); spec.loader.exec_module(fx)
print(json.dumps(fx.describe(sys.argv[1])))`;

function copyInto(src: H5Group, dst: H5WGroup): void {
  for (const [k, v] of Object.entries(src.attrs)) dst.attr(k, v as never);
  for (const k of src.keys()) {
    const o = src.get(k);
    if (o instanceof H5Dataset) {
      const d = dst.dataset(k, { shape: o.shape, dtype: o.dtype, data: o.data });
      for (const [a, v] of Object.entries(o.attrs)) d.attr(a, v as never);
    } else copyInto(o, dst.group(k));
  }
}

describe('HDF5 <-> h5py and Keras', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-h5-'));

  it('h5py reads every group, dataset and attribute our writer makes', async () => {
    const p = join(dir, 'ours.h5');
    writeFileSync(p, sampleWriter().toBytes());
    const seen = JSON.parse(runPython(DESCRIBE, [p]));
    // h5py's view, checked against our reader's view of the same bytes (which hdf5_write.test.ts
    // checks against the values written) ...
    const ours = await H5File.read(readFileSync(p), { name: 'ours.h5' });
    const n = expectFile(ours, seen);
    expect(n.datasets).toBe(2 + 15 + 300);
    // ... and the key facts directly
    expect(seen.datasets['/layers/dense/vars/0']).toEqual({
      shape: [2, 3],
      dtype: 'float32',
      data: Array.from(new Float32Array([1.5, -2, 3e-8, 4, 5, 6])),
    });
    expect(seen.datasets['/types/f16']).toEqual({
      shape: [4],
      dtype: 'float16',
      data: [0.5, -2, 65504, 6.103515625e-5],
    });
    expect(seen.datasets['/types/i64'].data).toEqual([-(2 ** 62), 2 ** 62]);
    expect(seen.datasets['/types/bool']).toEqual({ shape: [3], dtype: 'bool', data: [1, 0, 1] });
    expect(seen.datasets['/types/strs'].strings).toEqual([{ bytes: 'alpha' }, { bytes: 'Î²eta' }, { bytes: '' }]);
    expect(seen.attrs['/layers/dense'].name).toBe('dense');
    expect(seen.attrs['/layers/dense'].names.strings).toEqual(['kernel', 'bias', 'ünïcode']);
    expect(seen.attrs['/layers/dense'].layer_names.strings).toEqual([{ bytes: 'dense' }, { bytes: 'dense_1' }]);
    expect(seen.attrs['/'].model_config).toBe(MODEL_CONFIG);
    expect(seen.groups['/many'].length).toBe(300);
  }, 60_000);

  it('Keras loads a model.weights.h5 our writer re-wrote and predicts exactly as the original', async () => {
    const src = await H5File.read(readFileSync(fixture('keras/tiny_mlp.model.weights.h5')), {
      name: 'model.weights.h5',
    });
    const w = new H5Writer();
    copyInto(src, w);
    const p = join(dir, 'rewritten.weights.h5');
    writeFileSync(p, w.toBytes());
    const out = runPython(
      `import sys, json, numpy as np, keras
ref = json.load(open(sys.argv[3]))
model = keras.saving.load_model(sys.argv[1])
x = np.array(ref['inputs']['data'], 'float32').reshape(ref['inputs']['shape'])
orig = model.predict(x, verbose=0)
for v in model.weights: v.assign(np.zeros(v.shape, v.dtype))
zero = model.predict(x, verbose=0)
model.load_weights(sys.argv[2])
pred = model.predict(x, verbose=0)
want = np.array(ref['predictions']['data']).reshape(pred.shape)
print(json.dumps({'diff': float(np.abs(pred - orig).max()), 'ref_diff': float(np.abs(pred - want).max()), 'zero_diff': float(np.abs(zero - orig).max())}))`,
      [fixture('keras/tiny_mlp.keras'), p, fixture('keras/tiny_mlp.json')],
      180_000,
    );
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r.zero_diff).toBeGreaterThan(1e-3); // the zeroed model differs, so the load did the work
    // Bit for bit what the same Keras computes from the original file's weights; the fixture's predictions were
    // made on another CPU, whose XLA kernels may round differently (1 ulp on an AVX-512 host).
    expect(r.diff).toBe(0);
    expect(r.ref_diff).toBeLessThan(1e-6);
  }, 200_000);

  it('our reader reads a file h5py writes now (chunked, compressed, dense, strings)', async () => {
    const p = join(dir, 'h5py.h5');
    runPython(
      `import sys, h5py, numpy as np
with h5py.File(sys.argv[1], 'w', libver='latest') as f:
    f.create_dataset('a', data=np.arange(1000, dtype='<f4').reshape(10, 100), chunks=(3, 7), compression='gzip', shuffle=True)
    g = f.create_group('g')
    for i in range(30): g.attrs['k%d' % i] = 'v%d' % i
    g['s'] = np.array(['x', 'yz'], dtype=h5py.string_dtype())`,
      [p],
    );
    const f = await H5File.read(readFileSync(p), { name: 'h5py.h5' });
    expect(Array.from(f.dataset('a').data as Float32Array)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(f.group('g').attrNames().length).toBe(30);
    expect(f.group('g').attr('k29')).toBe('v29');
    expect(f.dataset('g/s').data).toEqual(['x', 'yz']);
  }, 60_000);

  it('Keras files whose datasets h5py re-wrote chunked with gzip and shuffle load with the same predictions', async () => {
    const zoo = fileURLToPath(new URL('../fixtures/keras_zoo/', import.meta.url));
    const kerasOut = join(dir, 'gzip.keras');
    const h5Out = join(dir, 'gzip.h5');
    runPython(
      `import sys, io, zipfile, h5py
def copy(gs, gd):
    for k, v in gs.attrs.items(): gd.attrs[k] = v
    for k in gs:
        o = gs[k]
        if isinstance(o, h5py.Group):
            copy(o, gd.create_group(k))
        else:
            kw = dict(compression='gzip', compression_opts=6, shuffle=True, chunks=True) if o.shape not in ((), None) and o.size > 0 else {}
            d = gd.create_dataset(k, data=o[()], **kw)
            for a, v in o.attrs.items(): d.attrs[a] = v
def rewrite(src, dst):
    with h5py.File(src, 'r') as fs, h5py.File(dst, 'w') as fd: copy(fs, fd)
zin = zipfile.ZipFile(sys.argv[1])
buf = io.BytesIO()
with h5py.File(io.BytesIO(zin.read('model.weights.h5')), 'r') as fs, h5py.File(buf, 'w') as fd: copy(fs, fd)
with zipfile.ZipFile(sys.argv[2], 'w') as zout:
    for n in zin.namelist():
        zout.writestr(n, buf.getvalue() if n == 'model.weights.h5' else zin.read(n))
rewrite(sys.argv[3], sys.argv[4])`,
      [join(zoo, 'cnn_bn.keras'), kerasOut, join(zoo, 'cnn_bn.h5'), h5Out],
    );
    const ref = zooRef('cnn_bn');
    // Every non-scalar dataset is now chunked and deflated.
    const zr = ZipReader.open(readFileSync(kerasOut), 'gzip.keras');
    const w = await H5File.read(await zr.read('model.weights.h5'), { name: 'model.weights.h5' });
    const kinds = new Set<string>();
    w.visit((_p, o) => {
      if (o.kind === 'dataset' && o.shape.length > 0) kinds.add(`${o.storage.layout}:${o.storage.filters?.join('+')}`);
    });
    expect([...kinds]).toEqual(['chunked:shuffle+deflate']);
    for (const [file, orig] of [
      [kerasOut, join(zoo, 'cnn_bn.keras')],
      [h5Out, join(zoo, 'cnn_bn.h5')],
    ]) {
      const a = await sg.loadModel(readFileSync(file));
      const b = await sg.loadModel(readFileSync(orig));
      const pa = predictRef(a, ref);
      expect(pa).toEqual(predictRef(b, ref));
      expect(pa[0].data.length).toBeGreaterThan(0);
      a.dispose();
      b.dispose();
    }
  }, 60_000);
});
