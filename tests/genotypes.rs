//! `personal` never misreads a genotype without a word: wide allele indices are kept whole,
//! phase is asked for whenever an unphased het meets a second het, a FORMAT without GT or a
//! GT that is not one is exit 3 naming the file and line, a lone `.` keeps a diploid sample
//! diploid, a VCF of other chromosomes or another assembly is refused, and a haplotype whose
//! deletions reach beyond the VCF read is NA and counted. On the corpus's 30 kb genome (gene A
//! at 15,001 on +, B at 18,000 on -).

mod common;

use common::case::{Case, Ran};
use common::{human_model, random_bases, tsv_rows, write_fasta};

/// The corpus genome's bases (0-based).
fn genome(c: &Case) -> Vec<u8> {
    std::fs::read_to_string(c.p("g.fa")).unwrap().lines().skip(1).flat_map(|l| l.bytes().collect::<Vec<_>>()).collect()
}

/// A VCF with samples S1, S2 and `records` (CHROM..., already tab-joined, with FORMAT and two
/// sample columns).
fn cohort(records: &[String]) -> String {
    let mut v = String::from("##fileformat=VCFv4.3\n##contig=<ID=chr1,length=30000>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n");
    for r in records {
        v.push_str(r);
        v.push('\n');
    }
    v
}

/// An SNV record at 1-based `pos` with GTs `g1`, `g2`.
fn snv(seq: &[u8], pos: usize, g1: &str, g2: &str) -> String {
    let r = seq[pos - 1] as char;
    let alt = if r == 'A' { 'C' } else { 'A' };
    format!("chr1\t{pos}\t.\t{r}\t{alt}\t.\t.\t.\tGT\t{g1}\t{g2}")
}

fn personal(c: &Case, vcf: &str, extra: &[&str]) -> Ran {
    std::fs::write(c.p("c.vcf"), vcf).unwrap();
    let model = human_model().to_string_lossy().into_owned();
    let mut args = vec!["personal", "-q", "-m", &model, "--genome", "g.fa", "--gtf", "ok.gtf", "--vcf", "c.vcf", "-o", "out.tsv"];
    args.extend_from_slice(extra);
    c.run(&args)
}

/// Matrix cell of gene `gene`, column `col`.
fn cell(c: &Case, gene: &str, col: &str) -> String {
    let rows = tsv_rows(&std::fs::read_to_string(c.p("out.tsv")).unwrap());
    let at = rows[0].iter().position(|h| h == col).unwrap_or_else(|| panic!("no column {col}: {:?}", rows[0]));
    rows.iter().find(|r| r[0] == gene).unwrap()[at].clone()
}

#[test]
fn wide_allele_indices_are_kept_whole() {
    let c = Case::new();
    let seq = genome(&c);
    let pos = 15_101;
    let r = seq[pos - 1] as char;
    // 300 distinct insertions: ALT k inserts k bases
    let alts: Vec<String> = (1..=300).map(|k| format!("{r}{}", "C".repeat(k))).collect();
    let record = |gt: &str| format!("chr1\t{pos}\t.\t{r}\t{}\t.\t.\t.\tGT\t{gt}\t0|0", alts.join(","));
    let ran = personal(&c, &cohort(&[record("300|255")]), &["--haplotypes", "--long", "long.tsv"]);
    c.ok(&ran);
    let long = std::fs::read_to_string(c.p("long.tsv")).unwrap();
    let applied: Vec<&str> = long.lines().filter(|l| l.starts_with("A\t") && l.contains("\tS1\t")).map(|l| l.rsplit('\t').next().unwrap()).collect();
    assert_eq!(applied, [format!("{pos}:{r}>{}", alts[299]), format!("{pos}:{r}>{}", alts[254])], "ALT 300 and 255, not 44 and missing");
    assert_ne!(cell(&c, "A", "S1:1"), cell(&c, "A", "S1:2"));
    std::fs::remove_file(c.p("out.tsv")).unwrap();
    // an index past the ALT count, however it would wrap in a byte, is exit 3 at the line
    for (gt, n_alts) in [("300|0", 44), ("256|0", 255), ("0|65536", 1)] {
        let alts: Vec<String> = (1..=n_alts).map(|k| format!("{r}{}", "C".repeat(k))).collect();
        let line = format!("chr1\t{pos}\t.\t{r}\t{}\t.\t.\t.\tGT\t{gt}\t0|0", alts.join(","));
        let ran = personal(&c, &cohort(&[line]), &[]);
        c.refused(&ran, 3, &["c.vcf:5", &format!("GT '{gt}'"), &format!("{n_alts} ALT")]);
    }
}

