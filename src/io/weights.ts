// Weight bytes <-> values, as tfjs-core's encodeWeights/decodeWeights: little-endian float32 and
// int32, bool as one byte, quantized uint8/uint16 (v * scale + min) and float16 dequantized on
// load. Every spec and size is checked against the bytes before anything is allocated.
import type { DataType, TypedArray } from '../engine/dtype.js';
import type { ModelArtifacts, ModelArtifactsInfo, WeightData, WeightsManifestEntry } from './types.js';

/** A decoded weight: host values, not yet a tensor (so a failed load leaves nothing behind). */
export interface DecodedWeight {
  name: string;
  shape: number[];
  dtype: DataType;
  values: TypedArray;
  group?: string;
}

const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Largest weight we agree to decode (elements): 2^31 - 1, the typed-array limit in practice. */
const MAX_ELEMENTS = 2 ** 31 - 1;

/** Typed arrays use the platform's byte order; the format is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One buffer from tfjs 4.x's ArrayBuffer | ArrayBuffer[]. */
export function concatWeightData(data: WeightData): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  if (!Array.isArray(data))
    throw new Error(`weightData must be an ArrayBuffer or a list of them but is ${typeof data}`);
  if (data.length === 1 && data[0] instanceof ArrayBuffer) return data[0];
  let total = 0;
  for (const b of data) {
    if (!(b instanceof ArrayBuffer)) throw new Error('weightData: every shard must be an ArrayBuffer');
    total += b.byteLength;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), off);
    off += b.byteLength;
  }
  return out.buffer;
}

