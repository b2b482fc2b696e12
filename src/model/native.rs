//! The native CPU forward pass: a clean f32 implementation of the Keras graph.
//!
//! conv1 reads one-hot input, so each of its outputs is the bias plus a sum of six rows
//! of the kernel picked by the bases (a table lookup, no multiplications); ReLU and the
//! 30-wide max-pool are fused into it (max commutes with ReLU), so the 10,500 x 128
//! activation is never stored. The rest follows the layers one by one.

use rayon::prelude::*;

use super::arch::*;
use super::{ModelInput, Predictor, Weights};
use crate::window::onehot::base_code;

/// Working buffers of one forward pass, reused across windows of a thread.
pub struct Scratch {
    codes: Vec<u8>,
    pool1: Vec<f32>,
    acc: Vec<f32>,
    conv2: Vec<f32>,
    dense_in: Vec<f32>,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            codes: vec![0; SEQ_LEN],
            pool1: vec![0.0; L1 * C1],
            acc: vec![0.0; C1],
            conv2: vec![0.0; C2],
            dense_in: vec![0.0; DENSE_IN],
        }
    }
}

/// The Xpresso model evaluated with plain Rust loops on the CPU.
pub struct NativeModel {
    weights: Weights,
}

impl NativeModel {
    pub fn new(weights: Weights) -> Self {
        NativeModel { weights }
    }

    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// Predicts one window (ASCII bases, length `SEQ_LEN`) with its 6 features.
    pub fn forward(&self, seq: &[u8], features: &[f32; N_FEATURES], s: &mut Scratch) -> f32 {
        assert_eq!(seq.len(), SEQ_LEN, "window must be {SEQ_LEN} bp");
        for (c, &b) in s.codes.iter_mut().zip(seq) {
            *c = base_code(b);
        }
        self.conv1_pool(s);
        self.conv2_pool(s);
        s.dense_in[FLAT..].copy_from_slice(features);
        self.dense_head(&s.dense_in)
    }

    /// conv1 as lookups + ReLU + max-pool(30) into `pool1` (L1 x C1).
    fn conv1_pool(&self, s: &mut Scratch) {
        let w = &self.weights;
        for bin in 0..L1 {
            let best = &mut s.pool1[bin * C1..(bin + 1) * C1];
            best.fill(f32::NEG_INFINITY);
            for i in bin * POOL1..(bin + 1) * POOL1 {
                s.acc.copy_from_slice(&w.conv1_bias);
                for k in 0..K1 {
                    let Some(pos) = (i + k).checked_sub(PAD1).filter(|&p| p < SEQ_LEN) else {
                        continue;
                    };
                    let code = s.codes[pos] as usize;
                    if code < ALPHABET {
                        let row = &w.conv1_kernel[(k * ALPHABET + code) * C1..][..C1];
                        for (a, r) in s.acc.iter_mut().zip(row) {
                            *a += r;
                        }
                    }
                }
                for (b, a) in best.iter_mut().zip(&s.acc) {
                    *b = b.max(*a);
                }
            }
            for b in best.iter_mut() {
                *b = b.max(0.0);
            }
        }
    }

    /// conv2 + ReLU + max-pool(10), written into the first FLAT entries of `dense_in`.
    fn conv2_pool(&self, s: &mut Scratch) {
        let w = &self.weights;
        s.dense_in[..FLAT].fill(0.0); // ReLU outputs are >= 0, so 0 is the pool's identity
        for j in 0..L1 {
            s.conv2.copy_from_slice(&w.conv2_bias);
            for k in 0..K2 {
                let Some(src) = (j + k).checked_sub(PAD2).filter(|&p| p < L1) else {
                    continue;
                };
                let input = &s.pool1[src * C1..(src + 1) * C1];
                let kernel = &w.conv2_kernel[k * C1 * C2..(k + 1) * C1 * C2];
                for (x, row) in input.iter().zip(kernel.chunks_exact(C2)) {
                    for (o, r) in s.conv2.iter_mut().zip(row) {
                        *o += x * r;
                    }
                }
            }
            let out = &mut s.dense_in[(j / POOL2) * C2..][..C2];
            for (o, v) in out.iter_mut().zip(&s.conv2) {
                *o = o.max(*v);
            }
        }
    }

    /// dense_1 (ReLU) -> dense_2 (ReLU) -> dense_3 (linear).
    fn dense_head(&self, x: &[f32]) -> f32 {
        let w = &self.weights;
        let mut h1 = [0f32; D1];
        h1.copy_from_slice(&w.dense1_bias);
        for (xi, row) in x.iter().zip(w.dense1_kernel.chunks_exact(D1)) {
            if *xi != 0.0 {
                for (h, r) in h1.iter_mut().zip(row) {
                    *h += xi * r;
                }
            }
        }
        let mut h2 = [w.dense2_bias[0], w.dense2_bias[1]];
        for (u, h) in h1.iter().enumerate() {
            let h = h.max(0.0);
            h2[0] += h * w.dense2_kernel[u * D2];
            h2[1] += h * w.dense2_kernel[u * D2 + 1];
        }
        w.dense3_bias[0] + h2[0].max(0.0) * w.dense3_kernel[0] + h2[1].max(0.0) * w.dense3_kernel[1]
    }
}

impl Predictor for NativeModel {
    fn predict_batch(&self, inputs: &[ModelInput<'_>], out: &mut [f32]) {
        inputs
            .par_iter()
            .zip(out.par_iter_mut())
            .for_each_init(Scratch::default, |s, (input, o)| {
                *o = self.forward(input.seq, &input.features, s);
            });
    }
}
