// tf.io and tf.serialization, member by member: every name tfjs-core 4.22 has there exists on
// sg.io / sg.serialization (a missing one fails unless listed below with a reason), and the pure
// helpers behave as tfjs-core's own on the same input: concatenateArrayBuffers and
// CompositeArrayBuffer slices over every (start, end), decodeWeightsStream over quantized and
// float16 weights, getWeightSpecs, getModelArtifactsForJSON[Sync] with a weights loader,
// isHTTPScheme, loadWeights / weightsLoaderFactory with fetch over local files. listModels,
// copyModel, moveModel and removeModel run in a real browser: test/io/model_management.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as sg from '../../src/index.js';
import { checkNoLeaks, randArray } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
checkNoLeaks();

/** tf.io / tf.serialization members simdgrad does not have, each with why. Empty today. */
const OUT_OF_SCOPE_IO: Record<string, string> = {};
const OUT_OF_SCOPE_SERIALIZATION: Record<string, string> = {};

describe('names', () => {
  it('every tf.io member exists on sg.io with the same kind', () => {
    const missing = Object.keys(tf.io).filter((n) => !(n in sg.io) && !(n in OUT_OF_SCOPE_IO));
    expect(missing).toEqual([]);
    for (const n of Object.keys(tf.io)) {
      if (n in OUT_OF_SCOPE_IO) continue;
      expect([n, typeof (sg.io as Record<string, unknown>)[n]]).toEqual([n, typeof (tf.io as Record<string, unknown>)[n]]);
    }
  });
  it('every tf.serialization member exists on sg.serialization with the same kind', () => {
    const names = Object.keys(tf.serialization);
    const missing = names.filter((n) => !(n in sg.serialization) && !(n in OUT_OF_SCOPE_SERIALIZATION));
    expect(missing).toEqual([]);
    for (const n of names) {
      expect([n, typeof (sg.serialization as Record<string, unknown>)[n]]).toEqual([
        n,
        typeof (tf.serialization as Record<string, unknown>)[n],
      ]);
    }
  });
});

function bytes(n: number, seed: number): ArrayBuffer {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = (i * 37 + seed * 11) & 255;
  return a.buffer;
}

describe('weight bytes', () => {
  it('concatenateArrayBuffers and CompositeArrayBuffer.join give tfjs-core bytes', () => {
    for (const sizes of [[], [5], [3, 0, 7], [1, 1, 1, 1]]) {
      const bufs = sizes.map((n, i) => bytes(n, i));
      const ref = new Uint8Array(tf.io.concatenateArrayBuffers(bufs));
      expect(new Uint8Array(sg.io.concatenateArrayBuffers(bufs))).toEqual(ref);
      expect(new Uint8Array(sg.io.CompositeArrayBuffer.join(bufs))).toEqual(ref);
    }
  });
  it('CompositeArrayBuffer.slice matches tfjs-core for every start/end across shards', () => {
    const bufs = [bytes(3, 1), bytes(0, 2), bytes(5, 3), bytes(7, 4), bytes(1, 5)];
    const ours = new sg.io.CompositeArrayBuffer(bufs);
    const theirs = new tf.io.CompositeArrayBuffer(bufs);
    expect(ours.byteLength).toBe(theirs.byteLength);
    let compared = 0;
    for (let s = -3; s <= 19; s++) {
      for (let e = -3; e <= 19; e++) {
        expect([s, e, Array.from(new Uint8Array(ours.slice(s, e)))]).toEqual([s, e, Array.from(new Uint8Array(theirs.slice(s, e)))]);
        compared++;
      }
    }
    expect(compared).toBe(529);
    expect(new Uint8Array(ours.slice())).toEqual(new Uint8Array(theirs.slice()));
    // Against a plain concatenation too, over more layouts: tfjs-core 4.22 returns zeros for
    // some slices of a later shard (shards of 20 and 40 bytes: slice(48, 60)), so there the
    // joined bytes are the reference.
    for (const sizes of [[20, 40], [1, 2, 3, 4, 5], [8, 8, 8], [0, 9, 0]]) {
      const parts = sizes.map((n, i) => bytes(n, i + 7));
      const joined = new Uint8Array(tf.io.concatenateArrayBuffers(parts));
      const c = new sg.io.CompositeArrayBuffer(parts);
      for (let s = 0; s <= joined.length; s++)
        for (let e = s; e <= joined.length; e++)
          expect([sizes, s, e, new Uint8Array(c.slice(s, e))]).toEqual([sizes, s, e, joined.slice(s, e)]);
    }
    const tfBug = new Uint8Array(new tf.io.CompositeArrayBuffer([bytes(20, 1), bytes(40, 2)]).slice(48, 60));
    expect(Array.from(tfBug)).toEqual(new Array(12).fill(0));
    // Typed arrays are taken by their own bytes. (tfjs-core 4.22 takes a view's whole underlying
    // .buffer, ignoring its offset and length; for views that span their buffer both agree.)
    const big = new Uint8Array(bytes(20, 9));
    const view = big.subarray(4, 10);
    expect(Array.from(new Uint8Array(new sg.io.CompositeArrayBuffer([view, view]).slice()))).toEqual([...view, ...view]);
    const whole = [new Uint8Array(bytes(6, 1)), new Uint8Array(bytes(4, 2))];
    expect(new Uint8Array(new sg.io.CompositeArrayBuffer(whole).slice(2, 9))).toEqual(
      new Uint8Array(new tf.io.CompositeArrayBuffer(whole).slice(2, 9)),
    );
  });
});

