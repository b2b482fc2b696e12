//! Round 4 of "never compute on a lie" (issue 33): calibration tables, output names, `-R`
//! files, alias tables, sample lists, GFF3 and exon-only GTFs, PrediXcan columns, a full
//! TMPDIR, `file://` URLs. Each case asserts its exit status, one error line naming the file
//! (and line) and what is wrong, and that nothing is left behind.

mod common;

use std::path::Path;
use std::process::Command;

use common::case::Case;
use common::{human_model, random_bases, write_fasta};

fn model() -> String {
    human_model().to_string_lossy().into_owned()
}

/// A VCF of two SNVs on chr1 of the case's genome, with `samples` phased samples.
fn vcf(c: &Case, name: &str, samples: &[&str], records: &[(u64, &str)]) -> String {
    let genome = std::fs::read_to_string(c.p("g.fa")).unwrap().lines().skip(1).collect::<String>();
    let mut text = String::from("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=30000>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"GT\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO");
    if !samples.is_empty() {
        text += &format!("\tFORMAT\t{}", samples.join("\t"));
    }
    text += "\n";
    for (pos, gt) in records {
        let b = genome.as_bytes()[*pos as usize - 1] as char;
        let alt = if b == 'A' { 'G' } else { 'A' };
        text += &format!("chr1\t{pos}\t.\t{b}\t{alt}\t.\tPASS\t.");
        if !samples.is_empty() {
            text += &format!("\tGT{}", format!("\t{gt}").repeat(samples.len()));
        }
        text += "\n";
    }
    std::fs::write(c.p(name), text).unwrap();
    c.p(name)
}

#[test]
fn calibration_tables_that_lie_are_refused_at_their_line() {
    let c = Case::new();
    let sv = |cal: &str| {
        let (model, g, gtf, v, out) = (model(), c.p("g.fa"), c.p("ok.gtf"), vcf(&c, "v.vcf", &[], &[(15_001, "")]), c.p("out.vcf"));
        c.run(&["score-variants", "-q", "-m", &model, "-g", &g, "--gtf", &gtf, "--vcf", &v, "-o", &out, "--calibration", cal])
    };
    let head = "##snvs=30\n#abs_delta_from\tabs_delta_to\tsnvs\tsnvs_below\n";
    for (name, body, why) in [
        ("nan.tsv", format!("{head}1e-3\t2e-3\t10\t0\nNaN\t3e-3\t20\t10\n"), "line 4: abs_delta_from 'NaN' is not a finite |delta| >= 0"),
        ("negative.tsv", format!("{head}-1e-3\t2e-3\t10\t0\n2e-3\t3e-3\t20\t10\n"), "line 3: abs_delta_from '-1e-3'"),
        ("inf.tsv", format!("{head}1e-3\t2e-3\t10\t0\n2e-3\tinf\t20\t10\n"), "line 4: abs_delta_to 'inf'"),
        ("order.tsv", format!("{head}2e-3\t3e-3\t10\t0\n1e-3\t2e-3\t20\t10\n"), "line 4: the bin from 1e-3 starts before the previous bin ends"),
        ("counts.tsv", format!("{head}1e-3\t2e-3\t10\t0\n2e-3\t3e-3\t20\t9\n"), "line 4: snvs_below is 9, but the bins before hold 10"),
        ("cut.tsv", format!("{head}1e-3\t2e-3\t10\t0\n"), "truncated or empty calibration table: its bins hold 10 SNVs, its ##snvs= line says 30"),
        ("columns.tsv", format!("{head}1e-3\t2e-3\t10\n"), "line 3: 3 columns"),
    ] {
        std::fs::write(c.p(name), body).unwrap();
        let ran = sv(&c.p(name));
        c.refused(&ran, 3, &[name, why]);
        assert!(!ran.stderr.contains("Some("), "{}", ran.stderr);
    }
    // a table that went through Windows (BOM, CRLF) reads as written: only its model is wrong
    let crlf = format!("\u{feff}##model_sha256=other\r\n{}1e-3\t2e-3\t30\t0\r\n", head.replace('\n', "\r\n"));
    std::fs::write(c.p("crlf.tsv"), crlf).unwrap();
    c.refused(&sv(&c.p("crlf.tsv")), 3, &["crlf.tsv", "calibration table made with another model"]);
}

#[test]
fn output_names_say_the_format_written() {
    let c = Case::new();
    let v = vcf(&c, "v.vcf", &[], &[(15_001, "")]);
    for (kind, name) in [("b", "x.vcf"), ("u", "x.vcf"), ("z", "x.bcf"), ("v", "x.bcf")] {
        let (model, g, gtf, out) = (model(), c.p("g.fa"), c.p("ok.gtf"), c.p(name));
        let ran = c.run(&["score-variants", "-q", "-m", &model, "-g", &g, "--gtf", &gtf, "--vcf", &v, "-O", kind, "-o", &out]);
        assert_eq!(ran.code, Some(2), "-O {kind} -o {name}: {}", ran.stderr);
        assert!(ran.stderr.contains(name) && !Path::new(&out).exists(), "{}", ran.stderr);
    }
    // a .gz name that is a link to standard output: refused with what would really happen
    std::os::unix::fs::symlink("/dev/stdout", c.p("link.tsv.gz")).unwrap();
    let ran = c.annotate(&["--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf"), "-o", &c.p("link.tsv.gz")]);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("link.tsv.gz") && ran.stderr.contains("leads to standard output") && ran.stdout.is_empty(), "{}", ran.stderr);
    assert!(std::fs::symlink_metadata(c.p("link.tsv.gz")).unwrap().file_type().is_symlink());
}

