// Fused optimizer updates (placeholder until the optimizer kernels land).
export function optimPlaceholder(): i32 {
  return 0;
}
