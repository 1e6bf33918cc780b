// Reverse-mode autodiff: grad, grads, valueAndGrad, valueAndGrads, variableGrads.
// The tape exists only inside these calls: each records the kernels run by `f` whose inputs
// depend on the requested sources, walks them backwards, and frees what it saved.
import { ENGINE, type Tape } from '../engine/engine.js';
import { fmt, shapesEqual } from '../engine/shape.js';
import { Tensor, type Variable } from '../engine/tensor.js';
import { add } from './binary.js';
import { ones, zeros } from './creation.js';

/** Runs `f` on a tape and returns its value and d(value)/d(source) for each source. */
function gradientsOf(op: string, f: () => Tensor, sources: Tensor[], dy?: Tensor): { value: Tensor; grads: Tensor[] } {
  if (!Array.isArray(sources)) {
    throw new Error(
      `${op}: expected an array of tensors to differentiate with respect to (${op}(f)([x, y])) but got ` +
        `${describeArg(sources)}; for a function of one tensor use ${op === 'grads' ? 'grad' : 'valueAndGrad'}(f)(x) or pass [x]`,
    );
  }
  for (const [i, s] of sources.entries()) {
    if (!(s instanceof Tensor))
      throw new Error(
        `${op}: element ${i} of the tensors to differentiate with respect to is ${describeArg(s)}, not a Tensor`,
      );
    ENGINE.assertLive(s, op);
    // Why an error: the tape carries float32 gradients only; a zero gradient for an int32 input
    // would be silently wrong (tfjs has no gradient there either). Cast the input first.
    if (s.dtype !== 'float32')
      throw new Error(
        `${op}: argument ${i} has dtype ${s.dtype} (shape ${fmt(s.shape)}); gradients exist only for float32 tensors (${s.dtype === 'complex64' ? 'take sg.real / sg.imag of a float32 source' : 'cast it first'})`,
      );
  }
  if (ENGINE.tape)
    throw new Error(`${op}: gradients of gradients are not supported (a gradient call is already running)`);
  const tape: Tape = { nodes: [], requires: new Set(sources.map((s) => s.id)) };
  try {
    return ENGINE.tidy(() => {
      ENGINE.tape = tape;
      let value: Tensor;
      try {
        value = f();
      } finally {
        ENGINE.tape = null;
      }
      if (!(value instanceof Tensor))
        throw new Error(`${op}: the function must return a Tensor but returned ${typeof value}`);
      if (value.dtype !== 'float32')
        throw new Error(`${op}: the function must return a float32 tensor but returned ${value.dtype}`);
      if (dy && !shapesEqual(dy.shape, value.shape)) {
        throw new Error(`${op}: dy has shape ${fmt(dy.shape)} but the function's value has shape ${fmt(value.shape)}`);
      }
      const grads = backward(tape, value, dy ?? ones(value.shape));
      // Each source gets its own tensor: a rule may hand one dy to two inputs (add), and a
      // caller disposing the gradients one by one must not meet a shared tensor twice.
      const seen = new Set<Tensor>();
      const out = sources.map((s) => {
        const g = grads.get(s.id) ?? zeros(s.shape);
        const own = seen.has(g) || g === dy ? g.clone() : g;
        seen.add(own);
        return own;
      });
      return { value, grads: out };
    });
  } finally {
    // Free what the tape saved, also when f or a gradient threw.
    for (const node of tape.nodes) {
      for (const t of [...node.saved.inputs, ...node.saved.outputs]) t?.dispose();
    }
  }
}

/** How an argument error shows a value: a Tensor by dtype and shape, others by type and value. */
function describeArg(x: unknown): string {
  if (x instanceof Tensor) return `a ${x.dtype} Tensor of shape ${fmt(x.shape)}`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  return x === null ? 'null' : `${typeof x} ${String(x)}`;
}

/** [x] for grad/valueAndGrad, which take one Tensor (an array is what grads takes). */
function oneSource(op: string, x: unknown): Tensor[] {
  if (!(x instanceof Tensor)) {
    throw new Error(
      `${op}: expected a Tensor to differentiate with respect to but got ${describeArg(x)}` +
        (Array.isArray(x) ? `; for several tensors use ${op}s(f)([x, y])` : ''),
    );
  }
  return [x];
}

/** Throws unless `f` is a function (the first call of grad/grads/valueAndGrad/valueAndGrads). */
function checkFn(op: string, f: unknown): void {
  if (typeof f !== 'function') throw new Error(`${op}: expected a function to differentiate but got ${describeArg(f)}`);
}

