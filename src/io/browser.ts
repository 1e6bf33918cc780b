// Browser storage, with tfjs' layouts so that models saved by either library load in the other:
// localstorage:// (keys 'tensorflowjs_models/<path>/{info,model_topology,weight_specs,weight_data,
// model_metadata}', weights base64), indexeddb:// (database 'tensorflowjs', stores 'models_store'
// and 'model_info_store' keyed by modelPath), downloads:// (model.json + weights.bin through an
// <a download> click) and io.browserFiles (File objects from an <input type="file">).
import { base64ToBytes, bytesToBase64 } from '../callbacks/node_io.js';
import type { IOHandler, ModelArtifacts, SaveResult } from './types.js';
import { artifactsFromModelJSON, modelJSONFor, parseModelJSON } from './model_json.js';
import { artifactsInfo, concatWeightData, specsByteLength } from './weights.js';

// ---- localStorage ----

/** The Storage API subset used (window.localStorage, or a stand-in for tests). */
export interface StorageLike {
  /** The value stored under `key`, or null when there is none. */
  getItem(key: string): string | null;
  /** Stores `value` under `key` (may throw when the storage is full). */
  setItem(key: string, value: string): void;
  /** Removes `key` and its value (nothing happens when it is absent). */
  removeItem(key: string): void;
}

const LS_PREFIX = 'tensorflowjs_models';

function lsKeys(path: string) {
  const root = `${LS_PREFIX}/${path}`;
  return {
    info: `${root}/info`,
    topology: `${root}/model_topology`,
    weightSpecs: `${root}/weight_specs`,
    weightData: `${root}/weight_data`,
    metadata: `${root}/model_metadata`,
  };
}

function defaultStorage(caller: string): StorageLike {
  const s = (globalThis as { localStorage?: StorageLike }).localStorage;
  if (!s) throw new Error(`${caller}: this environment has no localStorage`);
  return s;
}

/**
 * A handler for the browser's localStorage under `path` (tfjs' io.browserLocalStorage).
 * @example await model.save('localstorage://my-model');
 */
export function browserLocalStorage(path: string, storage?: StorageLike): IOHandler {
  if (typeof path !== 'string' || path.length === 0)
    throw new Error('io.browserLocalStorage: a non-empty model path is required');
  const keys = lsKeys(path);
  const where = `localstorage://${path}`;
  return {
    async save(a: ModelArtifacts): Promise<SaveResult> {
      const s = storage ?? defaultStorage(where);
      if (a.modelTopology instanceof ArrayBuffer) throw new Error(`${where}: only JSON topologies can be saved`);
      const info = artifactsInfo(a);
      const data = a.weightData === undefined ? new ArrayBuffer(0) : concatWeightData(a.weightData);
      const metadata = {
        format: a.format,
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy,
        ...(a.trainingConfig !== undefined ? { trainingConfig: a.trainingConfig } : {}),
        ...(a.userDefinedMetadata !== undefined ? { userDefinedMetadata: a.userDefinedMetadata } : {}),
      };
      try {
        s.setItem(keys.info, JSON.stringify(info));
        s.setItem(keys.topology, JSON.stringify(a.modelTopology));
        s.setItem(keys.weightSpecs, JSON.stringify(a.weightSpecs ?? []));
        s.setItem(keys.weightData, bytesToBase64(new Uint8Array(data)));
        s.setItem(keys.metadata, JSON.stringify(metadata));
      } catch (e) {
        for (const k of Object.values(keys)) s.removeItem(k);
        throw new Error(
          `${where}: saving failed, probably over the storage quota (${info.weightDataBytes} weight bytes): ${(e as Error).message}`,
        );
      }
      return { modelArtifactsInfo: info };
    },
    async load(): Promise<ModelArtifacts> {
      const s = storage ?? defaultStorage(where);
      const get = (k: string, what: string) => {
        const v = s.getItem(k);
        if (v === null) throw new Error(`${where}: no saved model here (missing ${what})`);
        return v;
      };
      const parse = (text: string, what: string): unknown => {
        try {
          return JSON.parse(text);
        } catch (e) {
          throw new Error(`${where}: ${what} is not valid JSON (${(e as Error).message})`);
        }
      };
      const topology = parse(get(keys.topology, 'topology'), 'topology');
      const specs = parse(get(keys.weightSpecs, 'weight_specs'), 'weight_specs');
      const metaText = s.getItem(keys.metadata);
      const meta = (metaText === null ? {} : parse(metaText, 'model_metadata')) as Record<string, unknown>;
      const json = parseModelJSON({ ...meta, modelTopology: topology }, where);
      const data = base64ToBytes(get(keys.weightData, 'weight_data'), where);
      const need = specsByteLength(specs, where);
      if (data.byteLength !== need)
        throw new Error(`${where}: weight_data holds ${data.byteLength} bytes but weight_specs need ${need}`);
      return {
        ...json,
        weightSpecs: specs as ModelArtifacts['weightSpecs'],
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
      } as ModelArtifacts;
    },
  };
}

