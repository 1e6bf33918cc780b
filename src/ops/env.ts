// The tfjs-core runtime helpers tfjs programs call besides ops: util.*, nextFrame, env,
// disposeVariables, customGrad, backend().
import type { Backend } from '../backends/backend.js';
import { inferDtype as inferDtypeOf } from './util.js';
import type { DataType, TensorLike } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { registerGradient } from '../engine/registry.js';
import { sizeFromShape, stridesOf } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import { inferShape, run1 } from './util.js';
import { utilExtra } from './util_extra.js';

/**
 * tfjs's `util` helpers that programs call.
 * @example sg.util.sizeFromShape([2, 3]); // 6
 * @category Memory and backends
 */
export const util = {
  /** Number of elements of a shape (the product of its dimensions). */
  sizeFromShape: (shape: readonly number[]): number => sizeFromShape(shape),
  /** Row-major strides of every dimension but the last, as tfjs. */
  computeStrides: (shape: readonly number[]): number[] => stridesOf(shape).slice(0, -1),
  /** Shuffles an array in place (Fisher-Yates), as tfjs. */
  shuffle<T>(array: T[] | Uint32Array | Int32Array | Float32Array): void {
    for (let i = array.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
  },
  /** Shuffles two arrays in place with the same permutation. */
  shuffleCombo<T>(a: T[] | Float32Array | Int32Array, b: T[] | Float32Array | Int32Array): void {
    if (a.length !== b.length)
      throw new Error(`util.shuffleCombo: the arrays have lengths ${a.length} and ${b.length}`);
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
      [b[i], b[j]] = [b[j], b[i]];
    }
  },
  /** [0, n) in random order, as a Uint32Array. */
  createShuffledIndices(n: number): Uint32Array {
    const a = new Uint32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    util.shuffle(a);
    return a;
  },
  /** Flattens nested arrays into a plain array. */
  flatten<T>(arr: T | T[] | unknown[], result: T[] = []): T[] {
    if (Array.isArray(arr) || ArrayBuffer.isView(arr))
      for (const v of Array.from(arr as ArrayLike<unknown>)) util.flatten(v as T, result);
    else result.push(arr as T);
    return result;
  },
  /** True when the two arrays have the same length and values. */
  arraysEqual: (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
    a.length === b.length && Array.from(a).every((v, i) => v === b[i]),
  /** Throws an Error with `msg()` when `expr` is false. */
  assert(expr: boolean, msg: () => string): void {
    if (!expr) throw new Error(typeof msg === 'function' ? msg() : String(msg));
  },
  /** The shape of nested arrays, as `tensor()` infers it. */
  inferShape: (values: TensorLike): number[] => inferShape('util.inferShape', values),
  /** The dtype `tensor()` would give these values. */
  inferDtype: (values: TensorLike): DataType => inferDtypeOf(values),
  /** True for a Float32Array, Int32Array or Uint8Array. */
  isTypedArray: (a: unknown): boolean =>
    a instanceof Float32Array || a instanceof Int32Array || a instanceof Uint8Array,
  /** Sum of the numbers of an array. */
  sum: (arr: ArrayLike<number>): number => Array.from(arr).reduce((p, c) => p + c, 0),
  /** The integers [from, to). */
  range: (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i),
  /** A timestamp in milliseconds (`performance.now()` where it exists). */
  now: (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now()),
  /** A [width, height] close to square that holds `size` elements. */
  sizeToSquarishShape(size: number): [number, number] {
    const w = Math.ceil(Math.sqrt(size));
    return [w, Math.ceil(size / w)];
  },
  /** UTF-8 bytes of a string. */
  encodeString: (s: string): Uint8Array => new TextEncoder().encode(s),
  /** The string of UTF-8 bytes. */
  decodeString: (b: Uint8Array): string => new TextDecoder().decode(b),
  ...utilExtra, // shape/index arithmetic, type tests, typed-array makers...: util_extra.ts
};

/**
 * Resolves on the next animation frame in a browser, or the next macrotask in Node (as tfjs).
 * @example await sg.nextFrame(); // lets the page paint between steps
 * @category Memory and backends
 */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => void }).requestAnimationFrame;
    if (raf) raf(() => resolve());
    else setTimeout(resolve, 0);
  });
}

