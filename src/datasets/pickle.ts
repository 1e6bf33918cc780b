// A restricted reader of Python pickles, for the object arrays numpy stores in .npy files (Keras'
// imdb.npz and reuters.npz hold their ragged sequences that way). Files are data, never code: only
// the opcodes that build lists, tuples, integers, strings and bytes are read, and the only globals
// are the three numpy writes for an array (numpy.ndarray, numpy.dtype and
// numpy[._]core.multiarray._reconstruct, as Keras' own RestrictedUnpickler allows, plus
// _codecs.encode(text, 'latin1'), which is how Python 3 writes bytes in protocol 2); REDUCE and
// BUILD are accepted only on those, and build inert records, never call anything. Every other
// opcode or global fails, naming it and its offset. Every length is checked against the bytes
// left before it is read.

/** A tuple (kept apart from lists so the array records can be checked). */
export class PyTuple {
  constructor(
    /** The tuple's items. */
    readonly items: PickleValue[],
  ) {}
}
/** One of the allowed globals, e.g. 'numpy.ndarray'. */
export class PyGlobal {
  constructor(readonly name: string) {}
}
/** numpy.dtype(descr, align, copy), before and after BUILD sets its byte order. */
export class PyDtype {
  order = '|';
  constructor(readonly descr: string) {}
}
/** A numpy array rebuilt from its pickled state: object arrays hold items, numeric ones bytes. */
export class PyNdarray {
  /** The array's shape. */
  shape: number[] = [];
  /** The array's dtype, once BUILD has run. */
  dtype: PyDtype | null = null;
  /** The items of an object array. */
  items: PickleValue[] | null = null;
  /** The raw bytes of a numeric array. */
  bytes: Uint8Array | null = null;
  /** Whether BUILD has set the state. */
  built = false;
}
/** A value the restricted unpickler can produce. */
export type PickleValue =
  number | bigint | string | boolean | null | Uint8Array | PickleValue[] | PyTuple | PyGlobal | PyDtype | PyNdarray;

const MARK = Symbol('mark');
type Slot = PickleValue | typeof MARK;

const ALLOWED_GLOBALS = new Set([
  'numpy.ndarray',
  'numpy.dtype',
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  // Python 3 writes bytes in protocol 2 as _codecs.encode(text, 'latin1'): read as that decoding only.
  '_codecs.encode',
]);

const NAMES: Record<number, string> = {
  0x52: 'REDUCE',
  0x62: 'BUILD',
  0x69: 'INST',
  0x6f: 'OBJ',
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x7d: 'EMPTY_DICT',
  0x64: 'DICT',
  0x73: 'SETITEM',
  0x75: 'SETITEMS',
  0x47: 'BINFLOAT',
  0x46: 'FLOAT',
  0x49: 'INT',
  0x4c: 'LONG',
  0x8b: 'LONG4',
  0x50: 'PERSID',
  0x51: 'BINPERSID',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
  0x53: 'STRING',
  0x56: 'UNICODE',
  0x70: 'PUT',
  0x67: 'GET',
  0x30: 'POP',
  0x31: 'POP_MARK',
  0x32: 'DUP',
};

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads one pickle from `bytes` (protocol 2 to 5, as numpy writes object arrays) and returns its
 * value: numbers (bigint past 2^53), strings, byte arrays, arrays for lists, PyTuple, and
 * PyNdarray for a numpy array. `what` names the file in errors.
 * @example const arr = readPickle(bytes, 'x_train.npy') as PyNdarray;
 */
