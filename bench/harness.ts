// Shared benchmark plumbing: timing with the `benchmark` package, medians, tables, JSON results.
import Benchmark from 'benchmark';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

export interface Timing {
  /** Median seconds per call. */
  median: number;
  samples: number;
}

/**
 * Times `fn` with benchmark.js and returns the median seconds per call. Slow functions (> 0.2 s
 * a call) get a minimum of 3 samples so a whole table stays within minutes.
 */
export function time(name: string, fn: () => void, opts: { maxTime?: number } = {}): Timing {
  fn(); // warm up (JIT, wasm tier-up, allocation of pools)
  const t0 = performance.now();
  fn();
  const once = (performance.now() - t0) / 1000;
  const slow = once > 0.2;
  const bench = new Benchmark(name, fn, {
    maxTime: opts.maxTime ?? (slow ? 1 : 2),
    minSamples: slow ? 3 : 5,
    initCount: 1,
  });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  const s = [...bench.stats.sample].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, samples: s.length };
}

/**
 * Times several candidates in interleaved rounds (A, B, C, A, B, C, ...) and returns each one's
 * median seconds per call over all its samples. Why: on a shared 2-core machine the load drifts
 * over seconds; measuring peers one after the other lets that drift land on one peer only and
 * skew the ratio, while interleaving spreads it over all of them.
 */
export function timeInterleaved(
  candidates: { name: string; setup?: () => void; fn: () => void }[],
  rounds = 4,
  maxTime = 0.5,
): Record<string, Timing> {
  const samples: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const c of candidates) {
      c.setup?.();
      c.fn(); // warm up after a switch (threads, backend)
      const bench = new Benchmark(c.name, c.fn, { maxTime, minSamples: 3, initCount: 1 });
      bench.run({ async: false });
      if (bench.error) throw bench.error;
      (samples[c.name] ??= []).push(...bench.stats.sample);
    }
  }
  const out: Record<string, Timing> = {};
  for (const [name, s] of Object.entries(samples)) {
    s.sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    out[name] = { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, samples: s.length };
  }
  return out;
}

/** Prints rows as an aligned text table. */
export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmtNum(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]) => r.map((c, i) => String(c).padStart(widths[i])).join('  ');
  console.log(line(cells[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return '-';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Writes `data` to bench/results/<name>-<timestamp>.json and returns the path. */
export function saveResults(name: string, data: unknown): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `${name}-${stamp}.json`);
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version };
  writeFileSync(path, JSON.stringify({ bench: name, date: new Date().toISOString(), machine, results: data }, null, 2));
  return path;
}
