// Cold start of the package's two layouts, side by side (issue 17): `node bench/overhead_layout.mjs [rounds]`.
// `node bench/overhead_layout.mjs [rounds] DIR DIR...` compares builds instead (each a copy of a
// dist/ folder, e.g. `cp -r dist /tmp/before` before a change and `npm run build` after it).
// Either way the first row is the baseline of the ratios.
//   - bundled: dist/ as scripts/pack-build.mjs writes it (dist/index.js + ~50 chunks);
//   - per-module: the layout the package had before, made here from the same tsc output
//     (build/tsc-js/, left by `npm run build`): every module its own file, minified the same way
//     (esbuild, whitespace and syntax), in a temporary folder.
// Each round runs `node bench/overhead_child.mjs cold <dir>` once per layout, alternating (import,
// instantiate, first 128x128 matMul in a fresh process); medians, bests and the ratio are printed
// with the load average (wall time on a shared machine mostly measures the wait for a core: the
// CPU-time columns are the steadier figure).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.argv[2] ?? 7);
const staged = join(root, 'build', 'tsc-js');
const dist = join(root, 'dist');
if (!existsSync(join(staged, 'index.js')) || !existsSync(join(dist, 'index.js'))) {
  throw new Error('overhead_layout: build/tsc-js/ or dist/ is missing: run npm run build');
}

const dirs = process.argv.slice(3);
// A copied build measures like the package only inside a folder named dist/ (Node reads
// dist/simdgrad.wasm only there; elsewhere it inflates the embedded copy, ~7 ms) with a
// package.json of "type": "module" beside it (without one, Node detects the format of every file
// by trying to compile it as CommonJS first: ~20-30 ms more a process). E.g.
// `mkdir -p /tmp/base && cp -r dist package.json /tmp/base/`, then pass /tmp/base/dist.
for (const d of dirs) {
  const pkg = join(d, '..', 'package.json');
  if (!/[\\/]dist[\\/]?$/.test(d) || !existsSync(pkg) || JSON.parse(readFileSync(pkg, 'utf8')).type !== 'module') {
    console.warn(`overhead_layout: ${d} is not a folder named dist/ with a "type": "module" package.json beside it: its figures will not be the package's`);
  }
}
const perModule = mkdtempSync(join(tmpdir(), 'simdgrad-per-module-'));
const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
let files = 0;
for (const f of dirs.length ? [] : walk(staged)) {
  if (!f.endsWith('.js') || f.includes('__group_')) continue;
  const to = join(perModule, f.slice(staged.length + 1));
  mkdirSync(dirname(to), { recursive: true });
  const code = transformSync(readFileSync(f, 'utf8'), { loader: 'js', format: 'esm', target: 'es2022', minifyWhitespace: true, minifySyntax: true });
  writeFileSync(to, code.code);
  files++;
}
copyFileSync(join(dist, 'simdgrad.wasm'), join(perModule, 'simdgrad.wasm'));
const bundledFiles = walk(dist).filter((f) => f.endsWith('.js')).length;

const layouts = dirs.length ? Object.fromEntries(dirs.map((d) => [d, d])) : { 'per-module': perModule, bundled: dist };
const res = Object.fromEntries(Object.keys(layouts).map((k) => [k, []]));
const fileCount = (dir) => walk(dir).filter((f) => f.endsWith('.js')).length;
const load = [loadavg()[0]];
try {
  for (let r = 0; r < rounds; r++) {
    for (const [name, dir] of Object.entries(layouts)) {
      const out = execFileSync(process.execPath, [join(root, 'bench', 'overhead_child.mjs'), 'cold', dir], { encoding: 'utf8' });
      res[name].push(JSON.parse(out.trim().split('\n').pop()));
    }
  }
} finally {
  rmSync(perModule, { recursive: true, force: true });
}
load.push(loadavg()[0]);

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const keys = ['importMs', 'firstMatMulMs', 'scriptMs', 'importCpuMs', 'scriptCpuMs'];
console.log(`Cold start, ${rounds} rounds alternating (median / best, ms; load average ${load.map((l) => l.toFixed(1)).join(' -> ')})`);
console.log(['layout', 'files', ...keys].map((k) => k.padStart(14)).join(''));
for (const [name, rows] of Object.entries(res)) {
  const cells = keys.map((k) => `${median(rows.map((o) => o[k])).toFixed(1)}/${Math.min(...rows.map((o) => o[k])).toFixed(1)}`);
  const count = dirs.length ? fileCount(layouts[name]) : name === 'bundled' ? bundledFiles : files;
  console.log([name.length > 14 ? name.slice(-14) : name, String(count), ...cells].map((c) => c.padStart(14)).join(''));
}
const [base, ...others] = Object.keys(res);
for (const other of others) {
  const ratio = (k) => median(res[other].map((o) => o[k])) / median(res[base].map((o) => o[k]));
  console.log(
    `${other} / ${base} (medians): script ${ratio('scriptMs').toFixed(2)} wall, ${ratio('scriptCpuMs').toFixed(2)} CPU; ` +
      `import ${ratio('importMs').toFixed(2)} wall, ${ratio('importCpuMs').toFixed(2)} CPU; ` +
      `first matMul ${ratio('firstMatMulMs').toFixed(2)} wall`,
  );
}