/** Walks the tape backwards from `y` with seed `dy`; returns the gradient of every tensor reached. */
function backward(tape: Tape, y: Tensor, dy: Tensor): Map<number, Tensor> {
  const grads = new Map<number, Tensor>([[y.id, dy]]);
  for (let n = tape.nodes.length - 1; n >= 0; n--) {
    const node = tape.nodes[n];
    if (!node.outputIds.some((id) => grads.has(id))) continue;
    const dys = node.outputIds.map((id) => grads.get(id)) as Tensor[];
    // An output no gradient reached gets zeros, made only when the rule reads that entry (the
    // LSTM kernel's gates reserve, [batch, T, 4*units], is never read: no 5 MB fill per call).
    for (let i = 0; i < dys.length; i++) {
      if (dys[i]) continue;
      let z: Tensor | undefined;
      Object.defineProperty(dys, i, { get: () => (z ??= zeros(node.outputInfos[i].shape)), enumerable: true });
    }
    // Spelt out, not {...node.saved, attrs, ...}: Node 20's V8 takes microseconds for a spread with more keys.
    const { inputs, outputs } = node.saved;
    const thunks = node.spec.grad(dys, { inputs, outputs, attrs: node.attrs, inputInfos: node.inputInfos });
    node.inputIds.forEach((id, i) => {
      const thunk = thunks[i];
      const dt = node.inputInfos[i].dtype; // complex64 carries complex gradients (re, im of dL/dz)
      if (!thunk || !tape.requires.has(id) || (dt !== 'float32' && dt !== 'complex64')) return;
      const g = thunk();
      if (!shapesEqual(g.shape, node.inputInfos[i].shape)) {
        throw new Error(
          `gradient of ${node.kernelName}: input ${i} has shape ${fmt(node.inputInfos[i].shape)} but its gradient has ${fmt(g.shape)}`,
        );
      }
      const prev = grads.get(id);
      grads.set(id, prev ? add(prev, g) : g);
    });
  }
  return grads;
}

/**
 * The gradient function of a function of one tensor.
 * @example
 * const g = sg.grad((x) => sg.square(x));
 * g(sg.tensor([3])).print(); // [6]
 * @category Gradients
 */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  checkFn('grad', f);
  return (x, dy) => {
    const { value, grads } = gradientsOf('grad', () => f(x), oneSource('grad', x), dy);
    if (value !== x) value.dispose();
    return grads[0];
  };
}

/**
 * The gradient function of a function of several tensors.
 * @example sg.grads((a, b) => sg.mul(a, b))([sg.scalar(2), sg.scalar(3)]); // [3, 2]
 * @category Gradients
 */
export function grads(f: (...args: Tensor[]) => Tensor): (args: Tensor[], dy?: Tensor) => Tensor[] {
  checkFn('grads', f);
  return (args, dy) => {
    const { value, grads: g } = gradientsOf('grads', () => f(...args), args, dy);
    if (!args.includes(value)) value.dispose();
    return g;
  };
}

/**
 * Like `grad`, also returning the function's value.
 * @example sg.valueAndGrad((x) => sg.square(x))(sg.scalar(3)).grad; // 6
 * @category Gradients
 */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  checkFn('valueAndGrad', f);
  return (x, dy) => {
    const { value, grads: g } = gradientsOf('valueAndGrad', () => f(x), oneSource('valueAndGrad', x), dy);
    return { value, grad: g[0] };
  };
}

/**
 * Like `grads`, also returning the function's value.
 * @example sg.valueAndGrads((a, b) => sg.mul(a, b))([sg.scalar(2), sg.scalar(3)]).value; // 6
 * @category Gradients
 */
export function valueAndGrads(
  f: (...args: Tensor[]) => Tensor,
): (args: Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  checkFn('valueAndGrads', f);
  return (args, dy) => gradientsOf('valueAndGrads', () => f(...args), args, dy);
}

/**
 * The value of `f` (a scalar) and its gradient with respect to each trainable variable
 * (or to `varList`), keyed by variable name.
 * @example
 * const w = sg.variable(sg.tensor([1, 2]), true, 'w');
 * const { value, grads } = sg.variableGrads(() => sg.sum(sg.square(w)));
 * grads.w.print(); // [2, 4]
 * @category Gradients
 */
export function variableGrads(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: Record<string, Tensor> } {
  const vars = varList ?? [...ENGINE.variables.values()].filter((v) => v.trainable);
  if (vars.length === 0)
    throw new Error('variableGrads: there are no trainable variables to differentiate with respect to');
  const { value, grads: g } = gradientsOf(
    'variableGrads',
    () => {
      const y = f();
      if (y instanceof Tensor && y.rank !== 0)
        throw new Error(`variableGrads: f must return a scalar but returned shape ${fmt(y.shape)}`);
      return y;
    },
    vars,
  );
  const out: Record<string, Tensor> = {};
  vars.forEach((v, i) => (out[v.name] = g[i]));
  return { value, grads: out };
}
