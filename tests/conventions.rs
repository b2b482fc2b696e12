//! Outputs follow their formats' conventions: one chromosome-naming rule (the FASTA's), a
//! UCSC-valid BED (integer score 0-1000, the prediction in a 7th column), TSVs that say
//! what their numbers are, and the usage errors a user meets first (`scan -o -`,
//! `--backend torch` without libtorch, a genome that is not a FASTA).

mod common;

use std::process::Command;

use common::{random_bases, write_fasta};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn xpresso(dir: &std::path::Path, args: &[&str]) -> Run {
    let o = Command::new(env!("CARGO_BIN_EXE_xpresso")).args(args).current_dir(dir).output().unwrap();
    Run { code: o.status.code(), stdout: String::from_utf8_lossy(&o.stdout).into(), stderr: String::from_utf8_lossy(&o.stderr).into() }
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_fasta(&dir.path().join("g.fa"), &[("chr22", &random_bases(40_000, 7))], 60);
    // the annotation says `22`, the genome `chr22`
    let gtf = "22\tt\tgene\t15001\t16000\t.\t+\t.\tgene_id \"A\";\n22\tt\tgene\t20001\t21000\t.\t-\t.\tgene_id \"B\";\n";
    std::fs::write(dir.path().join("a.gtf"), gtf).unwrap();
    dir
}

#[test]
fn every_output_uses_the_fasta_names_and_the_bed_is_ucsc_valid() {
    let dir = setup();
    let r = xpresso(dir.path(), &["annotate", "-q", "--genome", "g.fa", "--gtf", "a.gtf", "-o", "o.tsv", "--bed", "o.bed", "--bedgraph", "o.bg"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let tsv = std::fs::read_to_string(dir.path().join("o.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = tsv.lines().filter(|l| !l.starts_with('#')).skip(1).map(|l| l.split('\t').collect()).collect();
    assert!(rows.iter().all(|r| r[2] == "chr22"), "{tsv}");
    let bed = std::fs::read_to_string(dir.path().join("o.bed")).unwrap();
    for line in bed.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 7, "BED6+1: {line}");
        assert_eq!(f[0], "chr22");
        let score: u32 = f[4].parse().expect("an integer score");
        assert!(score <= 1000);
        let prediction: f32 = f[6].parse().unwrap();
        let want = ((prediction + 2.5) / 5.0 * 1000.0).round().clamp(0.0, 1000.0) as u32;
        assert_eq!(score, want, "{line}");
        let row = rows.iter().find(|r| r[0] == f[3]).unwrap();
        assert_eq!(row[5], f[6], "the same prediction as the TSV");
    }
    assert!(std::fs::read_to_string(dir.path().join("o.bg")).unwrap().lines().all(|l| l.starts_with("chr22\t")));
    // the autoSql description shipped for bedToBigBed names the 7 fields
    let autosql = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/xpresso_tss.as")).unwrap();
    assert_eq!(autosql.lines().filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_lowercase()) && l.contains(';')).count(), 7);
    // the TSV says what its numbers are
    for needle in ["##xpresso ", "##prediction: ", "z-scored log10(expression + 0.1)", "##features: zeros", "##chrom: as named in the genome FASTA"] {
        assert!(tsv.contains(needle), "{needle}: {tsv}");
    }
}

