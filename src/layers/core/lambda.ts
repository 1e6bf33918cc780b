// Lambda: a TypeScript function on tensors as a layer (Keras' Lambda). Its output shape is given
// (a list or a function of the input shape) or inferred by running the function on small dummies.
// Saved models name the function by a registered name only: files are data, never code.
import type { DataType } from '../../engine/dtype.js';
import { ENGINE } from '../../engine/engine.js';
import { Tensor } from '../../engine/tensor.js';
import { Layer, type CallArgs, type LayerArgs } from '../layer.js';
import { shapeStr, type SymbolicShape } from '../symbolic.js';

/**
 * The function a Lambda layer runs: the input (a Tensor, or a list for a list of inputs), then the
 * call arguments merged with `arguments`. The input is typed loosely so that `(x) => sg.mul(x, 2)`
 * and `([a, b]) => sg.add(a, b)` both read as in Keras.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LambdaFn = (inputs: any, args: CallArgs & Record<string, unknown>) => Tensor | Tensor[];

type ShapeOrShapes = SymbolicShape | SymbolicShape[];

export interface LambdaArgs extends LayerArgs {
  /** The function (Keras' `function`; `function` is accepted too). */
  fn?: LambdaFn;
  /** Keras' spelling of `fn`; in a saved config, the registered name of the function. */
  function?: LambdaFn | { className?: string; config?: unknown; registeredName?: unknown };
  /**
   * The output shape without the batch dimension (a list, or a list of lists for several
   * outputs), or a function from the full input shape(s) to the full output shape(s). Default:
   * inferred by running the function (see `computeOutputShape`).
   */
  outputShape?: ShapeOrShapes | ((inputShape: ShapeOrShapes) => ShapeOrShapes);
  /** The output mask: a function `(inputs, mask) => mask` (default: none). */
  mask?: (inputs: Tensor | Tensor[], mask: Tensor | (Tensor | null)[] | null | undefined) => Tensor | null;
  /** Extra keyword arguments passed to the function on every call. */
  arguments?: Record<string, unknown>;
  /**
   * The name the function is registered under (`registerLambda`): makes the layer savable. Given
   * with `fn`, registers it; given alone, looks it up.
   */
  registeredName?: string;
}

const LAMBDAS = new Map<string, LambdaFn>();

/**
 * Registers a function for Lambda layers under `name`, so that a saved model naming it can be
 * saved and loaded (Keras' `register_keras_serializable` for functions). Register it before loading.
 * @example
 * sg.layers.registerLambda('myapp>double', (x) => sg.mul(x as sg.Tensor, 2));
 * const l = sg.layers.lambda({ registeredName: 'myapp>double' });
 */
export function registerLambda(name: string, fn: LambdaFn): void {
  if (typeof name !== 'string' || name === '') throw new Error('registerLambda: the name must be a non-empty string');
  if (typeof fn !== 'function') throw new Error(`registerLambda: '${name}' must be given a function but got ${typeof fn}`);
  const prev = LAMBDAS.get(name);
  if (prev && prev !== fn) throw new Error(`registerLambda: another function is already registered as '${name}'`);
  LAMBDAS.set(name, fn);
}

/** The function registered as `name`, or undefined. */
export function getRegisteredLambda(name: string): LambdaFn | undefined {
  return LAMBDAS.get(name);
}

function lookup(name: string): LambdaFn {
  const fn = LAMBDAS.get(name);
  if (!fn) {
    throw new Error(
      `Lambda: no function is registered as '${name}'; call sg.layers.registerLambda('${name}', fn) before building or loading the layer (saved files name functions, they never contain code)`,
    );
  }
  return fn;
}

function isShapeList(s: ShapeOrShapes): s is SymbolicShape[] {
  return s.length > 0 && s.every((d) => Array.isArray(d));
}

/**
 * A layer that runs a TypeScript function, for quick operations without weights (Keras' Lambda).
 * Write a Layer subclass for anything with weights or that must be saved without registering.
 * @example
 * const y = sg.layers.lambda({ fn: (x) => sg.mul(x as sg.Tensor, 2) }).apply(x);
 */
export class Lambda extends Layer {
  static override className = 'Lambda';
  /** The function the layer applies. */
  readonly fn: LambdaFn;
  /** The name it is registered (and saved) under, if any. */
  readonly registeredName?: string;
  /** The `outputShape` argument, if given. */
  readonly outputShapeArg?: LambdaArgs['outputShape'];
  /** The `mask` function, if given. */
  readonly maskFn?: LambdaArgs['mask'];
  /** Extra keyword arguments passed to the function (Keras' `arguments`). */
  readonly arguments: Record<string, unknown>;
  private inferredDtype: DataType = 'float32';

