// profile() and time() (issue 13): tfjs' shapes of info objects (the same keys as tfjs-core
// 4.22 returns), and numbers that follow from the program: new tensors and bytes, one kernel
// entry per kernel call with shapes, peak bytes, kernel time within wall time. Kernel names are
// simdgrad's own (tfjs' BatchMatMul is MatMul here).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as sg from '../../src/index.js';
import { ENGINE } from '../../src/engine/engine.js';
import { BACKENDS, checkNoLeaks } from '../helpers.js';

describe.each(BACKENDS)('profile and time on %s', (backend) => {
  beforeAll(async () => {
    await sg.setBackend(backend);
    await tf.setBackend('cpu');
  });
  checkNoLeaks();

  it('profile: the keys tfjs returns, counts that follow from the program', async () => {
    const a = sg.ones([8, 16]);
    const b = sg.ones([16, 4]);
    const before = sg.memory();
    const runKernel = ENGINE.runKernel;
    const info = await sg.profile(() => {
      const t = sg.matMul(a, b); // kept: 8*4 floats
      sg.tidy(() => {
        sg.sum(sg.exp(t)); // two kernels whose outputs are freed
      });
      return t;
    });
    const ta = tf.ones([8, 16]);
    const tb = tf.ones([16, 4]);
    const tinfo = await tf.profile(() => tf.matMul(ta, tb));
    expect(Object.keys(info).sort()).toEqual(Object.keys(tinfo).sort());
    expect(Object.keys(info.kernels[0]).sort()).toEqual(Object.keys(tinfo.kernels[0]).sort());
    expect(info.newTensors).toBe(tinfo.newTensors); // 1: the result
    expect(info.newBytes).toBe(tinfo.newBytes); // 128
    expect(info.kernels.length).toBeGreaterThanOrEqual(3);
    const mm = info.kernels[0];
    expect(mm.name).toBe('MatMul');
    expect(mm.inputShapes).toEqual([
      [8, 16],
      [16, 4],
    ]);
    expect(mm.outputShapes).toEqual([[8, 4]]);
    expect(mm.bytesAdded).toBe(128);
    expect(mm.tensorsAdded).toBe(1);
    expect(mm.totalBytesSnapshot).toBe(before.numBytes + 128);
    expect(mm.kernelTimeMs).toBeGreaterThanOrEqual(0);
    expect(typeof mm.extraInfo).toBe('string');
    expect(info.peakBytes).toBeGreaterThanOrEqual(before.numBytes + 128 + 128); // t and exp(t) alive together
    expect(info.kernelNames[0]).toBe('MatMul');
    expect(new Set(info.kernelNames).size).toBe(info.kernelNames.length);
    expect((info.result as sg.Tensor).shape).toEqual([8, 4]);
    // the engine is back to normal afterwards
    expect(ENGINE.runKernel).toBe(runKernel);
    sg.dispose([a, b, info.result as sg.Tensor]);
    tf.dispose([ta, tb, tinfo.result as tf.Tensor]);
  });

  it('profile of an async function, and a throwing one restores the engine', async () => {
    const runKernel = ENGINE.runKernel;
    const info = await sg.profile(async () => {
      await Promise.resolve();
      return sg.tidy(() => sg.add(sg.ones([3]), 1));
    });
    expect(info.newTensors).toBe(1);
    (info.result as sg.Tensor).dispose();
    await expect(
      sg.profile(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(ENGINE.runKernel).toBe(runKernel);
    await expect(sg.profile(42 as never)).rejects.toThrow(/profile: f must be a function but is number/);
  });

  it('time: kernelMs and wallMs as tfjs, kernel time within wall time', async () => {
    const x = sg.ones([64, 64]);
    const t = await sg.time(() => {
      sg.matMul(x, x).dispose();
    });
    const tt = await tf.time(() => tf.tidy(() => tf.matMul(tf.ones([2, 2]), tf.ones([2, 2]))));
    expect(Object.keys(t).sort()).toEqual(Object.keys(tt).sort());
    expect(t.kernelMs).toBeGreaterThan(0);
    expect(t.wallMs).toBeGreaterThanOrEqual(t.kernelMs);
    x.dispose();
  });

  it('enableDebugMode warns about NaN naming the kernel and logs kernels; enableProdMode switches it off', () => {
    const warns: string[] = [];
    const logs: string[] = [];
    const [w, l] = [console.warn, console.log];
    console.warn = (m: string) => warns.push(String(m));
    console.log = (m: string) => logs.push(String(m));
    try {
      sg.enableDebugMode();
      expect(sg.env().getBool('DEBUG')).toBe(true);
      sg.tidy(() => {
        sg.log(sg.tensor([-1, 1]));
      });
      expect(warns).toEqual(["Found NaN in the result of 'Unary'"]);
      expect(logs.some((m) => m.startsWith('Unary\t') && m.includes('1D [2]'))).toBe(true);
      sg.enableProdMode();
      expect(sg.env().getBool('DEBUG')).toBe(false);
      const n = logs.length;
      sg.tidy(() => {
        sg.log(sg.tensor([-1]));
      });
      expect(logs.length).toBe(n);
      expect(warns.length).toBe(1);
      sg.deprecationWarn('old() is deprecated.');
      expect(warns[1]).toBe('old() is deprecated. You can disable deprecation warnings with tf.disableDeprecationWarnings().');
      sg.disableDeprecationWarnings();
      sg.deprecationWarn('old() is deprecated.');
      expect(warns.length).toBe(3); // the notice that they are disabled, then nothing
    } finally {
      console.warn = w;
      console.log = l;
      sg.env().set('PROD', false);
      sg.env().set('DEPRECATION_WARNINGS_ENABLED', true);
    }
  });
});