export function readPickle(bytes: Uint8Array, what = 'pickle'): PickleValue {
  const stack: Slot[] = [];
  const marks: number[] = [];
  const memo: PickleValue[] = [];
  let p = 0;
  const fail = (msg: string, at = p): never => {
    throw new Error(`${what}: pickle byte ${at}: ${msg}`);
  };
  const need = (n: number, name: string) => {
    if (!Number.isSafeInteger(n) || n < 0 || p + n > bytes.length)
      fail(`${name} needs ${n} bytes but only ${bytes.length - p} are left in the file`);
  };
  const u = (n: number, name: string): number => {
    need(n, name);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + bytes[p + i];
    p += n;
    return v;
  };
  const take = (n: number, name: string): Uint8Array => {
    need(n, name);
    const b = bytes.subarray(p, p + n);
    p += n;
    return b;
  };
  const pop = (name: string): PickleValue => {
    if (!stack.length) fail(`${name} on an empty stack`);
    const v = stack.pop()!;
    if (v === MARK) fail(`${name} found a MARK where a value was expected`);
    return v as PickleValue;
  };
  const popMark = (name: string): PickleValue[] => {
    if (!marks.length) fail(`${name} without a MARK`);
    const m = marks.pop()!;
    const items = stack.splice(m);
    items.shift(); // the mark
    if (items.some((v) => v === MARK)) fail(`${name}: nested MARK`);
    return items as PickleValue[];
  };
  const push = (v: PickleValue) => stack.push(v);
  const text = (b: Uint8Array, name: string): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail(`${name}: not valid UTF-8`);
    }
  };
  const line = (name: string): string => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0 || end - p > 256) fail(`${name}: no newline-terminated name`);
    const s = latin1.decode(bytes.subarray(p, end));
    p = end + 1;
    return s;
  };
  const global = (mod: string, name: string, at: number): PyGlobal => {
    const full = `${mod}.${name}`;
    if (!ALLOWED_GLOBALS.has(full))
      fail(
        `refusing global ${full}: only numpy.ndarray, numpy.dtype, multiarray._reconstruct ` +
          `(and _codecs.encode for latin1 bytes) are read (files are data, never code)`,
        at,
      );
    return new PyGlobal(full);
  };
  const appendTo = (list: PickleValue, items: PickleValue[], name: string) => {
    if (!Array.isArray(list)) fail(`${name} onto something that is not a list`);
    for (const v of items) (list as PickleValue[]).push(v);
  };

  while (p < bytes.length) {
    const at = p;
    const op = bytes[p++];
    switch (op) {
      case 0x80: // PROTO
        if (u(1, 'PROTO') > 5) fail('protocol above 5', at);
        break;
      case 0x95: // FRAME: the frame's bytes follow inline
        need(u(8, 'FRAME'), 'FRAME');
        break;
      case 0x63: {
        // GLOBAL
        const mod = line('GLOBAL');
        push(global(mod, line('GLOBAL'), at));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop('STACK_GLOBAL');
        const mod = pop('STACK_GLOBAL');
        if (typeof mod !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings', at);
        push(global(mod as string, name as string, at));
        break;
      }
      case 0x8c: // SHORT_BINUNICODE
        push(text(take(u(1, 'SHORT_BINUNICODE'), 'SHORT_BINUNICODE'), 'SHORT_BINUNICODE'));
        break;
      case 0x58: // BINUNICODE
        push(text(take(u(4, 'BINUNICODE'), 'BINUNICODE'), 'BINUNICODE'));
        break;
      case 0x8d: // BINUNICODE8
        push(text(take(u(8, 'BINUNICODE8'), 'BINUNICODE8'), 'BINUNICODE8'));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str)
        push(latin1.decode(take(u(1, 'SHORT_BINSTRING'), 'SHORT_BINSTRING')));
        break;
      case 0x54: // BINSTRING
        push(latin1.decode(take(u(4, 'BINSTRING'), 'BINSTRING')));
        break;
      case 0x43: // SHORT_BINBYTES
        push(take(u(1, 'SHORT_BINBYTES'), 'SHORT_BINBYTES').slice());
        break;
      case 0x42: // BINBYTES
        push(take(u(4, 'BINBYTES'), 'BINBYTES').slice());
        break;
      case 0x8e: // BINBYTES8
        push(take(u(8, 'BINBYTES8'), 'BINBYTES8').slice());
        break;
      case 0x94: {
        // MEMOIZE
        const v = stack[stack.length - 1];
        if (v === undefined || v === MARK) fail('MEMOIZE with no value on the stack', at);
        memo.push(v as PickleValue);
        break;
      }
      case 0x71:
      case 0x72: {
        // BINPUT, LONG_BINPUT
        const i = u(op === 0x71 ? 1 : 4, 'BINPUT');
        const v = stack[stack.length - 1];
        if (v === undefined || v === MARK) fail('BINPUT with no value on the stack', at);
        if (i > memo.length) fail(`BINPUT to memo slot ${i} past the ${memo.length} filled`, at);
        memo[i] = v as PickleValue;
        break;
      }
      case 0x68:
      case 0x6a: {
        // BINGET, LONG_BINGET
        const i = u(op === 0x68 ? 1 : 4, 'BINGET');
        if (i >= memo.length || memo[i] === undefined) fail(`BINGET of memo slot ${i}, never stored`, at);
        push(memo[i]);
        break;
      }
      case 0x28: // MARK
        marks.push(stack.length);
        stack.push(MARK);
        break;
      case 0x74: // TUPLE
        push(new PyTuple(popMark('TUPLE')));
        break;
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]));
        break;
      case 0x85:
      case 0x86:
      case 0x87: {
        // TUPLE1..3
        const n = op - 0x84;
        const items: PickleValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop(`TUPLE${n}`));
        push(new PyTuple(items));
        break;
      }
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: // LIST
        push(popMark('LIST'));
        break;
      case 0x61: {
        // APPEND: the list stays on the stack
        const v = pop('APPEND');
        const list = stack[stack.length - 1];
        if (list === undefined || list === MARK) fail('APPEND with no list below its value', at);
        appendTo(list as PickleValue, [v], 'APPEND');
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark('APPENDS');
        const list = stack[stack.length - 1];
        if (list === undefined || list === MARK) fail('APPENDS with no list below its MARK', at);
        appendTo(list as PickleValue, items, 'APPENDS');
        break;
      }
      case 0x4a: // BININT
        need(4, 'BININT');
        push((bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24)) >> 0);
        p += 4;
        break;
      case 0x4b: // BININT1
        push(u(1, 'BININT1'));
        break;
      case 0x4d: // BININT2
        push(u(2, 'BININT2'));
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement
        const b = take(u(1, 'LONG1'), 'LONG1');
        let v = 0n;
        for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (b.length && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
        push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x88:
        push(true);
        break;
      case 0x89:
        push(false);
        break;
      case 0x4e:
        push(null);
        break;
      case 0x52: {
        // REDUCE: only the numpy constructors, building inert records
        const args = pop('REDUCE');
        const fn = pop('REDUCE');
        if (!(fn instanceof PyGlobal) || !(args instanceof PyTuple))
          fail('REDUCE needs an allowed global and a tuple', at);
        push(reduce(fn as PyGlobal, (args as PyTuple).items, (m) => fail(m, at)));
        break;
      }
      case 0x62: {
        // BUILD: only on the records REDUCE made
        const state = pop('BUILD');
        const obj = stack[stack.length - 1];
        if (obj instanceof PyDtype) buildDtype(obj, state, (m) => fail(m, at));
        else if (obj instanceof PyNdarray) buildArray(obj, state, (m) => fail(m, at));
        else fail('BUILD on something that is not a numpy array or dtype', at);
        break;
      }
      case 0x2e: {
        // STOP
        if (stack.length !== 1 || marks.length) fail(`STOP with ${stack.length} values on the stack (expected 1)`, at);
        return pop('STOP');
      }
      default:
        fail(
          `opcode 0x${op.toString(16).padStart(2, '0')}${NAMES[op] ? ` (${NAMES[op]})` : ''} is not allowed: ` +
            'only lists, tuples, integers, strings and numpy array reconstruction are read (files are data, never code)',
          at,
        );
    }
  }
  return fail('the pickle ends without STOP');
}

