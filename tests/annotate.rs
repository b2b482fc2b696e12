//! `xpresso annotate` end to end on a generated genome and GTF: coordinates, strands, edges,
//! aliases, per-transcript TSSs, filters, features, tracks, outputs, determinism.

mod common;

use std::path::{Path, PathBuf};

use common::{human_model, random_bases, revcomp, tsv_rows, window_of, write_bgzf_fasta, xpresso};
use xpresso::model::{ModelInput, NativeModel, Predictor, Weights};

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    chr1: Vec<u8>,
    chr2: Vec<u8>,
}

impl Fixture {
    fn path(&self, name: &str) -> String {
        self.root.join(name).to_string_lossy().into_owned()
    }
}

/// chr1 (40 kb) and chr2 (25 kb) in a bgzip FASTA; the GTF names them `1` and `2` (an alias
/// trap), and has genes on both strands, at both ends, and on a chromosome the FASTA lacks.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let mut chr1 = random_bases(40_000, 11);
    chr1[15_000..15_400].fill(b'N');
    chr1[30_000..31_000].make_ascii_lowercase();
    let chr2 = random_bases(25_000, 12);
    write_bgzf_fasta(&root.join("genome.fa.gz"), &[("chr1", &chr1), ("chr2", &chr2)], 60);
    let gtf = "\
#!genome-build test
1\ttest\tgene\t20001\t22000\t.\t+\t.\tgene_id \"G1.3\"; gene_name \"ALPHA\"; gene_type \"protein_coding\";
1\ttest\ttranscript\t20001\t22000\t.\t+\t.\tgene_id \"G1.3\"; transcript_id \"T1a\"; gene_name \"ALPHA\"; gene_type \"protein_coding\";
1\ttest\texon\t20001\t20500\t.\t+\t.\tgene_id \"G1.3\"; transcript_id \"T1a\"; gene_name \"ALPHA\";
1\ttest\ttranscript\t20001\t21000\t.\t+\t.\tgene_id \"G1.3\"; transcript_id \"T1b\"; gene_name \"ALPHA\"; gene_type \"protein_coding\";
1\ttest\ttranscript\t20501\t22000\t.\t+\t.\tgene_id \"G1.3\"; transcript_id \"T1c\"; gene_name \"ALPHA\"; gene_type \"protein_coding\";
1\ttest\tgene\t5001\t25000\t.\t-\t.\tgene_id \"G2\"; gene_name \"BETA\"; gene_type \"lncRNA\";
1\ttest\ttranscript\t5001\t25000\t.\t-\t.\tgene_id \"G2\"; transcript_id \"T2a\"; gene_name \"BETA\"; gene_type \"lncRNA\";
1\ttest\tgene\t101\t900\t.\t+\t.\tgene_id \"G3\"; gene_name \"GAMMA\"; gene_type \"protein_coding\";
chrUn\ttest\tgene\t101\t900\t.\t+\t.\tgene_id \"G9\"; gene_name \"NOWHERE\"; gene_type \"protein_coding\";
chrUn\ttest\tgene\t1101\t1900\t.\t-\t.\tgene_id \"G10\"; gene_name \"NOWHERE2\"; gene_type \"protein_coding\";
2\ttest\tgene\t20001\t24900\t.\t-\t.\tgene_id \"G4\"; gene_name \"DELTA\"; gene_type \"protein_coding\";
2\ttest\tgene\t1\t500\t.\t-\t.\tgene_id \"G5\"; gene_name \"EPSILON\"; gene_type \"protein_coding\";
";
    std::fs::write(root.join("genes.gtf"), gtf).unwrap();
    Fixture { _dir: dir, root, chr1, chr2 }
}

fn predict(seq: &[u8], features: [f32; 6]) -> f32 {
    let model = NativeModel::new(Weights::from_h5(&human_model()).unwrap());
    let mut out = [0f32];
    model.predict_batch(&[ModelInput { seq, features }], &mut out);
    out[0]
}

fn run_ok(args: &[&str]) -> String {
    let (status, stdout, stderr) = xpresso(args);
    assert!(status.success(), "xpresso {args:?} failed: {stderr}");
    stdout
}

fn model_arg() -> String {
    human_model().to_string_lossy().into_owned()
}

