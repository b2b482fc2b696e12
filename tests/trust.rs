//! xpresso never computes on a lie, never destroys a file, never panics: one test per kind of
//! bad input (FASTA, .fai, .gzi, GTF, BED, feature table, VCF, BCF, .tbi, CLI values), each
//! asserting the exit class (1 run failed, 2 usage, 3 input), one message line naming the
//! file, and that no output (nor temporary file) is left. The inputs are generated here.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;

use common::case::{bgzf, bgzf_cut, Case, Ran, GTF};
use common::{human_model, random_bases, write_fasta};

fn many_genes(n: usize) -> String {
    (0..n).map(|i| format!("chr1\tt\tgene\t{}\t{}\t.\t+\t.\tgene_id \"G{i}\";\n", 10_001 + i, 12_000 + i)).collect()
}

// ---- 1. indexes that disagree with their data ----

fn index_fasta(c: &Case) -> String {
    c.ok(&c.annotate(&["--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf")]));
    std::fs::remove_file(c.p("out.tsv")).unwrap();
    std::fs::read_to_string(c.p("g.fa.fai")).unwrap()
}

#[test]
fn fai_that_disagrees_with_the_fasta_is_refused() {
    let c = Case::new();
    let fai = index_fasta(&c);
    let f: Vec<&str> = fai.trim_end().split('\t').collect();
    assert_eq!(f[..2], ["chr1", "30000"]);
    let set = |fields: [&str; 5]| std::fs::write(c.p("g.fa.fai"), fields.join("\t") + "\n").unwrap();
    let args = ["--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf")];
    for (what, fields, needle) in [
        ("offset one byte late", ["chr1", "30000", "7", "60", "61"], "rebuild the index"),
        ("offset one byte early", ["chr1", "30000", "5", "60", "61"], "rebuild the index"),
        ("line width of another wrap", ["chr1", "30000", "6", "70", "71"], "rebuild the index"),
        ("length too long", ["chr1", "30060", "6", "60", "61"], "rebuild the index"),
        ("length too short", ["chr1", "29990", "6", "60", "61"], "longer than its length"),
        ("length 2^63", ["chr1", "9223372036854775808", "6", "60", "61"], "more than any genome"),
        ("bytes per line impossible", ["chr1", "30000", "6", "60", "70"], "no FASTA has"),
    ] {
        set(fields);
        let ran = c.annotate(&args);
        c.refused(&ran, 3, &[&c.p("g.fa"), needle]);
        assert!(ran.stderr.contains(&c.p("g.fa.fai")) || what == "length 2^63", "{what}: {}", ran.stderr);
    }
    // re-wrapped after indexing (same bases, 50 per line): the old index is caught
    std::fs::write(c.p("g.fa.fai"), &fai).unwrap();
    write_fasta(&c.dir.path().join("g.fa"), &[("chr1", &random_bases(30_000, 5))], 50);
    let ran = c.annotate(&args);
    c.refused(&ran, 3, &["rebuild the index", "samtools faidx"]);
}

#[test]
fn an_index_older_than_its_fasta_is_warned_about() {
    let c = Case::new();
    index_fasta(&c);
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options().write(true).open(c.p("g.fa.fai")).unwrap().set_modified(old).unwrap();
    let ran = c.annotate(&["--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf")]);
    c.ok(&ran);
    assert!(ran.stderr.contains("is older than") && ran.stderr.contains("g.fa.fai"), "{}", ran.stderr);
}

#[test]
fn duplicate_sequence_names_are_refused() {
    let c = Case::new();
    write_fasta(&c.dir.path().join("dup.fa"), &[("chr1", &random_bases(30_000, 5)), ("chr1", &random_bases(20_000, 6))], 60);
    let ran = c.annotate(&["--genome", &c.p("dup.fa"), "--gtf", &c.p("ok.gtf")]);
    c.refused(&ran, 3, &[&c.p("dup.fa"), "two sequences are named chr1"]);
}

