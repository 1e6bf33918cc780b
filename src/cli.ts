#!/usr/bin/env node
// The package's command (package.json "bin"):
//   npx simdgrad bench [gemm|conv|rnn|train|native] [n ...] [--threads t]
//     times simdgrad's kernels and models on this machine (src/bench_kernels.ts), on one thread
//     and on t (default: the core count), prints GFLOP/s, samples/s or ms with the thread count
//     and what the runtime supports, then the same workloads in the peers that are installed
//     here: tfjs (@tensorflow/tfjs-core with tfjs-backend-wasm) for gemm, conv and rnn, and
//     PyTorch (a `python3` that can import torch) for train, rnn and native. A peer that is not
//     installed is reported as such and skipped.
//   npx simdgrad serve [port]
//     serves the package's bench.html (the same benchmarks in the browser) with the COOP/COEP
//     headers that threads need, on http://localhost:port/ (default 8323).
import { BENCH_KINDS, formatRows, runBenchKind, runtimeSupport, type BenchKind, type BenchRow } from './bench_kernels.js';
import { getBackend, getThreads, ready, setBackend, setThreads } from './index.js';
import { nodeBuiltin } from './backends/wasm/pool-platform.js';

const USAGE =
  `usage: simdgrad bench [${BENCH_KINDS.join('|')}] [n ...] [--threads t] [--quick]   (gemm sizes default 256 512 1024)\n` +
  '       simdgrad serve [port]   (bench.html for browsers, with the COOP/COEP headers threads need)';

/** Parses `[kind] [n ...] [--threads t]`; throws with the usage on anything else. */
function parseBenchArgs(args: string[]): { kind: BenchKind; sizes: number[]; threads: number; quick: boolean } {
  let kind: BenchKind = 'gemm';
  let threads = getThreads();
  let quick = false;
  const sizes: number[] = [];
  for (let i = 0; i < args.length; i++) {
    if (i === 0 && (BENCH_KINDS as readonly string[]).includes(args[0])) {
      kind = args[0] as BenchKind;
      continue;
    }
    if (args[i] === '--quick') {
      quick = true;
      continue;
    }
    const isThreads = args[i] === '--threads';
    const raw = isThreads ? args[++i] : args[i];
    const v = Number(raw);
    if (!Number.isInteger(v) || v < 1 || v > 8192) {
      throw new Error(`simdgrad bench: '${raw}' is not a ${isThreads ? 'thread count' : 'size or bench kind'}\n${USAGE}`);
    }
    if (isThreads) threads = v;
    else sizes.push(v);
  }
  if (sizes.length && kind !== 'gemm') throw new Error(`simdgrad bench ${kind}: sizes apply to gemm only\n${USAGE}`);
  return { kind, sizes, threads, quick };
}

type Tf = {
  tensor(v: Float32Array, s: number[]): { dispose(): void; dataSync(): unknown };
  matMul(a: unknown, b: unknown): { dispose(): void; dataSync(): unknown };
  conv2d(x: unknown, f: unknown, s: number, p: string): { dispose(): void; dataSync(): unknown };
  setBackend(n: string): Promise<boolean>;
  ready(): Promise<void>;
  enableProdMode(): void;
  version_core: string;
};

/** tfjs-core on its wasm backend where both are installed beside simdgrad; null otherwise. */
async function loadTfjs(): Promise<Tf | null> {
  try {
    const tf = (await import(/* @vite-ignore */ '@tensorflow/tfjs-core' as string)) as Tf;
    const wasm = (await import(/* @vite-ignore */ '@tensorflow/tfjs-backend-wasm' as string)) as {
      setWasmPaths(p: string): void;
    };
    const mod = nodeBuiltin<typeof import('node:module')>('node:module')!;
    const path = nodeBuiltin<typeof import('node:path')>('node:path')!;
    const req = mod.createRequire(`${process.cwd()}/`);
    wasm.setWasmPaths(path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + '/');
    tf.enableProdMode();
    if (!(await tf.setBackend('wasm'))) return null;
    await tf.ready();
    return tf;
  } catch {
    return null;
  }
}

/** Best ms of fn over ~budget ms (one warm-up). */
function best(fn: () => void, budgetMs: number): number {
  fn();
  let b = Infinity;
  const end = performance.now() + budgetMs;
  for (let i = 0; i < 3 || (performance.now() < end && i < 500); i++) {
    const t0 = performance.now();
    fn();
    b = Math.min(b, performance.now() - t0);
  }
  return b;
}

async function tfjsRows(kind: BenchKind, sizes: number[]): Promise<BenchRow[] | string> {
  if (kind !== 'gemm' && kind !== 'conv') return 'tfjs: not compared for this kind';
  const tf = await loadTfjs();
  if (!tf) return 'tfjs (@tensorflow/tfjs-core + @tensorflow/tfjs-backend-wasm): not installed';
  const lib = `tfjs-wasm ${tf.version_core}`;
  const rows: BenchRow[] = [];
  const rand = (n: number) => new Float32Array(n).map((_, i) => Math.sin(i) * 0.5);
  if (kind === 'gemm') {
    for (const n of sizes.length ? sizes : [256, 512, 1024]) {
      const a = tf.tensor(rand(n * n), [n, n]);
      const ms = best(() => {
        const c = tf.matMul(a, a);
        c.dataSync();
        c.dispose();
      }, 300);
      a.dispose();
      rows.push({ what: `matMul ${n}x${n}x${n}`, threads: 1, value: (2 * n ** 3) / (ms * 1e6), unit: 'GFLOP/s', library: lib });
    }
  } else {
    const x = tf.tensor(rand(32 * 26 * 26 * 32), [32, 26, 26, 32]);
    const f = tf.tensor(rand(9 * 32 * 64), [3, 3, 32, 64]);
    const ms = best(() => {
      const y = tf.conv2d(x, f, 1, 'valid');
      y.dataSync();
      y.dispose();
    }, 400);
    x.dispose();
    f.dispose();
    const flop = 2 * 32 * 24 * 24 * 64 * 32 * 9;
    rows.push({ what: 'conv2d 32x26x26x32 -> 64, 3x3, forward', threads: 1, value: flop / (ms * 1e6), unit: 'GFLOP/s', library: lib });
  }
  return rows;
}

