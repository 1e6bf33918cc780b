// Keras' ModelCheckpoint: filepath templates as Python's str.format (such as
// 'weights.{epoch:02d}-{val_loss:.2f}.json'), written through model.saveWeights when the model has it,
// else as a JSON file ({shapes, dtypes, values: base64 float32}) that loadWeightsFile reads back.
// File output needs Node; its modules load on first use.
import type { DataType } from '../engine/dtype.js';
import type { Tensor } from '../engine/tensor.js';
import { tensor } from '../ops/creation.js';
import { checkOptions } from '../utils/options.js';
import { Callback, describe, type HookResult } from './callback.js';
import { pyFixed } from './progbar.js';
import { base64ToBytes, bytesToBase64, nodeFs, nodePath, writeFileAtomic } from './node_io.js';
import type { CallbackModel, Logs } from './types.js';
import { availableKeys, checkMode, pyFloat, requireModel, type MonitorMode } from './builtin.js';

// ---------------------------------------------------------------------------------------------
// Python str.format for checkpoint paths

const FIELD = /\{\{|\}\}|\{([^{}:!]*)(?:![rsa])?(?::([^{}]*))?\}/g;
const SPEC = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

function twoDigitExp(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function formatG(v: number, p: number, alt: boolean): string {
  if (p === 0) p = 1;
  if (v === 0) return alt ? (0).toFixed(p - 1) : '0';
  const exp = Number(v.toExponential(p - 1).split('e')[1]);
  let s: string;
  if (exp >= -4 && exp < p) s = pyFixed(v, Math.max(0, p - 1 - exp));
  else s = twoDigitExp(v.toExponential(p - 1));
  if (!alt) s = s.replace(/(\.\d*?)0+(e|$)/, '$1$2').replace(/\.(e|$)/, '$1');
  return s;
}

function formatValue(name: string, v: unknown, spec: string, template: string, isInt: boolean): string {
  const m = SPEC.exec(spec);
  if (!m) throw new Error(`formatFilepath: invalid format spec '${spec}' for '${name}' in '${template}'`);
  const [, fillC, alignC, signC, altC, zero, widthS, group, precS, typeC] = m;
  const prec = precS === undefined ? undefined : Number(precS);
  let body: string;
  let sign = '';
  if (typeof v === 'string') {
    if (typeC && typeC !== 's')
      throw new Error(`formatFilepath: format code '${typeC}' cannot format the string '${name}' in '${template}'`);
    body = prec === undefined ? v : v.slice(0, prec);
  } else if (typeof v === 'number') {
    const a = Math.abs(v);
    if (v < 0 || Object.is(v, -0)) sign = '-';
    else if (signC === '+') sign = '+';
    else if (signC === ' ') sign = ' ';
    const finite = Number.isFinite(v);
    const special = Number.isNaN(v) ? 'nan' : 'inf';
    switch (typeC) {
      case 'd':
      case 'n':
        if (!Number.isInteger(v)) {
          throw new Error(`formatFilepath: format code 'd' needs an integer but '${name}' is ${v} in '${template}'`);
        }
        body = String(a);
        break;
      case 'f':
      case 'F':
        body = finite ? pyFixed(a, prec ?? 6) : special;
        break;
      case 'e':
      case 'E':
        body = finite ? twoDigitExp(a.toExponential(prec ?? 6)) : special;
        break;
      case 'g':
      case 'G':
        body = finite ? formatG(a, prec ?? 6, altC === '#') : special;
        break;
      case '%':
        body = finite ? pyFixed(a * 100, prec ?? 6) + '%' : special + '%';
        break;
      case undefined:
        body =
          isInt && Number.isInteger(v)
            ? String(a)
            : prec !== undefined && finite
              ? formatG(a, prec, false)
              : pyFloat(a);
        break;
      default:
        throw new Error(`formatFilepath: format code '${typeC}' is not supported (for '${name}' in '${template}')`);
    }
    if (typeC === 'E' || typeC === 'G' || typeC === 'F') body = body.toUpperCase();
    if (group) {
      const intPart = /^\d+/.exec(body)?.[0] ?? '';
      body = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, group) + body.slice(intPart.length);
    }
  } else {
    throw new Error(`formatFilepath: '${name}' has no printable value (${describe(v)}) in '${template}'`);
  }
  const width = widthS === undefined ? 0 : Number(widthS);
  let fill = fillC ?? ' ';
  let align = alignC ?? (typeof v === 'number' ? '>' : '<');
  if (zero && !alignC) {
    fill = '0';
    align = typeof v === 'number' ? '=' : '<';
  }
  const len = sign.length + body.length;
  if (len >= width) return sign + body;
  const pad = width - len;
  if (align === '=') return sign + fill.repeat(pad) + body;
  if (align === '<') return sign + body + fill.repeat(pad);
  if (align === '^') return fill.repeat(Math.floor(pad / 2)) + sign + body + fill.repeat(pad - Math.floor(pad / 2));
  return fill.repeat(pad) + sign + body;
}