/// Writes g.fa.gz: a 200 kb chr1 in BGZF blocks of 30 kB; returns the FASTA text.
fn multi_block_fasta(c: &Case) -> Vec<u8> {
    let mut text = b">chr1\n".to_vec();
    for line in random_bases(200_000, 8).chunks(60) {
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    std::fs::write(c.p("g.fa.gz"), bgzf(&text, 30_000)).unwrap();
    text
}

#[test]
fn gzi_that_disagrees_with_the_blocks_is_refused() {
    let c = Case::new();
    multi_block_fasta(&c);
    let args = ["--genome", &c.p("g.fa.gz"), "--gtf", &c.p("ok.gtf")];
    c.ok(&c.annotate(&args));
    std::fs::remove_file(c.p("out.tsv")).unwrap();
    let mut gzi = std::fs::read(c.p("g.fa.gz.gzi")).unwrap();
    assert!(gzi.len() > 24, "several blocks");
    gzi[16] ^= 0x10; // the second entry's compressed offset
    std::fs::write(c.p("g.fa.gz.gzi"), &gzi).unwrap();
    c.refused(&c.annotate(&args), 3, &[&c.p("g.fa.gz.gzi"), "bgzip -r"]);
}

/// The `.gzi` xpresso writes is byte for byte the one `bgzip -r` writes (no entry for the
/// empty end-of-file block), and a real pair (the shared chr2 piece with the `.fai`/`.gzi`
/// it was published with) is accepted as it is.
#[test]
fn gzi_written_equals_bgzip_and_real_indexes_are_accepted() {
    let c = Case::new();
    let text = multi_block_fasta(&c);
    c.ok(&c.annotate(&["--genome", &c.p("g.fa.gz"), "--gtf", &c.p("ok.gtf")]));
    let ours = std::fs::read(c.p("g.fa.gz.gzi")).unwrap();
    std::fs::copy(c.p("g.fa.gz"), c.p("b.fa.gz")).unwrap();
    let bgzip = Command::new("bgzip").args(["-r", &c.p("b.fa.gz")]).status().expect("bgzip (htslib) is installed (.ci/run installs tabix)");
    assert!(bgzip.success());
    assert_eq!(ours, std::fs::read(c.p("b.fa.gz.gzi")).unwrap(), "xpresso's .gzi = bgzip -r's");
    // the form older xpresso versions wrote (one more entry, at the end-of-file block) is read
    let mut older = ours.clone();
    let n = u64::from_le_bytes(older[..8].try_into().unwrap());
    older[..8].copy_from_slice(&(n + 1).to_le_bytes());
    let eof_block = std::fs::metadata(c.p("g.fa.gz")).unwrap().len() - 28;
    older.extend(eof_block.to_le_bytes());
    older.extend((text.len() as u64).to_le_bytes());
    std::fs::write(c.p("g.fa.gz.gzi"), &older).unwrap();
    c.ok(&c.annotate(&["--genome", &c.p("g.fa.gz"), "--gtf", &c.p("ok.gtf")]));
    // the shared piece, read in place with its published indexes (nothing is rewritten)
    let shared = common::shared().join("data/genome/chr2_1-2333275.fa.gz");
    std::fs::write(c.p("chr2.gtf"), "chr2\tt\tgene\t300001\t301000\t.\t+\t.\tgene_id \"G\";\n").unwrap();
    let ran = c.run(&["annotate", "-q", "-m", &human_model().to_string_lossy(), "--genome", &shared.to_string_lossy(), "--gtf", &c.p("chr2.gtf"), "-o", "-"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stdout.lines().any(|l| l.starts_with("G\t")), "{}", ran.stdout);
}

/// A BGZF block of the genome whose data was damaged after indexing fails its CRC: exit 3,
/// named as a corrupt file (not as an index to rebuild).
#[test]
fn a_damaged_genome_block_is_refused_by_its_crc() {
    let c = Case::new();
    multi_block_fasta(&c);
    let args = ["--genome", &c.p("g.fa.gz"), "--gtf", &c.p("ok.gtf")];
    c.ok(&c.annotate(&args));
    std::fs::remove_file(c.p("out.tsv")).unwrap();
    let mut bytes = std::fs::read(c.p("g.fa.gz")).unwrap();
    let size = u16::from_le_bytes([bytes[16], bytes[17]]) as usize + 1;
    bytes[size - 8] ^= 0xff; // the first block's CRC32
    std::fs::write(c.p("g.fa.gz"), &bytes).unwrap();
    let ran = c.annotate(&args);
    c.refused(&ran, 3, &[&c.p("g.fa.gz"), "is corrupt", "CRC32 mismatch"]);
    let error = ran.stderr.lines().find(|l| l.contains("error:")).unwrap();
    assert!(!error.contains("rebuild the index"), "{error}");
}

// ---- 2. truncated BGZF inputs ----

#[test]
fn bgzf_cut_at_a_block_boundary_is_refused_for_every_input() {
    let c = Case::new();
    std::fs::write(c.p("cut.gtf.gz"), bgzf_cut(many_genes(3000).as_bytes(), 20_000)).unwrap();
    c.refused(&c.annotate(&["--genome", &c.p("g.fa"), "--gtf", &c.p("cut.gtf.gz")]), 3, &["GTF", &c.p("cut.gtf.gz"), "truncated"]);
    // through standard input too (checked at its end)
    let model = human_model().to_string_lossy().into_owned();
    let mut child = Command::new(env!("CARGO_BIN_EXE_xpresso"))
        .args(["annotate", "-q", "-m", &model, "-o", &c.p("out.tsv"), "--genome", &c.p("g.fa"), "--gtf", "-"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&std::fs::read(c.p("cut.gtf.gz")).unwrap()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"));
    c.no_leftovers();

    let bed: String = (0..2000).map(|i| format!("chr1\t{}\t{}\tT{i}\t0\t+\n", 10_000 + i, 10_001 + i)).collect();
    std::fs::write(c.p("cut.bed.gz"), bgzf_cut(bed.as_bytes(), 10_000)).unwrap();
    c.refused(&c.annotate(&["--genome", &c.p("g.fa"), "--tss-bed", &c.p("cut.bed.gz")]), 3, &["BED", "truncated"]);

    let features: String = std::iter::once("id\ta\tb\tc\td\te\tf\n".to_string()).chain((0..3000).map(|i| format!("G{i}\t1\t2\t3\t4\t5\t6\n"))).collect();
    std::fs::write(c.p("cut.tsv.gz"), bgzf_cut(features.as_bytes(), 10_000)).unwrap();
    c.refused(&c.annotate(&["--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf"), "--features", &c.p("cut.tsv.gz")]), 3, &["features table", "truncated"]);

    let mut vcf = String::from("##fileformat=VCFv4.3\n##contig=<ID=chr1,length=30000>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    let g = random_bases(30_000, 5);
    for pos in (100..29_000).step_by(10) {
        vcf.push_str(&format!("chr1\t{}\t.\t{}\t{}\t.\t.\t.\n", pos + 1, g[pos] as char, if g[pos] == b'A' { 'C' } else { 'A' }));
    }
    std::fs::write(c.p("cut.vcf.gz"), bgzf_cut(vcf.as_bytes(), 10_000)).unwrap();
    let model = human_model().to_string_lossy().into_owned();
    let ran = c.run(&["score-variants", "-q", "-m", &model, "--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf"), "--vcf", &c.p("cut.vcf.gz"), "-o", &c.p("out.tsv")]);
    c.refused(&ran, 3, &["VCF", &c.p("cut.vcf.gz"), "truncated"]);
}

// ---- 3. records dropped or mangled ----

#[test]
fn a_byte_order_mark_keeps_the_first_record() {
    let c = Case::new();
    std::fs::write(c.p("bom.gtf"), format!("\u{feff}{GTF}")).unwrap();
    let ran = c.annotate(&["--genome", &c.p("g.fa"), "--gtf", &c.p("bom.gtf"), "-o", "-"]);
    c.ok(&ran);
    let rows: Vec<&str> = ran.stdout.lines().filter(|l| !l.starts_with('#') && !l.starts_with("gene_id")).collect();
    assert_eq!(rows.len(), 2, "{}", ran.stdout);
}

#[test]
fn unstranded_genes_are_counted_in_the_summary() {
    let c = Case::new();
    std::fs::write(c.p("dot.gtf"), format!("{GTF}chr1\tt\tgene\t19001\t19500\t.\t.\t.\tgene_id \"C\";\n")).unwrap();
    let model = human_model().to_string_lossy().into_owned();
    let ran = c.run(&["annotate", "-m", &model, "--genome", &c.p("g.fa"), "--gtf", &c.p("dot.gtf"), "-o", &c.p("o.tsv")]);
    c.ok(&ran);
    assert!(ran.stderr.contains("1 gene records of GTF") && ran.stderr.contains("no strand"), "{}", ran.stderr);
    // -q keeps one summary line of warnings
    let ran = c.run(&["annotate", "-q", "-m", &model, "--genome", &c.p("g.fa"), "--gtf", &c.p("dot.gtf"), "-o", &c.p("o.tsv"), "--features-key", "gene-name", "--features", &{
        std::fs::write(c.p("f.tsv"), "id\ta\tb\tc\td\te\tf\nAA\t1\t2\t3\t4\t5\t6\n").unwrap();
        c.p("f.tsv")
    }]);
    c.ok(&ran);
    assert_eq!(ran.stderr.lines().count(), 1, "{}", ran.stderr);
    assert!(ran.stderr.contains("no strand") && ran.stderr.contains("no features row"), "{}", ran.stderr);
}

#[test]
fn a_tab_inside_an_attribute_is_refused() {
    let c = Case::new();
    std::fs::write(c.p("tab.gtf"), "chr1\tt\tgene\t15001\t16000\t.\t+\t.\tgene_id \"A\"; gene_name \"A\tX\";\n").unwrap();
    c.refused(&c.annotate(&["--genome", &c.p("g.fa"), "--gtf", &c.p("tab.gtf")]), 3, &[&c.p("tab.gtf"), "line 1", "10 tab-separated columns"]);
}

#[test]
fn a_feature_table_without_header_is_refused() {
    let c = Case::new();
    std::fs::write(c.p("nohead.tsv"), "A\t1\t2\t3\t4\t5\t6\nB\t1\t2\t3\t4\t5\t6\n").unwrap();
    c.refused(&c.annotate(&["--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf"), "--features", &c.p("nohead.tsv")]), 3, &[&c.p("nohead.tsv"), "looks like data"]);
}

#[test]
fn empty_annotations_and_mismatched_names_are_input_errors() {
    let c = Case::new();
    let args = |gtf: &str| vec!["--genome".to_string(), c.p("g.fa"), "--gtf".into(), c.p(gtf)];
    for (name, text) in [("empty.gtf", ""), ("header.gtf", "##gff-version 2\n#!genome-build GRCh38\n")] {
        std::fs::write(c.p(name), text).unwrap();
        let a = args(name);
        c.refused(&c.annotate(&a.iter().map(String::as_str).collect::<Vec<_>>()), 3, &[&c.p(name), "no gene record"]);
    }
    std::fs::write(c.p("other.gtf"), GTF.replace("chr1", "NC_000001.11")).unwrap();
    let a = args("other.gtf");
    c.refused(&c.annotate(&a.iter().map(String::as_str).collect::<Vec<_>>()), 3, &["NC_000001.11", "chr1", "naming or assembly mismatch"]);
    // an empty selection is legitimate (a scattered workflow makes them): exit 0, said
    let model = human_model().to_string_lossy().into_owned();
    let ran = c.run(&["annotate", "-m", &model, "--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf"), "--region", "chr1:1-100", "-o", &c.p("sel.tsv")]);
    c.ok(&ran);
    assert!(ran.stderr.contains("no TSS of") && ran.stderr.contains("selected part"), "{}", ran.stderr);
    // an empty FASTA for predict
    std::fs::write(c.p("empty.fa"), "").unwrap();
    c.refused(&c.run(&["predict", "-q", "-m", &model, "-f", &c.p("empty.fa"), "-o", &c.p("out.tsv")]), 3, &["no sequence record"]);
}

// ---- 4. outputs that would destroy inputs or each other ----

#[test]
fn outputs_that_are_inputs_or_each_other_are_refused_before_reading() {
    let c = Case::new();
    std::os::unix::fs::symlink(c.p("ok.gtf"), c.p("link.gtf")).unwrap();
    let model = human_model().to_string_lossy().into_owned();
    let before = std::fs::read(c.p("ok.gtf")).unwrap();
    let g = c.p("g.fa");
    let gtf = c.p("ok.gtf");
    for (args, needle) in [
        (vec!["-o", gtf.as_str()], "is the input --gtf"),
        (vec!["-o", "link.gtf"], "is the input --gtf"),
        (vec!["-o", g.as_str()], "is the input --genome"),
        (vec!["-o", "g.fa.fai"], "is the input --genome index"),
        (vec!["-o", "o.tsv", "--bed", "./o.tsv"], "are the same file"),
        (vec!["-o", "-", "--bed", "-"], "standard output"),
    ] {
        let mut all = vec!["annotate", "-m", &model, "--genome", &g, "--gtf", &gtf];
        all.extend_from_slice(&args);
        let ran = c.run(&all);
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains(needle), "{args:?}: {}", ran.stderr);
        assert_eq!(std::fs::read(c.p("ok.gtf")).unwrap(), before);
        assert!(!Path::new(&c.p("o.tsv")).exists());
    }
    std::fs::write(c.p("in.vcf"), "##fileformat=VCFv4.3\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n").unwrap();
    let ran = c.run(&["score-variants", "-m", &model, "--genome", &g, "--gtf", &gtf, "--vcf", "in.vcf", "--tsv", "in.vcf", "-o", "o.vcf"]);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("is the input --vcf"), "{}", ran.stderr);
    let ran = c.run(&["scan", "-m", &model, "--genome", &g, "--region", "chr1", "-o", "g", "--bigwig", "g"]);
    assert_eq!(ran.code, Some(0), "distinct suffixes are distinct files: {}", ran.stderr);
}

