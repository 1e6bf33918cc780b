// The rest of tfjs-core's tf.io helpers, with tfjs' signatures and semantics, so that tfjs code
// using them ports by changing the import: weight loading from a manifest (loadWeights,
// weightsLoaderFactory), weight bytes (concatenateArrayBuffers, CompositeArrayBuffer,
// decodeWeightsStream), model.json -> artifacts (getModelArtifactsForJSON[Sync], getWeightSpecs),
// isHTTPScheme and withSaveHandlerSync. Every size is checked against the specs before decoding
// (src/io/weights.ts), so a short or long buffer fails naming the weight instead of reading garbage.
import { tensor } from '../ops/creation.js';
import type { NamedTensorMap } from '../ops/types.js';
import { dispose } from '../ops/scope.js';
import type {
  ModelArtifacts,
  ModelJSON,
  SaveResult,
  WeightData,
  WeightsManifestConfig,
  WeightsManifestEntry,
} from './types.js';
import { checkManifest } from './model_json.js';
import { checkSpec, concatWeightData, decodeWeights } from './weights.js';

/** Bytes the helpers accept: an ArrayBuffer or any typed array / DataView (its own bytes). */
export type Bufferish = ArrayBuffer | ArrayBufferView;

function toArrayBuffer(b: Bufferish, where: string): ArrayBuffer {
  if (b instanceof ArrayBuffer) return b;
  if (ArrayBuffer.isView(b)) {
    const u = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return u.slice().buffer;
  }
  throw new Error(`${where}: expected an ArrayBuffer or a typed array but got ${Object.prototype.toString.call(b)}`);
}

/**
 * Concatenates ArrayBuffers (or typed arrays) into one new ArrayBuffer (tfjs' deprecated
 * io.concatenateArrayBuffers; tfjs now recommends CompositeArrayBuffer.join).
 * @example sg.io.concatenateArrayBuffers([new Uint8Array([1]).buffer, new Uint8Array([2, 3]).buffer]).byteLength; // 3
 */
export function concatenateArrayBuffers(buffers: ArrayBuffer[] | ArrayBuffer): ArrayBuffer {
  return CompositeArrayBuffer.join(buffers);
}

/**
 * A read-only view of several ArrayBuffers as one (tfjs' io.CompositeArrayBuffer): `slice(start,
 * end)` copies a byte range that may span buffers, without joining them first. Built from an
 * ArrayBuffer, a typed array, or a list of either.
 * @example
 * const c = new sg.io.CompositeArrayBuffer([new Uint8Array([1, 2]), new Uint8Array([3, 4])]);
 * new Uint8Array(c.slice(1, 3)); // [2, 3]
 */
export class CompositeArrayBuffer {
  private readonly shards: { start: number; end: number; buffer: ArrayBuffer }[] = [];
  private previousShardIndex = 0;
  /** The total length in bytes. */
  readonly byteLength: number;

  /**
   * Joins `buffers` into one ArrayBuffer (a single buffer is returned as is, tfjs' behaviour).
   * @example sg.io.CompositeArrayBuffer.join([a, b]);
   */
  static join(buffers?: ArrayBuffer[] | ArrayBuffer): ArrayBuffer {
    return new CompositeArrayBuffer(buffers).slice();
  }

  /** @param buffers One buffer or typed array, or a list of them (default none: 0 bytes). */
  constructor(buffers?: Bufferish | Bufferish[]) {
    if (buffers === undefined || buffers === null) {
      this.byteLength = 0;
      return;
    }
    const list = Array.isArray(buffers) ? buffers : [buffers];
    let start = 0;
    for (let i = 0; i < list.length; i++) {
      const buffer = toArrayBuffer(list[i], `io.CompositeArrayBuffer: buffer ${i}`);
      const end = start + buffer.byteLength;
      this.shards.push({ start, end, buffer });
      start = end;
    }
    this.byteLength = start;
  }

