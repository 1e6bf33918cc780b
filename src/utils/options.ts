// Checks of options arguments shared by every public function that takes one: an options
// position holds undefined or a plain object, never a boolean, number, string, array or Tensor
// (`losses.categoricalCrossentropy(y, p, true)` must not drop the `true`), and, where the
// function lists its options, every key is known (a Keras `from_logits` is pointed to `fromLogits`).
import { fmt } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import { closestName, toCamelCase } from './names.js';

/** A value as an error message shows it: strings quoted and marked, so '5' and 5 differ. */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}' (a string)`;
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `${v}n (a bigint)`;
  if (v instanceof Tensor) return `a ${v.dtype} Tensor of shape ${fmt(v.shape)}`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
}

/** Whether `v` can be an options object (a plain object, not an array, Tensor or function). */
export function isOptionsObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tensor);
}

/**
 * Throws unless `value` is undefined or an options object; with `known`, also for any key not in
 * it, suggesting the camelCase spelling of a Keras snake_case key.
 * @example checkOptions('categoricalCrossentropy', opts, ['fromLogits', 'labelSmoothing']);
 */
export function checkOptions(fn: string, value: unknown, known?: readonly string[], arg = 'options'): void {
  if (value === undefined) return;
  if (!isOptionsObject(value)) {
    const eg = known?.length ? `{${known[0]}: ...}` : '{...}';
    throw new Error(`${fn}: the ${arg} argument must be an object like ${eg} but is ${show(value)}`);
  }
  if (!known) return;
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const camel = toCamelCase(key);
    const guess = known.includes(camel) ? camel : closestName(key, known);
    const hint = guess ? ` Did you mean '${guess}'?` : '';
    throw new Error(
      `${fn}: unknown option '${key}' in ${arg}.${hint} Known options: ${known.length ? known.join(', ') : 'none'}`,
    );
  }
}

/** An optional boolean option. */
export function checkBoolOption(fn: string, arg: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new Error(`${fn}: option '${arg}' must be a boolean but is ${show(v)}`);
  return v;
}