// ---- 5. all outputs of a run, or none ----

#[test]
fn a_failed_run_leaves_none_of_its_outputs() {
    let c = Case::new();
    let model = human_model().to_string_lossy().into_owned();
    let (g, gtf) = (c.p("g.fa"), c.p("ok.gtf"));
    let ran = c.run(&["ism", "-q", "-m", &model, "--genome", &g, "--gtf", &gtf, "--gene", "A,NOPE", "--range", "0:1", "--npy", "npy/dir", "-o", "ism.tsv"]);
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    assert!(!Path::new(&c.p("npy")).exists(), "the npy directory it made is gone");
    assert!(!Path::new(&c.p("ism.tsv")).exists());
    let ran = c.annotate(&["--genome", &g, "--gtf", &gtf, "--bed", &c.p("o.bed"), "--bedgraph", &c.p("o.bg"), "--bigwig", &c.p("missing/o.bw")]);
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(ran.stderr.contains("missing"), "{}", ran.stderr);
    for f in ["o.bed", "o.bg", "out.tsv"] {
        assert!(!Path::new(&c.p(f)).exists(), "{f} left by a failed run");
    }
    c.no_leftovers();
    // and a run that succeeds writes all of them
    c.ok(&c.annotate(&["--genome", &g, "--gtf", &gtf, "--bed", &c.p("o.bed"), "--bigwig", &c.p("o.bw")]));
    assert!(["o.bed", "o.bw", "out.tsv"].iter().all(|f| Path::new(&c.p(f)).exists()));
}