/** Specs of several dtypes and quantizations, and their bytes from tfjs-core's encoder. */
async function fixtureWeights(): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const named = {
    k: tf.tensor(randArray(12, 3), [3, 4]),
    b: tf.tensor([1, -2, 3], [3], 'int32'),
    m: tf.tensor([1, 0, 1, 1], [4], 'bool'),
  };
  const enc = await tf.io.encodeWeights(named);
  tf.dispose(Object.values(named));
  // A uint8-quantized and a float16 weight appended by hand (tfjs' layout).
  const q = new Uint8Array([0, 10, 255, 128]);
  const h = new Uint16Array([0x3c00, 0xc000, 0x3555, 0x7c00]); // 1, -2, 0.333, inf
  const specs: tf.io.WeightsManifestEntry[] = [
    ...enc.specs,
    { name: 'q', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
    { name: 'h', shape: [4], dtype: 'float32', quantization: { dtype: 'float16' } },
  ];
  const data = tf.io.concatenateArrayBuffers([enc.data as ArrayBuffer, q.buffer, h.buffer]);
  return { specs, data };
}

async function valuesOf(map: Record<string, { shape: number[]; dtype: string; data(): Promise<unknown> }>) {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(map).sort()) {
    out[k] = { shape: map[k].shape, dtype: map[k].dtype, values: Array.from((await map[k].data()) as ArrayLike<number>) };
  }
  return out;
}

function streamOf(data: ArrayBuffer, chunk: number): ReadableStream<ArrayBuffer> {
  let off = 0;
  return new ReadableStream<ArrayBuffer>({
    pull(c) {
      if (off >= data.byteLength) return c.close();
      c.enqueue(data.slice(off, off + chunk));
      off += chunk;
    },
  });
}

