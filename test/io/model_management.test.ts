// sg.io.listModels / copyModel / moveModel / removeModel in a real browser (headless Chromium,
// Debian's /usr/bin/chromium, driven by playwright-core; page bundled with esbuild from
// model_management_entry.ts): models saved by simdgrad and by tfjs-layers 4.22 in the same page,
// in localStorage and IndexedDB, are listed (tfjs-core's io.listModels lists the same URLs with
// the same infos), copied within and across media, moved, loaded back in both libraries with the
// original predictions, and removed (tfjs-core removes what simdgrad copied); errors name the call.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
let server: Server;
let base = '';
let browser: Browser;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [join(here, 'model_management_entry.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  const files: Record<string, [string, string | Uint8Array]> = {
    '/entry.js': ['text/javascript', bundle.outputFiles[0].contents],
    '/index.html': ['text/html', '<!doctype html><meta charset="utf-8"><script type="module" src="/entry.js"></script>'],
  };
  server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://localhost').pathname];
    if (!file) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
});

function close(a: number[], b: number[]) {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-6));
}

it('lists, copies, moves and removes models of both libraries in localStorage and IndexedDB', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/index.html`);
  await page.waitForFunction(() => (window as unknown as { run?: unknown }).run !== undefined, undefined, { timeout: 60_000 });
  const r = (await page.evaluate(() => (window as unknown as { run: () => Promise<unknown> }).run())) as {
    ref: { sg: number[]; tf: number[] };
    initial: { sg: string[]; tf: string[]; sameInfo: boolean };
    afterCopy: { sg: string[]; tf: string[]; sameInfo: boolean };
    afterMove: { sg: string[]; tf: string[]; sameInfo: boolean };
    afterRemove: { sg: string[]; tf: string[]; sameInfo: boolean };
    preds: Record<string, { sg: number[]; tf: number[] }>;
    copyInfoType: string;
    removedType: string;
    errors: Record<string, string>;
    leaked: number;
  };
  await page.close();
  expect(errors).toEqual([]);
  const initial = ['indexeddb://sg-model', 'indexeddb://tf-model', 'localstorage://sg-model', 'localstorage://tf-model'];
  expect(r.initial.sg).toEqual(initial);
  const afterCopy = [...initial, 'indexeddb://tf-copy', 'localstorage://sg-copy'].sort();
  expect(r.afterCopy.sg).toEqual(afterCopy);
  const afterMove = ['indexeddb://sg-model', 'indexeddb://tf-copy', 'localstorage://sg-copy', 'localstorage://sg-moved', 'localstorage://tf-model', 'localstorage://tf-moved'];
  expect(r.afterMove.sg).toEqual(afterMove);
  expect(r.afterRemove.sg).toEqual(['indexeddb://sg-model', 'localstorage://sg-moved', 'localstorage://tf-model']);
  for (const step of [r.initial, r.afterCopy, r.afterMove, r.afterRemove]) {
    expect(step.tf).toEqual(step.sg);
    expect(step.sameInfo).toBe(true);
  }
  expect([r.copyInfoType, r.removedType]).toEqual(['JSON', 'JSON']);
  // Copies of the simdgrad model predict as it did, in both libraries; likewise tfjs-layers'.
  for (const url of ['localstorage://sg-copy', 'localstorage://sg-moved']) {
    close(r.preds[url].sg, r.ref.sg);
    close(r.preds[url].tf, r.ref.sg);
  }
  for (const url of ['indexeddb://tf-copy', 'localstorage://tf-moved']) {
    close(r.preds[url].sg, r.ref.tf);
    close(r.preds[url].tf, r.ref.tf);
  }
  expect(r.errors.missing).toMatch(/io.removeModel\('indexeddb:\/\/nope'\).*cannot find model/);
  expect(r.errors.same).toMatch(/io.copyModel.*old path and new path are the same/);
  expect(r.errors.noScheme).toMatch(/io.removeModel\('sg-model'\).*has no scheme/);
  expect(r.errors.unknownScheme).toMatch(/cannot find a model manager for scheme 'file'/);
  expect(r.leaked).toBe(0);
}, 60_000);
