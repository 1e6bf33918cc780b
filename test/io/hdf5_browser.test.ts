// The zip and HDF5 readers and writers in a browser: headless Chromium (Debian's /usr/bin/chromium
// driven by playwright-core, as test/browser.test.ts) runs an esbuild browser bundle of
// hdf5_browser_entry.ts, where inflate/deflate go through DecompressionStream/CompressionStream;
// every dataset of the Keras archive and the HDF5 fixtures must equal what Node reads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipReader } from '../../src/io/zip.js';
import { H5File } from '../../src/io/hdf5/index.js';
import { digest } from './hdf5_browser_entry.js';
import { bundleForBrowser, launchChromium, serveFiles, type Chromium, type Served } from '../browser/harness.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
let served: Served;
let base = '';
let browser: Chromium;
let context: BrowserContext;
let bundleText = '';

beforeAll(async () => {
  const bundle = await bundleForBrowser(join(here, 'hdf5_browser_entry.ts'));
  bundleText = bundle.text;
  served = await serveFiles({
    '/entry.js': ['text/javascript', bundleText],
    '/index.html': ['text/html', '<!doctype html><script type="module" src="/entry.js"></script>'],
    '/keras/tiny_mlp.keras': ['application/octet-stream', readFileSync(join(fixtures, 'keras/tiny_mlp.keras'))],
    '/hdf5/latest.h5': ['application/octet-stream', readFileSync(join(fixtures, 'hdf5/latest.h5'))],
    '/hdf5/earliest.h5': ['application/octet-stream', readFileSync(join(fixtures, 'hdf5/earliest.h5'))],
  });
  base = served.base;
  browser = await launchChromium();
  context = browser.context;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

describe('zip and HDF5 in a browser', () => {
  it('the bundle has no static Node import', () => {
    expect(bundleText).not.toMatch(/from ["']node:|require\(["']node:/);
  });

  it('Chromium reads the Keras archive and the HDF5 fixtures exactly as Node does, and writes readable ones', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/index.html`);
    await page.waitForFunction(() => (window as unknown as { run?: unknown }).run !== undefined);
    const r = await page.evaluate(() => (window as unknown as { run: () => Promise<Record<string, unknown>> }).run());
    await page.close();
    expect(errors).toEqual([]);
    expect(r.isNode).toBe(false);
    const z = ZipReader.open(readFileSync(join(fixtures, 'keras/tiny_mlp.keras')), 'tiny_mlp.keras');
    const weights = await H5File.read(await z.read('model.weights.h5'));
    expect(r.config).toBe('Sequential');
    expect(r.weights).toEqual(digest(weights));
    expect(Object.keys(r.weights as object).length).toBe(22);
    expect(r.latest).toEqual(digest(await H5File.read(readFileSync(join(fixtures, 'hdf5/latest.h5')))));
    expect(r.earliest).toEqual(digest(await H5File.read(readFileSync(join(fixtures, 'hdf5/earliest.h5')))));
    expect(r.written).toEqual({ 'layers/dense/vars/0': 'float32 [2,2] 1,2,3,4' });
    expect(r.note).toBe('written in a browser');
    expect(r.deflated).toBe(8);
    expect(r.error).toMatch(/^cut\.h5: superblock: the file should be \d+ bytes but is 5000 \(truncated\)/);
  }, 60_000);
});