/**
 * Python `str.format` for checkpoint paths (Keras' ModelCheckpoint `filepath`): `{epoch:02d}`,
 * `{val_loss:.2f}`, `{loss:.4e}`, `{epoch}`, `{{` and `}}`; fill, align, sign, width, grouping,
 * precision and the types d f e g % s. `intKeys` print as integers without a type (epoch, batch).
 * @example
 * sg.callbacks.formatFilepath('weights.{epoch:02d}-{val_loss:.2f}.json', { epoch: 3, val_loss: 0.1234 });
 * // 'weights.03-0.12.json'
 */
export function formatFilepath(
  template: string,
  values: Record<string, number | string>,
  intKeys: string[] = ['epoch', 'batch'],
): string {
  return template.replace(FIELD, (whole: string, name: string | undefined, spec: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const key = name ?? '';
    if (!(key in values)) {
      throw new Error(
        `formatFilepath: the path template '${template}' names '{${key}}', which is not available; ` +
          `available keys are: ${Object.keys(values).join(', ') || '(none)'}`,
      );
    }
    return formatValue(key, values[key], spec ?? '', template, intKeys.includes(key));
  });
}

// ---------------------------------------------------------------------------------------------
// The JSON weights file

/** The JSON layout ModelCheckpoint writes when the model has no saveWeights. */
export interface WeightsFile {
  /** Always 'simdgrad-weights'. */
  format: 'simdgrad-weights';
  /** The layout's version (1). */
  version: 1;
  /** Each weight's shape, in the model's weight order. */
  shapes: number[][];
  /** Each weight's dtype. */
  dtypes: DataType[];
  /** Each weight's values as little-endian float32, base64. */
  values: string[];
  /** The weights' variable names, when known. */
  names?: string[];
}

/**
 * Encodes tensors as a WeightsFile object (values as base64 little-endian float32).
 * @example
 * const json = JSON.stringify(sg.callbacks.encodeWeights(model.getWeights()));
 */
export function encodeWeights(weights: Tensor[]): WeightsFile {
  if (!Array.isArray(weights))
    throw new Error(`encodeWeights: argument 'weights' must be an array of tensors but got ${describe(weights)}`);
  const names: string[] = [];
  let named = true;
  const out: WeightsFile = { format: 'simdgrad-weights', version: 1, shapes: [], dtypes: [], values: [] };
  weights.forEach((w, i) => {
    if (!w || typeof w.dataSync !== 'function') {
      throw new Error(`encodeWeights: argument 'weights[${i}]' must be a Tensor but got ${describe(w)}`);
    }
    if (w.dtype === 'complex64')
      throw new Error(`encodeWeights: argument 'weights[${i}]' is complex64 (shape [${w.shape}]); weight files hold real tensors`);
    const vals = w.dataSync();
    const bytes = new Uint8Array(vals.length * 4);
    const view = new DataView(bytes.buffer);
    for (let j = 0; j < vals.length; j++) view.setFloat32(j * 4, vals[j], true);
    out.shapes.push(w.shape.slice());
    out.dtypes.push(w.dtype);
    out.values.push(bytesToBase64(bytes));
    const name = (w as Tensor & { name?: unknown }).name;
    if (typeof name === 'string') names.push(name);
    else named = false;
  });
  if (named && names.length > 0) out.names = names;
  return out;
}

/**
 * Decodes a WeightsFile object into new tensors (the caller owns them).
 * @example
 * const weights = sg.callbacks.decodeWeights(JSON.parse(text)); model.setWeights(weights); sg.dispose(weights);
 */
export function decodeWeights(file: unknown, source = 'decodeWeights'): Tensor[] {
  const f = file as Partial<WeightsFile>;
  if (f === null || typeof f !== 'object' || f.format !== 'simdgrad-weights') {
    throw new Error(`${source}: not a simdgrad weights file (expected "format": "simdgrad-weights")`);
  }
  if (f.version !== 1)
    throw new Error(`${source}: unsupported weights file version ${describe(f.version)}; this reader knows version 1`);
  const { shapes, dtypes, values } = f;
  if (
    !Array.isArray(shapes) ||
    !Array.isArray(dtypes) ||
    !Array.isArray(values) ||
    shapes.length !== dtypes.length ||
    shapes.length !== values.length
  ) {
    throw new Error(`${source}: 'shapes', 'dtypes' and 'values' must be arrays of one length`);
  }
  // Validate everything before creating any tensor, so an error leaks nothing.
  const decoded = shapes.map((shape, i) => {
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`${source}: weight ${i} has an invalid shape ${JSON.stringify(shape)}`);
    }
    const dtype = dtypes[i];
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
      throw new Error(`${source}: weight ${i} has an unknown dtype ${describe(dtype)}`);
    }
    if (typeof values[i] !== 'string') throw new Error(`${source}: weight ${i}'s values must be a base64 string`);
    const bytes = base64ToBytes(values[i], `${source}: weight ${i}`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (bytes.length !== size * 4) {
      throw new Error(
        `${source}: weight ${i} has shape ${JSON.stringify(shape)} (${size} values) but ${bytes.length} bytes of data (expected ${size * 4})`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const arr = dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
    for (let j = 0; j < size; j++) arr[j] = view.getFloat32(j * 4, true);
    return { shape, dtype, arr };
  });
  return decoded.map((d) => tensor(d.arr, d.shape, d.dtype));
}

