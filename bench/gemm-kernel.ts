// Development bench for the GEMM kernel alone (assembly/gemm.ts), against TensorFlow.js' wasm
// backend. It compiles nothing: build the kernel standalone first, e.g.
//
//   node node_modules/assemblyscript/bin/asc.js assembly/gemm.ts --outFile /tmp/gemm/gemm.wasm \
//     -O3 --noAssert --enable simd --runtime minimal --initialMemory 256
//   npx tsx bench/gemm-kernel.ts [path/to/gemm.wasm] [--quick] [--no-check] [--no-bench]
//
// 1. Correctness: random shapes (0, 1, odd, tile edges, K over several K blocks), all four
//    transpose modes, padded strides, bias / beta / every activation, against a float64 triple
//    loop (|err| < 1e-5 * (sum_k |a||b| + |beta*C| + |bias| + |result|)); beta == 0 must ignore
//    NaN in C; elements outside the requested range must be left alone.
// 2. Determinism: splitting a call into row ranges or column ranges (any split points) must
//    give bit-identical C.
// 3. Speed: GFLOP/s, single thread, median of several timed samples, simdgrad interleaved with
//    tf.matMul on the tfjs wasm backend (dataSync to force completion).
import { readFileSync } from 'node:fs';
import { loadTfjs } from './tfjs-peer.js';

const args = process.argv.slice(2);
const wasmPath = args.find((a) => !a.startsWith('--')) ?? '/tmp/gemm/gemm.wasm';
const QUICK = args.includes('--quick');
const CHECK = !args.includes('--no-check');
const BENCH = !args.includes('--no-bench');

const Act = { Linear: 0, Relu: 1, Relu6: 2, Sigmoid: 3, Tanh: 4 } as const;
const ACT_NAMES = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh'];

interface GemmExports {
  memory: WebAssembly.Memory;
  gemmWorkspaceBytes(): number;
  gemmF32(transA: number, transB: number, M: number, N: number, K: number,
    a: number, lda: number, b: number, ldb: number, c: number, ldc: number,
    bias: number, act: number, beta: number, work: number,
    rowStart: number, rowEnd: number, colStart: number, colEnd: number): void;
}

const bytes = readFileSync(wasmPath);
const { instance } = await WebAssembly.instantiate(bytes, {
  env: {
    abort(msg: number, file: number, line: number, col: number): never {
      throw new Error(`wasm abort at ${line}:${col} (msg ${msg}, file ${file})`);
    },
  },
});
const wasm = instance.exports as unknown as GemmExports;
const memory = wasm.memory;

// --- a bump allocator over fresh pages at the end of the module's memory --------------------
let heapTop = memory.buffer.byteLength;
const heapBase = heapTop;
function alloc(nbytes: number): number {
  const p = (heapTop + 63) & ~63;
  heapTop = p + nbytes;
  const need = heapTop - memory.buffer.byteLength;
  if (need > 0) memory.grow(Math.ceil(need / 65536));
  return p;
}
function resetHeap(): void { heapTop = heapBase; }
const f32 = (): Float32Array => new Float32Array(memory.buffer);
const u32 = (): Uint32Array => new Uint32Array(memory.buffer);

// Misaligns a pointer by `shift` floats so unaligned row starts get exercised.
function allocF32(n: number, shift = 0): number { return alloc((n + shift) * 4 + 16) + shift * 4; }

let rngState = 0x2545f491;
function rand(): number { // xorshift32 in [0, 1)
  rngState ^= rngState << 13; rngState ^= rngState >>> 17; rngState ^= rngState << 5;
  return (rngState >>> 0) / 4294967296;
}
const randInt = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
function fillRandom(p: number, n: number): void {
  const h = f32(); const o = p >> 2;
  for (let i = 0; i < n; i++) h[o + i] = rand() * 2 - 1;
}

const work = alloc(wasm.gemmWorkspaceBytes());

