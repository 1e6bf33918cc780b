// sg.io.listModels / copyModel / moveModel / removeModel in a real browser (headless Chromium,
// Debian's /usr/bin/chromium, driven by playwright-core; page bundled with esbuild from
// model_management_entry.ts): models saved by simdgrad and by tfjs-layers 4.22 in the same page,
// in localStorage and IndexedDB, are listed (tfjs-core's io.listModels lists the same URLs with
// the same infos), copied within and across media, moved, loaded back in both libraries with the
// original predictions, and removed (tfjs-core removes what simdgrad copied); errors name the call.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundleForBrowser, launchChromium, serveFiles, type Chromium, type Served } from '../browser/harness.js';

const here = fileURLToPath(new URL('.', import.meta.url));
let served: Served;
let base = '';
let browser: Chromium;

beforeAll(async () => {
  const bundle = await bundleForBrowser(join(here, 'model_management_entry.ts'));
  served = await serveFiles({
    '/entry.js': ['text/javascript', bundle.contents],
    '/index.html': ['text/html', '<!doctype html><meta charset="utf-8"><script type="module" src="/entry.js"></script>'],
  });
  base = served.base;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

function close(a: number[], b: number[]) {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-6));
}

it('lists, copies, moves and removes models of both libraries in localStorage and IndexedDB', async () => {
  const page = await browser.context.newPage();
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
