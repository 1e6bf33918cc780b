// numpy's .npy and .npz files, read (Keras' imdb.npz and reuters.npz are .npz archives). The header
// dict is parsed by a strict little grammar (no eval): 'descr', 'fortran_order' and 'shape' with
// string, boolean and integer-tuple values. Dtypes <i4 <i8 <f4 <f8 |u1 |b1 and object arrays
// ('|O', stored pickled; read by the restricted reader of pickle.ts). Every size is checked
// against the bytes present before anything is allocated. Also numpy's legacy RandomState
// shuffle (MT19937), so Keras' seeded shuffles of these datasets are reproduced exactly.
import { ZipReader } from '../io/zip.js';
import { PyNdarray, readPickle, type PickleValue } from './pickle.js';

/** One array read from a .npy file. */
export interface NpyArray {
  /** The dtype as the header gives it: '<i4', '<i8', '<f4', '<f8', '|u1', '|b1' or '|O'. */
  dtype: string;
  /** The dimensions, outermost first. */
  shape: number[];
  /**
   * The items in C order: Int32Array (<i4), Float64Array (<i8, each checked to be a safe integer,
   * and <f8), Float32Array (<f4), Uint8Array (|u1, |b1), or for '|O' the unpickled items (number[]
   * for Python lists of ints, as Keras' sequences).
   */
  data: Int32Array | Float64Array | Float32Array | Uint8Array | PickleValue[];
}

const WIDTH: Record<string, number> = { '<i4': 4, '<i8': 8, '<f4': 4, '<f8': 8, '|u1': 1, '|b1': 1 };

/** Parses numpy's header dict literal, e.g. {'descr': '<i8', 'fortran_order': False, 'shape': (3,), }. */
export function parseNpyHeader(src: string, what: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`${what}: .npy header ${JSON.stringify(src.trim())}: ${msg}`);
  };
  const ws = () => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const expect = (c: string) => {
    ws();
    if (src[i] !== c) fail(`expected '${c}' at character ${i}`);
    i++;
  };
  const str = (): string => {
    ws();
    const q = src[i];
    if (q !== "'" && q !== '"') fail(`expected a string at character ${i}`);
    const end = src.indexOf(q, i + 1);
    if (end < 0) fail('unterminated string');
    const s = src.slice(i + 1, end);
    if (s.includes('\\')) fail('escapes are not read');
    i = end + 1;
    return s;
  };
  const int = (): number => {
    ws();
    const m = /^\d+/.exec(src.slice(i));
    if (!m) fail(`expected an integer at character ${i}`);
    i += m![0].length;
    // numpy 1.x wrote Python 2 longs as '3L'
    if (src[i] === 'L') i++;
    const v = Number(m![0]);
    if (!Number.isSafeInteger(v)) fail(`dimension ${m![0]} is too large`);
    return v;
  };
  const out: { descr?: string; fortranOrder?: boolean; shape?: number[] } = {};
  expect('{');
  for (;;) {
    ws();
    if (src[i] === '}') {
      i++;
      break;
    }
    const key = str();
    expect(':');
    ws();
    if (key === 'descr') out.descr = str();
    else if (key === 'fortran_order') {
      if (src.startsWith('True', i)) ((out.fortranOrder = true), (i += 4));
      else if (src.startsWith('False', i)) ((out.fortranOrder = false), (i += 5));
      else fail("'fortran_order' must be True or False");
    } else if (key === 'shape') {
      expect('(');
      const dims: number[] = [];
      for (;;) {
        ws();
        if (src[i] === ')') {
          i++;
          break;
        }
        dims.push(int());
        ws();
        if (src[i] === ',') i++;
        else if (src[i] !== ')') fail(`expected ',' or ')' in the shape at character ${i}`);
      }
      out.shape = dims;
    } else fail(`unknown key '${key}'`);
    ws();
    if (src[i] === ',') i++;
    else if (src[i] !== '}') fail(`expected ',' or '}' at character ${i}`);
  }
  ws();
  if (i !== src.length) fail('text after the dict');
  if (out.descr === undefined || out.fortranOrder === undefined || out.shape === undefined)
    fail("the header needs 'descr', 'fortran_order' and 'shape'");
  return out as { descr: string; fortranOrder: boolean; shape: number[] };
}

/**
 * Reads one .npy file (format versions 1, 2 and 3). `what` names it in errors.
 * @example const { dtype, shape, data } = sg.datasets.readNpy(bytes, 'y_train.npy');
 */
