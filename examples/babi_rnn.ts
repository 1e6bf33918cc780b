// Keras' babi_rnn example in TypeScript: a recurrent network answering bAbI questions. Two inputs
// (story and question as word indices), each embedded (50) and read by its own LSTM (100); the two
// codes are concatenated and a Dense(vocab) softmax picks the answer word. Adam, batch 32,
// categorical cross-entropy on one-hot answers, as the original.
//
// Data: bAbI cannot be downloaded here, so the stories come from examples/lib/babi.ts, a seeded
// generator of tasks 1 and 2 in the grammar and file format of the originals, read with Keras'
// parse_stories. Task 1 (single supporting fact) by default, 200 blocks = 1,000 questions as the
// original's 1k sets; TASK=2 for two supporting facts.
// Prints: the summary, each epoch's progress, the test accuracy. The Keras example's table gives
// 52.1% on QA1 (single supporting fact, 1k) and 37.0% on QA2 (two supporting facts) after 20
// epochs (the Facebook LSTM baseline: 50% and 20%).
//
//   npm run build && npx tsx examples/babi_rnn.ts                 # EPOCHS=20
//   EPOCHS=3 N_BLOCKS=100 npx tsx examples/babi_rnn.ts            # a quick run
import * as sg from 'simdgrad';
import { babiData, vectorize } from './lib/babi.js';

const EPOCHS = Number(process.env.EPOCHS ?? 20);
const TASK = Number(process.env.TASK ?? 1) as 1 | 2;
const N_BLOCKS = Number(process.env.N_BLOCKS ?? 200);
const N_TEST_BLOCKS = Number(process.env.N_TEST_BLOCKS ?? 200);
const SEED = Number(process.env.SEED ?? 1337);
const VERBOSE = Number(process.env.VERBOSE ?? 1) as 0 | 1 | 2;
const EMBED_HIDDEN_SIZE = 50;
const SENT_HIDDEN_SIZE = 100;
const QUERY_HIDDEN_SIZE = 100;

const data = babiData(TASK, N_BLOCKS, N_TEST_BLOCKS, SEED);
const { storyMaxlen, queryMaxlen, vocabSize } = data;
console.log(
  `bAbI-style task ${TASK} (generated, seed ${SEED}): ${data.train.length} train / ${data.test.length} test questions`,
);
console.log(`vocab = ${vocabSize}, story_maxlen = ${storyMaxlen}, query_maxlen = ${queryMaxlen}`);
const tensors = (samples: typeof data.train) => {
  const v = vectorize(samples, storyMaxlen, queryMaxlen);
  return {
    stories: sg.tensor(v.stories.flat(), [samples.length, storyMaxlen], 'int32'),
    queries: sg.tensor(v.queries.flat(), [samples.length, queryMaxlen], 'int32'),
    answers: sg.tidy(() => sg.oneHot(sg.tensor(v.answers, [samples.length], 'int32'), vocabSize).toFloat()),
  };
};
const train = tensors(data.train);
const test = tensors(data.test);

let nextSeed = SEED;
const seeded = (className: string, config: Record<string, unknown> = {}) => ({
  className,
  config: { ...config, seed: nextSeed++ },
});
const embedding = () =>
  sg.layers.embedding({
    inputDim: vocabSize,
    outputDim: EMBED_HIDDEN_SIZE,
    embeddingsInitializer: seeded('RandomUniform', { minval: -0.05, maxval: 0.05 }),
  });
const rnn = (units: number) =>
  sg.layers.lstm({ units, kernelInitializer: seeded('GlorotUniform'), recurrentInitializer: seeded('Orthogonal') });

const sentence = sg.input({ shape: [storyMaxlen], dtype: 'int32' });
const encodedSentence = rnn(SENT_HIDDEN_SIZE).apply(
  embedding().apply(sentence) as sg.SymbolicTensor,
) as sg.SymbolicTensor;
const question = sg.input({ shape: [queryMaxlen], dtype: 'int32' });
const encodedQuestion = rnn(QUERY_HIDDEN_SIZE).apply(
  embedding().apply(question) as sg.SymbolicTensor,
) as sg.SymbolicTensor;
const merged = sg.layers.concatenate().apply([encodedSentence, encodedQuestion]) as sg.SymbolicTensor;
const preds = sg.layers
  .dense({ units: vocabSize, activation: 'softmax', kernelInitializer: seeded('GlorotUniform') })
  .apply(merged) as sg.SymbolicTensor;

const model = sg.model({ inputs: [sentence, question], outputs: preds });
if (VERBOSE) model.summary();
model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
console.log('Training');
const history = await model.fit([train.stories, train.queries], train.answers, {
  batchSize: 32,
  epochs: EPOCHS,
  validationSplit: 0.05,
  verbose: VERBOSE,
  seed: SEED, // the per-epoch shuffles: with the seeded initializers, a run repeats
});
const [testLoss, testAccuracy] = model.evaluate([test.stories, test.queries], test.answers, {
  batchSize: 32,
  verbose: 0,
}) as number[];
console.log(
  `Test loss / test accuracy = ${testLoss.toFixed(4)} / ${testAccuracy.toFixed(4)} (Keras' table: 0.521 on QA1, 0.370 on QA2)`,
);

/** What a test checks: the parameter count, the data's sizes and the figures reached. */
export const result = {
  params: model.countParams(),
  storyMaxlen,
  queryMaxlen,
  vocabSize,
  testLoss,
  testAccuracy,
  losses: history.history.loss as number[],
};

sg.dispose([train.stories, train.queries, train.answers, test.stories, test.queries, test.answers]);
model.dispose();
