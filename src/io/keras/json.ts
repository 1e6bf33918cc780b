// JSON text as Python's json writes Keras configs where it matters to Keras: numbers that Keras
// checks to be floats (SGD's momentum 0 must be 0.0, `isinstance(momentum, float)`).
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

// Keras checks some optimizer hyper-parameters with isinstance(x, float) (SGD's momentum 0 must be
// 0.0); JSON.stringify writes 0. Integral numbers of an optimizer config (all of which are floats
// in Keras, none are counts) are marked here and written with '.0' by kerasJson.
const FLOAT_MARK = '\u0000sg-float:';

/** `v` with its integral numbers marked to be written as floats by kerasJson. */
export function markFloats(v: Json): Json {
  if (typeof v === 'number') return Number.isInteger(v) ? `${FLOAT_MARK}${v}` : v;
  if (Array.isArray(v)) return v.map(markFloats);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, markFloats(x)]));
  return v;
}

/** JSON text with the marked numbers written as Python floats ('0.0'). */
export function kerasJson(v: unknown): string {
  return JSON.stringify(v).replace(/"\\u0000sg-float:(-?\d+)"/g, '$1.0');
}