#[test]
fn regions_alias_and_sample_files_are_checked() {
    let c = Case::new();
    let (g, gtf) = (c.p("g.fa"), c.p("ok.gtf"));
    // a BED interval ending before it starts: as the CHROM POS form, exit 3 at its line
    std::fs::write(c.p("r.bed"), "chr1\t100\t200\nchr1\t500\t400\n").unwrap();
    c.refused(&c.annotate(&["--genome", &g, "--gtf", &gtf, "-R", &c.p("r.bed")]), 3, &["r.bed line 2", "500-400 ends before it starts"]);
    std::fs::write(c.p("r.txt"), "chr1\t500\t400\n").unwrap();
    c.refused(&c.annotate(&["--genome", &g, "--gtf", &gtf, "-R", &c.p("r.txt")]), 3, &["r.txt line 1"]);
    // missing -R / --samples-file: exit 3 like every missing input
    c.refused(&c.annotate(&["--genome", &g, "--gtf", &gtf, "-R", &c.p("absent.bed")]), 3, &["absent.bed"]);
    // an alias naming two sequences over two rows
    write_fasta(Path::new(&c.p("two.fa")), &[("chr1", &random_bases(30_000, 5)), ("chr2", &random_bases(30_000, 6))], 60);
    std::fs::write(c.p("alias.txt"), "# names\nchr1\t1\tNC_1\nchr2\t2\tNC_1\n").unwrap();
    let model = model();
    let ran = c.run(&["annotate", "-q", "-m", &model, "--chrom-alias", &c.p("alias.txt"), "--genome", &c.p("two.fa"), "--gtf", &gtf, "-o", &c.p("out.tsv")]);
    c.refused(&ran, 3, &["alias.txt line 3", "'NC_1' names chr2 here and chr1 on an earlier line"]);

    // sample lists: an Excel export (BOM, CRLF) reads; duplicates name the file and line
    let v = vcf(&c, "s.vcf", &["S1", "S2", "S3"], &[(15_001, "0|1"), (17_500, "1|0")]);
    let personal = |list: &str| {
        let out = c.p("m.tsv");
        c.run(&["personal", "-q", "-m", &model, "-g", &g, "--gtf", &gtf, "--vcf", &v, "--samples-file", list, "-o", &out])
    };
    std::fs::write(c.p("excel.txt"), "\u{feff}S3\r\nS1\r\n").unwrap();
    let ran = personal(&c.p("excel.txt"));
    c.ok(&ran);
    let header = std::fs::read_to_string(c.p("m.tsv")).unwrap().lines().find(|l| l.starts_with("gene_id")).unwrap().to_string();
    assert!(header.ends_with("\tS3\tS1"), "{header}");
    std::fs::remove_file(c.p("m.tsv")).unwrap();
    std::fs::write(c.p("dup.txt"), "S1\nS2\nS1\n").unwrap();
    c.refused(&personal(&c.p("dup.txt")), 3, &["dup.txt line 3", "sample S1 is named twice", "line 1"]);
    c.refused(&personal(&c.p("absent.txt")), 3, &["absent.txt"]);

    // standard input cannot be sharded (usage), said so
    let ran = c.run(&["score-variants", "-q", "-m", &model, "-g", &g, "--gtf", &gtf, "--vcf", "-", "--shard", "1/2", "-o", &c.p("out.vcf")]);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("standard input cannot be sharded"), "{}", ran.stderr);
}