// ---- 6. panics ----

#[test]
fn a_closed_pipe_is_a_quiet_exit_everywhere() {
    for cmd in ["xpresso models list | true", "xpresso completions bash | true", "xpresso man | true", "xpresso completions zsh | head -c 10 >/dev/null"] {
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_xpresso")).parent().unwrap().to_string_lossy().into_owned();
        let out = Command::new("bash")
            .args(["-c", &format!("set -o pipefail; {cmd}")])
            .env("PATH", format!("{bin_dir}:{}", std::env::var("PATH").unwrap()))
            .env("XDG_CACHE_HOME", std::env::temp_dir())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{cmd}: {stderr}");
        assert!(out.status.code().is_some_and(|c| c == 0 || c == 141), "{cmd}: {:?} {stderr}", out.status);
    }
}

// ---- 7. values that must be refused ----

#[test]
fn out_of_range_values_are_usage_errors() {
    let c = Case::new();
    let (g, gtf) = (c.p("g.fa"), c.p("ok.gtf"));
    for (args, needle) in [
        (vec!["annotate", "-t", "100000", "--genome", &g, "--gtf", &gtf], "0 (one per core) to 1024"),
        (vec!["annotate", "--genome", &g, "--gtf", &gtf, "--batch-size", "0"], "from 1 to 65536"),
        (vec!["annotate", "--genome", &g, "--gtf", &gtf, "--device", "gpu7"], "cuda:N"),
        (vec!["scan", "--genome", &g, "--region", "chr1:18446744073709551610-18446744073709551615", "-o", "s"], "at most"),
        (vec!["scan", "--genome", &g, "--region", "chr1", "-o", "s", "--offset", "NaN"], "finite"),
        (vec!["scan", "--genome", &g, "--region", "chr1", "-o", "s", "--step", "0"], "1..=1000000"),
    ] {
        let ran = c.run(&args);
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains(needle), "{args:?}: {}", ran.stderr);
    }
    // a shard of a huge count is computed without overflow: the one TSS falls in the last shard
    let n = "9223372036854775807";
    let ran = c.annotate(&["--genome", &g, "--gtf", &gtf, "--shard", &format!("{n}/{n}"), "-o", "-"]);
    c.ok(&ran);
    assert_eq!(ran.stdout.lines().count(), 1, "{}", ran.stdout);
    // a region past the chromosome end is an input error, not a wrap-around
    let model = human_model().to_string_lossy().into_owned();
    let ran = c.run(&["scan", "-m", &model, "--genome", &g, "--region", "chr1:100000000-100020000", "-o", "s"]);
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    assert!(ran.stderr.contains("past the end"), "{}", ran.stderr);
}