  constructor(args: LambdaArgs) {
    super(args);
    let fn: LambdaFn | undefined = args?.fn ?? (typeof args?.function === 'function' ? args.function : undefined);
    let name = args?.registeredName;
    // From a saved config: function = {className: 'function', config: name, registeredName}.
    const saved = args?.function;
    if (!fn && saved && typeof saved === 'object') {
      const n = saved.registeredName ?? saved.config;
      if (typeof n !== 'string') throw new Error(`Lambda: the saved 'function' has no registered name: ${JSON.stringify(saved)}`);
      name = n;
    }
    if (fn && name) registerLambda(name, fn);
    else if (!fn && name) fn = lookup(name);
    if (typeof fn !== 'function') throw new Error("Lambda: 'fn' must be a function (or give 'registeredName' of a registered one)");
    this.fn = fn;
    this.registeredName = name;
    this.outputShapeArg = args.outputShape;
    this.maskFn = args.mask;
    this.arguments = { ...(args.arguments ?? {}) };
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const out = this.fn(inputs, Object.assign({}, args, this.arguments));
    const outs = Array.isArray(out) ? out : [out];
    if (outs.length === 0 || outs.some((t) => !(t instanceof Tensor))) {
      throw new Error(`${this.name}: the Lambda function must return a Tensor or a list of Tensors`);
    }
    return out;
  }

  override computeMask(inputs: Tensor | Tensor[], mask?: Tensor | (Tensor | null)[] | null): Tensor | null {
    return this.maskFn ? this.maskFn(inputs, mask) : null;
  }

  /**
   * The output shape: from `outputShape` (a list gets the batch dimension of the first input in
   * front; a function gets the full shapes), else inferred.
   *
   * Why inference runs the function: there is no symbolic tracing here (Keras 3 traces `call` on
   * KerasTensors), so the function runs once, in inference mode, on dummies where every unknown
   * dimension is 2, and again with 3 where there are unknown dimensions; an output dimension that
   * differs between the two runs is unknown (null), one that does not is fixed. This is exact for
   * shape logic that does not depend on the values (reshapes with -1, slices, reductions,
   * broadcasting), costs two calls on tiny inputs when the graph is built, and draws random numbers
   * if the function does. Give `outputShape` where that is unwanted.
   */
  override computeOutputShape(inputShape: ShapeOrShapes): ShapeOrShapes {
    const given = this.outputShapeArg;
    if (typeof given === 'function') return given(inputShape);
    if (given) {
      const batch = (isShapeList(inputShape) ? inputShape[0] : inputShape)[0] ?? null;
      return isShapeList(given) ? given.map((s) => [batch, ...s]) : [batch, ...given];
    }
    return this.inferShape(inputShape);
  }

  private inferShape(inputShape: ShapeOrShapes): ShapeOrShapes {
    const shapes = isShapeList(inputShape) ? inputShape : [inputShape];
    const asList = isShapeList(inputShape);
    const syms = this.symbolicInputs.length === shapes.length ? this.symbolicInputs : null;
    const dtypes = shapes.map((_, i) => syms?.[i].dtype ?? 'float32');
    let isList = false;
    const run = (size: number): number[][] =>
      ENGINE.tidy(() => {
        const out = this.runOnDummy(
          shapes.map((s, i) => ({ shape: s, dtype: dtypes[i] })),
          asList,
          size,
        );
        isList = Array.isArray(out);
        const outs = Array.isArray(out) ? out : [out];
        this.inferredDtype = outs[0].dtype;
        return outs.map((o) => o.shape.slice());
      }) as unknown as number[][];
    let a: number[][];
    let b: number[][];
    try {
      a = run(2);
      b = shapes.some((s) => s.includes(null)) ? run(3) : a;
    } catch (e) {
      throw new Error(
        `${this.name}: could not infer the Lambda's output shape by running it on inputs of shape ${shapes.map(shapeStr).join(', ')} (${(e as Error).message}); give 'outputShape'`,
      );
    } finally {
      this.clearLosses();
    }
    const out = a.map((o, i) => {
      const other = b[i];
      if (other.length !== o.length) {
        throw new Error(`${this.name}: the Lambda's output rank depends on the input's unknown dimensions; give 'outputShape'`);
      }
      return o.map((d, k) => (d === other[k] ? d : null)) as SymbolicShape;
    });
    return isList ? out : out[0];
  }

  protected override outputDtype(): DataType {
    return this.inferredDtype;
  }

  /**
   * Keras' config, with the function by its registered name. Throws for a function that was not
   * registered: a TypeScript function cannot be written into a file.
   */
  override getConfig(): Record<string, unknown> {
    if (!this.registeredName) {
      throw new Error(
        `${this.name}: a Lambda layer can only be saved with a registered function (files are data, never code): ` +
          `register it with sg.layers.registerLambda('myapp>name', fn) and build the layer with registeredName: 'myapp>name', ` +
          `or write a Layer subclass with getConfig()`,
      );
    }
    if (typeof this.outputShapeArg === 'function' || this.maskFn) {
      throw new Error(
        `${this.name}: a Lambda layer with an outputShape function or a mask function cannot be saved; give outputShape as a list and no mask`,
      );
    }
    const c: Record<string, unknown> = {
      ...super.getConfig(),
      function: { module: 'simdgrad', className: 'function', config: this.registeredName, registeredName: this.registeredName },
      arguments: this.arguments,
    };
    if (this.outputShapeArg) c.outputShape = this.outputShapeArg;
    return c;
  }
}

/**
 * `sg.layers.lambda({ fn })`: a Lambda layer.
 * @example
 * const sampling = sg.layers.lambda({ fn: ([mu, logVar]) => sg.add(mu, sg.mul(sg.exp(sg.mul(logVar, 0.5)), sg.randomNormal(mu.shape))) });
 */
export function lambda(args: LambdaArgs): Lambda {
  return new Lambda(args);
}