#[test]
fn first_contact_usage_errors() {
    let dir = setup();
    let r = xpresso(dir.path(), &["scan", "--genome", "g.fa", "--region", "chr22", "-o", "-"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("takes a PREFIX"), "{}", r.stderr);
    assert!(!dir.path().join("-.plus.bedGraph").exists());
    if !cfg!(feature = "torch") {
        let r = xpresso(dir.path(), &["annotate", "--genome", "g.fa", "--gtf", "a.gtf", "--backend", "torch"]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(r.stderr.contains("`torch` feature"), "{}", r.stderr);
    }
    // a genome that is not a FASTA says so, naming the file and line
    std::fs::write(dir.path().join("not.fa"), "chr22\t1\t2\n").unwrap();
    let r = xpresso(dir.path(), &["annotate", "-q", "--genome", "not.fa", "--gtf", "a.gtf", "-o", "x.tsv"]);
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    assert!(r.stderr.contains("not.fa") && r.stderr.contains("line 1") && r.stderr.contains("'>'"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

/// On a terminal `annotate` draws a bar: over the annotation's bytes (its TSS count is
/// unknown while it streams) with the TSSs done and an integer rate, or over the TSSs when a
/// shard has counted them; `-q` and a pipe draw nothing. The terminal is `script`'s (util-linux).
#[test]
fn annotate_draws_a_progress_bar_on_a_terminal_only() {
    let dir = setup();
    let many: String = (0..300).map(|i| format!("22\tt\tgene\t{}\t{}\t.\t+\t.\tgene_id \"G{i}\";\n", 10_001 + i * 50, 10_500 + i * 50)).collect();
    std::fs::write(dir.path().join("many.gtf"), many).unwrap();
    let exe = env!("CARGO_BIN_EXE_xpresso");
    let on_tty = |extra: &str| {
        let cmd = format!("{exe} annotate --genome g.fa --gtf many.gtf -o o.tsv {extra}");
        let o = Command::new("script").args(["-qec", &cmd, "/dev/null"]).current_dir(dir.path()).output().expect("script (util-linux)");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).replace('\r', "\n")
    };
    let drawn = on_tty("");
    let last = drawn.lines().rfind(|l| l.contains("% of the input")).unwrap_or_else(|| panic!("a bar over the input: {drawn}"));
    assert!(last.contains("100% of the input, 300 TSSs, "), "{last}");
    let rate = last.split(", ").nth(2).and_then(|r| r.split_once("/s")).map(|(r, _)| r.to_string()).unwrap();
    assert!(rate.parse::<u64>().is_ok(), "an integer rate: {last}");
    let shard = on_tty("--shard 1/2");
    assert!(shard.lines().any(|l| l.contains("/150 TSSs")), "a bar over the shard's 150 TSSs: {shard}");
    assert!(!on_tty("-q").contains("% of the input"), "-q draws nothing");
    let piped = xpresso(dir.path(), &["annotate", "--genome", "g.fa", "--gtf", "many.gtf", "-o", "o.tsv"]);
    assert!(!piped.stderr.contains('%') && !piped.stderr.contains('\r'), "{}", piped.stderr);
}

/// Windows line ends (a GTF or BED saved on Windows) give the same predictions as Unix ones.
#[test]
fn crlf_annotations_are_read_like_lf_ones() {
    let dir = setup();
    let gtf = std::fs::read_to_string(dir.path().join("a.gtf")).unwrap();
    std::fs::write(dir.path().join("crlf.gtf"), gtf.replace('\n', "\r\n")).unwrap();
    let bed = "chr22\t15000\t15001\tA\t0\t+\nchr22\t20999\t21000\tB\t0\t-\n";
    std::fs::write(dir.path().join("a.bed"), bed).unwrap();
    std::fs::write(dir.path().join("crlf.bed"), bed.replace('\n', "\r\n")).unwrap();
    let body = |args: &[&str]| {
        let r = xpresso(dir.path(), &[&["annotate", "-q", "--genome", "g.fa", "-o", "-"][..], args].concat());
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(!r.stdout.contains('\r'), "{}", r.stdout);
        r.stdout.lines().filter(|l| !l.starts_with("##")).map(String::from).collect::<Vec<_>>()
    };
    let lf = body(&["--gtf", "a.gtf"]);
    assert_eq!(lf.len(), 3, "{lf:?}");
    assert_eq!(body(&["--gtf", "crlf.gtf"]), lf);
    assert_eq!(body(&["--tss-bed", "crlf.bed"]), body(&["--tss-bed", "a.bed"]));
}
