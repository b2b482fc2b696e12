//! `predict` on the reference cases (features by record id, centred short sequences, bad
//! lengths) and `scan` tiles on both strands.

mod common;

use common::{human_model, random_bases, reference_cases, revcomp, tsv_rows, write_bgzf_fasta, write_fasta, xpresso};
use xpresso::model::{ModelInput, NativeModel, Predictor, Weights};

fn model() -> String {
    human_model().to_string_lossy().into_owned()
}

fn native(seqs: &[Vec<u8>]) -> Vec<f32> {
    let m = NativeModel::new(Weights::from_h5(&human_model()).unwrap());
    let inputs: Vec<ModelInput> = seqs.iter().map(|s| ModelInput { seq: s, features: [0.0; 6] }).collect();
    let mut out = vec![0f32; seqs.len()];
    m.predict_batch(&inputs, &mut out);
    out
}

#[test]
fn predict_reproduces_reference_io_with_features() {
    let dir = tempfile::tempdir().unwrap();
    let cases = reference_cases();
    let mut records: Vec<(&str, &[u8])> = cases.iter().map(|c| (c.id.as_str(), c.sequence.as_slice())).collect();
    let short = random_bases(501, 4);
    records.push(("short", &short));
    let fa = dir.path().join("seqs.fa");
    write_fasta(&fa, &records, 80);
    let mut table = String::from("id\tf1\tf2\tf3\tf4\tf5\tf6\n");
    for c in cases.iter().filter(|c| c.features.iter().any(|&f| f != 0.0)) {
        let f: Vec<String> = c.features.iter().map(|v| v.to_string()).collect();
        table.push_str(&format!("{}\t{}\n", c.id, f.join("\t")));
    }
    let tsv = dir.path().join("features.tsv");
    std::fs::write(&tsv, table).unwrap();
    let (status, stdout, stderr) = xpresso(&["predict", "-m", &model(), "--fasta", &fa.to_string_lossy(), "--features", &tsv.to_string_lossy()]);
    assert!(status.success(), "{stderr}");
    let rows = tsv_rows(&stdout);
    assert_eq!(rows[0], ["id", "length", "prediction", "n_fraction"]);
    for (row, case) in rows[1..].iter().zip(&cases) {
        assert_eq!(row[0], case.id);
        let got: f64 = row[2].parse().unwrap();
        assert!((got - case.expected).abs() <= 1e-4, "{}: {got} vs {}", case.id, case.expected);
    }
    // the short record is centred on index 7000: 501 bp start at 7000 - 250
    let mut centred = vec![b'N'; 10_500];
    centred[6750..7251].copy_from_slice(&short);
    let got: f32 = rows[9][2].parse().unwrap();
    assert_eq!(rows[9][..2], ["short", "501"]);
    assert!((got - native(&[centred])[0]).abs() < 2e-6);
    assert!(stderr.contains("keys had no features row"), "records without a row are counted: {stderr}");
}

