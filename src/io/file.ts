// file:// in Node: a folder with model.json and 4 MB weight shards group1-shard1ofN.bin (the
// tfjs layout). Saving writes the shards, then model.json; loading checks every shard's size on
// disk against the manifest before reading it.
import { isNode, nodeFs, nodePath } from '../callbacks/node_io.js';
import type { IOHandler, ModelArtifacts, SaveResult } from './types.js';
import { artifactsFromModelJSON, checkShardPath, modelJSONFor, parseModelJSON, shardNames } from './model_json.js';
import { artifactsInfo, concatWeightData, splitShards } from './weights.js';

const SCHEME = 'file://';

/** model.json is read whole: refuse anything bigger than this before reading it. */
const MAX_JSON_BYTES = 256 * 1024 * 1024;

/**
 * A Node file-system handler. Save: `path` is a folder (created if needed) that receives
 * model.json and the shards, or a path ending in .json. Load: model.json's path or its folder.
 * @example await model.save(sg.io.fileSystem('/tmp/my-model'));
 */
export function fileSystem(path: string, opts: { shardBytes?: number } = {}): IOHandler {
  const shardBytes = opts.shardBytes ?? 4 * 1024 * 1024;
  if (!Number.isInteger(shardBytes) || shardBytes < 1)
    throw new Error(`io.fileSystem: shardBytes must be a positive integer but is ${shardBytes}`);
  return {
    async save(a: ModelArtifacts): Promise<SaveResult> {
      const fs = await nodeFs('file:// save');
      const p = await nodePath('file:// save');
      const jsonPath = path.endsWith('.json') ? path : p.join(path, 'model.json');
      const dir = p.dirname(jsonPath);
      await fs.promises.mkdir(dir, { recursive: true });
      const data = a.weightData === undefined ? new ArrayBuffer(0) : concatWeightData(a.weightData);
      const shards = splitShards(data, shardBytes);
      // A '<name>.json' path shares its folder with other saves (checkpoints): prefix its shards.
      const prefix = path.endsWith('.json') ? `${p.basename(jsonPath, '.json')}.` : '';
      const names = shardNames(shards.length).map((n) => prefix + n);
      for (let i = 0; i < shards.length; i++)
        await fs.promises.writeFile(p.join(dir, names[i]), new Uint8Array(shards[i]));
      await fs.promises.writeFile(jsonPath, JSON.stringify(modelJSONFor(a, names)));
      return { modelArtifactsInfo: artifactsInfo(a) };
    },
    async load(): Promise<ModelArtifacts> {
      const fs = await nodeFs('file:// load');
      const p = await nodePath('file:// load');
      let jsonPath = path;
      let st;
      try {
        st = await fs.promises.stat(jsonPath);
      } catch {
        throw new Error(`file:// load: '${path}' does not exist`);
      }
      if (st.isDirectory()) {
        jsonPath = p.join(path, 'model.json');
        try {
          st = await fs.promises.stat(jsonPath);
        } catch {
          throw new Error(`file:// load: the folder '${path}' has no model.json`);
        }
      }
      if (st.size > MAX_JSON_BYTES) throw new Error(`${jsonPath}: ${st.size} bytes is too big for a model.json`);
      const json = parseModelJSON(await fs.promises.readFile(jsonPath, 'utf8'), jsonPath);
      const dir = p.dirname(jsonPath);
      return artifactsFromModelJSON(
        json,
        async (paths, expected, g) => {
          // Sizes first: a manifest that claims more than the files hold fails before any read.
          // One open + fstat per shard, then one read of exactly that size (fewer trips to
          // the thread pool than stat + readFile's chunked reads).
          const files = paths.map((name) => {
            checkShardPath(name, jsonPath);
            return p.join(dir, name);
          });
          const handles: import('node:fs/promises').FileHandle[] = [];
          try {
            const sizes: number[] = [];
            for (const f of files) {
              try {
                handles.push(await fs.promises.open(f, 'r'));
              } catch {
                throw new Error(`${jsonPath}: weight file '${p.basename(f)}' of group ${g} is missing`);
              }
              sizes.push((await handles[handles.length - 1].stat()).size);
            }
            const total = sizes.reduce((a, b) => a + b, 0);
            if (total !== expected) {
              throw new Error(
                `${jsonPath}: weight group ${g} files (${paths.join(', ')}) hold ${total} bytes but the manifest needs ${expected}` +
                  (total < expected ? ' (truncated shard?)' : ''),
              );
            }
            const out: ArrayBuffer[] = [];
            for (let i = 0; i < files.length; i++) {
              const buf = new Uint8Array(sizes[i]);
              for (let off = 0; off < buf.length;) {
                const { bytesRead } = await handles[i].read(buf, off, buf.length - off, off);
                if (bytesRead === 0) throw new Error(`${jsonPath}: weight file '${paths[i]}' shrank while being read`);
                off += bytesRead;
              }
              out.push(buf.buffer);
            }
            return out;
          } finally {
            await Promise.all(handles.map((h) => h.close()));
          }
        },
        jsonPath,
      );
    },
  };
}

/**
 * The router for 'file://' URLs, and in Node for plain paths without a scheme (as Keras'
 * model.save('dir')), which the checkpoint callback passes.
 */
export function fileRouter(url: string): IOHandler | null {
  if (typeof url !== 'string') return null;
  if (url.startsWith(SCHEME)) return fileSystem(url.slice(SCHEME.length));
  if (isNode() && url.length > 0 && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return fileSystem(url);
  return null;
}
