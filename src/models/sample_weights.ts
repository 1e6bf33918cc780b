// Sample and class weights per output, as Keras' fit/evaluate/train_on_batch take them: one
// tensor for every output, a list (one per output, null for none) or a map by output name; class
// weights {class: weight} for a one-output model, or per output as a list or a map by name (Keras
// 2 and tfjs-layers; Keras 3 refuses class_weight for several outputs). Everything is checked
// before a batch runs and resolved to one entry per output.
import { ENGINE } from '../engine/engine.js';
import { Tensor } from '../engine/tensor.js';
import { equal, mul } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { ones, tensor } from '../ops/creation.js';
import { argMax } from '../ops/reduce.js';
import { reshape } from '../ops/reshape.js';
import { where } from '../ops/where.js';
import type { LayersModel } from './model.js';
import { checkClassWeight, checkSampleWeight, show } from './validate.js';

/**
 * Sample weights of a model with one or several outputs: one rank-1 tensor (one weight per
 * sample) for every output, a list with one entry per output (null: unweighted), or a map from
 * output layer name to tensor (outputs left out are unweighted).
 * @example model.fit(x, [yA, yB], { sampleWeight: { a: swA } });
 */
export type SampleWeightArg = Tensor | (Tensor | null | undefined)[] | Record<string, Tensor | null | undefined>;

/** Keras' class_weight: class index -> weight. */
export type ClassWeightMap = Record<number, number>;

/**
 * Class weights: `{classIndex: weight}` for a one-output model; for several outputs a list (one
 * map per output, null for none) or a map from output layer name to its class-weight map.
 * @example model.fit(x, [yA, yB], { classWeight: { b: { 0: 1, 1: 5 } } });
 */
export type ClassWeightArg = ClassWeightMap | (ClassWeightMap | null | undefined)[] | Record<string, ClassWeightMap | null | undefined>;

/** Resolved weights: one entry per output, null for an unweighted output. */
export type OutputWeights = (Tensor | null)[];

/** The output layer names, in output order (the keys of the map forms). */
export function outputNames(model: LayersModel): string[] {
  return model.outputs.map((o) => o.node!.layer.name);
}

/** Checks a per-output map's keys against the output names. */
function byName<T>(model: LayersModel, call: string, arg: string, rec: Record<string, T>): (T | null)[] {
  const names = outputNames(model);
  for (const k of Object.keys(rec)) {
    if (!names.includes(k)) {
      throw new Error(`${model.name}: ${call}: ${arg} names the output '${k}', which the model does not have; outputs: ${names.join(', ')}`);
    }
  }
  return names.map((n) => rec[n] ?? null);
}

/**
 * Resolves and checks `sampleWeight` for `n` samples: one entry per output (a single tensor serves
 * every output, as Keras 3). Nothing is copied; the caller's tensors are returned.
 */
export function resolveSampleWeights(
  model: LayersModel,
  call: string,
  arg: string,
  sw: unknown,
  n: number,
): OutputWeights | undefined {
  if (sw === undefined || sw === null) return undefined;
  const names = outputNames(model);
  let list: unknown[];
  if (sw instanceof Tensor) list = names.map(() => sw);
  else if (Array.isArray(sw) && sw.every((t) => t === null || t === undefined || t instanceof Tensor)) {
    if (sw.length !== names.length) {
      throw new Error(`${model.name}: ${call}: ${arg} has ${sw.length} entries but the model has ${names.length} output(s) (${names.join(', ')})`);
    }
    list = sw;
  } else if (typeof sw === 'object' && !Array.isArray(sw) && Object.values(sw).every((t) => t === null || t === undefined || t instanceof Tensor)) {
    list = byName(model, call, arg, sw as Record<string, Tensor>);
  } else {
    throw new Error(
      `${model.name}: ${call}: ${arg} must be a Tensor of shape [${n}], or one per output as a list or a map by output name, but is ${show(sw)}`,
    );
  }
  return list.map((t, i) => {
    if (t === null || t === undefined) return null;
    checkSampleWeight(model.name, call, names.length > 1 && !(sw instanceof Tensor) ? `${arg} of output '${names[i]}'` : arg, t, n);
    return t as Tensor;
  });
}

/** Resolves and checks `classWeight`: one map (or null) per output. */
export function resolveClassWeights(model: LayersModel, call: string, cw: unknown): (ClassWeightMap | null)[] | undefined {
  if (cw === undefined || cw === null) return undefined;
  const names = outputNames(model);
  const isMap = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tensor);
  let list: unknown[];
  if (Array.isArray(cw) && cw.every((m) => m === null || m === undefined || isMap(m))) {
    if (cw.length !== names.length) {
      throw new Error(`${model.name}: ${call}: classWeight has ${cw.length} entries but the model has ${names.length} output(s) (${names.join(', ')})`);
    }
    list = cw;
  } else if (isMap(cw) && Object.keys(cw as object).length > 0 && Object.values(cw as object).every((m) => m === null || isMap(m))) {
    list = byName(model, call, 'classWeight', cw as Record<string, ClassWeightMap>);
  } else {
    if (names.length > 1 && isMap(cw)) {
      throw new Error(
        `${model.name}: ${call}: a classWeight of {classIndex: weight} is only supported for models with a single output (Keras); ` +
          `give one per output as a list or a map by output name (${names.join(', ')})`,
      );
    }
    checkClassWeight(model.name, call, cw);
    list = [cw];
  }
  return list.map((m, i) => {
    if (m === null || m === undefined) return null;
    checkClassWeight(model.name, call, m);
    void i;
    return m as ClassWeightMap;
  });
}

/**
 * Sample weights for a batch from classWeight (labels by argMax for one-hot y, else the value),
 * read on the host, or computed on the device where the labels cannot be read synchronously (webgpu).
 */
export function classWeights(y: Tensor, classWeight: ClassWeightMap): Tensor {
  const labels = ENGINE.tidy(() =>
    y.rank > 1 && y.shape[y.rank - 1] > 1 ? argMax(y, -1) : cast(reshape(y, [y.shape[0]]), 'int32'),
  );
  if (!ENGINE.canReadSync(labels)) {
    // Labels only on the device (webgpu): the weights are picked there, one `where` per class given.
    const w = ENGINE.tidy(() => {
      let w: Tensor = ones([labels.shape[0]]);
      for (const [k, cw] of Object.entries(classWeight)) if (cw !== 1) w = where(equal(labels, Number(k)), cw, w);
      return w;
    });
    labels.dispose();
    return w;
  }
  const v = labels.dataSync();
  labels.dispose();
  return tensor(
    Float32Array.from(v, (l) => classWeight[l] ?? 1),
    [v.length],
  );
}

/**
 * One batch's weights per output: the rows of the sample weights times the class weights of the
 * batch's labels. Tensors belong to the caller's scope.
 */
export function batchWeights(
  sw: OutputWeights | undefined,
  cw: (ClassWeightMap | null)[] | undefined,
  ys: Tensor[],
  rows: (t: Tensor) => Tensor,
): OutputWeights | undefined {
  if (!sw && !cw) return undefined;
  const n = Math.max(sw?.length ?? 0, cw?.length ?? 0);
  const out: OutputWeights = [];
  for (let i = 0; i < n; i++) {
    let w = sw?.[i] ? rows(sw[i]!) : null;
    const c = cw?.[i];
    if (c && ys[i]) {
      const cwt = classWeights(ys[i], c);
      w = w ? mul(w, cwt) : cwt;
    }
    out.push(w);
  }
  return out;
}
