// The Keras built-in callbacks driven by a fake CallbackModel: earlyStopping (with
// restoreBestWeights and no leaked tensors), reduceLROnPlateau, learningRateScheduler, csvLogger,
// terminateOnNaN, modelCheckpoint (path templates, saveBestOnly, saveFreq, saveWeights) and the
// JSON weights file round trip.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as sg from '../src/index.js';
import * as callbacks from '../src/callbacks/index.js';
import type { CallbackModel, Logs } from '../src/callbacks/index.js';
import { checkNoLeaks } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'simdgrad-cbb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A model holding two weights; every getWeights returns fresh copies. */
class FakeModel implements CallbackModel {
  stopTraining = false;
  optimizer = { learningRate: 0.1 };
  weights: sg.Tensor[];
  getCalls = 0;
  constructor(values: number[][] = [[0, 0], [0]]) {
    this.weights = values.map((v) => sg.tensor(v));
  }
  getWeights(): sg.Tensor[] {
    this.getCalls++;
    return this.weights.map((w) => sg.tensor(w.dataSync(), w.shape, w.dtype));
  }
  setWeights(ws: sg.Tensor[]): void {
    if (ws.length !== this.weights.length) throw new Error('count');
    this.weights.forEach((w) => w.dispose());
    this.weights = ws.map((w) => sg.tensor(w.dataSync(), w.shape, w.dtype));
  }
  /** Simulates training: the weights become [e, e], [10 e]. */
  step(e: number): void {
    const ws = [sg.tensor([e, e]), sg.tensor([10 * e])];
    this.setWeights(ws);
    sg.dispose(ws);
  }
  values(): number[][] {
    return this.weights.map((w) => Array.from(w.dataSync()));
  }
  dispose(): void {
    this.weights.forEach((w) => w.dispose());
  }
}

/** Runs epochs through a callback with the given val_loss (or other) values per epoch. */
async function fit(cb: callbacks.Callback, model: FakeModel, logsPerEpoch: Logs[]): Promise<number> {
  const list = new callbacks.CallbackList([cb]);
  list.setModel(model);
  list.setParams({ epochs: logsPerEpoch.length, steps: 1, samples: 1, verbose: 0, metrics: [], initialEpoch: 0 });
  await list.onTrainBegin();
  let e = 0;
  for (; e < logsPerEpoch.length; e++) {
    await list.onEpochBegin(e);
    model.step(e);
    await list.onBatchEnd(0, { loss: logsPerEpoch[e].loss ?? 1 });
    await list.onEpochEnd(e, { ...logsPerEpoch[e] });
    if (model.stopTraining) {
      e++;
      break;
    }
  }
  await list.onTrainEnd();
  return e;
}

const vals = (xs: number[], key = 'val_loss'): Logs[] => xs.map((v) => ({ loss: v, [key]: v }));

