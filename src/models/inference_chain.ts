// The inference chain: one-batch predict of a model whose graph is a straight line of Dense
// layers (activation linear, relu, relu6 or softmax) and layers that are the identity at
// inference (Dropout, GaussianNoise, GaussianDropout, AlphaDropout), run straight on the
// backend's kernels (issue 17: one-sample latency of the walk-through MLP).
//
// Why: through executeGraph a one-sample predict of the 784-256-128-10 MLP spent ~10 us outside
// the kernels (a 4-4-4-10 MLP of the same structure: 10.1 us CPU; its three fused.matMul and
// softmax as ops alone 6.6 us): per op the argument checks, runKernel, a Tensor and its
// scope entry, the scope's disposal; per layer the call bookkeeping; per Dropout a reshape.
// Here each Dense is one kernel call (FusedMatMul, the activation in its epilogue), a softmax one
// Softmax call, the identity layers nothing, and only the result becomes a tensor: the
// intermediate buffers are freed as soon as the next kernel has read them.
//
// The kernels and their attributes are the ones Dense.call reaches through fused.matMul and the
// softmax activation, so the result has the same bits as the layer-by-layer path (test/models/
// predict_chain.test.ts). The chain is found once per graph; each call checks what can change
// between calls (weights reassigned, their dtype, the backend, a gradient tape, sg.profile's
// wrapper of runKernel) and returns null where the general path must run (it also gives the
// errors for bad input). The intermediates are backend buffers, not tensors: sg.memory() counts
// them in peakBytes (ENGINE.notePeak: a step's input and output alive together), not in numBytes.
//
// predict over many batches: every step of a chain computes each row from that row alone, and on
// the CPU backends every kernel of it gives a row the same bits however the rows are cut (wasm:
// the GEMM's contract in assembly/gemm.ts, its one-row GEMV with the GEMM row's madd order,
// softmax row by row; js: every element its own loop), so there predict hands a chain
// `rowsPerCall` rows a call: at least batchSize, more where CHAIN_CALL_BYTES allows (the same bits
// as batch by batch). Batches of 32 rows packed the 784 x 256 first kernel again for every batch
// and ran 32 x 3 small products. Not on webgpu: its products pick a shader by size (32 x 32 or
// 64 x 64 tiles) and no row-cut invariance is promised across shaders.
import { Engine, ENGINE } from '../engine/engine.js';
import type { Tensor } from '../engine/tensor.js';
import type { Backend, KernelFunc, TensorInfo } from '../backends/backend.js';
import { Layer, type LayerWeight } from '../layers/layer.js';
import { Dense } from '../layers/core/dense.js';
import { AlphaDropout, Dropout, GaussianDropout, GaussianNoise } from '../layers/core/basic.js';
import { Act } from '../backends/wasm/codes.generated.js';
import type { Node, SymbolicTensor } from '../layers/symbolic.js';

/** One kernel call of the chain: a Dense layer's product, or a softmax. */
interface ChainStep {
  /** The Dense layer (its weights are read at each call: they may be reassigned), or null for a softmax. */
  dense: Dense | null;
  /** The GEMM epilogue's activation code (Dense steps). */
  act: number;
}

/** Epilogue codes of the activations Dense fuses into its product (see fused.matMul). */
const FUSED_ACT: Record<string, number> = { linear: Act.Linear, relu: Act.Relu, relu6: Act.Relu6 };

/**
 * Bytes one chain call may hold when predict joins batches: the call's input rows and, at the
 * widest step, the two buffers alive at once (a Dense's input and output, or a softmax's input
 * and output). The walk-through MLP: 784 + 784 + 256 floats, 7,296 B a row: 1,149 rows.
 */
export const CHAIN_CALL_BYTES = 8 * 1024 * 1024;

/** Backends whose kernels give a row the same bits however rows are cut (see the header). */
const ROW_CUT_INVARIANT = new Set(['wasm', 'js']);

/** Classes whose call is the identity at inference (their own call, exactly these classes). */
const IDENTITY_AT_INFERENCE: unknown[] = [Dropout.prototype, GaussianNoise.prototype, GaussianDropout.prototype, AlphaDropout.prototype];