  /**
   * Copies bytes [start, end) into a new ArrayBuffer (negative or out-of-range bounds are clamped
   * as ArrayBuffer.prototype.slice does).
   */
  slice(start = 0, end = this.byteLength): ArrayBuffer {
    if (this.shards.length === 0) return new ArrayBuffer(0);
    // A single whole buffer is returned unchanged, as tfjs does for join([buffer]).
    start = Number.isNaN(Number(start)) ? 0 : Number(start);
    end = Number.isNaN(Number(end)) ? 0 : Number(end);
    start = Math.max(0, start);
    end = Math.min(this.byteLength, end);
    if (end <= start) return new ArrayBuffer(0);
    const first = this.findShard(start);
    if (first === -1) throw new Error(`io.CompositeArrayBuffer.slice: no shard holds byte ${start}`);
    const out = new Uint8Array(end - start);
    let written = 0;
    for (let i = first; i < this.shards.length && written < out.length; i++) {
      const s = this.shards[i];
      const from = Math.max(start, s.start) - s.start;
      const to = Math.min(end, s.end) - s.start;
      out.set(new Uint8Array(s.buffer, from, to - from), written);
      written += to - from;
    }
    return out.buffer;
  }

  private findShard(byteIndex: number): number {
    if (this.shards.length === 0 || byteIndex < 0 || byteIndex >= this.byteLength) return -1;
    const prev = this.shards[this.previousShardIndex];
    if (prev && byteIndex >= prev.start && byteIndex < prev.end) return this.previousShardIndex;
    let lo = 0;
    let hi = this.shards.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.shards[mid];
      if (byteIndex < s.start) hi = mid - 1;
      else if (byteIndex >= s.end) lo = mid + 1;
      else {
        this.previousShardIndex = mid;
        return mid;
      }
    }
    return -1;
  }
}

/** Decoded host weights -> tensors; on a failure nothing is left allocated. */
function toTensors(data: WeightData, specs: WeightsManifestEntry[], where: string): NamedTensorMap {
  const decoded = decodeWeights(data, specs, where);
  const out: NamedTensorMap = {};
  try {
    for (const d of decoded) out[d.name] = tensor(d.values, d.shape, d.dtype);
  } catch (e) {
    dispose(Object.values(out));
    throw e;
  }
  return out;
}

/**
 * Reads a stream of weight bytes (e.g. a fetch Response's body) and decodes it by `specs` into
 * tensors, keyed by weight name (tfjs' io.decodeWeightsStream). The bytes must be exactly what the
 * specs describe.
 * @example const weights = await sg.io.decodeWeightsStream(response.body, specs);
 */
export async function decodeWeightsStream(
  weightStream: ReadableStream<ArrayBuffer | Uint8Array>,
  specs: WeightsManifestEntry[],
): Promise<NamedTensorMap> {
  const where = 'io.decodeWeightsStream';
  if (!weightStream || typeof (weightStream as ReadableStream).getReader !== 'function')
    throw new Error(`${where}: weightStream must be a ReadableStream but got ${typeof weightStream}`);
  let need = 0;
  if (!Array.isArray(specs)) throw new Error(`${where}: specs must be a list of weight specs`);
  specs.forEach((s, i) => (need += checkSpec(s, where, i).bytes));
  const reader = weightStream.getReader();
  const parts: ArrayBuffer[] = [];
  let have = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const b = toArrayBuffer(value as Bufferish, `${where}: a chunk`);
    have += b.byteLength;
    if (have > need) {
      await reader.cancel();
      throw new Error(`${where}: the stream holds more than the ${need} bytes the specs describe`);
    }
    parts.push(b);
  }
  return toTensors(parts, specs, where);
}

/**
 * The weight specs of a weights manifest, flattened in order (tfjs' io.getWeightSpecs).
 * @example sg.io.getWeightSpecs(modelJSON.weightsManifest).map((s) => s.name);
 */
export function getWeightSpecs(weightsManifest: WeightsManifestConfig): WeightsManifestEntry[] {
  checkManifest(weightsManifest, 'io.getWeightSpecs');
  const out: WeightsManifestEntry[] = [];
  for (const g of weightsManifest) out.push(...g.weights);
  return out;
}

/** Checks what the artifacts need of model.json (any format: layers or graph model). */
function checkModelJSON(json: unknown, where: string): ModelJSON {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new Error(`${where}: modelJSON must be an object but got ${json === null ? 'null' : typeof json}`);
  const j = json as Record<string, unknown>;
  if (j.weightsManifest != null) checkManifest(j.weightsManifest, where);
  return json as ModelJSON;
}