// ---- 8. errors say where, on one line ----

#[test]
fn errors_name_the_place_on_one_line() {
    let c = Case::new();
    std::fs::write(c.p("crlf.gtf"), "chr1\tt\tgene\tx15001\t16000\t.\t+\t.\tgene_id \"A\";\r\n").unwrap();
    let ran = c.annotate(&["--genome", &c.p("g.fa"), "--gtf", &c.p("crlf.gtf")]);
    c.refused(&ran, 3, &[&c.p("crlf.gtf"), "line 1"]);
    assert!(!ran.stderr.trim_end().contains('\r'), "{:?}", ran.stderr);
    std::fs::write(c.p("zero.bed"), "chr1\t0\t1\tT\t0\t-\n").unwrap();
    c.refused(&c.annotate(&["--genome", &c.p("g.fa"), "--tss-bed", &c.p("zero.bed")]), 3, &[&c.p("zero.bed"), "line 1", "before the chromosome start"]);
}

// ---- VCF/BCF, indexes and the model ----

fn vcf_text(c: &Case) -> String {
    let g = std::fs::read_to_string(c.p("g.fa")).unwrap();
    let seq: Vec<u8> = g.lines().skip(1).flat_map(|l| l.bytes()).collect();
    let mut vcf = String::from("##fileformat=VCFv4.3\n##contig=<ID=chr1,length=30000>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    for pos in (8_000..25_000).step_by(500) {
        vcf.push_str(&format!("chr1\t{}\t.\t{}\t{}\t.\t.\t.\n", pos + 1, seq[pos] as char, if seq[pos] == b'A' { 'C' } else { 'A' }));
    }
    vcf
}

