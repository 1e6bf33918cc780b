// model.save in a bundle: package.json's `sideEffects` lets a bundler drop the io modules, which
// fill LayersModel's saving hooks only as a side effect, when a program uses none of their exports
// (esbuild honours sideEffects for the package's own files, so a bundle of the sources shows it).
// Loading them lazily from save was tried and given up: esbuild then moved the models code into the
// startup chunk of every program, even `{tensor, add}` (test/pack/bundlers.test.ts). So what is
// proven here: the program gets a clear error that says what keeps the io modules; with one io
// function in use the tfjs-layers format saves; a '.keras' name never becomes a tfjs folder.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'sg-bundle-save-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const src = new URL('../../src/index.ts', import.meta.url).pathname;

async function bundleAndRun(name: string, body: string): Promise<string> {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, `import * as sg from ${JSON.stringify(src)};\nconst m = sg.sequential();\nm.add(sg.layers.dense({ units: 2, inputShape: [3] }));\n${body}\nm.dispose();\n`);
  const out = join(dir, `${name}.mjs`);
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'silent' });
  return execFileSync(process.execPath, [out], { encoding: 'utf8' }).trim();
}

describe('model.save in an esbuild bundle of the sources', () => {
  it('without an io function in the program: a clear error saying what keeps the io modules', async () => {
    const out = await bundleAndRun('bare', `await m.save('file://${join(dir, 'bare')}').then(() => console.log('saved'), (e) => console.log(String(e)));`);
    expect(out).toMatch(/save: the io module is not loaded \(a bundler left it out: use an io function such as sg\.loadLayersModel/);
    expect(existsSync(join(dir, 'bare'))).toBe(false);
  });

  it('with loadLayersModel in use: the tfjs-layers format saves, and a .keras name is refused, not written as a folder', async () => {
    const out = await bundleAndRun(
      'io',
      `if (typeof sg.loadLayersModel !== 'function') throw new Error('no loader');
await m.save('file://${join(dir, 'tfjs')}');
console.log('saved');
await m.save('file://${join(dir, 'm.keras')}').then(() => console.log('keras saved'), (e) => console.log(String(e)));`,
    );
    expect(out.split('\n')[0]).toBe('saved');
    expect(existsSync(join(dir, 'tfjs', 'model.json'))).toBe(true);
    expect(out).toMatch(/the Keras writer is not loaded .* sg\.keras\.saveKeras/);
    expect(existsSync(join(dir, 'm.keras'))).toBe(false);
  });
});
