// Memory and backend control: tidy, keep, dispose, memory, setBackend, getBackend, ready.
import { ENGINE, collectTensors, type MemoryInfo, type TensorContainer } from '../engine/engine.js';
import type { Tensor } from '../engine/tensor.js';

/**
 * Runs `fn` and frees every tensor it created except those it returns (or `keep`s).
 * `fn` must be synchronous.
 * @example
 * const y = sg.tidy(() => sg.relu(sg.sub(x, 1))); // the intermediate sub result is freed
 * @category Memory and backends
 */
export function tidy<T extends TensorContainer>(fn: () => T): T;
export function tidy<T extends TensorContainer>(name: string, fn: () => T): T;
export function tidy<T extends TensorContainer>(a: string | (() => T), b?: () => T): T {
  const fn = typeof a === 'function' ? a : b;
  if (typeof fn !== 'function') throw new Error('tidy: expected a function');
  return ENGINE.tidy(fn);
}

/**
 * Marks `t` to survive every enclosing `tidy`.
 * @example const w = sg.tidy(() => sg.keep(sg.ones([2]))); // w survives the tidy
 * @category Memory and backends
 */
export function keep<T extends Tensor>(t: T): T {
  ENGINE.assertLive(t, 'keep');
  t.kept = true;
  return t;
}

/**
 * Frees every tensor inside a (nested) container.
 * @example sg.dispose([a, { b, list: [c] }]); // frees a, b and c
 * @category Memory and backends
 */
export function dispose(container: TensorContainer): void {
  collectTensors(container, (t) => t.dispose());
}

/**
 * Live tensors, buffers and bytes, and the peak bytes held at once.
 * @example
 * const before = sg.memory().numTensors;
 * sg.tidy(() => { sg.ones([3]); });
 * sg.memory().numTensors === before; // true
 * @category Memory and backends
 */
export function memory(): MemoryInfo {
  return ENGINE.memory();
}

/**
 * Selects the backend ('wasm' or 'js'); resolves when it is ready. 'cpu', the name tfjs
 * programs use for the plain-JavaScript backend, selects 'js'.
 * @example await sg.setBackend('js'); // the plain-loop backend
 * @category Memory and backends
 */
export function setBackend(name: string): Promise<boolean> {
  return ENGINE.setBackend(name === 'cpu' ? 'js' : name);
}

/**
 * The name of the active backend ('wasm' or 'js').
 * @example await sg.setBackend('js'); sg.getBackend(); // 'js'
 * @category Memory and backends
 */
export function getBackend(): string {
  return ENGINE.getBackendName();
}

/**
 * Resolves when the active backend is initialised (needed once on a browser page's main thread)
 * and, in browsers, once the wasm backend's worker threads for the current `setThreads` count are
 * up: a Web Worker only starts while the page's event loop runs, so call `setThreads` first and
 * await this again after changing it. In Node it is optional: workers start without the event
 * loop; after `setThreads(n)` a synchronous script uses them from its first large op, with the
 * default count from the first op after they are up (awaiting this starts them early in the
 * background and does not wait for them).
 * @example sg.setThreads(4); await sg.ready(); // once, before the first op
 * @category Memory and backends
 */
export async function ready(): Promise<void> {
  await ENGINE.ready();
  await (ENGINE.backend as { threadsReady?: () => Promise<void> }).threadsReady?.();
}