#[test]
fn a_vcf_index_older_than_its_vcf_is_not_used() {
    let c = Case::new();
    std::fs::write(c.p("v.vcf.gz"), bgzf(vcf_text(&c).as_bytes(), 1 << 16)).unwrap();
    let status = Command::new("bcftools").args(["index", "-t"]).arg(c.p("v.vcf.gz")).status().expect("bcftools (.ci/run installs it)");
    assert!(status.success());
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options().write(true).open(c.p("v.vcf.gz.tbi")).unwrap().set_modified(old).unwrap();
    let model = human_model().to_string_lossy().into_owned();
    let base = ["score-variants", "-m", &model, "--genome", "g.fa", "--gtf", "ok.gtf", "--vcf", "v.vcf.gz", "-o", "o.vcf"];
    let ran = c.run(&base);
    c.ok(&ran);
    assert!(ran.stderr.contains("is older than") && ran.stderr.contains("reading the whole file"), "{}", ran.stderr);
    // streaming copies every record, so all 34 are in the output
    assert_eq!(std::fs::read_to_string(c.p("o.vcf")).unwrap().lines().filter(|l| !l.starts_with('#')).count(), 34);
    // a shard needs the index: refused, saying why
    let ran = c.run(&[&base[..], &["--shard", "1/2"]].concat());
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    assert!(ran.stderr.contains("older than the file"), "{}", ran.stderr);
}

