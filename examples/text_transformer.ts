// Keras' "Text classification with Transformer" (keras.io, Apoorv Nandan) in TypeScript: one
// transformer block over token + position embeddings, then global average pooling and a small
// dense head. The block: MultiHeadAttention(2 heads, key dim 32) self-attention, dropout, residual
// + LayerNormalization(1e-6), a feed-forward Dense(32, relu) -> Dense(32), dropout, residual +
// LayerNormalization. Vocabulary 20,000, 200 tokens, embedding 32; Adam, batch 32, 2 epochs,
// sparse categorical cross-entropy over 2 classes, as the original.
//
// Data: these machines have no internet and no IMDB files, so the model trains on the stand-in
// built from Debian's fortunes (sg.datasets.fortunes via examples/lib/text_data.ts: two classes,
// fortunes of computing files vs. everyday-life files, Keras' IMDB index conventions). DATA=keras
// reads Keras' imdb.npz instead. The Keras example reports about 0.88 validation accuracy on IMDB
// after 2 epochs.
//
//   npm run build && npx tsx examples/text_transformer.ts                 # EPOCHS=2, MAXLEN=200
//   EPOCHS=2 MAXLEN=64 N_TRAIN=1000 npx tsx examples/text_transformer.ts  # a quick run
import * as sg from 'simdgrad';
import { loadImdb } from './lib/text_data.js';
import { seedFromEnv } from './lib/seed.js';

seedFromEnv(); // SEED=n: a repeatable run

const VOCAB_SIZE = 20000;
const MAXLEN = Number(process.env.MAXLEN ?? 200);
const EMBED_DIM = 32;
const NUM_HEADS = 2;
const FF_DIM = 32;
const EPOCHS = Number(process.env.EPOCHS ?? 2);
const VERBOSE = Number(process.env.VERBOSE ?? 1) as 0 | 1 | 2;

/** Token embedding plus a learned embedding of each position (0..maxlen-1). */
export class TokenAndPositionEmbedding extends sg.Layer {
  static override className = 'TokenAndPositionEmbedding';
  readonly tokenEmb: sg.Layer;
  readonly posEmb: sg.Layer;

  constructor(readonly cfg: { maxlen: number; vocabSize: number; embedDim: number; name?: string }) {
    super({ name: cfg.name });
    this.tokenEmb = sg.layers.embedding({ inputDim: cfg.vocabSize, outputDim: cfg.embedDim });
    this.posEmb = sg.layers.embedding({ inputDim: cfg.maxlen, outputDim: cfg.embedDim });
  }

  override computeOutputShape(s: sg.SymbolicShape): sg.SymbolicShape {
    return [...s, this.cfg.embedDim];
  }

  call(inputs: sg.Tensor | sg.Tensor[]): sg.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const positions = sg.range(0, x.shape[1], 1, 'int32');
    return sg.add(this.tokenEmb.apply(x) as sg.Tensor, this.posEmb.apply(positions) as sg.Tensor);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      maxlen: this.cfg.maxlen,
      vocabSize: this.cfg.vocabSize,
      embedDim: this.cfg.embedDim,
    };
  }
}

/** Self-attention and a feed-forward net, each with dropout, a residual connection and layer norm. */
export class TransformerBlock extends sg.Layer {
  static override className = 'TransformerBlock';
  readonly att: sg.MultiHeadAttention;
  readonly ffn: sg.Sequential;
  readonly norm1: sg.Layer;
  readonly norm2: sg.Layer;
  readonly drop1: sg.Layer;
  readonly drop2: sg.Layer;

