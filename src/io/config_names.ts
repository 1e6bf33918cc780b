// The one table between saved Keras-style configs (snake_case keys and values, as Keras and the
// tfjs-layers format write them) and simdgrad's camelCase layer arguments, and the converters
// that walk a config with it. The tfjs-layers format is mechanical (tfjs' convertTsToPythonic /
// convertPythonicToTs) plus the exceptions below; Keras 3 `.keras` configs use the same walk with
// the 'keras3' rows switched on.

/** Which saved format a conversion is for. */
export type ConfigFormat = 'tfjs' | 'keras3';

/**
 * tfjs-layers' toSnakeCase: 'kernelInitializer' -> 'kernel_initializer', 'Conv2D' -> 'conv2d'
 * (a leading '_' becomes 'private_', as tfjs does for scope safety).
 */
export function pySnake(name: string): string {
  const s = name
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return s[0] === '_' ? 'private' + s : s;
}

/** tfjs-layers' toCamelCase: 'kernel_initializer' -> 'kernelInitializer', 'beta_1' -> 'beta1'. */
export function pyCamel(name: string): string {
  if (name.length <= 1 || name.indexOf('_') === -1) return name;
  return name.replace(/[_]+(\w|$)/g, (_m, c: string) => c.toUpperCase());
}

/** One renamed key: saved spelling <-> simdgrad argument, for a class (or any) and a format. */
export interface KeyException {
  /** The key as the saved config spells it. */
  saved: string;
  /** The simdgrad (camelCase) argument. */
  ts: string;
  /** Only in configs of this class (undefined: any class). */
  className?: string;
  /** Only for these formats. */
  formats: readonly ConfigFormat[];
}

/**
 * Keys that do not map mechanically. tfjs-layers' own format needs none (its arguments are the
 * mechanical camelCase of Keras 2's); Keras 3 renamed a few.
 */
export const KEY_EXCEPTIONS: readonly KeyException[] = [
  // Keras 3's InputLayer and first layers: batch_shape (Keras 2 / tfjs: batch_input_shape).
  { saved: 'batch_shape', ts: 'batchInputShape', formats: ['keras3'] },
  // Keras 3 LeakyReLU: negative_slope (Keras 2 / tfjs: alpha).
  { saved: 'negative_slope', ts: 'alpha', className: 'LeakyReLU', formats: ['keras3'] },
];

/** One renamed string value of some keys, for a format. */
export interface ValueException {
  keys: readonly string[];
  saved: string;
  ts: string;
  formats: readonly ConfigFormat[];
}

/**
 * Values that mean different things in different formats. tfjs-layers' 'hard_sigmoid' is Keras
 * 2's clip(0.2x + 0.5, 0, 1), simdgrad's (Keras 3's) is relu6(x + 3) / 6: a tfjs file's
 * 'hard_sigmoid' loads as 'hard_sigmoid_keras2', and simdgrad's 'hard_sigmoid' is written as
 * 'hard_sigmoid_keras3' (which tfjs-layers rejects by name instead of computing another function).
 */
export const VALUE_EXCEPTIONS: readonly ValueException[] = [
  { keys: ['activation', 'recurrentActivation'], saved: 'hard_sigmoid', ts: 'hard_sigmoid_keras2', formats: ['tfjs'] },
  { keys: ['activation', 'recurrentActivation'], saved: 'hard_sigmoid_keras3', ts: 'hard_sigmoid', formats: ['tfjs'] },
];

const squash = (s: string) => s.replace(/_/g, '').toLowerCase();