#[test]
fn genotypes_that_are_not_genotypes_are_input_errors_at_their_line() {
    let c = Case::new();
    let seq = genome(&c);
    let ok = snv(&seq, 15_101, "0|1", "0|0");
    for (bad, needle) in [
        (snv(&seq, 15_201, "0/1/1", "0|0"), "ploidy above 2"),
        (snv(&seq, 15_201, "0|2", "0|0"), "allele 2 but the record has 1 ALT"),
        (snv(&seq, 15_201, "x|y", "0|0"), "GT 'x|y' is not a genotype"),
        (snv(&seq, 15_201, "0|1", "0|0").rsplit_once('\t').unwrap().0.to_string(), "sample column 11 is missing"),
        (snv(&seq, 15_201, "3,4", "5,6").replace("\tGT\t", "\tAD\t"), "FORMAT 'AD' has no GT"),
    ] {
        let ran = personal(&c, &cohort(&[ok.clone(), bad]), &[]);
        c.refused(&ran, 3, &["c.vcf:6", needle]);
    }
}

#[test]
fn phase_is_needed_when_an_unphased_het_meets_any_second_het() {
    let c = Case::new();
    let seq = genome(&c);
    // S1: one unphased and one phased het in A's window; S2: two phased hets
    let vcf = cohort(&[snv(&seq, 15_101, "0/1", "0|1"), snv(&seq, 15_301, "0|1", "1|0")]);
    let ran = personal(&c, &vcf, &["--haplotypes"]);
    c.ok(&ran);
    // both genes' windows hold both sites
    assert!(ran.stderr.contains("2 sample x TSS values are NA: an unphased heterozygous site and a second"), "{}", ran.stderr);
    assert_eq!(cell(&c, "A", "S1:1"), "NA");
    assert_ne!(cell(&c, "A", "S2:1"), "NA");
    // one unphased het alone needs no phase
    let ran = personal(&c, &cohort(&[snv(&seq, 15_101, "0/1", "0|0")]), &["--haplotypes"]);
    c.ok(&ran);
    assert_ne!(cell(&c, "A", "S1:1"), "NA");
    // under --unphased error, the message names the VCF, the sample and both sites
    std::fs::remove_file(c.p("out.tsv")).unwrap();
    let ran = personal(&c, &vcf, &["--unphased", "error"]);
    c.refused(&ran, 3, &["c.vcf", "sample S1", "15101 (unphased)", "15301"]);
}

#[test]
fn a_lone_missing_call_keeps_a_diploid_sample_diploid() {
    let c = Case::new();
    let seq = genome(&c);
    let ran = personal(&c, &cohort(&[snv(&seq, 15_101, ".", "0|1"), snv(&seq, 15_301, ".", "0|0")]), &["--haplotypes"]);
    c.ok(&ran);
    let reference = cell(&c, "A", "reference");
    assert_eq!(cell(&c, "A", "S1:1"), reference);
    assert_eq!(cell(&c, "A", "S1:2"), reference, "haplotype 2 exists and is the reference, not `.`");
    assert!(ran.stderr.contains("2 sample alleles are missing"), "{}", ran.stderr);
}