/** The PyTorch side of train/rnn/native: the same workloads in a python3 that has torch. */
const TORCH_SCRIPT = String.raw`
import json, sys, time, torch
kind, threads = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(threads)
rows = []
def best(fn, n=3):
    fn(); b = 1e9
    for _ in range(n):
        t0 = time.perf_counter(); fn(); b = min(b, time.perf_counter() - t0)
    return b
if kind in ('train', 'native'):
    nn = torch.nn
    mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.4), nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))
    opt = torch.optim.RMSprop(mlp.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
    x = torch.rand(6400, 784); y = torch.randint(0, 10, (6400,))
    def epoch():
        for i in range(0, 6400, 128):
            opt.zero_grad(); nn.functional.cross_entropy(mlp(x[i:i+128]), y[i:i+128]).backward(); opt.step()
    rows.append(['walk-through MLP training, batch 128', 6400 / best(epoch, 2), 'samples/s'])
if kind in ('rnn', 'native'):
    lstm = torch.nn.LSTM(128, 128, batch_first=True)
    x = torch.rand(32, 80, 128) - 0.5
    rows.append(['LSTM B32 T80 I128 U128, forward', 1000 * best(lambda: lstm(x)), 'ms'])
    def fb():
        lstm.zero_grad(); lstm(x)[0].sum().backward()
    rows.append(['LSTM B32 T80 I128 U128, forward + backward', 1000 * best(fb), 'ms'])
print(json.dumps({'version': torch.__version__, 'rows': rows}))
`;

function torchRows(kind: BenchKind, threads: number): BenchRow[] | string {
  if (kind !== 'train' && kind !== 'rnn' && kind !== 'native') return 'PyTorch: not compared for this kind';
  const cp = nodeBuiltin<typeof import('node:child_process')>('node:child_process');
  if (!cp) return 'PyTorch: not available (no child processes)';
  const python = process.env.SIMDGRAD_PYTHON ?? 'python3';
  const r = cp.spawnSync(python, ['-c', TORCH_SCRIPT, kind, String(threads)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) {
    const why = r.error ? `${python} not found` : /No module named/.test(r.stderr ?? '') ? 'torch not installed' : 'failed';
    return `PyTorch (${python}): ${why}; skipped`;
  }
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { version: string; rows: [string, number, string][] };
  return out.rows.map(([what, value, unit]) => ({ what, threads, value, unit, library: `PyTorch ${out.version}` }));
}

async function bench(args: string[]): Promise<void> {
  const { kind, sizes, threads, quick } = parseBenchArgs(args);
  await setBackend('wasm');
  await ready();
  console.log(`simdgrad bench ${kind}: ${getBackend()} backend, Node ${process.versions.node}, ${runtimeSupport()}`);
  const rows = await runBenchKind(kind, threads, sizes, quick);
  const notes: string[] = [];
  // --quick is a smoke run of simdgrad alone: peers would time other sizes
  for (const peer of quick ? [] : [await tfjsRows(kind, sizes), torchRows(kind, threads)]) {
    if (typeof peer === 'string') {
      if (!peer.endsWith('not compared for this kind')) notes.push(peer);
    } else rows.push(...peer);
  }
  console.log(formatRows(rows));
  for (const n of notes) console.log(n);
  setThreads(1); // stops the workers, so the process exits at once
}

/** Serves dist/bench.html and the package's modules with COOP/COEP (cross-origin isolation: threads). */
function serve(args: string[]): void {
  const port = Number(args[0] ?? 8323);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`simdgrad serve: '${args[0]}' is not a port\n${USAGE}`);
  const http = nodeBuiltin<typeof import('node:http')>('node:http')!;
  const fs = nodeBuiltin<typeof import('node:fs')>('node:fs')!;
  const path = nodeBuiltin<typeof import('node:path')>('node:path')!;
  const url = nodeBuiltin<typeof import('node:url')>('node:url')!;
  const root = path.dirname(url.fileURLToPath(import.meta.url)); // dist/
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(root, p === '/' ? 'bench.html' : p);
    const ext = path.extname(file);
    // Only files of the package's dist/, and only the kinds a page needs.
    if (!file.startsWith(root + path.sep) || !types[ext] || !fs.existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': types[ext],
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    fs.createReadStream(file).pipe(res);
  });
  server.listen(port, '127.0.0.1', () => console.log(`simdgrad bench page: http://localhost:${port}/  (Ctrl-C to stop)`));
}

const [cmd, ...rest] = process.argv.slice(2);
const fail = (e: Error) => {
  console.error(e.message);
  process.exitCode = 1;
};
if (cmd === 'bench') bench(rest).catch(fail);
else if (cmd === 'serve') {
  try {
    serve(rest);
  } catch (e) {
    fail(e as Error);
  }
} else {
  console.error(USAGE);
  process.exitCode = cmd === undefined || cmd === '--help' || cmd === '-h' ? 0 : 1;
}
