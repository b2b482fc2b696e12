//! docs/validation/validation.py (the validation page's figures and pictures) still runs on
//! the built binary and still gives the figures docs/validation.md states; its pictures are
//! well-formed SVG with every point drawn.

mod common;

use std::collections::HashMap;
use std::process::Command;

#[test]
fn the_validation_script_runs_and_gives_the_stated_figures() {
    let out = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/validation/validation.py");
    let run = Command::new("python3")
        .args([script, "--xpresso", env!("CARGO_BIN_EXE_xpresso"), "--shared", &common::shared().to_string_lossy(), "--out", &out.path().to_string_lossy()])
        .output()
        .expect("python3");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let figures: HashMap<String, (f64, usize)> = std::fs::read_to_string(out.path().join("figures.tsv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .map(|f| (f[0].to_string(), (f[1].parse().unwrap(), f[2].parse().unwrap())))
        .collect();
    let check = |name: &str, lo: f64, hi: f64, n: usize| {
        let (v, got_n) = figures[name];
        assert!((lo..=hi).contains(&v) && got_n == n, "{name} = {v} (n = {got_n}), stated [{lo}, {hi}] n = {n}");
    };
    check("fig5_plus_max_abs_error", 0.0, 0.005, 24);
    check("fig5_minus_max_abs_error", 0.0, 0.012, 24);
    check("kipoi_windows_max_abs_error", 0.0, 1e-5, 12);
    check("kipoi_predictions_vs_labels_r", 0.73, 0.75, 15_348);
    check("epo_windows_vs_labels_r", 0.53, 0.57, 269);
    check("epo_windows_95pct_covered_vs_labels_r", 0.73, 0.77, 29);
    for (name, circles) in [("fig5_gstm1.svg", 2 * (24 * 2 + 1)), ("expression_scatter.svg", 269 + 2)] {
        let svg = std::fs::read_to_string(out.path().join(name)).unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.trim_end().ends_with("</svg>"), "{name}");
        assert_eq!(svg.matches("<circle ").count(), circles, "{name}: every point drawn");
        assert_eq!(svg.matches('<').count(), svg.matches('>').count(), "{name}: balanced tags");
    }
}