describe('earlyStopping', () => {
  checkNoLeaks();

  it('stops after `patience` epochs without improvement (Keras semantics)', async () => {
    const m = new FakeModel();
    const cb = callbacks.earlyStopping({ patience: 2 });
    const ran = await fit(cb, m, vals([1, 0.8, 0.9, 0.85, 0.7, 0.6]));
    expect(ran).toBe(4); // best at epoch 1; epochs 2 and 3 do not improve -> stop at 3
    expect(cb.stoppedEpoch).toBe(3);
    expect(cb.bestEpoch).toBe(1);
    expect(cb.best).toBe(0.8);
    m.dispose();
  });

  it('minDelta, mode max (auto for accuracy), baseline and startFromEpoch', async () => {
    const m = new FakeModel();
    const delta = callbacks.earlyStopping({ patience: 1, minDelta: 0.1 });
    expect(await fit(delta, m, vals([1, 0.95, 0.92, 0.5]))).toBe(2); // 0.95 is not 0.1 better: stop at epoch 1
    m.stopTraining = false;
    const acc = callbacks.earlyStopping({ monitor: 'val_accuracy', patience: 1 });
    expect(acc.mode).toBe('auto');
    expect(await fit(acc, m, vals([0.5, 0.6, 0.7, 0.65, 0.66], 'val_accuracy'))).toBe(4);
    m.stopTraining = false;
    const base = callbacks.earlyStopping({ patience: 2, baseline: 0.5 });
    // Never beating the baseline, improvements do not reset the wait: stops at epoch 2, not 3.
    expect(await fit(base, m, vals([1, 0.9, 0.9, 0.9, 0.9]))).toBe(3);
    m.stopTraining = false;
    expect(await fit(callbacks.earlyStopping({ patience: 2 }), m, vals([1, 0.9, 0.9, 0.9, 0.9]))).toBe(4);
    m.stopTraining = false;
    const warm = callbacks.earlyStopping({ patience: 0, startFromEpoch: 3 });
    expect(await fit(warm, m, vals([1, 2, 3, 4, 5]))).toBe(5); // first watched epoch is 3, then 4 stops
    expect(warm.stoppedEpoch).toBe(4);
    m.dispose();
  });

  it('restoreBestWeights puts back the best epoch weights and frees every copy', async () => {
    const m = new FakeModel();
    const before = sg.memory().numTensors;
    const cb = callbacks.earlyStopping({ patience: 2, restoreBestWeights: true });
    await fit(cb, m, vals([1, 0.5, 0.7, 0.8, 0.2]));
    expect(cb.stoppedEpoch).toBe(3);
    expect(m.values()).toEqual([[1, 1], [10]]); // epoch 1's weights
    expect(cb.bestWeights).toBeNull();
    expect(sg.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('restoreBestWeights also restores when training ends without stopping (Keras 3)', async () => {
    const m = new FakeModel();
    const cb = callbacks.earlyStopping({ patience: 5, restoreBestWeights: true });
    await fit(cb, m, vals([1, 0.3, 0.7]));
    expect(cb.stoppedEpoch).toBe(0);
    expect(m.values()).toEqual([[1, 1], [10]]);
    m.dispose();
  });

  it('warns once when the monitor is missing; rejects bad options', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const m = new FakeModel();
    await fit(callbacks.earlyStopping({ monitor: 'val_acc' }), m, vals([1, 2, 3]));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(
      /earlyStopping: conditioned on metric 'val_acc', which is not available; available metrics are: loss, val_loss/,
    );
    warn.mockRestore();
    expect(m.stopTraining).toBe(false);
    m.dispose();
    expect(() => callbacks.earlyStopping({ mode: 'maximum' as never })).toThrow(
      /earlyStopping: option 'mode' must be 'auto', 'min' or 'max'/,
    );
    expect(() => callbacks.earlyStopping({ patience: -1 })).toThrow(
      /earlyStopping: option 'patience' must be a number >= 0/,
    );
  });
});

describe('reduceLROnPlateau and learningRateScheduler', () => {
  checkNoLeaks();

  it('reduces the learning rate by factor after patience epochs, respecting cooldown and minLr', async () => {
    const m = new FakeModel();
    const lrs: number[] = [];
    const cb = callbacks.reduceLROnPlateau({ factor: 0.5, patience: 1, cooldown: 2, minLr: 0.02 });
    const spy = new callbacks.CallbackList([cb, { onEpochEnd: (_e, logs) => void lrs.push(logs!.lr) }]);
    spy.setModel(m);
    const series = [1, 1, 1, 1, 1, 1, 1];
    for (let e = 0; e < series.length; e++) spy.onEpochEnd(e, { val_loss: series[e] });
    // lr is logged before the update (Keras). Epoch 1: wait 1 -> 0.05, cooldown 2; epoch 2: cooling
    // (the counter drops first, so cooldown 2 skips one epoch); epoch 3 -> 0.025; epoch 5 -> minLr
    expect(lrs).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02]);
    expect(m.optimizer.learningRate).toBe(0.02);
    m.dispose();
  });

  it('improvements reset the wait; minDelta; auto mode is max for acc', () => {
    const m = new FakeModel();
    const cb = callbacks.reduceLROnPlateau({ patience: 2, minDelta: 0.01 });
    cb.setModel(m);
    cb.onTrainBegin();
    [1, 0.9, 0.8, 0.795, 0.79].forEach((v, e) => cb.onEpochEnd(e, { val_loss: v }));
    expect(m.optimizer.learningRate).toBeCloseTo(0.01); // 0.795 and 0.79 are within minDelta of 0.8
    const acc = callbacks.reduceLROnPlateau({ monitor: 'val_acc', patience: 1 });
    acc.setModel(m);
    [0.5, 0.6, 0.7].forEach((v, e) => acc.onEpochEnd(e, { val_acc: v }));
    expect(m.optimizer.learningRate).toBeCloseTo(0.01);
    expect(() => callbacks.reduceLROnPlateau({ factor: 1 })).toThrow(
      /reduceLROnPlateau: option 'factor' must be < 1 but got 1/,
    );
    m.dispose();
  });

  it('learningRateScheduler sets the rate each epoch from (epoch, lr) and logs lr', async () => {
    const m = new FakeModel();
    const seen: Array<[number, number]> = [];
    const cb = callbacks.learningRateScheduler((epoch, lr) => {
      seen.push([epoch, lr]);
      return epoch < 2 ? lr : lr * 0.5;
    });
    const logs: Logs[] = [];
    const list = new callbacks.CallbackList([cb, { onEpochEnd: (_e, l) => void logs.push({ ...l }) }]);
    list.setModel(m);
    for (let e = 0; e < 4; e++) {
      list.onEpochBegin(e);
      list.onEpochEnd(e, { loss: 1 });
    }
    expect(seen).toEqual([
      [0, 0.1],
      [1, 0.1],
      [2, 0.1],
      [3, 0.05],
    ]);
    expect(logs.map((l) => l.lr)).toEqual([0.1, 0.1, 0.05, 0.025]);
    const bad = callbacks.learningRateScheduler(() => NaN);
    bad.setModel(m);
    expect(() => bad.onEpochBegin(4)).toThrow(
      /learningRateScheduler: the schedule returned number NaN for epoch 4; it must return a finite number/,
    );
    m.dispose();
  });
});

