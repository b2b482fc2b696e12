//! Incremental re-evaluation of single-base substitutions (the "cone"), shared by ISM and SNV
//! scoring. A substitution at window position p changes conv1 outputs p-3..p+2 only (kernel
//! 6, `same` padding), hence one or two 30-wide pool bins, hence at most 10 conv2 rows
//! (kernel 9), hence one or two 10-wide pool2 bins of the flattened vector. From the cached
//! activations of the reference window this recomputes just that cone: the changed pool bins
//! from the conv1 tables, conv2 rows as reference + (change x kernel), the changed pool2
//! bins, and dense_1 as its cached pre-activation plus the change. A substitution that moves
//! no pool maximum costs two bin recomputations and returns the reference exactly.

use super::arch::*;
use super::native::{conv1_bin, dense1, head_from_dense1, Scratch, CODE_PAD_LEFT};
use crate::window::onehot::base_code;
use super::NativeModel;

/// Cached activations of one reference window.
pub struct Reference {
    codes: Vec<u8>,
    /// Padded pooled conv1 map after ReLU: (L1 + 2*PAD2) x C1.
    pool1: Vec<f32>,
    /// conv2 pre-activation with bias: L1 x C2.
    conv2: Vec<f32>,
    /// dense_1 input: flattened pool2 then the features.
    flat: Vec<f32>,
    /// dense_1 pre-activation.
    h1: [f32; D1],
    /// The reference window's prediction.
    pub prediction: f32,
}

/// Per-thread buffers for substitutions.
pub struct ConeScratch {
    codes: Vec<u8>,
    rows: Vec<f32>,
    conv2: Vec<f32>,
}

impl Reference {
    /// A scratch to evaluate substitutions of this reference (one per thread).
    pub fn scratch(&self) -> ConeScratch {
        ConeScratch { codes: self.codes.clone(), rows: vec![0.0; 2 * C1], conv2: vec![0.0; (K2 + 1) * C2] }
    }

    /// Code (0-3 for ACGT, 4 for anything else) of the reference base at window index `pos`.
    pub fn code(&self, pos: usize) -> u8 {
        self.codes[CODE_PAD_LEFT + pos]
    }
}

impl NativeModel {
    /// Runs the window once and keeps what substitutions need.
    pub fn reference(&self, seq: &[u8], features: &[f32; N_FEATURES]) -> Reference {
        let mut s = Scratch::default();
        let prediction = self.forward(seq, features, &mut s);
        let h1 = dense1(self.weights(), &s.dense_in);
        Reference { codes: s.codes, pool1: s.pool1, conv2: s.conv2, flat: s.dense_in, h1, prediction }
    }

