// The check every layer constructor runs on its arguments: an options object (never `true`, a
// number or a string), and every *Initializer / *Regularizer / *Constraint argument resolvable
// now, so an unknown name such as 'glorot_unifrom' fails when the layer is made, naming the layer
// and the argument, not later when the model is built (and before any weight exists to leak).
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
      if (k.endsWith('Initializer')) getInitializer(v as never);
      else if (k.endsWith('Regularizer')) getRegularizer(v as never);
      else if (k.endsWith('Constraint')) getConstraint(v as never);
    } catch (e) {
      throw new Error(`${who}: argument '${k}': ${(e as Error).message}`);
    }
  }
}
