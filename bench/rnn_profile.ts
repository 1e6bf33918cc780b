// `npm run bench -- rnn profile [threads] [steps]`: the LSTM benchmark of bench/native.ts (batch
// 32, 80 steps, 128 inputs, 128 units, gradients of sum(last output) with respect to every
// weight) timed kernel by kernel: each kernel of the wasm backend is wrapped in a timer for
// `steps` calls (default 10) after 3 warm-ups, and the table lists the best and median ms per
// kernel and input shapes, the rest of the call as "outside kernels". At 1 thread the times are
// the process's CPU time (steadier on a shared machine), else wall time. Compare with PyTorch's
// split from torch.autograd.profiler (bench/native_peers.py runs the same model).
import * as sg from '../src/index.js';
import { setThreads } from '../src/threads.js';
import { ENGINE } from '../src/engine/engine.js';
import type { Attrs, KernelFunc, TensorInfo } from '../src/backends/backend.js';
import { lstmWorkload } from './native.js';

/** Runs the per-kernel profile of one LSTM forward + backward and prints it. */
export async function profileLstm(args: string[]): Promise<void> {
  const [B, T, I, U] = [32, 80, 128, 128];
  const threads = Number(args[0] ?? 2);
  const steps = Number(args[1] ?? 10);
  const cpu = threads === 1;
  const now = () => {
    if (!cpu) return performance.now();
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  await sg.setBackend('wasm');
  setThreads(threads);
  const { fb, dispose } = lstmWorkload();
  for (let i = 0; i < 3; i++) fb();
  const bare: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = now();
    fb();
    bare.push(now() - t0);
  }
  const b = ENGINE.backend as unknown as { kernels: Map<string, KernelFunc> };
  const saved = new Map(b.kernels);
  const table = new Map<string, number[]>();
  let si = 0;
  for (const [name, k] of saved) {
    b.kernels.set(name, (ins: TensorInfo[], attrs: Attrs, be: unknown) => {
      const t0 = now();
      const out = k(ins, attrs, be as never);
      const ms = now() - t0;
      const key = `${name} ${ins.map((t) => `[${t.shape}]`).join('')}${attrs.transposeA ? ' tA' : ''}${attrs.transposeB ? ' tB' : ''}`;
      const e = table.get(key) ?? [];
      e[si] = (e[si] ?? 0) + ms;
      table.set(key, e);
      return out;
    });
  }
  const outside: number[] = [];
  try {
    for (si = 0; si < steps; si++) {
      const t0 = now();
      fb();
      const ms = now() - t0;
      let inside = 0;
      for (const e of table.values()) inside += e[si] ?? 0;
      outside.push(ms - inside);
    }
  } finally {
    saved.forEach((k, n) => b.kernels.set(n, k));
  }
  const best = (v: number[]) => Math.min(...v.filter((t) => t !== undefined));
  const med = (v: number[]) => {
    const s = v.filter((t) => t !== undefined).sort((a, c) => a - c);
    return s[s.length >> 1];
  };
  console.log(`LSTM B${B} T${T} I${I} U${U} forward + backward, ${threads} thread(s), ${cpu ? 'CPU' : 'wall'} ms`);
  console.log(`whole call: best ${best(bare).toFixed(2)} median ${med(bare).toFixed(2)}`);
  console.log('   best  median  kernel');
  const rows = [...table.entries()].map(([k, v]) => [k, best(v), med(v)] as const).sort((a, c) => c[1] - a[1]);
  for (const [k, bst, m] of rows) if (bst > 0.05) console.log(`${bst.toFixed(2).padStart(7)} ${m.toFixed(2).padStart(7)}  ${k}`);
  console.log(`${best(outside).toFixed(2).padStart(7)} ${med(outside).toFixed(2).padStart(7)}  outside kernels`);
  dispose();
}
