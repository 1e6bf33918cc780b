// Compiles assembly/ to one SIMD WASM module and embeds it, deflated and base64, in a generated ESM module,
// so `import * as sg from 'simdgrad'` works in Node and in a browser bundle with no file serving.
// It also copies assembly/codes.ts (op codes shared by both sides) into src/.
//
// Threads (src/backends/wasm/pool.ts): the module imports its memory, declared shared, so that a
// pool of workers can instantiate the same module over the main thread's WebAssembly.Memory.
// Two things must then not happen when a worker instantiates it:
//   - the start function must not run: `--exportStart _start` turns it into an export that only
//     the main thread calls (in AssemblyScript 0.28 it is empty for our --runtime minimal: TLSF
//     initialises lazily on the first alloc, in a per-instance global; workers never allocate);
//   - the data segments must not be re-applied. asc 0.28 emits them as *active* segments even
//     with --sharedMemory, so every instantiation would rewrite them. Today they hold constants
//     only (abort messages, exp/log/pow tables), but a mutable static added later would be reset
//     under the main thread's feet. So the post-pass below (binaryen, which asc itself ships)
//     turns them passive and adds an export `_initData` (memory.init + data.drop for each), which
//     the main thread calls once; a worker's instantiation writes nothing to memory.
// Maximum memory: 65536 pages = 4 GiB, the wasm32 limit, i.e. what the unshared build could
// already grow to. A shared memory reserves its maximum up front (virtual address space only);
// where 4 GiB cannot be reserved the loader retries with a smaller maximum (see index.ts).
// No second, unshared build is embedded for runtimes without SharedArrayBuffer: the two would
// differ in one byte (the memory import's limits flag), so the loader patches that byte instead
// of carrying another 126 KiB (168 KiB as base64) in every bundle.
import { spawn } from 'node:child_process';
import { deflateRawSync } from 'node:zlib';
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import binaryen from 'binaryen';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'simdgrad.wasm');
mkdirSync(join(root, 'build'), { recursive: true });

/** Memory limits, in 64 KiB pages; index.ts creates the Memory with the same numbers. */
const INITIAL_PAGES = 32; // 2 MiB; grows on demand
const MAXIMUM_PAGES = 65536; // 4 GiB

const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
const ascArgs = (outFile, extra) => [
  asc,
  'assembly/index.ts',
  '--outFile',
  outFile,
  '-O3',
  '--noAssert',
  '--enable',
  'simd', // v128 is off by default in AssemblyScript 0.28
  '--enable',
  'threads', // shared memory (the kernels themselves use no atomics)
  '--runtime',
  'minimal', // TLSF heap for alloc/free; no managed objects are used
  '--importMemory',
  '--sharedMemory',
  '--initialMemory',
  String(INITIAL_PAGES),
  '--maximumMemory',
  String(MAXIMUM_PAGES),
  '--exportStart',
  '_start', // run by the main thread only, never by a worker's instantiation
  ...extra,
];
// The relaxed-SIMD variant: the same sources with --enable relaxed-simd, which turns on
// ASC_FEATURE_RELAXED_SIMD and so f32x4.relaxed_madd in the GEMM micro-kernel (assembly/gemm.ts,
// `madd`). It is not shipped as a module: only the function bodies that differ from the plain
// build are, as a patch the loader applies where WebAssembly.validate accepts relaxed SIMD (see
// relaxedPatch below and src/backends/wasm/relaxed.ts). Both compile at once (two processes).
const outRelaxed = join(root, 'build', 'simdgrad-relaxed.wasm');
const run = (args) =>
  new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`asc exited with ${code}`))));
  });
await Promise.all([run(ascArgs(out, [])), run(ascArgs(outRelaxed, ['--enable', 'relaxed-simd']))]);

