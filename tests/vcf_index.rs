//! A VCF index of another version of its file is refused, not trusted: newer than the file
//! but made before records were added (reads would silently stop at the old end), or made for
//! a file whose lines lie elsewhere (reads would start inside a record). The message names
//! both files and says how to rebuild. Indexes are made by htslib (`bgzip`, `tabix`), as
//! users make them.

mod common;

use std::path::Path;
use std::process::Command;

use common::case::Case;
use common::human_model;

/// `n` SNV records on chr1 of the corpus genome, from 8,001 on, every 50 bp; `id(i)` names
/// record i.
fn records(c: &Case, n: usize, id: impl Fn(usize) -> String) -> String {
    let seq: Vec<u8> = std::fs::read_to_string(c.p("g.fa")).unwrap().lines().skip(1).flat_map(|l| l.bytes().collect::<Vec<_>>()).collect();
    (0..n)
        .map(|i| {
            let pos = 8_000 + 50 * i;
            let r = seq[pos] as char;
            format!("chr1\t{}\t{}\t{r}\t{}\t50\tPASS\t.\tGT\t0|1\n", pos + 1, id(i), if r == 'A' { 'C' } else { 'A' })
        })
        .collect()
}

fn header(source: &str) -> String {
    format!("##fileformat=VCFv4.2\n##source={source}\n##contig=<ID=chr1,length=30000>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n")
}

fn sh(dir: &Path, script: &str) {
    let o = Command::new("bash").args(["-c", script]).current_dir(dir).output().expect("bash");
    assert!(o.status.success(), "{script}: {}", String::from_utf8_lossy(&o.stderr));
}

/// bgzip `name` (text) with htslib, keeping small blocks apart as bgzip does.
fn bgzip(c: &Case, name: &str, text: &str) {
    std::fs::write(c.p(name), text).unwrap();
    sh(c.dir.path(), &format!("bgzip -f {name}"));
}

fn score_and_personal(c: &Case, vcf: &str) -> Vec<common::case::Ran> {
    let model = human_model().to_string_lossy().into_owned();
    let base = ["-q", "-m", &model, "--genome", "g.fa", "--gtf", "ok.gtf", "--vcf", vcf, "-o", "out.tsv"];
    let mut score: Vec<&str> = vec!["score-variants", "--shard", "1/1"];
    score.extend_from_slice(&base);
    let mut windows: Vec<&str> = vec!["score-variants", "--only-windows"];
    windows.extend_from_slice(&base);
    let mut personal: Vec<&str> = vec!["personal"];
    personal.extend_from_slice(&base);
    [score, windows, personal].iter().map(|args| c.run(args)).collect()
}

#[test]
fn an_index_of_an_earlier_shorter_version_is_refused() {
    let c = Case::new();
    if Command::new("tabix").arg("--version").output().is_err() {
        panic!("tabix (htslib) is installed by .ci/run");
    }
    bgzip(&c, "v.vcf", &format!("{}{}", header("x"), records(&c, 200, |_| ".".into())));
    sh(c.dir.path(), "tabix -p vcf v.vcf.gz && cp v.vcf.gz.tbi old.tbi");
    // the file grows to 400 records; the old index is put back, newer than the file
    bgzip(&c, "v.vcf", &format!("{}{}", header("x"), records(&c, 400, |_| ".".into())));
    sh(c.dir.path(), "sleep 0.05; cp old.tbi v.vcf.gz.tbi; touch v.vcf.gz.tbi");
    for ran in score_and_personal(&c, "v.vcf.gz") {
        c.refused(&ran, 3, &["v.vcf.gz", "v.vcf.gz.tbi", "does not match the file", "rebuild the index (tabix -f -p vcf"]);
    }
    // rebuilt, it is used
    sh(c.dir.path(), "tabix -f -p vcf v.vcf.gz");
    for ran in score_and_personal(&c, "v.vcf.gz") {
        c.ok(&ran);
    }
    assert!(Path::new(&c.p("out.tsv")).exists());
}

/// The tabix index at `path` with the first chunk of its first bin moved `by` bytes further
/// into its block (as if made for a file whose lines lie elsewhere).
fn shift_first_chunk(path: &Path, by: u64) {
    use std::io::{Read, Write};
    let mut t = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap()).read_to_end(&mut t).unwrap();
    let int = |p: usize| i32::from_le_bytes(t[p..p + 4].try_into().unwrap()) as usize;
    let names = int(32);
    let (mut p, bins) = (36 + names + 4, int(36 + names));
    assert!(bins > 0);
    p += 8; // bin number, chunk count
    let start = u64::from_le_bytes(t[p..p + 8].try_into().unwrap()) + by;
    t[p..p + 8].copy_from_slice(&start.to_le_bytes());
    let mut w = noodles::bgzf::io::Writer::new(std::fs::File::create(path).unwrap());
    w.write_all(&t).unwrap();
    w.finish().unwrap();
}

#[test]
fn an_index_whose_offsets_fall_inside_records_is_refused() {
    let c = Case::new();
    bgzip(&c, "a.vcf", &format!("{}{}", header("x"), records(&c, 100, |i| format!("rs{i}"))));
    sh(c.dir.path(), "tabix -p vcf a.vcf.gz");
    shift_first_chunk(&c.dir.path().join("a.vcf.gz.tbi"), 3);
    for ran in score_and_personal(&c, "a.vcf.gz") {
        c.refused(&ran, 3, &["a.vcf.gz", "a.vcf.gz.tbi", "does not match the file", "inside a line", "rebuild the index"]);
    }
    // a chunk past every block of the file
    sh(c.dir.path(), "tabix -f -p vcf a.vcf.gz");
    shift_first_chunk(&c.dir.path().join("a.vcf.gz.tbi"), 1 << 40);
    for ran in score_and_personal(&c, "a.vcf.gz") {
        c.refused(&ran, 3, &["a.vcf.gz.tbi", "does not match the file", "not inside a BGZF block"]);
    }
    // an index of a longer file reaches past the end of this one
    bgzip(&c, "long.vcf", &format!("{}{}", header("x"), records(&c, 300, |i| format!("rs{i}"))));
    sh(c.dir.path(), "tabix -p vcf long.vcf.gz");
    bgzip(&c, "short.vcf", &format!("{}{}", header("x"), records(&c, 30, |_| ".".into())));
    sh(c.dir.path(), "sleep 0.05; cp long.vcf.gz.tbi short.vcf.gz.tbi");
    for ran in score_and_personal(&c, "short.vcf.gz") {
        c.refused(&ran, 3, &["short.vcf.gz.tbi", "does not match the file"]);
    }
}
