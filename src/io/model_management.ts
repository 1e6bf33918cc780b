// tfjs' model management (io.listModels, copyModel, moveModel, removeModel) over the browser
// stores simdgrad shares with tfjs (src/io/browser.ts): localstorage:// (keys
// 'tensorflowjs_models/<path>/{info,model_topology,weight_specs,weight_data,model_metadata}') and
// indexeddb:// (database 'tensorflowjs', stores 'model_info_store' and 'models_store' keyed by
// modelPath). Models saved by tfjs and by simdgrad are listed, copied, moved and removed alike.
import type { ModelArtifactsInfo } from './types.js';
import { getLoadHandlers, getSaveHandlers } from './router.js';

const SUFFIX = '://';
const LS_PREFIX = 'tensorflowjs_models/';
const LS_INFO = '/info';
const LS_PARTS = ['info', 'model_topology', 'weight_specs', 'weight_data', 'model_metadata'];
const DB_NAME = 'tensorflowjs';
const DB_VERSION = 1;
const MODELS = 'models_store';
const INFO = 'model_info_store';

/** One storage medium's listing and removal (tfjs' ModelStoreManager). */
interface ModelStoreManager {
  listModels(): Promise<Record<string, ModelArtifactsInfo>>;
  removeModel(path: string): Promise<ModelArtifactsInfo>;
}

function localStorageOf(where: string): Storage {
  const s = (globalThis as { localStorage?: Storage }).localStorage;
  if (!s) throw new Error(`${where}: this environment has no localStorage`);
  return s;
}

const localStorageManager: ModelStoreManager = {
  async listModels() {
    const ls = localStorageOf('io.listModels');
    const out: Record<string, ModelArtifactsInfo> = {};
    for (let i = 0; i < ls.length; i++) {
      const key = ls.key(i);
      if (key === null || !key.startsWith(LS_PREFIX) || !key.endsWith(LS_INFO)) continue;
      const path = key.slice(LS_PREFIX.length, key.length - LS_INFO.length);
      try {
        out[path] = JSON.parse(ls.getItem(key) ?? 'null') as ModelArtifactsInfo;
      } catch (e) {
        throw new Error(`io.listModels: localstorage://${path} has an info entry that is not JSON (${(e as Error).message})`);
      }
    }
    return out;
  },
  async removeModel(path: string) {
    const where = `io.removeModel('localstorage://${path}')`;
    const ls = localStorageOf(where);
    const root = `${LS_PREFIX}${path}/`;
    const text = ls.getItem(root + 'info');
    if (text === null) throw new Error(`${where}: cannot find model at path '${path}'`);
    for (const part of LS_PARTS) ls.removeItem(root + part);
    return JSON.parse(text) as ModelArtifactsInfo;
  },
};

function openDB(where: string): Promise<IDBDatabase> {
  const f = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!f) return Promise.reject(new Error(`${where}: this environment has no IndexedDB`));
  return new Promise((resolve, reject) => {
    const req = f.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(MODELS)) db.createObjectStore(MODELS, { keyPath: 'modelPath' });
      if (!db.objectStoreNames.contains(INFO)) db.createObjectStore(INFO, { keyPath: 'modelPath' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`${where}: cannot open IndexedDB '${DB_NAME}': ${String(req.error)}`));
  });
}

function request<T>(req: IDBRequest, where: string): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(new Error(`${where}: ${String(req.error)}`));
  });
}

const indexedDBManager: ModelStoreManager = {
  async listModels() {
    const where = 'io.listModels';
    const db = await openDB(where);
    try {
      const tx = db.transaction(INFO, 'readonly');
      const all = await request<{ modelPath: string; modelArtifactsInfo: ModelArtifactsInfo }[]>(
        tx.objectStore(INFO).getAll(),
        where,
      );
      const out: Record<string, ModelArtifactsInfo> = {};
      for (const r of all) out[r.modelPath] = r.modelArtifactsInfo;
      return out;
    } finally {
      db.close();
    }
  },
  async removeModel(path: string) {
    const where = `io.removeModel('indexeddb://${path}')`;
    const db = await openDB(where);
    try {
      const tx = db.transaction([INFO, MODELS], 'readwrite');
      const rec = await request<{ modelArtifactsInfo: ModelArtifactsInfo } | undefined>(
        tx.objectStore(INFO).get(path),
        where,
      );
      if (rec === undefined) throw new Error(`${where}: cannot find model with path '${path}' in IndexedDB`);
      await request(tx.objectStore(INFO).delete(path), where);
      await request(tx.objectStore(MODELS).delete(path), where);
      return rec.modelArtifactsInfo;
    } finally {
      db.close();
    }
  },
};