#[test]
fn predict_rejects_other_lengths_naming_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let fa = dir.path().join("bad.fa");
    write_fasta(&fa, &[("fine", &random_bases(10_500, 1)), ("toolong", &random_bases(8000, 2))], 60);
    let out = dir.path().join("out.tsv");
    let (status, _, stderr) = xpresso(&["predict", "-q", "-m", &model(), "--fasta", &fa.to_string_lossy(), "-o", &out.to_string_lossy()]);
    assert_eq!(status.code(), Some(3));
    assert!(stderr.contains("record 'toolong' is 8000 bp"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn scan_tiles_both_strands() {
    let dir = tempfile::tempdir().unwrap();
    let seq = random_bases(40_000, 21);
    write_bgzf_fasta(&dir.path().join("g.fa.gz"), &[("chr5", &seq)], 60);
    let prefix = dir.path().join("locus");
    // 1-based 1001-22000: window starts a = 1000, 1500, ... while a + 10500 <= 22000
    let (status, _, stderr) = xpresso(&[
        "scan", "-q", "-m", &model(), "--genome", &dir.path().join("g.fa.gz").to_string_lossy(),
        "--region", "5:1,001-22,000", "--step", "500", "--offset", "1", "-o", &prefix.to_string_lossy(),
        "--bigwig", &prefix.to_string_lossy(),
    ]);
    assert!(status.success(), "{stderr}");
    let plus = std::fs::read_to_string(dir.path().join("locus.plus.bedGraph")).unwrap();
    let minus = std::fs::read_to_string(dir.path().join("locus.minus.bedGraph")).unwrap();
    let starts: Vec<usize> = (0..).map(|t| 1000 + 500 * t).take_while(|a| a + 10_500 <= 22_000).collect();
    assert_eq!(plus.lines().count(), starts.len());
    let fwd: Vec<Vec<u8>> = starts.iter().map(|&a| seq[a..a + 10_500].to_vec()).collect();
    // the minus window is 2 bp right of the plus tile (the published Fig 5 rule)
    let rc: Vec<Vec<u8>> = starts.iter().map(|&a| revcomp(&seq[a + 2..a + 10_502])).collect();
    let (pf, pr) = (native(&fwd), native(&rc));
    for (i, &a) in starts.iter().enumerate() {
        let p: Vec<&str> = plus.lines().nth(i).unwrap().split('\t').collect();
        let m: Vec<&str> = minus.lines().nth(i).unwrap().split('\t').collect();
        // intervals `step` wide centred on a+7000 (plus) and a+3500 (minus), named as in the FASTA
        // (the minus window, [a+2, a+10502), puts its index 7000 at a+3501)
        assert_eq!(p[..3], ["chr5".to_string(), (a + 6750).to_string(), (a + 7250).to_string()]);
        assert_eq!(m[..3], ["chr5".to_string(), (a + 3250).to_string(), (a + 3750).to_string()]);
        assert!((p[3].parse::<f32>().unwrap() - 1.0 - pf[i]).abs() < 2e-6);
        assert!((m[3].parse::<f32>().unwrap() - 1.0 - pr[i]).abs() < 2e-6);
    }
    // the bigWigs hold the same intervals and values, chromosome sized from the FASTA index
    for (strand, bedgraph) in [("plus", &plus), ("minus", &minus)] {
        let mut bw = bigtools::BigWigRead::open_file(dir.path().join(format!("locus.{strand}.bw"))).unwrap();
        assert_eq!(bw.chroms().iter().map(|c| (c.name.as_str(), c.length)).collect::<Vec<_>>(), [("chr5", 40_000)]);
        for line in bedgraph.lines() {
            let c: Vec<&str> = line.split('\t').collect();
            let (a, b): (u32, u32) = (c[1].parse().unwrap(), c[2].parse().unwrap());
            let got = bw.get_interval("chr5", a, b).unwrap().map(|v| v.unwrap()).map(|v| (v.start, v.end, v.value)).collect::<Vec<_>>();
            assert_eq!(got.len(), 1, "{line}");
            assert_eq!((got[0].0, got[0].1), (a, b));
            assert!((got[0].2 - c[3].parse::<f32>().unwrap()).abs() < 2e-6, "{line}");
        }
    }
}

#[test]
fn scan_refuses_a_region_shorter_than_a_window() {
    let dir = tempfile::tempdir().unwrap();
    write_fasta(&dir.path().join("g.fa"), &[("chr5", &random_bases(20_000, 2))], 60);
    let (status, _, stderr) = xpresso(&["scan", "-m", &model(), "--genome", &dir.path().join("g.fa").to_string_lossy(), "--region", "chr5:1-10000", "-o", &dir.path().join("x").to_string_lossy()]);
    assert_eq!(status.code(), Some(3));
    assert!(stderr.contains("shorter than one 10500 bp window"), "{stderr}");
}
