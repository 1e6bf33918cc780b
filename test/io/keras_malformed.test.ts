// Malformed .keras and legacy .h5 model files: each is refused with an error that names the file
// and the part that is wrong, before any weight is set, and leaves no tensor behind.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as sg from '../../src/index.js';
import { H5File, type H5Dataset } from '../../src/io/hdf5/index.js';
import { H5Writer } from '../../src/io/hdf5/writer.js';
import { ZipReader, ZipWriter } from '../../src/io/zip.js';
import { checkNoLeaks } from '../helpers.js';
import { ZOO_DIR } from './keras_zoo_ref.js';

const KERAS = new Uint8Array(readFileSync(resolve(ZOO_DIR, 'mlp_dropout.keras')));
const LEGACY = new Uint8Array(readFileSync(resolve(ZOO_DIR, 'mlp_dropout.h5')));

async function parts(): Promise<{ config: Record<string, unknown>; h5: H5File; metadata: string }> {
  const z = ZipReader.open(KERAS, 'mlp_dropout.keras');
  return {
    config: JSON.parse(await z.readText('config.json')),
    h5: await H5File.read(await z.read('model.weights.h5')),
    metadata: await z.readText('metadata.json'),
  };
}

/** A copy of `h5`'s datasets, with `edit` deciding per path: keep (undefined), drop (null) or replace. */
function rewriteH5(h5: H5File, edit: (path: string, d: H5Dataset) => H5Dataset | { shape: number[]; data: Float32Array } | null | undefined = () => undefined, extra?: (w: H5Writer) => void): Uint8Array {
  const w = new H5Writer();
  h5.visit((path, o) => {
    if (o.kind !== 'dataset') return;
    const e = edit(path, o);
    if (e === null) return;
    const d = e ?? o;
    const cut = path.lastIndexOf('/');
    w.group(path.slice(0, cut)).dataset(path.slice(cut + 1), { shape: d.shape, dtype: 'dtype' in d ? d.dtype : 'float32', data: d.data as Float32Array });
  });
  extra?.(w);
  return w.toBytes();
}

async function archive(entries: Record<string, string | Uint8Array>): Promise<Uint8Array> {
  const z = new ZipWriter();
  for (const [k, v] of Object.entries(entries)) z.add(k, v);
  return z.toBytes();
}

async function rejects(bytes: Uint8Array, ...patterns: RegExp[]): Promise<void> {
  const before = sg.memory().numTensors;
  let err: Error | undefined;
  try {
    const m = await sg.loadModel(bytes);
    m.dispose();
  } catch (e) {
    err = e as Error;
  }
  expect(err, "the file loaded").toBeDefined();
  if (process.env.SHOW_ERRORS) console.log(err!.message.slice(0, 300));
  for (const p of patterns) expect(err!.message).toMatch(p);
  expect(sg.memory().numTensors).toBe(before);
}