function savedValue(tsKey: string | undefined, v: string, format: ConfigFormat, className?: string): string {
  if (format === 'keras3' && squash(v) === 'hardsigmoidkeras2' && ['activation', 'recurrentActivation'].includes(tsKey ?? '')) {
    // Keras 3 names no function clip(0.2x + 0.5, 0, 1): its 'hard_sigmoid' is relu6(x + 3) / 6, and a
    // file naming 'hard_sigmoid_keras2' would not load there. Refuse before anything is written.
    throw new Error(
      `${className ?? 'layer'}: ${tsKey} 'hard_sigmoid_keras2' (Keras 2's and tfjs-layers' hard sigmoid, clip(0.2x + 0.5, 0, 1)) ` +
        `has no Keras 3 name, so neither a .keras nor an .h5 file could be loaded by Keras 3; save this model in the tfjs-layers format (model.save('file://dir'))`,
    );
  }
  for (const e of VALUE_EXCEPTIONS) {
    if (e.formats.includes(format) && e.keys.includes(tsKey ?? '') && squash(e.ts) === squash(v)) return e.saved;
  }
  return pySnake(v);
}

function tsValue(tsKey: string | undefined, v: string, format: ConfigFormat): string {
  for (const e of VALUE_EXCEPTIONS) {
    if (e.formats.includes(format) && e.keys.includes(tsKey ?? '') && e.saved === v) return e.ts;
  }
  return pyCamel(v);
}

/**
 * Classes saved under another name (and config) in a format: tfjs-layers registers only 'L1L2'
 * among the regularizers, spells LeCun with a capital C, and calls RMSprop 'RMSProp'. Loading
 * needs no reverse rows: simdgrad's registries accept both spellings.
 */
export const CLASS_EXCEPTIONS: readonly {
  ts: string;
  saved: string;
  formats: readonly ConfigFormat[];
  config?: (c: Record<string, unknown>) => Record<string, unknown>;
}[] = [
  { ts: 'L1', saved: 'L1L2', formats: ['tfjs'], config: (c) => ({ l1: c.l1 ?? 0, l2: 0 }) },
  { ts: 'L2', saved: 'L1L2', formats: ['tfjs'], config: (c) => ({ l1: 0, l2: c.l2 ?? 0 }) },
  { ts: 'LecunNormal', saved: 'LeCunNormal', formats: ['tfjs'] },
  { ts: 'LecunUniform', saved: 'LeCunUniform', formats: ['tfjs'] },
  // tfjs' RMSProp calls rho 'decay'; Keras 2's learning-rate 'decay' has no tfjs spelling.
  { ts: 'RMSprop', saved: 'RMSProp', formats: ['tfjs'], config: rmspropForTfjs },
];

function rmspropForTfjs(c: Record<string, unknown>): Record<string, unknown> {
  const { rho, decay, ...rest } = c;
  if (typeof decay === 'number' && decay !== 0) {
    throw new Error(
      `RMSprop: the Keras 2 learning-rate 'decay' (${decay}) cannot be written in the tfjs-layers format; use a learning-rate schedule`,
    );
  }
  return { ...rest, decay: rho ?? 0.9 };
}

function renameClass(obj: Record<string, unknown>, format: ConfigFormat): Record<string, unknown> {
  const key = 'className' in obj ? 'className' : 'class_name' in obj ? 'class_name' : undefined;
  if (!key) return obj;
  const e = CLASS_EXCEPTIONS.find((x) => x.ts === obj[key] && x.formats.includes(format));
  if (!e) return obj;
  const cfg = (obj.config ?? {}) as Record<string, unknown>;
  return { ...obj, [key]: e.saved, ...(e.config ? { config: e.config(cfg) } : {}) };
}

/**
 * Keys whose string values are names, copied verbatim both ways (tfjs camel/snake-cases every
 * other string value: 'channels_last' <-> 'channelsLast', 'hard_sigmoid' <-> 'hardSigmoid').
 */
export const VERBATIM_VALUE_KEYS: ReadonlySet<string> = new Set([
  'name',
  'className',
  'class_name',
  'module',
  'registered_name',
  'registeredName',
]);

/**
 * Keys under which the first element of each innermost list is a layer name, kept verbatim
 * (tfjs' isArrayItemInputOrOutputName): [['dense_1', 0, 0, {}]].
 */