const wasm = passiveData(readFileSync(out));
writeFileSync(out, wasm);
writeFileSync(join(root, 'build', 'simdgrad.wat'), binaryen.readBinary(wasm).emitText());
const relaxedWasm = passiveData(readFileSync(outRelaxed), false); // Node 20 cannot compile it
writeFileSync(outRelaxed, relaxedWasm);
const patch = relaxedPatch(wasm, relaxedWasm);
const genDir = join(root, 'src', 'backends', 'wasm');
/**
 * wasmHash of src/backends/wasm/embedded.ts (MurmurHash3's x86_32 steps over four interleaved lanes
 * of 32-bit words, then the lanes and the last words, finalized with the length), which checks
 * dist/simdgrad.wasm against WASM_HASH at load (test/pack/embedded_module.test.ts proves the two
 * agree on the module).
 */
function wasmHash(u8) {
  const n = u8.length;
  const word = (p) => (u8[p] | (u8[p + 1] << 8) | (u8[p + 2] << 16) | (u8[p + 3] << 24)) | 0;
  const mix = (h, k) => {
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    return (Math.imul(h, 5) + 0xe6546b64) | 0;
  };
  const lanes = [0, 0, 0, 0];
  const end = n & ~15;
  for (let p = 0; p < end; p += 16) for (let j = 0; j < 4; j++) lanes[j] = mix(lanes[j], word(p + 4 * j));
  let h = 0;
  for (let j = 0; j < 4; j++) h = mix(h, lanes[j]);
  for (let p = end; p < n; p += 4) h = mix(h, word(p));
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
writeFileSync(
  join(genDir, 'wasm-binary.generated.ts'),
  '// Generated by scripts/build-wasm.mjs from assembly/. Do not edit.\n' +
    `export const WASM_BYTES = ${wasm.length};\n` +
    '// wasmHash (src/backends/wasm/embedded.ts) of the module: Node loads dist/simdgrad.wasm only when it matches.\n' +
    `export const WASM_HASH = 0x${wasmHash(wasm).toString(16).padStart(8, '0')};\n` +
    `export const WASM_INITIAL_PAGES = ${INITIAL_PAGES};\n` +
    `export const WASM_MAXIMUM_PAGES = ${MAXIMUM_PAGES};\n`,
);
// The module itself, apart from the limits, deflated (raw DEFLATE, level 9: ~27% of the bytes) and
// base64: the loader imports it statically only where it can compile synchronously
// (src/backends/wasm/embedded.ts), so that a browser bundle can leave it in a chunk of its own,
// or out, when the .wasm is served as a file (setWasmPath). src/backends/wasm/embedded-inflate.ts
// inflates it (Node's zlib, DecompressionStream, or its own inflate) and checks WASM_BYTES.
const deflated = deflateRawSync(wasm, { level: 9 });
writeFileSync(
  join(genDir, 'wasm-embedded.generated.ts'),
  '// Generated by scripts/build-wasm.mjs from assembly/. Do not edit.\n' +
    `// The module (${wasm.length} bytes) as raw DEFLATE (${deflated.length} bytes), base64.\n` +
    `export const WASM_DEFLATED_BASE64: string =\n  '${deflated.toString('base64')}';\n`,
);
writeFileSync(
  join(genDir, 'wasm-relaxed.generated.ts'),
  '// Generated by scripts/build-wasm.mjs from assembly/. Do not edit.\n' +
    '// The relaxed-SIMD build as a patch of the plain one: the function bodies that differ (see\n' +
    '// src/backends/wasm/relaxed.ts for the format).\n' +
    `export const WASM_RELAXED_PATCH_BASE64: string =\n  '${patch.toString('base64')}';\n`,
);
copyFileSync(join(root, 'assembly', 'codes.ts'), join(genDir, 'codes.generated.ts'));
console.log(
  `simdgrad.wasm: ${wasm.length} bytes (${(wasm.length / 1024).toFixed(1)} KiB); embedded deflated: ${deflated.length} bytes ` +
    `(${Math.ceil(deflated.length / 3) * 4} as base64)`,
);
console.log(
  `relaxed-SIMD patch: ${patch.length} bytes (${(patch.length / 1024).toFixed(1)} KiB, ` +
    `${Math.ceil(patch.length / 3) * 4} as base64), from a ${relaxedWasm.length}-byte relaxed build`,
);

/** Reads an unsigned LEB128 at `p`; returns [value, next offset]. */
function leb(bytes, p) {
  let v = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[p++];
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [v, p];
    shift += 7;
  }
}

