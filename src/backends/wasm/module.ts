// The wasm backend's module: the kernels' exports (WasmExports), where the bytes come from (the
// embedded, deflated module or a served .wasm set by setWasmPath), the relaxed-SIMD variant choice,
// the memory (shared where the runtime allows it, else unshared: one thread) and instantiation, in
// Node (synchronously) and in browsers (asynchronously). The backend itself is in index.ts.
import { WASM_BYTES, WASM_INITIAL_PAGES, WASM_MAXIMUM_PAGES } from './wasm-binary.generated.js';
import { embeddedWasm } from './embedded.js';
import { decodeBase64, inflateAsync } from './embedded-inflate.js';
import { chooseVariant } from './relaxed.js';
import { sharedMemoryUnavailableReason } from './pool-platform.js';
import { WasmHeap } from './heap.js';
import { noteSingleThreaded, requestedThreads } from '../../threads.js';

/** The functions exported by assembly/index.ts (pointers are byte offsets into `memory`). */
export interface WasmExports {
  memory: WebAssembly.Memory;
  /** The heap's allocator (JavaScript, heap.ts); `alloc`/`free` are its methods, bound. */
  heap: WasmHeap;
  alloc(bytes: number): number;
  free(ptr: number): void;
  heapBase(): number;
  gemmWorkspaceBytes(): number;
  gemmF32(
    tA: number,
    tB: number,
    M: number,
    N: number,
    K: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    bias: number,
    act: number,
    beta: number,
    work: number,
    rowStart: number,
    rowEnd: number,
    colStart: number,
    colEnd: number,
  ): void;
  unaryF32(op: number, x: number, out: number, start: number, end: number, alpha: number, beta: number): void;
  unaryGradF32(
    op: number,
    x: number,
    y: number,
    dy: number,
    dx: number,
    start: number,
    end: number,
    alpha: number,
    beta: number,
  ): void;
  binaryF32(
    op: number,
    a: number,
    b: number,
    out: number,
    rank: number,
    shape: number,
    aStrides: number,
    bStrides: number,
    start: number,
    end: number,
  ): void;
  compareF32(
    op: number,
    a: number,
    b: number,
    out: number,
    rank: number,
    shape: number,
    aStrides: number,
    bStrides: number,
    start: number,
    end: number,
  ): void;
  binaryI32(
    op: number,
    a: number,
    b: number,
    out: number,
    rank: number,
    shape: number,
    aStrides: number,
    bStrides: number,
    start: number,
    end: number,
  ): void;
  compareI32(
    op: number,
    a: number,
    b: number,
    out: number,
    rank: number,
    shape: number,
    aStrides: number,
    bStrides: number,
    start: number,
    end: number,
  ): void;
  reduceF32(op: number, x: number, out: number, inner: number, start: number, end: number): void;
  reduceMidF32(op: number, x: number, out: number, R: number, inner: number, start: number, end: number): void;
  argReduceF32(isMax: number, x: number, out: number, inner: number, start: number, end: number): void;
  softmaxF32(x: number, out: number, inner: number, start: number, end: number, log: number): void;
}

/** Reverses the build's one difference for unshared memory: the import's limits flag 0x03 -> 0x01. */
function unshareMemoryImport(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const b = bytes.slice();
  let p = 8; // magic + version
  const leb = () => {
    let r = 0;
    let shift = 0;
    let x: number;
    do {
      x = b[p++];
      r |= (x & 0x7f) << shift;
      shift += 7;
    } while (x & 0x80);
    return r >>> 0;
  };
  while (p < b.length) {
    const id = b[p++];
    const size = leb();
    const end = p + size;
    if (id === 2) {
      for (let i = 0, count = leb(); i < count; i++) {
        // (not `p += leb()`: that reads p before leb() advances it)
        const moduleLen = leb();
        p += moduleLen;
        const fieldLen = leb();
        p += fieldLen;
        const kind = b[p++];
        if (kind === 2) {
          if (b[p] !== 0x03) break;
          b[p] = 0x01;
          return b;
        }
        if (kind === 0) leb();
        else if (kind === 3) p += 2;
        else break; // tables never occur in this module
      }
      break;
    }
    p = end;
  }
  throw new Error('simdgrad wasm: the module has no shared memory import to unshare');
}

/** How the module was instantiated: the pool needs the compiled module and a shared memory. */
export interface Origin {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  shared: boolean;
}

/** The maximum (in pages) each memory was created with: the heap's limit. */
const maximumPages = new WeakMap<WebAssembly.Memory, number>();
const origins = new WeakMap<object, Origin>();

