//! Parity of the libtorch backend (feature `torch`, run on CPU libtorch in CI) with the
//! original outputs and with the native kernel.
#![cfg(feature = "torch")]

mod common;

use common::{human_model, random_bases, reference_cases, tsv_rows, xpresso};
use xpresso::model::torch::{parse_device, TorchModel};
use xpresso::model::{ModelInput, NativeModel, Predictor, Weights};

#[test]
fn torch_cpu_reproduces_reference_io_and_native() {
    let w = Weights::from_h5(&human_model()).unwrap();
    let torch = TorchModel::new(&w, tch::Device::Cpu).unwrap();
    let native = NativeModel::new(w);
    let cases = reference_cases();
    let mut windows: Vec<(Vec<u8>, [f32; 6])> = cases.iter().map(|c| (c.sequence.clone(), c.features)).collect();
    for seed in 0..6u64 {
        let mut seq = random_bases(10_500, 100 + seed);
        seq[(seed as usize * 1500)..(seed as usize * 1500 + 800)].fill(b'N');
        seq[9000..9500].make_ascii_lowercase();
        windows.push((seq, [seed as f32 * 0.3 - 0.8; 6]));
    }
    let inputs: Vec<ModelInput> = windows.iter().map(|(s, f)| ModelInput { seq: s, features: *f }).collect();
    let (mut t, mut n) = (vec![0f32; inputs.len()], vec![0f32; inputs.len()]);
    torch.predict_batch(&inputs, &mut t);
    native.predict_batch(&inputs, &mut n);
    for (case, got) in cases.iter().zip(&t) {
        assert!((*got as f64 - case.expected).abs() <= 1e-4, "{}: torch {got} vs {}", case.id, case.expected);
    }
    for (i, (a, b)) in t.iter().zip(&n).enumerate() {
        assert!((a - b).abs() <= 1e-4, "window {i}: torch {a} vs native {b}");
    }
}

#[test]
fn device_names() {
    assert_eq!(parse_device("cpu").unwrap(), tch::Device::Cpu);
    assert_eq!(parse_device("cuda:1").unwrap(), tch::Device::Cuda(1));
    assert!(parse_device("gpu").is_err());
}

#[test]
fn cli_predict_with_the_torch_backend() {
    let dir = tempfile::tempdir().unwrap();
    let fa = dir.path().join("r.fa");
    let cases = reference_cases();
    let records: Vec<(&str, &[u8])> = cases.iter().map(|c| (c.id.as_str(), c.sequence.as_slice())).collect();
    common::write_fasta(&fa, &records, 60);
    let model = human_model().to_string_lossy().into_owned();
    let (status, stdout, stderr) = xpresso(&["predict", "-q", "--backend", "torch", "--device", "cpu", "-m", &model, "--fasta", &fa.to_string_lossy()]);
    assert!(status.success(), "{stderr}");
    for (row, case) in tsv_rows(&stdout)[1..].iter().zip(&cases) {
        if case.features.iter().all(|&f| f == 0.0) {
            let got: f64 = row[2].parse().unwrap();
            assert!((got - case.expected).abs() <= 1e-4, "{}: {got}", case.id);
        }
    }
}

#[test]
fn batched_ism_on_torch_cpu_matches_the_native_cone() {
    let w = Weights::from_h5(&human_model()).unwrap();
    let torch = TorchModel::new(&w, tch::Device::Cpu).unwrap();
    let native = NativeModel::new(w);
    let case = &reference_cases()[1];
    let range = 6990..7010;
    let cone = xpresso::ism::saturate_native(&native, &case.sequence, &case.features, range.clone());
    let batched = xpresso::ism::saturate(&torch, &case.sequence, &case.features, range, 32);
    for (a, b) in cone.positions.iter().zip(&batched.positions) {
        for c in 0..4 {
            assert!((a.delta[c] - b.delta[c]).abs() <= 1e-4, "{} {c}: cone {} vs torch {}", a.index, a.delta[c], b.delta[c]);
        }
    }
}

/// `personal` through libtorch (the path `--device cuda` takes, base codes one-hot encoded
/// on the device) gives the native values on the real donors, within 1e-5.
#[test]
fn personal_on_torch_cpu_matches_native() {
    let dir = tempfile::tempdir().unwrap();
    let piece = common::read_piece(&common::shared().join("data/genome/GRCh37_22_20-21M.fa"));
    let fa = dir.path().join("22.fa.gz");
    common::place_piece(&fa, "22", 51_304_566, 20_000_000, &piece);
    let gtf = common::shared().join("data/annotation/chr22.GRCh37.75.gtf.gz");
    let vcf = common::shared().join("data/variants/dropseq_10donors_22_20-21M.b37.vcf.gz");
    let model = human_model().to_string_lossy().into_owned();
    let run = |extra: &[&str]| {
        let (status, stdout, stderr) = xpresso(&[
            &["personal", "-q", "-m", &model, "-g", &fa.to_string_lossy(), "--gtf", &gtf.to_string_lossy(), "--vcf", &vcf.to_string_lossy()][..],
            &["--region", "22:20,000,001-20,400,000", "--unphased", "as-listed", "--haplotypes"],
            extra,
        ]
        .concat());
        assert!(status.success(), "{stderr}");
        tsv_rows(&stdout)
    };
    let (native, torch) = (run(&[]), run(&["--backend", "torch", "--device", "cpu"]));
    assert_eq!(native.len(), torch.len());
    assert!(native.len() > 10);
    for (a, b) in native.iter().zip(&torch).skip(1) {
        assert_eq!(a[..5], b[..5]);
        for (x, y) in a[5..].iter().zip(&b[5..]).filter(|(x, _)| x.contains('.') && *x != ".") {
            let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
            assert!((x - y).abs() <= 1e-5, "{a:?} vs {b:?}");
        }
    }
}

/// An installed torch build must start from a fresh shell (a workflow task) without
/// LD_LIBRARY_PATH: build.rs records libtorch's folder as the binary's run path.
#[test]
fn the_torch_binary_runs_without_ld_library_path() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xpresso")).arg("--version").env_remove("LD_LIBRARY_PATH").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("libtorch, for --device cuda"), "{}", String::from_utf8_lossy(&out.stdout));
}
