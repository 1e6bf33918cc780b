// Config pieces every weighted layer's getConfig shares: the initializer, regularizer and
// constraint of each weight, serialized as Keras' {className, config} (null when unset), from
// the arguments the layer was built with and the defaults it uses.
import { getConstraint, serializeConstraint } from '../constraints/index.js';
import { getInitializer, serializeInitializer } from '../initializers/index.js';
import { getRegularizer, serializeRegularizer } from '../regularizers/index.js';
import type { InitializerArg } from './layer.js';

/**
 * `{<p>Initializer, <p>Regularizer, <p>Constraint}` for each weight prefix `p` of `defaults`
 * (prefix -> default initializer), read from the layer's constructor `args`.
 * @example weightConfig(args, { kernel: 'glorotUniform', bias: 'zeros' });
 */
export function weightConfig(
  args: object,
  defaults: Record<string, InitializerArg>,
  opts: { constraints?: boolean; regularizers?: boolean } = {},
): Record<string, unknown> {
  const a = args as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [p, init] of Object.entries(defaults)) {
    out[`${p}Initializer`] = serializeInitializer(getInitializer((a[`${p}Initializer`] ?? init) as never));
    if (opts.regularizers !== false) {
      const r = a[`${p}Regularizer`];
      out[`${p}Regularizer`] = r === undefined || r === null ? null : serializeRegularizer(getRegularizer(r as never)!);
    }
    if (opts.constraints !== false) {
      const c = a[`${p}Constraint`];
      out[`${p}Constraint`] = c === undefined || c === null ? null : serializeConstraint(getConstraint(c as never)!);
    }
  }
  return out;
}
