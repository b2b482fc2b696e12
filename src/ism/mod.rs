//! In-silico saturation mutagenesis: every single-base substitution of a window, scored as
//! prediction(alt) - prediction(ref). The native path evaluates each substitution through the
//! incremental cone (`model::cone`); any other predictor (libtorch on a GPU) gets the mutated
//! windows in batches (brute force). Both give the same numbers (tested).

pub mod logo;
pub mod npy;
pub mod range;

use std::ops::Range;

use rayon::prelude::*;

use crate::model::arch::{ALPHABET, N_FEATURES};
use crate::model::{ModelInput, NativeModel, Predictor};
use crate::window::onehot::base_code;

/// The bases in model order.
pub const BASES: [u8; 4] = *b"ACGT";

/// Scores of one window position.
#[derive(Clone, Debug, PartialEq)]
pub struct PositionScores {
    /// 0-based window index.
    pub index: usize,
    /// Reference code: 0-3 for A, C, G, T; 4 (`onehot::NO_BASE`) for N or any other base.
    pub ref_code: u8,
    /// delta per base A, C, G, T; 0 for the reference base itself.
    pub delta: [f32; ALPHABET],
    /// The prediction with each base (the reference's own prediction at the reference base):
    /// what `score-variants` reports as alt_prediction, bit for bit.
    pub alt: [f32; ALPHABET],
}

impl PositionScores {
    /// The alternative codes scored here: the three other bases, or all four at an N.
    pub fn alts(&self) -> impl Iterator<Item = u8> + '_ {
        (0..ALPHABET as u8).filter(move |&c| c != self.ref_code)
    }

    /// delta minus the mean over the four bases at this position (the reference counted
    /// as 0; at an N, the mean of the four alternatives): the mean-centred attribution.
    pub fn centred(&self, code: u8) -> f32 {
        self.delta[code as usize] - self.delta.iter().sum::<f32>() / ALPHABET as f32
    }

    /// Mean delta over the alternatives, and the largest |delta|.
    pub fn mean_and_max_abs(&self) -> (f32, f32) {
        let (mut sum, mut n, mut max) = (0f32, 0, 0f32);
        for c in self.alts() {
            sum += self.delta[c as usize];
            n += 1;
            max = max.max(self.delta[c as usize].abs());
        }
        (sum / n as f32, max)
    }
}

/// One window's mutagenesis: the reference prediction and the scores of `range`.
pub struct Saturation {
    pub reference: f32,
    pub positions: Vec<PositionScores>,
}

/// All substitutions of `range` through the incremental cone, positions spread over threads.
pub fn saturate_native(model: &NativeModel, window: &[u8], features: &[f32; N_FEATURES], range: Range<usize>) -> Saturation {
    let reference = model.reference(window, features);
    let positions = range
        .into_par_iter()
        .with_min_len(64)
        .map_init(
            || reference.scratch(),
            |scratch, index| {
                let ref_code = reference.code(index);
                let (mut delta, mut alt) = ([0f32; ALPHABET], [reference.prediction; ALPHABET]);
                for code in (0..ALPHABET as u8).filter(|&c| c != ref_code) {
                    alt[code as usize] = model.substitution(&reference, index, code, scratch);
                    delta[code as usize] = alt[code as usize] - reference.prediction;
                }
                PositionScores { index, ref_code, delta, alt }
            },
        )
        .collect();
    Saturation { reference: reference.prediction, positions }
}

/// All substitutions of `range` by predicting every mutated window, `batch` at a time.
pub fn saturate_batched(
    predictor: &dyn Predictor,
    window: &[u8],
    features: &[f32; N_FEATURES],
    range: Range<usize>,
    batch: usize,
) -> Saturation {
    let mut reference = [0f32];
    predictor.predict_batch(&[ModelInput { seq: window, features: *features }], &mut reference);
    let variants: Vec<(usize, u8)> = range
        .clone()
        .flat_map(|i| {
            let r = base_code(window[i]);
            (0..ALPHABET as u8).filter(move |&c| c != r).map(move |c| (i, c))
        })
        .collect();
    let mut positions: Vec<PositionScores> =
        range.map(|index| PositionScores { index, ref_code: base_code(window[index]), delta: [0.0; ALPHABET], alt: [reference[0]; ALPHABET] }).collect();
    let first = positions.first().map_or(0, |p| p.index);
    for chunk in variants.chunks(batch.max(1)) {
        let mutated: Vec<Vec<u8>> = chunk
            .iter()
            .map(|&(i, c)| {
                let mut w = window.to_vec();
                w[i] = BASES[c as usize];
                w
            })
            .collect();
        let inputs: Vec<ModelInput> = mutated.iter().map(|w| ModelInput { seq: w, features: *features }).collect();
        let mut out = vec![0f32; inputs.len()];
        predictor.predict_batch(&inputs, &mut out);
        for (&(i, c), p) in chunk.iter().zip(out) {
            positions[i - first].delta[c as usize] = p - reference[0];
            positions[i - first].alt[c as usize] = p;
        }
    }
    Saturation { reference: reference[0], positions }
}

/// Runs the cone when the predictor is the native model, brute force otherwise.
pub fn saturate(predictor: &dyn Predictor, window: &[u8], features: &[f32; N_FEATURES], range: Range<usize>, batch: usize) -> Saturation {
    match predictor.as_native() {
        Some(native) => saturate_native(native, window, features, range),
        None => saturate_batched(predictor, window, features, range, batch),
    }
}