describe('csvLogger and terminateOnNaN', () => {
  checkNoLeaks();

  it('writes a header of sorted keys and one row per epoch; append keeps the file', async () => {
    const m = new FakeModel();
    const file = join(dir, 'logs', 'training.csv');
    await fit(callbacks.csvLogger(file), m, [
      { loss: 0.5, accuracy: 0.75, val_loss: 0.25 },
      { loss: 0.25, accuracy: 1, val_loss: 1e-5 },
    ]);
    expect(readFileSync(file, 'utf8')).toBe('epoch,accuracy,loss,val_loss\n0,0.75,0.5,0.25\n1,1.0,0.25,1e-05\n');
    await fit(callbacks.csvLogger(file, { append: true, separator: ';' }), m, [
      { loss: 2, accuracy: NaN, val_loss: 3 },
    ]);
    expect(readFileSync(file, 'utf8').split('\n').slice(2)).toEqual(['1,1.0,0.25,1e-05', '0;nan;2.0;3.0', '']);
    await fit(callbacks.csvLogger(file), m, [{ loss: 1 }, { val_loss: 2 }]);
    expect(readFileSync(file, 'utf8')).toBe('epoch,loss\n0,1.0\n1,NA\n');
    m.dispose();
  });

  it('terminateOnNaN stops on a NaN or infinite batch loss', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const m = new FakeModel();
    const cb = callbacks.terminateOnNaN();
    cb.setModel(m);
    cb.onBatchEnd(0, { loss: 1 });
    expect(m.stopTraining).toBe(false);
    cb.onBatchEnd(7, { loss: Infinity });
    expect(m.stopTraining).toBe(true);
    expect(log).toHaveBeenCalledWith('Batch 7: Invalid loss, terminating training');
    log.mockRestore();
    m.dispose();
  });
});

