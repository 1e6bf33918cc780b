// The tfjs-layers format's handlers and training state: includeOptimizer resumes training
// bit-exactly (and tfjs-layers resumes from our files, we from theirs, within 1e-5); file://
// with 4 MB shards; http(s):// from a local node:http server (relative paths, weightPathPrefix,
// requestInit, progress); localstorage:// on a Storage stand-in; io.browserFiles with Node's
// File; quantized weights against tfjs-core's decoder; custom classes and tfjs' name variants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, randArray } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-io-'));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

function mlp(units = 8): sg.LayersModel {
  return sg.sequential({
    layers: [
      sg.layers.dense({ units, activation: 'relu', inputShape: [4] }),
      sg.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}
const X = () => sg.tensor(randArray(24, 5), [6, 4]);
const Y = () => sg.tidy(() => sg.oneHot(sg.tensor([0, 1, 2, 1, 0, 2], [6], 'int32'), 3));
function values(m: sg.LayersModel): number[][] {
  return m.getWeights().map((t) => {
    const v = Array.from(t.dataSync());
    t.dispose();
    return v;
  });
}
async function artifactsOf(m: sg.LayersModel, opts?: sg.io.SaveConfig): Promise<sg.io.ModelArtifacts> {
  const sink = sg.io.memorySink();
  await m.save(sink, opts);
  return sink.artifacts!;
}

describe('includeOptimizer: training resumes exactly', () => {
  checkNoLeaks();
  const configs: [string, sg.OptimizerIdentifier][] = [
    ['adam', { className: 'Adam', config: { learning_rate: 0.01 } }],
    ['sgd+momentum', { className: 'SGD', config: { learning_rate: 0.05, momentum: 0.9, nesterov: true } }],
    ['rmsprop centered', { className: 'RMSprop', config: { learning_rate: 0.01, momentum: 0.5, centered: true } }],
    ['adagrad', 'adagrad'],
    ['adadelta', 'adadelta'],
    ['adamax', 'adamax'],
    ['nadam', 'nadam'],
    ['adamw', { className: 'AdamW', config: { learning_rate: 0.01, weight_decay: 0.01 } }],
  ];
  for (const [label, optimizer] of configs) {
    it(`${label}: the step after a round trip equals the step without one, bit for bit`, async () => {
      const a = mlp();
      a.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const [x, y] = [X(), Y()];
      for (let i = 0; i < 3; i++) a.trainOnBatch(x, y);
      const art = await artifactsOf(a, { includeOptimizer: true });
      expect(art.weightSpecs!.filter((s) => s.group === 'optimizer')[0].name).toBe('iter');
      const b = await sg.loadLayersModel(sg.io.fromMemory(art));
      expect(b.optimizer.className).toBe(a.optimizer.className);
      expect(b.optimizer.iterations).toBe(3);
      const la = a.trainOnBatch(x, y);
      const lb = b.trainOnBatch(x, y);
      expect(lb).toEqual(la);
      expect(values(b)).toEqual(values(a));
      // And a second step, so the restored slots (not only the weights) are proven.
      a.trainOnBatch(x, y);
      b.trainOnBatch(x, y);
      expect(values(b)).toEqual(values(a));
      sg.dispose([x, y]);
      a.dispose();
      b.dispose();
    });
  }

  it('a two-output model: losses and per-output metrics come back, and the next step matches', async () => {
    const inp = sg.input({ shape: [4], name: 'x' });
    const h = sg.layers.dense({ units: 5, activation: 'relu' }).apply(inp);
    const o1 = sg.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(h);
    const o2 = sg.layers.dense({ units: 1, name: 'reg' }).apply(h);
    const a = sg.model({ inputs: inp, outputs: [o1, o2] });
    a.compile({
      optimizer: 'rmsprop',
      loss: ['categoricalCrossentropy', 'mse'],
      metrics: { cls: ['accuracy'], reg: ['mae'] },
    });
    const [x, y] = [X(), Y()];
    const y2 = sg.tensor(randArray(6, 9), [6, 1]);
    a.trainOnBatch(x, [y, y2]);
    const art = await artifactsOf(a, { includeOptimizer: true });
    expect(art.trainingConfig).toMatchObject({
      loss: ['categorical_crossentropy', 'mean_squared_error'],
      optimizer_config: { class_name: 'RMSProp' },
    });
    const b = await sg.loadLayersModel(sg.io.fromMemory(art));
    expect(b.metricsNames).toEqual(a.metricsNames);
    expect(b.trainOnBatch(x, [y, y2])).toEqual(a.trainOnBatch(x, [y, y2]));
    expect(values(b)).toEqual(values(a));
    sg.dispose([x, y, y2]);
    a.dispose();
    b.dispose();
  });

  it('without includeOptimizer nothing of the optimizer is saved', async () => {
    const a = mlp();
    a.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const art = await artifactsOf(a);
    expect(art.trainingConfig).toBeUndefined();
    expect(art.weightSpecs!.every((s) => s.group !== 'optimizer')).toBe(true);
    a.dispose();
  });

  it('tfjs-layers reads our Adam state exactly, and we read its; the next steps agree to 1e-4', async () => {
    const a = mlp();
    a.compile({ optimizer: { className: 'Adam', config: { learning_rate: 0.01 } }, loss: 'categoricalCrossentropy' });
    const [x, y] = [X(), Y()];
    for (let i = 0; i < 2; i++) a.trainOnBatch(x, y);
    const art = await artifactsOf(a, { includeOptimizer: true });
    const t = await tfl.loadLayersModel(tf.io.fromMemory(art as tf.io.ModelArtifacts));
    expect(t.optimizer.getClassName()).toBe('Adam');
    // tfjs' optimizer holds exactly the state we wrote: 'iter' then every m, then every v.
    const saved = sg.io.decodeWeights(art.weightData!, art.weightSpecs!, 'ours').filter((w) => w.group === 'optimizer');
    const theirsState = await t.optimizer.getWeights();
    expect(theirsState.map((w) => w.name)).toEqual(saved.map((w) => w.name));
    theirsState.forEach((w, i) => expect(Array.from(w.tensor.dataSync())).toEqual(Array.from(saved[i].values)));
    theirsState[0].tensor.dispose(); // 'iter' is a new scalar; the rest are tfjs' own variables
    const tx = tf.tensor(x.dataSync(), x.shape as number[]);
    const ty = tf.tensor(y.dataSync(), y.shape as number[]);
    a.trainOnBatch(x, y);
    await t.trainOnBatch(tx, ty);
    // Porting note: tfjs' Adam adds epsilon after the bias correction, Keras (and simdgrad)
    // before it, so a step differs by up to ~lr * eps / sqrt(v_hat) where gradients are tiny.
    expectClose(
      values(a).flat(),
      t.getWeights().flatMap((w) => Array.from(w.dataSync())),
      1e-4,
      1e-4,
    );
    // Their state back to us, exactly.
    let theirs: tf.io.ModelArtifacts | undefined;
    await t.save(
      tf.io.withSaveHandler(
        async (m) => ((theirs = m), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }),
      ),
      { includeOptimizer: true },
    );
    const b = await sg.loadLayersModel(sg.io.fromMemory(theirs as sg.io.ModelArtifacts));
    expect(b.optimizer.iterations).toBe(3);
    const theirSaved = sg.io
      .decodeWeights(theirs!.weightData!, theirs!.weightSpecs!, 'theirs')
      .filter((w) => w.group === 'optimizer');
    const ours = await artifactsOf(b, { includeOptimizer: true });
    const oursSaved = sg.io
      .decodeWeights(ours.weightData!, ours.weightSpecs!, 'ours')
      .filter((w) => w.group === 'optimizer');
    expect(oursSaved.map((w) => [w.name, Array.from(w.values)])).toEqual(
      theirSaved.map((w) => [w.name, Array.from(w.values)]),
    );
    b.trainOnBatch(x, y);
    await t.trainOnBatch(tx, ty);
    expectClose(
      values(b).flat(),
      t.getWeights().flatMap((w) => Array.from(w.dataSync())),
      1e-4,
      1e-4,
    );
    tf.dispose([tx, ty]);
    t.dispose();
    t.optimizer.dispose();
    sg.dispose([x, y]);
    a.dispose();
    b.dispose();
  });
});

describe('file:// in Node', () => {
  checkNoLeaks();

  it('a model over 4 MB is written as several 4 MB shards and loads back bit-equal', async () => {
    const m = sg.sequential({
      layers: [sg.layers.dense({ units: 1100, inputShape: [1000] }), sg.layers.dense({ units: 2 })],
    });
    const dir = path.join(TMP, 'big');
    const res = await m.save(`file://${dir}`);
    expect(res.modelArtifactsInfo.weightDataBytes).toBe(m.countParams() * 4);
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin', 'model.json']);
    expect(fs.statSync(path.join(dir, 'group1-shard1of2.bin')).size).toBe(4 * 1024 * 1024);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin']);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual([
      'dense_Dense1/kernel'.replace('dense_Dense1', m.layers[1].name),
      `${m.layers[1].name}/bias`,
      `${m.layers[2].name}/kernel`,
      `${m.layers[2].name}/bias`,
    ]);
    for (const src of [`file://${dir}/model.json`, `file://${dir}`]) {
      const back = await sg.loadLayersModel(src);
      expect(values(back)).toEqual(values(m));
      back.dispose();
    }
    m.dispose();
  });

  it("'<name>.json' paths (checkpoints) keep their shards apart; plain paths work as Keras' save('dir')", async () => {
    const [m1, m2] = [mlp(), mlp()];
    const dir = path.join(TMP, 'ckpt');
    await m1.save(path.join(dir, 'epoch1.json'));
    await m2.save(`file://${path.join(dir, 'epoch2.json')}`);
    expect(fs.readdirSync(dir).sort()).toEqual([
      'epoch1.group1-shard1of1.bin',
      'epoch1.json',
      'epoch2.group1-shard1of1.bin',
      'epoch2.json',
    ]);
    const [b1, b2] = [
      await sg.loadLayersModel(path.join(dir, 'epoch1.json')),
      await sg.loadLayersModel(`file://${path.join(dir, 'epoch2.json')}`),
    ];
    expect(values(b1)).toEqual(values(m1));
    expect(values(b2)).toEqual(values(m2));
    for (const m of [m1, m2, b1, b2]) m.dispose();
  });

  it('tfjs-layers loads the folder (its model.json and shards) with the same predictions', async () => {
    const m = mlp();
    const dir = path.join(TMP, 'small');
    await m.save(`file://${dir}`);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const bin = fs.readFileSync(path.join(dir, json.weightsManifest[0].paths[0]));
    const t = await tfl.loadLayersModel(
      tf.io.fromMemory({
        ...json,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      }),
    );
    const x = X();
    const ours = m.predict(x) as sg.Tensor;
    const theirs = t.predict(tf.tensor(x.dataSync(), [6, 4])) as tf.Tensor;
    expectClose(ours.dataSync(), theirs.dataSync() as Float32Array, 1e-5, 1e-6);
    sg.dispose([x, ours]);
    theirs.dispose();
    t.dispose();
    m.dispose();
  });
});