describe('decodeWeightsStream', () => {
  it('decodes float32, int32, bool, uint8-quantized and float16 weights as tfjs-core does', async () => {
    const { specs, data } = await fixtureWeights();
    const ref = await tf.io.decodeWeightsStream(streamOf(data, 7), specs);
    const ours = await sg.io.decodeWeightsStream(streamOf(data, 5), specs as sg.io.WeightsManifestEntry[]);
    expect(await valuesOf(ours)).toEqual(await valuesOf(ref));
    expect(Object.keys(ours).sort()).toEqual(['b', 'h', 'k', 'm', 'q']);
    tf.dispose(Object.values(ref));
    sg.dispose(Object.values(ours));
  });
  it('refuses a stream shorter or longer than the specs, naming the function, leaving no tensors', async () => {
    const { specs, data } = await fixtureWeights();
    await expect(sg.io.decodeWeightsStream(streamOf(data.slice(0, data.byteLength - 2), 4), specs as never)).rejects.toThrow(
      /io.decodeWeightsStream.*bytes/,
    );
    await expect(sg.io.decodeWeightsStream(streamOf(tf.io.concatenateArrayBuffers([data, bytes(3, 1)]), 4), specs as never)).rejects.toThrow(
      /io.decodeWeightsStream: the stream holds more than/,
    );
  });
});

const TOPOLOGY = { class_name: 'Sequential', config: { name: 's', layers: [] } };

describe('model.json -> artifacts', () => {
  it('getWeightSpecs flattens the manifest as tfjs-core', async () => {
    const { specs } = await fixtureWeights();
    const manifest = [
      { paths: ['a.bin'], weights: specs.slice(0, 2) },
      { paths: ['b.bin', 'c.bin'], weights: specs.slice(2) },
    ];
    expect(sg.io.getWeightSpecs(manifest as never)).toEqual(tf.io.getWeightSpecs(manifest));
  });
  it('getModelArtifactsForJSON with a weights loader equals tfjs-core, with and without a manifest', async () => {
    const { specs, data } = await fixtureWeights();
    const json = {
      modelTopology: TOPOLOGY,
      format: 'layers-model',
      generatedBy: 'test',
      convertedBy: null,
      weightsManifest: [{ paths: ['w.bin'], weights: specs }],
      trainingConfig: { loss: 'mse', optimizer_config: { class_name: 'SGD', config: {} } },
      userDefinedMetadata: { a: 1 },
      signature: { s: 1 },
    };
    const seen: unknown[] = [];
    const loader = async (m: unknown): Promise<[never, ArrayBuffer]> => {
      seen.push(m);
      return [tf.io.getWeightSpecs(m as tf.io.WeightsManifestConfig) as never, data];
    };
    const ref = await tf.io.getModelArtifactsForJSON(json as never, loader);
    const ours = await sg.io.getModelArtifactsForJSON(json as never, loader);
    expect(ours).toEqual(ref);
    expect(seen[0]).toEqual(seen[1]);
    const bare = { modelTopology: TOPOLOGY, format: 'layers-model' };
    expect(await sg.io.getModelArtifactsForJSON(bare as never, loader)).toEqual(
      await tf.io.getModelArtifactsForJSON(bare as never, loader),
    );
    expect(seen.length).toBe(2);
    expect(sg.io.getModelArtifactsForJSONSync(json as never, specs as never, data)).toEqual(
      tf.io.getModelArtifactsForJSONSync(json as never, specs, data),
    );
    expect(() => sg.io.getModelArtifactsForJSONSync(json as never)).toThrow(/weightsManifest but weightSpecs is missing/);
    // The info of the same artifacts matches tfjs' (dates aside).
    const info = { ...sg.io.getModelArtifactsInfoForJSON(ours as never), dateSaved: 0 };
    expect(info).toEqual({ ...tf.io.getModelArtifactsInfoForJSON(ref), dateSaved: 0 });
  });
  it('isHTTPScheme agrees with tfjs-core', () => {
    for (const u of ['http://a/b', 'https://x.y/model.json', 'HTTP://a', 'file://x', 'localstorage://m', 'ftp://a', 'httpx://a', ' http://a', 'indexeddb://https://']) {
      expect([u, sg.io.isHTTPScheme(u)]).toEqual([u, tf.io.isHTTPScheme(u)]);
    }
  });
  it('withSaveHandlerSync saves synchronously', () => {
    let kept: unknown;
    const h = sg.io.withSaveHandlerSync((a) => {
      kept = a;
      return { modelArtifactsInfo: sg.io.getModelArtifactsInfoForJSON(a) };
    });
    const r = h.save!({ modelTopology: TOPOLOGY });
    expect(kept).toEqual({ modelTopology: TOPOLOGY });
    expect(r.modelArtifactsInfo.modelTopologyBytes).toBe(JSON.stringify(TOPOLOGY).length);
    expect(typeof tf.io.withSaveHandlerSync(() => r as never).save).toBe(typeof h.save);
  });
});

