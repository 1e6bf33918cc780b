// The geometry block of the convolution and pooling kernels (conv.ts, winograd.ts): 21 i32s
// at a pointer `g`, written by src/backends/wasm/kernels/conv.ts in GEOM_FIELDS order: input N,
// D, H, W, C; output OD, OH, OW, CO; filter KD, KH, KW; strides SD, SH, SW; dilations DD, DH,
// DW; front pads PD, PH, PW. (Not re-exported by index.ts: nothing here is a wasm export.)

// @ts-ignore: decorator
@inline export const G_N: i32 = 0;
// @ts-ignore: decorator
@inline export const G_D: i32 = 1;
// @ts-ignore: decorator
@inline export const G_H: i32 = 2;
// @ts-ignore: decorator
@inline export const G_W: i32 = 3;
// @ts-ignore: decorator
@inline export const G_C: i32 = 4;
// @ts-ignore: decorator
@inline export const G_OD: i32 = 5;
// @ts-ignore: decorator
@inline export const G_OH: i32 = 6;
// @ts-ignore: decorator
@inline export const G_OW: i32 = 7;
// @ts-ignore: decorator
@inline export const G_CO: i32 = 8;
// @ts-ignore: decorator
@inline export const G_KD: i32 = 9;
// @ts-ignore: decorator
@inline export const G_KH: i32 = 10;
// @ts-ignore: decorator
@inline export const G_KW: i32 = 11;
// @ts-ignore: decorator
@inline export const G_SD: i32 = 12;
// @ts-ignore: decorator
@inline export const G_SH: i32 = 13;
// @ts-ignore: decorator
@inline export const G_SW: i32 = 14;
// @ts-ignore: decorator
@inline export const G_DD: i32 = 15;
// @ts-ignore: decorator
@inline export const G_DH: i32 = 16;
// @ts-ignore: decorator
@inline export const G_DW: i32 = 17;
// @ts-ignore: decorator
@inline export const G_PD: i32 = 18;
// @ts-ignore: decorator
@inline export const G_PH: i32 = 19;
// @ts-ignore: decorator
@inline export const G_PW: i32 = 20;

// @ts-ignore: decorator
@inline export function gi(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}
