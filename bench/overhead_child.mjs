// The measuring half of `npm run bench -- overhead` (bench/overhead.ts starts it). Plain
// JavaScript run by plain `node` against the built package (dist/), so the figures are what a
// user's program sees: no tsx transform around the library. One JSON line goes to stdout.
//
//   node bench/overhead_child.mjs ops [t]             small-op and predict latency (+ tfjs peer) on t
//                                                     threads (default 1); t = 'default': simdgrad's
//                                                     default count (the cores), predict rows only
//   node bench/overhead_child.mjs cold [dir]          import, instantiate, first matMul (dir: another
//                                                     build's folder holding index.js; default dist/)
//   node bench/overhead_child.mjs sync|yield [n] [t]  n x n matMuls on t threads, with or without
//                                                     one turn of the event loop first
//
// Times are CPU time of this process (process.cpuUsage) where one thread works, since on a
// shared machine wall time mostly measures the wait for a core; the wall-clock best is given too.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = new URL('../dist/index.js', import.meta.url).href;
const [mode = 'ops', ...rest] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

if (mode === 'cold') {
  const entry = rest[0] ? new URL('index.js', pathToFileURL(resolve(rest[0]) + '/')).href : dist;
  const c0 = process.cpuUsage();
  const t0 = performance.now(); // since process start (Node's time origin)
  const sg = await import(entry);
  const t1 = performance.now();
  const c1 = process.cpuUsage(c0);
  const a = sg.ones([128, 128]);
  const c = sg.matMul(a, a);
  c.dataSync();
  const t2 = performance.now();
  const c2 = process.cpuUsage(c0);
  sg.dispose([a, c]);
  // CPU time of the process (all its threads) too: steadier than wall time on a shared machine
  const cpu = (u) => (u.user + u.system) / 1000;
  out({ bootMs: t0, importMs: t1 - t0, firstMatMulMs: t2 - t1, scriptMs: t2 - t0, sinceStartMs: t2, importCpuMs: cpu(c1), scriptCpuMs: cpu(c2) });
} else if (mode === 'sync' || mode === 'yield') {
  const n = Number(rest[0] ?? 1024);
  const threads = Number(rest[1] ?? 2);
  const sg = await import(dist);
  sg.setThreads(threads);
  const a = sg.randomUniform([n, n], -1, 1, 'float32', 1);
  const b = sg.randomUniform([n, n], -1, 1, 'float32', 2);
  if (mode === 'yield') {
    sg.matMul(a, b).dispose();
    await new Promise((r) => setTimeout(r, 0));
  }
  const ms = [];
  const end = performance.now() + 1500;
  for (let i = 0; i < 5 || (performance.now() < end && i < 200); i++) {
    const t0 = performance.now();
    sg.matMul(a, b).dispose();
    ms.push(performance.now() - t0);
  }
  const gf = ms.slice(1).map((m) => (2 * n * n * n) / (m * 1e6)).sort((x, y) => x - y);
  // Chunks each thread ran (caller first; the pool's counters): a worker that missed calls shows here.
  const chunks = sg.engine().backend.threadsInfo?.().chunks;
  out({ mode, n, threads, calls: ms.length, best: gf[gf.length - 1], median: gf[gf.length >> 1], first: (2 * n * n * n) / (ms[0] * 1e6), chunks });
  sg.dispose([a, b]);
  sg.setThreads(1);
} else if (mode === 'ops') {
  const sg = await import(dist);
  // 'default': no setThreads (the count a user gets); ready() waits until its workers are up.
  const defaultThreads = rest[0] === 'default';
  if (defaultThreads) await sg.ready();
  else sg.setThreads(Number(rest[0] ?? 1));
  /** Best (over `reps` batches of `n` calls) CPU us and wall us per call, and the median wall us. */
  const per = (fn, n, reps = 9) => {
    let cpu = Infinity;
    const walls = [];
    for (let r = 0; r < reps; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) fn();
      walls.push(((performance.now() - t0) * 1000) / n);
      const c = process.cpuUsage(c0);
      cpu = Math.min(cpu, (c.user + c.system) / n);
    }
    walls.sort((x, y) => x - y);
    return { cpuUs: cpu, wallUs: walls[0], wallMedianUs: walls[walls.length >> 1] };
  };
  /** `per` for an async `fn` that runs `n` steps a call (fit of n batches): the times per step. */
  const perAsync = async (fn, n, reps = 7) => {
    let cpu = Infinity;
    const walls = [];
    for (let r = 0; r < reps; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fn();
      walls.push(((performance.now() - t0) * 1000) / n);
      const c = process.cpuUsage(c0);
      cpu = Math.min(cpu, (c.user + c.system) / n);
    }
    walls.sort((x, y) => x - y);
    return { cpuUs: cpu, wallUs: walls[0], wallMedianUs: walls[walls.length >> 1] };
  };
  // The walk-through MLP's structure at tiny sizes (12-8-8-4, dropout, softmax, RMSprop, accuracy):
  // one fit step's kernels cost next to nothing, so this is the JS around them (engine, tape,
  // optimizer, loss and metric, fit's loop), per batch of 4.
  const tinyMlp = (lib) => {
    const m = lib.sequential();
    m.add(lib.layers.dense({ units: 8, activation: 'relu', inputShape: [12] }));
    m.add(lib.layers.dropout({ rate: 0.4 }));
    m.add(lib.layers.dense({ units: 8, activation: 'relu' }));
    m.add(lib.layers.dropout({ rate: 0.3 }));
    m.add(lib.layers.dense({ units: 4, activation: 'softmax' }));
    return m;
  };
  const TINY_STEPS = 500;
  const before = sg.memory().numTensors;
  const a = sg.tensor(new Float32Array(10).fill(1));
  const b = sg.tensor(new Float32Array(10).fill(2));
  const res = { node: process.version, threads: sg.getThreads() };
  const tinyX = new Float32Array(4 * TINY_STEPS * 12).map((_, i) => ((i * 7919) % 1000) / 1000);
  const tinyY = new Float32Array(4 * TINY_STEPS * 4).map((_, i) => (i % 4 === (i >> 2) % 4 ? 1 : 0));
  if (!defaultThreads) {
    const tm = tinyMlp(sg);
    const opt = sg.optimizers.rmsprop(); // an instance: the caller disposes it (the model frees only its own)
    tm.compile({ loss: 'categorical_crossentropy', optimizer: opt, metrics: ['accuracy'] });
    const tx = sg.tensor(tinyX, [4 * TINY_STEPS, 12]);
    const ty = sg.tensor(tinyY, [4 * TINY_STEPS, 4]);
    const fitTiny = () => tm.fit(tx, ty, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false });
    await fitTiny();
    res.fitTinyStep = await perAsync(fitTiny, TINY_STEPS, 5);
    tm.dispose();
    opt.dispose();
    sg.dispose([tx, ty]);
    res.addInTidy = per(() => sg.tidy(() => { sg.add(a, b); }), 20000);
    res.add100InOneTidy = per(() => sg.tidy(() => { for (let i = 0; i < 100; i++) sg.add(a, b); }), 200);
    res.add100InOneTidy.cpuUs /= 100;
    res.add100InOneTidy.wallUs /= 100;
    res.addDispose = per(() => sg.add(a, b).dispose(), 20000);
    // The wasm kernel alone (the same module call the Binary kernel ends in), to subtract.
    const be = sg.engine().backend;
    const w = be.wasm;
    if (w && typeof w.binaryF32 === 'function') {
      const o = sg.zeros([10]);
      const pa = be.ptr(a.dataId.handle ?? a.dataId);
      const pb = be.ptr(b.dataId.handle ?? b.dataId);
      const po = be.ptr(o.dataId.handle ?? o.dataId);
      const pArgs = w.alloc(64);
      new Int32Array(w.memory.buffer, pArgs, 3).set([10, 1, 1]);
      res.kernelOnly = per(() => w.binaryF32(0, pa, pb, po, 1, pArgs, pArgs + 4, pArgs + 8, 0, 10), 20000);
      w.free(pArgs);
      o.dispose();
    }
  }
  // The walk-through MLP (784-256-128-10), as bench/train.ts builds it.
  const model = sg.sequential();
  model.add(sg.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }));
  model.add(sg.layers.dropout({ rate: 0.4 }));
  model.add(sg.layers.dense({ units: 128, activation: 'relu' }));
  model.add(sg.layers.dropout({ rate: 0.3 }));
  model.add(sg.layers.dense({ units: 10, activation: 'softmax' }));
  const x1 = sg.randomUniform([1, 784], 0, 1, 'float32', 3);
  const x1000 = sg.randomUniform([1000, 784], 0, 1, 'float32', 4);
  res.predict1 = per(() => model.predict(x1).dispose(), 1000);
  // Where the one-sample time goes: the module calls predict ends in (the two packed GEMVs the
  // backend made for W1 and W2 at the second predict, W3's GEMV, the softmax), alone.
  const be = sg.engine().backend;
  const wm = be.wasm;
  const packedOf = (t) => be.packed?.get(t.dataId.handle ?? t.dataId)?.ptr ?? 0;
  const dense = model.layers.filter((l) => l.kernel);
  if (wm && typeof wm.gemvPackedF32 === 'function' && dense.every((l, i) => i === 2 || packedOf(l.kernel.variable) !== 0)) {
    const p = (t) => be.ptr(t.dataId.handle ?? t.dataId);
    const [W1, B1, W2, B2, W3, B3] = dense.flatMap((l) => [l.kernel.variable, l.bias.variable]);
    const h = wm.alloc(2048);
    const one = sg.getThreads() === 1;
    // at the default count the backend's split call (as predict makes it), at 1 thread the module call
    const l1 = one ? () => wm.gemvPackedF32(784, p(x1), packedOf(W1), h, p(B1), 1, 0, 256) : () => be.gemvPacked(256, 784, p(x1), packedOf(W1), h, p(B1), 1);
    const kernels = () => {
      l1();
      wm.gemvPackedF32(256, h, packedOf(W2), h + 1024, p(B2), 1, 0, 128);
      wm.gemvF32(1, 10, 128, h + 1024, 128, p(W3), 10, h + 1536, 10, p(B3), 0, 0, 10);
      wm.softmaxF32(h + 1536, h + 1600, 10, 0, 1, 0);
    };
    res.predict1Kernels = per(kernels, 1000);
    res.predict1Layer1 = per(l1, 1000);
    wm.free(h);
  }
  // Per-call wall times of predict(x1) (us) and how often the worker ran its share of a split call.
  {
    const n = 5000;
    const walls = new Float64Array(n);
    const info = () => be.threadsInfo?.().chunks ?? [0];
    const workerChunks = () => info().slice(1).reduce((a, c) => a + c, 0);
    const w0 = workerChunks();
    const splits0 = be.threadsInfo?.().splitJobs ?? 0;
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      model.predict(x1).dispose();
      walls[i] = (performance.now() - t0) * 1000;
    }
    walls.sort();
    const q = (p) => walls[Math.min(n - 1, Math.floor(p * n))];
    const splits = (be.threadsInfo?.().splitJobs ?? 0) - splits0;
    res.predict1Calls = { p10: q(0.1), p50: q(0.5), p90: q(0.9), p99: q(0.99), splitCalls: splits, workerChunks: workerChunks() - w0 };
  }
  res.predict1000 = per(() => model.predict(x1000).dispose(), 5, 7);
  res.predict1000Sync = per(() => { const y = model.predict(x1000); y.dataSync(); y.dispose(); }, 5, 7);
  // tfjs-layers on tfjs-backend-wasm (XNNPACK, SIMD; one thread in Node), same weights; not with the
  // default count (the 1-thread process measures it).
  if (!defaultThreads) {
    try {
      const tf = await import('@tensorflow/tfjs-core');
      await import('@tensorflow/tfjs-backend-cpu');
      const tfw = await import('@tensorflow/tfjs-backend-wasm');
      const tfl = await import('@tensorflow/tfjs-layers');
      const { createRequire } = await import('node:module');
      const { dirname } = await import('node:path');
      const dir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
      tfw.setWasmPaths(dir + '/');
      tf.enableProdMode();
      await tf.setBackend('wasm');
      await tf.ready();
      const m = tfl.sequential();
      m.add(tfl.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }));
      m.add(tfl.layers.dropout({ rate: 0.4 }));
      m.add(tfl.layers.dense({ units: 128, activation: 'relu' }));
      m.add(tfl.layers.dropout({ rate: 0.3 }));
      m.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
      const ws = model.getWeights();
      m.setWeights(ws.map((t) => tf.tensor(t.dataSync(), t.shape)));
      sg.dispose(ws);
      const tx1 = tf.tensor(x1.dataSync(), [1, 784]);
      const tx1000 = tf.tensor(x1000.dataSync(), [1000, 784]);
      const ta = tf.tensor(new Float32Array(10).fill(1));
      const tb = tf.tensor(new Float32Array(10).fill(2));
      res.tfjsAddInTidy = per(() => tf.tidy(() => { tf.add(ta, tb); }), 20000);
      res.tfjsPredict1 = per(() => m.predict(tx1).dispose(), 1000);
      res.tfjsPredict1000Sync = per(() => { const y = m.predict(tx1000); y.dataSync(); y.dispose(); }, 5, 7);
      const tm = tinyMlp(tfl);
      const topt = tf.train.rmsprop(0.001);
      tm.compile({ loss: 'categoricalCrossentropy', optimizer: topt, metrics: ['accuracy'] });
      const ttx = tf.tensor(tinyX, [4 * TINY_STEPS, 12]);
      const tty = tf.tensor(tinyY, [4 * TINY_STEPS, 4]);
      const tfitTiny = () => tm.fit(ttx, tty, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false });
      await tfitTiny();
      res.tfjsFitTinyStep = await perAsync(tfitTiny, TINY_STEPS, 5);
      tm.dispose();
      topt.dispose();
      tf.dispose([ttx, tty]);
      // Same answers: the two models hold the same weights.
      const p1 = model.predict(x1);
      const t1 = m.predict(tx1).dataSync();
      const d = Math.max(...p1.dataSync().map((v, i) => Math.abs(v - t1[i])));
      p1.dispose();
      res.maxDiffVsTfjs = d;
      res.tfjs = `tfjs-layers ${tfl.version_layers} on tfjs-backend-wasm`;
    } catch (e) {
      res.tfjs = `not available (${e.message})`;
    }
  }
  model.dispose();
  sg.dispose([a, b, x1, x1000]);
  res.leaked = sg.memory().numTensors - before;
  out(res);
} else {
  console.error(`overhead_child: unknown mode '${mode}'`);
  process.exitCode = 1;
}