describe('loadWeights and weightsLoaderFactory over local files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-loadweights-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  let manifest: tf.io.WeightsManifestConfig;
  let split: tf.io.WeightsManifestConfig;
  const realFetch = globalThis.fetch;
  const fetched: string[] = [];
  beforeAll(async () => {
    const { specs, data } = await fixtureWeights();
    // Group 1: k, b in two shards (split mid-weight); group 2: m, q, h in one.
    const cut = 12 * 4 + 3 * 4;
    const mid = 20;
    fs.writeFileSync(path.join(dir, 'g1-1.bin'), new Uint8Array(data.slice(0, mid)));
    fs.writeFileSync(path.join(dir, 'g1-2.bin'), new Uint8Array(data.slice(mid, cut)));
    fs.writeFileSync(path.join(dir, 'g2.bin'), new Uint8Array(data.slice(cut)));
    fs.writeFileSync(path.join(dir, 'g1.bin'), new Uint8Array(data.slice(0, cut)));
    // tfjs-core 4.22 decodes a weight in a group's second shard as zeros here (its
    // CompositeArrayBuffer.slice, shown above), so the comparison uses one shard per group; the
    // two-shard group is checked against the one-shard result and the encoded values below.
    manifest = [
      { paths: ['g1.bin'], weights: specs.slice(0, 2) },
      { paths: ['g2.bin'], weights: specs.slice(2) },
    ];
    split = [
      { paths: ['g1-1.bin', 'g1-2.bin'], weights: specs.slice(0, 2) },
      { paths: ['g2.bin'], weights: specs.slice(2) },
    ];
    globalThis.fetch = (async (url: string) => {
      fetched.push(String(url));
      const p = String(url).replace(/^local:\/\//, '');
      if (!fs.existsSync(p)) return new Response(null, { status: 404 });
      return new Response(new Uint8Array(fs.readFileSync(p)));
    }) as typeof fetch;
  });
  afterAll(() => {
    globalThis.fetch = realFetch;
  });

  it('loadWeights returns the tensors tfjs-core loads, all or by name, fetching only the groups needed', async () => {
    for (const names of [undefined, ['q'], ['b', 'h']]) {
      fetched.length = 0;
      const ref = await tf.io.loadWeights(manifest, `local://${dir}/`, names);
      const refFetched = [...fetched].sort();
      fetched.length = 0;
      const ours = await sg.io.loadWeights(manifest as never, `local://${dir}/`, names);
      expect([...fetched].sort()).toEqual(refFetched);
      expect(await valuesOf(ours)).toEqual(await valuesOf(ref));
      tf.dispose(Object.values(ref));
      sg.dispose(Object.values(ours));
    }
  });
  it('loadWeights reads a weight that spans two shards of a group (k) or starts in the second (b)', async () => {
    const ours = await sg.io.loadWeights(split as never, `local://${dir}`);
    const ref = await tf.io.loadWeights(manifest, `local://${dir}/`);
    expect(await valuesOf(ours)).toEqual(await valuesOf(ref));
    expect(Array.from(await ours.b.data())).toEqual([1, -2, 3]);
    tf.dispose(Object.values(ref));
    sg.dispose(Object.values(ours));
  });
  it('weightsLoaderFactory passes the full paths and decodes as tfjs-core', async () => {
    const read = async (urls: string[]) =>
      urls.map((u) => {
        const b = fs.readFileSync(u);
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      });
    const urlsTf: string[][] = [];
    const urlsSg: string[][] = [];
    const ref = await tf.io.weightsLoaderFactory(async (u) => (urlsTf.push(u), read(u)))(manifest, dir, ['k', 'm']);
    const ours = await sg.io.weightsLoaderFactory(async (u) => (urlsSg.push(u), read(u)))(manifest as never, dir, ['k', 'm']);
    expect(urlsSg).toEqual(urlsTf);
    expect(await valuesOf(ours)).toEqual(await valuesOf(ref));
    tf.dispose(Object.values(ref));
    sg.dispose(Object.values(ours));
    await expect(sg.io.weightsLoaderFactory(read)(manifest as never, dir, ['nope'])).rejects.toThrow(
      /io.loadWeights: could not find weights in the manifest with names: nope/,
    );
    // A short shard fails naming the group, and leaves no tensors (checkNoLeaks).
    await expect(
      sg.io.weightsLoaderFactory(async (u) => (await read(u)).map((b) => b.slice(0, 4)))(manifest as never, dir),
    ).rejects.toThrow(/io.loadWeights: group 0/);
  });
});