describe('modelCheckpoint', () => {
  checkNoLeaks();

  it('formats Keras filepath templates', () => {
    const f = callbacks.formatFilepath;
    expect(f('weights.{epoch:02d}-{val_loss:.2f}.json', { epoch: 3, val_loss: 0.1234 })).toBe('weights.03-0.12.json');
    expect(f('{epoch}-{loss}-{acc:.1%}', { epoch: 12, loss: 0.5, acc: 0.9123 })).toBe('12-0.5-91.2%');
    expect(
      f('{loss:.3e}|{loss:g}|{n:,d}|{n:>8d}|{n:<6d}|{n:^7d}|{x:+.1f}|{{epoch}}', {
        loss: 0.00012345,
        n: 1234567,
        x: 2,
      }),
    ).toBe('1.234e-04|0.00012345|1,234,567| 1234567|1234567|1234567|+2.0|{epoch}');
    expect(f('{n:08.3f}|{n:*^9.1f}|{m:05d}', { n: -3.14159, m: 42 })).toBe('-003.142|**-3.1***|00042');
    expect(f('{loss}', { loss: 1 })).toBe('1.0');
    expect(() => f('w-{val_acc:.2f}', { epoch: 1, loss: 2 })).toThrow(
      /formatFilepath: the path template 'w-\{val_acc:.2f\}' names '\{val_acc\}', which is not available; available keys are: epoch, loss/,
    );
    expect(() => f('{loss:d}', { loss: 0.5 })).toThrow(/format code 'd' needs an integer but 'loss' is 0.5/);
  });

  it('saves every epoch with the formatted name and round-trips the JSON weights', async () => {
    const m = new FakeModel();
    const sub = join(dir, 'ckpt-all');
    const cb = callbacks.modelCheckpoint(join(sub, 'weights.{epoch:02d}-{val_loss:.2f}.json'));
    await fit(cb, m, vals([0.5, 0.25, 0.125]));
    expect(readdirSync(sub).sort()).toEqual(['weights.01-0.50.json', 'weights.02-0.25.json', 'weights.03-0.12.json']);
    const json = JSON.parse(readFileSync(join(sub, 'weights.02-0.25.json'), 'utf8'));
    expect(json.format).toBe('simdgrad-weights');
    expect(json.shapes).toEqual([[2], [1]]);
    expect(json.dtypes).toEqual(['float32', 'float32']);
    const loaded = await callbacks.loadWeightsFile(join(sub, 'weights.02-0.25.json'));
    expect(loaded.map((t) => Array.from(t.dataSync()))).toEqual([[1, 1], [10]]);
    sg.dispose(loaded);
    expect(cb.lastSaved).toBe(join(sub, 'weights.03-0.12.json'));
    m.dispose();
  });

  it('saveBestOnly saves only improvements (mode from the monitor) and skips a missing monitor', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const m = new FakeModel();
    const sub = join(dir, 'ckpt-best');
    const cb = callbacks.modelCheckpoint(join(sub, 'e{epoch}.json'), {
      monitor: 'val_accuracy',
      saveBestOnly: true,
      verbose: 1,
    });
    await fit(cb, m, vals([0.5, 0.7, 0.6, 0.8], 'val_accuracy'));
    expect(readdirSync(sub).sort()).toEqual(['e1.json', 'e2.json', 'e4.json']);
    expect(log.mock.calls.map((c) => c[0])).toContain('\nEpoch 3: val_accuracy did not improve from 0.70000');
    expect(log.mock.calls.map((c) => c[0])).toContain(
      `\nEpoch 4: val_accuracy improved from 0.70000 to 0.80000, saving model to ${join(sub, 'e4.json')}`,
    );
    log.mockRestore();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const none = callbacks.modelCheckpoint(join(dir, 'never', 'x.json'), { saveBestOnly: true });
    await fit(none, m, [{ loss: 1 }]);
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect(warn.mock.calls[0][0]).toMatch(
      /modelCheckpoint: can save the best model only with 'val_loss' available, skipping/,
    );
    warn.mockRestore();
    m.dispose();
  });

  it('uses model.saveWeights when present; saveFreq in batches adds {batch}', async () => {
    const m = new FakeModel();
    const paths: string[] = [];
    const withSave = Object.assign(m, { saveWeights: async (p: string) => void paths.push(p) });
    const cb = callbacks.modelCheckpoint(join(dir, 'b', 'w-{epoch}-{batch}.bin'), { saveFreq: 2 });
    const list = new callbacks.CallbackList([cb]);
    list.setModel(withSave);
    await list.onTrainBegin();
    for (let e = 0; e < 2; e++) {
      await list.onEpochBegin(e);
      for (let b = 0; b < 3; b++) await list.onBatchEnd(b, { loss: 1 });
      await list.onEpochEnd(e, { loss: 1 });
    }
    expect(paths.map((p) => p.slice(join(dir, 'b').length + 1))).toEqual(['w-1-2.bin', 'w-2-1.bin', 'w-2-3.bin']);
    expect(() => callbacks.modelCheckpoint('x', { saveFreq: 0 })).toThrow(
      /option 'saveFreq' must be 'epoch' or a positive integer/,
    );
    const noSave = callbacks.modelCheckpoint('x', { saveWeightsOnly: false });
    expect(() => noSave.setModel(new FakeModel([]))).toThrow(
      /saveWeightsOnly is false but the model has no save\(path\) method/,
    );
    m.dispose();
  });

  it('weights files: int32 round trip, names, and clear errors for bad files', async () => {
    const a = sg.tensor([
      [1.5, -2],
      [3, 4e-8],
    ]);
    const b = sg.tensor([7, -8], undefined, 'int32');
    const init = sg.tensor([0.25]);
    const v = sg.variable(init, true, 'kernel');
    const file = join(dir, 'w.json');
    await callbacks.saveWeightsFile(file, [a, b]);
    const back = await callbacks.loadWeightsFile(file);
    expect(back.map((t) => [t.shape, t.dtype, Array.from(t.dataSync())])).toEqual([
      [[2, 2], 'float32', Array.from(a.dataSync())],
      [[2], 'int32', [7, -8]],
    ]);
    expect(callbacks.encodeWeights([v]).names).toEqual(['kernel']);
    sg.dispose([a, b, v, init, ...back]);
    const bad = (o: unknown) => {
      writeFileSync(file, typeof o === 'string' ? o : JSON.stringify(o));
      return callbacks.loadWeightsFile(file);
    };
    await expect(bad('{')).rejects.toThrow(/loadWeightsFile: '.*w.json' is not valid JSON/);
    await expect(bad({ format: 'x' })).rejects.toThrow(/not a simdgrad weights file/);
    await expect(
      bad({ format: 'simdgrad-weights', version: 1, shapes: [[3]], dtypes: ['float32'], values: ['AAAAAA=='] }),
    ).rejects.toThrow(/weight 0 has shape \[3\] \(3 values\) but 4 bytes of data \(expected 12\)/);
    await expect(callbacks.loadWeightsFile(join(dir, 'missing.json'))).rejects.toThrow(/loadWeightsFile: cannot read/);
  });
});
