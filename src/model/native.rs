//! The native CPU forward pass, exact to the Keras graph (f32), built for throughput:
//!
//! - **conv1 as lookups.** The input is one-hot, so each conv1 output is the bias plus six
//!   kernel rows picked by the bases. Two tables hold every 3-base combination (5^3 codes with
//!   N) for kernel taps 0-2 (bias folded in) and 3-5, so a position costs two 128-wide row
//!   loads and an add. ReLU and the 30-wide max-pool are fused in (max commutes with ReLU):
//!   the 10,500 x 128 activation is never stored.
//! - **conv2 as one matrix product.** With the pooled map zero-padded by 4 rows at each end,
//!   row j of the im2col matrix is the 1,152 contiguous floats starting at padded row j, so
//!   conv2 is a single [350 x 1152] x [1152 x 32] product over overlapping rows (no copy),
//!   done by the dedicated kernel of `conv2` (no packing: rows read in place, weights used
//!   in their stored layout); bias, ReLU and pool follow.
//! - The dense head is a small matrix-vector product.
//!
//! Hot loops are compiled twice, plain and with AVX2+FMA, and picked at run time. Batches are
//! spread over threads with rayon; each thread reuses one `Scratch` (no allocation per window).

use std::cell::RefCell;

use rayon::prelude::*;

use super::arch::*;
use super::{ModelInput, Predictor, Weights};
use crate::window::onehot::{base_code, NO_BASE};

/// Codes per base including N.
const CODES: usize = ALPHABET + 1;
/// Rows of each conv1 lookup table: every 3-base combination.
const TRIPLES: usize = CODES * CODES * CODES;
/// Padding of the code sequence: taps reach 2 bases left and 3 right of a position.
pub(super) const CODE_PAD_LEFT: usize = PAD1;
pub(super) const CODE_PAD_RIGHT: usize = K1 - 1 - PAD1;

/// Working buffers of one forward pass, reused across the windows of a thread.
pub struct Scratch {
    /// Base codes with N padding on both sides.
    pub(super) codes: Vec<u8>,
    /// conv1 pooled map, zero-padded by PAD2 rows at each end: (L1 + 2*PAD2) x C1.
    pub(super) pool1: Vec<f32>,
    /// conv2 pre-activation (bias added): L1 x C2.
    pub(super) conv2: Vec<f32>,
    /// Flattened pool2 output followed by the features.
    pub(super) dense_in: Vec<f32>,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            codes: vec![NO_BASE; CODE_PAD_LEFT + SEQ_LEN + CODE_PAD_RIGHT],
            pool1: vec![0.0; (L1 + 2 * PAD2) * C1],
            conv2: vec![0.0; L1 * C2],
            dense_in: vec![0.0; DENSE_IN],
        }
    }
}

/// The Xpresso model evaluated natively on the CPU.
pub struct NativeModel {
    weights: Weights,
    /// conv1 taps 0..3 with the bias, indexed by triple code: TRIPLES x C1.
    table_lo: Vec<f32>,
    /// conv1 taps 3..6, indexed by triple code: TRIPLES x C1.
    table_hi: Vec<f32>,
}

impl NativeModel {
    pub fn new(weights: Weights) -> Self {
        let table_lo = triple_table(&weights.conv1_kernel, 0, Some(&weights.conv1_bias));
        let table_hi = triple_table(&weights.conv1_kernel, 3, None);
        NativeModel { weights, table_lo, table_hi }
    }

    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// Predicts one window (ASCII bases, length `SEQ_LEN`) with its 6 features.
    pub fn forward(&self, seq: &[u8], features: &[f32; N_FEATURES], s: &mut Scratch) -> f32 {
        assert_eq!(seq.len(), SEQ_LEN, "window must be {SEQ_LEN} bp");
        for (c, &b) in s.codes[CODE_PAD_LEFT..CODE_PAD_LEFT + SEQ_LEN].iter_mut().zip(seq) {
            *c = base_code(b);
        }
        dispatch_conv1_pool(self, s);
        self.conv2_pool(s);
        s.dense_in[FLAT..].copy_from_slice(features);
        dense_head(&self.weights, &s.dense_in)
    }

    /// conv2 as one SGEMM over the padded pooled map, plus bias: the pre-activation
    /// (L1 x C2) in `conv2`. Then ReLU + max-pool(10) into the first FLAT entries of `dense_in`.
    fn conv2_pool(&self, s: &mut Scratch) {
        self.conv2_preactivation(&s.pool1, &mut s.conv2);
        pool2(&s.conv2, &mut s.dense_in[..FLAT]);
    }

    pub(super) fn conv2_preactivation(&self, pool1: &[f32], conv2: &mut [f32]) {
        self.conv2_rows(pool1, conv2, 0..L1);
    }