const flags = new Map<string, unknown>([
  ['IS_BROWSER', typeof window !== 'undefined'],
  ['IS_NODE', typeof process !== 'undefined' && !!process.versions?.node],
  ['PROD', false],
  ['DEBUG', false],
]);

/**
 * tfjs's `env()`: flags by name. simdgrad reads only DEBUG (set by enableDebugMode); the others
 * are kept so that programs which set or read them (PROD, IS_NODE...) run. Porting note: WEBGL_* flags
 * have no effect.
 * @example sg.env().getBool('IS_NODE'); // true in Node
 * @category Memory and backends
 */
export function env() {
  return {
    get: (name: string): unknown => flags.get(name),
    getBool: (name: string): boolean => !!flags.get(name),
    getNumber: (name: string): number => Number(flags.get(name) ?? 0),
    set: (name: string, value: unknown): void => void flags.set(name, value),
    getFlags: (): Record<string, unknown> => Object.fromEntries(flags),
    get platformName(): string {
      return flags.get('IS_NODE') ? 'node' : 'browser';
    },
  };
}

/**
 * Disposes every variable (tfjs's disposeVariables).
 * @example sg.disposeVariables(); // every Variable is freed
 * @category Memory and backends
 */
export function disposeVariables(): void {
  for (const v of [...ENGINE.variables.values()]) v.dispose();
}

/**
 * The active backend object (tfjs's `backend()`).
 * @example sg.backend().name; // 'wasm' (or 'js')
 * @category Memory and backends
 */
export function backend(): Backend {
  return ENGINE.backend;
}

registerGradient('CustomGrad', {
  saveInputs: true,
  grad: (dys, { inputs, attrs }) => {
    const n = attrs.numInputs as number;
    const saved = inputs.slice(n + 1);
    const gradFunc = attrs.gradFunc as (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[];
    let cached: Tensor[] | undefined;
    const all = () => {
      if (!cached) {
        const g = gradFunc(dys[0], saved);
        cached = Array.isArray(g) ? g : [g];
        if (cached.length !== n)
          throw new Error(`customGrad: gradFunc returned ${cached.length} gradients for ${n} inputs`);
      }
      return cached;
    };
    return inputs.map((_, i) => (i < n ? () => all()[i] : null));
  },
});

/**
 * A function with a user-defined gradient, as tfjs: `f(...inputs, save)` returns
 * `{ value, gradFunc: (dy, saved) => gradients }`, where `save(tensors)` keeps tensors for the
 * gradient.
 * @example
 * const clipGrad = sg.customGrad((x, save) => ({ value: sg.square(x), gradFunc: (dy) => sg.clipByValue(dy, -1, 1) }));
 * @category Memory and backends
 */
export function customGrad(
  f: (...args: never[]) => { value: Tensor; gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[] },
): (...args: Tensor[]) => Tensor {
  if (typeof f !== 'function') throw new Error('customGrad: expected a function');
  return (...inputs: Tensor[]): Tensor => {
    for (const [i, t] of inputs.entries()) {
      if (!(t instanceof Tensor)) throw new Error(`customGrad: argument ${i} must be a Tensor but is ${typeof t}`);
      ENGINE.assertLive(t, 'customGrad');
    }
    return ENGINE.tidy(() => {
      let saved: Tensor[] = [];
      const save = (ts: Tensor[]) => void (saved = ts.slice());
      // The forward runs off the tape: only the CustomGrad node below is recorded.
      const tape = ENGINE.tape;
      ENGINE.tape = null;
      let res;
      try {
        res = (f as (...a: unknown[]) => ReturnType<typeof f>)(...inputs, save);
      } finally {
        ENGINE.tape = tape;
      }
      if (!res || !(res.value instanceof Tensor) || typeof res.gradFunc !== 'function')
        throw new Error('customGrad: f must return { value: Tensor, gradFunc: (dy, saved) => gradients }');
      return run1('CustomGrad', [...inputs, res.value, ...saved], {
        at: inputs.length,
        numInputs: inputs.length,
        gradFunc: res.gradFunc,
      });
    });
  };
}
