// The package's extra build outputs, after `tsc` has written the ESM build to dist/ (npm run build):
//   - dist/index.cjs: one CommonJS file for `require('simdgrad')` (esbuild bundle of dist/index.js;
//     Node 20.19+ could require() the ESM build itself, but Node 20.0-20.18, older tools and
//     CommonJS test runners cannot), with dist/index.d.cts pointing its types at the ESM ones;
//   - dist/simdgrad.wasm: the wasm module as a file (exported as 'simdgrad/simdgrad.wasm'), for
//     apps that serve it and call setWasmPath() instead of shipping the embedded base64.
// The CommonJS file is a second copy of the library: a program that both imports and requires
// simdgrad gets two engines (tensors of one are not tensors of the other).
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
for (const f of [join(dist, 'index.js'), join(root, 'build', 'simdgrad.wasm')]) {
  if (!existsSync(f)) throw new Error(`pack-build: ${f} is missing: run npm run build:wasm and npm run build:ts first`);
}

copyFileSync(join(root, 'build', 'simdgrad.wasm'), join(dist, 'simdgrad.wasm'));

const result = await build({
  entryPoints: [join(dist, 'index.js')],
  outfile: join(dist, 'index.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // import.meta.url (mnistNpm looks for the mnist package from the module's own location)
  define: { 'import.meta.url': '__simdgrad_import_meta_url' },
  banner: { js: "const __simdgrad_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  metafile: true,
});
writeFileSync(
  join(dist, 'index.d.cts'),
  "// Types of the CommonJS entry (index.cjs): the same API as the ESM build's.\nexport * from './index.js';\n",
);
const bytes = Object.values(result.metafile.outputs)[0].bytes;
console.log(`dist/index.cjs: ${(bytes / 1024).toFixed(0)} KiB; dist/simdgrad.wasm copied`);
