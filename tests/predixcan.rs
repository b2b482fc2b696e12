//! `personal --format predixcan`: the samples x genes layout of PrediXcan's `Predict.py`
//! (`FID IID gene1 gene2 ...`, tab-separated, no comment lines, FID = IID = the sample),
//! holding exactly the transposed values of the default genes x samples matrix.

mod common;

use common::case::Case;
use common::{human_model, tsv_rows};

/// A phased cohort of 5 samples on the corpus genome's two genes (A +, B -), one SNV per
/// sample pattern, an unphased pair for S5 (NA under the default policy).
fn cohort(c: &Case) -> String {
    let seq: Vec<u8> = std::fs::read_to_string(c.p("g.fa")).unwrap().lines().skip(1).flat_map(|l| l.bytes().collect::<Vec<_>>()).collect();
    let mut v = String::from("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=30000>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"GT\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\tS3\tS4\tS5\n");
    for (i, pos) in [14_000usize, 15_050, 16_500, 17_900].iter().enumerate() {
        let r = seq[pos - 1] as char;
        let alt = if r == 'A' { 'C' } else { 'A' };
        let gts = ["0|1\t1|1\t0|0\t1|0\t0/1", "1|0\t0|0\t0|1\t1|1\t1/0", "0|0\t0|1\t1|1\t0|0\t0|0", "1|1\t1|0\t0|0\t0|1\t0|0"][i];
        v.push_str(&format!("chr1\t{pos}\t.\t{r}\t{alt}\t.\tPASS\t.\tGT\t{gts}\n"));
    }
    v
}

#[test]
fn predixcan_layout_is_the_transposed_matrix() {
    let c = Case::new();
    std::fs::write(c.p("c.vcf"), cohort(&c)).unwrap();
    let model = human_model().to_string_lossy().into_owned();
    let base = ["personal", "-q", "-m", &model, "--genome", "g.fa", "--gtf", "ok.gtf", "--vcf", "c.vcf"];
    let matrix = c.run(&[&base[..], &["-o", "m.tsv"]].concat());
    c.ok(&matrix);
    let predixcan = c.run(&[&base[..], &["--format", "predixcan", "-o", "p.txt"]].concat());
    c.ok(&predixcan);
    let text = std::fs::read_to_string(c.p("p.txt")).unwrap();
    assert!(!text.contains('#'), "no comment lines: {text}");
    let p: Vec<Vec<String>> = text.lines().map(|l| l.split('\t').map(String::from).collect()).collect();
    let m = tsv_rows(&std::fs::read_to_string(c.p("m.tsv")).unwrap());
    assert_eq!(p[0], ["FID", "IID", "A", "B"]);
    let samples = &m[0][7..];
    assert_eq!(p.len(), 1 + samples.len());
    for (s, row) in p[1..].iter().enumerate() {
        assert_eq!((&row[0], &row[1]), (&samples[s], &samples[s]));
        for (g, gene_row) in m[1..].iter().enumerate() {
            assert_eq!(row[2 + g], gene_row[7 + s], "sample {} gene {}", samples[s], gene_row[0]);
        }
    }
    assert_eq!(p[5][2], "NA", "S5's unphased pair in A's window");
    // not with --shard (rows are samples) nor --haplotypes
    for extra in [&["--shard", "1/2"][..], &["--haplotypes"][..]] {
        let ran = c.run(&[&base[..], &["--format", "predixcan", "-o", "q.txt"], extra].concat());
        assert_eq!(ran.code, Some(2), "{}", ran.stderr);
        assert!(!std::path::Path::new(&c.p("q.txt")).exists());
    }
}