function reduce(fn: PyGlobal, args: PickleValue[], fail: (m: string) => never): PickleValue {
  if (fn.name.endsWith('._reconstruct')) {
    if (args.length !== 3 || !(args[0] instanceof PyGlobal) || args[0].name !== 'numpy.ndarray')
      fail('_reconstruct must be called as _reconstruct(numpy.ndarray, shape, typecode)');
    return new PyNdarray();
  }
  if (fn.name === '_codecs.encode') {
    if (args.length !== 2 || typeof args[0] !== 'string' || args[1] !== 'latin1')
      fail("_codecs.encode is read only as _codecs.encode(text, 'latin1') (Python 3's bytes in protocol 2)");
    const t = args[0] as string;
    const b = new Uint8Array(t.length);
    for (let k = 0; k < t.length; k++) {
      const c = t.charCodeAt(k);
      if (c > 255) fail('_codecs.encode: a character past latin1');
      b[k] = c;
    }
    return b;
  }
  if (fn.name === 'numpy.dtype') {
    if (args.length < 1 || typeof args[0] !== 'string') fail('numpy.dtype needs a type string');
    const d = args[0] as string;
    if (!/^(O[48]|[iuf][1248]|b1)$/.test(d)) fail(`numpy.dtype('${d}') is not read (object, int, uint, float, bool)`);
    return new PyDtype(d);
  }
  return fail(`${fn.name} cannot be called`);
}

function buildDtype(d: PyDtype, state: PickleValue, fail: (m: string) => never): void {
  if (!(state instanceof PyTuple) || state.items.length < 2 || typeof state.items[1] !== 'string')
    fail('a dtype state must be a tuple (version, byteorder, ...)');
  const order = (state as PyTuple).items[1] as string;
  if (!['<', '|', '='].includes(order)) fail(`dtype byte order '${order}' is not read (little-endian only)`);
  d.order = order;
}

function buildArray(a: PyNdarray, state: PickleValue, fail: (m: string) => never): void {
  if (a.built) fail('BUILD twice on one array');
  if (!(state instanceof PyTuple) || state.items.length !== 5) fail('an array state must be a 5-tuple');
  const [, shape, dtype, fortran, data] = (state as PyTuple).items;
  if (
    !(shape instanceof PyTuple) ||
    !shape.items.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)
  )
    fail('an array state shape must be a tuple of integers >= 0');
  if (!(dtype instanceof PyDtype)) fail('an array state must hold a numpy.dtype');
  const dims = (shape as PyTuple).items as number[];
  const size = dims.reduce((x, y) => x * y, 1);
  if (dims.length > 1 && fortran === true) fail('Fortran-ordered arrays of rank > 1 are not read');
  const dt = dtype as PyDtype;
  if (dt.descr.startsWith('O')) {
    if (!Array.isArray(data) || data.length !== size)
      fail(`an object array of ${size} items must hold a list of ${size} items`);
    a.items = data as PickleValue[];
  } else {
    const width = Number(dt.descr.slice(1));
    if (!(data instanceof Uint8Array) && typeof data !== 'string') fail('a numeric array state must hold bytes');
    const b = data instanceof Uint8Array ? data : Uint8Array.from(data as string, (c) => c.charCodeAt(0) & 0xff);
    if (b.length !== size * width)
      fail(`a ${dt.descr} array of ${size} items needs ${size * width} bytes, not ${b.length}`);
    a.bytes = b;
  }
  a.shape = dims;
  a.dtype = dt;
  a.built = true;
}
