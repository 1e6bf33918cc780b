// tfjs-core's `profile` and `time`: what a function costs, in tfjs' shapes of info objects.
// Both observe the engine's kernel calls by wrapping ENGINE.runKernel for the duration of the
// call (restored after, also on errors); nothing else in the engine changes.
import type { TensorContainer } from '../engine/engine.js';
import { ENGINE } from '../engine/engine.js';

/** One kernel call seen by `profile`, as tfjs' KernelInfo. */
export interface KernelInfo {
  /** The kernel's name (simdgrad's kernel names: 'MatMul', 'Binary', 'Reduce'...). */
  name: string;
  /** Bytes of tensor memory the call added (its outputs). */
  bytesAdded: number;
  /** Tensor bytes in use after the call. */
  totalBytesSnapshot: number;
  /** Tensors the call added. */
  tensorsAdded: number;
  /** Tensors alive after the call. */
  totalTensorsSnapshot: number;
  /** Shapes of the kernel's inputs. */
  inputShapes: number[][];
  /** Shapes of its outputs. */
  outputShapes: number[][];
  /** Wall time of the kernel call, in milliseconds. */
  kernelTimeMs: number;
  /** Extra information: the kernel's attributes, as JSON. */
  extraInfo: string;
}

/** What `profile` returns, as tfjs' ProfileInfo. */
export interface ProfileInfo {
  /** Tensor bytes alive after the function minus before. */
  newBytes: number;
  /** Tensors alive after minus before. */
  newTensors: number;
  /** The most tensor bytes in use after any kernel call during the function. */
  peakBytes: number;
  /** One entry per kernel call, in order. */
  kernels: KernelInfo[];
  /** The function's return value. */
  result: TensorContainer;
  /** The distinct kernel names, in order of first use. */
  kernelNames: string[];
}

/** What `time` returns, as tfjs' TimingInfo. */
export interface TimingInfo {
  /** Milliseconds spent inside kernels. */
  kernelMs: number;
  /** Milliseconds of the whole call. */
  wallMs: number;
}

type RunKernel = typeof ENGINE.runKernel;

/** Runs `fn` with every kernel call reported to `observe` (nesting-safe). */
async function observed<T>(
  fn: () => T | Promise<T>,
  observe: (name: string, inputs: Parameters<RunKernel>[1], outs: ReturnType<RunKernel>, ms: number, attrs: unknown, before: { bytes: number; tensors: number }) => void,
): Promise<T> {
  const own = Object.prototype.hasOwnProperty.call(ENGINE, 'runKernel');
  const prev = ENGINE.runKernel;
  const wrapped: RunKernel = function (this: typeof ENGINE, name, inputs, attrs = {}) {
    const m = ENGINE.memory();
    const before = { bytes: m.numBytes, tensors: m.numTensors };
    const t0 = performance.now();
    const outs = prev.call(ENGINE, name, inputs, attrs);
    observe(name, inputs, outs, performance.now() - t0, attrs, before);
    return outs;
  };
  ENGINE.runKernel = wrapped;
  try {
    return await fn();
  } finally {
    if (own) ENGINE.runKernel = prev;
    else delete (ENGINE as { runKernel?: RunKernel }).runKernel;
  }
}

/**
 * Runs `f` and reports its memory and kernel use, as tfjs' `profile`: newBytes, newTensors,
 * peakBytes, one entry per kernel call (name, bytes and tensors added, snapshots, shapes,
 * kernelTimeMs, extraInfo), kernelNames and the result. `f` may be async.
 * @example const info = await sg.profile(() => sg.matMul(a, b)); info.result.dispose();
 */
export async function profile(f: () => TensorContainer | Promise<TensorContainer>): Promise<ProfileInfo> {
  if (typeof f !== 'function') throw new Error(`profile: f must be a function but is ${typeof f}`);
  const start = ENGINE.memory();
  const kernels: KernelInfo[] = [];
  const result = await observed(f, (name, inputs, outs, ms, attrs, before) => {
    const m = ENGINE.memory();
    let extra = '';
    try {
      extra = JSON.stringify(attrs) ?? '';
    } catch {
      extra = '';
    }
    kernels.push({
      name,
      bytesAdded: m.numBytes - before.bytes,
      totalBytesSnapshot: m.numBytes,
      tensorsAdded: m.numTensors - before.tensors,
      totalTensorsSnapshot: m.numTensors,
      inputShapes: inputs.map((t) => t.shape.slice()),
      outputShapes: outs.map((t) => t.shape.slice()),
      kernelTimeMs: ms,
      extraInfo: extra,
    });
  });
  const end = ENGINE.memory();
  return {
    newBytes: end.numBytes - start.numBytes,
    newTensors: end.numTensors - start.numTensors,
    peakBytes: kernels.length ? Math.max(...kernels.map((k) => k.totalBytesSnapshot)) : end.numBytes,
    kernels,
    result,
    kernelNames: [...new Set(kernels.map((k) => k.name))],
  };
}

/**
 * Times `f`, as tfjs' `time`: kernelMs (time inside kernels) and wallMs (the whole call).
 * Tensors `f` creates are its own to dispose (as in tfjs).
 * @example const { kernelMs, wallMs } = await sg.time(() => sg.matMul(a, b).dispose());
 */
export async function time(f: () => void): Promise<TimingInfo> {
  if (typeof f !== 'function') throw new Error(`time: f must be a function but is ${typeof f}`);
  let kernelMs = 0;
  const t0 = performance.now();
  await observed(f, (_n, _i, _o, ms) => {
    kernelMs += ms;
  });
  return { kernelMs, wallMs: performance.now() - t0 };
}
