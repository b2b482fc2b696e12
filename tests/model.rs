//! The model against the original: every row of reference_io.tsv to 1e-4, for the oracle and
//! the native forward pass; native against the oracle on random windows with N runs; both
//! published files load; wrong or truncated files are refused.

mod common;

use common::{human_model, mouse_model, oracle, random_bases, reference_cases};
use xpresso::model::{ModelInput, NativeModel, Predictor, Weights};

#[test]
fn oracle_reproduces_reference_io() {
    let w = Weights::from_h5(&human_model()).unwrap();
    let cases = reference_cases();
    assert_eq!(cases.len(), 8);
    for case in &cases {
        let got = oracle::predict(&w, &case.sequence, &case.features);
        assert!((got - case.expected).abs() <= 1e-4, "{}: oracle {got} vs expected {}", case.id, case.expected);
    }
}

#[test]
fn native_reproduces_reference_io() {
    let model = NativeModel::new(Weights::from_h5(&human_model()).unwrap());
    let cases = reference_cases();
    let inputs: Vec<ModelInput> = cases.iter().map(|c| ModelInput { seq: &c.sequence, features: c.features }).collect();
    let mut out = vec![0f32; inputs.len()];
    model.predict_batch(&inputs, &mut out);
    for (case, got) in cases.iter().zip(&out) {
        let diff = (*got as f64 - case.expected).abs();
        assert!(diff <= 1e-4, "{}: native {got} vs expected {} (diff {diff})", case.id, case.expected);
    }
}

#[test]
fn native_matches_oracle_on_random_windows_with_n_runs() {
    for (path, seed) in [(human_model(), 1u64), (mouse_model(), 2)] {
        let w = Weights::from_h5(&path).unwrap();
        let model = NativeModel::new(w.clone());
        let mut seq = random_bases(10_500, seed);
        seq[0..40].fill(b'N'); // at the left edge
        seq[5000..5733].fill(b'N'); // a run inside
        seq[10_480..].fill(b'n'); // lowercase n at the right edge
        seq[7000..7100].make_ascii_lowercase(); // soft-masked
        seq[200] = b'R'; // IUPAC code
        let features = [0.3, -1.2, 0.0, 2.5, -0.7, 1.1];
        let expected = oracle::predict(&w, &seq, &features);
        let mut out = [0f32];
        model.predict_batch(&[ModelInput { seq: &seq, features }], &mut out);
        assert!((out[0] as f64 - expected).abs() <= 1e-4, "{}: native {} vs oracle {expected}", path.display(), out[0]);
    }
}

#[test]
fn both_published_models_load_and_differ() {
    let human = Weights::from_h5(&human_model()).unwrap();
    let mouse = Weights::from_h5(&mouse_model()).unwrap();
    assert_eq!(human.conv1_kernel.len(), 6 * 4 * 128);
    assert_eq!(mouse.dense1_kernel.len(), 1126 * 64);
    assert_ne!(human.conv1_kernel, mouse.conv1_kernel);
}

#[test]
fn truncated_model_is_refused() {
    let bytes = std::fs::read(human_model()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for keep in [100, 4096, bytes.len() / 2, bytes.len() - 1000] {
        let path = dir.path().join(format!("cut{keep}.h5"));
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let Err(err) = Weights::from_h5(&path) else { panic!("a file cut at {keep} bytes must be refused") };
        let msg = format!("{err:#}");
        assert!(msg.contains(&*path.to_string_lossy()), "message names the file: {msg}");
    }
}

#[test]
fn wrong_shape_model_is_refused() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/wrong_shape_model.h5");
    let Err(err) = Weights::from_h5(&path) else { panic!("a model of another architecture must be refused") };
    let msg = format!("{err:#}");
    assert!(msg.contains("conv1d_1/kernel:0") && msg.contains("expected [6, 4, 128]"), "{msg}");
}

#[test]
fn not_hdf5_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text.h5");
    std::fs::write(&path, "this is not HDF5\n").unwrap();
    let Err(err) = Weights::from_h5(&path) else { panic!("a text file must be refused") };
    let msg = format!("{err:#}");
    assert!(msg.contains("not a readable HDF5 file"), "{msg}");
}
