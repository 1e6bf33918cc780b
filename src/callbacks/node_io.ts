// Node built-ins loaded on demand, so that a browser bundle of simdgrad never needs them: the
// specifiers go through a variable (bundlers leave such imports alone) and each loader throws a
// clear error naming the caller when it runs outside Node. Also a portable base64 codec.
type Fs = typeof import('node:fs');
type Path = typeof import('node:path');
type Os = typeof import('node:os');
type Zlib = typeof import('node:zlib');
type Crypto = typeof import('node:crypto');
type Module = typeof import('node:module');
type Url = typeof import('node:url');

/** True in Node (and Node-compatible runtimes), where the node: built-ins exist. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

const cache = new Map<string, unknown>();

async function load<T>(name: string, caller: string): Promise<T> {
  if (!isNode()) {
    throw new Error(`${caller}: needs Node's '${name}' module, which this environment (a browser?) does not have`);
  }
  let m = cache.get(name);
  if (m === undefined) {
    const specifier = `node:${name}`;
    const mod = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as { default?: unknown };
    m = mod.default ?? mod;
    cache.set(name, m);
  }
  return m as T;
}

export const nodeFs = (caller: string) => load<Fs>('fs', caller);
export const nodePath = (caller: string) => load<Path>('path', caller);
export const nodeOs = (caller: string) => load<Os>('os', caller);
export const nodeZlib = (caller: string) => load<Zlib>('zlib', caller);
export const nodeCrypto = (caller: string) => load<Crypto>('crypto', caller);
export const nodeModule = (caller: string) => load<Module>('module', caller);
export const nodeUrl = (caller: string) => load<Url>('url', caller);

/** Writes `data` to `path` through a temporary file and a rename, creating missing directories. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, caller: string): Promise<void> {
  const fs = await nodeFs(caller);
  const p = await nodePath(caller);
  await fs.promises.mkdir(p.dirname(p.resolve(path)), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, path);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw new Error(`${caller}: cannot write '${path}': ${(e as Error).message}`);
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Standard base64 (with padding) of `bytes`; no Buffer or btoa needed. */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, bytes.length);
    let s = '';
    let i = start;
    for (; i + 2 < end; i += 3) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
    }
    if (end - i === 1) {
      const n = bytes[i] << 16;
      s += B64[n >> 18] + B64[(n >> 12) & 63] + '==';
    } else if (end - i === 2) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
      s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + '=';
    }
    parts.push(s);
  }
  return parts.join('');
}

/** Decodes standard base64 (padding optional, whitespace ignored); throws on other characters. */
export function base64ToBytes(text: string, caller: string): Uint8Array {
  const s = text.replace(/[\s=]+/g, '');
  if (s.length % 4 === 1) throw new Error(`${caller}: invalid base64 (length ${s.length})`);
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let n = 0;
    const k = Math.min(4, s.length - i);
    for (let j = 0; j < 4; j++) {
      const c = j < k ? s.charCodeAt(i + j) : 65; // 'A' = 0 as filler
      const v = c < 128 ? B64_INDEX[c] : -1;
      if (v < 0) throw new Error(`${caller}: invalid base64 character '${s[i + j]}' at ${i + j}`);
      n = (n << 6) | v;
    }
    out[o++] = (n >> 16) & 255;
    if (k > 2) out[o++] = (n >> 8) & 255;
    if (k > 3) out[o++] = n & 255;
  }
  return out;
}
