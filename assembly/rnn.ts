// Rnn kernels (placeholder until they land).
export function rnnPlaceholder(): i32 {
  return 0;
}
