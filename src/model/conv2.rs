//! A dedicated conv2 kernel: out[j] += sum over k < 1152 of pool1[j*128 + k] * W[k] for the
//! 32 output channels, the im2col rows read in place from the padded pooled map (row j of
//! the im2col matrix is the 1,152 contiguous floats from padded row j) and the weights in
//! their Keras layout ([K2 * C1] x C2 row-major, which is already the packed form: each k
//! holds 32 contiguous floats). Blocked as GEMM micro-kernels are: 2 output rows x 32
//! channels in 8 ymm accumulators, k in chunks of 128 so the 16 kB of weights a chunk
//! reads stay in L1 while every row passes over them. AVX2+FMA is picked at run time;
//! elsewhere `matrixmultiply` (portable) does the product.

use super::arch::{C1, C2, K2};

/// k per chunk: 128 x 32 floats of weights = 16 kB.
const KC: usize = 128;
/// Output rows per micro-tile.
const MR: usize = 2;

static PORTABLE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes every conv2 product go through `portable` (for benchmarks: both kernels in one run).
pub fn use_portable(on: bool) {
    PORTABLE.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Adds the conv2 products of output rows `rows` to `out` (their bias already in place).
/// `pool1` is the padded pooled map; `out` holds rows `rows` only (row `rows.start` first).
pub fn conv2_accumulate(pool1: &[f32], weights: &[f32], out: &mut [f32], rows: std::ops::Range<usize>) {
    let n = rows.end - rows.start;
    assert!(weights.len() == K2 * C1 * C2 && out.len() == n * C2);
    assert!(rows.end == rows.start || (rows.end - 1) * C1 + K2 * C1 <= pool1.len(), "conv2 rows read past the pooled map");
    #[cfg(target_arch = "x86_64")]
    if !PORTABLE.load(std::sync::atomic::Ordering::Relaxed) && std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA (checked); the bounds are asserted above.
        unsafe { conv2_avx2(pool1, weights, out, rows) };
        return;
    }
    portable(pool1, weights, out, rows);
}

/// The same product through `matrixmultiply` (any target).
pub fn portable(pool1: &[f32], weights: &[f32], out: &mut [f32], rows: std::ops::Range<usize>) {
    let n = rows.end - rows.start;
    if n == 0 {
        return;
    }
    // SAFETY: A is read with row stride C1 over K2*C1 floats from padded row `rows.start`, inside
    // `pool1` (asserted by the caller); B and C are dense row-major buffers of the sizes given.
    unsafe {
        matrixmultiply::sgemm(n, K2 * C1, C2, 1.0, pool1.as_ptr().add(rows.start * C1), C1 as isize, 1, weights.as_ptr(), C2 as isize, 1, 1.0, out.as_mut_ptr(), C2 as isize, 1);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn conv2_avx2(pool1: &[f32], weights: &[f32], out: &mut [f32], rows: std::ops::Range<usize>) {
    use std::arch::x86_64::*;
    let n = rows.end - rows.start;
    let a0 = pool1.as_ptr().add(rows.start * C1);
    let o0 = out.as_mut_ptr();
    let w0 = weights.as_ptr();
    for kc in (0..K2 * C1).step_by(KC) {
        let mut r = 0;
        // SAFETY (all pointer reads below): row r + i < n reads a0[(r+i)*C1 + k] with
        // k < K2*C1, inside pool1 by the caller's bound; weights are read at k*C2..k*C2+32
        // with k < K2*C1; out rows r + i < n hold C2 floats each.
        while r + MR <= n {
            let (p0, p1) = (o0.add(r * C2), o0.add((r + 1) * C2));
            let (mut c00, mut c01, mut c02, mut c03) = (_mm256_loadu_ps(p0), _mm256_loadu_ps(p0.add(8)), _mm256_loadu_ps(p0.add(16)), _mm256_loadu_ps(p0.add(24)));
            let (mut c10, mut c11, mut c12, mut c13) = (_mm256_loadu_ps(p1), _mm256_loadu_ps(p1.add(8)), _mm256_loadu_ps(p1.add(16)), _mm256_loadu_ps(p1.add(24)));
            let (a_r0, a_r1) = (a0.add(r * C1), a0.add((r + 1) * C1));
            for k in kc..kc + KC {
                // written out, not as loops over arrays: LLVM splits those into one row at
                // a time; 8 accumulators + 4 weights + 1 broadcast fit the 16 ymm registers
                let w = w0.add(k * C2);
                let (wa, wb, wc, wd) = (_mm256_loadu_ps(w), _mm256_loadu_ps(w.add(8)), _mm256_loadu_ps(w.add(16)), _mm256_loadu_ps(w.add(24)));
                let a = _mm256_broadcast_ss(&*a_r0.add(k));
                c00 = _mm256_fmadd_ps(a, wa, c00);
                c01 = _mm256_fmadd_ps(a, wb, c01);
                c02 = _mm256_fmadd_ps(a, wc, c02);
                c03 = _mm256_fmadd_ps(a, wd, c03);
                let a = _mm256_broadcast_ss(&*a_r1.add(k));
                c10 = _mm256_fmadd_ps(a, wa, c10);
                c11 = _mm256_fmadd_ps(a, wb, c11);
                c12 = _mm256_fmadd_ps(a, wc, c12);
                c13 = _mm256_fmadd_ps(a, wd, c13);
            }
            for (p, v) in [(p0, [c00, c01, c02, c03]), (p1, [c10, c11, c12, c13])] {
                for (c, v) in v.iter().enumerate() {
                    _mm256_storeu_ps(p.add(8 * c), *v);
                }
            }
            r += MR;
        }
        while r < n {
            let mut acc = [_mm256_setzero_ps(); 4];
            for (c, v) in acc.iter_mut().enumerate() {
                *v = _mm256_loadu_ps(o0.add(r * C2 + 8 * c));
            }
            for k in kc..kc + KC {
                let w = w0.add(k * C2);
                let a = _mm256_broadcast_ss(&*a0.add(r * C1 + k));
                for (c, v) in acc.iter_mut().enumerate() {
                    *v = _mm256_fmadd_ps(a, _mm256_loadu_ps(w.add(8 * c)), *v);
                }
            }
            for (c, v) in acc.iter().enumerate() {
                _mm256_storeu_ps(o0.add(r * C2 + 8 * c), *v);
            }
            r += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::arch::{L1, PAD2};

    #[test]
    fn the_dedicated_kernel_equals_the_portable_product() {
        let mut state = 7u64;
        let mut rand = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        };
        let pool1: Vec<f32> = (0..(L1 + 2 * PAD2) * C1).map(|i| if i % 7 == 0 { 0.0 } else { rand().max(0.0) }).collect();
        let weights: Vec<f32> = (0..K2 * C1 * C2).map(|_| rand() * 0.1).collect();
        for rows in [0..L1, 0..1, 5..7, 100..104, L1 - 2..L1] {
            let n = rows.end - rows.start;
            let bias: Vec<f32> = (0..n * C2).map(|i| (i % C2) as f32 * 0.01).collect();
            let (mut fast, mut slow) = (bias.clone(), bias);
            conv2_accumulate(&pool1, &weights, &mut fast, rows.clone());
            portable(&pool1, &weights, &mut slow, rows.clone());
            for (a, b) in fast.iter().zip(&slow) {
                assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{rows:?}: {a} vs {b}");
            }
        }
    }
}