// --- correctness ------------------------------------------------------------------------------
function actF64(v: number, act: number): number {
  switch (act) {
    case Act.Relu: return Math.max(v, 0);
    case Act.Relu6: return Math.min(Math.max(v, 0), 6);
    case Act.Sigmoid: return 1 / (1 + Math.exp(-v));
    case Act.Tanh: return Math.tanh(v);
    default: return v;
  }
}

interface Case {
  tA: number; tB: number; M: number; N: number; K: number;
  padA: number; padB: number; padC: number; bias: boolean; act: number; beta: number;
}

let failures = 0;
let worstRel = 0; // largest |got - want| / (sum |a*b| + |beta*C| + |bias|) seen
function fail(msg: string): void {
  failures++;
  if (failures <= 20) console.log('  FAIL ' + msg);
}
const describe = (c: Case): string =>
  `tA=${c.tA} tB=${c.tB} M=${c.M} N=${c.N} K=${c.K} pad=${c.padA}/${c.padB}/${c.padC} ` +
  `bias=${c.bias} act=${ACT_NAMES[c.act]} beta=${c.beta}`;

interface Setup {
  a: number; lda: number; b: number; ldb: number; c: number; ldc: number; bias: number;
  cOld: Float32Array; // C before the call (the whole M x ldc buffer)
}

function setup(cs: Case): Setup {
  resetHeap();
  alloc(wasm.gemmWorkspaceBytes()); // keep `work` reserved (it lives at heapBase)
  const { tA, tB, M, N, K } = cs;
  const lda = (tA ? M : K) + cs.padA, ldb = (tB ? K : N) + cs.padB, ldc = N + cs.padC;
  const aRows = tA ? K : M, bRows = tB ? N : K;
  const a = allocF32(aRows * lda, randInt(0, 3));
  const b = allocF32(bRows * ldb, randInt(0, 3));
  const c = allocF32(M * ldc, randInt(0, 3));
  const bias = cs.bias ? allocF32(N, randInt(0, 3)) : 0;
  fillRandom(a, aRows * lda); fillRandom(b, bRows * ldb); fillRandom(c, M * ldc);
  if (bias) fillRandom(bias, N);
  if (cs.beta === 0) f32().fill(NaN, c >> 2, (c >> 2) + M * ldc); // must never be read
  const cOld = f32().slice(c >> 2, (c >> 2) + M * ldc);
  return { a, lda, b, ldb, c, ldc, bias, cOld };
}

function call(cs: Case, s: Setup, r0: number, r1: number, c0: number, c1: number): void {
  wasm.gemmF32(cs.tA, cs.tB, cs.M, cs.N, cs.K, s.a, s.lda, s.b, s.ldb, s.c, s.ldc,
    s.bias, cs.act, cs.beta, work, r0, r1, c0, c1);
}

/** Full call vs float64 reference, plus untouched-outside-range check on a sub-range call. */
function checkCase(cs: Case): void {
  const s = setup(cs);
  const { M, N, K } = cs;
  // Sub-range first: only [r0,r1) x [c0,c1) may change.
  const r0 = randInt(0, M), r1 = randInt(r0, M), c0 = randInt(0, N), c1 = randInt(c0, N);
  call(cs, s, r0, r1, c0, c1);
  let h = f32(); let co = s.c >> 2;
  const u = u32(); const oldBits = new Uint32Array(s.cOld.buffer);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < s.ldc; j++) {
      const inside = i >= r0 && i < r1 && j >= c0 && j < c1;
      if (!inside && u[co + i * s.ldc + j] !== oldBits[i * s.ldc + j]) {
        fail(`${describe(cs)}: wrote outside range [${r0},${r1})x[${c0},${c1}) at ${i},${j}`);
        return;
      }
    }
  }
  // Restore C and do the full call.
  h.set(s.cOld, co);
  call(cs, s, 0, M, 0, N);
  h = f32(); co = s.c >> 2;
  const ao = s.a >> 2, bo = s.b >> 2, bio = s.bias >> 2;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0, mag = 0;
      for (let k = 0; k < K; k++) {
        const av = cs.tA ? h[ao + k * s.lda + i] : h[ao + i * s.lda + k];
        const bv = cs.tB ? h[bo + j * s.ldb + k] : h[bo + k * s.ldb + j];
        sum += av * bv; mag += Math.abs(av * bv);
      }
      if (cs.beta !== 0) {
        const cv = cs.beta * s.cOld[i * s.ldc + j];
        sum += cv; mag += Math.abs(cv);
      }
      if (s.bias) { sum += h[bio + j]; mag += Math.abs(h[bio + j]); }
      const want = actF64(sum, cs.act);
      const got = h[co + i * s.ldc + j];
      // Relative to the magnitudes summed (and to the output, for sigmoid's 0.5 at 0).
      const err = Math.abs(got - want) / (mag + Math.abs(want) + 1e-30);
      if (!(err < 1e-5)) {
        fail(`${describe(cs)}: C[${i},${j}] = ${got}, want ${want} (rel ${err.toExponential(2)})`);
        return;
      }
      worstRel = Math.max(worstRel, err);
    }
  }
}

