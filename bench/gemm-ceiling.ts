// The ceiling of the GEMM micro-kernel on this machine: assembly/gemm.ts' 4 x 8 inner loop alone
// (two B vectors and four A splats loaded per k step, eight multiply-adds into eight accumulators)
// on packed panels that stay in L1 (kc = 256: A 4 KiB, B 8 KiB), so no packing, no C traffic, no
// cache misses: the most a GEMM built on this micro-kernel can reach on the core and runtime at
// hand. bench/profile.ts reports each GEMM against it besides the fixed PEAK_CORE.
//
// The two modules below (467 and 443 bytes) are this AssemblyScript source compiled with
// asc -Oz --enable simd --runtime stub --initialMemory 1 --noExportMemory, MADD being
// f32x4.add(c, f32x4.mul(a, b)) for the plain build and f32x4.relaxed_madd(a, b, c) (plus
// --enable relaxed-simd) for the FMA build, as gemm.ts' madd in its two builds:
//
//   export function uk(kc: i32, reps: i32): f32 {
//     let s = f32x4.splat(0);
//     for (let r = 0; r < reps; r++) {
//       let pa: usize = 0, pb: usize = 8192;
//       let c00 = f32x4.splat(0), c01 = ..., c31 = f32x4.splat(0);      // 8 accumulators
//       const end = pa + (<usize>kc << 4);
//       while (pa < end) {
//         const b0 = v128.load(pb), b1 = v128.load(pb, 16);
//         let a = v128.load32_splat(pa);     c00 = MADD(a, b0, c00); c01 = MADD(a, b1, c01);
//         a = v128.load32_splat(pa, 4);      c10 = MADD(a, b0, c10); c11 = MADD(a, b1, c11);
//         a = v128.load32_splat(pa, 8);      c20 = MADD(a, b0, c20); c21 = MADD(a, b1, c21);
//         a = v128.load32_splat(pa, 12);     c30 = MADD(a, b0, c30); c31 = MADD(a, b1, c31);
//         pa += 16; pb += 32;
//       }
//       s = f32x4.add(s, <the sum of the eight accumulators>);
//     }
//     return f32x4.extract_lane(s, 0);
//   }
//
// The memory is zeros (0 * 0 + 0 costs what any finite product does; no subnormals arise).

const PLAIN =
  'AGFzbQEAAAABBwFgAn9/AX0DAgEABQMBAAEHBgECdWsAAAquAwGrAwIEfwx7A0AgASAESgRAQQAhAkGAwAAhA/0MAAAAAAAAAAAAAAAAAAAAACEH/QwAAAAAAAAAAAAAAAAAAAAAIQj9DAAAAAAAAAAAAAAAAAAAAAAhCf0MAAAAAAAAAAAAAAAAAAAAACEK/QwAAAAAAAAAAAAAAAAAAAAAIQv9DAAAAAAAAAAAAAAAAAAAAAAhDP0MAAAAAAAAAAAAAAAAAAAAACEN/QwAAAAAAAAAAAAAAAAAAAAAIQ4gAEEEdCEFA0AgAiAFSQRAIAcgAv0JAgAiECAD/QAEACIP/eYB/eQBIQcgCCAQIAP9AAQQIhD95gH95AEhCCAJIAL9CQIEIhEgD/3mAf3kASEJIAogESAQ/eYB/eQBIQogCyAC/QkCCCIRIA/95gH95AEhCyAMIBEgEP3mAf3kASEMIA0gAv0JAgwiESAP/eYB/eQBIQ0gDiARIBD95gH95AEhDiACQRBqIQIgA0EgaiEDDAELCyAGIAcgCP3kASAJIAr95AH95AEgCyAM/eQBIA0gDv3kAf3kAf3kAf3kASEGIARBAWohBAwBCwsgBv0fAAs=';
const FMA =
  'AGFzbQEAAAABBwFgAn9/AX0DAgEABQMBAAEHBgECdWsAAAqWAwGTAwIEfwx7A0AgASAESgRAQQAhAkGAwAAhA/0MAAAAAAAAAAAAAAAAAAAAACEH/QwAAAAAAAAAAAAAAAAAAAAAIQj9DAAAAAAAAAAAAAAAAAAAAAAhCf0MAAAAAAAAAAAAAAAAAAAAACEK/QwAAAAAAAAAAAAAAAAAAAAAIQv9DAAAAAAAAAAAAAAAAAAAAAAhDP0MAAAAAAAAAAAAAAAAAAAAACEN/QwAAAAAAAAAAAAAAAAAAAAAIQ4gAEEEdCEFA0AgAiAFSQRAIAL9CQIAIhAgA/0ABAAiDyAH/YUCIQcgECAD/QAEECIQIAj9hQIhCCAC/QkCBCIRIA8gCf2FAiEJIBEgECAK/YUCIQogAv0JAggiESAPIAv9hQIhCyARIBAgDP2FAiEMIAL9CQIMIhEgDyAN/YUCIQ0gESAQIA79hQIhDiACQRBqIQIgA0EgaiEDDAELCyAGIAcgCP3kASAJIAr95AH95AEgCyAM/eQBIA0gDv3kAf3kAf3kAf3kASEGIARBAWohBAwBCwsgBv0fAAs=';

type Uk = (kc: number, reps: number) => number;

function load(b64: string): Uk | null {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  if (!WebAssembly.validate(bytes)) return null; // relaxed SIMD off in this runtime
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  return inst.exports.uk as Uk;
}

/** The micro-kernel's GFLOP/s on one thread: best of `samples` calls of ~0.1 ms (short calls, so
 *  that on a shared machine some of them run without being preempted). */
function rate(uk: Uk, samples: number): number {
  const kc = 256;
  const reps = 8;
  uk(kc, reps); // tier-up
  let best = Infinity;
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    uk(kc, reps);
    best = Math.min(best, performance.now() - t0);
  }
  return (2 * 32 * kc * reps) / (best * 1e6);
}

/**
 * GFLOP/s of assembly/gemm.ts' 4 x 8 micro-kernel alone on L1-resident panels, one thread: the
 * plain SIMD build (mul + add) and, where the runtime validates relaxed SIMD, the FMA build.
 * @example const { plain, fma } = gemmCeiling(); // fma is null under Node 20
 */
export function gemmCeiling(samples = 2000): { plain: number; fma: number | null } {
  const plain = load(PLAIN)!;
  const fma = load(FMA);
  let p = 0;
  let f = 0;
  for (let r = 0; r < 3; r++) {
    // interleaved, so that both see the same machine
    p = Math.max(p, rate(plain, samples / 3));
    if (fma) f = Math.max(f, rate(fma, samples / 3));
  }
  return { plain: p, fma: fma ? f : null };
}
