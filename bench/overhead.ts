// `npm run bench -- overhead [rounds]`: what issue 17 asks of everything around the kernels, in
// figures that compare before and after a change:
//   - engine overhead of a small op (add of two [10] tensors inside tidy) against the bare wasm
//     kernel call and tfjs-core;
//   - walk-through MLP predict latency, one sample and a batch of 1000, against tfjs-layers on
//     tfjs-backend-wasm (the same weights);
//   - cold start of a fresh Node process (import, instantiate, first 128x128 matMul);
//   - threads without yielding: 2 threads, 1024 x 1024 matMul in a loop, in a script that never
//     awaits, against the same script after one turn of the event loop;
//   - the wasm module's size and the npm package's unpacked size (npm pack --dry-run).
// Measurements run in child processes on the built package (bench/overhead_child.mjs, plain
// node, dist/): build first (`npm run build`). Rounds alternate the cases; best/median reported.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable, saveResults } from './harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const child = join(root, 'bench', 'overhead_child.mjs');

type Json = Record<string, unknown>;
/** The Node that runs the children: this one, or `--node=PATH` (e.g. a Node 22 with relaxed SIMD). */
let nodeBin = process.execPath;
function run(args: string[], env: NodeJS.ProcessEnv = {}): Json {
  const out = execFileSync(nodeBin, [child, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Json;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const min = (v: number[]) => Math.min(...v);
/** predict(1)'s time outside its kernels: the median over processes of predict minus kernels alone. */
const restOfPredict1 = (all: number[], kernels: number[]): number | string => {
  const d = all.map((v, i) => v - kernels[i]).filter((v) => Number.isFinite(v));
  if (d.length === 0) return '';
  const m = median(d);
  return m >= 0 ? m : `~0 (noise: ${m.toFixed(2)})`;
};
const max = (v: number[]) => Math.max(...v);

/** Sizes: the module as built, as embedded (base64 JS) and the packed package. */
export function packageSizes(): Json {
  const wasm = join(root, 'dist', 'simdgrad.wasm');
  const embedded = join(root, 'dist', 'backends', 'wasm', 'wasm-embedded.generated.js');
  const res: Json = {
    wasmBytes: existsSync(wasm) ? statSync(wasm).size : null,
    embeddedJsBytes: existsSync(embedded) ? statSync(embedded).size : null,
  };
  try {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const j = JSON.parse(out.slice(out.indexOf('['))) as { unpackedSize: number; size: number; entryCount: number }[];
    res.unpackedBytes = j[0].unpackedSize;
    res.packedBytes = j[0].size;
    res.files = j[0].entryCount;
  } catch (e) {
    res.pack = `npm pack failed: ${(e as Error).message.split('\n')[0]}`;
  }
  return res;
}

export async function benchOverhead(args: string[]): Promise<void> {
  const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
  nodeBin = args.find((a) => a.startsWith('--node='))?.slice(7) || process.execPath;
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('bench overhead: dist/ is missing: run npm run build');
  const srcT = statSync(join(root, 'src', 'engine', 'engine.ts')).mtimeMs;
  const distT = statSync(join(root, 'dist', 'index.js')).mtimeMs;
  if (srcT > distT) console.warn('warning: src/engine/engine.ts is newer than dist/: run npm run build first');

  const ops: Json[] = [];
  const opsDefault: Json[] = [];
  const cold: Json[] = [];
  const sync: Json[] = [];
  const yielded: Json[] = [];
  for (let r = 0; r < rounds; r++) {
    ops.push(run(['ops']));
    opsDefault.push(run(['ops', 'default']));
    for (let k = 0; k < 3; k++) cold.push(run(['cold']));
    sync.push(run(['sync', '1024', '2']));
    yielded.push(run(['yield', '1024', '2']));
  }
  const f = (k: string, field = 'cpuUs') => ops.map((o) => (o[k] as Json | undefined)?.[field] as number);
  const us = (k: string) => min(f(k));
  const sizes = packageSizes();

  console.log(`\nEngine overhead and inference latency (best of ${rounds} processes; CPU us of one thread; Node ${ops[0].node})`);
  const add = us('addInTidy');
  const kernel = us('kernelOnly');
  printTable(
    ['case', 'simdgrad us', 'wall us', 'tfjs us', 'target'],
    [
      ['tidy(() => { add([10], [10]) })', add, min(f('addInTidy', 'wallUs')), us('tfjsAddInTidy'), ''],
      ['  of which engine (minus the wasm call)', add - kernel, '', '', '<= 1 us'],
      ['add inside one tidy of 100 adds', us('add100InOneTidy'), min(f('add100InOneTidy', 'wallUs')), '', ''],
      ['add(...).dispose()', us('addDispose'), min(f('addDispose', 'wallUs')), '', ''],
      ['binaryF32 wasm call alone', kernel, '', '', ''],
      ['MLP predict, 1 sample', us('predict1'), min(f('predict1', 'wallUs')), us('tfjsPredict1'), '<= 25 us'],
      ['  of which kernels (3 GEMVs + softmax alone)', us('predict1Kernels'), min(f('predict1Kernels', 'wallUs')), '', ''],
      ['  of which layer 1 (784 x 256 GEMV)', us('predict1Layer1'), min(f('predict1Layer1', 'wallUs')), '', ''],
      // Per process (the kernels-alone loop runs in the same process as predict), the median of those
      // differences; below zero the kernels alone measured slower than inside predict: within the noise.
      ['  the rest (JS: predict, chain, tensors)', restOfPredict1(f('predict1'), f('predict1Kernels')), '', '', ''],
      ['MLP predict, 1000 samples (+dataSync)', us('predict1000Sync'), min(f('predict1000Sync', 'wallUs')),
        us('tfjsPredict1000Sync'), '>= 5x tfjs'],
      // The JS around a training step: the MLP's structure at 12-8-8-4, batch 4, where kernels cost ~nothing.
      ['fit step, 12-8-8-4 MLP, batch 4 (JS per step)', us('fitTinyStep'), min(f('fitTinyStep', 'wallUs')),
        us('tfjsFitTinyStep'), ''],
    ],
  );
  const ratio1000 = us('tfjsPredict1000Sync') / us('predict1000Sync');
  console.log(`predict 1000: ${ratio1000.toFixed(2)}x tfjs-wasm (CPU time); ${ops[0].tfjs}; max |diff| ${ops[0].maxDiffVsTfjs}`);

  // simdgrad's default thread count (the cores) against tfjs-backend-wasm, which runs one thread in
  // Node: wall time, as CPU time counts the spinning workers too.
  const threads = opsDefault[0].threads as number;
  const d = (k: string, field: string) => opsDefault.map((o) => (o[k] as Json)[field] as number);
  const tfjsWall = (k: string) => min(f(k, 'wallUs'));
  console.log(`\nMLP predict at simdgrad's default thread count (${threads}) against tfjs-wasm (1 thread); wall us, best of ${rounds} processes`);
  printTable(
    ['case', `simdgrad ${threads} threads best`, 'median', 'tfjs 1 thread best', 'ratio (best)', 'target'],
    [
      ['MLP predict, 1 sample', min(d('predict1', 'wallUs')), median(d('predict1', 'wallMedianUs')),
        tfjsWall('tfjsPredict1'), (tfjsWall('tfjsPredict1') / min(d('predict1', 'wallUs'))).toFixed(2) + 'x', '<= 25 us'],
      ['  its kernels alone (layer 1 split as predict splits it)', min(d('predict1Kernels', 'wallUs')), median(d('predict1Kernels', 'wallMedianUs')), '', '', ''],
      ['  layer 1 alone (784 x 256, split)', min(d('predict1Layer1', 'wallUs')), median(d('predict1Layer1', 'wallMedianUs')), '', '', ''],
      ['MLP predict, 1000 samples (+dataSync)', min(d('predict1000Sync', 'wallUs')), median(d('predict1000Sync', 'wallMedianUs')),
        tfjsWall('tfjsPredict1000Sync'), (tfjsWall('tfjsPredict1000Sync') / min(d('predict1000Sync', 'wallUs'))).toFixed(2) + 'x', '>= 5x tfjs'],
    ],
  );
  // One process's per-call distribution (5,000 calls in a row) and the worker's part: a split call
  // the worker missed ran both halves on the caller.
  for (const o of opsDefault) {
    const c = o.predict1Calls as Json | undefined;
    if (!c) continue;
    const fx = (k: string) => (c[k] as number).toFixed(1);
    console.log(
      `predict 1 sample, per call (us): p10 ${fx('p10')} p50 ${fx('p50')} p90 ${fx('p90')} p99 ${fx('p99')}; ` +
        `worker ran ${c.workerChunks} chunks of ${c.splitCalls} split calls`,
    );
  }

  console.log(`\nCold start: fresh node process, import + instantiate + first 128x128 matMul (${cold.length} processes)`);
  const c = (k: string) => cold.map((o) => o[k] as number);
  printTable(
    ['', 'best ms', 'median ms'],
    [
      ['node boot (before the script)', min(c('bootMs')), median(c('bootMs'))],
      ['import simdgrad', min(c('importMs')), median(c('importMs'))],
      ['first matMul (+ dataSync)', min(c('firstMatMulMs')), median(c('firstMatMulMs'))],
      ['script total (target <= 60 ms)', min(c('scriptMs')), median(c('scriptMs'))],
      // CPU time of the process (all threads; the worker's start-up included): steadier on a shared machine
      ['import simdgrad, CPU ms', min(c('importCpuMs')), median(c('importCpuMs'))],
      ['script total, CPU ms', min(c('scriptCpuMs')), median(c('scriptCpuMs'))],
    ],
  );

  console.log('\nThreads without yielding: 2 threads, 1024x1024 matMul loop, GFLOP/s per process (best / median / first call)');
  const g = (s: Json[], k: string) => s.map((o) => o[k] as number);
  printTable(
    ['script', 'best', 'median', 'first call'],
    [
      ['synchronous (never awaits)', max(g(sync, 'best')), median(g(sync, 'median')), median(g(sync, 'first'))],
      ['after one event-loop turn', max(g(yielded, 'best')), median(g(yielded, 'median')), median(g(yielded, 'first'))],
    ],
  );
  const ch = (s: Json[]) => s.map((o) => JSON.stringify(o.chunks ?? null)).join(' ');
  console.log(`chunks run per thread [caller, worker], per process: synchronous ${ch(sync)}; after a turn ${ch(yielded)}`);

  console.log('\nSizes');
  printTable(
    ['what', 'bytes', 'target'],
    [
      ['wasm module (dist/simdgrad.wasm)', (sizes.wasmBytes as number) ?? '-', '<= 150,000'],
      ['embedded module (wasm-embedded.generated.js)', (sizes.embeddedJsBytes as number) ?? '-', ''],
      ['npm package, unpacked', (sizes.unpackedBytes as number) ?? '-', '<= 2,000,000'],
      ['npm package, packed', (sizes.packedBytes as number) ?? '-', ''],
    ],
  );
  console.log(`results: ${saveResults('overhead', { rounds, node: nodeBin, ops, opsDefault, cold, sync, yielded, sizes })}`);
}

