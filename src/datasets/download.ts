// Downloading dataset files into a cache: the response body is streamed to a temporary file next
// to the destination while its SHA-256 is computed, the caller's check runs on the finished
// temporary file, and only then is it renamed into place (a failed or interrupted download never
// leaves a file that looks complete). http(s) goes through fetch (injectable for tests and
// proxies); file:// URLs are read with fs. Node only.
import { isNode, nodeCrypto, nodeFs, nodePath, nodeUrl } from '../callbacks/node_io.js';

/** A fetch-compatible function: only `ok`, `status`, `statusText` and `body` are used. */
export type FetchLike = (
  url: string,
) => Promise<{ ok: boolean; status: number; statusText?: string; body: ReadableStream<Uint8Array> | null }>;

export interface DownloadOptions {
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /** Runs on the complete temporary file before it is renamed into place; throw to reject it. */
  check?: (tmpPath: string, sha256: string) => void | Promise<void>;
}

/** SHA-256 of bytes, as lowercase hex (Node crypto, or WebCrypto in a browser). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  if (isNode()) {
    const crypto = await nodeCrypto('sha256Hex');
    return crypto.createHash('sha256').update(bytes).digest('hex');
  }
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (!subtle) throw new Error('sha256Hex: no WebCrypto (crypto.subtle) in this environment');
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function* chunksOf(url: string, fetchFn: FetchLike | undefined): AsyncGenerator<Uint8Array> {
  if (url.startsWith('file:')) {
    const fs = await nodeFs('downloadFile');
    const { fileURLToPath } = await nodeUrl('downloadFile');
    const path = fileURLToPath(url);
    let stream;
    try {
      await fs.promises.access(path);
      stream = fs.createReadStream(path);
    } catch (e) {
      throw new Error(`downloadFile: cannot read ${url}: ${(e as Error).message}`);
    }
    for await (const chunk of stream) yield chunk as Uint8Array;
    return;
  }
  const f = fetchFn ?? (globalThis as { fetch?: FetchLike }).fetch;
  if (typeof f !== 'function') throw new Error(`downloadFile: no fetch in this environment; pass options.fetch`);
  let res;
  try {
    res = await f(url);
  } catch (e) {
    throw new Error(`downloadFile: request for ${url} failed: ${(e as Error).message}`);
  }
  if (!res.ok)
    throw new Error(`downloadFile: ${url} answered HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
  if (!res.body) throw new Error(`downloadFile: ${url} returned no body`);
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value) yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Downloads `url` to `dest`, streaming to a temporary file while hashing, then renaming it into
 * place after `options.check` accepts it. Resolves to the file's SHA-256 (hex).
 * @example
 * await sg.datasets.downloadFile('https://example.org/data.gz', '/tmp/data.gz', {
 *   check: (_tmp, sha) => { if (sha !== expected) throw new Error('checksum mismatch'); },
 * });
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<string> {
  const fs = await nodeFs('downloadFile');
  const path = await nodePath('downloadFile');
  const crypto = await nodeCrypto('downloadFile');
  await fs.promises.mkdir(path.dirname(path.resolve(dest)), { recursive: true });
  const tmp = `${dest}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
  const hash = crypto.createHash('sha256');
  const handle = await fs.promises.open(tmp, 'w');
  let ok = false;
  try {
    try {
      for await (const chunk of chunksOf(url, options.fetch)) {
        hash.update(chunk);
        await handle.write(chunk);
      }
    } finally {
      await handle.close();
    }
    const sha = hash.digest('hex');
    if (options.check) await options.check(tmp, sha);
    await fs.promises.rename(tmp, dest);
    ok = true;
    return sha;
  } finally {
    if (!ok) await fs.promises.rm(tmp, { force: true });
  }
}