  constructor(readonly cfg: { embedDim: number; numHeads: number; ffDim: number; rate?: number; name?: string }) {
    super({ name: cfg.name });
    this.att = sg.layers.multiHeadAttention({ numHeads: cfg.numHeads, keyDim: cfg.embedDim });
    this.ffn = sg.sequential({
      layers: [sg.layers.dense({ units: cfg.ffDim, activation: 'relu' }), sg.layers.dense({ units: cfg.embedDim })],
    });
    this.norm1 = sg.layers.layerNormalization({ epsilon: 1e-6 });
    this.norm2 = sg.layers.layerNormalization({ epsilon: 1e-6 });
    this.drop1 = sg.layers.dropout({ rate: cfg.rate ?? 0.1 });
    this.drop2 = sg.layers.dropout({ rate: cfg.rate ?? 0.1 });
  }

  call(inputs: sg.Tensor | sg.Tensor[], args: sg.CallArgs): sg.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const training = { training: args.training };
    const attn = this.drop1.apply(this.att.apply([x, x], training) as sg.Tensor, training) as sg.Tensor;
    const out1 = this.norm1.apply(sg.add(x, attn)) as sg.Tensor;
    const ffn = this.drop2.apply(this.ffn.apply(out1) as sg.Tensor, training) as sg.Tensor;
    return this.norm2.apply(sg.add(out1, ffn)) as sg.Tensor;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      embedDim: this.cfg.embedDim,
      numHeads: this.cfg.numHeads,
      ffDim: this.cfg.ffDim,
      rate: this.cfg.rate ?? 0.1,
    };
  }
}

/** The original's model for sequences of `maxlen` tokens. */
export function buildModel(maxlen = MAXLEN): sg.LayersModel {
  const inputs = sg.input({ shape: [maxlen], dtype: 'int32' });
  let x = new TokenAndPositionEmbedding({ maxlen, vocabSize: VOCAB_SIZE, embedDim: EMBED_DIM }).apply(
    inputs,
  ) as sg.SymbolicTensor;
  x = new TransformerBlock({ embedDim: EMBED_DIM, numHeads: NUM_HEADS, ffDim: FF_DIM }).apply(x) as sg.SymbolicTensor;
  x = sg.layers.globalAveragePooling1d().apply(x) as sg.SymbolicTensor;
  x = sg.layers.dropout({ rate: 0.1 }).apply(x) as sg.SymbolicTensor;
  x = sg.layers.dense({ units: 20, activation: 'relu' }).apply(x) as sg.SymbolicTensor;
  x = sg.layers.dropout({ rate: 0.1 }).apply(x) as sg.SymbolicTensor;
  const outputs = sg.layers.dense({ units: 2, activation: 'softmax' }).apply(x) as sg.SymbolicTensor;
  const model = sg.model({ inputs, outputs });
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

const t0 = Date.now();
const data = await loadImdb(VOCAB_SIZE);
console.log(`data: ${data.source}`);
console.log(`${data.xTrain.length} training sequences, ${data.xTest.length} validation sequences`);
const xTrain = sg.text.padSequences(data.xTrain, { maxlen: MAXLEN });
const xVal = sg.text.padSequences(data.xTest, { maxlen: MAXLEN });
const yTrain = sg.tensor(data.yTrain, [data.yTrain.length], 'float32');
const yVal = sg.tensor(data.yTest, [data.yTest.length], 'float32');

const model = buildModel();
if (VERBOSE) model.summary();
const history = await model.fit(xTrain, yTrain, {
  batchSize: 32,
  epochs: EPOCHS,
  verbose: VERBOSE,
  validationData: [xVal, yVal],
});
const [valLoss, valAccuracy] = model.evaluate(xVal, yVal, { verbose: 0 }) as number[];
console.log(`Validation loss: ${valLoss.toFixed(4)}, validation accuracy: ${valAccuracy.toFixed(4)} (${data.source})`);
console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s (Keras' example: about 0.88 on IMDB after 2 epochs)`);

/** What a test checks: the parameter count and the figures reached. */
export const result = { params: model.countParams(), valLoss, valAccuracy, losses: history.history.loss as number[] };

sg.dispose([xTrain, xVal, yTrain, yVal]);
model.dispose();