/**
 * A straight chain of Dense and inference-identity layers from the model's one input to its one
 * output, as kernel calls. Made by `inferenceChain`; `run` gives the prediction of one batch, or
 * null where the general path must run. @internal
 */
export class InferenceChain {
  constructor(
    /** The kernel calls in order. */
    readonly steps: ChainStep[],
    /** The input's feature count (the first Dense's input width). */
    readonly inDim: number,
    /** Floats a row of a call holds at once at most: the input width plus the widest step's input and output. */
    readonly rowFloats: number,
  ) {}

  /**
   * Whether `run` can compute the model's output for `x` as the general path would: x rank 2,
   * float32, of the input width, on the current backend with every weight there in float32; no
   * gradient being recorded, runKernel not wrapped (sg.profile).
   */
  runnable(x: Tensor): boolean {
    if (x.rank !== 2 || x.shape[1] !== this.inDim || x.dtype !== 'float32' || x.isDisposed) return false;
    if (ENGINE.tape !== null || ENGINE.runKernel !== Engine.prototype.runKernel) return false;
    const b = ENGINE.backend;
    if (!b.kernels.get('FusedMatMul') || !b.kernels.get('Softmax') || !onBackend(x, b)) return false;
    const steps = this.steps;
    for (let i = 0; i < steps.length; i++) {
      const d = steps[i].dense;
      if (d !== null && (!weightOk(d.kernel, b) || (d.bias !== undefined && !weightOk(d.bias, b)))) return false;
    }
    return true;
  }

  /**
   * Rows predict gives one call: at least `batchSize`, more where CHAIN_CALL_BYTES allows on a
   * backend whose kernels are row-cut invariant (wasm, js); `batchSize` elsewhere.
   */
  rowsPerCall(batchSize: number): number {
    if (!ROW_CUT_INVARIANT.has(ENGINE.backend.name)) return batchSize;
    return Math.max(batchSize, Math.floor(CHAIN_CALL_BYTES / (4 * Math.max(1, this.rowFloats))));
  }

  /**
   * The model's output for input `x` (rank 2, float32), computed kernel by kernel, as a new
   * tensor in the current scope; null (nothing done) where the chain cannot run it as the
   * general path would (see `runnable`).
   */
  run(x: Tensor): Tensor | null {
    if (!this.runnable(x)) return null;
    const b = ENGINE.backend;
    const mm = b.kernels.get('FusedMatMul')!;
    const sm = b.kernels.get('Softmax')!;
    const steps = this.steps;
    let cur: TensorInfo = { dataId: handle(x), shape: x.shape, dtype: 'float32' };
    let owned = false; // whether `cur` is an intermediate buffer of ours
    try {
      for (let i = 0; i < steps.length; i++) {
        const d = steps[i].dense;
        let next: TensorInfo;
        if (d !== null) {
          const w = d.kernel!.variable;
          const ins: TensorInfo[] = [cur, { dataId: handle(w), shape: w.shape, dtype: 'float32' }];
          if (d.bias) ins.push({ dataId: handle(d.bias.variable), shape: d.bias.variable.shape, dtype: 'float32' });
          next = call(b, mm, ins, { transposeA: false, transposeB: false, act: steps[i].act, gradOp: null });
        } else {
          next = call(b, sm, [cur], { log: false });
        }
        // in peakBytes, as the layer path's tensors would be: this step's input (when ours) and output
        ENGINE.notePeak((owned ? floats(cur) : 0) * 4 + floats(next) * 4);
        if (owned) b.disposeData(cur.dataId);
        cur = next;
        owned = true;
      }
    } catch (e) {
      if (owned) b.disposeData(cur.dataId);
      throw e;
    }
    // An empty chain (identity layers only) returns the input itself: the caller clones it.
    return owned ? ENGINE.adoptOutput(cur) : x;
  }
}

/** One kernel call bracketed as runKernel brackets it (a failing kernel frees what it wrote). */
function call(b: Backend, k: KernelFunc, ins: TensorInfo[], attrs: Record<string, unknown>): TensorInfo {
  b.beginKernel();
  let r;
  try {
    r = k(ins, attrs, b) as TensorInfo;
  } catch (e) {
    b.endKernel(false);
    throw e;
  }
  b.endKernel(true);
  return r;
}