/** How `wasm` was instantiated (the compiled module and its memory), for the thread pool. */
export function moduleOrigin(wasm: WasmExports): Origin | undefined {
  return origins.get(wasm);
}

export interface InstantiateOptions {
  /** false: use an unshared memory (one thread) even where shared memory is available. */
  shared?: boolean;
}

/**
 * A shared memory, or null where it cannot be had. The 4 GiB maximum reserves address space up
 * front; a runtime that refuses that (32-bit, tight limits) gets 1 GiB, then 256 MiB.
 */
function sharedMemory(): WebAssembly.Memory | null {
  for (const maximum of [WASM_MAXIMUM_PAGES, 16384, 4096]) {
    try {
      const memory = new WebAssembly.Memory({ initial: WASM_INITIAL_PAGES, maximum, shared: true });
      maximumPages.set(memory, maximum);
      return memory;
    } catch {
      // try a smaller maximum
    }
  }
  return null;
}

let noticed = false;

// ---- where the module comes from: embedded (default) or a served .wasm (setWasmPath) ----

let wasmPath: string | null = null;
/** The embedded module's bytes once decoded (from the static or the dynamic import). */
let embeddedBytes: Uint8Array<ArrayBuffer> | null = null;

/**
 * Loads the wasm backend's module from `path` (an http(s) or page-relative URL; in Node also a
 * file path or file:// URL) instead of the copy embedded in the JavaScript, when the backend
 * initialises asynchronously (`await sg.ready()`, `await sg.setBackend('wasm')`). The file is the
 * package's `simdgrad/simdgrad.wasm` (dist/simdgrad.wasm), served by your app, and is compiled
 * with `WebAssembly.compileStreaming` while it downloads (needs `Content-Type: application/wasm`;
 * otherwise it is read whole, then compiled). In a browser bundle the embedded copy is then never
 * loaded, and with code splitting never shipped in the app's own chunk (see the README). `null`
 * goes back to the embedded copy. Call it before the backend is first used; a synchronous
 * initialisation (Node, without `ready()`) always uses the embedded copy.
 * @example
 * sg.setWasmPath('/assets/simdgrad.wasm');
 * await sg.ready();
 */
export function setWasmPath(path: string | URL | null): void {
  if (path !== null && typeof path !== 'string' && !(path instanceof URL)) {
    throw new Error(`setWasmPath: 'path' must be a string, a URL or null but got ${typeof path}`);
  }
  wasmPath = path === null ? null : String(path);
}

/** The path set by setWasmPath, or null when the embedded module is used. */
export function getWasmPath(): string | null {
  return wasmPath;
}

/** The embedded module's bytes, synchronously: null in a browser bundle until the async load ran. */
function embeddedSync(): Uint8Array<ArrayBuffer> | null {
  if (!embeddedBytes) {
    const bytes = embeddedWasm();
    if (bytes !== null) embeddedBytes = chooseVariant(bytes);
  }
  return embeddedBytes;
}

async function embeddedAsync(): Promise<Uint8Array<ArrayBuffer>> {
  const sync = embeddedSync();
  if (sync) return sync;
  // A dynamic import: bundlers put the deflated base64 in a chunk of its own, loaded only here.
  const { WASM_DEFLATED_BASE64 } = await import('./wasm-embedded.generated.js');
  const bytes = await inflateAsync(decodeBase64(WASM_DEFLATED_BASE64), WASM_BYTES);
  embeddedBytes ??= chooseVariant(bytes);
  return embeddedBytes;
}

/** Exports the backend cannot run without: a file that lacks one is not this version's module. */
const REQUIRED_EXPORTS = ['_initData', '_start', 'heapBase', 'gemmWorkspaceBytes', 'gemmF32', 'unaryF32', 'binaryF32'];

async function compileFromPath(path: string, shared: boolean): Promise<WebAssembly.Module> {
  const fail = (why: string): Error => new Error(`setWasmPath: cannot load the wasm module from '${path}': ${why}`);
  let mod: WebAssembly.Module;
  if (isNodeFilePath(path)) {
    const proc = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
    const fs = proc.process?.getBuiltinModule?.('fs') as typeof import('node:fs') | undefined;
    if (!fs) throw fail('reading files needs Node 20.16 or later (process.getBuiltinModule)');
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(await fs.promises.readFile(path.startsWith('file:') ? new URL(path) : path));
    } catch (e) {
      throw fail((e as Error).message);
    }
    mod = await compileBytes(bytes, shared, fail);
  } else {
    let res: Response;
    try {
      res = await fetch(path);
    } catch (e) {
      throw fail((e as Error).message);
    }
    if (!res.ok) throw fail(`HTTP ${res.status} ${res.statusText}`);
    const type = res.headers.get('content-type') ?? '';
    if (shared && type.split(';')[0].trim() === 'application/wasm') {
      try {
        mod = await WebAssembly.compileStreaming(res);
      } catch (e) {
        throw fail((e as Error).message);
      }
    } else {
      // Not streamable (another content type), or the unshared fallback, which patches a byte first.
      mod = await compileBytes(new Uint8Array(await res.arrayBuffer()), shared, fail);
    }
  }
  const names = new Set(WebAssembly.Module.exports(mod).map((e) => e.name));
  const missing = REQUIRED_EXPORTS.filter((n) => !names.has(n));
  if (missing.length) throw fail(`not simdgrad's module (no export ${missing.join(', ')})`);
  return mod;
}

