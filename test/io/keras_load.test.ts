// Keras 3.15 writes, simdgrad loads: every model of the zoo (test/fixtures/keras_zoo/) as a .keras
// archive and as a legacy .h5 full-model file, predictions within 1e-5 of Keras' on the same inputs.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import * as sg from '../../src/index.js';
import { checkNoLeaks } from '../helpers.js';
import { ZOO_DIR, ZOO_NAMES, maxAbsDiff, predictRef, zooRef } from './keras_zoo_ref.js';

describe('loadModel: Keras 3.15 files (the zoo)', () => {
  checkNoLeaks();
  const table: string[] = [];
  // KERAS_ZOO_TABLE=1 prints model x format x max |diff| (the figures in the report).
  afterAll(() => {
    if (process.env.KERAS_ZOO_TABLE) console.log(`model | format | Keras -> simdgrad max abs diff\n${table.join('\n')}`);
  });
  it('the zoo is complete', () => {
    expect(ZOO_NAMES.length).toBe(11);
  });
  for (const name of ZOO_NAMES) {
    for (const ext of ['keras', 'h5']) {
      it(`${name}.${ext} predicts as Keras (1e-5)`, async () => {
        const ref = zooRef(name);
        const model = await sg.loadModel(`file://${resolve(ZOO_DIR, `${name}.${ext}`)}`);
        try {
          const d = maxAbsDiff(predictRef(model, ref), ref.outputs);
          table.push(`${name} | .${ext} | ${d.toExponential(2)}`);
          expect(d).toBeLessThanOrEqual(1e-5);
        } finally {
          model.dispose();
        }
      });
    }
  }
  it('loads from bytes and ArrayBuffer too, and restores the compile config', async () => {
    const bytes = readFileSync(resolve(ZOO_DIR, 'mlp_dropout.keras'));
    const m1 = await sg.loadModel(new Uint8Array(bytes));
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const m2 = await sg.loadModel(ab as ArrayBuffer, { compile: false });
    try {
      expect((m1 as unknown as { compiled?: { optimizer: { className: string } } }).compiled?.optimizer.className).toBe('Adam');
      expect((m2 as unknown as { compiled?: unknown }).compiled).toBeUndefined();
    } finally {
      m1.dispose();
      m2.dispose();
    }
  });
  it('sg.keras.loadWeights reads a Keras 3 .weights.h5 (model.save_weights) into a built model', async () => {
    const dir = resolve(ZOO_DIR, '../keras');
    const ref = JSON.parse(readFileSync(resolve(dir, 'tiny_mlp.json'), 'utf8'));
    const model = await sg.loadModel(`file://${resolve(dir, 'tiny_mlp.keras')}`, { compile: false });
    try {
      const zeros = model.weights.map((w) => sg.zeros(w.variable.shape));
      model.setWeights(zeros);
      sg.dispose(zeros);
      await sg.keras.loadWeights(model, `file://${resolve(dir, 'tiny_mlp.weights.h5')}`);
      const x = sg.tensor(ref.inputs.data, ref.inputs.shape);
      const y = model.predict(x) as sg.Tensor;
      const d = maxAbsDiff([{ shape: y.shape, data: y.dataSync() }], [ref.predictions]);
      sg.dispose([x, y]);
      expect(d).toBeLessThanOrEqual(1e-5);
    } finally {
      model.dispose();
    }
  });
  it('loads a Blob (browser File) and an http:// URL (a local node:http server), checking Content-Length against maxBytes', async () => {
    const bytes = readFileSync(resolve(ZOO_DIR, 'lstm.keras'));
    const ref = zooRef('lstm');
    const server = createServer((req, res) => {
      if (req.url === '/m.keras') {
        res.writeHead(200, { 'content-length': String(bytes.length) });
        res.end(bytes);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    try {
      const fromBlob = await sg.loadModel(new Blob([bytes]));
      const fromHttp = await sg.loadModel(`http://127.0.0.1:${port}/m.keras`);
      try {
        expect(maxAbsDiff(predictRef(fromBlob, ref), ref.outputs)).toBeLessThanOrEqual(1e-5);
        expect(maxAbsDiff(predictRef(fromHttp, ref), ref.outputs)).toBeLessThanOrEqual(1e-5);
      } finally {
        fromBlob.dispose();
        fromHttp.dispose();
      }
      await expect(sg.loadModel(`http://127.0.0.1:${port}/m.keras`, { maxBytes: 1000 })).rejects.toThrow(/Content-Length \d+ is over maxBytes 1000/);
      await expect(sg.loadModel(`http://127.0.0.1:${port}/missing.keras`)).rejects.toThrow(/HTTP 404/);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });
});
