// Driven by test/callbacks/logging.test.ts in a child process: a real fit() with the default
// ProgbarLogger writing to process.stdout, and a user callback that prints in onBatchEnd and
// onEpochEnd (console.log and console.warn). FAKE_TTY=1 makes stdout/stderr look like an
// 80-column terminal (the pipe to the test stands in for it).
import * as sg from '../../src/index.js';

if (process.env.FAKE_TTY === '1') {
  for (const st of [process.stdout, process.stderr]) {
    Object.defineProperty(st, 'isTTY', { value: true, configurable: true });
    Object.defineProperty(st, 'columns', { value: 80, configurable: true });
  }
}
const originalWrite = process.stdout.write;
await sg.ready();
const x = sg.tensor(
  Float32Array.from({ length: 64 * 4 }, (_, i) => Math.sin(i)),
  [64, 4],
);
const y = sg.tensor(
  Float32Array.from({ length: 64 }, (_, i) => i % 2),
  [64, 1],
);
const model = sg.sequential();
model.add(sg.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [4] }));
model.compile({ loss: 'binary_crossentropy', optimizer: 'sgd', metrics: ['accuracy'] });
await model.fit(x, y, {
  epochs: 3,
  batchSize: 16,
  validationSplit: 0.25,
  callbacks: {
    onBatchEnd: (b) => {
      if (b === 1) console.log(`user: batch ${b}`);
    },
    onEpochEnd: (e) => {
      console.log(`user: epoch ${e} ended`);
      if (e === 1) console.warn(`user: a warning at epoch ${e}`);
    },
  },
});
if (process.env.THROW === '1') {
  // A fit that throws mid-epoch (it never reaches onTrainEnd), then one that ends normally.
  try {
    await model.fit(x, y, {
      epochs: 2,
      batchSize: 16,
      callbacks: {
        onBatchEnd: (b) => {
          if (b === 1) throw new Error('user: thrown');
        },
      },
    });
  } catch (e) {
    console.log(`user: caught ${(e as Error).message}`);
  }
  await model.fit(x, y, { epochs: 2, batchSize: 16 });
  console.log(`user: stdout restored ${process.stdout.write === originalWrite}`);
}
console.log('user: done');
sg.dispose([x, y]);
model.dispose();
