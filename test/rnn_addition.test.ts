// The addition_rnn example (examples/addition_rnn.ts) as a test: Keras' seq2seq LSTM learns to add
// two 2-digit numbers. Shortened run, seeded: DIGITS = 2, 5,000 questions (4,500 train, 500
// validation), Adam at 0.01, batch 128, at most 20 epochs, stopping as soon as the validation
// accuracy per answer character reaches 0.95 (it does around epoch 9-12; ~1 s an epoch here).
// On the js backend (plain loops, ~100x slower) the same model trains for one short epoch
// and must match the wasm backend's losses: training is backend-independent.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { BACKENDS, checkNoLeaks, withBackend } from './helpers.js';

const DIGITS = 2;
const MAXLEN = 2 * DIGITS + 1;
const CHARS = '0123456789+ ';

function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function questions(n: number, seed: number): { q: string[]; a: string[] } {
  const rnd = generator(seed);
  const num = () => {
    const len = 1 + Math.floor(rnd() * DIGITS);
    let s = '';
    for (let i = 0; i < len; i++) s += String(Math.floor(rnd() * 10));
    return Number(s);
  };
  const seen = new Set<string>();
  const q: string[] = [];
  const a: string[] = [];
  while (q.length < n) {
    const x = num();
    const y = num();
    const key = `${Math.min(x, y)},${Math.max(x, y)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    q.push([...`${x}+${y}`.padEnd(MAXLEN, ' ')].reverse().join(''));
    a.push(String(x + y).padEnd(DIGITS + 1, ' '));
  }
  return { q, a };
}

function encode(strings: string[], len: number): sg.Tensor {
  const v = new Float32Array(strings.length * len * CHARS.length);
  strings.forEach((s, i) => {
    for (let t = 0; t < len; t++) v[(i * len + t) * CHARS.length + CHARS.indexOf(s[t])] = 1;
  });
  return sg.tensor(v, [strings.length, len, CHARS.length]);
}

function buildModel(hidden: number): sg.Sequential {
  const model = sg.sequential();
  const init = (seed: number) => sg.initializers.glorotUniform({ seed });
  model.add(
    sg.layers.lstm({
      units: hidden,
      inputShape: [MAXLEN, CHARS.length],
      kernelInitializer: init(1),
      recurrentInitializer: sg.initializers.orthogonal({ seed: 2 }),
    }),
  );
  model.add(sg.layers.repeatVector({ n: DIGITS + 1 }));
  model.add(
    sg.layers.lstm({
      units: hidden,
      returnSequences: true,
      kernelInitializer: init(3),
      recurrentInitializer: sg.initializers.orthogonal({ seed: 4 }),
    }),
  );
  model.add(
    sg.layers.timeDistributed({
      layer: sg.layers.dense({ units: CHARS.length, activation: 'softmax', kernelInitializer: init(5) }),
    }),
  );
  model.compile({ loss: 'categoricalCrossentropy', optimizer: sg.optimizers.adam({ learningRate: 0.01 }) });
  return model;
}

/** Accuracy per answer character: argmax of each output step against the one-hot target. */
function charAccuracy(model: sg.LayersModel, x: sg.Tensor, y: sg.Tensor): number {
  const p = model.predict(x) as sg.Tensor;
  const pv = p.dataSync();
  const yv = y.dataSync();
  p.dispose();
  const C = CHARS.length;
  let right = 0;
  const n = pv.length / C;
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (pv[r * C + c] > pv[r * C + best]) best = c;
    if (yv[r * C + best] === 1) right++;
  }
  return right / n;
}

describe.each(BACKENDS)('addition_rnn on %s', (backend) => {
  checkNoLeaks();

  if (backend === 'wasm') {
    it('reaches 0.95 validation accuracy per character within 20 epochs', async () => {
      await withBackend('wasm', async () => {
        const data = questions(5000, 1337);
        const split = 4500;
        const [xT, yT] = [encode(data.q.slice(0, split), MAXLEN), encode(data.a.slice(0, split), DIGITS + 1)];
        const [xV, yV] = [encode(data.q.slice(split), MAXLEN), encode(data.a.slice(split), DIGITS + 1)];
        const model = buildModel(128);
        const curve: number[] = [];
        await model.fit(xT, yT, {
          batchSize: 128,
          epochs: 20,
          verbose: 0,
          seed: 7,
          callbacks: {
            onEpochEnd: () => {
              curve.push(charAccuracy(model, xV, yV));
              if (curve[curve.length - 1] >= 0.95) model.stopTraining = true;
            },
          },
        });
        console.log(`addition_rnn validation accuracy per epoch: ${curve.map((a) => a.toFixed(3)).join(' ')}`);
        expect(Math.max(...curve)).toBeGreaterThanOrEqual(0.95);
        sg.dispose([xT, yT, xV, yV]);
        model.optimizer.dispose();
        model.dispose();
      });
    }, 240_000);
  } else {
    it('trains like the wasm backend (one short epoch, same losses)', async () => {
      const data = questions(256, 99);
      const run = (name: string) =>
        withBackend(name, async () => {
          const [x, y] = [encode(data.q, MAXLEN), encode(data.a, DIGITS + 1)];
          const model = buildModel(16);
          const losses: number[] = [];
          await model.fit(x, y, {
            batchSize: 64,
            epochs: 2,
            verbose: 0,
            shuffle: false,
            callbacks: { onBatchEnd: (_b: number, logs?: Record<string, number>) => void losses.push(logs!.loss) },
          });
          sg.dispose([x, y]);
          model.optimizer.dispose();
          model.dispose();
          return losses;
        });
      const mine = await run(backend);
      const wasm = await run('wasm');
      expect(mine.length).toBe(8);
      mine.forEach((l, i) => expect(Math.abs(l - wasm[i])).toBeLessThan(1e-3 * Math.max(1, wasm[i])));
      expect(mine[mine.length - 1]).toBeLessThan(mine[0]);
    });
  }
});
