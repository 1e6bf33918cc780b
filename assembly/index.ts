// The exports of simdgrad's WASM module. Kernels live in their own files; each export is
// named <op><Dtype> and works on raw pointers into this module's one linear memory.
export { heapBase } from './alloc';
export { gemmF32, gemmWorkspaceBytes } from './gemm';
export { gemvF32, gemvPackedF32 } from './gemv';
export { unaryF32, unaryGradF32 } from './unary';
export { binaryF32, compareF32, binaryI32, compareI32 } from './binary';
export { reduceF32, reduceMidF32, argReduceF32, softmaxF32 } from './reduce';
export * from './optim';
export * from './conv';
export * from './rnn';
export * from './conv_lstm';
export { winogradFilterF32, winogradF32, winogradFilterGradF32, allFiniteF32 } from './winograd';
export * from './attention';
export { dropoutF32 } from './dropout';