describe('loadModel: malformed Keras files', () => {
  checkNoLeaks();

  it('the unmodified files load (control)', async () => {
    const { config, h5, metadata } = await parts();
    const m = await sg.loadModel(await archive({ 'metadata.json': metadata, 'config.json': JSON.stringify(config), 'model.weights.h5': rewriteH5(h5) }));
    m.dispose();
    (await sg.loadModel(LEGACY)).dispose();
  });

  it('1. a truncated .keras archive', async () => {
    await rejects(KERAS.subarray(0, Math.floor(KERAS.length / 2)), /loadModel\(bytes\)/, /end of central directory|truncated|not a zip/i);
  });

  it('2. config.json that is not JSON', async () => {
    const { h5, metadata } = await parts();
    await rejects(await archive({ 'metadata.json': metadata, 'config.json': '{"class_name": "Sequential", ', 'model.weights.h5': rewriteH5(h5) }), /config\.json: not valid JSON/);
  });

  it('3. an unknown layer class', async () => {
    const { config, h5, metadata } = await parts();
    const c = JSON.parse(JSON.stringify(config));
    c.config.layers[1].class_name = 'FancyDense';
    await rejects(await archive({ 'metadata.json': metadata, 'config.json': JSON.stringify(c), 'model.weights.h5': rewriteH5(h5) }), /config\.json/, /unknown layer class 'FancyDense'/, /registerClass/);
  });

  it('4. a weight missing from model.weights.h5', async () => {
    const { config, h5, metadata } = await parts();
    const h = rewriteH5(h5, (p) => (p === 'layers/dense_1/vars/1' ? null : undefined));
    await rejects(await archive({ 'metadata.json': metadata, 'config.json': JSON.stringify(config), 'model.weights.h5': h }), /model\.weights\.h5 has no 'layers\/dense_1\/vars\/1'/);
  });

  it('5. a weight of the wrong shape', async () => {
    const { config, h5, metadata } = await parts();
    const h = rewriteH5(h5, (p) => (p === 'layers/dense/vars/0' ? { shape: [9, 16], data: new Float32Array(144) } : undefined));
    await rejects(await archive({ 'metadata.json': metadata, 'config.json': JSON.stringify(config), 'model.weights.h5': h }), /'layers\/dense\/vars\/0' has shape \[9,16\]/, /expects \[8,16\]/);
  });

  it('6. a variable the model does not have', async () => {
    const { config, h5, metadata } = await parts();
    const h = rewriteH5(h5, undefined, (w) => w.group('layers/dense/vars').dataset('2', { shape: [2], dtype: 'float32', data: new Float32Array(2) }));
    await rejects(await archive({ 'metadata.json': metadata, 'config.json': JSON.stringify(config), 'model.weights.h5': h }), /variables the model does not have: layers\/dense\/vars\/2/);
  });

  it('7. an archive without model.weights.h5', async () => {
    const { config, metadata } = await parts();
    await rejects(await archive({ 'metadata.json': metadata, 'config.json': JSON.stringify(config) }), /has no model\.weights\.h5/);
  });

  it('8. model.weights.h5 that is not HDF5', async () => {
    const { config, metadata } = await parts();
    await rejects(await archive({ 'metadata.json': metadata, 'config.json': JSON.stringify(config), 'model.weights.h5': new Uint8Array(64).fill(7) }), /model\.weights\.h5/, /not an HDF5 file/);
  });

  it('9. bytes that are neither zip nor HDF5', async () => {
    await rejects(new TextEncoder().encode('hello, not a model'), /neither a \.keras archive \(zip\) nor a Keras \.h5 file/);
  });

  it('10. a flipped byte in the deflated config.json (CRC)', async () => {
    const b = KERAS.slice();
    const z = ZipReader.open(b, 'x');
    const e = z.entry('config.json');
    const at = e.headerOffset + 30 + 'config.json'.length + Math.floor(e.compressedSize / 2);
    b[at] ^= 0x40;
    await rejects(b, /config\.json/, /CRC|inflate|invalid|corrupt/i);
  });

  it('11. an inbound node naming a layer that does not exist', async () => {
    const { h5, metadata } = await parts();
    const fz = ZipReader.open(new Uint8Array(readFileSync(resolve(ZOO_DIR, 'functional_two_in_out.keras'))), 'f');
    const c = JSON.parse(await fz.readText('config.json'));
    c.config.layers[2].inbound_nodes[0].args[0].config.keras_history[0] = 'ghost';
    await rejects(await archive({ 'metadata.json': metadata, 'config.json': JSON.stringify(c), 'model.weights.h5': rewriteH5(h5) }), /config\.json/, /'ghost'/);
  });

  it('12. a mixed-precision dtype policy', async () => {
    const { config, h5, metadata } = await parts();
    const c = JSON.parse(JSON.stringify(config));
    c.config.layers[1].config.dtype.config.name = 'mixed_float16';
    await rejects(await archive({ 'metadata.json': metadata, 'config.json': JSON.stringify(c), 'model.weights.h5': rewriteH5(h5) }), /dtype policy 'mixed_float16' is not supported/);
  });

  it('13. a truncated legacy .h5', async () => {
    await rejects(LEGACY.subarray(0, LEGACY.length - 4000), /loadModel\(bytes\)/, /truncated|past the end|beyond/i);
  });

  it('14. a weights-only .h5 (no model_config)', async () => {
    await rejects(new Uint8Array(readFileSync(resolve(ZOO_DIR, '../keras/tiny_mlp.weights.h5'))), /no 'model_config' attribute/, /sg\.keras\.loadWeights/);
  });

  it('15. a legacy .h5 whose weight_names disagree with the layer', async () => {
    const f = await H5File.read(LEGACY);
    const w = new H5Writer();
    w.attr('model_config', f.attr('model_config') as string);
    const g = w.group('model_weights');
    g.attr('layer_names', ['dense', 'dense_1', 'dense_2']);
    for (const l of ['dense', 'dense_1', 'dense_2']) {
      const names = f.group(`model_weights/${l}`).attr('weight_names') as string[];
      const kept = l === 'dense_1' ? names.slice(0, 1) : names;
      g.group(l).attr('weight_names', kept);
      for (const n of kept) {
        const d = f.dataset(`model_weights/${l}/${n}`);
        g.group(l).dataset(n, { shape: d.shape, dtype: 'float32', data: d.data as Float32Array });
      }
    }
    await rejects(w.toBytes(), /model_weights\/dense_1 lists 1 weights but layer 'dense_1' \(Dense\) has 2/);
  });

  it('16. config.json without a class_name', async () => {
    const { h5, metadata } = await parts();
    await rejects(await archive({ 'metadata.json': metadata, 'config.json': '{"config": {}}', 'model.weights.h5': rewriteH5(h5) }), /config\.json: the model config has no class_name/);
  });
});
