// The URL-scheme registry: 'file://', 'http(s)://', 'indexeddb://', 'localstorage://',
// 'downloads://' each resolve to an IOHandler through one list of routers (tfjs' IORouterRegistry),
// plus the in-memory handlers io.fromMemory and io.withSaveHandler.
import type { IOHandler, LoadOptions, ModelArtifacts, SaveResult } from './types.js';
import { artifactsInfo } from './weights.js';
import { downloadsRouter, indexedDBRouter, localStorageRouter } from './browser.js';
import { fileRouter } from './file.js';
import { httpRouter } from './http.js';

/** Maps a URL to a handler, or null when the scheme is not its own. */
export type IORouter = (url: string, options?: LoadOptions) => IOHandler | null;

// The built-in schemes, in tfjs' order; registerSaveRouter/registerLoadRouter add more. They live
// here, not as registrations in io/index.ts, because a bundler honouring `sideEffects` drops a
// module that is imported only for its effects (model.save('indexeddb://...') then found no handler).
const saveRouters: IORouter[] = [fileRouter, httpRouter, localStorageRouter, indexedDBRouter, downloadsRouter];
const loadRouters: IORouter[] = [fileRouter, httpRouter, localStorageRouter, indexedDBRouter];

/** Adds a router for `model.save(url)`. */
export function registerSaveRouter(router: IORouter): void {
  saveRouters.push(router);
}

/** Adds a router for `loadLayersModel(url)`. */
export function registerLoadRouter(router: IORouter): void {
  loadRouters.push(router);
}

function handlersFor(routers: IORouter[], url: string, options?: LoadOptions): IOHandler[] {
  const out: IOHandler[] = [];
  for (const r of routers) {
    const h = r(url, options);
    if (h) out.push(h);
  }
  return out;
}

/**
 * The handlers whose save routers accept `url` (tfjs' io.getSaveHandlers): usually one, none for
 * an unknown scheme.
 * @example sg.io.getSaveHandlers('localstorage://my-model')  // [one localStorage handler]
 */
export function getSaveHandlers(url: string): IOHandler[] {
  return handlersFor(saveRouters, url);
}

/**
 * The handlers whose load routers accept `url` (tfjs' io.getLoadHandlers), made with `options`:
 * usually one, none for an unknown scheme.
 * @example sg.io.getLoadHandlers('indexeddb://my-model')  // [one IndexedDB handler]
 */
export function getLoadHandlers(url: string, options?: LoadOptions): IOHandler[] {
  return handlersFor(loadRouters, url, options);
}

/** The one handler for `url`; throws listing the known schemes when none or several match. */
export function resolveHandler(url: string, kind: 'save' | 'load', options?: LoadOptions): IOHandler {
  const hs = kind === 'save' ? getSaveHandlers(url) : getLoadHandlers(url, options);
  if (hs.length === 1) return hs[0];
  if (hs.length === 0) {
    throw new Error(
      `Cannot find a ${kind} handler for '${url}': use file://, http(s)://, indexeddb://, localstorage://` +
        `${kind === 'save' ? ', downloads://' : ''} or an IOHandler (io.fromMemory, io.withSaveHandler)`,
    );
  }
  throw new Error(`Found ${hs.length} ${kind} handlers for '${url}'; pass an IOHandler instead`);
}

/**
 * A handler that loads the given artifacts (tfjs' io.fromMemory).
 * @example const m = await sg.loadLayersModel(sg.io.fromMemory(artifacts));
 */
export function fromMemory(
  modelArtifacts: ModelArtifacts | Record<string, unknown>,
  weightSpecs?: ModelArtifacts['weightSpecs'],
  weightData?: ModelArtifacts['weightData'],
  trainingConfig?: ModelArtifacts['trainingConfig'],
): IOHandler {
  const a = modelArtifacts as ModelArtifacts;
  // tfjs' deprecated form: fromMemory(modelTopology, weightSpecs, weightData, trainingConfig).
  const artifacts: ModelArtifacts =
    'modelTopology' in a || 'weightSpecs' in a || 'weightData' in a
      ? a
      : { modelTopology: a as Record<string, unknown>, weightSpecs, weightData, trainingConfig };
  return { load: async () => artifacts };
}

/** A handler that loads the given artifacts, synchronously usable (tfjs' io.fromMemorySync). */
export const fromMemorySync = fromMemory;

/**
 * A handler whose save calls `saveHandler(artifacts)` (tfjs' io.withSaveHandler).
 * @example await model.save(sg.io.withSaveHandler(async (a) => { keep = a; return { modelArtifactsInfo: ... }; }));
 */
export function withSaveHandler(saveHandler: (artifacts: ModelArtifacts) => Promise<SaveResult>): IOHandler {
  return { save: saveHandler };
}

/** A save handler that keeps the artifacts in memory: `handler.artifacts` after save. */
export function memorySink(): IOHandler & { artifacts?: ModelArtifacts } {
  const h: IOHandler & { artifacts?: ModelArtifacts } = {
    save: async (a) => {
      h.artifacts = a;
      return { modelArtifactsInfo: artifactsInfo(a) };
    },
  };
  return h;
}