/** One full call vs the same call split into row ranges, and into column ranges: same bits. */
function checkSplits(cs: Case): void {
  const s = setup(cs);
  const { M, N } = cs;
  const co = s.c >> 2;
  call(cs, s, 0, M, 0, N);
  const ref = u32().slice(co, co + M * s.ldc);
  const compare = (what: string): void => {
    const u = u32();
    for (let i = 0; i < M * s.ldc; i++) {
      if (u[co + i] !== ref[i]) {
        fail(`${describe(cs)}: ${what} differs at ${Math.floor(i / s.ldc)},${i % s.ldc}`);
        return;
      }
    }
  };
  const cuts = (n: number): number[] => {
    const k = randInt(1, 3); const pts = [0, n];
    for (let i = 0; i < k; i++) pts.push(randInt(0, n));
    return [...new Set(pts)].sort((x, y) => x - y);
  };
  for (const dim of ['rows', 'cols'] as const) {
    f32().set(s.cOld, co);
    const p = cuts(dim === 'rows' ? M : N);
    for (let i = 0; i + 1 < p.length; i++) {
      if (dim === 'rows') call(cs, s, p[i], p[i + 1], 0, N);
      else call(cs, s, 0, M, p[i], p[i + 1]);
    }
    compare(`${dim} split at ${p.join(',')}`);
  }
  // Both at once (a 2-D grid of ranges, reverse order).
  f32().set(s.cOld, co);
  const pr = cuts(M), pc = cuts(N);
  for (let i = pr.length - 2; i >= 0; i--) {
    for (let j = pc.length - 2; j >= 0; j--) call(cs, s, pr[i], pr[i + 1], pc[j], pc[j + 1]);
  }
  compare(`grid split rows ${pr.join(',')} cols ${pc.join(',')}`);
}

function randomCase(maxDim: number, maxK: number): Case {
  const pick = (): number => {
    const r = rand();
    if (r < 0.08) return 0;
    if (r < 0.2) return 1;
    if (r < 0.45) return [3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 129][randInt(0, 11)];
    return randInt(1, maxDim);
  };
  const M = pick(), N = pick();
  let K = pick();
  if (rand() < 0.25) K = randInt(250, maxK); // several K blocks
  return {
    tA: randInt(0, 1), tB: randInt(0, 1), M, N, K,
    padA: rand() < 0.5 ? 0 : randInt(1, 9), padB: rand() < 0.5 ? 0 : randInt(1, 9),
    padC: rand() < 0.5 ? 0 : randInt(1, 9),
    bias: rand() < 0.5, act: randInt(0, 4), beta: rand() < 0.5 ? 0 : 1,
  };
}