#[test]
fn a_vcf_on_other_chromosomes_is_an_input_error() {
    let c = Case::new();
    std::fs::write(c.p("v.vcf"), vcf_text(&c).replace("chr1\t", "NC_000001.11\t")).unwrap();
    let model = human_model().to_string_lossy().into_owned();
    let ran = c.run(&["score-variants", "-q", "-m", &model, "--genome", "g.fa", "--gtf", "ok.gtf", "--vcf", "v.vcf", "-o", &c.p("out.tsv")]);
    c.refused(&ran, 3, &["NC_000001.11", "chr1", "naming or assembly mismatch"]);
}

#[test]
fn a_bcf_length_beyond_the_file_is_refused_without_allocating_it() {
    let Some(bcf) = common::shared_bcf() else { return };
    let c = Case::new();
    let l_text = u32::from_le_bytes(bcf[5..9].try_into().unwrap()) as usize;
    let mut bomb = bcf[..9 + l_text].to_vec();
    bomb.extend_from_slice(&[0xf0, 0xff, 0xff, 0xff, 0xf0, 0xff, 0xff, 0xff, 1, 2, 3]);
    std::fs::write(c.p("bomb.bcf"), &bomb).unwrap();
    let model = human_model().to_string_lossy().into_owned();
    let cmd = format!(
        "ulimit -v 1048576; exec '{}' score-variants -q -m '{model}' --genome g.fa --gtf ok.gtf --vcf bomb.bcf -o '{}'",
        env!("CARGO_BIN_EXE_xpresso"),
        c.p("out.tsv")
    );
    let out = Command::new("bash").args(["-c", &cmd]).current_dir(c.dir.path()).output().unwrap();
    let ran = Ran { code: out.status.code(), stdout: String::new(), stderr: String::from_utf8_lossy(&out.stderr).into() };
    c.refused(&ran, 3, &[&c.p("bomb.bcf").replace(&format!("{}/", c.dir.path().display()), ""), "more than the file can hold"]);
}