    /// Rows `rows` of the conv2 pre-activation (bias included), the others left as they are.
    pub(super) fn conv2_rows(&self, pool1: &[f32], conv2: &mut [f32], rows: std::ops::Range<usize>) {
        let w = &self.weights;
        assert!(pool1.len() == (L1 + 2 * PAD2) * C1 && conv2.len() == L1 * C2 && rows.end <= L1 && rows.start < rows.end);
        let out = &mut conv2[rows.start * C2..rows.end * C2];
        for row in out.chunks_exact_mut(C2) {
            row.copy_from_slice(&w.conv2_bias);
        }
        super::conv2::conv2_accumulate(pool1, &w.conv2_kernel, out, rows);
    }

    /// One pooled conv1 row (ReLU, max over the bin) of the padded codes, as `forward` computes it.
    pub(super) fn pooled_bin(&self, codes: &[u8], bin: usize, best: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            return unsafe { conv1_bin_avx2(&self.table_lo, &self.table_hi, codes, bin, best) };
        }
        conv1_bin(&self.table_lo, &self.table_hi, codes, bin, best)
    }

    /// The conv1 lookup tables (taps 0-2 with bias, taps 3-5), for the incremental cone.
    pub(super) fn tables(&self) -> (&[f32], &[f32]) {
        (&self.table_lo, &self.table_hi)
    }
}

/// ReLU + max-pool(10) of the conv2 pre-activation into `flat` (L2 x C2).
pub(super) fn pool2(conv2: &[f32], flat: &mut [f32]) {
    flat.fill(0.0); // ReLU outputs are >= 0, so 0 is the pool's identity and the ReLU
    for (j, row) in conv2.chunks_exact(C2).enumerate() {
        let out = &mut flat[(j / POOL2) * C2..][..C2];
        for (o, v) in out.iter_mut().zip(row) {
            *o = o.max(*v);
        }
    }
}

/// Sums three conv1 taps (from `first_tap`) for every 3-code combination, plus the bias.
fn triple_table(kernel: &[f32], first_tap: usize, bias: Option<&[f32]>) -> Vec<f32> {
    let mut table = vec![0f32; TRIPLES * C1];
    for (t, row) in table.chunks_exact_mut(C1).enumerate() {
        if let Some(bias) = bias {
            row.copy_from_slice(bias);
        }
        let codes = [t / (CODES * CODES), (t / CODES) % CODES, t % CODES];
        for (tap, &code) in codes.iter().enumerate() {
            if code < ALPHABET {
                let k = &kernel[((first_tap + tap) * ALPHABET + code) * C1..][..C1];
                row.iter_mut().zip(k).for_each(|(r, k)| *r += k);
            }
        }
    }
    table
}

fn dispatch_conv1_pool(m: &NativeModel, s: &mut Scratch) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA, checked just above.
        return unsafe { conv1_pool_avx2(m, s) };
    }
    conv1_pool(m, s)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn conv1_pool_avx2(m: &NativeModel, s: &mut Scratch) {
    for (bin, best) in s.pool1[PAD2 * C1..(PAD2 + L1) * C1].chunks_exact_mut(C1).enumerate() {
        conv1_bin_avx2(&m.table_lo, &m.table_hi, &s.codes, bin, best);
    }
}

/// `conv1_bin` with the 128 channels in two register-resident halves of 8 ymm each and the
/// max as `vmaxps` (`f32::max` compiles to three instructions for its NaN rule; there are
/// no NaNs here, and max is exact, so the result is bit for bit the same).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn conv1_bin_avx2(table_lo: &[f32], table_hi: &[f32], codes: &[u8], bin: usize, best: &mut [f32]) {
    use std::arch::x86_64::*;
    assert!(codes.len() >= (bin + 1) * POOL1 + 5 && best.len() == C1 && table_lo.len() == TRIPLES * C1 && table_hi.len() == TRIPLES * C1);
    let triple = |i: usize| (*codes.get_unchecked(i) as usize * CODES + *codes.get_unchecked(i + 1) as usize) * CODES + *codes.get_unchecked(i + 2) as usize;
    for half in 0..2 {
        let off = half * (C1 / 2);
        let mut acc = [_mm256_set1_ps(f32::NEG_INFINITY); 8];
        for i in bin * POOL1..(bin + 1) * POOL1 {
            // SAFETY: codes hold i + 5 < len (asserted); a triple code is < TRIPLES, so its
            // table row (C1 floats) is inside the tables (asserted sizes); off + 64 <= C1
            let lo = table_lo.as_ptr().add(triple(i) * C1 + off);
            let hi = table_hi.as_ptr().add(triple(i + 3) * C1 + off);
            for (c, a) in acc.iter_mut().enumerate() {
                *a = _mm256_max_ps(*a, _mm256_add_ps(_mm256_loadu_ps(lo.add(8 * c)), _mm256_loadu_ps(hi.add(8 * c))));
            }
        }
        let zero = _mm256_setzero_ps();
        for (c, a) in acc.iter().enumerate() {
            _mm256_storeu_ps(best.as_mut_ptr().add(off + 8 * c), _mm256_max_ps(*a, zero));
        }
    }
}