async function compileBytes(
  bytes: Uint8Array<ArrayBuffer>,
  shared: boolean,
  fail: (why: string) => Error,
): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(shared ? bytes : unshareMemoryImport(bytes));
  } catch (e) {
    throw fail((e as Error).message);
  }
}

/** In Node: a file:// URL, or a path with no URL scheme. */
function isNodeFilePath(path: string): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (typeof p?.versions?.node !== 'string') return false;
  return path.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(path) || /^[a-z]:[\\/]/i.test(path);
}

/** The memory: shared where possible, else the unshared fallback (with a notice). */
function prepareMemory(opts: InstantiateOptions): { memory: WebAssembly.Memory; shared: boolean } {
  if (opts.shared !== false) {
    const reason = sharedMemoryUnavailableReason();
    const memory = reason === null ? sharedMemory() : null;
    if (memory) return { memory, shared: true };
    const why = reason ?? 'a shared WebAssembly.Memory could not be created';
    noteSingleThreaded(why);
    if (!noticed && requestedThreads() > 1) {
      noticed = true;
      console.warn(`simdgrad: running on one thread (${why})`);
    }
  }
  const memory = new WebAssembly.Memory({ initial: WASM_INITIAL_PAGES, maximum: WASM_MAXIMUM_PAGES });
  maximumPages.set(memory, WASM_MAXIMUM_PAGES);
  return { memory, shared: false };
}

function finish(
  module: WebAssembly.Module,
  instance: WebAssembly.Instance,
  memory: WebAssembly.Memory,
  shared: boolean,
): WasmExports {
  const ex = instance.exports as unknown as { _initData(): void; _start(): void };
  // Once, on this thread only: workers instantiating the same module must not run these.
  ex._initData();
  ex._start();
  const exports = instance.exports as unknown as { heapBase(): number };
  const heap = new WasmHeap(memory, exports.heapBase() >>> 0, (maximumPages.get(memory) ?? WASM_MAXIMUM_PAGES) * 65536);
  const wasm = {
    ...(instance.exports as object),
    memory,
    heap,
    alloc: (bytes: number) => heap.alloc(bytes),
    free: (ptr: number) => heap.free(ptr),
  } as WasmExports;
  origins.set(wasm, { module, memory, shared });
  return wasm;
}

function importsFor(memory: WebAssembly.Memory): WebAssembly.Imports {
  return {
    env: {
      memory,
      abort(): never {
        throw new Error('simdgrad wasm: internal abort (out of memory or a failed check)');
      },
    },
  };
}

/** Compiles and instantiates the embedded module synchronously (Node, workers). */
export function instantiateSync(opts: InstantiateOptions = {}): WasmExports {
  const bytes = embeddedSync();
  if (!bytes) {
    throw new Error(
      "Backend 'wasm' is not ready: in a browser bundle its module is compiled asynchronously; " +
        "call 'await sg.ready()' (or 'await sg.setBackend(\"wasm\")') before the first op",
    );
  }
  const { memory, shared } = prepareMemory(opts);
  const mod = new WebAssembly.Module(shared ? bytes : unshareMemoryImport(bytes));
  return finish(mod, new WebAssembly.Instance(mod, importsFor(memory)), memory, shared);
}

/**
 * Compiles asynchronously: needed on a browser page's main thread, where sync compiles are capped.
 * Takes the module from setWasmPath's file when one is set, else the embedded copy.
 */
export async function instantiate(opts: InstantiateOptions = {}): Promise<WasmExports> {
  const { memory, shared } = prepareMemory(opts);
  const mod =
    wasmPath !== null
      ? await compileFromPath(wasmPath, shared)
      : await WebAssembly.compile(shared ? await embeddedAsync() : unshareMemoryImport(await embeddedAsync()));
  return finish(mod, await WebAssembly.instantiate(mod, importsFor(memory)), memory, shared);
}
