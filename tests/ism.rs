//! `xpresso ism` end to end: every TSV row against brute-force recomputation, genomic
//! positions and reference bases on both strands, N references with four alternatives, the
//! centred attribution, the .npy matrices, bedGraph and bigWig tracks read back, FASTA mode.

mod common;

use std::collections::HashMap;

use common::{human_model, random_bases, tsv_rows, window_of, write_fasta, xpresso};
use xpresso::model::native::Scratch;
use xpresso::model::{NativeModel, Weights};

struct Fixture {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    chr1: Vec<u8>,
}

impl Fixture {
    fn p(&self, name: &str) -> String {
        self.root.join(name).to_string_lossy().into_owned()
    }
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let mut chr1 = random_bases(40_000, 31);
    chr1[19_995..20_003].fill(b'N'); // N references just upstream of GP's TSS
    write_fasta(&root.join("g.fa"), &[("chr1", &chr1)], 60);
    let gtf = "\
1\tt\tgene\t20001\t22000\t.\t+\t.\tgene_id \"GP.2\"; gene_name \"PLUS\";
1\tt\tgene\t5001\t25000\t.\t-\t.\tgene_id \"GM\"; gene_name \"MINUS\";
1\tt\tgene\t30001\t31000\t.\t+\t.\tgene_id \"GX\"; gene_name \"OTHER\";
";
    std::fs::write(root.join("g.gtf"), gtf).unwrap();
    Fixture { _dir: dir, root, chr1 }
}

fn complement(b: u8) -> u8 {
    common::revcomp(&[b])[0]
}

#[test]
fn gene_mode_rows_match_brute_force_on_both_strands() {
    let f = fixture();
    let model_path = human_model().to_string_lossy().into_owned();
    let (status, stdout, stderr) = xpresso(&[
        "ism", "-q", "-m", &model_path, "--genome", &f.p("g.fa"), "--gtf", &f.p("g.gtf"), "--gene", "GP,MINUS",
        "--range", "-20:+10", "--npy", &f.p("npy"), "--bedgraph", &f.p("t"), "--bigwig", &f.p("t"),
    ]);
    assert!(status.success(), "{stderr}");
    let rows = tsv_rows(&stdout);
    assert_eq!(rows[0], ["id", "gene_name", "chrom", "pos", "strand", "window_index", "ref", "alt", "delta", "centred"]);
    let model = NativeModel::new(Weights::from_h5(&human_model()).unwrap());
    let mut scratch = Scratch::default();
    let windows: HashMap<&str, (Vec<u8>, bool)> =
        [("GP.2", (window_of(&f.chr1, 20_000, false), false)), ("GM", (window_of(&f.chr1, 24_999, true), true))].into();
    let reference: HashMap<&str, f32> = windows.iter().map(|(k, (w, _))| (*k, model.forward(w, &[0.0; 6], &mut scratch))).collect();
    // (id, window index) -> [(alt, delta, centred)]
    type Alts = Vec<(char, f32, f32)>;
    let mut per_position: HashMap<(String, usize), Alts> = HashMap::new();
    for r in &rows[1..] {
        let (id, pos, idx): (&str, usize, usize) = (&r[0], r[3].parse().unwrap(), r[5].parse().unwrap());
        let (window, minus) = &windows[id];
        assert!((6980..=7010).contains(&idx), "range -20:+10");
        // pos is 1-based genomic; ref is the window base (on the gene's strand)
        let genome_base = f.chr1[pos - 1];
        let expected_ref = if *minus { complement(genome_base) } else { genome_base.to_ascii_uppercase() };
        assert_eq!(r[6].as_bytes()[0], expected_ref, "{id} pos {pos}");
        assert_eq!(if *minus { 24_999 + 7000 - idx + 1 } else { 20_000 - 7000 + idx + 1 }, pos);
        let mut mutated = window.clone();
        mutated[idx] = r[7].as_bytes()[0];
        let brute = model.forward(&mutated, &[0.0; 6], &mut scratch) - reference[id];
        let delta: f32 = r[8].parse().unwrap();
        assert!((delta - brute).abs() <= 1e-5, "{id} {idx} {}: {delta} vs brute force {brute}", r[7]);
        per_position.entry((id.to_string(), idx)).or_default().push((r[7].as_bytes()[0] as char, delta, r[9].parse().unwrap()));
    }
    assert_eq!(per_position.len(), 2 * 31);
    for ((id, idx), alts) in &per_position {
        let n_ref = windows[id.as_str()].0[*idx] == b'N';
        assert_eq!(alts.len(), if n_ref { 4 } else { 3 }, "{id} {idx}: an N reference has four alternatives");
        let mean = alts.iter().map(|a| a.1).sum::<f32>() / 4.0;
        for (_, delta, centred) in alts {
            assert!((centred - (delta - mean)).abs() < 2e-6, "centred = delta - mean of four");
        }
    }
    assert!(per_position.keys().any(|(id, idx)| id == "GP.2" && windows["GP.2"].0[*idx] == b'N'));

    // npy: (31, 4) float32, delta per A C G T, 0 at the reference base
    let npy = std::fs::read(f.root.join("npy/GP.2.npy")).unwrap();
    let header_len = u16::from_le_bytes([npy[8], npy[9]]) as usize;
    assert!(std::str::from_utf8(&npy[10..10 + header_len]).unwrap().contains("'shape': (31, 4)"));
    let values: Vec<f32> = npy[10 + header_len..].chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    for ((_, idx), alts) in per_position.iter().filter(|(k, _)| k.0 == "GP.2") {
        for (alt, delta, _) in alts {
            let col = "ACGT".find(*alt).unwrap();
            assert!((values[(idx - 6980) * 4 + col] - delta).abs() < 1e-6);
        }
    }

    // tracks: per genomic base the mean delta and the max |delta|; bigWig equals bedGraph
    let maxabs = std::fs::read_to_string(f.p("t.maxabs.bedGraph")).unwrap();
    assert_eq!(maxabs.lines().count(), 62);
    let mut bw = bigtools::BigWigRead::open_file(f.p("t.maxabs.bw")).unwrap();
    for line in maxabs.lines() {
        let c: Vec<&str> = line.split('\t').collect();
        let start: u32 = c[1].parse().unwrap();
        let key_id = if (20_000 - 40..20_100).contains(&start) { "GP.2" } else { "GM" };
        let idx = if key_id == "GP.2" { start as usize + 7000 - 20_000 } else { 24_999 + 7000 - start as usize };
        let want = per_position[&(key_id.to_string(), idx)].iter().map(|a| a.1.abs()).fold(0f32, f32::max);
        let got: f32 = c[3].parse().unwrap();
        assert!((got - want).abs() < 2e-6, "{line}");
        let v = bw.values("chr1", start, start + 1).unwrap()[0];
        assert!((v - got).abs() < 2e-6, "bigWig {v} vs bedGraph {got}");
    }
}

