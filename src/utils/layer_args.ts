// The check every layer constructor runs on its arguments: an options object (never `true`, a
// number or a string), input shapes of integers >= 1, and every activation / *Initializer /
// *Regularizer / *Constraint argument resolvable now, so an unknown name such as 'glorot_unifrom' fails when the layer is made, naming the layer
// and the argument, not later when the model is built (and before any weight exists to leak).
import { getActivation } from '../activations/index.js';
import { getConstraint } from '../constraints/index.js';
import { getInitializer } from '../initializers/index.js';
import { getRegularizer } from '../regularizers/index.js';
import { checkOptions } from './options.js';

/**
 * Throws naming `layer` (its class, and its name when given) for a non-object argument or an
 * initializer, regularizer or constraint that cannot be resolved.
 */
export function checkLayerArgs(layer: string, args: unknown): void {
  checkOptions(layer, args, undefined, 'layer arguments');
  if (args === undefined) return;
  const a = args as Record<string, unknown>;
  const who = typeof a.name === 'string' ? `${layer} '${a.name}'` : layer;
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === null) continue;
    try {
      if (k === 'activation' || k === 'recurrentActivation') getActivation(v as never);
      else if (k.endsWith('Initializer')) getInitializer(v as never);
      else if (k.endsWith('Regularizer')) getRegularizer(v as never);
      else if (k.endsWith('Constraint')) getConstraint(v as never);
    } catch (e) {
      throw new Error(`${who}: argument '${k}': ${(e as Error).message}`);
    }
  }
  // Keras' input-shape arguments: dimensions are integers >= 1, or null (unknown) where allowed.
  const dims = (k: string, v: unknown, nullable: boolean) => {
    if (v === undefined) return;
    const ok =
      Array.isArray(v) &&
      v.every((d) => (d === null && nullable) || (typeof d === 'number' && Number.isInteger(d) && d >= 1));
    if (!ok) {
      throw new Error(
        `${who}: argument '${k}' must be a list of integers >= 1${nullable ? ' (or null for unknown)' : ''} but is ${JSON.stringify(v) ?? String(v)}`,
      );
    }
  };
  dims('inputShape', a.inputShape, true);
  dims('batchInputShape', a.batchInputShape, true);
  for (const k of ['batchSize', 'inputDim'] as const) {
    const v = a[k];
    if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isInteger(v) && v >= 1)) {
      throw new Error(`${who}: argument '${k}' must be an integer >= 1 but is ${JSON.stringify(v) ?? String(v)}`);
    }
  }
}