/// conv1 by table lookups + ReLU + max-pool(30) into the padded `pool1`.
#[inline(always)]
fn conv1_pool(m: &NativeModel, s: &mut Scratch) {
    for (bin, best) in s.pool1[PAD2 * C1..(PAD2 + L1) * C1].chunks_exact_mut(C1).enumerate() {
        conv1_bin(&m.table_lo, &m.table_hi, &s.codes, bin, best);
    }
}

/// One pooled conv1 row: ReLU(max over the bin's 30 positions of the two table rows).
/// `codes` is N-padded by `PAD1` on the left, so padded index i..i+6 are the taps of position i.
#[inline(always)]
pub(super) fn conv1_bin(table_lo: &[f32], table_hi: &[f32], codes: &[u8], bin: usize, best: &mut [f32]) {
    let triple = |i: usize| (codes[i] as usize * CODES + codes[i + 1] as usize) * CODES + codes[i + 2] as usize;
    let mut acc = [f32::NEG_INFINITY; C1];
    for i in bin * POOL1..(bin + 1) * POOL1 {
        let lo = &table_lo[triple(i) * C1..][..C1];
        let hi = &table_hi[triple(i + 3) * C1..][..C1];
        for ((a, l), h) in acc.iter_mut().zip(lo).zip(hi) {
            *a = a.max(l + h);
        }
    }
    for (b, a) in best.iter_mut().zip(&acc) {
        *b = a.max(0.0);
    }
}

/// dense_1 (ReLU) -> dense_2 (ReLU) -> dense_3 (linear).
pub(super) fn dense_head(w: &Weights, x: &[f32]) -> f32 {
    head_from_dense1(w, &dense1(w, x))
}

/// dense_1 pre-activation.
pub(super) fn dense1(w: &Weights, x: &[f32]) -> [f32; D1] {
    let mut h1 = [0f32; D1];
    h1.copy_from_slice(&w.dense1_bias);
    for (xi, row) in x.iter().zip(w.dense1_kernel.chunks_exact(D1)) {
        if *xi != 0.0 {
            h1.iter_mut().zip(row).for_each(|(h, r)| *h += xi * r);
        }
    }
    h1
}

/// ReLU of dense_1, then dense_2 (ReLU) and dense_3.
pub(super) fn head_from_dense1(w: &Weights, h1: &[f32; D1]) -> f32 {
    let mut h2 = [w.dense2_bias[0], w.dense2_bias[1]];
    for (u, h) in h1.iter().enumerate() {
        let h = h.max(0.0);
        h2[0] += h * w.dense2_kernel[u * D2];
        h2[1] += h * w.dense2_kernel[u * D2 + 1];
    }
    w.dense3_bias[0] + h2[0].max(0.0) * w.dense3_kernel[0] + h2[1].max(0.0) * w.dense3_kernel[1]
}

thread_local! {
    /// One scratch per worker thread, allocated on its first window.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Predictor for NativeModel {
    fn predict_batch(&self, inputs: &[ModelInput<'_>], out: &mut [f32]) {
        inputs.par_iter().zip(out.par_iter_mut()).for_each(|(input, o)| {
            *o = SCRATCH.with_borrow_mut(|s| self.forward(input.seq, &input.features, s));
        });
    }

    fn as_native(&self) -> Option<&NativeModel> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2 conv1 bin equals the scalar one bit for bit, on random and N-rich codes.
    #[test]
    fn avx2_conv1_equals_the_scalar_loop() {
        #[cfg(target_arch = "x86_64")]
        {
            if !(std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")) {
                return;
            }
            let mut state = 3u64;
            let mut rand = || {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (state >> 33) as u32
            };
            let kernel: Vec<f32> = (0..K1 * ALPHABET * C1).map(|_| (rand() % 2000) as f32 / 1000.0 - 1.0).collect();
            let bias: Vec<f32> = (0..C1).map(|_| (rand() % 200) as f32 / 1000.0 - 0.1).collect();
            let (lo, hi) = (triple_table(&kernel, 0, Some(&bias)), triple_table(&kernel, 3, None));
            for n_rate in [0, 3, 10] {
                let codes: Vec<u8> = (0..CODE_PAD_LEFT + SEQ_LEN + CODE_PAD_RIGHT).map(|_| if rand() % 10 < n_rate { NO_BASE } else { (rand() % 4) as u8 }).collect();
                for bin in [0, 1, 117, L1 - 1] {
                    let (mut a, mut b) = (vec![0f32; C1], vec![0f32; C1]);
                    conv1_bin(&lo, &hi, &codes, bin, &mut a);
                    // SAFETY: AVX2 and FMA are present (checked above)
                    unsafe { conv1_bin_avx2(&lo, &hi, &codes, bin, &mut b) };
                    assert_eq!(a, b, "bin {bin}, N rate {n_rate}/10");
                }
            }
        }
    }
}
