// The numbers a training or test step reports, read from scalar tensors: at once where the
// tensor's backend reads synchronously (js, wasm), else (webgpu: no blocking readback) as a
// promise that fit() awaits at the end of the batch, so a step never waits on the GPU inside
// (evaluate, trainOnBatch and testOnBatch then return a promise of their numbers).
import { ENGINE } from '../engine/engine.js';
import type { Tensor } from '../engine/tensor.js';

/** A step's number: a value, or a pending asynchronous read of one. */
export type Num = number | Promise<number>;

/**
 * The first value of `t`, synchronously where its backend can read it, else a promise. The read is
 * issued before this returns, so `t` may be disposed right after.
 */
export function scalarOf(t: Tensor): Num {
  return ENGINE.canReadSync(t) ? t.dataSync()[0] : t.data().then((v) => v[0]);
}

/** a + b, pending while either is. */
export function addNum(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  return Promise.all([a, b]).then(([x, y]) => x + y);
}

/** a / b, pending while either is. */
export function divNum(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') return a / b;
  return Promise.all([a, b]).then(([x, y]) => x / y);
}

/** The step's values: number fields, or promises of them. */
export type StepValues<N> = { losses: N[]; metricSums: N[]; metricCounts: N[]; extra: Record<string, N> };

function pending<N>(r: StepValues<Num>): Promise<number>[] {
  const all = [...r.losses, ...r.metricSums, ...r.metricCounts, ...Object.values(r.extra)];
  return all.filter((v): v is Promise<number> => typeof v !== 'number');
}

/** The values when all are known now (no microtask on the CPU backends), else null. */
export function settledNow(r: StepValues<Num>): StepValues<number> | null {
  return pending(r).length === 0 ? (r as StepValues<number>) : null;
}

/** Awaits every pending read of a step. */
export async function settle(r: StepValues<Num>): Promise<StepValues<number>> {
  const extra: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.extra)) extra[k] = await v;
  return {
    losses: await Promise.all(r.losses),
    metricSums: await Promise.all(r.metricSums),
    metricCounts: await Promise.all(r.metricCounts),
    extra,
  };
}
