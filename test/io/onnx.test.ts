// ONNX export against the real peer: every zoo model is exported, run in onnxruntime-node on
// random inputs with batch sizes 1 and 3 (the batch dimension is symbolic), and its outputs
// compared with simdgrad's predict. Also: unsupported layers are listed, file:// writes, opsets
// 18 and 20, no leaked tensors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as sg from '../../src/index.js';
import { Layer } from '../../src/layers/layer.js';
import { buildZoo, randomizeWeights, type ZooEntry } from './onnx_zoo.js';

const L = sg.layers;

/** Runs the exported bytes in onnxruntime and simdgrad's predict on the same inputs; returns the max |diff|. */
async function compare(
  model: sg.LayersModel,
  bytes: Uint8Array,
  inputs: ReturnType<ZooEntry['inputs']>,
  scale?: { max: number },
): Promise<number> {
  const session = await ort.InferenceSession.create(bytes);
  expect(session.inputNames.length).toBe(inputs.length);
  const feeds: Record<string, ort.Tensor> = {};
  session.inputNames.forEach((n, i) => {
    feeds[n] = new ort.Tensor(inputs[i].dtype, inputs[i].data, inputs[i].shape);
  });
  const result = await session.run(feeds);
  await session.release();
  const xs = inputs.map((x) => sg.tensor(x.data, x.shape, x.dtype));
  const pred = model.predict(xs.length === 1 ? xs[0] : xs);
  const preds = Array.isArray(pred) ? pred : [pred];
  expect(session.outputNames.length).toBe(preds.length);
  let maxDiff = 0;
  try {
    session.outputNames.forEach((n, i) => {
      const got = result[n];
      expect(got.dims).toEqual(preds[i].shape);
      const want = preds[i].dataSync();
      const data = got.data as Float32Array;
      for (let k = 0; k < want.length; k++) {
        if (scale) scale.max = Math.max(scale.max, Math.abs(want[k]));
        const d = Math.abs(data[k] - want[k]);
        if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
      }
    });
  } finally {
    sg.dispose([...xs, ...preds]);
  }
  return maxDiff;
}

describe('onnx.exportModel: the zoo in onnxruntime', () => {
  let zoo: ZooEntry[];
  let dir: string;
  const table: { model: string; maxDiff: number; maxOut: number; bytes: number }[] = [];

  beforeAll(() => {
    zoo = buildZoo();
    dir = mkdtempSync(join(tmpdir(), 'simdgrad-onnx-'));
  });
  afterAll(() => {
    for (const z of zoo ?? []) z.model.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (table.length) {
      console.log(
        [
          'model | max abs diff vs onnxruntime (opset 17 batch 1 and 3, opset 13 batch 2) | max abs output | file bytes (opset 17)',
          ...table.map((r) => `${r.model} | ${r.maxDiff.toExponential(2)} | ${r.maxOut.toFixed(3)} | ${r.bytes}`),
        ].join('\n'),
      );
    }
  });

  const names = [
    'mlp_dropout',
    'cnn_bn_pool',
    'depthwise_separable',
    'conv1d_text',
    'lstm',
    'gru',
    'simple_rnn_time_distributed',
    'bidirectional',
    'conv2d_transpose',
    'functional_two_in_two_out_shared',
    'shapes_and_norms',
    'conv3d_pool3d',
    'activations',
    'embedding_int32_channels_first',
    'rnn_activations',
    'norm_axes',
    'nested_model_augmentation',
    'recurrent_states',
    'variable_length',
    'conv_lstm2d',
  ];

  it('covers every zoo model', () => {
    expect(zoo.map((z) => z.name)).toEqual(names);
  });

  for (const name of names) {
    it(`${name}: onnxruntime gives simdgrad's outputs within 1e-4 (batch 1 and 3; opset 17, and 13 at batch 2)`, async () => {
      const z = zoo.find((e) => e.name === name)!;
      const mem = () => {
        const m = sg.memory();
        return { numTensors: m.numTensors, numDataBuffers: m.numDataBuffers, numBytes: m.numBytes };
      };
      const before = mem();
      const bytes = await sg.onnx.exportModel(z.model, `file://${join(dir, `${name}.onnx`)}`);
      expect(mem()).toEqual(before);
      expect(new Uint8Array(readFileSync(join(dir, `${name}.onnx`)))).toEqual(bytes);
      expect(sg.onnx.exportModel(z.model)).toEqual(bytes); // deterministic
      let maxDiff = 0;
      const scale = { max: 0 };
      for (const [n, seed] of [
        [1, 11],
        [3, 12],
      ]) {
        maxDiff = Math.max(maxDiff, await compare(z.model, bytes, z.inputs(n, seed), scale));
      }
      // Opset 13 (LayerNormalization and HardSwish composed, reductions with attribute axes).
      const bytes13 = sg.onnx.exportModel(z.model, { opset: 13 });
      maxDiff = Math.max(maxDiff, await compare(z.model, bytes13, z.inputs(2, 13)));
      expect(mem()).toEqual(before);
      table.push({ model: name, maxDiff, maxOut: scale.max, bytes: bytes.length });
      expect(maxDiff).toBeLessThanOrEqual(1e-4);
      expect(scale.max).toBeGreaterThan(1e-2); // outputs that are not all (near) zero
    });
  }
});

