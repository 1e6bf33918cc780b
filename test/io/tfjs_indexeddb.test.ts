// indexeddb:// against tfjs-core's own IndexedDB handler, on an in-memory stand-in for the
// IndexedDB API (the subset both libraries call: open/upgrade, object stores keyed by modelPath,
// put/get requests, transaction completion). Node has no IndexedDB and this machine no browser;
// the stand-in is structured-clone based, as the real store is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, randArray } from '../helpers.js';

type Handler = ((this: unknown, ev?: unknown) => void) | null;

class FakeRequest {
  result: unknown;
  error: unknown = null;
  onsuccess: Handler = null;
  onerror: Handler = null;
  onupgradeneeded: Handler = null;
}

class FakeTransaction {
  oncomplete: Handler = null;
  onerror: Handler = null;
  private pending = 0;
  constructor(private db: FakeDB) {}
  objectStore(name: string) {
    const store = this.db.stores.get(name);
    if (!store) throw new Error(`NotFoundError: no object store '${name}'`);
    const request = (fn: () => unknown) => {
      const r = new FakeRequest();
      this.pending++;
      setTimeout(() => {
        r.result = fn();
        r.onsuccess?.call(r);
        if (--this.pending === 0) setTimeout(() => this.oncomplete?.call(this), 0);
      }, 0);
      return r;
    };
    return {
      put: (value: Record<string, unknown>) =>
        request(() => void store.set(value.modelPath as string, structuredClone(value))),
      get: (key: string) => request(() => structuredClone(store.get(key))),
      delete: (key: string) => request(() => void store.delete(key)),
    };
  }
}

class FakeDB {
  stores = new Map<string, Map<string, unknown>>();
  objectStoreNames = { contains: (n: string) => this.stores.has(n) };
  createObjectStore(name: string) {
    this.stores.set(name, new Map());
  }
  transaction(_names: string | string[], _mode?: string) {
    return new FakeTransaction(this);
  }
  close() {}
}

class FakeIDBFactory {
  dbs = new Map<string, FakeDB>();
  open(name: string) {
    const r = new FakeRequest();
    setTimeout(() => {
      let db = this.dbs.get(name);
      if (!db) {
        db = new FakeDB();
        this.dbs.set(name, db);
        r.result = db;
        r.onupgradeneeded?.call(r);
      }
      r.result = db;
      r.onsuccess?.call(r);
    }, 0);
    return r;
  }
}

const factory = new FakeIDBFactory();
const g = globalThis as { indexedDB?: unknown; window?: unknown };

beforeAll(async () => {
  await tf.setBackend('cpu');
  g.indexedDB = factory;
  g.window = { indexedDB: factory };
  // tfjs-core registers its indexeddb:// router only where it thinks it runs in a browser.
  tf.env().set('IS_BROWSER', true);
});
afterAll(() => {
  delete g.indexedDB;
  delete g.window;
  tf.env().set('IS_BROWSER', false);
});

function mlp(): sg.LayersModel {
  return sg.sequential({
    layers: [sg.layers.dense({ units: 6, activation: 'tanh', inputShape: [3] }), sg.layers.dense({ units: 2 })],
  });
}

describe('indexeddb:// (in-memory IndexedDB stand-in)', () => {
  checkNoLeaks();
  const x = randArray(12, 4);

  it("tfjs' database layout; simdgrad -> simdgrad and simdgrad -> tfjs-layers", async () => {
    const m = mlp();
    await m.save('indexeddb://ours');
    const db = factory.dbs.get('tensorflowjs')!;
    expect([...db.stores.keys()].sort()).toEqual(['model_info_store', 'models_store']);
    const back = await sg.loadLayersModel('indexeddb://ours');
    const xs = sg.tensor(x, [4, 3]);
    const [p, q] = [m.predict(xs) as sg.Tensor, back.predict(xs) as sg.Tensor];
    expect(Array.from(q.dataSync())).toEqual(Array.from(p.dataSync()));
    const t = await tfl.loadLayersModel('indexeddb://ours');
    const r = t.predict(tf.tensor(x, [4, 3])) as tf.Tensor;
    expectClose(p.dataSync(), r.dataSync() as Float32Array, 1e-5, 1e-6);
    sg.dispose([xs, p, q]);
    r.dispose();
    t.dispose();
    back.dispose();
    m.dispose();
  });

  it('tfjs-layers -> simdgrad through its indexeddb:// handler', async () => {
    const t = tfl.sequential({
      layers: [tfl.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), tfl.layers.dense({ units: 2 })],
    });
    await t.save('indexeddb://theirs');
    const m = await sg.loadLayersModel('indexeddb://theirs');
    const xs = sg.tensor(x, [4, 3]);
    const p = m.predict(xs) as sg.Tensor;
    const r = t.predict(tf.tensor(x, [4, 3])) as tf.Tensor;
    expectClose(p.dataSync(), r.dataSync() as Float32Array, 1e-5, 1e-6);
    sg.dispose([xs, p]);
    r.dispose();
    t.dispose();
    m.dispose();
  });

  it('a missing model and a record whose bytes do not match its specs', async () => {
    await expect(sg.loadLayersModel('indexeddb://nothing')).rejects.toThrow(
      /indexeddb:\/\/nothing: no saved model here/,
    );
    const m = mlp();
    await m.save('indexeddb://cut');
    const rec = factory.dbs.get('tensorflowjs')!.stores.get('models_store')!.get('cut') as {
      modelArtifacts: { weightData: ArrayBuffer };
    };
    rec.modelArtifacts.weightData = rec.modelArtifacts.weightData.slice(8);
    await expect(sg.loadLayersModel('indexeddb://cut')).rejects.toThrow(
      /indexeddb:\/\/cut: the stored weights hold \d+ bytes but their specs need \d+/,
    );
    m.dispose();
  });
});