export function readNpy(bytes: Uint8Array, what = '.npy file'): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, k) => bytes[k] !== b))
    throw new Error(`${what}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new Error(`${what}: .npy format version ${major}.${bytes[7]} is not read (1 to 3)`);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new Error(`${what}: truncated .npy header`);
  let hlen = 0;
  for (let k = lenBytes - 1; k >= 0; k--) hlen = hlen * 256 + bytes[8 + k];
  const start = 8 + lenBytes + hlen;
  if (start > bytes.length)
    throw new Error(
      `${what}: .npy header claims ${hlen} bytes but the file has ${bytes.length - 8 - lenBytes} after the magic`,
    );
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lenBytes, start));
  const { descr, fortranOrder, shape } = parseNpyHeader(header, what);
  const size = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(size)) throw new Error(`${what}: shape [${shape}] has too many items`);
  const body = bytes.subarray(start);
  if (descr === '|O') {
    const v = readPickle(body, what);
    if (!(v instanceof PyNdarray) || !v.built || !v.items)
      throw new Error(`${what}: an object array's pickle must hold a numpy object array`);
    if (v.shape.join(',') !== shape.join(','))
      throw new Error(`${what}: the pickled array has shape [${v.shape}] but the header says [${shape}]`);
    return { dtype: descr, shape, data: v.items };
  }
  const width = WIDTH[descr];
  if (!width)
    throw new Error(`${what}: dtype '${descr}' is not read (${Object.keys(WIDTH).join(' ')} |O; little-endian only)`);
  if (fortranOrder && shape.length > 1) throw new Error(`${what}: Fortran-ordered arrays of rank > 1 are not read`);
  if (body.length < size * width)
    throw new Error(
      `${what}: shape [${shape}] of ${descr} needs ${size * width} bytes but the file has ${body.length}`,
    );
  return { dtype: descr, shape, data: decode(body.subarray(0, size * width), descr, what) };
}

/** Little-endian bytes of a numeric dtype to its typed array (copied, aligned). */
export function decode(b: Uint8Array, descr: string, what: string): NpyArray['data'] {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b.length / WIDTH[descr];
  switch (descr) {
    case '<i4': {
      const o = new Int32Array(n);
      for (let k = 0; k < n; k++) o[k] = view.getInt32(4 * k, true);
      return o;
    }
    case '<i8': {
      const o = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        const v = view.getBigInt64(8 * k, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
          throw new Error(`${what}: item ${k} (${v}) is past 2^53 and cannot be held exactly`);
        o[k] = Number(v);
      }
      return o;
    }
    case '<f4': {
      const o = new Float32Array(n);
      for (let k = 0; k < n; k++) o[k] = view.getFloat32(4 * k, true);
      return o;
    }
    case '<f8': {
      const o = new Float64Array(n);
      for (let k = 0; k < n; k++) o[k] = view.getFloat64(8 * k, true);
      return o;
    }
    default:
      return b.slice();
  }
}

/**
 * Reads every array of an .npz archive (a zip of .npy files), by name without '.npy'.
 * @example const arrays = await sg.datasets.readNpz(bytes, 'imdb.npz'); arrays.get('y_train');
 */
export async function readNpz(bytes: Uint8Array, what = '.npz file'): Promise<Map<string, NpyArray>> {
  const zip = ZipReader.open(bytes, what);
  const out = new Map<string, NpyArray>();
  for (const name of zip.names()) {
    if (!name.endsWith('.npy')) continue;
    out.set(name.slice(0, -4), readNpy(await zip.read(name), `${what}: ${name}`));
  }
  return out;
}

/**
 * numpy's legacy `np.random.RandomState(seed)`: MT19937 seeded by init_genrand, with the
 * `shuffle` of numpy's RandomState (Fisher-Yates from the end, bounded draws by masked rejection),
 * so a Keras dataset shuffled with a seed comes out in the same order.
 * @example new NumpyRandomState(113).shuffle([0, 1, 2, 3]);
 */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(624);
  private i = 624;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new Error(`RandomState: seed must be an integer in 0..2**32-1 but is ${seed}`);
    this.mt[0] = seed >>> 0;
    for (let k = 1; k < 624; k++) {
      const prev = this.mt[k - 1] ^ (this.mt[k - 1] >>> 30);
      this.mt[k] = (Math.imul(1812433253, prev) + k) >>> 0;
    }
  }

  /** The next 32-bit output of MT19937. */
  nextUint32(): number {
    const mt = this.mt;
    if (this.i >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.i = 0;
    }
    let y = mt[this.i++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A uniform integer in 0..max (numpy's random_interval, for max < 2^32). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** Shuffles `a` in place as `RandomState.shuffle` does a 1-d array, and returns it. */
  shuffle<T>(a: T[]): T[] {
    if (a.length > 0xffffffff) throw new Error('RandomState.shuffle: arrays past 2^32 items are not shuffled');
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
