// Seeded differential fuzzing (issue 14, "keep what holds"): random chains of ops (elementwise,
// broadcasting, reductions, shapes, matMul, convolutions, pools, resize, batchNorm, LSTM/GRU/RNN) with their
// gradients, run on the js backend (the oracle), on wasm with one thread, and on wasm with two
// threads and every kernel forced to split (cutoffOverride 0). wasm must match js within a
// tolerance and the two wasm runs must match bit for bit. FUZZ_CHAINS=N runs N chains (default
// 300, CI-sized); FUZZ_SEED=S starts elsewhere. A failure prints the seed and the chain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { ENGINE } from '../src/engine/engine.js';
import { Rng } from '../src/engine/random.js';
import type { WasmBackend } from '../src/backends/wasm/index.js';
import { getThreads, setThreads } from '../src/threads.js';

const CHAINS = Number(process.env.FUZZ_CHAINS ?? 300);
const SEED0 = Number(process.env.FUZZ_SEED ?? 1);

type T = sg.Tensor;

/** One step of a chain: a name for the report and a function of the current tensor and extra inputs. */
interface Step {
  name: string;
  /** Shapes of the extra inputs this step takes (random data, differentiated too). */
  extra: number[][];
  apply: (x: T, extra: T[]) => T;
  /** Output shape from the input shape. */
  out: (s: number[]) => number[];
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** The unary steps: each smooth almost everywhere and bounded on the values a chain produces. */
const UNARY: [string, (x: T) => T][] = [
  ['neg', sg.neg],
  ['abs', sg.abs],
  ['square', (x) => sg.tanh(sg.square(x))],
  ['exp(tanh)', (x) => sg.exp(sg.tanh(x))],
  ['log(x^2+0.5)', (x) => sg.log(sg.add(sg.square(x), 0.5))],
  ['sqrt(x^2+0.1)', (x) => sg.sqrt(sg.add(sg.square(x), 0.1))],
  ['rsqrt(x^2+1)', (x) => sg.rsqrt(sg.add(sg.square(x), 1))],
  ['reciprocal(x^2+1)', (x) => sg.reciprocal(sg.add(sg.square(x), 1))],
  ['log1p(x^2)', (x) => sg.log1p(sg.square(x))],
  ['sigmoid', sg.sigmoid],
  ['tanh', sg.tanh],
  ['softplus', sg.softplus],
  ['sin', sg.sin],
  ['cos', sg.cos],
  ['relu', sg.relu],
  ['relu6', (x) => sg.relu6(sg.mul(x, 4))],
  ['elu', sg.elu],
  ['selu', sg.selu],
  ['leakyRelu', (x) => sg.leakyRelu(x, 0.2)],
  ['clipByValue', (x) => sg.clipByValue(x, -0.7, 0.9)],
];

const BINARY: [string, (a: T, b: T) => T][] = [
  ['add', sg.add],
  ['sub', sg.sub],
  ['mul', sg.mul],
  ['div', (a, b) => sg.div(a, sg.add(sg.square(b), 0.5))],
  ['maximum', sg.maximum],
  ['minimum', sg.minimum],
  ['squaredDifference', (a, b) => sg.tanh(sg.squaredDifference(a, b))],
  ['pow', (a, b) => sg.pow(sg.add(sg.abs(a), 0.5), sg.tanh(b))],
];

/** A random step applicable to a tensor of shape `s`. */
function randomStep(rng: Rng, s: number[]): Step {
  const pick = <X>(xs: X[]): X => xs[Math.floor(rng.uniform() * xs.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(rng.uniform() * (hi - lo + 1));
  const r = s.length;
  const kinds = ['unary', 'unary', 'binary', 'binary', 'reduce', 'softmax', 'reshape', 'matMul', 'concat', 'slice'];
  if (r >= 2) kinds.push('transpose');
  if (r === 3) kinds.push('conv2d', 'pool', 'depthwise', 'conv2dTranspose', 'resize', 'batchNorm', 'rnn');
  if (r <= 3) kinds.push('pad', 'tile');
  if (s[0] > 1) kinds.push('gather');
  const kind = pick(kinds);
  switch (kind) {
    case 'unary': {
      const [name, f] = pick(UNARY);
      return { name, extra: [], apply: (x) => f(x), out: (t) => t };
    }
    case 'binary': {
      const [name, f] = pick(BINARY);
      // Broadcast: the other operand drops leading axes and sets some axes to 1.
      const drop = int(0, r - 1);
      const bs = s.slice(drop).map((d) => (rng.uniform() < 0.3 ? 1 : d));
      const swap = rng.uniform() < 0.3;
      return {
        name: `${name}${swap ? '(b,x)' : ''} [${bs}]`,
        extra: [bs],
        apply: (x, [b]) => (swap ? f(b, x) : f(x, b)),
        out: (t) => t,
      };
    }
    case 'reduce': {
      if (r === 1 && size(s) === 1) return randomStep(rng, s);
      const axis = int(0, r - 1);
      const keep = r === 1 || rng.uniform() < 0.5;
      const [name, f] = pick<[string, (x: T, a: number, k: boolean) => T]>([
        ['sum', sg.sum],
        ['mean', sg.mean],
        ['max', sg.max],
        ['min', sg.min],
        ['prod', (x, a, k) => sg.prod(sg.add(sg.mul(sg.tanh(x), 0.3), 1), a, k)],
      ]);
      return {
        name: `${name}(axis ${axis}, keepDims ${keep})`,
        extra: [],
        apply: (x) => f(x, axis, keep),
        out: (t) => (keep ? t.map((d, i) => (i === axis ? 1 : d)) : t.filter((_, i) => i !== axis)),
      };
    }
    case 'softmax':
      return rng.uniform() < 0.5
        ? { name: 'softmax', extra: [], apply: (x) => sg.softmax(x), out: (t) => t }
        : { name: 'logSoftmax', extra: [], apply: (x) => sg.logSoftmax(x), out: (t) => t };
    case 'reshape': {
      const n = size(s);
      const divisors = [1, 2, 3, 4, 5, 6].filter((d) => n % d === 0);
      const a = pick(divisors);
      const shape = rng.uniform() < 0.3 ? [n] : [a, n / a];
      return { name: `reshape [${shape}]`, extra: [], apply: (x) => sg.reshape(x, shape), out: () => shape };
    }
    case 'matMul': {
      const rows = r >= 2 ? s[0] : 1;
      const cols = size(s) / rows;
      const k = int(1, 9);
      const transposeB = rng.uniform() < 0.3;
      return {
        name: `matMul [${rows},${cols}]x[${cols},${k}]${transposeB ? ' transposeB' : ''}`,
        extra: [transposeB ? [k, cols] : [cols, k]],
        apply: (x, [w]) => sg.matMul(sg.reshape(x, [rows, cols]), w, false, transposeB),
        out: () => [rows, k],
      };
    }
    case 'concat': {
      const axis = int(0, r - 1);
      const other = s.map((d, i) => (i === axis ? int(1, 4) : d));
      return {
        name: `concat(axis ${axis}, [${other}])`,
        extra: [other],
        apply: (x, [b]) => sg.concat([x, b], axis),
        out: (t) => t.map((d, i) => (i === axis ? d + other[axis] : d)),
      };
    }
    case 'slice': {
      const begin = s.map((d) => int(0, d - 1));
      const sz = s.map((d, i) => int(1, d - begin[i]));
      return { name: `slice([${begin}], [${sz}])`, extra: [], apply: (x) => sg.slice(x, begin, sz), out: () => sz };
    }
    case 'transpose': {
      const perm = Array.from({ length: r }, (_, i) => i);
      for (let i = r - 1; i > 0; i--) {
        const j = int(0, i);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      return {
        name: `transpose [${perm}]`,
        extra: [],
        apply: (x) => sg.transpose(x, perm),
        out: (t) => perm.map((p) => t[p]),
      };
    }
    case 'conv2d': {
      const [h, w, c] = s;
      const f = int(1, 4);
      const kh = int(1, Math.min(3, h));
      const kw = int(1, Math.min(3, w));
      const pad = pick(['same', 'valid'] as const);
      const stride = int(1, 2);
      const oh = pad === 'same' ? Math.ceil(h / stride) : Math.floor((h - kh) / stride) + 1;
      const ow = pad === 'same' ? Math.ceil(w / stride) : Math.floor((w - kw) / stride) + 1;
      return {
        name: `conv2d(filter [${kh},${kw},${c},${f}], stride ${stride}, ${pad})`,
        extra: [[kh, kw, c, f]],
        apply: (x, [k]) => sg.squeeze(sg.conv2d(sg.expandDims(x, 0), k, stride, pad), [0]),
        out: () => [oh, ow, f],
      };
    }
    case 'pool': {
      const [h, w, c] = s;
      const fs = int(1, Math.min(2, h, w));
      const max = rng.uniform() < 0.5;
      const oh = Math.floor((h - fs) / fs) + 1;
      const ow = Math.floor((w - fs) / fs) + 1;
      return {
        name: `${max ? 'maxPool' : 'avgPool'}(${fs}, valid)`,
        extra: [],
        apply: (x) => sg.squeeze((max ? sg.maxPool : sg.avgPool)(sg.expandDims(x, 0), fs, fs, 'valid'), [0]),
        out: () => [oh, ow, c],
      };
    }
    case 'depthwise': {
      const [h, w, c] = s;
      const m = int(1, 2);
      const kh = int(1, Math.min(3, h));
      const kw = int(1, Math.min(3, w));
      const stride = int(1, 2);
      return {
        name: `depthwiseConv2d(filter [${kh},${kw},${c},${m}], stride ${stride}, same)`,
        extra: [[kh, kw, c, m]],
        apply: (x, [k]) => sg.squeeze(sg.depthwiseConv2d(sg.expandDims(x, 0), k, stride, 'same'), [0]),
        out: () => [Math.ceil(h / stride), Math.ceil(w / stride), c * m],
      };
    }
    case 'conv2dTranspose': {
      const [h, w, c] = s;
      const f = int(1, 3);
      const k = int(1, 3);
      const stride = int(1, 2);
      const out: [number, number, number, number] = [1, h * stride, w * stride, f];
      return {
        name: `conv2dTranspose(filter [${k},${k},${f},${c}], stride ${stride}, same)`,
        extra: [[k, k, f, c]],
        apply: (x, [flt]) => sg.squeeze(sg.conv2dTranspose(sg.expandDims(x, 0), flt, out, stride, 'same'), [0]),
        out: () => out.slice(1),
      };
    }
    case 'resize': {
      const [, , c] = s;
      const size: [number, number] = [int(1, 6), int(1, 6)];
      const bilinear = rng.uniform() < 0.5;
      const align = rng.uniform() < 0.3;
      return {
        name: `${bilinear ? 'resizeBilinear' : 'resizeNearestNeighbor'}([${size}]${align ? ', alignCorners' : ''})`,
        extra: [],
        apply: (x) => (bilinear ? sg.resizeBilinear : sg.resizeNearestNeighbor)(x, size, align),
        out: () => [...size, c],
      };
    }
    case 'batchNorm': {
      const c = s[2];
      return {
        name: `batchNorm(mean, variance, offset, scale [${c}])`,
        extra: [[c], [c], [c], [c]],
        apply: (x, [m, v, o, sc]) => sg.batchNorm(x, m, sg.add(sg.square(v), 0.5), o, sc),
        out: (t) => t,
      };
    }
    case 'rnn': {
      // s = [batch, time, features]
      const [bt, t, f] = s;
      const u = int(1, 4);
      const kind = pick(['lstm', 'gru', 'simpleRnn'] as const);
      const gates = kind === 'lstm' ? 4 : kind === 'gru' ? 3 : 1;
      const seqOut = rng.uniform() < 0.5;
      const back = rng.uniform() < 0.3;
      const biasShape = kind === 'gru' ? [2, gates * u] : [gates * u];
      const extra = [[f, gates * u], [u, gates * u], biasShape, [bt, u], ...(kind === 'lstm' ? [[bt, u]] : [])];
      const opts = { returnSequences: seqOut, goBackwards: back };
      return {
        name: `${kind}Sequence(units ${u}${seqOut ? ', returnSequences' : ''}${back ? ', goBackwards' : ''})`,
        extra,
        apply: (x, [k, rk, b, h0, c0]) =>
          kind === 'lstm'
            ? sg.lstmSequence(x, k, rk, b, h0, c0, opts).output
            : kind === 'gru'
              ? sg.gruSequence(x, k, rk, b, h0, opts).output
              : sg.simpleRnnSequence(x, k, rk, b, h0, opts).output,
        out: () => (seqOut ? [bt, t, u] : [bt, u]),
      };
    }
    case 'pad': {
      const p = s.map(() => [int(0, 2), int(0, 2)] as [number, number]);
      return {
        name: `pad [${p.map((q) => q.join('/'))}]`,
        extra: [],
        apply: (x) => sg.pad(x, p),
        out: (t) => t.map((d, i) => d + p[i][0] + p[i][1]),
      };
    }
    case 'tile': {
      const reps = s.map(() => int(1, 2));
      return {
        name: `tile [${reps}]`,
        extra: [],
        apply: (x) => sg.tile(x, reps),
        out: (t) => t.map((d, i) => d * reps[i]),
      };
    }
    default: {
      const idx = Array.from({ length: int(1, 5) }, () => int(0, s[0] - 1));
      return {
        name: `gather [${idx}]`,
        extra: [],
        apply: (x) => sg.gather(x, sg.tensor(idx, [idx.length], 'int32')),
        out: (t) => [idx.length, ...t.slice(1)],
      };
    }
  }
}

interface Chain {
  seed: number;
  inputShape: number[];
  steps: Step[];
  /** Random data of every input, in order: the chain input, then each step's extras, then the loss weights. */
  data: Float32Array[];
}

function makeChain(seed: number): Chain {
  const rng = new Rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rng.uniform() * (hi - lo + 1));
  const rank = int(1, 3);
  const inputShape = Array.from({ length: rank }, () => int(1, 7));
  let s = inputShape;
  const steps: Step[] = [];
  const shapes: number[][] = [inputShape];
  for (let i = int(2, 7); i > 0; i--) {
    const step = randomStep(rng, s);
    steps.push(step);
    shapes.push(...step.extra);
    s = step.out(s);
    // Keep tensors small: a chain that grew past 4,096 values is cut short there.
    if (size(s) > 4096) break;
  }
  shapes.push(s);
  const data = shapes.map((sh) => Float32Array.from({ length: size(sh) }, () => rng.uniform() * 4 - 2));
  return { seed, inputShape, steps, data };
}

interface Result {
  value: Float32Array;
  grads: Float32Array[];
  shape: number[];
}

/** Runs a chain on the active backend: the output, and the gradient of sum(out * w) for every input. */
function runChain(c: Chain): Result {
  const shapes: number[][] = [c.inputShape, ...c.steps.flatMap((s) => s.extra)];
  const inputs = shapes.map((sh, i) => sg.tensor(c.data[i], sh));
  const forward = (...xs: T[]): T => {
    let x = xs[0];
    let k = 1;
    for (const step of c.steps) {
      const extra = xs.slice(k, k + step.extra.length);
      k += step.extra.length;
      x = step.apply(x, extra);
    }
    return x;
  };
  try {
    const out = sg.tidy(() => forward(...inputs));
    const w = sg.tensor(c.data[c.data.length - 1], out.shape);
    const grads = sg.grads((...xs: T[]) => sg.sum(sg.mul(forward(...xs), w)))(inputs);
    const r: Result = {
      value: Float32Array.from(out.dataSync()),
      grads: grads.map((g) => Float32Array.from(g.dataSync())),
      shape: out.shape,
    };
    sg.dispose([out, w, ...grads]);
    return r;
  } finally {
    sg.dispose(inputs);
  }
}

const describeChain = (c: Chain) =>
  `seed ${c.seed}: input [${c.inputShape}] -> ${c.steps.map((s) => s.name).join(' -> ')}`;

/** The first element where |a - e| > atol + rtol * |e| (scaled by the array's largest magnitude), or -1. */
function firstMismatch(a: Float32Array, e: Float32Array, rtol: number, atol: number): number {
  let scale = 0;
  for (const v of e) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i]) && Number.isNaN(a[i])) continue;
    if (!(Math.abs(a[i] - e[i]) <= atol * Math.max(1, scale) + rtol * Math.abs(e[i]))) return i;
  }
  return a.length === e.length ? -1 : 0;
}

