// Bundled for the browser by hdf5_browser.test.ts: reads the Keras archive and HDF5 fixtures with
// the zip and HDF5 readers in Chromium (no Node: DecompressionStream inflates), writes a zip of
// an HDF5 file with the writers (CompressionStream deflates) and reads it back, and reports a
// digest of every dataset for the test to compare with Node's.
import { ZipReader, ZipWriter } from '../../src/io/zip.js';
import { H5File, H5Writer, type H5Group } from '../../src/io/hdf5/index.js';

export function digest(f: H5Group): Record<string, string> {
  const out: Record<string, string> = {};
  f.visit((p, o) => {
    if (o.kind !== 'dataset') return;
    out[p] = `${o.dtype} [${o.shape}] ${Array.from(o.data as ArrayLike<unknown>, (x) => String(x)).join(',')}`;
  });
  return out;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

(globalThis as { run?: unknown }).run = async () => {
  const isNode = typeof (globalThis as { process?: unknown }).process !== 'undefined';
  const z = ZipReader.open(await fetchBytes('/keras/tiny_mlp.keras'), 'tiny_mlp.keras');
  const weights = await H5File.read(await z.read('model.weights.h5'), { name: 'model.weights.h5' });
  const config = JSON.parse(await z.readText('config.json')).class_name as string;
  const latest = await H5File.read(await fetchBytes('/hdf5/latest.h5'), { name: 'latest.h5' });
  const earliest = await H5File.read(await fetchBytes('/hdf5/earliest.h5'), { name: 'earliest.h5' });
  const w = new H5Writer();
  w.group('layers/dense/vars').dataset('0', { shape: [2, 2], dtype: 'float32', data: [1, 2, 3, 4] });
  w.attr('note', 'written in a browser');
  const zw = new ZipWriter();
  zw.add('config.json', JSON.stringify({ a: 'x'.repeat(500) })).add('model.weights.h5', w.toBytes());
  const back = ZipReader.open(await zw.toBytes(), 'browser.keras');
  const h = await H5File.read(await back.read('model.weights.h5'), { name: 'browser.h5' });
  let error = '';
  try {
    await H5File.read((await fetchBytes('/hdf5/latest.h5')).slice(0, 5000), { name: 'cut.h5' });
  } catch (e) {
    error = (e as Error).message;
  }
  return {
    isNode,
    config,
    weights: digest(weights),
    latest: digest(latest),
    earliest: digest(earliest),
    written: digest(h),
    note: h.attr('note'),
    deflated: back.entry('config.json').method,
    error,
  };
};
