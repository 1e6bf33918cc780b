// The package as a new user meets it (issue 15): `npm pack`, installed from the tarball into a
// fresh project, then loaded with import and with require, compiled against by a strict
// TypeScript consumer without skipLibCheck (default libs, no @types/node), and its wasm module
// loaded from the shipped simdgrad.wasm file (setWasmPath). Values are checked against plain
// arithmetic and against the same program on the embedded module.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_MODULES, makeProject, packTarball, runNode, runTsc, tarballFiles } from './project.js';

let tgz = '';
let app = '';

beforeAll(() => {
  tgz = packTarball();
  app = makeProject(tgz, { name: 'pack' });
}, 120_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

/** A small program every loader runs: an op, a gradient, and two epochs of fit (no data files). */
const PROGRAM = `
const a = sg.tensor([[1, 2], [3, 4]]);
const ten = sg.scalar(10);
const b = sg.add(a, ten);
const g = sg.grad((x) => sg.sum(sg.square(x)))(a);
const model = sg.sequential();
model.add(sg.layers.dense({ units: 3, inputShape: [2], activation: 'softmax', kernelInitializer: 'ones' }));
model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
const labels = sg.tensor1d([0, 2], 'int32');
const y = sg.oneHot(labels, 3);
const h = await model.fit(a, y, { epochs: 2, batchSize: 2, verbose: 0, shuffle: false });
const out = {
  backend: sg.getBackend(),
  add: Array.from(b.dataSync()),
  grad: Array.from(g.dataSync()),
  loss: h.history.loss,
};
sg.dispose([a, ten, b, g, labels, y]);
model.dispose();
out.tensorsLeft = sg.memory().numTensors;
console.log(JSON.stringify(out));
`;

type Out = { backend: string; add: number[]; grad: number[]; loss: number[]; tensorsLeft: number };

describe('npm pack', () => {
  it('the tarball holds the ESM and CommonJS builds, their types, the .wasm and the README, no sources', () => {
    const files = tarballFiles(tgz);
    for (const f of [
      'package.json',
      'README.md',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/index.cjs',
      'dist/index.d.cts',
      'dist/simdgrad.wasm',
      'dist/cli.js',
      'dist/backends/wasm/embedded.js',
      'dist/backends/wasm/embedded.browser.js',
    ]) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.map'))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules', 'simdgrad', 'package.json'), 'utf8'));
    expect(pkg.repository.url).toMatch(/^git\+https:\/\//);
    expect(typeof pkg.homepage).toBe('string');
    expect(pkg.keywords).toEqual(expect.arrayContaining(['keras', 'tensorflow', 'webassembly']));
    expect(pkg.dependencies ?? {}).toEqual({});
    // the shipped .wasm is the module the embedded base64 holds (one build, two forms)
    const wasm = readFileSync(join(app, 'node_modules', 'simdgrad', 'dist', 'simdgrad.wasm'));
    expect(wasm.subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
    const embedded = readFileSync(
      join(app, 'node_modules', 'simdgrad', 'dist', 'backends', 'wasm', 'wasm-embedded.generated.js'),
      'utf8',
    );
    const b64 = /WASM_DEFLATED_BASE64\s*=\s*['"]([A-Za-z0-9+/=]+)['"]/.exec(embedded)?.[1];
    expect(inflateRawSync(Buffer.from(b64 ?? '', 'base64')).equals(wasm)).toBe(true);
    console.log(`tarball ${(statSync(tgz).size / 1024).toFixed(0)} KiB, ${files.length} files`);
  });

  it('stays within its size budget: minified JavaScript, one wasm module, no maps or sources', () => {
    // Issue 17's targets are 2 MB unpacked and a 150 KB module; the budgets here sit above what
    // the package measures today (1,958,174 bytes bundled, module 148,232) and catch what would push it
    // far past them: source maps, unminified JavaScript, an undeflated or second copy of the
    // module, internal declaration files.
    const PACKAGE_BUDGET = 2_200_000;
    const WASM_BUDGET = 175_000;
    const root = join(app, 'node_modules', 'simdgrad');
    const sizes: Record<string, number> = { js: 0, dts: 0, wasm: 0, other: 0 };
    let total = 0;
    for (const f of tarballFiles(tgz)) {
      const n = statSync(join(root, f)).size;
      total += n;
      const kind = f.endsWith('.d.ts') || f.endsWith('.d.cts') ? 'dts' : f.endsWith('.js') ? 'js' : f.endsWith('.wasm') ? 'wasm' : 'other';
      sizes[kind] += n;
    }
    // bundled and minified by scripts/pack-build.mjs: no JSDoc, no indentation (the line breaks
    // left are inside template literals: WGSL shaders, messages)
    let jsLines = 0;
    for (const f of tarballFiles(tgz).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(join(root, f), 'utf8').replace(/^#!.*\n/, '');
      expect(text.includes('/**'), `${f} is not minified`).toBe(false);
      jsLines += text.split('\n').length;
    }
    expect(sizes.js / jsLines, 'bytes per line of JavaScript').toBeGreaterThan(300);
    expect(readFileSync(join(root, 'dist', 'index.js'), 'utf8').split('\n').length).toBeLessThanOrEqual(3);
    console.log(`unpacked ${total.toLocaleString('en-US')} bytes: ${JSON.stringify(sizes)}`);
    expect(total).toBeLessThanOrEqual(PACKAGE_BUDGET);
    expect(statSync(join(root, 'dist', 'simdgrad.wasm')).size).toBeLessThanOrEqual(WASM_BUDGET);
  });

  it('ships the library as a few dozen bundled files (cold start), every relative import of them present', () => {
    // scripts/pack-build.mjs bundles tsc's ~270 modules into dist/index.js and chunks grouped by
    // directory: a fresh Node process loads ~25 files instead of ~270 (issue 17's cold start)
    // while bundlers still drop the chunks an app does not reach (test/pack/bundlers.test.ts).
    const root = join(app, 'node_modules', 'simdgrad');
    const js = tarballFiles(tgz).filter((f) => f.endsWith('.js'));
    console.log(`${js.length} JavaScript files`);
    expect(js.length).toBeGreaterThan(10);
    expect(js.length).toBeLessThan(90);
    const missing: string[] = [];
    for (const f of js) {
      const text = readFileSync(join(root, f), 'utf8');
      for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = join(dirname(f), m[1]).split('\\').join('/');
        if (!js.includes(target)) missing.push(`${f} -> ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
    // the one file with side effects (package.json "sideEffects"): it registers the backends and
    // installs the Tensor methods (src/ops/chain.ts), so bundlers keep both
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.sideEffects).toEqual(['./dist/index.js', './dist/index.cjs']);
  });

  it("import and require('simdgrad') load the same module and compute the same values", () => {
    writeFileSync(join(app, 'esm.mjs'), `import * as sg from 'simdgrad';\n${PROGRAM}`);
    writeFileSync(join(app, 'cjs.cjs'), `const sg = require('simdgrad');\n(async () => {\n${PROGRAM}\n})();`);
    const esm = JSON.parse(runNode(app, ['esm.mjs'])) as Out;
    const cjs = JSON.parse(runNode(app, ['cjs.cjs'])) as Out;
    expect(esm.backend).toBe('wasm');
    expect(esm.add).toEqual([11, 12, 13, 14]);
    expect(esm.grad).toEqual([2, 4, 6, 8]); // d/dx sum(x^2) = 2x
    expect(esm.loss).toHaveLength(2);
    expect(esm.loss[1]).toBeLessThan(esm.loss[0]);
    expect(esm.tensorsLeft).toBe(0);
    expect(cjs).toEqual(esm);
    // require() goes through dist/index.cjs to the ESM build itself: one module, one engine
    const resolved = runNode(app, ['-e', "console.log(require.resolve('simdgrad'))"]).trim();
    expect(resolved.endsWith(join('dist', 'index.cjs'))).toBe(true);
    writeFileSync(
      join(app, 'same.mjs'),
      "import { createRequire } from 'node:module';\nimport * as sg from 'simdgrad';\n" +
        "const req = createRequire(import.meta.url)('simdgrad');\nconsole.log(JSON.stringify([req === sg, req.Tensor === sg.Tensor]));\n",
    );
    expect(JSON.parse(runNode(app, ['same.mjs']))).toEqual([true, true]);
    // where Node cannot require ES modules (before 20.19 / 22.12, or turned off): an error that says so
    expect(() => runNode(app, ['--no-experimental-require-module', 'cjs.cjs'])).toThrow(
      /simdgrad: require\('simdgrad'\) needs Node's require\(\) of ES modules \(on by default from Node 20\.19 and 22\.12\)/,
    );
  });

  it('Node reads the installed dist/simdgrad.wasm at start-up (no zlib, no inflate); without it, or with a same-size file of other bytes, the embedded copy, same values', () => {
    // Issue 17's cold start: loading zlib and inflating the embedded copy cost ~7 ms of a fresh process.
    const zlibLoaded = `\nconsole.log(JSON.stringify(process.moduleLoadList.includes('NativeModule zlib')));`;
    writeFileSync(join(app, 'esm.mjs'), `import * as sg from 'simdgrad';\n${PROGRAM}${zlibLoaded}`);
    const run = () => runNode(app, ['esm.mjs']).trim().split('\n').map((l) => JSON.parse(l) as unknown);
    const [fromFile, zlibWithFile] = run();
    expect((fromFile as Out).add).toEqual([11, 12, 13, 14]);
    expect(zlibWithFile).toBe(false);
    // the bytes read are the embedded module's
    const root = join(app, 'node_modules', 'simdgrad', 'dist');
    const embeddedText = readFileSync(join(root, 'backends', 'wasm', 'wasm-embedded.generated.js'), 'utf8');
    const b64 = /WASM_DEFLATED_BASE64\s*=\s*['"]([A-Za-z0-9+/=]+)['"]/.exec(embeddedText)?.[1] ?? '';
    writeFileSync(
      join(app, 'bytes.mjs'),
      `import { packagedWasm } from './node_modules/simdgrad/dist/backends/wasm/embedded.js';\n` +
        `const b = packagedWasm();\nconsole.log(JSON.stringify(b && Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64')));`,
    );
    const read = JSON.parse(runNode(app, ['bytes.mjs'])) as string | null;
    expect(read).not.toBeNull();
    expect(Buffer.from(read!, 'base64').equals(inflateRawSync(Buffer.from(b64, 'base64')))).toBe(true);
    // without the file (a pruned install): the embedded copy, inflated, and the same values
    const wasm = join(root, 'simdgrad.wasm');
    renameSync(wasm, `${wasm}.away`);
    try {
      const [embedded, zlibEmbedded] = run();
      expect(zlibEmbedded).toBe(true);
      expect(embedded).toEqual(fromFile);
    } finally {
      renameSync(`${wasm}.away`, wasm);
    }
    // a file of the same size with other bytes (a stale build in a dev tree): its hash differs from
    // WASM_HASH, so it is not loaded either: the embedded copy, the same values
    const good = readFileSync(wasm);
    const stale = Buffer.from(good);
    stale[stale.length >> 1] ^= 0xff;
    writeFileSync(wasm, stale);
    try {
      expect(JSON.parse(runNode(app, ['bytes.mjs']))).toBeNull();
      const [embedded, zlibEmbedded] = run();
      expect(zlibEmbedded).toBe(true);
      expect(embedded).toEqual(fromFile);
    } finally {
      writeFileSync(wasm, good);
    }
    expect(JSON.parse(runNode(app, ['bytes.mjs']))).not.toBeNull();
  });

  it('setWasmPath: the module from the shipped simdgrad.wasm gives the same values; a wrong file fails clearly', () => {
    const prog = (path: string) =>
      `import * as sg from 'simdgrad';\nsg.setWasmPath(${path});\nawait sg.ready();\n${PROGRAM}`;
    writeFileSync(join(app, 'path.mjs'), prog(`import.meta.resolve('simdgrad/simdgrad.wasm')`));
    writeFileSync(join(app, 'plainpath.mjs'), prog(`new URL(import.meta.resolve('simdgrad/simdgrad.wasm')).pathname`));
    writeFileSync(join(app, 'esm.mjs'), `import * as sg from 'simdgrad';\n${PROGRAM}`);
    const embedded = JSON.parse(runNode(app, ['esm.mjs'])) as Out;
    // (the unshared fallback's patched module from a file is checked in the browser, test/pack/bundlers.test.ts)
    expect(JSON.parse(runNode(app, ['path.mjs']))).toEqual(embedded);
    expect(JSON.parse(runNode(app, ['plainpath.mjs']))).toEqual(embedded);

    writeFileSync(join(app, 'missing.mjs'), prog(`'./nowhere/simdgrad.wasm'`));
    expect(() => runNode(app, ['missing.mjs'])).toThrow(
      /setWasmPath: cannot load the wasm module from '\.\/nowhere\/simdgrad\.wasm': ENOENT/,
    );
    writeFileSync(join(app, 'notwasm.bin'), 'not a wasm module');
    writeFileSync(join(app, 'wrong.mjs'), prog(`'./notwasm.bin'`));
    expect(() => runNode(app, ['wrong.mjs'])).toThrow(
      /setWasmPath: cannot load the wasm module from '\.\/notwasm\.bin'/,
    );
    writeFileSync(join(app, 'badarg.mjs'), `import * as sg from 'simdgrad';\nsg.setWasmPath(42);`);
    expect(() => runNode(app, ['badarg.mjs'])).toThrow(
      /setWasmPath: 'path' must be a string, a URL or null but got number/,
    );
  });
});

describe('the bin', () => {
  const npx = (args: string[]) => {
    try {
      return {
        status: 0,
        out: execFileSync('npx', ['--offline', '--no-install', 'simdgrad', ...args], {
          cwd: app,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      };
    } catch (e) {
      const err = e as { status?: number; stdout?: string; stderr?: string };
      return { status: err.status ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  };
  /** The rows of the bin's table: library, benchmark, threads, value, unit. */
  const rows = (out: string) =>
    out
      .split('\n')
      .map((l) => /^(simdgrad)\s+(.+?)\s+(\d+)\s+([\d.]+)\s+(GFLOP\/s|samples\/s|ms)\s*$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => ({ what: m![2], threads: Number(m![3]), value: Number(m![4]), unit: m![5] }));
  it('npx simdgrad bench gemm: GFLOP/s on one thread and two, per size, and the runtime support', () => {
    const r = npx(['bench', 'gemm', '64', '128', '--threads', '2', '--quick']);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(
      /^simdgrad bench gemm: wasm backend, Node 20\.\d+\.\d+, WebAssembly SIMD: yes \(required\); relaxed SIMD: (no|yes \((in use|off)\)); threads: yes/m,
    );
    const got = rows(r.out);
    expect(got.map((x) => `${x.what}/${x.threads}/${x.unit}`)).toEqual([
      'matMul 64x64x64/1/GFLOP/s',
      'matMul 64x64x64/2/GFLOP/s',
      'matMul 128x128x128/1/GFLOP/s',
      'matMul 128x128x128/2/GFLOP/s',
    ]);
    for (const x of got) expect(x.value, r.out).toBeGreaterThan(0.1);
  });
  it('npx simdgrad bench conv, rnn and train run their workloads (quick sizes) on 1 and 2 threads', () => {
    const want: Record<string, string[]> = {
      conv: ['conv2d 2x26x26x32 -> 64, 3x3, forward', 'conv2d 2x26x26x32 -> 64, 3x3, forward + filter gradient'],
      rnn: ['LSTM B4 T8 I128 U128, forward', 'LSTM B4 T8 I128 U128, forward + backward'],
      train: ['walk-through MLP training, batch 128', 'mnist_cnn training, batch 128'],
    };
    for (const [kind, whats] of Object.entries(want)) {
      const r = npx(['bench', kind, '--threads', '2', '--quick']);
      expect(r.status, r.out).toBe(0);
      const got = rows(r.out);
      expect(new Set(got.map((x) => x.what)), r.out).toEqual(new Set(whats));
      expect(got.map((x) => x.threads).sort()).toEqual([1, 1, 2, 2]);
      for (const x of got) expect(x.value, r.out).toBeGreaterThan(0);
    }
  }, 120_000);
  it('names its usage for anything else', () => {
    const r = npx(['bench', 'nonsense']);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/simdgrad bench: 'nonsense' is not a size or bench kind/);
    expect(r.out).toMatch(/usage: simdgrad bench \[gemm\|conv\|rnn\|train\|native\]/);
    const bad = npx(['bench', 'conv', '64']);
    expect(bad.status).toBe(1);
    expect(bad.out).toMatch(/simdgrad bench conv: sizes apply to gemm only/);
    expect(npx(['serve', 'x']).out).toMatch(/simdgrad serve: 'x' is not a port/);
  });
});

/** A consumer that touches the main kinds of public types: tensors, ops, layers, fit, io, setWasmPath. */
const CONSUMER = `import * as sg from 'simdgrad';

const x: sg.Tensor = sg.tensor([[1, 2], [3, 4]]);
const s = sg.add(x, sg.scalar(1)).reshape([4]).sum();
const w: sg.Variable = sg.variable(sg.zeros([2, 1]), true, 'w');
const model = sg.sequential();
model.add(sg.layers.dense({ units: 3, inputShape: [2], activation: 'softmax' }));
model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
export async function train(): Promise<number[]> {
  const h = await model.fit(x, sg.oneHot(sg.tensor1d([0, 2], 'int32'), 3), { epochs: 1, verbose: 0 });
  await model.save('file://./m');
  return h.history.loss as number[];
}
const m: sg.MemoryInfo = sg.memory();
sg.setWasmPath('/simdgrad.wasm');
sg.dispose([x, s, w]);
export const n: number = m.numTensors;
`;

describe('TypeScript consumers of the published types (tsc --strict, no skipLibCheck)', () => {
  const BAD = "import * as sg from 'simdgrad';\nexport const n: string = sg.memory().numTensors;\n";
  const CJS = "import sg = require('simdgrad');\nconst t: sg.Tensor = sg.add(sg.tensor([1]), 1);\nexport = t.shape;\n";
  const cases: [string, Record<string, unknown>, Record<string, string>, string][] = [
    // the failure the issue reports: the default lib of es2022 (no esnext.disposable), no @types/node;
    // with a CommonJS consumer (require condition: index.d.cts) and one deliberate error, which
    // must be the only line tsc prints (so the check is live)
    [
      'es2022, default lib, nodenext, no @types/node; ESM and CommonJS consumers',
      { target: 'es2022', module: 'nodenext', types: [] },
      { 'c.ts': CONSUMER, 'c.cts': CJS, 'bad.ts': BAD },
      "bad.ts(2,14): error TS2322: Type 'number' is not assignable to type 'string'.",
    ],
    [
      'es2020, default lib, bundler resolution (a browser app)',
      { target: 'es2020', module: 'es2022', moduleResolution: 'bundler', types: [] },
      { 'c.ts': CONSUMER },
      '',
    ],
    // the esnext lib and @types/node declare Symbol.dispose too: the three declarations must merge
    [
      'esnext with @types/node',
      { target: 'esnext', module: 'nodenext', typeRoots: [join(NODE_MODULES, '@types')], types: ['node'] },
      { 'c.ts': CONSUMER + 'export function scoped(): void {\n  using t = sg.ones([2]);\n  t.print();\n}\n' },
      '',
    ],
  ];
  it.each(cases)(
    '%s',
    (name, options, files, expected) => {
      const dir = join(app, `tsc-${cases.findIndex((c) => c[0] === name)}`);
      mkdirSync(dir, { recursive: true });
      for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify(
          // skipDefaultLibCheck skips TypeScript's own lib files only: simdgrad's .d.ts are checked
          {
            compilerOptions: { strict: true, noEmit: true, skipDefaultLibCheck: true, ...options },
            files: Object.keys(files),
          },
          null,
          2,
        ),
      );
      const r = runTsc(dir);
      expect(r.output.trim()).toBe(expected);
      expect(r.status).toBe(expected ? 2 : 0);
    },
    180_000,
  ); // ~10 s on an idle 2-core machine; minutes when its cores are shared
});