#[test]
fn gene_tss_windows_and_predictions() {
    let f = fixture();
    let model = model_arg();
    let (status, stdout, stderr) = xpresso(&["annotate", "-q", "--genome", &f.path("genome.fa.gz"), "--gtf", &f.path("genes.gtf"), "-m", &model, "-o", "-"]);
    assert!(status.success(), "{stderr}");
    let rows = tsv_rows(&stdout);
    assert_eq!(rows[0], ["gene_id", "gene_name", "chrom", "tss", "strand", "prediction", "n_fraction"]);
    let ids: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["G1.3", "G2", "G3", "G4", "G5"], "annotation order, absent chromosome skipped");
    assert!(stderr.contains("chromosome chrUn is not in the genome") && stderr.contains("2 TSSs skipped"), "{stderr}");
    // tss column is 1-based: GTF start on +, GTF end on -
    let tss: Vec<&str> = rows[1..].iter().map(|r| r[3].as_str()).collect();
    assert_eq!(tss, ["20001", "25000", "101", "24900", "500"]);
    let expected = [
        window_of(&f.chr1, 20_000, false),
        window_of(&f.chr1, 24_999, true),
        window_of(&f.chr1, 100, false),
        window_of(&f.chr2, 24_899, true),
        window_of(&f.chr2, 499, true),
    ];
    for (row, w) in rows[1..].iter().zip(&expected) {
        let want = predict(w, [0.0; 6]);
        let got: f32 = row[5].parse().unwrap();
        assert!((got - want).abs() < 2e-6, "{}: {got} vs {want}", row[0]);
    }
}

#[test]
fn per_transcript_tss_collapses_identical_starts_and_filters_types() {
    let f = fixture();
    let model = model_arg();
    let out = run_ok(&["annotate", "-q", "--genome", &f.path("genome.fa.gz"), "--gtf", &f.path("genes.gtf"), "--tss", "transcript", "--gene-type", "protein_coding", "-m", &model]);
    let rows = tsv_rows(&out);
    assert_eq!(rows[0], ["gene_id", "gene_name", "transcript_id", "chrom", "tss", "strand", "prediction", "n_fraction"]);
    let got: Vec<(&str, &str)> = rows[1..].iter().map(|r| (r[2].as_str(), r[4].as_str())).collect();
    // T1b shares T1a's TSS and is collapsed; T2a is lncRNA and filtered out
    assert_eq!(got, [("T1a", "20001"), ("T1c", "20501")]);
}

#[test]
fn tss_bed_uses_the_paper_convention() {
    let f = fixture();
    let bed = f.path("tss.bed");
    // 20 kb windows around summits m = start + 10000 (the paper's CAGE-corrected BED)
    std::fs::write(&bed, "chr1\t10000\t30000\tGP\t0\t+\nchr1\t10000\t30000\tGM\t0\t-\n").unwrap();
    let out = run_ok(&["annotate", "-q", "--genome", &f.path("genome.fa.gz"), "--tss-bed", &bed, "-m", &model_arg()]);
    let rows = tsv_rows(&out);
    let m = 20_000i64;
    // + : forward [m-7000, m+3500); - : reverse complement of [m-3500, m+7000)
    let plus: Vec<u8> = f.chr1[(m - 7000) as usize..(m + 3500) as usize].to_vec();
    let minus = revcomp(&f.chr1[(m - 3500) as usize..(m + 7000) as usize]);
    for (row, w) in rows[1..].iter().zip([plus, minus]) {
        let got: f32 = row[5].parse().unwrap();
        assert!((got - predict(&w, [0.0; 6])).abs() < 2e-6, "{row:?}");
    }
    assert_eq!(rows[1][3], "20001");
    assert_eq!(rows[2][3], "20000");
}

#[test]
fn features_join_on_gene_id_without_version() {
    let f = fixture();
    let table = f.path("features.tsv");
    std::fs::write(&table, "gene_id\tf1\tf2\tf3\tf4\tf5\tf6\nG1\t0.5\t-1\t2\t0\t1.5\t-0.25\nG4.7\t1\t1\t1\t1\t1\t1\n").unwrap();
    let (status, stdout, stderr) = xpresso(&["annotate", "-q", "--genome", &f.path("genome.fa.gz"), "--gtf", &f.path("genes.gtf"), "--features", &table, "-m", &model_arg()]);
    assert!(status.success(), "{stderr}");
    let rows = tsv_rows(&stdout);
    let g1: f32 = rows[1][5].parse().unwrap();
    let want = predict(&window_of(&f.chr1, 20_000, false), [0.5, -1.0, 2.0, 0.0, 1.5, -0.25]);
    assert!((g1 - want).abs() < 2e-6);
    let g4: f32 = rows[4][5].parse().unwrap();
    assert!((g4 - predict(&window_of(&f.chr2, 24_899, true), [1.0; 6])).abs() < 2e-6);
    assert!(stderr.contains("3 keys had no features row") && stderr.contains("zero features"), "{stderr}");
    // skip leaves them out; error stops
    let out = run_ok(&["annotate", "-q", "--genome", &f.path("genome.fa.gz"), "--gtf", &f.path("genes.gtf"), "--features", &table, "--missing-features", "skip", "-m", &model_arg()]);
    assert_eq!(tsv_rows(&out).len(), 3);
    let (status, _, stderr) = xpresso(&["annotate", "-q", "--genome", &f.path("genome.fa.gz"), "--gtf", &f.path("genes.gtf"), "--features", &table, "--missing-features", "error", "-m", &model_arg()]);
    assert!(!status.success() && stderr.contains("no features row for 'G2'"), "{stderr}");
}

