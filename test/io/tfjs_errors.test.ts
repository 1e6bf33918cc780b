// Files are data: malformed model.json files, manifests and weight files each fail with an
// error that names the file and the part that is wrong, before anything is allocated, and leave
// nothing behind (no tensors, no variables, no half-loaded model).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sg from '../../src/index.js';
import { checkNoLeaks } from '../helpers.js';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-io-bad-'));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let good: Json;
let goodBin: Buffer;

beforeAll(async () => {
  const m = sg.sequential({
    layers: [
      sg.layers.dense({ units: 5, activation: 'relu', inputShape: [4], name: 'hidden' }),
      sg.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ],
  });
  await m.save(`file://${path.join(TMP, 'good')}`);
  m.dispose();
  good = JSON.parse(fs.readFileSync(path.join(TMP, 'good', 'model.json'), 'utf8'));
  goodBin = fs.readFileSync(path.join(TMP, 'good', 'group1-shard1of1.bin'));
});

let n = 0;
/** Writes a variant of the good model folder and returns its model.json path. */
function variant(edit: (json: Json) => void, bin: Buffer | null = goodBin, raw?: string): string {
  const dir = path.join(TMP, `bad${n++}`);
  fs.mkdirSync(dir);
  const json = structuredClone(good);
  edit(json);
  fs.writeFileSync(path.join(dir, 'model.json'), raw ?? JSON.stringify(json));
  if (bin) fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), bin);
  return path.join(dir, 'model.json');
}

const specs = (j: Json) => j.weightsManifest[0].weights;
const layers = (j: Json) => j.modelTopology.config.layers;

const CASES: [string, () => string, RegExp][] = [
  ['not JSON', () => variant(() => {}, goodBin, '{"modelTopology": '), /model\.json: not valid JSON/],
  [
    'JSON but not an object',
    () => variant(() => {}, goodBin, '[1, 2]'),
    /model\.json: model\.json must hold an object/,
  ],
  [
    'no modelTopology',
    () => variant((j) => delete j.modelTopology),
    /model\.json: 'modelTopology' is missing or not an object \(a weights-only manifest\?\)/,
  ],
  [
    'a graph model',
    () => variant((j) => (j.format = 'graph-model')),
    /model\.json: format 'graph-model' is not a layers model/,
  ],
  [
    'weightsManifest not a list',
    () => variant((j) => (j.weightsManifest = { paths: [] })),
    /model\.json: 'weightsManifest' must be a list of groups/,
  ],
  [
    'a group without paths',
    () => variant((j) => delete j.weightsManifest[0].paths),
    /model\.json: weightsManifest\[0\]\.paths must be a list of file names/,
  ],
  [
    'a negative dimension',
    () => variant((j) => (specs(j)[0].shape = [4, -5])),
    /weightsManifest\[0\]: weight 'hidden\/kernel' has an invalid shape \[4,-5\]/,
  ],
  [
    'a shape of 2^40 elements (no allocation)',
    () => variant((j) => (specs(j)[0].shape = [1 << 20, 1 << 20])),
    /weight 'hidden\/kernel' has shape \[1048576,1048576\], over 2\^31 elements/,
  ],
  [
    'an unknown dtype',
    () => variant((j) => (specs(j)[1].dtype = 'float64')),
    /weight 'hidden\/bias' has unknown dtype 'float64'/,
  ],
  [
    'a string weight',
    () => variant((j) => (specs(j)[1].dtype = 'string')),
    /weight 'hidden\/bias' has dtype 'string', which simdgrad models do not hold/,
  ],
  [
    'uint8 quantization without scale',
    () => variant((j) => (specs(j)[0].quantization = { dtype: 'uint8', min: 0 })),
    /weight 'hidden\/kernel': uint8 quantization needs finite 'min' and 'scale' numbers/,
  ],
  [
    'an unknown quantization',
    () => variant((j) => (specs(j)[0].quantization = { dtype: 'int4' })),
    /weight 'hidden\/kernel' has unknown quantization dtype 'int4'/,
  ],
  [
    'a truncated shard',
    () => variant(() => {}, goodBin.subarray(0, 50)),
    /model\.json: weight group 0 files \(group1-shard1of1\.bin\) hold 50 bytes but the manifest needs 172 \(truncated shard\?\)/,
  ],
  [
    'extra bytes in the shard',
    () => variant(() => {}, Buffer.concat([goodBin, Buffer.alloc(8)])),
    /weight group 0 files .* hold 180 bytes but the manifest needs 172/,
  ],
  [
    'a missing shard',
    () => variant(() => {}, null),
    /model\.json: weight file 'group1-shard1of1\.bin' of group 0 is missing/,
  ],
  [
    'a path leaving the folder',
    () => variant((j) => (j.weightsManifest[0].paths = ['../good/group1-shard1of1.bin'])),
    /weight path '\.\.\/good\/group1-shard1of1\.bin' leaves the model's folder/,
  ],
  [
    'an absolute path',
    () => variant((j) => (j.weightsManifest[0].paths = ['/etc/passwd'])),
    /weight path '\/etc\/passwd' leaves the model's folder/,
  ],
  [
    'a weight of the wrong shape (same bytes)',
    () => variant((j) => (specs(j)[0].shape = [5, 4])),
    /weight 'hidden\/kernel' has shape \[5,4\] but layer 'hidden' expects \[4,5\]/,
  ],
  [
    'a weight of the wrong dtype (same bytes)',
    () => variant((j) => (specs(j)[1].dtype = 'int32')),
    /weight 'hidden\/bias' is int32 but layer 'hidden' holds float32/,
  ],
  [
    'a weight the model does not have',
    () => variant((j) => (specs(j)[3].name = 'out/gamma')),
    /weight 'out\/gamma' has no target in the model .*pass strict: false/,
  ],
  [
    'an unknown layer class',
    () => variant((j) => (layers(j)[1].class_name = 'Dense3000')),
    /unknown layer class 'Dense3000'.*registerClass/,
  ],
  [
    'a layer without class_name',
    () => variant((j) => delete layers(j)[1].class_name),
    /a layer entry has no string className/,
  ],
  [
    'a bad layer argument',
    () => variant((j) => (layers(j)[0].config.units = -3)),
    /cannot build layer 'hidden' \(Dense\): Dense: 'units' must be a positive integer but is -3/,
  ],
  [
    'an unknown activation',
    () => variant((j) => (layers(j)[0].config.activation = 'rleu')),
    /cannot build layer 'hidden' \(Dense\): .*Unknown activation 'rleu'\. Did you mean 'relu'\?/,
  ],
  [
    'a model class that is not one',
    () => variant((j) => (j.modelTopology.class_name = 'Pipeline')),
    /unknown layer class 'Pipeline'/,
  ],
  [
    'a Sequential without layers',
    () => variant((j) => delete j.modelTopology.config.layers),
    /a Sequential config needs a 'layers' list/,
  ],
  [
    'an unknown optimizer in trainingConfig',
    () => variant((j) => (j.trainingConfig = { loss: 'mse', optimizer_config: { class_name: 'Lion', config: {} } })),
    /Unknown optimizer 'Lion'/,
  ],
];

