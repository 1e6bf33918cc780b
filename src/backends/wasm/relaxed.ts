// The relaxed-SIMD variant of the wasm module. scripts/build-wasm.mjs compiles assembly/ twice,
// plain and with --enable relaxed-simd (the GEMM micro-kernel's multiply-add becomes
// f32x4.relaxed_madd: one fused multiply-add where the CPU has FMA). The two modules are
// identical outside function bodies (the build checks it), so only the changed bodies ship, as a
// patch of ~3 KB (base64 ~4 KB) instead of a second 250 KB module:
//   patch = count, then per changed function: its index in the code section, its body's size,
//   the body; numbers are unsigned LEB128.
// The loader applies it to the embedded module where the engine validates relaxed SIMD (Chrome
// 114+, Node 22+; Node 20 only behind --experimental-wasm-relaxed-simd), before compiling: the
// patched bytes are one module, which the pool's workers instantiate too, so every thread runs
// the same code and results stay bit-identical across thread counts on either variant. They differ
// from each other by the FMA's single rounding (GEMM sums agree to ~1e-6 relative).
import { WASM_RELAXED_PATCH_BASE64 } from './wasm-relaxed.generated.js';

/** f32x4.relaxed_madd on three v128 params: the smallest module that needs relaxed SIMD. */
const PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2,
  253, 133, 2, 11,
]);

let supported: boolean | null = null;
let mode: boolean | 'auto' = 'auto';
let used: boolean | null = null;

/** Whether this runtime's WebAssembly accepts relaxed SIMD (checked once). */
export function relaxedSimdSupported(): boolean {
  supported ??= typeof WebAssembly.validate === 'function' && WebAssembly.validate(PROBE);
  return supported;
}

/**
 * Chooses the wasm module's variant: `'auto'` (the default) takes the relaxed-SIMD build (fused
 * multiply-add in the GEMM and the GEMM-based convolutions) where the runtime supports relaxed
 * SIMD, `false` always the plain SIMD build, `true` the relaxed one (an error where unsupported).
 * Applies to the embedded module, so call it before the wasm backend is first used; a module
 * loaded from setWasmPath's file is always the plain build. Results differ between the two
 * builds by rounding only (an FMA rounds once); on one build they are the same on every thread
 * count.
 * @example
 * sg.setRelaxedSimd(false); // the plain SIMD build, e.g. to compare the two
 * await sg.setBackend('wasm');
 */
export function setRelaxedSimd(on: boolean | 'auto'): void {
  if (on !== true && on !== false && on !== 'auto') {
    throw new Error(`setRelaxedSimd: 'on' must be true, false or 'auto' but got ${String(on)}`);
  }
  if (on === true && !relaxedSimdSupported()) {
    throw new Error('setRelaxedSimd: this runtime does not support relaxed SIMD (Node 22+, Chrome 114+)');
  }
  if (used !== null && used !== wantsRelaxed(on)) {
    throw new Error(
      `setRelaxedSimd: the wasm module was already loaded as the ${used ? 'relaxed-SIMD' : 'plain SIMD'} build; ` +
        'call setRelaxedSimd before the wasm backend is first used',
    );
  }
  mode = on;
}

/** Whether the loaded wasm module is the relaxed-SIMD build (false before it is loaded). */
export function getRelaxedSimd(): boolean {
  return used === true;
}

function wantsRelaxed(m: boolean | 'auto'): boolean {
  return m === 'auto' ? relaxedSimdSupported() : m;
}

/** The embedded module's bytes as the chosen variant: patched in place for relaxed SIMD. @internal */
export function chooseVariant(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  used = wantsRelaxed(mode);
  return used ? applyRelaxedPatch(bytes, decode(WASM_RELAXED_PATCH_BASE64)) : bytes;
}

function decode(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function readLeb(b: Uint8Array, p: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const x = b[p++];
    if (x === undefined) throw new Error('simdgrad wasm: truncated LEB128 in the relaxed-SIMD patch');
    v += (x & 0x7f) * 2 ** shift;
    if (x < 0x80) return [v, p];
    shift += 7;
  }
}

function leb(v: number): number[] {
  const out: number[] = [];
  do {
    let x = v & 0x7f;
    v = Math.floor(v / 128);
    if (v) x |= 0x80;
    out.push(x);
  } while (v);
  return out;
}

/**
 * `module` with the function bodies listed in `patch` replaced (format in the header). Throws
 * when the patch does not fit the module (an index past its functions, a truncated entry).
 * @internal
 */
export function applyRelaxedPatch(module: Uint8Array<ArrayBuffer>, patch: Uint8Array): Uint8Array<ArrayBuffer> {
  const fail = (why: string) => new Error(`simdgrad wasm: the relaxed-SIMD patch does not fit the module (${why})`);
  const repl = new Map<number, Uint8Array>();
  let [count, q] = readLeb(patch, 0);
  for (; count > 0; count--) {
    const [index, q1] = readLeb(patch, q);
    const [size, q2] = readLeb(patch, q1);
    if (q2 + size > patch.length) throw fail('truncated body');
    repl.set(index, patch.subarray(q2, q2 + size));
    q = q2 + size;
  }
  let p = 8;
  while (p < module.length) {
    const id = module[p];
    const [size, start] = readLeb(module, p + 1);
    const end = start + size;
    if (id !== 10) {
      p = end;
      continue;
    }
    const [n, first] = readLeb(module, start);
    let r = first;
    const parts: Uint8Array[] = [new Uint8Array(leb(n))];
    for (let i = 0; i < n; i++) {
      const [len, b0] = readLeb(module, r);
      const body = repl.get(i);
      if (body) {
        parts.push(new Uint8Array(leb(body.length)), body);
        repl.delete(i);
      } else parts.push(module.subarray(r, b0 + len));
      r = b0 + len;
    }
    if (r !== end) throw fail('code section size');
    if (repl.size) throw fail(`no function ${[...repl.keys()][0]}`);
    const payload = parts.reduce((a, c) => a + c.length, 0);
    const head = [10, ...leb(payload)];
    const out = new Uint8Array(p + head.length + payload + (module.length - end));
    out.set(module.subarray(0, p), 0);
    out.set(head, p);
    let o = p + head.length;
    for (const part of parts) {
      out.set(part, o);
      o += part.length;
    }
    out.set(module.subarray(end), o);
    return out;
  }
  throw fail('no code section');
}
