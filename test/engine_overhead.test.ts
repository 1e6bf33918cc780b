// The engine's per-op fast paths (issue 17: small-op overhead) keep their meaning: tidy's
// shortcuts for the common results (nothing, null, one tensor) free exactly what the general
// path frees; the wasm backend's same-shape Binary shortcut and its kept argument view give the
// js oracle's values, also on an unshared memory after it has grown (the view detaches there);
// sliceRows of all rows (predict's single batch) is a view, taped like slice.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { ENGINE } from '../src/engine/engine.js';
import { Tensor } from '../src/engine/tensor.js';
import { JsBackend } from '../src/backends/js/index.js';
import { WasmBackend, instantiateSync } from '../src/backends/wasm/index.js';
import { Binary } from '../src/backends/wasm/codes.generated.js';
import type { TensorInfo } from '../src/backends/backend.js';
import { sliceRows } from '../src/models/model.js';
import { checkNoLeaks } from './helpers.js';

describe('tidy fast paths', () => {
  checkNoLeaks();
  const live = (t: Tensor) => !t.isDisposed;

  it('frees everything for an undefined or null result, keeps only the returned tensor', () => {
    const made: Tensor[] = [];
    sg.tidy(() => {
      made.push(sg.add([1, 2], [3, 4]), sg.ones([3]));
    });
    expect(made.map(live)).toEqual([false, false]);
    sg.tidy(() => {
      made.push(sg.ones([2]));
      return null;
    });
    expect(live(made[2])).toBe(false);
    let inner!: Tensor;
    const r = sg.tidy(() => {
      inner = sg.mul([1, 2], 2);
      return sg.add(inner, 1);
    });
    expect(live(inner)).toBe(false);
    expect(Array.from(r.dataSync())).toEqual([3, 5]);
    r.dispose();
  });

  it('moves a returned tensor to the enclosing scope, which frees it in turn; kept tensors stay', () => {
    let mid!: Tensor;
    let kept!: Tensor;
    const outer = sg.tidy(() => {
      mid = sg.tidy(() => sg.ones([2]));
      kept = sg.tidy(() => sg.keep(sg.zeros([2])));
      expect(live(mid)).toBe(true);
      return sg.add(mid, 1);
    });
    expect(live(mid)).toBe(false); // freed by the outer scope it was handed to
    expect(live(kept)).toBe(true);
    expect(Array.from(outer.dataSync())).toEqual([2, 2]);
    sg.dispose([outer, kept]);
  });

  it('containers still take the general path', () => {
    const r = sg.tidy(() => {
      const a = sg.ones([1]);
      sg.zeros([1]);
      return { a, list: [sg.add(a, 1)], n: 3 };
    });
    expect(live(r.a) && live(r.list[0])).toBe(true);
    sg.dispose([r.a, r.list[0]]);
  });

  it('a throwing op inside a scoped op frees its intermediates and counts stay exact', () => {
    const before = sg.memory();
    expect(() => sg.tidy(() => sg.add(sg.ones([2]), sg.ones([3])))).toThrow(/add/);
    const after = sg.memory();
    expect([after.numTensors, after.numDataBuffers, after.numBytes]).toEqual([
      before.numTensors,
      before.numDataBuffers,
      before.numBytes,
    ]);
  });
});

describe('wasm Binary fast path and argument view', () => {
  const shapes: [number[], number[]][] = [
    [[5], [5]],
    [[2, 3], [2, 3]],
    [[1, 1], [1, 1]],
    [[2, 3], [3]],
    [[4, 1, 3], [1, 2, 1]],
    [[], [7]],
  ];

  function compare(wasm: WasmBackend): void {
    const js = new JsBackend();
    for (const [sa, sb] of shapes) {
      for (const op of [Binary.Add, Binary.Mul, Binary.Sub]) {
        const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
        const va = Float32Array.from({ length: size(sa) }, (_, i) => i * 0.5 - 1);
        const vb = Float32Array.from({ length: size(sb) }, (_, i) => 2 - i * 0.25);
        const run = (b: WasmBackend | JsBackend) => {
          const ia: TensorInfo = { dataId: b.write(va, va.length, 'float32'), shape: sa, dtype: 'float32' };
          const ib: TensorInfo = { dataId: b.write(vb, vb.length, 'float32'), shape: sb, dtype: 'float32' };
          const out = b.kernels.get('Binary')!([ia, ib], { op }, b) as TensorInfo;
          const v = Array.from(b.readSync(out.dataId));
          for (const id of [ia.dataId, ib.dataId, out.dataId]) b.disposeData(id);
          return { v, shape: out.shape };
        };
        expect(run(wasm)).toEqual(run(js));
      }
    }
  }

  it('matches the js oracle on the active (shared) memory', () => {
    compare(ENGINE.findBackend('wasm') as WasmBackend ?? new WasmBackend(instantiateSync()));
  });

  it('matches the js oracle on an unshared memory before and after it grows', () => {
    const wasm = new WasmBackend(instantiateSync({ shared: false }));
    compare(wasm);
    const bytes = wasm.wasm.memory.buffer.byteLength;
    const big = wasm.write(null, bytes / 2, 'float32'); // 2x the memory: it must grow (old buffer detaches)
    expect(wasm.wasm.memory.buffer.byteLength).toBeGreaterThan(bytes);
    compare(wasm);
    wasm.disposeData(big);
  });
});

describe('sliceRows of every row', () => {
  checkNoLeaks();
  it('shares the buffer (no copy) and carries the gradient like slice', () => {
    const x = sg.tensor([[1, 2], [3, 4]]);
    const bytes = sg.memory().numBytes;
    const all = sliceRows(x, 0, 2);
    expect(sg.memory().numBytes).toBe(bytes); // a view
    expect(all).not.toBe(x);
    expect(all.arraySync()).toEqual([[1, 2], [3, 4]]);
    const g = sg.grad((t: Tensor) => sg.sum(sg.mul(sliceRows(t, 0, 2), sliceRows(t, 0, 2))))(x);
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6, 8]);
    sg.dispose([x, all, g]);
  });
});