#[test]
fn write_index_names_the_first_unsorted_record() {
    let c = Case::new();
    let v = vcf(&c, "u.vcf", &[], &[(17_500, ""), (15_001, "")]);
    let (model, g, gtf, out) = (model(), c.p("g.fa"), c.p("ok.gtf"), c.p("out.vcf.gz"));
    let ran = c.run(&["score-variants", "-q", "-m", &model, "-g", &g, "--gtf", &gtf, "--vcf", &v, "-o", &out, "--write-index"]);
    c.refused(&ran, 3, &["u.vcf:6 (chr1:15001)", "chr1:15001 comes after chr1:17500", "bcftools sort"]);
    assert!(!Path::new(&out).exists() && !Path::new(&format!("{out}.csi")).exists());
}

#[test]
fn annotations_that_would_lie_are_refused_or_read_whole() {
    let c = Case::new();
    let g = c.p("g.fa");
    let run = |gtf: &str, extra: &[&str]| c.annotate(&[&["--genome", &g, "--gtf", &c.p(gtf)][..], extra].concat());
    // GFF3: a name decoding to a tab would break every TSV column after it
    let gff = "##gff-version 3\nchr1\tt\tgene\t15001\t16000\t.\t+\t.\tID=gene:A;Name=AB%09CD\n";
    std::fs::write(c.p("tab.gff3"), gff).unwrap();
    c.refused(&run("tab.gff3", &[]), 3, &["tab.gff3 line 2", "control character"]);
    // orphan transcripts are counted; a ##FASTA section at the end is not read as features
    let gff = "##gff-version 3\nchr1\tt\tmRNA\t14001\t16000\t.\t+\t.\tID=transcript:T0;Parent=gene:A\nchr1\tt\tgene\t15001\t16000\t.\t+\t.\tID=gene:A\nchr1\tt\tmRNA\t15001\t16000\t.\t+\t.\tID=transcript:T1;Parent=gene:A\nchr1\tt\tmRNA\t15101\t16000\t.\t+\t.\tID=transcript:T2\n##FASTA\n>chr1\nACGT\n";
    std::fs::write(c.p("a.gff3"), gff).unwrap();
    let ran = run("a.gff3", &["--tss", "transcript"]);
    c.ok(&ran);
    let rows: Vec<String> = std::fs::read_to_string(c.p("out.tsv")).unwrap().lines().filter(|l| !l.starts_with('#') && !l.starts_with("gene_id")).map(String::from).collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let ran = c.run(&["annotate", "-m", &model(), "--genome", &g, "--gtf", &c.p("a.gff3"), "--tss", "transcript", "-o", &c.p("out2.tsv")]);
    assert!(ran.stderr.contains("1 transcript features of GFF3") && ran.stderr.contains("no Parent attribute"), "{}", ran.stderr);
    assert!(ran.stderr.contains("name a Parent that is no gene listed before them"), "{}", ran.stderr);
    std::fs::remove_file(c.p("out.tsv")).unwrap();

    // exon-only GTF: a gene whose transcripts interleave with another gene's is one row
    let exons = "chr1\tt\texon\t15001\t15100\t.\t+\t.\tgene_id \"A\"; transcript_id \"A1\";\nchr1\tt\texon\t15201\t15300\t.\t+\t.\tgene_id \"C\"; transcript_id \"C1\";\nchr1\tt\texon\t14901\t15400\t.\t+\t.\tgene_id \"A\"; transcript_id \"A2\";\n";
    std::fs::write(c.p("e.gtf"), exons).unwrap();
    c.ok(&run("e.gtf", &[]));
    let rows: Vec<String> = std::fs::read_to_string(c.p("out.tsv")).unwrap().lines().filter(|l| !l.starts_with('#') && !l.starts_with("gene_id")).map(String::from).collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0].starts_with("A\tA\tchr1\t14901\t+"), "A from the span of all its exons: {rows:?}");
    std::fs::remove_file(c.p("out.tsv")).unwrap();
    // ... and a transcript on two strands is bad input
    let exons = "chr1\tt\texon\t15001\t15100\t.\t+\t.\tgene_id \"A\"; transcript_id \"A1\";\nchr1\tt\texon\t16001\t16100\t.\t-\t.\tgene_id \"A\"; transcript_id \"A1\";\n";
    std::fs::write(c.p("s.gtf"), exons).unwrap();
    c.refused(&run("s.gtf", &["--tss", "transcript"]), 3, &["s.gtf line 2", "A1 has exons on both strands of chr1"]);

    // transcript filters that select nothing say so, with the count they saw
    let gtf = "chr1\tt\tgene\t15001\t16000\t.\t+\t.\tgene_id \"A\";\nchr1\tt\ttranscript\t15001\t16000\t.\t+\t.\tgene_id \"A\"; transcript_id \"A1\"; tag \"basic\";\n";
    std::fs::write(c.p("t.gtf"), gtf).unwrap();
    c.refused(&run("t.gtf", &["--tss", "transcript", "--transcript-tag", "MANE_Selekt"]), 3, &["t.gtf", "--transcript-tag MANE_Selekt selects none of its 1 transcripts"]);

    // a file:// URL is the file
    let url = format!("file://{}", c.p("ok.gtf"));
    c.ok(&c.annotate(&["--genome", &g, "--gtf", &url]));
}