// ---- IndexedDB ----

const DB_NAME = 'tensorflowjs';
const DB_VERSION = 1;
const MODELS = 'models_store';
const INFO = 'model_info_store';

function openDB(factory: IDBFactory, where: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = factory.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(MODELS)) db.createObjectStore(MODELS, { keyPath: 'modelPath' });
      if (!db.objectStoreNames.contains(INFO)) db.createObjectStore(INFO, { keyPath: 'modelPath' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`${where}: cannot open IndexedDB '${DB_NAME}': ${String(req.error)}`));
  });
}

function done(req: IDBRequest, where: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`${where}: ${String(req.error)}`));
  });
}

/**
 * A handler for IndexedDB under `path` (tfjs' io.browserIndexedDB; same database and stores).
 * @example await model.save('indexeddb://my-model');
 */
export function browserIndexedDB(path: string, factory?: IDBFactory): IOHandler {
  if (typeof path !== 'string' || path.length === 0)
    throw new Error('io.browserIndexedDB: a non-empty model path is required');
  const where = `indexeddb://${path}`;
  const idb = () => {
    const f = factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (!f) throw new Error(`${where}: this environment has no IndexedDB`);
    return f;
  };
  return {
    async save(a: ModelArtifacts): Promise<SaveResult> {
      if (a.modelTopology instanceof ArrayBuffer) throw new Error(`${where}: only JSON topologies can be saved`);
      const db = await openDB(idb(), where);
      try {
        const info = artifactsInfo(a);
        const artifacts = { ...a, weightData: a.weightData === undefined ? undefined : concatWeightData(a.weightData) };
        const tx = db.transaction([INFO, MODELS], 'readwrite');
        await done(tx.objectStore(INFO).put({ modelPath: path, modelArtifactsInfo: info }), where);
        await done(tx.objectStore(MODELS).put({ modelPath: path, modelArtifacts: artifacts }), where);
        return { modelArtifactsInfo: info };
      } finally {
        db.close();
      }
    },
    async load(): Promise<ModelArtifacts> {
      const db = await openDB(idb(), where);
      try {
        const tx = db.transaction(MODELS, 'readonly');
        const rec = (await done(tx.objectStore(MODELS).get(path), where)) as
          { modelArtifacts?: ModelArtifacts } | undefined;
        if (!rec?.modelArtifacts) throw new Error(`${where}: no saved model here`);
        const a = rec.modelArtifacts;
        parseModelJSON({ ...a, weightData: undefined }, where);
        if (a.weightData !== undefined) {
          const need = specsByteLength(a.weightSpecs ?? [], where);
          const have = concatWeightData(a.weightData).byteLength;
          if (need !== have)
            throw new Error(`${where}: the stored weights hold ${have} bytes but their specs need ${need}`);
        }
        return a;
      } finally {
        db.close();
      }
    },
  };
}

// ---- downloads and files ----

/**
 * Saves by triggering two downloads, `<prefix>.json` and `<prefix>.weights.bin` (tfjs'
 * io.browserDownloads). Browser only.
 * @example await model.save('downloads://my-model');
 */