export const LAYER_NAME_LIST_KEYS: ReadonlySet<string> = new Set([
  'inboundNodes',
  'inbound_nodes',
  'inputLayers',
  'input_layers',
  'outputLayers',
  'output_layers',
]);

/** Keys whose values are free-form user data, copied verbatim (no key or value conversion). */
export const OPAQUE_KEYS: ReadonlySet<string> = new Set(['userDefinedMetadata', 'user_defined_metadata']);

/**
 * Config keys holding a nested serialized layer ({className, config}) that is deserialized into
 * a Layer before the owning class is constructed.
 */
export const NESTED_LAYER_KEYS: ReadonlySet<string> = new Set(['layer', 'backwardLayer', 'cell', 'cells']);

function savedKey(tsKey: string, className: string | undefined, format: ConfigFormat): string {
  for (const e of KEY_EXCEPTIONS) {
    if (e.ts === tsKey && e.formats.includes(format) && (e.className === undefined || e.className === className))
      return e.saved;
  }
  return pySnake(tsKey);
}

function tsKeyOf(saved: string, className: string | undefined, format: ConfigFormat): string {
  for (const e of KEY_EXCEPTIONS) {
    if (e.saved === saved && e.formats.includes(format) && (e.className === undefined || e.className === className))
      return e.ts;
  }
  return pyCamel(saved);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A simdgrad config (camelCase keys and values) to the saved form (snake_case), as tfjs'
 * convertTsToPythonic: undefined becomes null; names stay; other strings are snake_cased.
 */
export function toSavedConfig(value: unknown, format: ConfigFormat = 'tfjs', key?: string, className?: string): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return savedValue(key, value, format, className);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`toSavedConfig: '${key}' is ${value}, which JSON cannot hold`);
    return value;
  }
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    return value.map((item, i) =>
      LAYER_NAME_LIST_KEYS.has(key ?? '') && i === 0 && typeof item === 'string'
        ? item
        : toSavedConfig(item, format, key, className),
    );
  }
  if (isPlainObject(value)) {
    value = renameClass(value, format);
    const obj = value as Record<string, unknown>;
    const cls = typeof obj.className === 'string' ? obj.className : className;
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(obj)) {
      const sk = savedKey(k, cls, format);
      if (OPAQUE_KEYS.has(k)) out[sk] = JSON.parse(JSON.stringify(v ?? null)) as Json;
      else if (VERBATIM_VALUE_KEYS.has(k) && typeof v === 'string') out[sk] = v;
      else out[sk] = toSavedConfig(v, format, k, isPlainObject(v) ? cls : cls);
    }
    return out;
  }
  throw new Error(`toSavedConfig: '${key ?? '(root)'}' holds a ${typeof value}, which a config cannot hold`);
}

/**
 * A saved config (snake_case) to simdgrad's camelCase, as tfjs' convertPythonicToTs: keys and
 * string values are camelCased except names. `className` (when the object says) selects the
 * per-class key exceptions.
 */
export function fromSavedConfig(
  value: unknown,
  format: ConfigFormat = 'tfjs',
  key?: string,
  className?: string,
): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return tsValue(key, value, format);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    return value.map((item, i) =>
      LAYER_NAME_LIST_KEYS.has(key ?? '') && i === 0 && typeof item === 'string'
        ? item
        : fromSavedConfig(item, format, key, className),
    );
  }
  if (isPlainObject(value)) {
    const own = value.class_name ?? value.className;
    const cls = typeof own === 'string' ? own : className;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const tk = tsKeyOf(k, cls, format);
      if (OPAQUE_KEYS.has(k)) out[tk] = v;
      else if (VERBATIM_VALUE_KEYS.has(k) && typeof v === 'string') out[tk] = v;
      else out[tk] = fromSavedConfig(v, format, tk, cls);
    }
    return out;
  }
  throw new Error(`fromSavedConfig: '${key ?? '(root)'}' holds a ${typeof value}, which JSON cannot hold`);
}