function encodeLeb(v) {
  const out = [];
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

/** The sections of a module: [{ id, start, end }] (payload bounds). */
function sections(bytes) {
  const out = [];
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p];
    const [size, q] = leb(bytes, p + 1);
    out.push({ id, start: q, end: q + size });
    p = q + size;
  }
  return out;
}

/** The code section's function bodies (each with its size prefix stripped). */
function bodies(bytes, sec) {
  let [n, p] = leb(bytes, sec.start);
  const out = [];
  for (; n > 0; n--) {
    const [size, q] = leb(bytes, p);
    out.push(bytes.subarray(q, q + size));
    p = q + size;
  }
  return out;
}

/**
 * The relaxed build as a patch of the plain one: every section but the code section must be
 * byte-identical (same types, imports, functions, exports, data), so the two differ only inside
 * function bodies; the patch lists those: count, then (index, size, body) per changed function,
 * LEB128 numbers. Fails the build if the modules differ in anything else.
 */
function relaxedPatch(plain, relaxed) {
  const a = sections(plain);
  const b = sections(relaxed);
  const same = (x, y) => Buffer.compare(plain.subarray(x.start, x.end), relaxed.subarray(y.start, y.end)) === 0;
  if (a.length !== b.length || a.some((s, i) => s.id !== b[i].id || (s.id !== 10 && !same(s, b[i]))))
    throw new Error('the relaxed-SIMD build differs from the plain one outside function bodies');
  const code = a.findIndex((s) => s.id === 10);
  const pa = bodies(plain, a[code]);
  const pb = bodies(relaxed, b[code]);
  if (pa.length !== pb.length) throw new Error('the relaxed-SIMD build has another number of functions');
  const parts = [];
  let count = 0;
  pb.forEach((body, i) => {
    if (Buffer.compare(pa[i], body) === 0) return;
    count++;
    parts.push(Buffer.from([...encodeLeb(i), ...encodeLeb(body.length)]), Buffer.from(body));
  });
  return Buffer.concat([Buffer.from(encodeLeb(count)), ...parts]);
}

/** Rewrites every active data segment as passive, applied by the exported `_initData`. */
function passiveData(bytes, validate = true) {
  const m = binaryen.readBinary(bytes);
  m.setFeatures(binaryen.Features.All);
  const mem = m.getMemoryInfo();
  if (mem.module !== 'env' || mem.base !== 'memory' || !mem.shared)
    throw new Error('expected a shared env.memory import');
  let memName = null;
  for (let i = 0; i < m.getNumExports(); i++) {
    const e = binaryen.getExportInfo(m.getExportByIndex(i));
    if (e.kind === binaryen.ExternalMemory) memName = e.value;
  }
  if (!memName) throw new Error('the module exports no memory');
  const segs = [];
  for (let i = 0; i < m.getNumDataSegments(); i++) {
    const s = m.getDataSegmentInfo(m.getDataSegmentByIndex(i));
    if (s.passive) throw new Error('unexpected passive data segment');
    segs.push(s);
  }
  // setMemory replaces the memory (and drops its import); put the import back under the same name.
  m.setMemory(
    mem.initial,
    mem.max,
    null,
    segs.map((s) => ({ name: s.name, data: new Uint8Array(s.data), passive: true, offset: null })),
    true,
    false,
    memName,
  );
  m.addMemoryImport(memName, 'env', 'memory', true);
  const body = segs.flatMap((s) => [
    m.memory.init(s.name, m.i32.const(s.offset), m.i32.const(0), m.i32.const(s.data.byteLength), memName),
    m.data.drop(s.name),
  ]);
  m.addFunction('~initData', binaryen.none, binaryen.none, [], m.block(null, body, binaryen.none));
  m.addFunctionExport('~initData', '_initData');
  const result = Buffer.from(m.emitBinary());
  m.dispose();
  if (validate) new WebAssembly.Module(result); // validates (binaryen's own validate() aborts on this module)
  return result;
}