export function browserDownloads(prefix = 'model'): IOHandler {
  const where = `downloads://${prefix}`;
  return {
    async save(a: ModelArtifacts): Promise<SaveResult> {
      const doc = (globalThis as { document?: Document }).document;
      if (!doc || typeof URL?.createObjectURL !== 'function')
        throw new Error(`${where}: downloads need a browser document`);
      const weightsName = `${prefix}.weights.bin`;
      const json = modelJSONFor(a, [`./${weightsName}`]);
      const data = a.weightData === undefined ? new ArrayBuffer(0) : concatWeightData(a.weightData);
      const jsonUrl = URL.createObjectURL(new Blob([JSON.stringify(json)], { type: 'application/json' }));
      const binUrl = URL.createObjectURL(new Blob([data], { type: 'application/octet-stream' }));
      const click = (href: string, name: string) => {
        const anchor = doc.createElement('a');
        anchor.download = name;
        anchor.href = href;
        anchor.dispatchEvent(new MouseEvent('click'));
      };
      click(jsonUrl, `${prefix}.json`);
      if (a.weightData !== undefined) click(binUrl, weightsName);
      return { modelArtifactsInfo: artifactsInfo(a) };
    },
  };
}

/**
 * Triggers one browser download of `bytes` named `name` (an <a download> click), as
 * downloads:// does; used for `.keras` and `.h5` files. Browser only.
 */
export function downloadBytes(bytes: Uint8Array, name: string, where: string): void {
  const doc = (globalThis as { document?: Document }).document;
  if (!doc || typeof URL?.createObjectURL !== 'function') throw new Error(`${where}: downloads need a browser document`);
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const anchor = doc.createElement('a');
  anchor.download = name;
  anchor.href = url;
  anchor.dispatchEvent(new MouseEvent('click'));
  // Revoked later: the download reads the blob after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A File or Blob with a name (what an <input type="file"> gives). */
export interface NamedBlob {
  /** The file name, e.g. 'model.json' or 'group1-shard1of1.bin' (weight files are matched by it). */
  name: string;
  /** The size in bytes. */
  size: number;
  /** The contents as UTF-8 text (read for model.json). */
  text(): Promise<string>;
  /** The contents as bytes (read for the weight files). */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Loads from user-selected files: model.json first, then its weight files, matched by name
 * (tfjs' io.browserFiles).
 * @example const m = await sg.loadLayersModel(sg.io.browserFiles([jsonFile, ...weightFiles]));
 */
export function browserFiles(files: NamedBlob[]): IOHandler {
  if (!Array.isArray(files) || files.length === 0)
    throw new Error('io.browserFiles: pass model.json and its weight files');
  return {
    async load(): Promise<ModelArtifacts> {
      const [jsonFile, ...weightFiles] = files;
      const where = jsonFile.name;
      const json = parseModelJSON(await jsonFile.text(), where);
      const byName = new Map(weightFiles.map((f) => [f.name, f]));
      const used = new Set<string>();
      const a = await artifactsFromModelJSON(
        json,
        async (paths, expected, g) => {
          const fs = paths.map((p) => {
            const base = p.split('/').pop()!;
            const f = byName.get(base);
            if (!f) throw new Error(`${where}: weight file '${base}' (group ${g}) was not among the files given`);
            used.add(base);
            return f;
          });
          const size = fs.reduce((n, f) => n + f.size, 0);
          if (size !== expected)
            throw new Error(`${where}: weight group ${g} files hold ${size} bytes but the manifest needs ${expected}`);
          return Promise.all(fs.map((f) => f.arrayBuffer()));
        },
        where,
      );
      const extra = weightFiles.filter((f) => !used.has(f.name)).map((f) => f.name);
      if (extra.length) throw new Error(`${where}: files not named in the manifest: ${extra.join(', ')}`);
      return a;
    },
  };
}

/** Routers for the browser schemes. */
export function localStorageRouter(url: string): IOHandler | null {
  return typeof url === 'string' && url.startsWith('localstorage://')
    ? browserLocalStorage(url.slice('localstorage://'.length))
    : null;
}

export function indexedDBRouter(url: string): IOHandler | null {
  return typeof url === 'string' && url.startsWith('indexeddb://')
    ? browserIndexedDB(url.slice('indexeddb://'.length))
    : null;
}

export function downloadsRouter(url: string): IOHandler | null {
  return typeof url === 'string' && url.startsWith('downloads://')
    ? browserDownloads(url.slice('downloads://'.length) || 'model')
    : null;
}
