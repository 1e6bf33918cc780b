// Downloading dataset files into a cache: the response body is streamed to a temporary file next
// to the destination while its SHA-256 is computed, the caller's check runs on the finished
// temporary file, and only then is it renamed into place (a failed or interrupted download never
// leaves a file that looks complete). http(s) goes through fetch (injectable for tests and
// proxies); file:// URLs are read with fs. Node only. Every download is bounded: a timeout while
// waiting for the response and for each next piece of the body, and a byte cap checked against
// the Content-Length before reading and against the bytes as they arrive.
import { isNode, nodeCrypto, nodeFs, nodePath, nodeUrl } from '../callbacks/node_io.js';
import { checkOptions, show } from '../utils/options.js';

/** A fetch-compatible function: only `ok`, `status`, `statusText`, `headers` and `body` are used. */
export type FetchLike = (
  url: string,
  init?: { signal?: AbortSignal },
) => Promise<{
  ok: boolean;
  status: number;
  statusText?: string;
  headers?: { get(name: string): string | null };
  body: ReadableStream<Uint8Array> | null;
}>;

/** Options of `downloadFile`: the fetch function, a check of the finished file, time and size limits. */
export interface DownloadOptions {
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /** Runs on the complete temporary file before it is renamed into place; throw to reject it. */
  check?: (tmpPath: string, sha256: string) => void | Promise<void>;
  /**
   * Milliseconds to wait for the response, and then for each next piece of the body, before
   * giving up (default 30,000): a server that never answers or stalls fails instead of hanging.
   */
  timeoutMs?: number;
  /**
   * The most bytes to download (default 1 GiB): a larger Content-Length is refused before the body
   * is read, and a body that goes past it (a server streaming forever) is cut there.
   */
  maxBytes?: number;
  /** Called as bytes arrive with the bytes so far and the Content-Length (undefined when not sent). */
  onProgress?: (received: number, total: number | undefined) => void;
}

/** The default `timeoutMs` and `maxBytes` of downloadFile. */
export const DOWNLOAD_DEFAULTS = { timeoutMs: 30_000, maxBytes: 2 ** 30 } as const;

const OPTION_KEYS = ['fetch', 'check', 'timeoutMs', 'maxBytes', 'onProgress'];

const n = (v: number) => v.toLocaleString('en-US');

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

/**
 * Races `p` against a timer of `ms`; on timeout runs `onTimeout` (which aborts the request) and
 * rejects with `message`.
 */
async function within<T>(p: Promise<T>, ms: number, onTimeout: () => void, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Rejected before aborting, so the race settles with this message, not the abort's.
      reject(new Error(message));
      onTimeout();
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function* chunksOf(
  url: string,
  o: { fetch?: FetchLike; timeoutMs: number; maxBytes: number; onProgress?: DownloadOptions['onProgress'] },
  fn = 'downloadFile',
): AsyncGenerator<Uint8Array> {
  let received = 0;
  let total: number | undefined;
  /** Counts a chunk against the caps and reports progress. */
  const take = (chunk: Uint8Array) => {
    received += chunk.length;
    if (received > o.maxBytes) {
      throw new Error(`${fn}: ${url} sent more than ${n(o.maxBytes)} bytes (maxBytes); stopped there`);
    }
    if (total !== undefined && received > total) {
      throw new Error(`${fn}: ${url} sent more than the ${n(total)} bytes its Content-Length states`);
    }
    o.onProgress?.(received, total);
  };
  if (url.startsWith('file:')) {
    const fs = await nodeFs(fn);
    const { fileURLToPath } = await nodeUrl(fn);
    const path = fileURLToPath(url);
    let stream;
    try {
      const st = await fs.promises.stat(path);
      total = st.size;
      if (st.size > o.maxBytes)
        throw new Error(`the file has ${n(st.size)} bytes, more than maxBytes (${n(o.maxBytes)})`);
      stream = fs.createReadStream(path);
    } catch (e) {
      throw new Error(`${fn}: cannot read ${url}: ${(e as Error).message}`);
    }
    try {
      for await (const chunk of stream) {
        take(chunk as Uint8Array);
        yield chunk as Uint8Array;
      }
    } finally {
      stream.destroy();
    }
    return;
  }
  const f = o.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
  if (typeof f !== 'function') throw new Error(`${fn}: no fetch in this environment; pass options.fetch`);
  const controller = typeof AbortController === 'function' ? new AbortController() : undefined;
  const abort = () => controller?.abort();
  let res;
  try {
    res = await within(
      f(url, controller ? { signal: controller.signal } : undefined),
      o.timeoutMs,
      abort,
      `${fn}: ${url}: no response within ${n(o.timeoutMs)} ms (timeoutMs)`,
    );
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(fn) ? msg : `${fn}: request for ${url} failed: ${msg}`);
  }
  if (!res.ok) {
    abort();
    throw new Error(`${fn}: ${url} answered HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
  }
  if (!res.body) throw new Error(`${fn}: ${url} returned no body`);
  const length = res.headers?.get('content-length');
  if (length !== null && length !== undefined && /^\d+$/.test(length.trim())) {
    total = Number(length);
    if (total > o.maxBytes) {
      abort();
      throw new Error(
        `${fn}: ${url}: its Content-Length of ${n(total)} bytes is more than maxBytes (${n(o.maxBytes)}); not downloaded`,
      );
    }
  }
  const reader = res.body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await within(
        reader.read(),
        o.timeoutMs,
        abort,
        `${fn}: ${url}: no data for ${n(o.timeoutMs)} ms after ${n(received)} bytes (timeoutMs)`,
      );
      if (done) break;
      if (value) {
        take(value);
        yield value;
      }
    }
    finished = true;
  } finally {
    if (!finished) {
      abort();
      await reader.cancel().catch(() => {});
    }
    reader.releaseLock();
  }
}

/**
 * Fetches `url` into memory with downloadFile's bounds (timeoutMs, maxBytes, onProgress); for
 * browsers, where there is no file to stream to.
 * @example const bytes = await sg.datasets.fetchBytes('https://example.org/t10k-labels-idx1-ubyte.gz', { timeoutMs: 10000 });
 */
export async function fetchBytes(url: string, options: Omit<DownloadOptions, 'check'> = {}): Promise<Uint8Array> {
  const fn = 'fetchBytes';
  checkOptions(
    fn,
    options,
    OPTION_KEYS.filter((k) => k !== 'check'),
  );
  const limits = resolveLimits(fn, options);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunksOf(url, limits, fn)) {
    chunks.push(chunk);
    total += chunk.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Checks timeoutMs, maxBytes and onProgress and fills in the defaults. */
function resolveLimits(fn: string, options: DownloadOptions) {
  for (const k of ['timeoutMs', 'maxBytes'] as const) {
    const v = options[k];
    if (v !== undefined && !(typeof v === 'number' && v > 0 && !Number.isNaN(v))) {
      throw new Error(`${fn}: option '${k}' must be a number > 0 but is ${show(v)}`);
    }
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new Error(
      `${fn}: option 'onProgress' must be a function (received, total) => void but is ${show(options.onProgress)}`,
    );
  }
  return {
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? DOWNLOAD_DEFAULTS.timeoutMs,
    maxBytes: options.maxBytes ?? DOWNLOAD_DEFAULTS.maxBytes,
    onProgress: options.onProgress,
  };
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
  const fn = 'downloadFile';
  checkOptions(fn, options, OPTION_KEYS);
  const limits = resolveLimits(fn, options);
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
      for await (const chunk of chunksOf(url, limits)) {
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