const sameBits = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && new Uint32Array(a.buffer).every((v, i) => v === new Uint32Array(b.buffer)[i]);

describe(`differential fuzz: ${CHAINS} random op chains with gradients (FUZZ_CHAINS, FUZZ_SEED)`, () => {
  let wasm: WasmBackend;
  let threadsBefore: number;
  beforeAll(async () => {
    await sg.setBackend('wasm');
    wasm = ENGINE.findBackend('wasm') as WasmBackend;
    threadsBefore = getThreads();
  });
  afterAll(async () => {
    wasm.cutoffOverride = undefined;
    setThreads(threadsBefore);
    await sg.setBackend('wasm');
  });

  it(
    'wasm matches js within tolerance; wasm on 2 threads with forced splits matches 1 thread bit for bit',
    async () => {
      const chains = Array.from({ length: CHAINS }, (_, i) => makeChain(SEED0 + i));
      const memBefore = { wasm: 0, js: 0 };
      // js: the oracle.
      await sg.setBackend('js');
      memBefore.js = sg.memory().numTensors;
      const oracle = chains.map(runChain);
      expect(sg.memory().numTensors).toBe(memBefore.js);
      // wasm on one thread.
      await sg.setBackend('wasm');
      memBefore.wasm = sg.memory().numTensors;
      setThreads(1);
      wasm.cutoffOverride = undefined;
      const one = chains.map(runChain);
      // wasm on two threads, every kernel that can split forced to.
      setThreads(2);
      wasm.cutoffOverride = 0;
      const splitsBefore = wasm.threadsInfo().splitJobs;
      const two = chains.map(runChain);
      const splits = wasm.threadsInfo().splitJobs - splitsBefore;
      wasm.cutoffOverride = undefined;
      expect(sg.memory().numTensors).toBe(memBefore.wasm);

      const failures: string[] = [];
      let compared = 0;
      chains.forEach((c, i) => {
        const o = oracle[i];
        const checks: [string, Float32Array, Float32Array, Float32Array][] = [
          ['value', o.value, one[i].value, two[i].value],
          ...o.grads.map((g, k): [string, Float32Array, Float32Array, Float32Array] => [
            `gradient of input ${k}`,
            g,
            one[i].grads[k],
            two[i].grads[k],
          ]),
        ];
        for (const [what, js, w1, w2] of checks) {
          compared += js.length;
          const at = firstMismatch(w1, js, 2e-4, 2e-5);
          if (at >= 0) failures.push(`${describeChain(c)}: ${what}[${at}] wasm ${w1[at]} vs js ${js[at]}`);
          if (!sameBits(w1, w2)) failures.push(`${describeChain(c)}: ${what} differs between 1 and 2 threads`);
        }
      });
      // The report of the run (counts asked for in issue 14), with how often each op ran.
      const tally = new Map<string, number>();
      for (const c of chains)
        for (const st of c.steps) {
          const k = st.name.split(/[ ([]/)[0];
          tally.set(k, (tally.get(k) ?? 0) + 1);
        }
      console.log(
        `fuzz ops: ${[...tally]
          .sort((x, y) => y[1] - x[1])
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}`,
      );
      console.log(
        `fuzz: ${CHAINS} chains (seeds ${SEED0}..${SEED0 + CHAINS - 1}), ${chains.reduce((n, c) => n + c.steps.length, 0)} ops, ` +
          `${compared} values and gradient elements compared on 3 runs, ${splits} kernel calls split on 2 threads, ` +
          `${failures.length} mismatches`,
      );
      expect(failures).toEqual([]);
      expect(splits).toBeGreaterThan(CHAINS);
    },
    Math.max(60_000, CHAINS * 100),
  ); // a long FUZZ_CHAINS run gets 100 ms a chain
});