describe('onnx.exportModel: options, errors, opsets', () => {
  it('lists every layer that cannot be exported, with its class, before writing anything', () => {
    class Doubler extends Layer {
      static override className = 'Doubler';
      call(x: sg.Tensor | sg.Tensor[]) {
        return sg.mul(Array.isArray(x) ? x[0] : x, 2);
      }
    }
    class HalfDense extends sg.Dense {
      override call(x: sg.Tensor | sg.Tensor[]) {
        return sg.mul(super.call(x), 0.5);
      }
    }
    const cube = (x: sg.Tensor) => sg.mul(x, sg.mul(x, x));
    const m = sg.sequential({
      layers: [
        L.dense({ units: 4, inputShape: [3], activation: cube }),
        new Doubler({ name: 'doubler' }),
        L.dense({ units: 2, name: 'after_them' }),
        new HalfDense({ units: 2, name: 'half' }),
      ],
    });
    const before = sg.memory().numTensors;
    let msg = '';
    try {
      sg.onnx.exportModel(m);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(sg.memory().numTensors).toBe(before);
    expect(msg).toMatch(/3 layer\(s\) that cannot be exported/);
    expect(msg).toContain('half (Dense): a subclass of Dense without a className of its own');
    expect(msg).toContain(`${m.layers[1].name} (Dense): activation 'cube' has no ONNX form`);
    expect(msg).toContain('doubler (Doubler): no ONNX converter for this layer class');
    expect(msg).not.toContain('after_them');
    m.dispose();

    class Scaled extends sg.LayersModel {
      static override className = 'Scaled';
      override call(x: sg.Tensor | sg.Tensor[], args: sg.CallArgs) {
        return sg.mul(super.call(x, args) as sg.Tensor, 2);
      }
    }
    const ii = L.input({ shape: [3] });
    const scaled = new Scaled({ inputs: ii, outputs: L.dense({ units: 2 }).apply(ii), name: 'scaled' });
    const x = L.input({ shape: [3] });
    const outer = sg.model({ inputs: x, outputs: scaled.apply(x) });
    expect(() => sg.onnx.exportModel(outer)).toThrow(/scaled \(Scaled\): a model that overrides call\(\)/);
    outer.dispose();
  });

  it('refuses masks that reach a recurrent layer, stateful layers, bad opsets and destinations', async () => {
    const masked = sg.sequential({
      layers: [L.embedding({ inputDim: 5, outputDim: 3, maskZero: true, inputLength: 4 }), L.lstm({ units: 2, name: 'masked_lstm' })],
    });
    expect(() => sg.onnx.exportModel(masked)).toThrow(/masked_lstm \(LSTM\): its input carries a mask/);
    const stateful = sg.sequential({ layers: [L.gru({ units: 2, stateful: true, batchInputShape: [2, 3, 1], name: 'sgru' })] });
    expect(() => sg.onnx.exportModel(stateful)).toThrow(/sgru \(GRU\): stateful/);
    expect(() => sg.onnx.exportModel(masked, { opset: 12 })).toThrow(/opset must be an integer from 13 to 21 but is 12/);
    expect(() => sg.onnx.exportModel(masked, { opset: 22 })).toThrow(/opset must be an integer from 13 to 21 but is 22/);
    await expect(sg.onnx.exportModel(stateful, 'http://x/m.onnx')).rejects.toThrow(/file:\/\/ URL/);
    expect(() => sg.onnx.exportModel(sg.sequential())).toThrow(/not built yet/);
    masked.dispose();
    stateful.dispose();
  });

  it('Masking zeroes the steps whose features all equal maskValue, as predict does', async () => {
    const m = sg.sequential({ layers: [L.masking({ maskValue: 1, inputShape: [4, 3] }), L.flatten()] });
    const data = Float32Array.from([1, 1, 1, 2, 1, 1, 1, 1, 1, 3, 4, 5, /* sample 2 */ 1, 2, 1, 1, 1, 1, 1, 1, 1, 6, 7, 1]);
    const d = await compare(m, sg.onnx.exportModel(m), [{ data, shape: [2, 4, 3], dtype: 'float32' }]);
    expect(d).toBe(0);
    const x = sg.tensor(data, [2, 4, 3]);
    const y = m.predict(x) as sg.Tensor;
    expect(Array.from(y.dataSync()).filter((v) => v !== 0).length).toBe(12); // 4 of the 8 steps masked
    sg.dispose([x, y]);
    m.dispose();
  });

  for (const opset of [18, 20, 21]) {
    it(`opset ${opset}: reductions with axes inputs, Mish and Gelu ops run in onnxruntime`, async () => {
      const x = L.input({ shape: [5, 4, 3] });
      const h = L.conv2d({ filters: 4, kernelSize: 2, activation: 'mish' }).apply(x) as sg.SymbolicTensor;
      const p = L.globalMaxPooling2d().apply(h) as sg.SymbolicTensor;
      const q = L.globalAveragePooling2d().apply(h) as sg.SymbolicTensor;
      const out = L.dense({ units: 3, activation: 'gelu' }).apply(L.masking({ maskValue: 0.5 }).apply(p) as sg.SymbolicTensor) as sg.SymbolicTensor;
      const m = sg.model({ inputs: x, outputs: [out, q] });
      randomizeWeights(m, 5);
      const bytes = sg.onnx.exportModel(m, { opset });
      const n = 2 * 5 * 4 * 3;
      const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7));
      const d = await compare(m, bytes, [{ data, shape: [2, 5, 4, 3], dtype: 'float32' }]);
      expect(d).toBeLessThanOrEqual(1e-4);
      m.dispose();
    });
  }
});
