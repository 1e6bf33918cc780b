// simdgrad: Keras for TypeScript. The public API, tfjs-core names where the concept is the same.
import { ENGINE } from './engine/engine.js';
import { JsBackend } from './backends/js/index.js';
import { WasmBackend, instantiate, instantiateSync } from './backends/wasm/index.js';
export { setWasmPath, getWasmPath } from './backends/wasm/index.js';
export { setRelaxedSimd, getRelaxedSimd, relaxedSimdSupported } from './backends/wasm/relaxed.js';

ENGINE.registerBackend(
  'js',
  () => new JsBackend(),
  1,
  () => new JsBackend(),
);
ENGINE.registerBackend(
  'wasm',
  async () => new WasmBackend(await instantiate()),
  2,
  () => new WasmBackend(instantiateSync()),
);
// WebGPU: never the default (priority 0, no synchronous start); kernels it lacks run on wasm. Its
// code is a dynamic import, so programs that never ask for it do not load (or bundle into their first chunk) it.
ENGINE.registerBackend(
  'webgpu',
  async () => (await import('./backends/webgpu/index.js')).createWebGPUBackend(await ENGINE.initBackend('wasm')),
  0,
);
export { webgpu } from './backends/webgpu/debug.js';

export { Tensor, Variable } from './engine/tensor.js';
export type { DataType, TypedArray, NestedArray, TensorLike } from './engine/dtype.js';
export type { MemoryInfo, TensorContainer } from './engine/engine.js';
export type { Backend } from './backends/backend.js';
export { tidy, keep, dispose, memory, setBackend, getBackend, ready } from './ops/scope.js';
export type { Shape } from './engine/shape.js';
export { Rank, type Scalar, type Tensor1D, type Tensor2D, type Tensor3D, type Tensor4D, type Tensor5D, type Tensor6D, type NamedTensorMap } from './ops/types.js';
import './ops/chain.js'; // installs the Tensor methods (x.reshape(...), x.sum()...)
export { CHAIN_METHODS } from './ops/chain.js';
export { TensorBuffer, buffer } from './ops/buffer.js';
export { util, nextFrame, env, disposeVariables, backend, customGrad } from './ops/env.js';
export {
  tensor,
  scalar,
  tensor1d,
  tensor2d,
  tensor3d,
  tensor4d,
  tensor5d,
  tensor6d,
  linspace,
  fill,
  zeros,
  ones,
  zerosLike,
  onesLike,
  range,
  arange,
  eye,
  randomNormal,
  randomUniform,
  truncatedNormal,
  randomGamma,
  variable,
} from './ops/creation.js';
export {
  neg,
  abs,
  square,
  sqrt,
  rsqrt,
  exp,
  log,
  log1p,
  reciprocal,
  relu,
  relu6,
  elu,
  selu,
  leakyRelu,
  sigmoid,
  tanh,
  softplus,
  sign,
  floor,
  ceil,
  round,
  sin,
  cos,
  step,
  clipByValue,
} from './ops/unary.js';
export {
  add,
  sub,
  mul,
  div,
  maximum,
  minimum,
  pow,
  squaredDifference,
  greater,
  greaterEqual,
  less,
  lessEqual,
  equal,
  notEqual,
} from './ops/binary.js';
export { cast } from './ops/cast.js';
export { matMul } from './ops/matmul.js';
export { fused, type FusedMatMulArgs, type FusedActivation } from './ops/fused_matmul.js';
export { sum, prod, mean, max, min, argMax, argMin } from './ops/reduce.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { reshape, expandDims, squeeze, clone } from './ops/reshape.js';
export { transpose } from './ops/transpose.js';
export { concat, stack, unstack } from './ops/concat.js';
export { slice } from './ops/slice.js';
export {
  acos, acosh, addN, asin, asinh, atan, atan2, atanh, cosh, divNoNan, expm1, floorDiv, isFinite, isInf, isNaN, logSigmoid,
  logicalAnd, logicalNot, logicalOr, logicalXor, mod, sinh, tan,
} from './ops/math.js';
export { cumsum, cumprod } from './ops/cumulative.js';
export { all, any, euclideanNorm, logSumExp, norm } from './ops/reduce_extra.js';
export { broadcastTo, diag, mirrorPad, reverse, split, stridedSlice } from './ops/shape_extra.js';
export { dot, einsum, linalg, outerProduct } from './ops/linalg.js';
export { batchToSpaceND, depthToSpace, gatherND, scatterND, spaceToBatchND, tensorScatterUpdate } from './ops/nd.js';
export {
  booleanMaskAsync, bincount, denseBincount, dropout, multinomial, setdiff1dAsync, topk, unique, whereAsync,
} from './ops/selection.js';
export { prelu } from './ops/prelu.js';
export { localResponseNormalization, maxPoolWithArgmax, pool } from './ops/nn_extra.js';
export { image } from './ops/image.js'; // includes image.transform (src/ops/image_transform.ts)
export { signal } from './ops/signal.js';
export { complex, real, imag } from './ops/complex.js';
export { fft, ifft, rfft, irfft, spectral } from './ops/spectral.js';
export {
  batchNorm2d, batchNorm3d, batchNorm4d, concat1d, concat2d, concat3d, concat4d, pad1d, pad2d, pad3d, pad4d, reverse1d,
  reverse2d, reverse3d, reverse4d, slice1d, slice2d, slice3d, slice4d,
} from './ops/rank_variants.js';
export { pad } from './ops/pad.js';
export { tile } from './ops/tile.js';
export { gather, unsortedSegmentSum, oneHot } from './ops/gather.js';
export { where } from './ops/where.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads } from './ops/gradients.js';
export {
  bitwiseAnd, broadcastArgs, cosineWindow, enclosingPowerOfTwo, ensureShape, inTopKAsync, lowerBound, math, meshgrid,
  movingAverage, op, print, rand, randomStandardNormal, randomUniformInt, searchSorted, sparseToDense, sumOutType,
  upcastType, upperBound, engine,
} from './ops/core_extra.js';
export { basicLSTMCell, multiRNNCell, type LSTMCellFunc } from './ops/rnn_cell.js';
export { dilation2d } from './ops/dilation2d.js';
export { browser, type PixelData, type PixelSource, type DrawOptions } from './ops/browser.js';
export { profile, time, type ProfileInfo, type KernelInfo, type TimingInfo } from './ops/profile.js';
export type { NMSWithScoreResult, NMSPaddedResult } from './ops/image_extra.js';
export type { FusedDepthwiseConv2DArgs } from './ops/fused_depthwise.js';
export { sparse, type SparseFillEmptyRowsResult, type SparseReshapeResult } from './ops/sparse.js';
export { deprecationWarn, disableDeprecationWarnings, enableDebugMode, enableProdMode } from './ops/debug_mode.js';
export { Reduction } from './ops/losses_core.js';
export {
  AdadeltaOptimizer, AdagradOptimizer, AdamOptimizer, AdamaxOptimizer, MomentumOptimizer, RMSPropOptimizer, SGDOptimizer,
} from './ops/optimizer_classes.js';

