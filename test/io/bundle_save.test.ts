// model.save in a bundle: package.json's `sideEffects` lets a bundler drop modules whose exports a
// program does not use, and the io modules fill LayersModel's saving hooks only as a side effect.
// A program that builds a model and saves it, with no io import of its own, is bundled by esbuild
// (which honours sideEffects for the package's own files) and run: save must find its hooks and
// its URL schemes (src/io/install.ts, src/io/router.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'sg-bundle-save-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model.save in an esbuild bundle of the sources', () => {
  it('saves in the tfjs-layers and .keras formats with no io import in the program', async () => {
    const src = new URL('../../src/index.ts', import.meta.url).pathname;
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      `import { sequential, layers } from ${JSON.stringify(src)};
const m = sequential();
m.add(layers.dense({ units: 2, inputShape: [3] }));
await m.save(${JSON.stringify('file://' + join(dir, 'tfjs'))});
await m.save(${JSON.stringify('file://' + join(dir, 'm.keras'))});
m.dispose();
console.log('ok');
`,
    );
    const out = join(dir, 'out.mjs');
    const result = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile: out, metafile: true, logLevel: 'silent' });
    expect(execFileSync(process.execPath, [out], { encoding: 'utf8' }).trim()).toBe('ok');
    expect(existsSync(join(dir, 'tfjs', 'model.json'))).toBe(true);
    expect(existsSync(join(dir, 'm.keras'))).toBe(true);
    // The io modules reach the bundle through save's dynamic import of src/io/install.ts.
    expect(Object.keys(result.metafile.inputs).some((f) => f.endsWith('src/io/install.ts'))).toBe(true);
  });
});
