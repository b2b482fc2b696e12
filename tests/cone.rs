//! The incremental cone equals brute-force recomputation: every substitution of three whole
//! windows (real hg38 promoters on + and -, a window with N runs) against the native full
//! forward pass (itself tested against the oracle), and a sample against the float64 oracle.

mod common;

use common::{hg38_piece, human_model, oracle, piece_window, reference_cases};
use rayon::prelude::*;
use xpresso::model::{NativeModel, Weights};

const TOLERANCE: f32 = 1e-5;

/// Max |incremental - brute force| over all substitutions at `positions`.
fn max_error(model: &NativeModel, seq: &[u8], features: [f32; 6], positions: std::ops::Range<usize>) -> f32 {
    let reference = model.reference(seq, &features);
    positions
        .into_par_iter()
        .map_init(
            || (reference.scratch(), xpresso::model::native::Scratch::default(), seq.to_vec()),
            |(cone, full, mutated), pos| {
                let mut worst = 0f32;
                for code in 0..4u8 {
                    if code == reference.code(pos) {
                        continue;
                    }
                    let fast = model.substitution(&reference, pos, code, cone);
                    mutated[pos] = b"ACGT"[code as usize];
                    let slow = model.forward(mutated, &features, full);
                    mutated[pos] = seq[pos];
                    worst = worst.max((fast - slow).abs());
                }
                worst
            },
        )
        .reduce(|| 0.0, f32::max)
}

#[test]
fn every_substitution_of_real_windows_matches_brute_force() {
    let model = NativeModel::new(Weights::from_h5(&human_model()).unwrap());
    let piece = hg38_piece();
    // real hg38 promoters: SLC5A1 on + and RFPL2 on - (reverse-complemented), whole windows
    let slc5a1 = piece_window(&piece, 0, 43_260, false).unwrap();
    let rfpl2 = piece_window(&piece, 0, 205_072, true).unwrap();
    // a reference case with N runs and soft-masked bases, whole window
    let case = &reference_cases()[1];
    assert!(case.sequence.iter().any(|&b| b == b'N' || b == b'n'));
    for (name, seq, features) in [("SLC5A1", &slc5a1, [0.0; 6]), ("RFPL2", &rfpl2, [0.5, -0.5, 1.0, 0.0, 0.2, -1.0]), (&*case.id, &case.sequence, case.features)] {
        let err = max_error(&model, seq, features, 0..10_500);
        assert!(err <= TOLERANCE, "{name}: max error {err}");
    }
}

#[test]
fn a_sample_matches_the_float64_oracle() {
    let w = Weights::from_h5(&human_model()).unwrap();
    let model = NativeModel::new(w.clone());
    let case = &reference_cases()[3];
    let reference = model.reference(&case.sequence, &case.features);
    let mut cone = reference.scratch();
    for (pos, code) in [(0usize, 0u8), (7000, 1), (7001, 2), (5003, 3), (10_499, 0), (3333, 2)] {
        let code = if code == reference.code(pos) { (code + 1) % 4 } else { code };
        let fast = model.substitution(&reference, pos, code, &mut cone);
        let mut mutated = case.sequence.clone();
        mutated[pos] = b"ACGT"[code as usize];
        let slow = oracle::predict(&w, &mutated, &case.features);
        assert!((fast as f64 - slow).abs() <= 1e-4, "pos {pos}: {fast} vs oracle {slow}");
    }
}