#[test]
fn a_vcf_of_other_chromosomes_or_another_assembly_is_refused() {
    let c = Case::new();
    let seq = genome(&c);
    let vcf = cohort(&[snv(&seq, 15_101, "0|1", "0|0")]);
    let ran = personal(&c, &vcf.replace("chr1\t", "chr7\t").replace("ID=chr1,", "ID=chr7,"), &[]);
    c.refused(&ran, 3, &["none of the 1 records of c.vcf", "chr7"]);
    let ran = personal(&c, &vcf.replace("length=30000", "length=249250621"), &[]);
    c.refused(&ran, 3, &["c.vcf", "chr1 is 249250621 bp in the VCF", "30000 bp in the genome", "another assembly"]);
    let model = human_model().to_string_lossy().into_owned();
    let ran = c.run(&["score-variants", "-q", "-m", &model, "--genome", "g.fa", "--gtf", "ok.gtf", "--vcf", "c.vcf", "-o", "out.tsv"]);
    c.refused(&ran, 3, &["chr1 is 249250621 bp in the VCF"]);
    // no lengths to compare: said once
    let ran = personal(&c, &vcf.replace("##contig=<ID=chr1,length=30000>\n", ""), &[]);
    c.ok(&ran);
    assert!(ran.stderr.contains("c.vcf has no ##contig lengths"), "{}", ran.stderr);
}

#[test]
fn a_record_past_the_chromosome_end_is_a_ref_mismatch() {
    let c = Case::new();
    let seq = genome(&c);
    // without a ##contig length to give it away: REF N past the end would match anything
    let vcf = cohort(&[snv(&seq, 15_101, "0|1", "0|0"), "chr1\t30001\t.\tN\tA\t.\t.\t.\tGT\t1|1\t0|0".into()]).replace("##contig=<ID=chr1,length=30000>\n", "");
    let ran = personal(&c, &vcf, &[]);
    c.ok(&ran);
    assert!(ran.stderr.contains("1 records have a REF that differs from the genome"), "{}", ran.stderr);
    std::fs::remove_file(c.p("out.tsv")).unwrap();
    let ran = personal(&c, &vcf, &["--ref-mismatch", "error"]);
    c.refused(&ran, 3, &["c.vcf:5", "chr1 ends at 30000"]);
}

#[test]
fn a_deletion_reaching_beyond_the_read_is_na_and_counted() {
    let c = Case::new();
    let seq = random_bases(60_000, 11);
    write_fasta(&c.dir.path().join("g.fa"), &[("chr1", &seq)], 60);
    std::fs::write(c.p("ok.gtf"), "chr1\tt\tgene\t30001\t31000\t.\t+\t.\tgene_id \"A\";\n").unwrap();
    // a 15 kb deletion just downstream of the TSS pulls bases from 45.5 kb on into the window,
    // beyond the 10.5 kb read past its end (44,001); an SNV there would be missed
    let (from, to) = (30_500usize, 45_500usize);
    let del = format!("chr1\t{from}\t.\t{}\t{}\t.\t.\t.\tGT\t1|0\t0|0", String::from_utf8_lossy(&seq[from - 1..to]), seq[from - 1] as char);
    let vcf = cohort(&[del, snv(&seq, 46_001, "1|1", "0|0")]).replace("length=30000", "length=60000");
    let ran = personal(&c, &vcf, &["--haplotypes"]);
    c.ok(&ran);
    assert!(ran.stderr.contains("1 sample haplotype windows are NA: their deletions"), "{}", ran.stderr);
    assert_eq!(cell(&c, "A", "S1:1"), "NA");
    assert_ne!(cell(&c, "A", "S1:2"), "NA");
}

#[test]
fn sample_choices_and_header_errors_name_their_place() {
    let c = Case::new();
    let seq = genome(&c);
    let vcf = cohort(&[snv(&seq, 15_101, "0|1", "0|0")]);
    let ran = personal(&c, &vcf, &["--samples", ""]);
    c.refused(&ran, 2, &["empty sample name"]);
    let ran = personal(&c, &vcf.replace("\tS2\n", "\tS1\n"), &[]);
    c.refused(&ran, 3, &["c.vcf:4", "#CHROM", "duplicate sample name"]);
}