function baseArtifacts(json: ModelJSON): ModelArtifacts {
  const a: ModelArtifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
  const j = json as ModelJSON & { initializerSignature?: Record<string, unknown> };
  if (json.trainingConfig != null) a.trainingConfig = json.trainingConfig;
  if (json.signature != null) a.signature = json.signature;
  if (json.userDefinedMetadata != null) a.userDefinedMetadata = json.userDefinedMetadata;
  if (json.modelInitializer != null) a.modelInitializer = json.modelInitializer;
  if (j.initializerSignature != null) a.initializerSignature = j.initializerSignature;
  return a;
}

/**
 * Model artifacts from a parsed model.json and the already-loaded weights (tfjs'
 * io.getModelArtifactsForJSONSync).
 * @example const a = sg.io.getModelArtifactsForJSONSync(modelJSON, specs, bytes);
 */
export function getModelArtifactsForJSONSync(
  modelJSON: ModelJSON,
  weightSpecs?: WeightsManifestEntry[],
  weightData?: WeightData,
): ModelArtifacts {
  const json = checkModelJSON(modelJSON, 'io.getModelArtifactsForJSONSync');
  const a = baseArtifacts(json);
  // As tfjs: the weights belong to the artifacts only when model.json has a manifest.
  if (json.weightsManifest != null) {
    const where = 'io.getModelArtifactsForJSONSync';
    if (!weightSpecs) throw new Error(`${where}: modelJSON has a weightsManifest but weightSpecs is missing`);
    if (!weightData) throw new Error(`${where}: modelJSON has a weightsManifest but weightData is missing`);
    a.weightSpecs = weightSpecs;
    a.weightData = weightData;
  }
  return a;
}

/**
 * Model artifacts from a parsed model.json, loading the weights of its manifest with
 * `loadWeights` (tfjs' io.getModelArtifactsForJSON). Without a manifest no weights are loaded.
 * @example
 * const a = await sg.io.getModelArtifactsForJSON(modelJSON, async (manifest) =>
 *   [sg.io.getWeightSpecs(manifest), await readShards(manifest)]);
 */
export async function getModelArtifactsForJSON(
  modelJSON: ModelJSON,
  loadWeights: (weightsManifest: WeightsManifestConfig) => Promise<[WeightsManifestEntry[], WeightData]>,
): Promise<ModelArtifacts> {
  const json = checkModelJSON(modelJSON, 'io.getModelArtifactsForJSON');
  let weightSpecs: WeightsManifestEntry[] | undefined;
  let weightData: WeightData | undefined;
  if (json.weightsManifest != null) [weightSpecs, weightData] = await loadWeights(json.weightsManifest);
  return getModelArtifactsForJSONSync(json, weightSpecs, weightData);
}

/**
 * True when `url` is an http:// or https:// URL (tfjs' io.isHTTPScheme). Arrays are checked
 * element by element (every element must be).
 * @example sg.io.isHTTPScheme('https://example.com/model.json'); // true
 */
export function isHTTPScheme(url: string | string[]): boolean {
  const re = /^https?:\/\//;
  if (Array.isArray(url)) return url.every((u) => typeof u === 'string' && re.test(u));
  return typeof url === 'string' && re.test(url);
}

/** A synchronous save handler (tfjs' io.IOHandlerSync). */
export interface IOHandlerSync {
  /** Stores the artifacts and returns what was saved, without a promise. */
  save?(modelArtifacts: ModelArtifacts): SaveResult;
  /** Returns the stored artifacts, without a promise. */
  load?(): ModelArtifacts;
}

/**
 * A handler whose save calls `saveHandler(artifacts)` and returns its result synchronously
 * (tfjs' io.withSaveHandlerSync).
 * @example const h = sg.io.withSaveHandlerSync((a) => ({ modelArtifactsInfo: sg.io.getModelArtifactsInfoForJSON(a) }));
 */
export function withSaveHandlerSync(saveHandler: (artifacts: ModelArtifacts) => SaveResult): IOHandlerSync {
  if (typeof saveHandler !== 'function')
    throw new Error(`io.withSaveHandlerSync: saveHandler must be a function but got ${typeof saveHandler}`);
  return { save: saveHandler };
}

