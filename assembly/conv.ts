// Conv kernels (placeholder until they land).
export function convPlaceholder(): i32 {
  return 0;
}
