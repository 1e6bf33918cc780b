// TensorFlow.js as a benchmark peer, in the same Node process as simdgrad.
//
//   const tf = await loadTfjs('wasm');   // XNNPACK WebAssembly backend
//   ...
//   await loadTfjs('cpu');               // switch the same tf instance to the plain-JS backend
//
// Both backends register with the one @tensorflow/tfjs-core instance, so tensors and timings
// are comparable and switching is just tf.setBackend. The wasm backend loads its binaries from
// node_modules on local disk (no network). In Node, tfjs-backend-wasm turns threads off
// (WASM_HAS_MULTITHREAD_SUPPORT is hard-wired false under IS_NODE) and picks
// tfjs-backend-wasm-simd.wasm when the runtime validates SIMD (Node 20 does). Which binary was
// actually requested is recorded and reported by tfjsWasmInfo().
//
// Production mode is enabled (tf.enableProdMode()): it only silences tfjs' console warnings
// (such as the "install tfjs-node" banner), which would otherwise land in benchmark output.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';

type Tf = typeof import('@tensorflow/tfjs-core');

/** What the wasm backend loaded. `binary` is null until the wasm backend has initialized. */
export interface TfjsWasmInfo {
  /** File name of the .wasm binary tfjs asked for (e.g. 'tfjs-backend-wasm-simd.wasm'). */
  binary: string | null;
  /** Absolute path of that binary. */
  path: string | null;
  /** tfjs' own SIMD feature probe (WASM_HAS_SIMD_SUPPORT). */
  simd: boolean;
  /** tfjs' own threads feature probe (WASM_HAS_MULTITHREAD_SUPPORT); false in Node. */
  threadsSupported: boolean;
  /** XNNPACK thread-pool size reported by the backend (1 when threads are off). */
  threadsCount: number;
}

const WASM_BINARIES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

let pathsSet = false;
let recording = false;
let requested: string | null = null;
let info: TfjsWasmInfo | null = null;

/** Points tfjs-backend-wasm at its binaries in node_modules, recording which one it asks for. */
function configureWasmPaths(): void {
  if (pathsSet) return;
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  // A file map whose entries are getters: tfjs reads exactly one entry, the binary it chose.
  const fileMap: Record<string, string> = {};
  for (const name of WASM_BINARIES) {
    Object.defineProperty(fileMap, name, {
      enumerable: true,
      get: () => {
        if (recording) requested = name;
        return join(dir, name);
      },
    });
  }
  setWasmPaths(fileMap);
  recording = true; // setWasmPaths itself reads every entry to validate the map
  pathsSet = true;
}

/** Which wasm binary and features the tfjs wasm backend is using; null before it has loaded. */
export function tfjsWasmInfo(): TfjsWasmInfo | null {
  return info;
}

/**
 * Returns @tensorflow/tfjs-core with `backend` registered, selected and ready.
 * May be called again with the other backend to switch. The first time the wasm backend comes
 * up, one line describing the binary it loaded is printed to stderr unless `quiet` is set.
 */
export async function loadTfjs(backend: 'wasm' | 'cpu', opts: { quiet?: boolean } = {}): Promise<Tf> {
  tf.enableProdMode();
  if (backend === 'wasm') configureWasmPaths();
  const ok = await tf.setBackend(backend);
  await tf.ready();
  if (!ok || tf.getBackend() !== backend) {
    throw new Error(`tfjs backend '${backend}' failed to initialize (active: ${tf.getBackend()})`);
  }
  if (backend === 'wasm' && info === null) {
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const threadsSupported = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    const binary = requested;
    info = {
      binary,
      path: binary === null ? null : join(dirname(createRequire(import.meta.url)
        .resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')), binary),
      simd,
      threadsSupported,
      threadsCount: getThreadsCount(),
    };
    if (!opts.quiet) {
      console.error(`tfjs-wasm ${tf.version_core}: ${binary ?? 'unknown binary'} ` +
        `(simd ${simd ? 'on' : 'off'}, threads ${threadsSupported ? 'on' : 'off'}, ` +
        `pool ${info.threadsCount})`);
    }
  }
  return tf;
}