#[test]
fn a_corrupt_model_file_is_an_input_error() {
    let c = Case::new();
    let mut h5 = std::fs::read(human_model()).unwrap();
    for i in (2_000..h5.len()).step_by(997) {
        h5[i] ^= 0x5a;
    }
    std::fs::write(c.p("bad.h5"), &h5).unwrap();
    std::fs::write(c.p("cut.h5"), &h5[..h5.len() / 3]).unwrap();
    for name in ["bad.h5", "cut.h5"] {
        let ran = c.run(&["annotate", "-q", "-m", &c.p(name), "--genome", "g.fa", "--gtf", "ok.gtf", "-o", &c.p("out.tsv")]);
        c.refused(&ran, 3, &[&c.p(name)]);
    }
}

/// Crashers the fuzzer found in noodles-bcf 0.94 (see docs/development.md): one byte of the
/// shared BCF changed. Each panicked inside the decoder (a slice split past its end in
/// `record/samples/series.rs`, an `unwrap` of a UTF-8 error in `record/ids.rs`); now each is
/// an input error naming the file and the record.
#[test]
fn bcf_decoder_panics_are_input_errors() {
    let Some(mut bcf) = common::shared_bcf() else { return };
    let c = Case::new();
    bcf.truncate(60_000);
    let model = human_model().to_string_lossy().into_owned();
    for (offset, byte) in [(31_753, 0x10), (42_907, 0xff)] {
        let mut bad = bcf.clone();
        bad[offset] = byte;
        std::fs::write(c.p("crash.bcf"), &bad).unwrap();
        let ran = c.run(&["score-variants", "-q", "-m", &model, "--genome", "g.fa", "--gtf", "ok.gtf", "--vcf", &c.p("crash.bcf"), "-o", &c.p("out.tsv")]);
        c.refused(&ran, 3, &[&c.p("crash.bcf"), "BCF record", "the decoder failed on corrupt data"]);
    }
}

/// Found by the fuzzer: a BGZF FASTA whose first block lost its `BC` field is still valid
/// gzip, so it is converted like a plain-gzip download. An error found later must still
/// name the user's file, not only the converted copy.
#[test]
fn errors_on_a_converted_genome_name_the_users_file() {
    let c = Case::new();
    let mut text = b">chr1\n".to_vec();
    for line in random_bases(30_000, 5).chunks(60) {
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    let mut gz = bgzf(&text, 20_000);
    gz[12] = b'X'; // the first block's extra subfield is no longer `BC`: plain gzip now
    std::fs::write(c.p("g2.fa.gz"), &gz).unwrap();
    let model = human_model().to_string_lossy().into_owned();
    let cache = c.p("cache");
    let out = Command::new(env!("CARGO_BIN_EXE_xpresso"))
        .args(["annotate", "-q", "-m", &model, "--genome", &c.p("g2.fa.gz"), "--gtf", &c.p("ok.gtf"), "-o", "-"])
        .env("XPRESSO_GENOME_CACHE", &cache)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // now corrupt the copy's index: the error names both the copy and the user's file
    let copy_fai = std::fs::read_dir(&cache).unwrap().map(|e| e.unwrap().path()).find(|p| p.to_string_lossy().ends_with(".bgz.fai")).unwrap();
    std::fs::write(&copy_fai, "chr1\t30000\t7\t60\t61\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xpresso"))
        .args(["annotate", "-q", "-m", &model, "--genome", &c.p("g2.fa.gz"), "--gtf", &c.p("ok.gtf"), "-o", &c.p("out.tsv")])
        .env("XPRESSO_GENOME_CACHE", &cache)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains(&c.p("g2.fa.gz")) && stderr.contains("BGZF copy") && stderr.contains("rebuild the index"), "{stderr}");
}
