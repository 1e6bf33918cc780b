// Embedding: integer ids -> dense vectors (a gather from a trainable table), with Keras'
// maskZero producing the mask that recurrent layers downstream honour.
import { fmt } from '../engine/shape.js';
import { ENGINE } from '../engine/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { notEqual } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { gather } from '../ops/gather.js';
import {
  Layer,
  type ConstraintArg,
  type InitializerArg,
  type LayerArgs,
  type LayerWeight,
  type RegularizerArg,
} from './layer.js';
import type { SymbolicShape } from './symbolic.js';
import { weightConfig } from './config_util.js';

/** Options of {@link Embedding} (Keras' `Embedding` arguments in camelCase). */
export interface EmbeddingArgs extends Omit<LayerArgs, 'inputDim'> {
  /**
   * Vocabulary size: ids must lie in [0, inputDim); an id outside throws before any kernel runs, except on
   * webgpu for ids that live only on the GPU (a batch fit sliced there), where the gather kernel flags it and
   * the next read (fit's end-of-step reads) throws `gather: index i is out of range [0, inputDim)`.
   */
  inputDim: number;
  /** Size of each embedding vector. */
  outputDim: number;
  /** Default randomUniform in [-0.05, 0.05] (Keras). */
  embeddingsInitializer?: InitializerArg;
  /** A penalty on the embedding matrix. */
  embeddingsRegularizer?: RegularizerArg;
  /** A constraint applied to the embedding matrix after each step. */
  embeddingsConstraint?: ConstraintArg;
  /** Id 0 is padding: the layer outputs a mask (id != 0) for the layers after it. */
  maskZero?: boolean;
  /** Length of the input sequences, when fixed (sets the input shape to [inputLength]). */
  inputLength?: number | number[];
}

/**
 * Turns integer ids [batch, ...] into vectors [batch, ..., outputDim].
 * @example
 * model.add(sg.layers.embedding({ inputDim: 10000, outputDim: 64, maskZero: true, inputLength: 80 }));
 */
export class Embedding extends Layer {
  static override className = 'Embedding';
  /** Vocabulary size. */
  readonly inputDim: number;
  /** Size of each embedding vector. */
  readonly outputDim: number;
  /** Whether id 0 is padding (the layer then outputs a mask). */
  readonly maskZero: boolean;
  override readonly supportsMasking = true;
  /** The embedding matrix [inputDim, outputDim], once built. */
  embeddings?: LayerWeight;

  constructor(private readonly args: EmbeddingArgs) {
    // Keras' Embedding uses input_dim for the vocabulary, not for the input shape as other layers do.
    const len = args?.inputLength;
    super({
      ...args,
      inputDim: undefined,
      inputShape: args?.inputShape ?? (len === undefined ? undefined : Array.isArray(len) ? len : [len]),
    } as LayerArgs);
    for (const k of ['inputDim', 'outputDim'] as const) {
      if (!Number.isInteger(args?.[k]) || args[k] < 1)
        throw new Error(`Embedding: '${k}' must be a positive integer but is ${args?.[k]}`);
    }
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.maskZero = !!args.maskZero;
  }

  override build(_inputShape: SymbolicShape): void {
    this.embeddings = this.addWeight(
      'embeddings',
      [this.inputDim, this.outputDim],
      this.args.embeddingsInitializer ?? { className: 'RandomUniform', config: { minval: -0.05, maxval: 0.05 } },
      { regularizer: this.args.embeddingsRegularizer, constraint: this.args.embeddingsConstraint },
    );
    this.built = true;
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    return [...s, this.outputDim];
  }

  override computeMask(inputs: Tensor | Tensor[]): Tensor | null {
    if (!this.maskZero) return null;
    return notEqual(Array.isArray(inputs) ? inputs[0] : inputs, 0);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const ids = Array.isArray(inputs) ? inputs[0] : inputs;
    // Why check on the host: an out-of-range id would otherwise surface as a gather error that
    // does not say which layer or which vocabulary; the ids are small next to the embeddings.
    // Ids that live only on a GPU (webgpu: a batch sliced there by fit) cannot be read synchronously: the check is
    // skipped there, and webgpu's gather kernel flags an id out of range: the next read throws (README, WebGPU).
    const v = ENGINE.canReadSync(ids) ? ids.dataSync() : [];
    for (let i = 0; i < v.length; i++) {
      if (!(Number.isInteger(v[i]) && v[i] >= 0 && v[i] < this.inputDim)) {
        throw new Error(
          `${this.name}: id ${v[i]} at flat index ${i} of the input (shape ${fmt(ids.shape)}) is outside [0, ${this.inputDim}) (inputDim ${this.inputDim})`,
        );
      }
    }
    return gather(this.embeddings!.variable, ids.dtype === 'int32' ? ids : cast(ids, 'int32'), 0);
  }

  protected override outputDtype(): 'float32' {
    return 'float32';
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      maskZero: this.maskZero,
      inputLength: this.args.inputLength ?? null,
      ...weightConfig(this.args, { embeddings: { className: 'RandomUniform', config: { minval: -0.05, maxval: 0.05 } } }),
    };
  }
}