/** The values a buffer of this shape holds. */
function floats(t: TensorInfo): number {
  let n = 1;
  for (let k = 0; k < t.shape.length; k++) n *= t.shape[k];
  return n;
}

/** The backend handle of a tensor's buffer (the engine's Buffer wraps it). */
function handle(t: Tensor): object {
  return (t.dataId as unknown as { handle: object }).handle;
}

function onBackend(t: Tensor, b: Backend): boolean {
  return (t.dataId as unknown as { backend: Backend }).backend === b;
}

function weightOk(w: LayerWeight | undefined, b: Backend): boolean {
  if (!w) return false;
  const v = w.variable;
  return v.dtype === 'float32' && !v.isDisposed && onBackend(v, b);
}

/**
 * The chain of a graph, or null where it is not one: one input of rank 2, one output, every
 * node one layer with one input and one output following the previous one, each layer a Dense
 * (not a subclass; rank-2 input, activation linear/relu/relu6/softmax) or one of the
 * inference-identity classes, none with an activity regularizer or its own callWithHooks.
 * @internal
 */
export function inferenceChain(
  inputs: SymbolicTensor[],
  outputs: SymbolicTensor[],
  steps: { node: Node; ins: number[]; outs: number[] }[],
  inputSlots: number[],
  outputSlots: number[],
): InferenceChain | null {
  if (inputs.length !== 1 || outputs.length !== 1 || inputs[0].shape.length !== 2) return null;
  const inDim = inputs[0].shape[1];
  if (inDim === null || inputs[0].dtype !== 'float32') return null;
  let slot = inputSlots[0];
  const out: ChainStep[] = [];
  let width = inDim;
  let widest = 0; // the most floats a row holds at one step (its input and output)
  for (const { node, ins, outs } of steps) {
    if (ins.length !== 1 || outs.length !== 1 || ins[0] !== slot) return null;
    if (hasKwargs(node.kwargs)) return null;
    const layer = node.layer;
    if (layer.activityRegularizer || layer.callWithHooks !== Layer.prototype.callWithHooks) return null;
    // an instance whose call was replaced (layer.call = ...) runs its own code
    if (Object.prototype.hasOwnProperty.call(layer, 'call')) return null;
    const proto = Object.getPrototypeOf(layer);
    if (proto === Dense.prototype) {
      const d = layer as Dense;
      if (!d.kernel || d.kernel.shape.length !== 2 || d.kernel.shape[0] !== width) return null;
      // the built-in by identity: a custom function named 'softmax' or 'relu' runs through the layer
      const a = d.builtinActivation;
      if (a === undefined) return null;
      if (a === 'softmax') out.push({ dense: d, act: Act.Linear }, { dense: null, act: Act.Linear });
      else if (a in FUSED_ACT) out.push({ dense: d, act: FUSED_ACT[a] });
      else return null;
      const units = d.kernel.shape[1];
      widest = Math.max(widest, width + units, a === 'softmax' ? 2 * units : 0);
      width = units;
    } else if (!IDENTITY_AT_INFERENCE.includes(proto)) {
      return null;
    }
    slot = outs[0];
  }
  if (slot !== outputSlots[0]) return null;
  return new InferenceChain(out, inDim, inDim + widest);
}

/**
 * The chain of a graph plan (found once, kept on the plan; null: not a chain) where it can run `x`
 * now, else null. @internal
 */
export function runnableChain(
  p: {
    inputs: SymbolicTensor[];
    outputs: SymbolicTensor[];
    steps: { node: Node; ins: number[]; outs: number[] }[];
    inputSlots: number[];
    outputSlots: number[];
    chain?: InferenceChain | null;
  },
  x: Tensor,
): InferenceChain | null {
  if (p.chain === undefined) p.chain = inferenceChain(p.inputs, p.outputs, p.steps, p.inputSlots, p.outputSlots);
  return p.chain && p.chain.runnable(x) ? p.chain : null;
}

function hasKwargs(o: object): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return true;
  return false;
}