describe('malformed tfjs-format files: clear errors, nothing left behind', () => {
  checkNoLeaks();
  let before = 0;
  beforeAll(() => {
    before = sg.memory().numTensors;
  });

  for (const [what, make, message] of CASES) {
    it(what, async () => {
      const file = make();
      await expect(sg.loadLayersModel(`file://${file}`)).rejects.toThrow(message);
      expect(sg.memory().numTensors).toBe(before);
    });
  }

  it('the unmodified files load (the cases above break one thing each)', async () => {
    const m = await sg.loadLayersModel(`file://${variant(() => {})}`);
    expect(m.countParams()).toBe(43);
    m.dispose();
  });

  it('functional configs: a reference to a missing layer, a cycle, malformed inbound nodes', async () => {
    const a = sg.input({ shape: [3], name: 'x' });
    const h = sg.layers.dense({ units: 2, name: 'h' }).apply(a);
    const m = sg.model({ inputs: a, outputs: sg.layers.dense({ units: 1, name: 'y' }).apply(h) });
    const topo = m.toJSON(null, false) as Json;
    m.dispose();
    const load = (edit: (t: Json) => void) => {
      const t = structuredClone(topo);
      edit(t);
      return sg.loadLayersModel(sg.io.fromMemory({ modelTopology: t }));
    };
    await expect(load((t) => (t.config.layers[2].inbound_nodes[0][0][0] = 'ghost'))).rejects.toThrow(
      /layer 'y' node 0 input 0 refers to layer 'ghost', which the config does not define/,
    );
    await expect(load((t) => (t.config.layers[1].inbound_nodes[0][0][0] = 'y'))).rejects.toThrow(
      /layer 'h' node 0 has inputs that are never computed/,
    );
    await expect(load((t) => (t.config.layers[1].inbound_nodes = 'x'))).rejects.toThrow(
      /layer 'h' has malformed inboundNodes/,
    );
    await expect(load((t) => (t.config.output_layers = []))).rejects.toThrow(/needs a non-empty 'outputLayers' list/);
    await expect(load((t) => (t.config.layers[2].name = 'h'))).rejects.toThrow(/two layers are named 'h'/);
  });

  it('artifacts in memory: weight data without specs, bytes that do not add up', async () => {
    const m = await sg.loadLayersModel(`file://${path.join(TMP, 'good')}`);
    const sink = sg.io.memorySink();
    await m.save(sink);
    m.dispose();
    const a = sink.artifacts!;
    await expect(sg.loadLayersModel(sg.io.fromMemory({ ...a, weightSpecs: undefined }))).rejects.toThrow(
      /weight data but no weight specs/,
    );
    await expect(
      sg.loadLayersModel(sg.io.fromMemory({ ...a, weightData: (a.weightData as ArrayBuffer).slice(4) })),
    ).rejects.toThrow(
      /the weight data has 168 bytes but the manifest describes 172 bytes \(truncated or missing shard\?\)/,
    );
    await expect(sg.loadLayersModel(sg.io.fromMemory({ ...a, modelTopology: undefined }))).rejects.toThrow(
      /no JSON modelTopology/,
    );
    await expect(sg.loadLayersModel('ftp://host/model.json')).rejects.toThrow(
      /Cannot find a load handler for 'ftp:\/\/host\/model\.json'/,
    );
  });
});