#[test]
fn outputs_gz_tracks_and_thread_independence() {
    let f = fixture();
    let model = model_arg();
    let base = ["annotate", "-q", "--genome", &f.path("genome.fa.gz"), "--gtf", &f.path("genes.gtf"), "-m", &model, "--batch-size", "2"];
    let one = f.path("one.tsv");
    let two = f.path("two.tsv.gz");
    let (bed, bg) = (f.path("genes.bed"), f.path("genes.bedGraph"));
    run_ok(&[&base[..], &["-t", "1", "-o", &one]].concat());
    let bw = f.path("genes.bw");
    run_ok(&[&base[..], &["-t", "2", "-o", &two, "--bed", &bed, "--bedgraph", &bg, "--bigwig", &bw]].concat());
    let plain = std::fs::read_to_string(&one).unwrap();
    let mut gz = String::new();
    std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(std::fs::File::open(&two).unwrap()), &mut gz).unwrap();
    let strip = |s: &str| s.lines().filter(|l| !l.starts_with("##xpresso")).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(&plain), strip(&gz), "same rows for 1 and 2 threads, gz by extension");
    let bed_lines: Vec<String> = std::fs::read_to_string(&bed).unwrap().lines().map(String::from).collect();
    let starts: Vec<(String, u64)> = bed_lines
        .iter()
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c[0].to_string(), c[1].parse().unwrap())
        })
        .collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted, "BED sorted by chrom then start");
    // the GTF says `1`, the genome `chr1`: every output names it as the genome does
    assert_eq!(bed_lines[0].split('\t').collect::<Vec<_>>()[..4], ["chr1", "100", "101", "G3"]);
    let bedgraph = std::fs::read_to_string(&bg).unwrap();
    assert_eq!(bedgraph.lines().count(), 5);
    // the bigWig holds the bedGraph's values, under the FASTA's chromosome names and sizes
    let mut reader = bigtools::BigWigRead::open_file(&bw).unwrap();
    let chroms: Vec<(String, u32)> = reader.chroms().iter().map(|c| (c.name.clone(), c.length)).collect();
    for line in bedgraph.lines() {
        let c: Vec<&str> = line.split('\t').collect();
        let name = &chroms.iter().find(|(n, _)| n == c[0] || *n == format!("chr{}", c[0])).unwrap_or_else(|| panic!("{} in {chroms:?}", c[0])).0;
        let start: u32 = c[1].parse().unwrap();
        let v = reader.values(name, start, start + 1).unwrap()[0];
        assert!((v - c[3].parse::<f32>().unwrap()).abs() < 2e-6, "{line}: bigWig {v}");
    }
    assert_no_partials(&f.root);
}

fn assert_no_partials(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".partial"), "temporary file left behind: {name}");
    }
}

#[test]
fn tss_past_the_chromosome_end_is_skipped_with_a_warning() {
    let f = fixture();
    let model = model_arg();
    // chr2 is 25,000 bp: a gene starting at 30,001 is from another assembly
    let mut gtf = std::fs::read_to_string(f.root.join("genes.gtf")).unwrap();
    gtf.push_str("2\ttest\tgene\t30001\t31000\t.\t+\t.\tgene_id \"G6\"; gene_name \"ZETA\"; gene_type \"protein_coding\";\n");
    std::fs::write(f.root.join("past.gtf"), gtf).unwrap();
    let bw = f.path("past.bw");
    let (status, stdout, stderr) = xpresso(&["annotate", "--genome", &f.path("genome.fa.gz"), "--gtf", &f.path("past.gtf"), "-m", &model, "--bigwig", &bw]);
    assert!(status.success(), "{stderr}");
    let ids: Vec<String> = tsv_rows(&stdout)[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(ids, ["G1.3", "G2", "G3", "G4", "G5"]);
    assert!(stderr.contains("1 TSSs on 2 lie past its end in the genome (25000 bp"), "{stderr}");
    assert!(bigtools::BigWigRead::open_file(&bw).is_ok(), "the bigWig is written");
}