const MANAGERS: Record<string, ModelStoreManager> = {
  indexeddb: indexedDBManager,
  localstorage: localStorageManager,
};

/** The schemes whose managers can run here (a browser has both; Node has neither). */
function availableSchemes(): string[] {
  const g = globalThis as { indexedDB?: unknown; localStorage?: unknown };
  const out: string[] = [];
  if (g.indexedDB) out.push('indexeddb');
  if (g.localStorage) out.push('localstorage');
  return out;
}

function parseURL(url: string, where: string): { scheme: string; path: string } {
  if (typeof url !== 'string' || !url.includes(SUFFIX)) {
    throw new Error(
      `${where}: the URL '${String(url)}' has no scheme; supported schemes are: ${Object.keys(MANAGERS).join(', ')}`,
    );
  }
  const i = url.indexOf(SUFFIX);
  return { scheme: url.slice(0, i), path: url.slice(i + SUFFIX.length) };
}

function managerFor(scheme: string, where: string): ModelStoreManager {
  const m = MANAGERS[scheme];
  if (!m) throw new Error(`${where}: cannot find a model manager for scheme '${scheme}' (indexeddb or localstorage)`);
  return m;
}

/**
 * Every model stored in the browser's IndexedDB and localStorage, keyed by URL
 * ('indexeddb://my-model', 'localstorage://my-model'), with its ModelArtifactsInfo (tfjs'
 * io.listModels; models saved by tfjs are listed too). In Node, where neither exists, `{}`.
 * @example console.log(Object.keys(await sg.io.listModels()));
 */
export async function listModels(): Promise<Record<string, ModelArtifactsInfo>> {
  const out: Record<string, ModelArtifactsInfo> = {};
  for (const scheme of availableSchemes()) {
    const listed = await MANAGERS[scheme].listModels();
    for (const path of Object.keys(listed)) out[scheme + SUFFIX + path] = listed[path];
  }
  return out;
}

/**
 * Removes the model stored at `url` ('indexeddb://...' or 'localstorage://...') and returns its
 * ModelArtifactsInfo (tfjs' io.removeModel). Throws when no model is stored there.
 * @example await sg.io.removeModel('localstorage://my-model');
 */
export async function removeModel(url: string): Promise<ModelArtifactsInfo> {
  const where = `io.removeModel('${String(url)}')`;
  const { scheme, path } = parseURL(url, where);
  return managerFor(scheme, where).removeModel(path);
}

async function cloneModel(sourceURL: string, destURL: string, deleteSource: boolean): Promise<ModelArtifactsInfo> {
  const where = `io.${deleteSource ? 'moveModel' : 'copyModel'}('${String(sourceURL)}', '${String(destURL)}')`;
  if (sourceURL === destURL) throw new Error(`${where}: old path and new path are the same: '${sourceURL}'`);
  const src = parseURL(sourceURL, where);
  parseURL(destURL, where);
  const loads = getLoadHandlers(sourceURL);
  if (loads.length !== 1)
    throw new Error(`${where}: copying failed because ${loads.length} load handlers match the source URL`);
  const saves = getSaveHandlers(destURL);
  if (saves.length !== 1)
    throw new Error(`${where}: copying failed because ${saves.length} save handlers match the destination URL`);
  const manager = deleteSource ? managerFor(src.scheme, where) : undefined;
  const artifacts = await loads[0].load!();
  // The source is removed only after the copy is saved, so a failed save loses nothing (tfjs
  // removes it first when both are in the same medium, to make room; we keep the safer order).
  const result = await saves[0].save!(artifacts);
  if (manager) await manager.removeModel(src.path);
  return result.modelArtifactsInfo;
}

/**
 * Copies the model stored at `sourceURL` to `destURL`, within one medium or between localStorage
 * and IndexedDB (tfjs' io.copyModel). Returns the copy's ModelArtifactsInfo.
 * @example await sg.io.copyModel('localstorage://my-model', 'indexeddb://my-model');
 */
export function copyModel(sourceURL: string, destURL: string): Promise<ModelArtifactsInfo> {
  return cloneModel(sourceURL, destURL, false);
}

/**
 * Moves the model stored at `sourceURL` to `destURL` (copy, then remove the source; tfjs'
 * io.moveModel). Returns the moved model's ModelArtifactsInfo.
 * @example await sg.io.moveModel('localstorage://my-model', 'indexeddb://archive/my-model');
 */
export function moveModel(sourceURL: string, destURL: string): Promise<ModelArtifactsInfo> {
  return cloneModel(sourceURL, destURL, true);
}
