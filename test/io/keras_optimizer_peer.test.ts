// Training that stops in one program and resumes in the other, through a .keras file with the
// optimizer's variables, against Keras 3.15 live (npm run test:peers; the venv's Python, JAX):
// (a) simdgrad trains 3 steps and saves (model.save('file://...keras')); Keras loads it
//     (keras.saving.load_model) and does one train_on_batch on the same batch; simdgrad does the
//     same step without a round trip: the weights agree within 1e-5, for all twelve optimizer cases.
//     From legacy .h5 files (training_config only) for four of them: Keras' first step after
//     load_model equals simdgrad's after sg.loadModel of the same file.
// (b) Keras trains 3 steps and saves (scripts/fixtures/keras_optimizer_steps.py make), then steps
//     once more; simdgrad loads the file with its optimizer and steps: equal within 1e-5.
// (npm test proves (b) for all twelve cases on committed Keras files: test/io/keras_optimizer.test.ts.)
// Without the venv this test FAILS, naming the command that makes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sg from '../../src/index.js';
import { runPython } from './hdf5_python.js';
import { OPTIMIZER_CASES, X, Y, model, stepAndCompare, values, type ResumeRef } from './keras_optimizer_cases.js';

const SCRIPT = resolve(fileURLToPath(new URL('../../scripts/fixtures/keras_optimizer_steps.py', import.meta.url)));
const RUN = `import runpy; runpy.run_path(${JSON.stringify(SCRIPT)}, run_name='__main__')`;
/** The cases Keras writes live for direction (b) (all twelve are committed fixtures). */
const LIVE_B = ['adam', 'sgd_momentum', 'rmsprop_centered_momentum', 'adagrad'];
/**
 * The cases also saved as legacy .h5 (training_config, no optimizer state: Keras 3.15's legacy
 * loader builds the optimizer over no variables when a file has optimizer_weights, and cannot train
 * after that, even from the .h5 files Keras writes itself): Keras compiles from the file and its
 * first step equals simdgrad's first step after loading the same file.
 */
const H5_CASES = ['adam', 'sgd_momentum', 'rmsprop_centered_momentum', 'adagrad'];

/** Two inputs, two outputs, two Dense branches of the same shapes, a shared concatenation. */
function functionalModel(): sg.LayersModel {
  const L = sg.layers;
  const a = sg.input({ shape: [4], name: 'a' });
  const b = sg.input({ shape: [4], name: 'b' });
  const ha = L.dense({ units: 3, activation: 'tanh', name: 'branch_a' }).apply(a) as sg.SymbolicTensor;
  const hb = L.dense({ units: 3, activation: 'tanh', name: 'branch_b' }).apply(b) as sg.SymbolicTensor;
  const c = L.concatenate({ name: 'cat' }).apply([hb, ha]) as sg.SymbolicTensor;
  const o1 = L.dense({ units: 2, name: 'o1' }).apply(c) as sg.SymbolicTensor;
  const o2 = L.dense({ units: 1, name: 'o2' }).apply(hb) as sg.SymbolicTensor;
  const m = sg.model({ inputs: [a, b], outputs: [o1, o2], name: 'two_branch' });
  m.compile({ optimizer: { className: 'Adam', config: { learning_rate: 0.02 } }, loss: ['mse', 'mse'] });
  return m;
}

interface KerasResume {
  error?: string;
  optimizer?: string;
  iterations_loaded?: number;
  iterations?: number;
  loss?: number;
  weights?: number[][];
}

const flat = (t: sg.Tensor) => ({ shape: t.shape.slice(), data: Array.from(t.dataSync()) });

function maxRelDiff(got: number[][], want: number[][]): number {
  if (got.length !== want.length) throw new Error(`${got.length} weights but ${want.length} expected`);
  let d = 0;
  got.forEach((g, i) => {
    if (g.length !== want[i].length) throw new Error(`weight ${i}: ${g.length} values but ${want[i].length} expected`);
    g.forEach((v, j) => (d = Math.max(d, Math.abs(v - want[i][j]) / Math.max(1, Math.abs(want[i][j])) || (Number.isNaN(v) ? Infinity : 0))));
  });
  return d;
}