#[test]
fn fasta_mode_and_errors() {
    let f = fixture();
    let model_path = human_model().to_string_lossy().into_owned();
    write_fasta(&f.root.join("s.fa"), &[("short", b"ACGTNACGTA")], 60);
    let (status, stdout, stderr) = xpresso(&["ism", "-q", "-m", &model_path, "--fasta", &f.p("s.fa"), "--range", "-5:+4"]);
    assert!(status.success(), "{stderr}");
    let rows = tsv_rows(&stdout);
    assert_eq!(rows[0], ["id", "window_index", "ref", "alt", "delta", "centred"]);
    // 10 bases centred at 7000-5; the N at index 6999 gets four rows
    assert_eq!(rows.len() - 1, 9 * 3 + 4);
    assert_eq!(rows.iter().filter(|r| r[1] == "6999").count(), 4);

    let (status, _, stderr) = xpresso(&["ism", "-q", "-m", &model_path, "--genome", &f.p("g.fa"), "--gtf", &f.p("g.gtf"), "--gene", "NOPE,GX"]);
    assert_eq!(status.code(), Some(3), "an input error");
    assert!(stderr.contains("not found in the annotation") && stderr.contains("NOPE") && !stderr.contains("GX"), "{stderr}");
    let (status, _, stderr) = xpresso(&["ism", "-q", "-m", &model_path, "--fasta", &f.p("s.fa"), "--bedgraph", &f.p("x")]);
    assert_eq!(status.code(), Some(2), "tracks need genomic coordinates: a usage error");
    assert!(stderr.contains("--bedgraph") && stderr.contains("--fasta"), "{stderr}");
    let (status, _, _) = xpresso(&["ism", "-q", "-m", &model_path, "--fasta", &f.p("s.fa"), "--range", "-8000:0"]);
    assert_eq!(status.code(), Some(2), "a range past the window is a usage error");
}

