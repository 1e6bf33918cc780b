// The package's bench page (issue 17): `npx simdgrad serve` serves dist/bench.html with COOP/COEP
// from an installed tarball; headless Chromium opens it, the page is cross-origin isolated, runs
// the gemm and conv benchmarks (quick sizes) in its worker on 1 and 2 threads, and shows the rows.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, packTarball } from './project.js';

const CHROMIUM = '/usr/bin/chromium';
let app = '';
let server: ChildProcess | null = null;
let browser: Browser | null = null;
let url = '';

beforeAll(async () => {
  app = makeProject(packTarball(), { name: 'benchpage' });
  const port = 20000 + Math.floor(Math.random() * 20000);
  server = spawn(process.execPath, [join(app, 'node_modules', 'simdgrad', 'dist', 'cli.js'), 'serve', String(port)], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/localhost:\d+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    server!.on('exit', (code) => reject(new Error(`simdgrad serve exited (${code}): ${out}`)));
  });
  browser = await chromium.launch({ executablePath: CHROMIUM });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  server?.kill();
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('bench.html', () => {
  it('runs gemm and conv in the browser on 1 and 2 threads, cross-origin isolated', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    for (const kind of ['gemm', 'conv']) {
      await page.goto(`${url}?kind=${kind}&quick=1`);
      await page.waitForFunction(() => (window as { simdgradBench?: unknown }).simdgradBench, null, { timeout: 120_000 });
      const res = await page.evaluate(() => (window as unknown as { simdgradBench: { rows?: { what: string; threads: number; value: number; unit: string }[]; error?: string } }).simdgradBench);
      expect(res.error).toBeUndefined();
      const rows = res.rows!;
      expect(rows.length).toBeGreaterThan(0);
      expect([...new Set(rows.map((r) => r.threads))].sort()).toEqual([1, 2]);
      for (const r of rows) expect(r.value).toBeGreaterThan(0);
      expect(rows.every((r) => r.unit === 'GFLOP/s')).toBe(true);
      const support = await page.textContent('#support');
      expect(support).toMatch(/WebAssembly SIMD: yes \(required\); relaxed SIMD: yes .*; threads: yes/);
      expect(support).not.toMatch(/not cross-origin isolated/);
      expect(await page.textContent('#out')).toMatch(/simdgrad\s+matMul 64x64x64|simdgrad\s+conv2d 2x26x26x32/);
    }
    expect(errors).toEqual([]);
    // the server refuses paths outside dist/ and other file kinds
    const outside = await page.goto(`${url}..%2Fpackage.json`);
    expect(outside?.status()).toBe(404);
    await page.close();
  }, 300_000);
});
