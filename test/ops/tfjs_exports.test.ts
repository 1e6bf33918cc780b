// simdgrad's export list against tfjs-core 4.22's (`Object.keys(tf)` of @tensorflow/tfjs-core,
// and the members of its op namespaces and of util): every tfjs-core name must exist in simdgrad unless it
// is in OUT_OF_SCOPE below, each with the reason. The test prints the differences both ways and
// fails on a missing name that is not listed, and on a listed name that simdgrad has after all
// (so the list cannot go stale).
import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import * as sg from '../../src/index.js';

const PLUMBING =
  "tfjs' backend and kernel plumbing: simdgrad's backends (js, wasm) are built in and its kernels take its own tensor records, so tfjs kernels and backends cannot be registered";
const STRINGS = 'string tensors are out of scope (README): simdgrad has numeric dtypes only';
const RAGGED = 'ragged tensors (used by tfjs-converter for TF graph models) are out of scope: no ragged type';

/** tfjs-core names simdgrad does not have, on purpose. */
const OUT_OF_SCOPE: Record<string, string> = {
  string: STRINGS,
  raggedGather: RAGGED,
  raggedRange: RAGGED,
  raggedTensorToTensor: RAGGED,
  registerBackend: PLUMBING,
  removeBackend: PLUMBING,
  findBackend: PLUMBING,
  findBackendFactory: PLUMBING,
  registerKernel: PLUMBING,
  unregisterKernel: PLUMBING,
  getKernel: PLUMBING,
  getKernelsForBackend: PLUMBING,
  copyRegisteredKernels: PLUMBING,
  registerGradient: PLUMBING + ' (custom gradients: customGrad)',
  unregisterGradient: PLUMBING,
  getGradient: PLUMBING,
  setPlatform: PLUMBING,
  ENV: PLUMBING + ' (flags: env())',
  Environment: PLUMBING + ' (flags: env())',
  KernelBackend: PLUMBING,
  DataStorage: PLUMBING,
  OP_SCOPE_SUFFIX: PLUMBING,
  backend_util: PLUMBING,
  kernel_impls: PLUMBING,
  broadcast_util: PLUMBING,
  device_util: PLUMBING,
  gather_util: PLUMBING,
  scatter_util: PLUMBING,
  slice_util: PLUMBING,
  tensor_util: PLUMBING,
  test_util: "tfjs' own test helpers",
  version_core: "tfjs-core's version string (simdgrad's version is its package.json's)",
  default: 'an artefact of the CommonJS build (the module object itself)',
  OptimizerConstructors: "tfjs' factory class behind tf.train: simdgrad has sg.train.sgd/adam/... (same calls)",
  'util.bytesFromStringArray': STRINGS,
  'util.createScalarValue': STRINGS + " (it encodes a string value for tfjs' string tensors)",
  'util.fingerPrint64': STRINGS + ' (the string hashing behind stringToHashBucketFast)',
  'util.hexToLong': STRINGS + ' (a helper of fingerPrint64)',
  'util.convertBackendValuesAndArrayBuffer': PLUMBING,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const TF = tf as any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const SG = sg as any;

/**
 * Kernel-name constants (tf.Abs === 'Abs', tf.FusedConv2D, tf._FusedMatMul...): names of tfjs'
 * kernel registry, meaningful only to tfjs backends (see PLUMBING).
 */
const isKernelName = (k: string) => typeof TF[k] === 'string' && /^_?[A-Z]/.test(k) && k !== 'OP_SCOPE_SUFFIX';

/** The namespaces whose members are ops (util and io are helpers, checked elsewhere). */
const OP_NAMESPACES = ['image', 'linalg', 'signal', 'spectral', 'losses', 'browser', 'math', 'fused', 'sparse', 'train', 'util'];

function tfNames(): string[] {
  const names = Object.keys(TF).filter((k) => !isKernelName(k));
  for (const ns of OP_NAMESPACES) {
    const o = TF[ns];
    if (o && typeof o === 'object' && SG[ns] !== undefined)
      for (const m of Object.keys(o)) names.push(`${ns}.${m}`);
  }
  return names.sort();
}

const has = (name: string) => {
  const [a, b] = name.split('.');
  return b === undefined ? a in SG : SG[a] !== undefined && b in SG[a];
};

it("every tfjs-core 4.22 export (and member of its op namespaces) exists in simdgrad, or is out of scope with a reason", () => {
  const names = tfNames();
  expect(names.length).toBeGreaterThan(300); // the list really is tfjs-core's
  const missing = names.filter((n) => !has(n));
  const unexplained = missing.filter((n) => !(n in OUT_OF_SCOPE));
  const stale = Object.keys(OUT_OF_SCOPE).filter((n) => has(n) || !names.includes(n));
  const kernelNames = Object.keys(TF).filter(isKernelName);
  const extra = Object.keys(SG).filter((k) => !(k in TF)).sort();
  console.log(
    `tfjs-core exports compared: ${names.length} (plus ${kernelNames.length} kernel-name constants, out of scope); ` +
      `missing, out of scope: ${missing.length}; unexplained: ${unexplained.length}; ` +
      `simdgrad-only top-level names: ${extra.length} (the Keras surface, io, datasets...)`,
  );
  expect(unexplained, `tfjs-core names missing from simdgrad: ${unexplained.join(', ')}`).toEqual([]);
  expect(stale, `OUT_OF_SCOPE lists names simdgrad has (or tfjs lacks): ${stale.join(', ')}`).toEqual([]);
  for (const [name, why] of Object.entries(OUT_OF_SCOPE)) expect(why.length, name).toBeGreaterThan(10);
});

/** tfjs Tensor methods simdgrad lacks on purpose. */
const METHODS_OUT_OF_SCOPE: Record<string, string> = {
  dataToGPU: 'hands out a WebGL texture or WebGPU buffer: simdgrad has no GPU backend',
};

it('Tensor methods: every method of a tfjs-core Tensor exists on a simdgrad Tensor, or is out of scope', async () => {
  await tf.setBackend('cpu');
  const t = tf.tensor([1]);
  const s = sg.tensor([1]);
  const names = new Set<string>();
  for (let p = Object.getPrototypeOf(t); p && p !== Object.prototype; p = Object.getPrototypeOf(p))
    Object.getOwnPropertyNames(p).forEach((n) => names.add(n));
  expect(names.size).toBeGreaterThan(150); // the chained ops are registered on tfjs' Tensor
  const missing = [...names].filter((n) => !(n in s) && !(n in METHODS_OUT_OF_SCOPE));
  for (const n of Object.keys(METHODS_OUT_OF_SCOPE)) expect(names.has(n) && !(n in s), n).toBe(true);
  expect(missing).toEqual([]);
  const bytes = await s.bytes();
  expect(Array.from(bytes)).toEqual(Array.from(new Uint8Array(Float32Array.of(1).buffer)));
  expect(() => s.throwIfDisposed()).not.toThrow();
  s.dispose();
  t.dispose();
  expect(() => s.throwIfDisposed()).toThrow(/Tensor is disposed \(shape \[1\], dtype float32\)/);
});

it("util helpers give tfjs-core's results", async () => {
  const U = sg.util as unknown as Record<string, (...a: unknown[]) => unknown>;
  const T = tf.util as unknown as Record<string, (...a: unknown[]) => unknown>;
  const calls: Array<[string, unknown[]]> = [
    ['arraysEqualWithNull', [[2, null, 3], [2, 5, 3]]],
    ['arraysEqualWithNull', [[2, 4], [2, 5]]],
    ['bytesPerElement', ['float32']],
    ['bytesPerElement', ['bool']],
    ['clamp', [0, 7, 5]],
    ['distSquared', [[1, 2, 3], [2, 4, 6]]],
    ['getArrayFromDType', ['int32', 3]],
    ['getTypedArrayFromDType', ['bool', 2]],
    ['hasEncodingLoss', ['float32', 'int32']],
    ['hasEncodingLoss', ['int32', 'float32']],
    ['hasEncodingLoss', ['bool', 'int32']],
    ['indexToLoc', [17, 3, [12, 4]]],
    ['locToIndex', [[1, 1, 1], 3, [12, 4]]],
    ['inferFromImplicitShape', [[2, -1, 3], 24]],
    ['isInt', [3]],
    ['isInt', [3.5]],
    ['isNumber', ['3']],
    ['isString', ['3']],
    ['isBoolean', [false]],
    ['isScalarShape', [[]]],
    ['isValidDtype', ['int32']],
    ['isValidDtype', ['int64']],
    ['makeOnesTypedArray', [3, 'float32']],
    ['makeZerosTypedArray', [2, 'int32']],
    ['makeZerosNestedTypedArray', [[2, 2], 'float32']],
    ['nearestDivisor', [12, 5]],
    ['nearestLargerEven', [7]],
    ['parseAxisParam', [[-1, 0], [2, 3, 4]]],
    ['parseAxisParam', [null, [2, 3]]],
    ['rightPad', ['ab', 5]],
    ['squeezeShape', [[1, 3, 1, 2]]],
    ['squeezeShape', [[1, 3, 1, 2], [2]]],
    ['toNestedArray', [[2, 3], [1, 2, 3, 4, 5, 6]]],
    ['toTypedArray', [[[1.7, 0], [0.2, 2]], 'int32']],
    ['toTypedArray', [[0.4, 0.6, 0], 'bool']],
    ['tanh', [0.5]],
  ];
  for (const [name, args] of calls) expect(U[name](...args), `util.${name}(${JSON.stringify(args)})`).toEqual(T[name](...args));
  for (const [name, args] of [
    ['parseAxisParam', [3, [2, 3]]],
    ['inferFromImplicitShape', [[-1, -1], 4]],
    ['squeezeShape', [[1, 3], [1]]],
    ['assertShapesMatch', [[1, 2], [2, 1], 'x:']],
    ['checkConversionForErrors', [[1, NaN], 'float32']],
  ] as Array<[string, unknown[]]>) {
    let tfMessage = '';
    try {
      T[name](...args);
    } catch (e) {
      tfMessage = (e as Error).message;
    }
    expect(tfMessage, name).not.toBe('');
    expect(() => U[name](...args), name).toThrow(tfMessage);
  }
  let n = 0;
  await U.repeatedTry(() => ++n === 3);
  expect(n).toBe(3);
  const arr = [1, 2, 3];
  U.swap(arr, 0, 2);
  expect(arr).toEqual([3, 2, 1]);
});

it('engine().startScope()/endScope(result) free what was made in between, as tfjs', () => {
  const before = sg.memory().numTensors;
  sg.engine().startScope();
  const x = sg.tensor([1, 2]);
  const y = sg.square(x);
  sg.engine().endScope(y);
  expect(x.isDisposed).toBe(true);
  expect(Array.from(y.dataSync())).toEqual([1, 4]);
  expect(sg.memory().numTensors).toBe(before + 1);
  y.dispose();
  tf.engine().startScope();
  const tx = tf.tensor([1, 2]);
  const ty = tf.square(tx);
  tf.engine().endScope(ty);
  expect(tx.isDisposed).toBe(true);
  ty.dispose();
});