#[test]
fn batched_brute_force_path_equals_the_cone() {
    let model = NativeModel::new(Weights::from_h5(&human_model()).unwrap());
    let mut window = random_bases(10_500, 77);
    window[6990..6995].fill(b'N');
    let features = [0.1, 0.2, -0.3, 0.0, 1.0, -1.0];
    let cone = xpresso::ism::saturate_native(&model, &window, &features, 6950..7050);
    let brute = xpresso::ism::saturate_batched(&model, &window, &features, 6950..7050, 64);
    assert!((cone.reference - brute.reference).abs() < 1e-6);
    for (a, b) in cone.positions.iter().zip(&brute.positions) {
        assert_eq!((a.index, a.ref_code), (b.index, b.ref_code));
        for c in 0..4 {
            assert!((a.delta[c] - b.delta[c]).abs() <= 1e-5, "{} {c}: {} vs {}", a.index, a.delta[c], b.delta[c]);
        }
    }
}

/// `--logo` draws one panel per window: one letter per non-N position of --logo-range, the
/// reference base on the gene's strand, its attribution the mean-centred value of that base
/// (= minus the mean of the alternatives' deltas / 4 x 3, as the TSV gives), the TSS marked;
/// N references get no letter. Ranges outside --range or wider than 2 kb are usage errors.
#[test]
fn logo_draws_the_reference_bases_scaled_by_their_attribution() {
    let f = fixture();
    let model_path = human_model().to_string_lossy().into_owned();
    let logo = f.p("logo.svg");
    let (status, stdout, stderr) = xpresso(&[
        "ism", "-q", "-m", &model_path, "--genome", &f.p("g.fa"), "--gtf", &f.p("g.gtf"), "--gene", "GP,MINUS",
        "--range", "-20:+10", "--logo", &logo, "--logo-range", "-12:+5",
    ]);
    assert!(status.success(), "{stderr}");
    // attribution of the reference base from the TSV: centred(ref) = -(sum of the alt deltas) / 4
    let mut want: HashMap<(String, i64), (f64, String)> = HashMap::new();
    for r in &tsv_rows(&stdout)[1..] {
        let rel = r[5].parse::<i64>().unwrap() - 7000;
        let e = want.entry((r[0].clone(), rel)).or_insert((0.0, r[6].clone()));
        e.0 -= r[8].parse::<f64>().unwrap() / 4.0;
    }
    let svg = std::fs::read_to_string(&logo).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("class=\"tss\"").count(), 2, "the TSS marked in both panels");
    assert!(svg.contains("bp from the TSS") && svg.contains(">-10</text>") && svg.contains(">+5</text>"));
    let panels: Vec<&str> = svg.split("mean-centred attribution of each reference base").skip(1).collect();
    assert_eq!(panels.len(), 2);
    for (panel, id) in panels.iter().zip(["GP.2", "GM"]) {
        let mut letters = 0;
        for line in panel.lines().filter(|l| l.contains("class=\"base\"")) {
            let attr = |name: &str| line.split(&format!("{name}=\"")).nth(1).unwrap().split('"').next().unwrap().to_string();
            let rel: i64 = attr("data-pos").parse().unwrap();
            let value: f64 = attr("data-attr").parse().unwrap();
            let (expected, reference) = &want[&(id.to_string(), rel)];
            assert!((value - expected).abs() < 2e-6, "{id} {rel}: logo {value} vs TSV {expected}");
            assert!(line.ends_with(&format!(">{reference}</text>")), "{id} {rel}: the reference base {reference}: {line}");
            letters += 1;
        }
        let n_refs = want.iter().filter(|((i, rel), (_, r))| i == id && (-12..=5).contains(rel) && r == "N").count();
        assert_eq!(letters + n_refs, 18, "{id}: a letter per non-N position of -12:+5");
        assert_eq!(panel.matches("class=\"n\"").count(), n_refs);
    }
    assert!(panels[0].contains("class=\"n\""), "GP has N references upstream of its TSS");
    for (range, needle) in [("-30:+5", "inside --range"), ("-2500:+0", "at most 2,000")] {
        let (status, _, stderr) = xpresso(&[
            "ism", "-q", "-m", &model_path, "--genome", &f.p("g.fa"), "--gtf", &f.p("g.gtf"), "--gene", "GP",
            "--range", if range == "-30:+5" { "-20:+10" } else { "-3000:+10" }, "--logo", &f.p("x.svg"), "--logo-range", range, "-o", &f.p("x.tsv"),
        ]);
        assert_eq!(status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(needle), "{stderr}");
        assert!(!std::path::Path::new(&f.p("x.svg")).exists());
    }
}
