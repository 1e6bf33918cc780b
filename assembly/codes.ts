// Operation codes shared by the AssemblyScript kernels and the TypeScript bindings.
// This file is the single source: scripts/build-wasm.mjs copies it to
// src/backends/wasm/codes.generated.ts, so the two sides can never drift apart.
// Plain `const enum` syntax is valid in both AssemblyScript and TypeScript.

/** Element-wise unary ops: unaryF32(op, x, out, start, end, alpha, beta). */
export const enum Unary {
  Neg = 0,
  Abs = 1,
  Square = 2,
  Sqrt = 3,
  Exp = 4,
  Log = 5,
  Relu = 6,
  Relu6 = 7,
  Elu = 8, // alpha
  Selu = 9,
  LeakyRelu = 10, // alpha
  Sigmoid = 11,
  Tanh = 12,
  Softplus = 13,
  Clip = 14, // alpha = min, beta = max
  Reciprocal = 15,
  Rsqrt = 16,
  Sign = 17,
  Floor = 18,
  Ceil = 19,
  Round = 20,
  Sin = 21,
  Cos = 22,
  Log1p = 23,
  Step = 24, // x > 0 ? 1 : alpha
}

/** Element-wise binary ops with broadcasting: binaryF32(op, ...). */
export const enum Binary {
  Add = 0,
  Sub = 1,
  Mul = 2,
  Div = 3,
  Max = 4,
  Min = 5,
  Pow = 6,
  SquaredDifference = 7,
}

/** Comparisons: compareF32(op, ...) writes 0/1 as i32. */
export const enum Compare {
  Greater = 0,
  GreaterEqual = 1,
  Less = 2,
  LessEqual = 3,
  Equal = 4,
  NotEqual = 5,
}

/** Row reductions over the innermost axis: reduceF32(op, ...). */
export const enum Reduce {
  Sum = 0,
  Max = 1,
  Min = 2,
  Prod = 3,
}

/** Activations fused into the GEMM epilogue. */
export const enum Act {
  Linear = 0,
  Relu = 1,
  Relu6 = 2,
  Sigmoid = 3,
  Tanh = 4,
}
