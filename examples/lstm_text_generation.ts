// Keras' lstm_text_generation example in TypeScript: a character-level LSTM trained on text,
// then sampled with temperatures ("diversity") 0.2, 0.5, 1.0 and 1.2 after each epoch.
// Default text: the fortune cookies of Debian's `fortunes` package (/usr/share/games/fortunes,
// `apt-get install fortunes`); any text file can be given instead (TEXT).
//
//   npm run build && npx tsx examples/lstm_text_generation.ts
//   TEXT=book.txt MAX_CHARS=600000 EPOCHS=20 npx tsx examples/lstm_text_generation.ts
// Settings (environment variables, as every example): TEXT (a text file), EPOCHS (5), MAX_CHARS
// (200,000), GENERATE (characters sampled per diversity, 400).
//
// Porting note: Keras one-hot encodes every sentence up front; here each batch is encoded when
// it is used (trainOnBatch), so a corpus of any size fits in memory.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as sg from 'simdgrad';
import { seedFromEnv } from './lib/seed.js';

seedFromEnv(); // SEED=n: a repeatable run

const MAXLEN = 40;
const STEP = 3;
const BATCH = 128;
const EPOCHS = Number(process.env.EPOCHS ?? 5);
const MAX_CHARS = Number(process.env.MAX_CHARS ?? 200_000);
const GENERATE = Number(process.env.GENERATE ?? 400);
const FORTUNES = '/usr/share/games/fortunes';

/** The corpus: the file given, or the plain-text fortune files (not .dat/.u8 indexes). */
function corpus(): { text: string; source: string } {
  const arg = process.env.TEXT;
  if (arg) return { text: readFileSync(arg, 'utf8'), source: arg };
  if (!existsSync(FORTUNES)) {
    throw new Error(`no text given and ${FORTUNES} is missing: apt-get install fortunes, or pass a text file`);
  }
  const files = readdirSync(FORTUNES)
    .filter((f) => !f.includes('.'))
    .map((f) => join(FORTUNES, f))
    .filter((p) => statSync(p).isFile())
    .sort();
  return { text: files.map((p) => readFileSync(p, 'utf8')).join('\n'), source: `${FORTUNES} (${files.length} files)` };
}

const { text: raw, source } = corpus();
const text = raw.toLowerCase().slice(0, MAX_CHARS);
const chars = [...new Set(text)].sort();
const index = new Map(chars.map((c, i) => [c, i]));
const C = chars.length;
console.log(`corpus: ${source}, ${text.length} characters (of ${raw.length}), ${C} distinct`);

const starts: number[] = [];
for (let i = 0; i + MAXLEN < text.length; i += STEP) starts.push(i);
console.log(`${starts.length} sentences of ${MAXLEN} characters`);

/** One-hot x [n, MAXLEN, C] and y [n, C] for the sentences starting at `at`. */
function batch(at: number[]): [sg.Tensor, sg.Tensor] {
  const x = new Float32Array(at.length * MAXLEN * C);
  const y = new Float32Array(at.length * C);
  at.forEach((s, b) => {
    for (let t = 0; t < MAXLEN; t++) x[(b * MAXLEN + t) * C + index.get(text[s + t])!] = 1;
    y[b * C + index.get(text[s + MAXLEN])!] = 1;
  });
  return [sg.tensor(x, [at.length, MAXLEN, C]), sg.tensor(y, [at.length, C])];
}

const model = sg.sequential();
model.add(sg.layers.lstm({ units: 128, inputShape: [MAXLEN, C] }));
model.add(sg.layers.dense({ units: C, activation: 'softmax' }));
model.compile({ loss: 'categoricalCrossentropy', optimizer: sg.optimizers.rmsprop({ learningRate: 0.01 }) });
model.summary();

let seed = 42;
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
};

/** Keras' sample(): reweight the probabilities by 1/temperature, then draw one index. */
function sample(probs: ArrayLike<number>, temperature: number): number {
  const logits = Array.from(probs, (p) => Math.log(Math.max(p, 1e-12)) / temperature);
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  const total = e.reduce((a, b) => a + b, 0);
  let r = random() * total;
  for (let i = 0; i < e.length; i++) if ((r -= e[i]) <= 0) return i;
  return e.length - 1;
}

function generate(diversity: number): string {
  const start = Math.floor(random() * (text.length - MAXLEN - 1));
  let sentence = text.slice(start, start + MAXLEN);
  let out = '';
  for (let i = 0; i < GENERATE; i++) {
    const x = new Float32Array(MAXLEN * C);
    for (let t = 0; t < MAXLEN; t++) x[t * C + index.get(sentence[t])!] = 1;
    const xt = sg.tensor(x, [1, MAXLEN, C]);
    const p = model.predict(xt) as sg.Tensor;
    const next = chars[sample(p.dataSync(), diversity)];
    sg.dispose([xt, p]);
    out += next;
    sentence = sentence.slice(1) + next;
  }
  return `----- diversity ${diversity}, seed "${text.slice(start, start + MAXLEN).replace(/\n/g, ' ')}"\n${out}`;
}

for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const t0 = performance.now();
  const order = starts.slice();
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  let loss = 0;
  let batches = 0;
  for (let b = 0; b < order.length; b += BATCH) {
    const [x, y] = batch(order.slice(b, b + BATCH));
    loss += model.trainOnBatch(x, y) as number;
    batches++;
    sg.dispose([x, y]);
  }
  console.log(
    `\nepoch ${epoch + 1}/${EPOCHS}: loss ${(loss / batches).toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  for (const d of [0.2, 0.5, 1.0, 1.2]) console.log(generate(d));
}
model.dispose();