describe('optimizer state through .keras: simdgrad <-> Keras 3.15, training resumes', () => {
  let dir: string;
  const sgAfter: Record<string, { weights: number[][]; loss: number; className: string; iterations: number }> = {};
  let kerasResumed: Record<string, KerasResume> = {};
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'simdgrad-keras-opt-'));
    // (b) first: Keras writes its files.
    runPython(RUN, ['make', join(dir, 'keras'), LIVE_B.join(',')], 600_000);
    // (a): simdgrad trains, saves, and takes the next step itself.
    const jobs: Record<string, { path: string; x: unknown; y: unknown }> = {};
    for (const [name, opt] of OPTIMIZER_CASES) {
      const m = model(opt);
      const [x, y] = [X(), Y()];
      try {
        for (let i = 0; i < 3; i++) m.trainOnBatch(x, y);
        const path = join(dir, `${name}.keras`);
        await m.save(`file://${path}`);
        jobs[name] = { path, x: flat(x), y: flat(y) };
        if (H5_CASES.includes(name)) {
          const h5 = join(dir, `${name}.h5`);
          await m.save(`file://${h5}`);
          jobs[`${name}.h5`] = { path: h5, x: flat(x), y: flat(y) };
          const fromH5 = await sg.loadModel(`file://${h5}`);
          const loss = fromH5.trainOnBatch(x, y) as number;
          sgAfter[`${name}.h5`] = { weights: values(fromH5), loss, className: fromH5.optimizer.className, iterations: 0 };
          fromH5.dispose();
        }
        const loss = m.trainOnBatch(x, y) as number;
        sgAfter[name] = { weights: values(m), loss, className: m.optimizer.className, iterations: 3 };
      } finally {
        sg.dispose([x, y]);
        m.dispose();
      }
    }
    // A functional model with two inputs, two outputs and branches of equal shapes (a wrong
    // variable order would not fail on shapes, only on values), trained with Adam.
    {
      const m = functionalModel();
      const xs = [sg.tensor(Array.from({ length: 24 }, (_, i) => Math.sin(i)), [6, 4]), sg.tensor(Array.from({ length: 24 }, (_, i) => Math.cos(i * 0.7)), [6, 4])];
      const ys = [sg.tensor(Array.from({ length: 12 }, (_, i) => (i % 3) - 1), [6, 2]), sg.tensor(Array.from({ length: 6 }, (_, i) => i / 6), [6, 1])];
      try {
        for (let i = 0; i < 3; i++) m.trainOnBatch(xs, ys);
        const path = join(dir, 'functional_adam.keras');
        await m.save(`file://${path}`);
        jobs.functional_adam = { path, x: xs.map(flat), y: ys.map(flat) };
        const loss = m.trainOnBatch(xs, ys) as number[];
        sgAfter.functional_adam = { weights: values(m), loss: loss[0], className: 'Adam', iterations: 3 };
      } finally {
        sg.dispose([...xs, ...ys]);
        m.dispose();
      }
    }
    writeFileSync(join(dir, 'jobs.json'), JSON.stringify(jobs));
    kerasResumed = JSON.parse(runPython(RUN, ['resume', join(dir, 'jobs.json')], 600_000));
  }, 900_000);
  const table: string[] = [];
  afterAll(() => {
    if (process.env.SG_IO_TABLE) console.log(`direction | optimizer | max rel diff of weights after the resumed step\n${table.join('\n')}`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const job of [...OPTIMIZER_CASES.map((c) => c[0]), ...H5_CASES.map((n) => `${n}.h5`), 'functional_adam']) {
    it(`(a) ${job}: Keras resumes simdgrad's training; its next step equals simdgrad's (1e-5)`, () => {
      const r = kerasResumed[job];
      expect(r, `no result for ${job}`).toBeDefined();
      if (r.error) throw new Error(`Keras could not resume ${job.endsWith('.h5') ? job : `${job}.keras`}:\n${r.error}`);
      const want = sgAfter[job];
      expect(r.optimizer).toBe(want.className);
      expect(r.iterations_loaded).toBe(want.iterations);
      expect(r.iterations).toBe(want.iterations + 1);
      const d = maxRelDiff(r.weights!, want.weights);
      table.push(`simdgrad -> Keras | ${job} | ${d.toExponential(2)} | loss ${r.loss} vs ${want.loss}`);
      expect(d).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(r.loss! - want.loss)).toBeLessThanOrEqual(1e-5);
    });
  }

  for (const name of LIVE_B) {
    it(`(b) ${name}: simdgrad resumes Keras' training; its next step equals Keras' (1e-5)`, async () => {
      const ref = JSON.parse(readFileSync(join(dir, 'keras', `${name}.json`), 'utf8')) as ResumeRef;
      const m = await sg.loadModel(`file://${join(dir, 'keras', `${name}.keras`)}`);
      try {
        const r = stepAndCompare(m, ref, ref.weights_after);
        table.push(`Keras -> simdgrad | ${name} | ${r.diff.toExponential(2)}`);
        expect(r.iterationsLoaded).toBe(3);
        expect(m.optimizer.iterations).toBe(ref.iterations);
        expect(r.diff).toBeLessThanOrEqual(1e-5);
      } finally {
        m.dispose();
      }
    });
  }
});
