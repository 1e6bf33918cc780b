// model.json <-> ModelArtifacts, shared by the file, http and browser-files handlers: the JSON is
// validated (shape of every field the loader uses) and each weight group's shard bytes are
// checked against its specs before they are joined.
import type { ModelArtifacts, ModelJSON, WeightsManifestConfig, WeightsManifestEntry } from './types.js';
import { concatWeightData, specsByteLength } from './weights.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Parses and checks model.json (text or object); `where` names the file in errors. */
export function parseModelJSON(source: string | unknown, where: string): ModelJSON {
  let json: unknown = source;
  if (typeof source === 'string') {
    try {
      json = JSON.parse(source);
    } catch (e) {
      throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
    }
  }
  if (!isObject(json)) throw new Error(`${where}: model.json must hold an object`);
  if (!isObject(json.modelTopology)) {
    throw new Error(
      `${where}: 'modelTopology' is missing or not an object${'weightsManifest' in json ? ' (a weights-only manifest?)' : ''}`,
    );
  }
  if (json.format !== undefined && json.format !== null && json.format !== 'layers-model') {
    throw new Error(
      `${where}: format '${String(json.format)}' is not a layers model (a graph model needs tfjs-converter)`,
    );
  }
  if (json.weightsManifest !== undefined) checkManifest(json.weightsManifest, where);
  return json as unknown as ModelJSON;
}

/** Checks the manifest's structure and every spec. */
export function checkManifest(manifest: unknown, where: string): asserts manifest is WeightsManifestConfig {
  if (!Array.isArray(manifest)) throw new Error(`${where}: 'weightsManifest' must be a list of groups`);
  manifest.forEach((g, i) => {
    if (!isObject(g)) throw new Error(`${where}: weightsManifest[${i}] is not an object`);
    if (!Array.isArray(g.paths) || g.paths.some((p) => typeof p !== 'string' || p.length === 0)) {
      throw new Error(`${where}: weightsManifest[${i}].paths must be a list of file names`);
    }
    specsByteLength(g.weights, `${where}: weightsManifest[${i}]`);
  });
}

/** A shard path that stays inside the model's folder (no absolute paths, no '..', no URL). */
export function checkShardPath(path: string, where: string): void {
  if (
    /^[a-z][a-z0-9+.-]*:/i.test(path) ||
    path.startsWith('/') ||
    path.startsWith('\\') ||
    path.split(/[\\/]/).includes('..')
  ) {
    throw new Error(
      `${where}: weight path '${path}' leaves the model's folder; only relative paths inside it are read`,
    );
  }
}

/**
 * Artifacts from a parsed model.json, reading each group's shards with `readShards` (which may
 * check sizes first via `expectedBytes`). The bytes of each group must equal its specs'.
 */
export async function artifactsFromModelJSON(
  json: ModelJSON,
  readShards: (paths: string[], expectedBytes: number, group: number) => Promise<ArrayBuffer[]>,
  where: string,
): Promise<ModelArtifacts> {
  const a: ModelArtifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
  if (json.trainingConfig !== undefined) a.trainingConfig = json.trainingConfig;
  if (json.userDefinedMetadata !== undefined) a.userDefinedMetadata = json.userDefinedMetadata;
  if (json.modelInitializer !== undefined) a.modelInitializer = json.modelInitializer;
  if (json.weightsManifest === undefined) return a;
  const specs: WeightsManifestEntry[] = [];
  const parts: ArrayBuffer[] = [];
  for (let g = 0; g < json.weightsManifest.length; g++) {
    const group = json.weightsManifest[g];
    const expected = specsByteLength(group.weights, `${where}: weightsManifest[${g}]`);
    const shards = await readShards(group.paths, expected, g);
    const got = shards.reduce((n, b) => n + b.byteLength, 0);
    if (got !== expected) {
      throw new Error(
        `${where}: weight group ${g} (${group.paths.join(', ')}) has ${got} bytes but its ${group.weights.length} weights need ${expected}` +
          (got < expected ? ' (truncated shard?)' : ''),
      );
    }
    specs.push(...group.weights);
    parts.push(...shards);
  }
  a.weightSpecs = specs;
  a.weightData = concatWeightData(parts);
  return a;
}

/** The model.json object for artifacts whose weights are stored in `paths` (one group). */
export function modelJSONFor(a: ModelArtifacts, paths: string[]): ModelJSON {
  if (!isObject(a.modelTopology)) throw new Error('model.json: the artifacts have no JSON modelTopology');
  const json: ModelJSON = {
    modelTopology: a.modelTopology,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths, weights: a.weightSpecs ?? [] }],
  };
  if (a.trainingConfig !== undefined) json.trainingConfig = a.trainingConfig;
  if (a.userDefinedMetadata !== undefined) json.userDefinedMetadata = a.userDefinedMetadata;
  if (a.modelInitializer !== undefined) json.modelInitializer = a.modelInitializer;
  return json;
}

/** tfjs' shard names: group1-shard1of3.bin ... */
export function shardNames(n: number, group = 1): string[] {
  return Array.from({ length: n }, (_, i) => `group${group}-shard${i + 1}of${n}.bin`);
}