describe('http(s):// through fetch', () => {
  checkNoLeaks();
  let server: http.Server;
  let base = '';
  const seen: { url: string; auth?: string }[] = [];
  let posted: { type: string; body: Buffer } | undefined;
  beforeAll(async () => {
    const m = mlp(300);
    await m.save(`file://${path.join(TMP, 'served', 'model')}`);
    m.dispose();
    // The same shards also under /cdn/ (for weightPathPrefix).
    fs.mkdirSync(path.join(TMP, 'served', 'cdn'), { recursive: true });
    for (const f of fs.readdirSync(path.join(TMP, 'served', 'model')))
      fs.copyFileSync(path.join(TMP, 'served', 'model', f), path.join(TMP, 'served', 'cdn', f));
    server = http.createServer((req, res) => {
      seen.push({ url: req.url!, auth: req.headers.authorization });
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          posted = { type: String(req.headers['content-type']), body: Buffer.concat(chunks) };
          res.writeHead(200).end('ok');
        });
        return;
      }
      const file = path.join(TMP, 'served', decodeURIComponent(req.url!.split('?')[0]));
      if (!file.startsWith(path.join(TMP, 'served')) || !fs.existsSync(file)) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200).end(fs.readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('loads model.json and its shards relative to it, with requestInit and progress', async () => {
    const progress: number[] = [];
    seen.length = 0;
    const m = await sg.loadLayersModel(`${base}/model/model.json`, {
      requestInit: { headers: { Authorization: 'Bearer t0k' } },
      onProgress: (f) => progress.push(f),
    });
    const ref = await sg.loadLayersModel(`file://${path.join(TMP, 'served', 'model')}`);
    expect(values(m)).toEqual(values(ref));
    expect(seen.map((s) => s.url)).toEqual(['/model/model.json', '/model/group1-shard1of1.bin']);
    expect(seen.every((s) => s.auth === 'Bearer t0k')).toBe(true);
    expect(progress[progress.length - 1]).toBe(1);
    m.dispose();
    ref.dispose();
  });

  it('save POSTs model.json and model.weights.bin as multipart form data (tfjs layout)', async () => {
    const m = mlp();
    const res = await m.save(`${base}/upload`);
    expect(res.responses?.[0].status).toBe(200);
    const form = await new Response(posted!.body, { headers: { 'content-type': posted!.type } }).formData();
    const json = JSON.parse(await (form.get('model.json') as File).text());
    expect(json.weightsManifest[0].paths).toEqual(['./model.weights.bin']);
    const bin = await (form.get('model.weights.bin') as File).arrayBuffer();
    const back = await sg.loadLayersModel(
      sg.io.fromMemory({ ...json, weightSpecs: json.weightsManifest[0].weights, weightData: bin }),
    );
    expect(values(back)).toEqual(values(m));
    back.dispose();
    m.dispose();
  });

  it('weightPathPrefix fetches the shards from elsewhere; a 404 names the URL', async () => {
    seen.length = 0;
    const m = await sg.loadLayersModel(sg.io.http(`${base}/model/model.json`, { weightPathPrefix: `${base}/cdn/` }));
    expect(seen.map((s) => s.url)).toEqual(['/model/model.json', '/cdn/group1-shard1of1.bin']);
    m.dispose();
    await expect(sg.loadLayersModel(`${base}/nothing/model.json`)).rejects.toThrow(/nothing\/model.json: HTTP 404/);
    await expect(
      sg.loadLayersModel(sg.io.http(`${base}/model/model.json`, { weightPathPrefix: `${base}/gone/` })),
    ).rejects.toThrow(/weight file '.*gone\/group1-shard1of1.bin' of group 0: HTTP 404/);
  });
});

describe('browser handlers (what Node can run)', () => {
  checkNoLeaks();

  /** A Storage stand-in with a quota, as window.localStorage. */
  class FakeStorage {
    map = new Map<string, string>();
    constructor(private quota = Infinity) {}
    getItem(k: string) {
      return this.map.get(k) ?? null;
    }
    setItem(k: string, v: string) {
      const used = [...this.map.values()].reduce((n, s) => n + s.length, 0);
      if (used + v.length > this.quota) throw new Error('QuotaExceededError');
      this.map.set(k, v);
    }
    removeItem(k: string) {
      this.map.delete(k);
    }
  }

  it("localstorage://: tfjs' keys, a round trip, and tfjs-layers reads what we stored", async () => {
    const store = new FakeStorage();
    const g = globalThis as { localStorage?: unknown };
    g.localStorage = store;
    try {
      const m = mlp();
      m.userDefinedMetadata = { classes: ['a', 'b', 'c'] };
      await m.save('localstorage://my-model');
      expect([...store.map.keys()].sort()).toEqual(
        ['info', 'model_metadata', 'model_topology', 'weight_data', 'weight_specs'].map(
          (k) => `tensorflowjs_models/my-model/${k}`,
        ),
      );
      const back = await sg.loadLayersModel('localstorage://my-model');
      expect(values(back)).toEqual(values(m));
      expect(back.userDefinedMetadata).toEqual({ classes: ['a', 'b', 'c'] });
      // tfjs' own localStorage handler needs a window; read the same keys the way it does.
      const specs = JSON.parse(store.getItem('tensorflowjs_models/my-model/weight_specs')!);
      const data = Buffer.from(store.getItem('tensorflowjs_models/my-model/weight_data')!, 'base64');
      const t = await tfl.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: JSON.parse(store.getItem('tensorflowjs_models/my-model/model_topology')!),
          weightSpecs: specs,
          weightData: new Uint8Array(data).buffer,
        }),
      );
      expect(t.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(values(m));
      t.dispose();
      back.dispose();
      m.dispose();
      // Over quota: a clear error, and nothing left behind.
      const small = new FakeStorage(100);
      const m2 = mlp();
      await expect(m2.save(sg.io.browserLocalStorage('x', small))).rejects.toThrow(
        /localstorage:\/\/x: saving failed, probably over the storage quota/,
      );
      expect(small.map.size).toBe(0);
      m2.dispose();
      await expect(sg.loadLayersModel(sg.io.browserLocalStorage('absent', store))).rejects.toThrow(
        /localstorage:\/\/absent: no saved model here/,
      );
    } finally {
      delete g.localStorage;
    }
  });

  it('io.browserFiles: model.json and weight Files (Node 20 File), matched by name', async () => {
    const m = mlp();
    const sink = sg.io.memorySink();
    await m.save(sink);
    const a = sink.artifacts!;
    const json = {
      modelTopology: a.modelTopology,
      format: a.format,
      weightsManifest: [{ paths: ['./w.bin'], weights: a.weightSpecs }],
    };
    const files = [new File([JSON.stringify(json)], 'model.json'), new File([a.weightData as ArrayBuffer], 'w.bin')];
    const back = await sg.loadLayersModel(sg.io.browserFiles(files));
    expect(values(back)).toEqual(values(m));
    back.dispose();
    await expect(sg.loadLayersModel(sg.io.browserFiles([files[0]]))).rejects.toThrow(
      /model.json: weight file 'w.bin' \(group 0\) was not among the files given/,
    );
    const cut = new File([(a.weightData as ArrayBuffer).slice(0, 40)], 'w.bin');
    await expect(sg.loadLayersModel(sg.io.browserFiles([files[0], cut]))).rejects.toThrow(
      /model.json: weight group 0 files hold 40 bytes but the manifest needs/,
    );
    m.dispose();
  });

  it('downloads:// and indexeddb:// say what they need outside a browser', async () => {
    const m = mlp();
    await expect(m.save('downloads://m')).rejects.toThrow(/downloads:\/\/m: downloads need a browser document/);
    await expect(m.save('indexeddb://m')).rejects.toThrow(/indexeddb:\/\/m: this environment has no IndexedDB/);
    m.dispose();
  });
});

