//! Mutation fuzzing of the inputs issue 33 added checks to, through the binary: a precompute
//! table against the compute-everything oracle (a mutated table, re-indexed or under its old
//! index, either is refused with exit 3 or gives exactly the computed outputs), calibration
//! tables, `-R` regions files (BED and CHROM POS), `--chrom-alias` tables and `--samples-file`
//! lists. Malformed input is exit 3, never 1; no panic, no output after a failure.

mod common;

use std::path::Path;
use std::process::Command;

use proptest::test_runner::{Config, TestRunner};

use common::mutate::{cases, edits, mutate};
use common::{human_model, random_bases, shared, strip_commands, write_fasta};

/// Runs the binary in `root`; (exit status, stdout, stderr).
fn run(root: &Path, args: &[&str]) -> (i32, String, String) {
    let model = human_model().to_string_lossy().into_owned();
    let out = Command::new(env!("CARGO_BIN_EXE_xpresso")).args(args).args(["-q", "-m", &model]).current_dir(root).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// What every mutated case must satisfy: exit 0 or 3 (input errors are 3, never 1), no
/// panic, no temporary file left, the error naming `name`.
fn clean(root: &Path, code: i32, stderr: &str, name: &str, label: &str) {
    assert!(code == 0 || code == 3, "{label}: exit {code}: {stderr}");
    assert!(!stderr.contains("panicked"), "{label}: {stderr}");
    if code == 3 {
        assert!(stderr.contains(name), "{label}: the error does not name {name}: {stderr}");
    }
    let left: Vec<String> = std::fs::read_dir(root).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| n.ends_with(".partial")).collect();
    assert!(left.is_empty(), "{label}: {left:?}");
}

/// bgzip + tabix `text` as `name` in `root`: whether tabix indexed it (it refuses unsorted rows).
fn bgzip_tabix(root: &Path, name: &str, text: &[u8]) -> bool {
    let plain = root.join(name.strip_suffix(".gz").unwrap());
    std::fs::write(&plain, text).unwrap();
    let _ = std::fs::remove_file(root.join(name));
    assert!(Command::new("bgzip").arg("-f").arg(&plain).status().unwrap().success());
    Command::new("tabix").args(["-f", "-s1", "-b2", "-e2"]).arg(root.join(name)).output().unwrap().status.success()
}