#[test]
fn a_missing_feature_row_names_the_table_and_a_gzipped_bcf_name_is_refused() {
    let c = Case::new();
    std::fs::write(c.p("f.tsv"), "gene_id\tf1\tf2\tf3\tf4\tf5\tf6\nA\t0\t0\t0\t0\t0\t0\n").unwrap();
    let ran = c.annotate(&["--genome", "g.fa", "--gtf", "ok.gtf", "--features", "f.tsv", "--missing-features", "error"]);
    c.refused(&ran, 3, &["f.tsv", "no features row for 'B'"]);
    let seq = genome(&c);
    std::fs::write(c.p("v.vcf"), cohort(&[snv(&seq, 15_101, "0|1", "0|0")])).unwrap();
    let model = human_model().to_string_lossy().into_owned();
    // BCF is BGZF already: a .bcf.gz name would be read as something else by every reader
    let ran = c.run(&["score-variants", "-q", "-m", &model, "--genome", "g.fa", "--gtf", "ok.gtf", "--vcf", "v.vcf", "-o", "out.bcf.gz"]);
    c.refused(&ran, 2, &["out.bcf.gz", "name it .bcf"]);
    assert!(!std::path::Path::new(&c.p("out.bcf.gz")).exists());
}

/// A BCF's GT values, read from its binary arrays (never rendered as text), give the same
/// calls as the same records written as VCF text, on every record and sample of the shared
/// real cohorts (1000 Genomes GT:DS:GL, HapMap, the drop-seq donors) converted by bcftools.
#[test]
fn bcf_gt_arrays_decode_as_their_text() {
    use xpresso::personal::genotype::{bcf_calls, calls, Columns};
    use xpresso::variants::reader::{Genotypes, VariantReader};
    let c = Case::new();
    let shared = common::shared().join("data/variants");
    let mut compared = 0u64;
    for name in ["chr22.vcf.gz", "hapmap_exome_chr22.vcf.gz", "dropseq_10donors_22_20-21M.b37.vcf.gz", "EUR_test.vcf.gz"] {
        let bcf = std::path::PathBuf::from(c.p(&format!("{name}.bcf")));
        let out = std::process::Command::new("bcftools").args(["view", "--no-version", "-Ob", "-o"]).arg(&bcf).arg(shared.join(name)).output().expect("bcftools runs");
        assert!(out.status.success(), "bcftools view {name}: {}", String::from_utf8_lossy(&out.stderr));
        let (mut text, mut raw) = (VariantReader::open(&bcf).unwrap(), VariantReader::open(&bcf).unwrap());
        raw.genotypes_only();
        let n = text.header.sample_names().len();
        assert!(n > 0, "{name} has samples");
        // every sample, in a shuffled output order
        let order: Vec<usize> = (0..n).map(|i| (i * 7 + 3) % n).collect::<std::collections::BTreeSet<_>>().into_iter().rev().collect();
        let columns = Columns::new(&order);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        while let Some(t) = text.next_record().unwrap() {
            let r = raw.next_record().unwrap().expect("as many records");
            assert_eq!((&t.chrom, t.pos, &t.reference, &t.alts), (&r.chrom, r.pos, &r.reference, &r.alts));
            let Genotypes::Bcf(Some(gt)) = &r.genotypes else { panic!("{name}: GT values at {}:{}", r.chrom, r.pos) };
            calls(&t.line, &columns, t.alts.len(), &mut a).unwrap();
            bcf_calls(gt, &columns, r.alts.len(), &mut b).unwrap();
            assert_eq!(a, b, "{name} at {}:{}", t.chrom, t.pos);
            // FILTER is kept in the fixed fields (--pass-only reads it)
            assert_eq!(t.line.split('\t').nth(6), r.line.split('\t').nth(6));
            compared += a.len() as u64;
        }
        assert!(raw.next_record().unwrap().is_none());
    }
    assert!(compared > 800_000, "{compared} calls compared");
}

