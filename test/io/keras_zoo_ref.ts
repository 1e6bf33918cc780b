// The Keras zoo fixtures (test/fixtures/keras_zoo/, written by scripts/fixtures/make_keras_zoo.py
// with Keras 3.15): names, reference inputs and Keras' predictions.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sg from '../../src/index.js';

export const ZOO_DIR = resolve(fileURLToPath(new URL('../fixtures/keras_zoo', import.meta.url)));

export interface ZooRef {
  keras_version: string;
  inputs: { dtype: string; shape: number[]; data: number[] }[];
  outputs: { shape: number[]; data: number[] }[];
}

export const ZOO_NAMES: string[] = JSON.parse(readFileSync(resolve(ZOO_DIR, 'index.json'), 'utf8'));

export function zooRef(name: string): ZooRef {
  return JSON.parse(readFileSync(resolve(ZOO_DIR, `${name}.json`), 'utf8')) as ZooRef;
}

/** The model's predictions on the reference inputs, as flat arrays (tensors freed). */
export function predictRef(model: sg.LayersModel, ref: ZooRef): { shape: number[]; data: Float32Array }[] {
  const xs = ref.inputs.map((x) => sg.tensor(x.data, x.shape, x.dtype === 'int32' ? 'int32' : 'float32'));
  try {
    const y = model.predict(xs.length === 1 ? xs[0] : xs);
    const ys = Array.isArray(y) ? y : [y];
    const out = ys.map((t) => ({ shape: t.shape.slice(), data: t.dataSync() as Float32Array }));
    sg.dispose(ys);
    return out;
  } finally {
    sg.dispose(xs);
  }
}

/** Max |a - b| over every output (shapes must agree). */
export function maxAbsDiff(got: { shape: number[]; data: ArrayLike<number> }[], want: { shape: number[]; data: ArrayLike<number> }[]): number {
  if (got.length !== want.length) throw new Error(`${got.length} outputs but ${want.length} expected`);
  let m = 0;
  got.forEach((g, i) => {
    if (g.shape.join(',') !== want[i].shape.join(',')) throw new Error(`output ${i}: shape [${g.shape}] but [${want[i].shape}] expected`);
    for (let j = 0; j < g.data.length; j++) m = Math.max(m, Math.abs(g.data[j] - want[i].data[j]) || (Number.isNaN(g.data[j]) ? Infinity : 0));
  });
  return m;
}