#[test]
fn a_mutated_precomputed_table_is_refused_or_gives_the_computed_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let genome = shared().join("data/genome/chr2_1-2333275.fa.gz").to_string_lossy().into_owned();
    // the GTF's genes near chr2:264-267 kb (ACP1 +, SH3YL1 -)
    let gtf_text = String::from_utf8(Command::new("zgrep").args(["-E", "gene_id \"(ACP1|SH3YL1)\""]).arg(shared().join("data/annotation/hg38_gencode_genes_transcripts.gtf.gz")).output().unwrap().stdout).unwrap();
    assert!(gtf_text.lines().count() >= 2, "{gtf_text}");
    std::fs::write(root.join("a.gtf"), gtf_text).unwrap();
    let (code, _, stderr) = run(root, &["precompute", "-g", &genome, "--gtf", "a.gtf", "--flank", "40", "-o", "seed.tsv.gz"]);
    assert_eq!(code, 0, "{stderr}");
    let seed = String::from_utf8(Command::new("zcat").arg(root.join("seed.tsv.gz")).output().unwrap().stdout).unwrap();
    let old_index = std::fs::read(root.join("seed.tsv.gz.tbi")).unwrap();
    // SNVs at every position within 40 bp of both TSSs, some with two ALTs
    let mut records = Vec::new();
    for line in seed.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let record = format!("chr2\t{}\t.\t{}\t{}\t.\t.\t.", f[1], f[2], f[3]);
        if records.last().is_none_or(|r: &String| !r.starts_with(&format!("chr2\t{}\t", f[1]))) {
            records.push(record);
        }
    }
    let vcf = format!("##fileformat=VCFv4.2\n##contig=<ID=chr2,length=2333275>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n{}\n", records.join("\n"));
    std::fs::write(root.join("v.vcf"), vcf).unwrap();
    // the annotated VCF to a file: it appears whole on success, not at all on failure
    let score = |extra: &[&str]| {
        let _ = std::fs::remove_file(root.join("o.vcf"));
        let (code, _, stderr) = run(root, &[&["score-variants", "-g", &genome, "--gtf", "a.gtf", "--vcf", "v.vcf", "-o", "o.vcf"][..], extra].concat());
        (code, std::fs::read_to_string(root.join("o.vcf")).unwrap_or_default(), stderr)
    };
    let (code, computed, stderr) = score(&[]);
    assert_eq!(code, 0, "{stderr}");
    let computed = strip_commands(&computed);
    assert!(bgzip_tabix(root, "t.tsv.gz", seed.as_bytes()));
    let (code, looked_up, stderr) = score(&["--precomputed", "t.tsv.gz"]);
    assert_eq!((code, strip_commands(&looked_up)), (0, computed.clone()), "the seed table: {stderr}");

    let mut runner = TestRunner::new(Config { cases: cases().div_ceil(2).max(4), failure_persistence: None, ..Config::default() });
    let (refused, equal) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    runner
        .run(&(edits(), proptest::bool::ANY), |(edits, reindex)| {
            let text = mutate(seed.as_bytes(), &edits);
            let indexed = bgzip_tabix(root, "t.tsv.gz", &text);
            if !reindex || !indexed {
                // the seed's index under the mutated table: an index of another file
                std::fs::write(root.join("t.tsv.gz.tbi"), &old_index).unwrap();
            }
            let (code, out, stderr) = score(&["--precomputed", "t.tsv.gz"]);
            let label = format!("{edits:?} (reindexed: {})", reindex && indexed);
            clean(root, code, &stderr, "t.tsv.gz", &label);
            if code == 0 {
                assert_eq!(strip_commands(&out), computed, "{label}: exit 0 with other outputs than computing ({stderr})");
                equal.set(equal.get() + 1);
            } else {
                assert!(out.is_empty() && !root.join("o.vcf").exists(), "{label}: output after a failure");
                refused.set(refused.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    eprintln!("mutated tables: {} refused, {} equal to computing", refused.get(), equal.get());
}

/// A small genome (chr1, chr2) and two genes, for the list-like inputs.
fn small_case() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_fasta(&dir.path().join("g.fa"), &[("chr1", &random_bases(30_000, 5)), ("chr2", &random_bases(20_000, 6))], 60);
    std::fs::write(dir.path().join("a.gtf"), common::case::GTF).unwrap();
    dir
}

/// Mutates `seed` as `name` in `root` and runs `args` on it.
fn fuzz_input(root: &Path, name: &str, seed: &[u8], args: &[&str]) {
    std::fs::write(root.join(name), seed).unwrap();
    let (code, _, stderr) = run(root, args);
    assert_eq!(code, 0, "the seed {name}: {stderr}");
    let _ = std::fs::remove_file(root.join("o.tsv"));
    let mut runner = TestRunner::new(Config { cases: cases().div_ceil(4).max(4), failure_persistence: None, ..Config::default() });
    runner
        .run(&edits(), |edits| {
            std::fs::write(root.join(name), mutate(seed, &edits)).unwrap();
            let (code, _, stderr) = run(root, args);
            clean(root, code, &stderr, name, &format!("{name} {edits:?}"));
            if code != 0 {
                assert!(!root.join("o.tsv").exists(), "{name} {edits:?}: output after a failure");
            }
            let _ = std::fs::remove_file(root.join("o.tsv"));
            Ok(())
        })
        .unwrap();
}

#[test]
fn mutated_regions_alias_sample_and_calibration_files_are_clean_errors() {
    let dir = small_case();
    let root = dir.path();
    let annotate = |extra: &[&'static str]| [&["annotate", "-g", "g.fa", "--gtf", "a.gtf", "-o", "o.tsv"][..], extra].concat();
    fuzz_input(root, "r.bed", b"# regions\nchr1\t14000\t16000\nchr1\t16500\t19000\nchr2\t10\t200\n", &annotate(&["-R", "r.bed"]));
    fuzz_input(root, "r.txt", b"chr1\t15001\t16000\nchr1\t17500\n1\t18000\t18001\n", &annotate(&["-R", "r.txt"]));
    fuzz_input(root, "alias.txt", b"# ucsc\tensembl\trefseq\nchr1\t1\tNC_000001.11\nchr2\t2\tNC_000002.12\n", &[&["--chrom-alias", "alias.txt"][..], &annotate(&[])].concat());
    // a cohort of three samples for the sample list
    let mut vcf = String::from("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=30000>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"GT\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\tS3\n");
    let chr1 = std::fs::read_to_string(root.join("g.fa")).unwrap().lines().skip(1).take(600).collect::<String>();
    for pos in [15_001usize, 17_500] {
        let b = chr1.as_bytes()[pos - 1] as char;
        vcf += &format!("chr1\t{pos}\t.\t{b}\t{}\t.\tPASS\t.\tGT\t0|1\t1|1\t0|0\n", if b == 'A' { 'G' } else { 'A' });
    }
    std::fs::write(root.join("c.vcf"), vcf).unwrap();
    fuzz_input(root, "s.txt", "\u{feff}S3\r\nS1\r\n# a comment\n".as_bytes(), &["personal", "-g", "g.fa", "--gtf", "a.gtf", "--vcf", "c.vcf", "--samples-file", "s.txt", "-o", "o.tsv"]);
    // a calibration table made by this model
    let (code, _, stderr) = run(root, &["precompute", "-g", "g.fa", "--gtf", "a.gtf", "--flank", "15", "-o", "t.tsv.gz", "--calibration", "cal.tsv"]);
    assert_eq!(code, 0, "{stderr}");
    let cal = std::fs::read(root.join("cal.tsv")).unwrap();
    fuzz_input(root, "cal.tsv", &cal, &["score-variants", "-g", "g.fa", "--gtf", "a.gtf", "--vcf", "c.vcf", "--calibration", "cal.tsv", "-o", "o.tsv"]);
}
