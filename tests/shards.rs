//! Scatter and gather: `--shard K/N` outputs concatenated in order equal one run (annotate,
//! ism), and `--chrom`/`--region` keep exactly the TSSs there, aliases included.
//! (score-variants' shards are checked in tests/variants.rs, with its fixture.)

mod common;

use std::path::PathBuf;

use common::{human_model, random_bases, write_fasta, xpresso};

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Fixture {
    fn p(&self, name: &str) -> String {
        self.root.join(name).to_string_lossy().into_owned()
    }
}

/// chr1..chr3 in a FASTA; a GTF naming them `1`..`3` with 14 genes on both strands, two near
/// chromosome ends, and one on a chromosome the FASTA lacks.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let chroms: Vec<(String, Vec<u8>)> = (1..=3).map(|i| (format!("chr{i}"), random_bases(30_000, 40 + i))).collect();
    let records: Vec<(&str, &[u8])> = chroms.iter().map(|(n, s)| (n.as_str(), s.as_slice())).collect();
    write_fasta(&root.join("g.fa"), &records, 70);
    let mut gtf = String::new();
    let genes = [
        (1, 200, '+'), (1, 5_000, '-'), (1, 9_000, '+'), (1, 14_000, '+'), (1, 21_000, '-'), (9, 100, '+'),
        (2, 3_000, '+'), (2, 12_000, '-'), (2, 29_900, '-'), (3, 1_000, '-'), (3, 8_000, '+'), (3, 15_000, '+'),
        (3, 22_000, '-'), (3, 27_000, '+'),
    ];
    for (i, (chrom, tss, strand)) in genes.iter().enumerate() {
        let (start, end) = if *strand == '+' { (*tss, tss + 500) } else { (tss - 500, *tss) };
        gtf.push_str(&format!("{chrom}\tt\tgene\t{start}\t{end}\t.\t{strand}\t.\tgene_id \"G{i}\"; gene_name \"N{i}\";\n"));
    }
    std::fs::write(root.join("g.gtf"), gtf).unwrap();
    Fixture { _dir: dir, root }
}

/// Runs xpresso into `out`; returns the output's text.
fn run(f: &Fixture, args: &[&str], out: &str) -> String {
    let model = human_model().to_string_lossy().into_owned();
    let (genome, gtf, out) = (f.p("g.fa"), f.p("g.gtf"), f.p(out));
    let mut all = vec![args[0], "-q", "-m", &model, "--genome", &genome, "--gtf", &gtf, "-o", &out];
    all.extend_from_slice(&args[1..]);
    let (status, _, stderr) = xpresso(&all);
    assert!(status.success(), "{all:?}: {stderr}");
    std::fs::read_to_string(&out).unwrap()
}

/// The text without the provenance line (it holds the command line, which differs).
fn without_provenance(text: &str) -> String {
    text.lines().filter(|l| !l.starts_with("##xpresso ")).map(|l| format!("{l}\n")).collect()
}

/// Runs every shard of `n`; returns their outputs concatenated in order.
fn gathered(f: &Fixture, args: &[&str], n: usize) -> String {
    (1..=n)
        .map(|k| {
            let shard = format!("{k}/{n}");
            let text = run(f, &[args, &["--shard", &shard]].concat(), &format!("shard{k}.tsv"));
            assert_eq!(text.contains("gene_id\t") || text.contains("id\tgene_name"), k == 1, "only shard 1 writes the header");
            text
        })
        .collect()
}

#[test]
fn annotate_shards_joined_equal_one_run() {
    let f = fixture();
    let one = without_provenance(&run(&f, &["annotate"], "one.tsv"));
    assert_eq!(one.lines().filter(|l| l.starts_with('G')).count(), 13, "{one}");
    for n in [1, 3, 5, 20] {
        assert_eq!(without_provenance(&gathered(&f, &["annotate"], n)), one, "{n} shards");
    }
}

#[test]
fn annotate_chrom_and_region_keep_the_tsss_there() {
    let f = fixture();
    let one = run(&f, &["annotate"], "one.tsv");
    let rows = |text: &str| text.lines().filter(|l| l.starts_with('G')).map(String::from).collect::<Vec<_>>();
    let all = rows(&one);
    let on = |chrom: &str, from: u64, to: u64| -> Vec<String> {
        all.iter()
            .filter(|r| {
                let c: Vec<&str> = r.split('\t').collect();
                let tss: u64 = c[3].parse().unwrap();
                c[2] == chrom && (from..=to).contains(&tss)
            })
            .cloned()
            .collect()
    };
    // the genome says chr2, the GTF 2: either name works, and outputs say chr2 (the genome's)
    for name in ["chr2", "2"] {
        assert_eq!(rows(&run(&f, &["annotate", "--chrom", name], "c.tsv")), on("chr2", 0, u64::MAX));
    }
    let region = rows(&run(&f, &["annotate", "--region", "chr3:8,000-22,000"], "r.tsv"));
    assert_eq!(region, on("chr3", 8_000, 22_000));
    assert_eq!(region.len(), 3, "both ends of the region are inside it");
    // a shard counts the TSSs first: standard input cannot be read twice
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xpresso"))
        .args(["annotate", "-q", "-m", &human_model().to_string_lossy(), "--genome", &f.p("g.fa"), "--gtf", "-", "--shard", "1/2"])
        .stdin(std::fs::File::open(f.root.join("g.gtf")).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not standard input"));
    // a region scattered over shards gathers back to the region
    let whole_region = without_provenance(&run(&f, &["annotate", "--region", "1:1-15000"], "r1.tsv"));
    assert_eq!(without_provenance(&gathered(&f, &["annotate", "--region", "1:1-15000"], 3)), whole_region);
}

#[test]
fn ism_shards_joined_equal_one_run() {
    let f = fixture();
    let args = ["ism", "--gene", "G1,G3,N7,G10,G13", "--range", "-2:1"];
    let one = without_provenance(&run(&f, &args, "one.tsv"));
    assert_eq!(one.lines().filter(|l| l.starts_with('G')).count(), 5 * 4 * 3);
    assert_eq!(without_provenance(&gathered(&f, &args, 3)), one);
    // every TSS of a region when no gene is named
    let region = run(&f, &["ism", "--region", "chr3:1-9000", "--range", "0:0"], "r.tsv");
    let ids: Vec<&str> = region.lines().filter(|l| l.starts_with('G')).map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(ids, ["G9", "G9", "G9", "G10", "G10", "G10"]);
    // a gene named but in another shard is not "missing"
    let (status, _, stderr) = xpresso(&[
        "ism", "-q", "-m", &human_model().to_string_lossy(), "--genome", &f.p("g.fa"), "--gtf", &f.p("g.gtf"),
        "--gene", "G1,G13", "--range", "0:0", "--shard", "2/2", "-o", &f.p("s.tsv"),
    ]);
    assert!(status.success(), "{stderr}");
}