    /// Prediction of the reference window with base `code` (0-3 = A, C, G, T) at `pos`.
    pub fn substitution(&self, r: &Reference, pos: usize, code: u8, s: &mut ConeScratch) -> f32 {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            return unsafe { substitution_avx2(self, r, pos, code, s) };
        }
        substitution(self, r, pos, code, s)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn substitution_avx2(m: &NativeModel, r: &Reference, pos: usize, code: u8, s: &mut ConeScratch) -> f32 {
    substitution(m, r, pos, code, s)
}

#[inline(always)]
fn substitution(m: &NativeModel, r: &Reference, pos: usize, code: u8, s: &mut ConeScratch) -> f32 {
    assert!(pos < SEQ_LEN && code < ALPHABET as u8);
    // conv1 outputs pos-3..=pos+2 change: their pool bins
    let (first, last) = (pos.saturating_sub(K1 - 1 - PAD1) / POOL1, ((pos + PAD1).min(SEQ_LEN - 1)) / POOL1);
    s.codes[CODE_PAD_LEFT + pos] = code;
    let (lo, hi) = m.tables();
    let mut changed = [None; 2];
    for (slot, bin) in (first..=last).enumerate() {
        let row = &mut s.rows[slot * C1..][..C1];
        conv1_bin(lo, hi, &s.codes, bin, row);
        let reference = &r.pool1[(PAD2 + bin) * C1..][..C1];
        if row != reference {
            row.iter_mut().zip(reference).for_each(|(n, r)| *n -= r);
            changed[slot] = Some(bin);
        }
    }
    s.codes[CODE_PAD_LEFT + pos] = r.codes[CODE_PAD_LEFT + pos];
    if changed.iter().all(Option::is_none) {
        return r.prediction;
    }
    // conv2 rows j with |j - bin| <= PAD2 for a changed bin
    let j0 = first.saturating_sub(PAD2);
    let j1 = (last + PAD2).min(L1 - 1);
    let w = &m.weights().conv2_kernel;
    let rows = &mut s.conv2[..(j1 - j0 + 1) * C2];
    rows.copy_from_slice(&r.conv2[j0 * C2..(j1 + 1) * C2]);
    for (slot, bin) in changed.iter().enumerate().filter_map(|(i, b)| b.map(|b| (i, b))) {
        let delta = &s.rows[slot * C1..][..C1];
        for j in bin.saturating_sub(PAD2)..=(bin + PAD2).min(L1 - 1) {
            let tap = bin + PAD2 - j;
            let out = &mut rows[(j - j0) * C2..][..C2];
            for (d, wrow) in delta.iter().zip(w[tap * C1 * C2..][..C1 * C2].chunks_exact(C2)) {
                if *d != 0.0 {
                    out.iter_mut().zip(wrow).for_each(|(o, w)| *o += d * w);
                }
            }
        }
    }
    // pool2 bins of the changed rows, and dense_1 from its cached pre-activation
    let mut h1 = r.h1;
    let dense1_kernel = &m.weights().dense1_kernel;
    let mut pooled = [0f32; C2];
    for t in j0 / POOL2..=j1 / POOL2 {
        let rows_of_t = t * POOL2..(t + 1) * POOL2;
        let source = |j: usize| if (j0..=j1).contains(&j) { &rows[(j - j0) * C2..][..C2] } else { &r.conv2[j * C2..][..C2] };
        pooled.fill(0.0);
        for j in rows_of_t {
            pooled.iter_mut().zip(source(j)).for_each(|(p, v)| *p = p.max(*v));
        }
        for (o, (&new, &old)) in pooled.iter().zip(&r.flat[t * C2..(t + 1) * C2]).enumerate() {
            let d = new - old;
            if d != 0.0 {
                let wrow = &dense1_kernel[(t * C2 + o) * D1..][..D1];
                h1.iter_mut().zip(wrow).for_each(|(h, w)| *h += d * w);
            }
        }
    }
    head_from_dense1(m.weights(), &h1)
}

/// Per-thread buffers for `NativeModel::partial`.
pub struct PartialScratch {
    codes: Vec<u8>,
    pool1: Vec<f32>,
    conv2: Vec<f32>,
}

impl Default for PartialScratch {
    fn default() -> Self {
        let s = Scratch::default();
        PartialScratch { codes: s.codes, pool1: s.pool1, conv2: s.conv2 }
    }
}

impl NativeModel {
    /// Prediction of `window`, a variant of the reference window `r` (an indel shifts one
    /// side of it), recomputing only what lies over the span where the two differ: the conv1
    /// bins of that span, conv2 rows within reach of them, their pool2 bins, and dense_1 from
    /// its cached pre-activation. Equals a full forward pass up to float rounding.
    pub fn partial(&self, r: &Reference, window: &[u8], s: &mut PartialScratch) -> f32 {
        assert_eq!(window.len(), SEQ_LEN, "window must be {SEQ_LEN} bp");
        for (c, &b) in s.codes[CODE_PAD_LEFT..CODE_PAD_LEFT + SEQ_LEN].iter_mut().zip(window) {
            *c = base_code(b);
        }
        let new = &s.codes[CODE_PAD_LEFT..CODE_PAD_LEFT + SEQ_LEN];
        let old = &r.codes[CODE_PAD_LEFT..CODE_PAD_LEFT + SEQ_LEN];
        let Some(first) = new.iter().zip(old).position(|(a, b)| a != b) else { return r.prediction };
        let last = SEQ_LEN - 1 - new.iter().rev().zip(old.iter().rev()).position(|(a, b)| a != b).expect("they differ");
        let (b0, b1) = (first.saturating_sub(K1 - 1 - PAD1) / POOL1, (last + PAD1).min(SEQ_LEN - 1) / POOL1);
        s.pool1.copy_from_slice(&r.pool1);
        let (lo, hi) = self.tables();
        for bin in b0..=b1 {
            conv1_bin(lo, hi, &s.codes, bin, &mut s.pool1[(PAD2 + bin) * C1..][..C1]);
        }
        let (j0, j1) = (b0.saturating_sub(PAD2), (b1 + PAD2).min(L1 - 1));
        s.conv2.copy_from_slice(&r.conv2);
        self.conv2_rows(&s.pool1, &mut s.conv2, j0..j1 + 1);
        let mut h1 = r.h1;
        let dense1_kernel = &self.weights().dense1_kernel;
        let mut pooled = [0f32; C2];
        for t in j0 / POOL2..=j1 / POOL2 {
            pooled.fill(0.0);
            for row in s.conv2[t * POOL2 * C2..(t + 1) * POOL2 * C2].chunks_exact(C2) {
                pooled.iter_mut().zip(row).for_each(|(p, v)| *p = p.max(*v));
            }
            for (o, (&new, &old)) in pooled.iter().zip(&r.flat[t * C2..(t + 1) * C2]).enumerate() {
                let d = new - old;
                if d != 0.0 {
                    h1.iter_mut().zip(&dense1_kernel[(t * C2 + o) * D1..][..D1]).for_each(|(h, w)| *h += d * w);
                }
            }
        }
        head_from_dense1(self.weights(), &h1)
    }
}