describe('model management outside a browser', () => {
  it('listModels is empty and removeModel/copyModel say what is missing (Node has no browser storage)', async () => {
    expect(await sg.io.listModels()).toEqual({});
    await expect(sg.io.removeModel('localstorage://m')).rejects.toThrow(/io.removeModel\('localstorage:\/\/m'\): this environment has no localStorage/);
    await expect(sg.io.removeModel('indexeddb://m')).rejects.toThrow(/this environment has no IndexedDB/);
    await expect(sg.io.copyModel('a', 'b')).rejects.toThrow(/io.copyModel\('a', 'b'\): the URL 'a' has no scheme/);
  });
});

describe('serialization', () => {
  it('Serializable, SerializationMap and getRegisteredName behave as tfjs-core for a registered class', () => {
    class Scale2 extends sg.Layer {
      static override className = 'Scale2';
      override call(x: sg.Tensor | sg.Tensor[]) {
        return x;
      }
    }
    sg.serialization.registerClass(Scale2 as never);
    class TfScale2 extends tf.serialization.Serializable {
      static className = 'Scale2';
      getConfig() {
        return {};
      }
    }
    tf.serialization.registerClass(TfScale2);
    // tfjs names a registered class 'Custom>Scale2' (its package prefix); simdgrad's registry has
    // no packages: the registered name is the class name.
    expect(tf.serialization.getRegisteredName(TfScale2)).toBe('Custom>Scale2');
    expect(sg.serialization.getRegisteredName(Scale2)).toBe('Scale2');
    expect(sg.serialization.getRegisteredName(sg.serialization.getRegisteredClass('Dense')!)).toBe('Dense');
    // A class registered under another name is known by that name.
    class Other extends sg.Layer {
      static override className = 'OtherOwn';
      override call(x: sg.Tensor | sg.Tensor[]) {
        return x;
      }
    }
    sg.serialization.registerClass(Other as never, 'OtherRegistered');
    expect(sg.serialization.getRegisteredName(Other)).toBe('OtherRegistered');
    const map = sg.serialization.SerializationMap.getMap();
    expect(map).toBe(sg.serialization.SerializationMap.getMap());
    expect(map.classNameMap.Scale2[0]).toBe(Scale2);
    expect(tf.serialization.SerializationMap.getMap().classNameMap.Scale2[0]).toBe(TfScale2);
    class Ser extends sg.serialization.Serializable {
      static className = 'Ser';
      constructor(readonly config: Record<string, unknown> = {}) {
        super();
      }
      getConfig() {
        return { a: 1 };
      }
    }
    const s = sg.serialization.Serializable.fromConfig(Ser, { a: 2 });
    expect(s).toBeInstanceOf(Ser);
    expect((s as Ser).config).toEqual({ a: 2 });
    expect(s.getClassName()).toBe(new TfScale2().getClassName().replace('Scale2', 'Ser'));
  });
});