if (CHECK) {
  const t0 = performance.now();
  const base: Case = {
    tA: 0, tB: 0, M: 0, N: 0, K: 0, padA: 0, padB: 0, padC: 0, bias: false, act: Act.Linear, beta: 0,
  };
  const mk = (c: Partial<Case>): Case => ({ ...base, ...c });
  const fixed: Case[] = [];
  const dims = [[1, 1, 1], [3, 17, 129], [129, 3, 17], [17, 129, 3], [0, 5, 5], [5, 0, 5], [5, 5, 0],
    [4, 8, 300], [33, 65, 600], [129, 129, 129], [1, 300, 513]];
  for (const [tA, tB] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
    for (const [M, N, K] of dims) {
      fixed.push(mk({ tA, tB, M, N, K }));
      fixed.push(mk({ tA, tB, M, N, K, padA: 3, padB: 5, padC: 7, bias: true, act: Act.Relu, beta: 1 }));
    }
    // Past every blocking boundary (MC rows, KC depth, the beta != 0 path's row chunks).
    fixed.push(mk({ tA, tB, M: 300, N: 530, K: 600, padA: 1, padB: 2, padC: 3, bias: true,
      act: Act.Relu6, beta: 1 }));
  }
  fixed.push(mk({ M: 270, N: 261, K: 1100, bias: true, act: Act.Tanh }));
  fixed.push(mk({ tB: 1, M: 21, N: 1030, K: 70, bias: true, act: Act.Relu, beta: 1 })); // > NC
  fixed.push(mk({ tA: 1, M: 9, N: 1040, K: 530, padC: 5, bias: true, act: Act.Sigmoid, beta: 1 }));
  fixed.push(mk({ M: 2, N: 2100, K: 37, padB: 3, bias: true, act: Act.Relu6, beta: 1 })); // rowsDirect
  fixed.push(mk({ tA: 1, M: 3, N: 45, K: 1030, bias: true, beta: 1 }));
  for (let act = 0; act <= 4; act++) {
    for (const beta of [0, 1]) {
      fixed.push(mk({ M: 13, N: 21, K: 0, bias: true, act, beta }));
      fixed.push(mk({ M: 37, N: 45, K: 520, bias: true, act, beta, padC: 2 }));
    }
  }
  const cases = [...fixed];
  for (let i = 0; i < (QUICK ? 60 : 300); i++) {
    cases.push(randomCase(QUICK ? 70 : 150, QUICK ? 600 : 800));
  }
  for (const cs of cases) checkCase(cs);
  const tCheck = performance.now();

  const splitCases: Case[] = [];
  for (let i = 0; i < (QUICK ? 40 : 150); i++) splitCases.push(randomCase(140, 700));
  splitCases.push(mk({ M: 130, N: 1100, K: 530, bias: true, act: Act.Tanh, beta: 1 }));
  splitCases.push(mk({ tA: 1, tB: 1, M: 301, N: 77, K: 257, bias: true, act: Act.Sigmoid }));
  splitCases.push(mk({ tA: 1, M: 530, N: 300, K: 600, bias: true, act: Act.Relu, beta: 1 }));
  // Ranges of fewer than 4 rows take the unpacked rowsDirect path when transB == 0.
  for (const [tA, beta] of [[0, 0], [1, 1], [0, 1]]) {
    for (const M of [5, 6, 7, 9]) {
      splitCases.push(mk({ tA, M, N: 77, K: 530, bias: true, act: Act.Relu, beta }));
    }
  }
  for (const cs of splitCases) checkSplits(cs);
  console.log(`correctness: ${cases.length} cases vs float64 reference (worst relative error ` +
    `${worstRel.toExponential(1)}), ${splitCases.length} split cases bit-identical: ` +
    `${failures === 0 ? 'ok' : failures + ' FAILURES'} ` +
    `(${((tCheck - t0) / 1000).toFixed(1)}s + ${((performance.now() - tCheck) / 1000).toFixed(1)}s)`);
  if (failures) process.exitCode = 1;
}

// --- speed -------------------------------------------------------------------------------------
interface Shape { name: string; M: number; N: number; K: number; tA: number; tB: number }

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