describe('weights: dtypes, quantization and names as tfjs writes them', () => {
  checkNoLeaks();

  it('uint8, uint16 and float16 weights dequantize as tfjs-core decodes them', async () => {
    const m = mlp();
    const art = await artifactsOf(m);
    const specs = art.weightSpecs!;
    // Quantize each weight in turn with tfjs' schemes, then decode with tfjs-core and with us.
    const raw = new Float32Array(art.weightData as ArrayBuffer);
    const parts: Uint8Array[] = [];
    const qspecs: sg.io.WeightsManifestEntry[] = [];
    let off = 0;
    specs.forEach((s, i) => {
      const n = s.shape.reduce((a, b) => a * b, 1);
      const v = raw.subarray(off, off + n);
      off += n;
      const kind = (['uint8', 'uint16', 'float16'] as const)[i % 3];
      if (kind === 'float16') {
        const h = new Uint16Array(n);
        for (let j = 0; j < n; j++) h[j] = toHalf(v[j]);
        parts.push(new Uint8Array(h.buffer));
        qspecs.push({ ...s, quantization: { dtype: 'float16' } });
      } else {
        const min = Math.min(...v);
        const max = Math.max(...v);
        const levels = kind === 'uint8' ? 255 : 65535;
        const scale = (max - min) / levels || 1;
        const q = kind === 'uint8' ? new Uint8Array(n) : new Uint16Array(n);
        for (let j = 0; j < n; j++) q[j] = Math.round((v[j] - min) / scale);
        parts.push(new Uint8Array(q.buffer));
        qspecs.push({ ...s, quantization: { dtype: kind, min, scale } });
      }
    });
    const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((o, p) => (data.set(p, o), o + p.length), 0);
    const theirs = tf.io.decodeWeights(data.buffer, qspecs as tf.io.WeightsManifestEntry[]);
    const back = await sg.loadLayersModel(sg.io.fromMemory({ ...art, weightSpecs: qspecs, weightData: data.buffer }));
    const ours = back.getWeights();
    qspecs.forEach((s, i) => expect(Array.from(ours[i].dataSync())).toEqual(Array.from(theirs[s.name].dataSync())));
    sg.dispose(ours);
    tf.dispose(Object.values(theirs));
    back.dispose();
    m.dispose();
  });

  it('int32 and bool weights, and shards given as a list of buffers', () => {
    const d = sg.io.decodeWeights(
      [new Int32Array([7, -2]).buffer, new Uint8Array([1, 0, 2]).buffer],
      [
        { name: 'a', shape: [2], dtype: 'int32' },
        { name: 'b', shape: [3], dtype: 'bool' },
      ],
      'test',
    );
    expect(Array.from(d[0].values)).toEqual([7, -2]);
    expect(Array.from(d[1].values)).toEqual([1, 0, 1]);
    const enc = sg.io.encodeWeights(d.map((w) => ({ ...w })));
    expect(Array.from(new Uint8Array(enc.data))).toEqual([7, 0, 0, 0, 254, 255, 255, 255, 1, 0, 1]);
  });

  it("Keras 3 style 'vars/<i>' names and TF 2.2 cell names load as tfjs-layers accepts them", async () => {
    const m = sg.sequential({
      layers: [
        sg.layers.lstm({ units: 3, inputShape: [4, 2], recurrentInitializer: 'glorotUniform' }),
        sg.layers.dense({ units: 2 }),
      ],
    });
    const art = await artifactsOf(m);
    const [lstm, dense] = [m.layers[1].name, m.layers[2].name];
    const vars = art.weightSpecs!.map((s, i) => ({
      ...s,
      name: i < 3 ? `${lstm}/vars/${i}` : `_${dense}/vars/${i - 3}`,
    }));
    const a = await sg.loadLayersModel(sg.io.fromMemory({ ...art, weightSpecs: vars }));
    expect(values(a)).toEqual(values(m));
    const cell = art.weightSpecs!.map((s) =>
      s.name.startsWith(lstm) ? { ...s, name: s.name.replace(`${lstm}/`, `${lstm}/lstm_cell/`) } : s,
    );
    const b = await sg.loadLayersModel(sg.io.fromMemory({ ...art, weightSpecs: cell }));
    expect(values(b)).toEqual(values(m));
    // tfjs-layers accepts 'layer/<i>' (its parseWeights does not strip 'vars') and cell names.
    const plain = art.weightSpecs!.map((s, i) => ({ ...s, name: i < 3 ? `${lstm}/${i}` : `${dense}/${i - 3}` }));
    const c = await sg.loadLayersModel(sg.io.fromMemory({ ...art, weightSpecs: plain }));
    expect(values(c)).toEqual(values(m));
    c.dispose();
    for (const specs of [plain, cell]) {
      const t = await tfl.loadLayersModel(
        tf.io.fromMemory({ ...(art as tf.io.ModelArtifacts), weightSpecs: specs as tf.io.WeightsManifestEntry[] }),
      );
      expect(t.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(values(m));
      t.dispose();
    }
    a.dispose();
    b.dispose();
    m.dispose();
  });

  it('strict: false skips extra weights and keeps missing ones; trainableOnly saves the trainable', async () => {
    const m = sg.sequential({
      layers: [sg.layers.dense({ units: 3, inputShape: [2] }), sg.layers.batchNormalization()],
    });
    const art = await artifactsOf(m, { trainableOnly: true });
    expect(art.weightSpecs!.map((s) => s.name.split('/')[1])).toEqual(['kernel', 'bias', 'gamma', 'beta']);
    await expect(sg.loadLayersModel(sg.io.fromMemory(art))).rejects.toThrow(
      /2 of 6 weights are not in the file: .*moving_mean, .*moving_variance; pass strict: false/,
    );
    const loose = await sg.loadLayersModel(sg.io.fromMemory(art), { strict: false });
    expect(values(loose).slice(0, 4)).toEqual(values(m).slice(0, 4));
    loose.dispose();
    m.dispose();
  });
});

describe('serialization registry', () => {
  checkNoLeaks();

  class Scale extends sg.Layer {
    static override className = 'ScaleByFactor';
    readonly factor: number;
    constructor(args: sg.LayerArgs & { factor?: number } = {}) {
      super(args);
      this.factor = args.factor ?? 2;
    }
    call(x: sg.Tensor | sg.Tensor[]): sg.Tensor {
      return sg.mul(Array.isArray(x) ? x[0] : x, this.factor);
    }
    override getConfig(): Record<string, unknown> {
      return { ...super.getConfig(), factor: this.factor };
    }
  }

  it('an unknown class names itself and says how to register it; registered, it round-trips', async () => {
    const m = sg.sequential({ layers: [sg.layers.dense({ units: 2, inputShape: [3] }), new Scale({ factor: 3 })] });
    const art = await artifactsOf(m);
    expect(sg.serialization.getRegisteredClass('ScaleByFactor')).toBeUndefined();
    await expect(sg.loadLayersModel(sg.io.fromMemory(art))).rejects.toThrow(
      /unknown layer class 'ScaleByFactor'.*sg\.serialization\.registerClass\(ScaleByFactor\).*static className = 'ScaleByFactor'/,
    );
    sg.serialization.registerClass(Scale);
    const back = await sg.loadLayersModel(sg.io.fromMemory(art));
    expect((back.layers[2] as Scale).factor).toBe(3);
    const x = sg.ones([1, 3]);
    const [p, q] = [m.predict(x) as sg.Tensor, back.predict(x) as sg.Tensor];
    expect(Array.from(q.dataSync())).toEqual(Array.from(p.dataSync()));
    sg.dispose([x, p, q]);
    back.dispose();
    m.dispose();
  });

  it('every built-in class is registered; getConfig -> constructor -> getConfig is stable', () => {
    for (const name of ['Dense', 'LSTM', 'Bidirectional', 'Conv2D', 'BatchNormalization', 'Embedding', 'PReLU']) {
      expect(sg.serialization.getRegisteredClass(name)?.className).toBe(name);
    }
    const m = sg.sequential({
      layers: [
        sg.layers.dense({
          units: 2,
          inputShape: [3],
          kernelInitializer: sg.initializers.heNormal({ seed: 3 }),
          biasRegularizer: sg.regularizers.l1l2({ l1: 0.1, l2: 0.2 }),
          kernelConstraint: sg.constraints.unitNorm({ axis: 0 }),
        }),
      ],
    });
    const spec = sg.serialization.serializeLayer(m.layers[1]);
    const copy = sg.serialization.deserializeLayer(spec);
    expect(sg.serialization.serializeLayer(copy).config).toEqual({ ...spec.config, name: spec.config.name });
    const saved = sg.serialization.toSavedConfig(spec) as { config: Record<string, unknown> };
    expect(saved.config.kernel_initializer).toEqual({ class_name: 'HeNormal', config: { seed: 3 } });
    expect(saved.config.bias_regularizer).toEqual({ class_name: 'L1L2', config: { l1: 0.1, l2: 0.2 } });
    expect(saved.config.kernel_constraint).toEqual({ class_name: 'UnitNorm', config: { axis: 0 } });
    copy.dispose();
    m.dispose();
  });

  it("tfjs' 'hard_sigmoid' (Keras 2: clip(0.2x + 0.5)) loads as that function, not Keras 3's", async () => {
    const t = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2], activation: 'hardSigmoid' })] });
    let art: tf.io.ModelArtifacts | undefined;
    await t.save(
      tf.io.withSaveHandler(
        async (a) => ((art = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }),
      ),
    );
    const m = await sg.loadLayersModel(sg.io.fromMemory(art as sg.io.ModelArtifacts));
    const x = [
      [2, -1],
      [0.3, 0.9],
    ];
    const xs = sg.tensor(x);
    const p = m.predict(xs) as sg.Tensor;
    const q = t.predict(tf.tensor(x)) as tf.Tensor;
    expectClose(p.dataSync(), q.dataSync() as Float32Array, 1e-6, 1e-7);
    sg.dispose([xs, p]);
    q.dispose();
    t.dispose();
    m.dispose();
    // A tfjs LSTM with its default recurrent activation (Keras 2's hard sigmoid) loads and predicts as tfjs.
    const r = tfl.sequential({
      layers: [tfl.layers.lstm({ units: 2, inputShape: [3, 2], recurrentInitializer: 'glorotUniform' })],
    });
    await r.save(
      tf.io.withSaveHandler(
        async (a) => ((art = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }),
      ),
    );
    const lstm = await sg.loadLayersModel(sg.io.fromMemory(art as sg.io.ModelArtifacts));
    const seq = Array.from({ length: 12 }, (_, i) => Math.sin(i * 1.1) * 3);
    const ls = sg.tensor(seq, [2, 3, 2]);
    const lp = lstm.predict(ls) as sg.Tensor;
    const lq = r.predict(tf.tensor(seq, [2, 3, 2])) as tf.Tensor;
    expectClose(lp.dataSync(), lq.dataSync() as Float32Array, 1e-5, 1e-6);
    sg.dispose([ls, lp]);
    lq.dispose();
    lstm.dispose();
    r.dispose();
  });
});

/** float32 -> float16 bits (round to nearest even), for building quantized fixtures. */
function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >> (1 - exp);
    return sign | ((mant + 0x1000) >> 13);
  }
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | ((mant + 0x1000) >> 13);
}