// ---- the Keras surface ----
export {
  layers,
  Layer,
  LayerWeight,
  SymbolicTensor,
  type LayerArgs,
  type CallArgs,
  type SymbolicShape,
} from './layers/index.js';
export {
  Dense,
  Dropout,
  Activation,
  Flatten,
  Reshape,
  Permute,
  RepeatVector,
  GaussianNoise,
  GaussianDropout,
  AlphaDropout,
  InputLayer,
} from './layers/index.js';
export { input } from './layers/core/input.js';
export { LayersModel, type ModelArgs } from './models/model.js';
export { Sequential, sequential, model, type SequentialArgs } from './models/sequential.js';
export type { CompileArgs, FitArgs, EvaluateArgs, StepData, StepLogs } from './models/training.js';
export type { SampleWeightArg, ClassWeightArg, ClassWeightMap, OutputWeights } from './models/sample_weights.js';
export { lbfgs, minimizeLbfgs, type LbfgsOptions, type LbfgsResult, type LbfgsObjective } from './optimizers/lbfgs.js';
// tfjs-layers' names for the same argument objects, and types used in public signatures.
export type { CompileArgs as ModelCompileArgs, FitArgs as ModelFitArgs } from './models/training.js';
export type { TensorOrList, ModelData } from './models/model.js';
export type { DenseArgs } from './layers/core/dense.js';
export type { MnistOptions, Dataset } from './datasets/mnist.js';
export {
  Add,
  Subtract,
  Multiply,
  Average,
  Maximum,
  Minimum,
  Concatenate,
  Dot,
  Merge,
  Lambda,
  type ConcatenateArgs,
  type DotArgs,
  type LambdaArgs,
  type LambdaFn,
} from './layers/index.js';
export {
  Attention,
  AdditiveAttention,
  MultiHeadAttention,
  GroupedQueryAttention,
  type AttentionArgs,
  type AttentionCallArgs,
  type BaseAttentionArgs,
  type MultiHeadAttentionArgs,
  type MultiHeadAttentionCallArgs,
  type GroupedQueryAttentionArgs,
  type GroupedQueryAttentionCallArgs,
} from './layers/index.js';
export {
  Optimizer,
  SGD,
  RMSprop,
  Adam,
  AdamW,
  Adagrad,
  Adadelta,
  Adamax,
  Nadam,
  getOptimizer,
  serializeOptimizer,
  optimizerNames,
  optimizers,
  schedules,
  train,
  LearningRateSchedule,
  ExponentialDecay,
  InverseTimeDecay,
  PiecewiseConstantDecay,
  type OptimizerArgs,
  type OptimizerIdentifier,
  type OptimizerSpec,
  type NamedTensor,
  type NamedGradients,
  type SGDArgs,
  type RMSpropArgs,
  type AdamArgs,
  type AdamaxArgs,
  type NadamArgs,
  type AdagradArgs,
  type AdadeltaArgs,
} from './optimizers/index.js';
export * as activations from './activations/index.js';
export * as initializers from './initializers/index.js';
export * as regularizers from './regularizers/index.js';
export * as constraints from './constraints/index.js';
export * as losses from './ops/losses_ns.js';
export * as metrics from './metrics/index.js';
export type { ActivationFn } from './activations/index.js';
export type { Initializer } from './initializers/index.js';
export type { Regularizer } from './regularizers/index.js';
export type { Constraint } from './constraints/index.js';
export type { LossFn } from './losses/index.js';
export type { MetricFn } from './metrics/index.js';
export { erf } from './activations/erf.js';
export * as callbacks from './callbacks/index.js';
export {
  Callback,
  CustomCallback,
  customCallback,
  History,
  type Logs,
  type TrainParams,
  type CallbackModel,
} from './callbacks/index.js';
export * as datasets from './datasets/index.js';
export * as preprocessing from './preprocessing/index.js';
export type { DatasetLike, DatasetBatch, FitDatasetArgs, EvaluateDatasetArgs } from './models/fit_dataset.js';
export * as utils from './utils/index.js';
export * as text from './text/index.js';
export {
  lstmSequence,
  gruSequence,
  simpleRnnSequence,
  type RnnSequenceOptions,
  type GruSequenceOptions,
  type RnnActivation,
  type LstmSequenceResult,
  type GruSequenceResult,
} from './ops/rnn.js';
export { dotProductAttention, type DotProductAttentionArgs } from './ops/attention.js';
export {
  LSTM,
  GRU,
  SimpleRNN,
  Bidirectional,
  TimeDistributed,
  Embedding,
  Masking,
  RecurrentLayer,
  type LSTMArgs,
  type GRUArgs,
  type RecurrentArgs,
  type BidirectionalArgs,
  type TimeDistributedArgs,
  type EmbeddingArgs,
  type MaskingArgs,
  type MergeMode,
} from './layers/index.js';
export { conv1d, conv2d, fusedConv2d, type FusedConv2DArgs, type ConvActivation } from './ops/conv2d.js';
export { conv3d } from './ops/conv3d.js';
export { conv2dTranspose, conv3dTranspose } from './ops/conv_transpose.js';
export { depthwiseConv2d, separableConv2d } from './ops/depthwise.js';
export { maxPool, avgPool, maxPool3d, avgPool3d } from './ops/pool.js';
export { resizeNearestNeighbor, resizeBilinear } from './ops/resize.js';
export { moments, batchNorm } from './ops/moments.js';
export {
  Conv1D,
  Conv2D,
  Conv3D,
  Conv2DTranspose,
  DepthwiseConv2D,
  SeparableConv2D,
  MaxPooling1D,
  MaxPooling2D,
  MaxPooling3D,
  AveragePooling1D,
  AveragePooling2D,
  AveragePooling3D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  UpSampling1D,
  UpSampling2D,
  ZeroPadding1D,
  ZeroPadding2D,
  Cropping2D,
  BatchNormalization,
  LayerNormalization,
  LeakyReLU,
  PReLU,
  ELU,
  ReLU,
  Softmax,
  ThresholdedReLU,
  SpatialDropout1D,
  SpatialDropout2D,
} from './layers/index.js';
export {
  RNN,
  SimpleRNNCell,
  LSTMCell,
  GRUCell,
  StackedRNNCells,
  type RNNArgs,
  type RNNCellArgs,
  type LSTMCellArgs,
  type GRUCellArgs,
  type StackedRNNCellsArgs,
  type RNNCellLike,
} from './layers/index.js';
export {
  ConvLSTM2D,
  RandomFlip,
  RandomRotation,
  RandomTranslation,
  RandomZoom,
  type ConvLSTM2DArgs,
  type RandomFlipArgs,
  type RandomRotationArgs,
  type RandomTranslationArgs,
  type RandomZoomArgs,
} from './layers/index.js';
export { setThreads, getThreads } from './threads.js';
export * as onnx from './io/onnx/index.js';
export { loadModel } from './io/keras/index.js';
export * as keras from './io/keras/index.js';
export * as io from './io/index.js';
export * as serialization from './io/serialization_api.js';
export { loadLayersModel, modelFromJSON } from './io/models_io.js';

// Argument types of the layers, models and schedules above, so that programs can name them and the
// API reference links them where they are used.
export type { ConvLayerArgs } from './layers/convolutional/conv.js';
export type { DepthwiseConv2DArgs, SeparableConv2DArgs } from './layers/convolutional/depthwise.js';
export type { SpatialDropoutArgs } from './layers/convolutional/spatial_dropout.js';
export type { PoolingArgs } from './layers/pooling/pooling.js';
export type { BatchNormalizationArgs, LayerNormalizationArgs } from './layers/normalization/normalization.js';
export type { PReLUArgs, ELUArgs, ReLUArgs, ThresholdedReLUArgs, SoftmaxArgs } from './layers/advanced_activations.js';
export type { InputArgs, InputLayerArgs } from './layers/core/input.js';
export type { DropoutArgs } from './layers/core/basic.js';
export type { InitializerArg, RegularizerArg, ConstraintArg, AddWeightArgs } from './layers/layer.js';
export type { MergeFactory } from './layers/merge.js';
export type { LossArg, MetricArg } from './models/training.js';
export type { ExponentialDecayArgs, InverseTimeDecayArgs, PiecewiseConstantDecayArgs } from './optimizers/schedules.js';