/**
 * Writes tensors to `path` as a JSON WeightsFile (Node).
 * @example
 * await sg.callbacks.saveWeightsFile('w.json', weights);
 */
export async function saveWeightsFile(path: string, weights: Tensor[]): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(encodeWeights(weights)), 'saveWeightsFile');
}

/**
 * Reads a JSON weights file written by ModelCheckpoint (or saveWeightsFile) back to tensors,
 * in the order of `model.getWeights()`; the caller owns them.
 * @example
 * const weights = await sg.callbacks.loadWeightsFile('ckpt/weights.05-0.31.json');
 * model.setWeights(weights);
 * sg.dispose(weights);
 */
export async function loadWeightsFile(path: string): Promise<Tensor[]> {
  const fs = await nodeFs('loadWeightsFile');
  let text: string;
  try {
    text = await fs.promises.readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`loadWeightsFile: cannot read '${path}': ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`loadWeightsFile: '${path}' is not valid JSON: ${(e as Error).message}`);
  }
  return decodeWeights(json, `loadWeightsFile('${path}')`);
}

// ---------------------------------------------------------------------------------------------
// ModelCheckpoint

/** Options of {@link ModelCheckpoint} (Keras' arguments in camelCase). */
export interface ModelCheckpointArgs {
  /** Default 'val_loss'. */
  monitor?: string;
  /** 1 prints each save. Default 0. */
  verbose?: number;
  /** Save only when the monitored quantity improves on the best so far. Default false. */
  saveBestOnly?: boolean;
  /** Save weights only (default true; false needs a model with `save`). */
  saveWeightsOnly?: boolean;
  /** 'auto': 'max' when the monitor contains 'acc' or starts with 'fmeasure', else 'min'. */
  mode?: MonitorMode;
  /** 'epoch' (default) or a number of batches between saves. */
  saveFreq?: 'epoch' | number;
  /** The best value to start from, with saveBestOnly. */
  initialValueThreshold?: number;
}

/**
 * Saves the weights during training (Keras `ModelCheckpoint`). The path is a Python format
 * template filled with `epoch` (1-based), `batch` (1-based, with a numeric `saveFreq`) and the
 * logs: 'ckpt/weights.{epoch:02d}-{val_loss:.2f}.json'. It uses `model.saveWeights` when the
 * model has it, else writes a JSON weights file that `loadWeightsFile` reads.
 * @example
 * const ckpt = sg.callbacks.modelCheckpoint('ckpt/best.json', { monitor: 'val_accuracy', saveBestOnly: true });
 * await model.fit(x, y, { epochs: 20, validationSplit: 0.2, callbacks: [ckpt] });
 * ckpt.lastSaved; // the path written last
 */
export class ModelCheckpoint extends Callback {
  /** The log key compared with saveBestOnly. */
  readonly monitor: string;
  /** 1 prints each save. */
  readonly verbose: number;
  /** Save only when the monitor improves on the best so far. */
  readonly saveBestOnly: boolean;
  /** Save the weights only (else `model.save`). */
  readonly saveWeightsOnly: boolean;
  /** 'min', 'max' or 'auto'. */
  readonly mode: MonitorMode;
  /** 'epoch', or the number of batches between saves. */
  readonly saveFreq: 'epoch' | number;
  /** The best monitored value so far. */
  best: number;
  /** Every path saved so far, in order. */
  readonly saved: string[] = [];
  private readonly better: (a: number, b: number) => boolean;
  private currentEpoch = 0;
  private batchesSinceSave = 0;
  private lastBatchSeen = 0;

  constructor(
    /** The path template ('ckpt/weights.{epoch:02d}.json'). */
    readonly filepath: string,
    args: ModelCheckpointArgs = {},
  ) {
    super();
    const fn = 'modelCheckpoint';
    if (typeof filepath !== 'string' || filepath === '') {
      throw new Error(`${fn}: argument 'filepath' must be a non-empty path template but got ${describe(filepath)}`);
    }
    this.monitor = args.monitor ?? 'val_loss';
    this.verbose = args.verbose ?? 0;
    this.saveBestOnly = args.saveBestOnly ?? false;
    this.saveWeightsOnly = args.saveWeightsOnly ?? true;
    this.mode = checkMode(fn, args.mode ?? 'auto');
    const freq = args.saveFreq ?? 'epoch';
    if (freq !== 'epoch' && !(typeof freq === 'number' && Number.isInteger(freq) && freq > 0)) {
      throw new Error(
        `${fn}: option 'saveFreq' must be 'epoch' or a positive integer number of batches but got ${describe(freq)}`,
      );
    }
    this.saveFreq = freq;
    const max =
      this.mode === 'max' ||
      (this.mode === 'auto' && (this.monitor.includes('acc') || this.monitor.startsWith('fmeasure')));
    this.better = max ? (a, b) => a > b : (a, b) => a < b;
    this.best = args.initialValueThreshold ?? (max ? -Infinity : Infinity);
  }

  /** The path written last, or undefined before the first save. */
  get lastSaved(): string | undefined {
    return this.saved[this.saved.length - 1];
  }

  override setModel(model: CallbackModel): void {
    super.setModel(model);
    if (!this.saveWeightsOnly && typeof model.save !== 'function') {
      throw new Error(
        `modelCheckpoint: saveWeightsOnly is false but the model has no save(path) method; use saveWeightsOnly: true`,
      );
    }
  }

  override onTrainBegin(): void {
    this.batchesSinceSave = 0;
    this.lastBatchSeen = 0;
  }

  override onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
  }

  override onBatchEnd(batch: number, logs: Logs = {}): HookResult {
    if (this.saveFreq === 'epoch') return;
    // A batch index not above the last one seen means a new epoch began.
    const add = batch <= this.lastBatchSeen ? batch + 1 : batch - this.lastBatchSeen;
    this.batchesSinceSave += add;
    this.lastBatchSeen = batch;
    if (this.batchesSinceSave >= this.saveFreq) {
      this.batchesSinceSave = 0;
      return this.saveModel(this.currentEpoch, batch, logs);
    }
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): HookResult {
    if (this.saveFreq === 'epoch') return this.saveModel(epoch, null, logs);
  }

  /** The path for this epoch (0-based) and batch (0-based or null) and logs. */
  filePath(epoch: number, batch: number | null, logs: Logs): string {
    const values: Record<string, number> = { ...logs, epoch: epoch + 1 };
    if (batch !== null && !('batch' in logs)) values.batch = batch + 1;
    try {
      return formatFilepath(this.filepath, values);
    } catch (e) {
      throw new Error(`modelCheckpoint: failed to format the filepath '${this.filepath}': ${(e as Error).message}`);
    }
  }

  private saveModel(epoch: number, batch: number | null, logs: Logs): HookResult {
    const path = this.filePath(epoch, batch, logs);
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) {
        console.warn(
          `modelCheckpoint: can save the best model only with '${this.monitor}' available, skipping; available: ${availableKeys(logs)}`,
        );
        return;
      }
      if (!this.better(current, this.best)) {
        if (this.verbose > 0)
          console.log(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${this.best.toFixed(5)}`);
        return;
      }
      if (this.verbose > 0) {
        console.log(
          `\nEpoch ${epoch + 1}: ${this.monitor} improved from ${this.best.toFixed(5)} to ${current.toFixed(5)}, saving model to ${path}`,
        );
      }
      this.best = current;
    } else if (this.verbose > 0) {
      console.log(`\nEpoch ${epoch + 1}: saving model to ${path}`);
    }
    return this.write(path);
  }

  private async write(path: string): Promise<void> {
    const model = requireModel('modelCheckpoint', this.model);
    const fs = await nodeFs('modelCheckpoint');
    const p = await nodePath('modelCheckpoint');
    await fs.promises.mkdir(p.dirname(p.resolve(path)), { recursive: true });
    if (!this.saveWeightsOnly) {
      await model.save!(path);
    } else if (typeof model.saveWeights === 'function') {
      await model.saveWeights(path);
    } else {
      const weights = model.getWeights();
      try {
        await saveWeightsFile(path, weights);
      } finally {
        for (const w of weights) w.dispose();
      }
    }
    this.saved.push(path);
  }
}

/** A ModelCheckpoint (see the class). @example sg.callbacks.modelCheckpoint('w.{epoch:02d}.json') */
export function modelCheckpoint(filepath: string, args: ModelCheckpointArgs = {}): ModelCheckpoint {
  checkOptions('modelCheckpoint', args);
  return new ModelCheckpoint(filepath, args);
}
