// The engine's per-op fast paths (issue 17: small-op overhead) keep their meaning: tidy's
// shortcuts for the common results (nothing, null, one tensor) free exactly what the general
// path frees; the wasm backend's same-shape Binary shortcut and its kept argument view give the
// js oracle's values, also on an unshared memory after it has grown (the view detaches there);
// sliceRows of all rows (predict's single batch) is a view, taped like slice. The op-level
// shortcuts (same-shape binary ops and comparisons, fused.matMul without temporaries, the
// rank-2 GEMM call, the flat scope array) give what the general path and the js oracle give.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { ENGINE } from '../src/engine/engine.js';
import { Tensor } from '../src/engine/tensor.js';
import { JsBackend } from '../src/backends/js/index.js';
import { WasmBackend, instantiateSync } from '../src/backends/wasm/index.js';
import { Binary } from '../src/backends/wasm/codes.generated.js';
import type { TensorInfo } from '../src/backends/backend.js';
import { sliceRows } from '../src/models/model.js';
import { checkNoLeaks, withBackend } from './helpers.js';

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

describe('op fast paths match the general path and the js oracle', () => {
  checkNoLeaks();
  const vals = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + k) * 3);
  /** Runs `fn` on the active backend and on js; returns both results' values (all freed). */
  const both = async (fn: () => sg.Tensor) => {
    const run = () => {
      const t = fn();
      const r = { shape: t.shape, dtype: t.dtype, v: Array.from(t.dataSync()) };
      t.dispose();
      return r;
    };
    return { here: run(), js: await withBackend('js', run) };
  };

  it('same-shape binary ops and comparisons (float32 and int32) equal the js oracle and the broadcast path', async () => {
    const ops = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'squaredDifference'] as const;
    const cmps = ['greater', 'lessEqual', 'equal', 'notEqual'] as const;
    for (const dtype of ['float32', 'int32'] as const) {
      const mk = (k: number) =>
        dtype === 'float32' ? sg.tensor(vals(6, k), [2, 3]) : sg.tensor(Int32Array.from(vals(6, k), (v) => Math.round(v) || 1), [2, 3]);
      for (const name of [...ops, ...cmps]) {
        const f = sg[name] as (a: sg.Tensor, b: sg.Tensor) => sg.Tensor;
        const { here, js } = await both(() => sg.tidy(() => f(mk(1), mk(2))));
        expect(here, `${name} ${dtype}`).toEqual(js);
        // The general (broadcasting) path on the same values: b as [1, 2, 3] broadcast to [1, 2, 3].
        const general = sg.tidy(() => f(mk(1), sg.reshape(mk(2), [1, 2, 3])));
        expect(Array.from(general.dataSync()), `${name} ${dtype} general`).toEqual(here.v);
        general.dispose();
      }
    }
  });

  it('keeps the general path for mixed dtypes, numbers and bool, and its errors', () => {
    const f = sg.tensor([1.5, 2.5]);
    const i = sg.tensor(new Int32Array([1, 2]));
    const b = sg.tensor([true, false], undefined, 'bool');
    const mixed = sg.add(f, i);
    expect([mixed.dtype, Array.from(mixed.dataSync())]).toEqual(['float32', [2.5, 4.5]]);
    const bools = sg.add(b, b);
    expect([bools.dtype, Array.from(bools.dataSync())]).toEqual(['int32', [2, 0]]);
    const gone = sg.tensor([1, 2]);
    gone.dispose();
    expect(() => sg.add(gone, f)).toThrow(/^add: tensor \d+ with shape \[2\] is already disposed/);
    expect(() => sg.greater(f, gone)).toThrow(/^greater: tensor \d+ with shape \[2\] is already disposed/);
    expect(() => sg.tidy(() => sg.mul(f, sg.tensor([1, 2, 3])))).toThrow(/mul.*\[2\].*\[3\]/);
    sg.dispose([f, i, b, mixed, bools]);
  });

  it('fused.matMul without temporaries equals the general path (matMul + add + relu) bit for bit, and js', async () => {
    const cases: { m: number; k: number; n: number; tA?: boolean; tB?: boolean; act?: 'relu' | 'relu6' | 'linear' }[] = [
      { m: 1, k: 37, n: 19, act: 'relu' },
      { m: 5, k: 8, n: 3, tA: true, act: 'relu6' },
      { m: 6, k: 9, n: 10, tB: true },
      { m: 2, k: 3, n: 4, tA: true, tB: true, act: 'linear' },
    ];
    for (const c of cases) {
      const a = () => sg.tensor(vals(c.m * c.k, 1), c.tA ? [c.k, c.m] : [c.m, c.k]);
      const w = () => sg.tensor(vals(c.k * c.n, 2), c.tB ? [c.n, c.k] : [c.k, c.n]);
      const bias = () => sg.tensor(vals(c.n, 3));
      const fast = () =>
        sg.tidy(() => sg.fused.matMul({ a: a(), b: w(), bias: bias(), transposeA: c.tA, transposeB: c.tB, activation: c.act }));
      const general = () =>
        sg.tidy(() => {
          const y = sg.add(sg.matMul(a(), w(), c.tA, c.tB), bias());
          return c.act === 'relu' ? sg.relu(y) : c.act === 'relu6' ? sg.relu6(y) : y;
        });
      const f = await both(fast);
      const g = await both(general);
      expect(f.here, JSON.stringify(c)).toEqual(g.here);
      expect(f.here.shape).toEqual(f.js.shape);
      f.here.v.forEach((v, i) => expect(Math.abs(v - f.js.v[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
    }
  });

  it('fused.matMul still reports bad arguments (the general path) and frees what it made', () => {
    const a = sg.ones([2, 3]);
    const w = sg.ones([3, 4]);
    expect(() => sg.tidy(() => sg.fused.matMul({ a, b: sg.ones([4, 4]) }))).toThrow(/fused.matMul: inner dimensions/);
    expect(() => sg.tidy(() => sg.fused.matMul({ a, b: w, bias: sg.ones([5]) }))).toThrow(/fused.matMul: bias \[5\] does not broadcast/);
    expect(() => sg.fused.matMul({ a, b: w, activation: 'nope' as 'relu' })).toThrow(/unknown activation 'nope'/);
    const broadcastBias = sg.tidy(() => sg.fused.matMul({ a, b: w, bias: sg.tensor([[1], [2]]) })); // [2, 1]: the scoped path
    expect(broadcastBias.arraySync()).toEqual([[4, 4, 4, 4], [5, 5, 5, 5]]);
    sg.dispose([a, w, broadcastBias]);
  });

  it('the rank-2 matMul kernel call equals the batched one bit for bit', () => {
    const a = sg.tensor(vals(7 * 13, 4), [7, 13]);
    const b = sg.tensor(vals(13 * 5, 5), [13, 5]);
    const flat = sg.matMul(a, b);
    const batched = sg.tidy(() => sg.reshape(sg.matMul(sg.reshape(a, [1, 7, 13]), sg.reshape(b, [1, 13, 5])), [7, 5]));
    expect(Array.from(flat.dataSync())).toEqual(Array.from(batched.dataSync()));
    sg.dispose([a, b, flat, batched]);
  });
});

describe('the flat scope array', () => {
  checkNoLeaks();
  it('nested scopes hand results outward, free the rest, and survive a throw in the middle', () => {
    const before = sg.memory().numTensors;
    let innerKept!: sg.Tensor;
    const out = sg.tidy(() => {
      const x = sg.ones([3]);
      const pair = sg.tidy(() => {
        sg.zeros([2]); // freed here
        const deep = sg.tidy(() => [sg.add(x, 1), sg.add(x, 2)]);
        expect(() => sg.tidy(() => { sg.ones([4]); throw new Error('boom'); })).toThrow('boom');
        innerKept = sg.keep(sg.mul(x, 3));
        return { a: deep[0], b: deep[1] };
      });
      expect(sg.memory().numTensors).toBe(before + 4); // x, pair.a, pair.b, innerKept
      return sg.add(pair.a, pair.b);
    });
    expect(Array.from(out.dataSync())).toEqual([5, 5, 5]);
    expect(sg.memory().numTensors).toBe(before + 2); // out and the kept tensor
    sg.dispose([out, innerKept]);
  });
});

describe('wasm buffers are their own DataIds', () => {
  it('a freed buffer is refused and not counted; another backend\'s buffer is refused', () => {
    const wasm = new WasmBackend(instantiateSync());
    const other = new WasmBackend(instantiateSync());
    const id = wasm.write(new Float32Array([1, 2, 3]), 3, 'float32');
    expect(wasm.memoryInfo().buffers).toBe(1);
    expect(Array.from(wasm.readSync(id))).toEqual([1, 2, 3]);
    expect(() => other.readSync(id)).toThrow(/buffer not found/);
    wasm.disposeData(id);
    wasm.disposeData(id); // idempotent
    expect(wasm.memoryInfo().buffers).toBe(0);
    expect(wasm.numBytes()).toBe(0);
    expect(() => wasm.ptr(id)).toThrow(/buffer not found/);
  });
});
