// Keras' stateful_lstm example in TypeScript: a stateful LSTM learns to predict a damped cosine
// one step ahead. Each batch continues where the previous one stopped (stateful: the final
// states of batch i are the initial states of batch i + 1), so the data is fed in order
// (shuffle false) and the states are reset between epochs with resetStates().
//
//   npm run build && npx tsx examples/stateful_lstm.ts         # 10,000 points, 10 epochs
//   POINTS=50000 EPOCHS=25 npx tsx examples/stateful_lstm.ts     # Keras' sizes
import * as sg from 'simdgrad';
import { seedFromEnv } from './lib/seed.js';

seedFromEnv(); // SEED=n: a repeatable run

const POINTS = Number(process.env.POINTS ?? 10000);
const EPOCHS = Number(process.env.EPOCHS ?? 10);
const TSTEPS = 1; // one step of the series per sample: the memory is in the carried state
const LAHEAD = 1; // predict the mean of the next LAHEAD values
const BATCH = 25;

/** Keras' gen_cosine_amp: amp * cos(2 pi i / period) * exp(-k i). */
function dampedCosine(n: number, amp = 100, period = 1000, k = 0.0001): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amp * Math.cos((2 * Math.PI * i) / period) * Math.exp(-k * i));
}

const n = POINTS - (POINTS % BATCH); // a stateful layer needs whole batches
const series = dampedCosine(n + LAHEAD);
const xv = series.slice(0, n);
const yv = Float32Array.from({ length: n }, (_, i) => {
  let s = 0;
  for (let j = 1; j <= LAHEAD; j++) s += series[i + j];
  return s / LAHEAD;
});
const x = sg.tensor(xv, [n, TSTEPS, 1]);
const y = sg.tensor(yv, [n, 1]);
console.log(`input ${x.shape}, target ${y.shape}`);

const recurrent = [
  sg.layers.lstm({ units: 50, batchInputShape: [BATCH, TSTEPS, 1], returnSequences: true, stateful: true }),
  sg.layers.lstm({ units: 50, stateful: true }),
];
const model = sg.sequential();
for (const l of recurrent) model.add(l);
model.add(sg.layers.dense({ units: 1 }));
model.compile({ loss: 'mse', optimizer: 'rmsprop' });
model.summary();

const resetAll = () => recurrent.forEach((l) => l.resetStates());
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const t0 = performance.now();
  const h = await model.fit(x, y, { batchSize: BATCH, epochs: 1, shuffle: false, verbose: 0 });
  resetAll(); // the next epoch starts the series over
  console.log(
    `epoch ${epoch + 1}/${EPOCHS}: mse ${h.history.loss[0].toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
}

const pred = model.predict(x, { batchSize: BATCH }) as sg.Tensor;
const pv = pred.dataSync();
let se = 0;
for (let i = 0; i < n; i++) se += (pv[i] - yv[i]) ** 2;
console.log(`\nprediction RMSE over the series: ${Math.sqrt(se / n).toFixed(3)} (amplitude 100)`);
for (let i = 0; i < n; i += Math.floor(n / 10)) {
  console.log(
    `t=${String(i).padStart(6)}  target ${yv[i].toFixed(2).padStart(8)}  predicted ${pv[i].toFixed(2).padStart(8)}`,
  );
}
sg.dispose([x, y, pred]);
model.dispose();