/** Loads the weights of a manifest: see weightsLoaderFactory. */
export type WeightsLoader = (
  manifest: WeightsManifestConfig,
  filePathPrefix?: string,
  weightNames?: string[],
) => Promise<NamedTensorMap>;

/**
 * A weights loader that fetches the shards of a manifest with `fetchWeightsFunction` (given the
 * full paths of the groups it needs, returns their bytes in order) and decodes the weights named
 * in `weightNames` (default all) into tensors (tfjs' io.weightsLoaderFactory). Only the groups
 * holding a requested weight are fetched; an unknown name is an error.
 * @example const load = sg.io.weightsLoaderFactory(async (paths) => Promise.all(paths.map(readFileAsArrayBuffer)));
 */
export function weightsLoaderFactory(
  fetchWeightsFunction: (fetchUrls: string[]) => Promise<ArrayBuffer[]>,
): WeightsLoader {
  if (typeof fetchWeightsFunction !== 'function')
    throw new Error(`io.weightsLoaderFactory: fetchWeightsFunction must be a function but got ${typeof fetchWeightsFunction}`);
  return async (manifest, filePathPrefix = '', weightNames) => {
    const where = 'io.loadWeights';
    checkManifest(manifest, where);
    const wanted = weightNames === undefined ? undefined : new Set(weightNames);
    const found = new Set<string>();
    const groups: number[] = [];
    manifest.forEach((g, i) => {
      const hit = g.weights.some((w) => wanted === undefined || wanted.has(w.name));
      for (const w of g.weights) if (wanted?.has(w.name)) found.add(w.name);
      if (hit) groups.push(i);
    });
    if (wanted) {
      const missing = [...wanted].filter((n) => !found.has(n));
      if (missing.length > 0)
        throw new Error(`${where}: could not find weights in the manifest with names: ${missing.join(', ')}`);
    }
    const prefix = filePathPrefix !== '' && !filePathPrefix.endsWith('/') ? filePathPrefix + '/' : filePathPrefix;
    const urls: string[] = [];
    for (const i of groups) for (const p of manifest[i].paths) urls.push(prefix + p);
    const buffers = await fetchWeightsFunction(urls);
    if (!Array.isArray(buffers) || buffers.length !== urls.length)
      throw new Error(`${where}: fetchWeightsFunction returned ${Array.isArray(buffers) ? buffers.length : typeof buffers} buffers for ${urls.length} paths`);
    const out: NamedTensorMap = {};
    let k = 0;
    try {
      for (const i of groups) {
        const g = manifest[i];
        const data = buffers.slice(k, k + g.paths.length).map((b, j) => toArrayBuffer(b, `${where}: ${urls[k + j]}`));
        k += g.paths.length;
        const all = toTensors(concatWeightData(data), g.weights, `${where}: group ${i} (${g.paths.join(', ')})`);
        for (const [name, t] of Object.entries(all)) {
          if (wanted === undefined || wanted.has(name)) out[name] = t;
          else t.dispose();
        }
      }
    } catch (e) {
      dispose(Object.values(out));
      throw e;
    }
    return out;
  };
}

/**
 * Fetches the shards of a weights manifest from `filePathPrefix` over fetch (with `requestInit`)
 * and decodes the weights named in `weightNames` (default all) into tensors (tfjs' io.loadWeights).
 * @example const w = await sg.io.loadWeights(modelJSON.weightsManifest, 'https://example.com/model/');
 */
export async function loadWeights(
  manifest: WeightsManifestConfig,
  filePathPrefix = '',
  weightNames?: string[],
  requestInit?: RequestInit,
): Promise<NamedTensorMap> {
  const fetchWeights = async (urls: string[]): Promise<ArrayBuffer[]> => {
    const f = globalThis.fetch as typeof fetch | undefined;
    if (typeof f !== 'function') throw new Error('io.loadWeights: no fetch() in this environment');
    return Promise.all(
      urls.map(async (u) => {
        const r = await f(u, requestInit);
        if (!r.ok) throw new Error(`io.loadWeights: weight file '${u}': HTTP ${r.status}`);
        return r.arrayBuffer();
      }),
    );
  };
  return weightsLoaderFactory(fetchWeights)(manifest, filePathPrefix, weightNames);
}