#[test]
fn predixcan_never_writes_one_column_name_twice() {
    let c = Case::new();
    // one gene id at two TSSs (as PAR genes on chrX and chrY)
    std::fs::write(c.p("par.gtf"), "chr1\tt\tgene\t15001\t16000\t.\t+\t.\tgene_id \"P\";\nchr1\tt\tgene\t20001\t21000\t.\t+\t.\tgene_id \"P\";\n").unwrap();
    let v = vcf(&c, "s.vcf", &["S1", "S2"], &[(15_001, "0|1")]);
    let (model, g, gtf, out) = (model(), c.p("g.fa"), c.p("par.gtf"), c.p("p.tsv"));
    let ran = c.run(&["personal", "-m", &model, "-g", &g, "--gtf", &gtf, "--vcf", &v, "--format", "predixcan", "-o", &out]);
    c.ok(&ran);
    let header = std::fs::read_to_string(&out).unwrap().lines().next().unwrap().to_string();
    assert_eq!(header, "FID\tIID\tP@chr1:15001\tP@chr1:20001");
    assert!(ran.stderr.contains("1 gene ids are given at several TSSs"), "{}", ran.stderr);

    // a TMPDIR that cannot hold the transposed matrix is named
    let ran = Command::new(env!("CARGO_BIN_EXE_xpresso"))
        .args(["personal", "-q", "-m", &model, "-g", &g, "--gtf", &gtf, "--vcf", &v, "--format", "predixcan", "-o", &c.p("q.tsv")])
        .env("TMPDIR", c.p("no-such-dir"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert_eq!(ran.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no-such-dir (TMPDIR)") && stderr.contains("samples x genes"), "{stderr}");
    assert!(!Path::new(&c.p("q.tsv")).exists());
}
