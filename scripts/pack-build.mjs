// The package's extra build outputs, after `tsc` has written the ESM build to dist/ (npm run build):
//   - dist/index.cjs + dist/index.d.cts: the `require('simdgrad')` entry. It hands over the ESM
//     build itself through Node's require() of ES modules (on by default from Node 20.19 and
//     22.12), so a program that both imports and requires simdgrad gets ONE engine (tensors,
//     backends and memory counts shared), and the package carries no second copy of the library
//     (an esbuild CommonJS bundle was 1.4 MB). On older Node it fails with an error saying so.
//   - dist/simdgrad.wasm: the wasm module as a file (exported as 'simdgrad/simdgrad.wasm'), for
//     apps that serve it and call setWasmPath() instead of shipping the embedded base64.
//   - dist/bench.html: src/bench.html, the page `npx simdgrad serve` serves.
//   - dist/.npmignore: the declaration files no public type reaches (internal modules' .d.ts: the
//     package's "exports" allow no deep imports, so nothing can name them). They stay in dist/ and
//     out of the tarball. Issue 17: ~77 KB of the 2.4 MB.
//   - dist/*.js: tsc's ~260 ES modules, bundled (esbuild, code splitting) into ~55 files: issue 17's
//     cold start, where Node spent most of a fresh process loading modules one by one (import,
//     instantiate and a first matMul took ~83 ms; ~0.4x of that bundled, `node
//     bench/overhead_layout.mjs`). One bundle for everyone would have defeated the
//     bundlers' tree-shaking (a single module keeps every top-level statement it cannot prove
//     pure: layers, models and io in an app that only adds two tensors), and a second copy for
//     Node would have cost ~1 MB of the 2 MB package. So the modules are grouped: what every app
//     loads (the imports of index.ts's code and of ops/chain.ts, transitively), then the rest by
//     directory (ops, utils, ...; engine and backends together; the Keras side's directories
//     together, and io, preprocessing, text and datasets together): each group is an entry of
//     the build, esbuild puts every module into the chunk of the groups that reach it (~25
//     files), `export * as` namespace objects are made pure, and the chunks stay side-effect
//     free (package.json "sideEffects" lists dist/index.js only: it holds index.ts, which
//     registers the backends, and ops/chain.ts, which installs the Tensor methods, since only
//     index.ts imports them). A bundler still drops what an app does not reach, chunk by chunk,
//     as it dropped modules before (test/pack/bundlers.test.ts). Kept as files of their own, at
//     their paths: the embedded module and its loaders (dist/backends/wasm/embedded.js, which
//     the "browser" field swaps for embedded.browser.js; wasm-embedded.generated.js, imported
//     dynamically), the bin (dist/cli.js) and the bench page's dist/bench_kernels.js, which
//     import dist/index.js. tsc's per-module files move to build/tsc-js/ (a rerun of this script
//     without tsc bundles from there).
//     Minified (whitespace and syntax; names are kept unless two modules' top-level names
//     collide). Comments go: they are in the .d.ts files, which stay as tsc wrote them.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { build, transformSync } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const staged = join(root, 'build', 'tsc-js');
const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
const rel = (from, f) => relative(from, f).split('\\').join('/');
// tsc's output is there when dist/engine/engine.js is (the bundle has no such file).
const fresh = existsSync(join(dist, 'engine', 'engine.js'));
if (!existsSync(join(root, 'build', 'simdgrad.wasm')) || (!fresh && !existsSync(join(staged, 'index.js')))) {
  throw new Error('pack-build: tsc\'s dist/ or build/simdgrad.wasm is missing: run npm run build:wasm and npm run build:ts first');
}
// The .wasm file and the embedded copy must be one build (a build:wasm between build:ts and this
// script, e.g. by someone else in the same checkout, would ship two different modules).
{
  const text = readFileSync(join(fresh ? dist : staged, 'backends', 'wasm', 'wasm-embedded.generated.js'), 'utf8');
  const b64 = /WASM_DEFLATED_BASE64\s*=\s*['"]([A-Za-z0-9+/=]+)['"]/.exec(text)?.[1] ?? '';
  if (!inflateRawSync(Buffer.from(b64, 'base64')).equals(readFileSync(join(root, 'build', 'simdgrad.wasm')))) {
    throw new Error('pack-build: build/simdgrad.wasm is not the module tsc embedded: run npm run build:ts again (or npm run build)');
  }
}
if (fresh) {
  // Move tsc's JavaScript (and maps) out of dist/, to bundle it from build/tsc-js/.
  rmSync(staged, { recursive: true, force: true });
  // (a previous bundle's chunks, which tsc does not overwrite)
  for (const f of readdirSync(dist)) if (/^chunk-\w+\.js(\.map)?$/.test(f)) rmSync(join(dist, f));
  for (const f of walk(dist)) {
    if (!/\.js(\.map)?$/.test(f)) continue;
    const to = join(staged, rel(dist, f));
    mkdirSync(dirname(to), { recursive: true });
    renameSync(f, to);
  }
} else {
  for (const f of walk(dist)) if (/\.js(\.map)?$/.test(f)) rmSync(f); // the previous bundle
}

copyFileSync(join(root, 'build', 'simdgrad.wasm'), join(dist, 'simdgrad.wasm'));
// The browser page of `npx simdgrad serve` (the bin's benchmarks, in a worker of the page).
copyFileSync(join(root, 'src', 'bench.html'), join(dist, 'bench.html'));

writeFileSync(
  join(dist, 'index.cjs'),
  `// require('simdgrad'): the ES module build, through Node's require() of ES modules (Node 20.19+,
// 22.12+), so that import and require share one engine. Generated by scripts/pack-build.mjs.
'use strict';
try {
  module.exports = require('./index.js');
} catch (e) {
  if (e && e.code === 'ERR_REQUIRE_ESM') {
    throw new Error(
      "simdgrad: require('simdgrad') needs Node's require() of ES modules (on by default from Node 20.19 " +
        'and 22.12), which this Node (' + process.versions.node + ") lacks or has turned off; use import " +
        "(await import('simdgrad') in CommonJS) or a newer Node",
    );
  }
  throw e;
}
`,
);
writeFileSync(
  join(dist, 'index.d.cts'),
  "// Types of the CommonJS entry (index.cjs), which is the ESM build itself.\nexport * from './index.js';\n",
);
const { before, after, files } = await bundle();
// The declaration files the public entries' types reach: imports, re-exports and import() types.
const reached = new Set();
const pending = [join(dist, 'index.d.ts'), join(dist, 'index.d.cts')];
while (pending.length) {
  const f = pending.pop();
  if (reached.has(f) || !existsSync(f)) continue;
  reached.add(f);
  for (const m of readFileSync(f, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    const target = resolve(dirname(f), m[1]).replace(/\.js$/, '.d.ts');
    pending.push(target, target.replace(/\.d\.ts$/, '/index.d.ts'));
  }
}
const unreached = walk(dist)
  .filter((f) => f.endsWith('.d.ts') && !reached.has(f))
  .map((f) => relative(dist, f).split('\\').join('/'));
const unreachedBytes = unreached.reduce((n, f) => n + statSync(join(dist, f)).size, 0);
writeFileSync(
  join(dist, '.npmignore'),
  `# Generated by scripts/pack-build.mjs: declarations no public type reaches (kept in dist/, not packed).\n${unreached.join('\n')}\n`,
);
console.log(
  `dist/.npmignore: ${unreached.length} of ${unreached.length + reached.size} .d.ts files (${unreachedBytes.toLocaleString('en-US')} bytes) reached by no public type`,
);
console.log(
  `dist/index.cjs (require entry) written; dist/simdgrad.wasm copied; tsc's JavaScript bundled and minified: ` +
    `${before.files} modules, ${before.bytes.toLocaleString('en-US')} bytes -> ${files} files, ${after.toLocaleString('en-US')} bytes`,
);

/**
 * Bundles build/tsc-js/ into dist/ (see the top of this file): the library's entry and its chunks,
 * the files kept apart (KEEP), the bin and the bench page's module. Returns the sizes.
 */
async function bundle() {
  /** Modules kept as files at their paths (imported from the chunks as they are). */
  const KEEP = ['backends/wasm/embedded.js', 'backends/wasm/embedded.browser.js', 'backends/wasm/wasm-embedded.generated.js'];
  // embedded.js is bundled with what it imports (the inflate and the module's size and hash: ~5 KB
  // that the core chunk carries too) but the embedded module's text: two files fewer for a fresh
  // Node process to load (issue 17's cold start; each file costs the ESM loader ~1-2 ms).
  const SELF_CONTAINED = 'backends/wasm/embedded.js';
  /** Entries of their own, which reach the library through dist/index.js only. */
  const APART = ['cli.js', 'bench_kernels.js'];
  // (only modules of today's sources: tsc leaves the output of a deleted source in dist/)
  const modules = walk(staged)
    .map((f) => rel(staged, f))
    .filter((f) => f.endsWith('.js') && !f.startsWith('__group_') && existsSync(join(root, 'src', f.replace(/\.js$/, '.ts'))));
  const before = { files: modules.length, bytes: modules.reduce((n, f) => n + statSync(join(staged, f)).size, 0) };
  for (const f of [...KEEP, ...APART, 'index.js', 'ops/chain.js'])
    if (!modules.includes(f)) throw new Error(`pack-build: tsc wrote no ${f}`);
  // The groups: a top-level directory each (backends/<name> each) unless listed below in CORE,
  // KERAS or DATA; index.ts and ops/chain.ts in
  // none, so that they stay in dist/index.js, the one file with side effects.
  // What dist/index.js always loads (the engine, the js and wasm backends, the thread settings)
  // and the rest of the tensor side (ops, utils): one group, so fewer, larger chunks. ops and utils
  // were groups of their own until issue 17's cold start measured them: 23 -> 19 files that a fresh
  // process loads, import CPU 0.88x (`node bench/overhead_layout.mjs 11 <before>/dist dist`), while
  // an app of {tensor, add, ready} and a fit app bundle to the same bytes (esbuild, minified, one
  // tsc output: 248,738 -> 248,477 and 412,375 -> 412,375). With them merged, ops/scope.js (tidy,
  // ready: used by almost every app) goes into the 'always' group (below): else it would share a
  // chunk with the losses' registry, which ops reach too, and carry it into every app that calls
  // ready(). Merging the Keras and data groups too (see below) would cut ~2 more files but grows
  // the fit app by 100 KB: not done.
  const CORE = ['engine', 'backends', 'backends_js', 'backends_wasm', 'threads', 'ops', 'utils'];
  // Two more groups of directories (issue 17's cold start: each file a fresh Node process loads
  // costs its ESM loader resolution, reads and linking; 48 files -> 23 cut import's CPU time to
  // ~0.67x, `node bench/overhead_layout.mjs 8 <before>/dist dist`): the Keras side, which a model
  // that trains reaches as a whole, and the data side (formats, preprocessing, text, datasets).
  // Merged this far, the bundles test/pack/bundlers.test.ts builds keep their sizes (an app of
  // {tensor, add} 157.8 KiB, a fit app 397 KiB with vite); one group for both sides would cut
  // import to ~0.65x but grew the fit app to 465 KiB (it does not reach io, text, datasets).
  const KERAS = ['layers', 'models', 'callbacks', 'losses', 'metrics', 'optimizers', 'initializers', 'regularizers', 'constraints', 'activations'];
  const DATA = ['io', 'preprocessing', 'text', 'datasets'];
  // The modules every app loads: what index.ts's own code and ops/chain.ts (the Tensor methods)
  // import, and their imports. They form one group, so that a chunk never mixes them with a
  // module an app may leave out (a bundler keeps a chunk's top-level calls, e.g. registerGradient,
  // once anything of the chunk is used).
  const always = new Set();
  const importsOf = (f, reexports) => {
    const text = readFileSync(join(staged, f), 'utf8');
    const kinds = reexports ? 'import|export' : 'import';
    const re = new RegExp(`(?:^|\\n)\\s*(?:${kinds})\\s(?:[^;'"]*?\\sfrom\\s*)?['"](\\.{1,2}/[^'"]+)['"]`, 'g');
    return [...text.matchAll(re)].map((m) => rel(staged, resolve(dirname(join(staged, f)), m[1])));
  };
  const pendingAlways = [...importsOf('index.js', false), 'ops/chain.js', 'ops/scope.js'];
  while (pendingAlways.length) {
    const f = pendingAlways.pop();
    if (always.has(f) || !modules.includes(f) || KEEP.includes(f)) continue;
    always.add(f);
    pendingAlways.push(...importsOf(f, true));
  }
  if (always.size < 20) throw new Error(`pack-build: only ${always.size} modules found behind index.ts and chain.ts`);
  const groups = new Map();
  for (const f of modules) {
    if (KEEP.includes(f) || APART.includes(f) || f === 'index.js' || f === 'ops/chain.js') continue;
    const parts = f.split('/');
    const dir = (parts[0] === 'backends' && parts.length > 2 ? parts.slice(0, 2).join('_') : parts[0]).replace(/\.js$/, '');
    const name = always.has(f) ? 'always' : CORE.includes(dir) ? 'core' : KERAS.includes(dir) ? 'keras' : DATA.includes(dir) ? 'data' : dir;
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(f);
  }
  // esbuild would read the repository's package.json "sideEffects" (written for the bundle) and
  // drop the group entries' imports: inside build/tsc-js/ every module counts as having effects.
  writeFileSync(join(staged, 'package.json'), '{ "type": "module", "sideEffects": true }\n');
  const entryPoints = { index: join(staged, 'index.js') };
  for (const [name, files] of groups) {
    const entry = join(staged, `__group_${name}.js`);
    writeFileSync(entry, files.map((f) => `import './${f}';\n`).join(''));
    entryPoints[`__group_${name}`] = entry;
  }
  /** Imports of KEEP (and, from the bin, of the entries) stay imports of those files. */
  const external = (keep) => ({
    name: 'simdgrad-external',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (a) => {
        if (!a.importer) return undefined;
        const target = rel(staged, resolve(dirname(a.importer), a.path));
        return keep.includes(target) ? { path: `./${target}`, external: true } : undefined;
      });
    },
  });
  const common = {
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: ['node:*', '@tensorflow/*'],
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'inline',
    logLevel: 'warning',
    metafile: true,
  };
  const lib = await build({
    ...common,
    entryPoints,
    outdir: dist,
    splitting: true,
    chunkNames: 'chunk-[hash]',
    plugins: [external(KEEP)],
  });
  // Which module went into which file, with its bytes there (for measuring, e.g. the cold start's
  // compile cost by chunk): build/pack-meta.json.
  writeFileSync(join(root, 'build', 'pack-meta.json'), JSON.stringify(lib.metafile));
  // The group entries only steer the chunking: nothing imports them.
  for (const name of groups.keys()) rmSync(join(dist, `__group_${name}.js`));
  const outputs = Object.keys(lib.metafile.outputs)
    .map((o) => resolve(root, o))
    .filter((o) => existsSync(o));
  let namespaces = 0;
  for (const o of outputs) {
    const text = readFileSync(o, 'utf8');
    if (text.includes('__group_')) throw new Error(`pack-build: ${rel(dist, o)} imports a group entry`);
    // `export * as losses from ...` becomes a namespace object filled by a call at the top of a
    // chunk (`var x_exports={};__export(x_exports,{...})`), which a bundler cannot drop: it would
    // keep every module the namespace names (the losses in an app that only adds). As a pure
    // expression instead, the object goes when nothing uses it.
    const pure = text.replace(/var (\w+_exports)=\{\};__export\(\1,(\{[^{}]*\})\);/g, (_, name, all) => {
      namespaces++;
      return `var ${name}=/* @__PURE__ */(()=>{const ns={};__export(ns,${all});return ns})();`;
    });
    if (/__export\((?!ns,)/.test(pure)) throw new Error(`pack-build: ${rel(dist, o)} fills a namespace object in a form this script does not know`);
    if (pure !== text) writeFileSync(o, pure);
  }
  if (namespaces === 0) throw new Error('pack-build: no namespace object found (the esbuild output changed?)');
  // index.ts and chain.ts must be in dist/index.js itself (the side effects bundlers keep).
  const indexInputs = Object.keys(lib.metafile.outputs[rel(root, join(dist, 'index.js'))].inputs).map((i) => rel(staged, resolve(root, i)));
  for (const f of ['index.js', 'ops/chain.js'])
    if (!indexInputs.includes(f)) throw new Error(`pack-build: ${f} went into a chunk, not dist/index.js`);
  const apart = await build({
    ...common,
    entryPoints: Object.fromEntries(APART.map((f) => [f.replace(/\.js$/, ''), join(staged, f)])),
    outdir: dist,
    plugins: [external([...KEEP, 'index.js', ...APART])],
  });
  for (const [o, meta] of Object.entries(apart.metafile.outputs)) {
    if (meta.bytes > 30_000) throw new Error(`pack-build: ${o} is ${meta.bytes} bytes: did it bundle the library?`);
  }
  await build({
    ...common,
    entryPoints: [join(staged, SELF_CONTAINED)],
    outfile: join(dist, SELF_CONTAINED),
    metafile: false,
    // (the module's text stays the file next to it, imported by its relative path)
    plugins: [{ name: 'simdgrad-embedded-text', setup: (b) => b.onResolve({ filter: /wasm-embedded\.generated\.js$/ }, (a) => ({ path: a.path, external: true })) }],
  });
  for (const f of KEEP) {
    if (f === SELF_CONTAINED) continue;
    const code = transformSync(readFileSync(join(staged, f), 'utf8'), { loader: 'js', format: 'esm', target: 'es2022', minifyWhitespace: true, minifySyntax: true, legalComments: 'inline' }).code;
    mkdirSync(dirname(join(dist, f)), { recursive: true });
    writeFileSync(join(dist, f), code);
  }
  for (const name of groups.keys()) rmSync(join(staged, `__group_${name}.js`));
  const out = walk(dist).filter((f) => f.endsWith('.js'));
  return { before, after: out.reduce((n, f) => n + statSync(f).size, 0), files: out.length };
}