if (BENCH) {
  const tf = await loadTfjs('wasm');
  const shapes: Shape[] = [
    { name: 'square 256', M: 256, N: 256, K: 256, tA: 0, tB: 0 },
    { name: 'square 512', M: 512, N: 512, K: 512, tA: 0, tB: 0 },
    { name: 'square 1024', M: 1024, N: 1024, K: 1024, tA: 0, tB: 0 },
    { name: 'dense fwd 128x784 . 784x256', M: 128, N: 256, K: 784, tA: 0, tB: 0 },
    { name: 'dense fwd 128x256 . 256x128', M: 128, N: 128, K: 256, tA: 0, tB: 0 },
    { name: 'dW: tA 784x128 . 128x256', M: 784, N: 256, K: 128, tA: 1, tB: 0 },
    { name: 'dX: tB 128x256 . 256x784', M: 128, N: 784, K: 256, tA: 0, tB: 1 },
    { name: 'square 512 tA', M: 512, N: 512, K: 512, tA: 1, tB: 0 },
    { name: 'square 512 tB', M: 512, N: 512, K: 512, tA: 0, tB: 1 },
    { name: 'square 512 tA tB', M: 512, N: 512, K: 512, tA: 1, tB: 1 },
    { name: 'odd 129x257 . 257x131', M: 129, N: 131, K: 257, tA: 0, tB: 0 },
    { name: 'logits 128x784 . 784x10', M: 128, N: 10, K: 784, tA: 0, tB: 0 },
    { name: 'batch-1 1x1024 . 1024x1024', M: 1, N: 1024, K: 1024, tA: 0, tB: 0 },
  ];
  const samples = QUICK ? 5 : 9;
  const rows: string[][] = [];
  console.log(`timing: single thread, median of ${samples} interleaved samples of ~50 ms each`);
  for (const sh of shapes) {
    resetHeap();
    const w = alloc(wasm.gemmWorkspaceBytes());
    const { M, N, K, tA, tB } = sh;
    const aData = new Float32Array(M * K).map(() => rand() * 2 - 1);
    const bData = new Float32Array(K * N).map(() => rand() * 2 - 1);
    const a = allocF32(M * K), b = allocF32(K * N), c = allocF32(M * N);
    f32().set(aData, a >> 2); f32().set(bData, b >> 2);
    const lda = tA ? M : K, ldb = tB ? K : N;
    const ours = (): void => wasm.gemmF32(tA, tB, M, N, K, a, lda, b, ldb, c, N, 0, 0, 0, w, 0, M, 0, N);
    const ta = tf.tensor2d(aData, tA ? [K, M] : [M, K]);
    const tb = tf.tensor2d(bData, tB ? [N, K] : [K, N]);
    const theirs = (): void => {
      const t = tf.matMul(ta, tb, tA === 1, tB === 1);
      t.dataSync();
      t.dispose();
    };
    // Sanity: same numbers.
    ours();
    const tr = tf.matMul(ta, tb, tA === 1, tB === 1); const tv = tr.dataSync(); tr.dispose();
    const cv = f32().subarray(c >> 2, (c >> 2) + M * N);
    let maxDiff = 0;
    for (let i = 0; i < M * N; i++) maxDiff = Math.max(maxDiff, Math.abs(cv[i] - tv[i]));
    if (maxDiff > 1e-3 * Math.sqrt(K)) {
      console.log(`  WARNING ${sh.name}: differs from tfjs by ${maxDiff}`);
    }
    const flops = 2 * M * N * K;
    const reps = Math.max(1, Math.round(60e-3 * 40e9 / flops)); // ~60 ms at 40 GFLOP/s
    const sample = (fn: () => void): number => {
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) fn();
      return (performance.now() - t0) / 1000 / reps;
    };
    for (let i = 0; i < 3; i++) { sample(ours); sample(theirs); } // warm-up (tier-up, caches)
    const so: number[] = [], st: number[] = [];
    for (let i = 0; i < samples; i++) { so.push(sample(ours)); st.push(sample(theirs)); }
    ta.dispose(); tb.dispose();
    const go = flops / median(so) / 1e9, gt = flops / median(st) / 1e9;
    rows.push([sh.name, go.toFixed(1), gt.toFixed(1), (go / gt).toFixed(2) + 'x']);
  }
  const head = ['shape (M x K . K x N)', 'simdgrad GFLOP/s', 'tfjs-wasm GFLOP/s', 'ratio'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r.map((x, i) => (i ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}