/** Checks one manifest entry and returns its element count and stored byte length. */
export function checkSpec(spec: unknown, where: string, index: number): { size: number; bytes: number } {
  const at = `${where}: weight ${index}`;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new Error(`${at} is not an object`);
  const s = spec as WeightsManifestEntry;
  if (typeof s.name !== 'string' || s.name.length === 0) throw new Error(`${at} has no name`);
  const named = `${where}: weight '${s.name}'`;
  if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${named} has an invalid shape ${JSON.stringify(s.shape)} (need non-negative integers)`);
  }
  let size = 1;
  for (const d of s.shape) {
    size *= d;
    if (size > MAX_ELEMENTS) throw new Error(`${named} has shape ${JSON.stringify(s.shape)}, over 2^31 elements`);
  }
  if (s.dtype === 'string' || s.dtype === 'complex64') {
    throw new Error(`${named} has dtype '${s.dtype}', which simdgrad models do not hold (float32, int32, bool)`);
  }
  if (!['float32', 'int32', 'bool'].includes(s.dtype))
    throw new Error(`${named} has unknown dtype '${String(s.dtype)}'`);
  let stored: string = s.dtype;
  if (s.quantization !== undefined && s.quantization !== null) {
    const q = s.quantization;
    if (typeof q !== 'object' || !['uint8', 'uint16', 'float16'].includes(q.dtype)) {
      throw new Error(
        `${named} has unknown quantization dtype '${String((q as { dtype?: unknown })?.dtype)}' (uint8, uint16 or float16)`,
      );
    }
    if (q.dtype === 'float16' && s.dtype !== 'float32') {
      throw new Error(`${named}: float16 quantization is only for float32 weights, not ${s.dtype}`);
    }
    if (q.dtype !== 'float16') {
      if (s.dtype === 'bool') throw new Error(`${named}: bool weights cannot be quantized`);
      if (
        typeof q.scale !== 'number' ||
        typeof q.min !== 'number' ||
        !Number.isFinite(q.scale) ||
        !Number.isFinite(q.min)
      ) {
        throw new Error(`${named}: ${q.dtype} quantization needs finite 'min' and 'scale' numbers`);
      }
    }
    stored = q.dtype;
  }
  return { size, bytes: size * STORED_BYTES[stored] };
}

/** The total byte length `specs` describe (each checked). */
export function specsByteLength(specs: unknown, where: string): number {
  if (!Array.isArray(specs)) throw new Error(`${where}: the weight specs must be a list`);
  let total = 0;
  specs.forEach((s, i) => (total += checkSpec(s, where, i).bytes));
  return total;
}

let f16Table: Float32Array | undefined;
/** float16 bits -> float32, by a 64K table built once. */
function float16Table(): Float32Array {
  if (f16Table) return f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * 2 ** -14 * (frac / 1024);
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  f16Table = t;
  return t;
}

/**
 * Decodes `data` by `specs` into host arrays. Throws, naming `where` and the weight, when a spec
 * is malformed or the bytes are fewer (or more) than the specs describe; nothing is allocated
 * before the sizes add up.
 */
export function decodeWeights(data: WeightData, specs: unknown, where: string): DecodedWeight[] {
  const buf = concatWeightData(data);
  const total = specsByteLength(specs, where);
  if (total !== buf.byteLength) {
    throw new Error(
      `${where}: the weight data has ${buf.byteLength} bytes but the manifest describes ${total} bytes` +
        (buf.byteLength < total ? ' (truncated or missing shard?)' : ' (extra bytes: wrong manifest?)'),
    );
  }
  const view = new DataView(buf);
  const out: DecodedWeight[] = [];
  let off = 0;
  for (const s of specs as WeightsManifestEntry[]) {
    const { size, bytes } = checkSpec(s, where, out.length);
    const q = s.quantization;
    let values: TypedArray;
    if (!q && s.dtype !== 'bool' && LITTLE_ENDIAN && off % 4 === 0) {
      // Aligned little-endian bytes are used in place (the tensor made from them copies).
      values = s.dtype === 'float32' ? new Float32Array(buf, off, size) : new Int32Array(buf, off, size);
    } else if (s.dtype === 'float32') {
      const v = new Float32Array(size);
      if (!q) for (let i = 0; i < size; i++) v[i] = view.getFloat32(off + 4 * i, true);
      else if (q.dtype === 'float16') {
        const t = float16Table();
        for (let i = 0; i < size; i++) v[i] = t[view.getUint16(off + 2 * i, true)];
      } else if (q.dtype === 'uint8') for (let i = 0; i < size; i++) v[i] = view.getUint8(off + i) * q.scale! + q.min!;
      else for (let i = 0; i < size; i++) v[i] = view.getUint16(off + 2 * i, true) * q.scale! + q.min!;
      values = v;
    } else if (s.dtype === 'int32') {
      const v = new Int32Array(size);
      if (!q) for (let i = 0; i < size; i++) v[i] = view.getInt32(off + 4 * i, true);
      else if (q.dtype === 'uint8')
        for (let i = 0; i < size; i++) v[i] = Math.round(view.getUint8(off + i) * q.scale! + q.min!);
      else for (let i = 0; i < size; i++) v[i] = Math.round(view.getUint16(off + 2 * i, true) * q.scale! + q.min!);
      values = v;
    } else {
      const v = new Int32Array(size);
      for (let i = 0; i < size; i++) v[i] = view.getUint8(off + i) ? 1 : 0;
      values = v;
    }
    out.push({
      name: s.name,
      shape: s.shape.slice(),
      dtype: s.dtype as DataType,
      values,
      ...(s.group ? { group: s.group } : {}),
    });
    off += bytes;
  }
  return out;
}

/** Encodes named host values into one little-endian buffer and its specs (tfjs' encodeWeights). */
export function encodeWeights(
  weights: { name: string; shape: number[]; dtype: DataType; values: TypedArray; group?: 'model' | 'optimizer' }[],
): { data: ArrayBuffer; specs: WeightsManifestEntry[] } {
  let total = 0;
  for (const w of weights) {
    // Weight files hold float32, int32 and bool; a complex64 weight would be written as something else.
    if (w.dtype !== 'float32' && w.dtype !== 'int32' && w.dtype !== 'bool')
      throw new Error(`encodeWeights: weight '${w.name}' has dtype ${w.dtype}; weight files hold float32, int32 and bool`);
    total += w.values.length * (w.dtype === 'bool' ? 1 : 4);
  }
  const buf = new ArrayBuffer(total);
  const view = new DataView(buf);
  const specs: WeightsManifestEntry[] = [];
  let off = 0;
  for (const w of weights) {
    const n = w.values.length;
    if (w.dtype === 'float32' && LITTLE_ENDIAN && off % 4 === 0) new Float32Array(buf, off, n).set(w.values);
    else if (w.dtype === 'float32') for (let i = 0; i < n; i++) view.setFloat32(off + 4 * i, w.values[i], true);
    else if (w.dtype === 'int32') for (let i = 0; i < n; i++) view.setInt32(off + 4 * i, w.values[i], true);
    else for (let i = 0; i < n; i++) view.setUint8(off + i, w.values[i] ? 1 : 0);
    off += n * (w.dtype === 'bool' ? 1 : 4);
    specs.push({ name: w.name, shape: w.shape.slice(), dtype: w.dtype, ...(w.group ? { group: w.group } : {}) });
  }
  return { data: buf, specs };
}

/** Byte counts of artifacts, as tfjs' getModelArtifactsInfoForJSON. */
export function artifactsInfo(a: ModelArtifacts): ModelArtifactsInfo {
  const data = a.weightData;
  const bytes =
    data === undefined ? 0 : Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength;
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: a.modelTopology === undefined ? 0 : utf8Length(JSON.stringify(a.modelTopology)),
    weightSpecsBytes: a.weightSpecs === undefined ? 0 : utf8Length(JSON.stringify(a.weightSpecs)),
    weightDataBytes: bytes,
  };
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Splits a buffer into shards of at most `shardBytes` (tfjs writes 4 MB shards). */
export function splitShards(data: ArrayBuffer, shardBytes = 4 * 1024 * 1024): ArrayBuffer[] {
  if (data.byteLength === 0) return [data];
  const out: ArrayBuffer[] = [];
  for (let off = 0; off < data.byteLength; off += shardBytes)
    out.push(data.slice(off, Math.min(off + shardBytes, data.byteLength)));
  return out;
}