/// `personal` on a BCF equals `personal` on the VCF it was made from, on the calls that
/// differ between the two encodings: haploid, `.`, `./.`, `0/.`, `.|1`, phased and not,
/// GT after another FORMAT key, and 300 ALT alleles (GT stored as 16-bit values); on 1
/// thread and on 3.
#[test]
fn personal_on_bcf_equals_personal_on_its_vcf() {
    let c = Case::new();
    let seq = genome(&c);
    let (p, r) = (15_101, seq[15_100] as char);
    let alts: Vec<String> = (1..=300).map(|k| format!("{r}{}", "C".repeat(k))).collect();
    let records = vec![
        format!("chr1\t{p}\t.\t{r}\t{}\t.\tPASS\t.\tGT\t300|255\t0/1", alts.join(",")),
        snv(&seq, 15_301, "1", "./."),
        snv(&seq, 15_401, ".", "0/."),
        snv(&seq, 15_501, ".|1", "1|0"),
        snv(&seq, 17_901, "0|1", "1/1"),
        snv(&seq, 18_101, "1|0", "0|1").replace("\tGT\t1|0\t0|1", "\tAD:GT\t3,4:1|0\t5,6:0|1"),
    ];
    let mut vcf = cohort(&records);
    vcf = vcf.replace("##FORMAT=<ID=GT", "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Depths\">\n##FORMAT=<ID=GT");
    std::fs::write(c.p("c.vcf"), &vcf).unwrap();
    let out = std::process::Command::new("bcftools").current_dir(c.dir.path()).args(["view", "--no-version", "-Ob", "-o", "c.bcf", "c.vcf"]).output().expect("bcftools runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let model = human_model().to_string_lossy().into_owned();
    // the evaluators (one per thread, TSSs dealt round-robin) change nothing either
    let run = |vcf: &str, out: &str| {
        let threads = if vcf.ends_with(".bcf") { "3" } else { "1" };
        let ran = c.run(&["personal", "-q", "-t", threads, "-m", &model, "--genome", "g.fa", "--gtf", "ok.gtf", "--vcf", vcf, "-o", out, "--haplotypes", "--unphased", "as-listed", "--long", &format!("{out}.long")]);
        c.ok(&ran);
        let body = |p: &str| std::fs::read_to_string(c.p(p)).unwrap().lines().filter(|l| !l.starts_with("##")).collect::<Vec<_>>().join("\n");
        (body(out), body(&format!("{out}.long")))
    };
    let (text, bcf) = (run("c.vcf", "t.tsv"), run("c.bcf", "b.tsv"));
    assert_eq!(text, bcf);
    // the cells differ from the reference where alleles were applied (not all NA or equal)
    assert!(text.0.lines().nth(1).unwrap().split('\t').filter(|v| *v != "NA" && *v != ".").count() > 8, "{}", text.0);
}

/// `--summary`: per TSS, the records in its window, those a chosen haplotype carries and
/// that change it, the distinct windows, and the samples left NA and why.
#[test]
fn the_per_gene_summary_counts_what_each_window_held() {
    let c = Case::new();
    let seq = genome(&c);
    let records = [
        snv(&seq, 15_101, "0|1", "1|0"),
        snv(&seq, 15_201, "0|0", "0|0"),
        snv(&seq, 15_301, "1/0", "0|0"),
        snv(&seq, 15_401, "0|1", "0|0"),
    ];
    let rows = |policy: &str| {
        let ran = personal(&c, &cohort(&records), &["--summary", "sum.tsv", "--unphased", policy]);
        c.ok(&ran);
        let text = std::fs::read_to_string(c.p("sum.tsv")).unwrap();
        assert!(text.lines().any(|l| l.starts_with("##variants_used:")), "{text}");
        tsv_rows(&text)
    };
    let skip = rows("skip");
    assert_eq!(skip[0], ["gene_id", "gene_name", "chrom", "tss", "strand", "variants_in_window", "variants_used", "distinct_windows", "samples_na_unphased", "samples_na_long_deletion"]);
    // S1 has an unphased het and a second het: NA; only S2's allele at 15,101 is used
    assert_eq!(skip[1], ["A", "AA", "chr1", "15001", "+", "4", "1", "2", "1", "0"]);
    assert_eq!(skip[2][0], "B");
    assert_eq!(&skip[2][5..], ["4", "1", "2", "1", "0"]);
    // as listed, S1 counts: its three alleles are used; its haplotypes 15,101+15,401 and 15,301
    let listed = rows("as-listed");
    assert_eq!(&listed[1][5..], ["4", "3", "4", "0", "0"]);
    // the summary is an output like the others: never over an input
    let other = Case::new();
    let vcf = cohort(&records);
    let ran = personal(&other, &vcf, &["--summary", "c.vcf"]);
    other.refused(&ran, 2, &["--summary", "c.vcf"]);
    assert_eq!(std::fs::read_to_string(other.p("c.vcf")).unwrap(), vcf, "the input is untouched");
}
