//! Real sequence and real annotations from ../shared/data. Each genome piece is placed at its
//! true coordinates in an N-padded chromosome (bgzip keeps the N run small), `annotate` runs
//! end to end on the real GTF, and the windows of a sample of genes are checked against the
//! piece read independently here (and one against the float64 oracle).

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use common::{human_model, oracle, piece_window, place_piece, read_piece, shared, tsv_rows, xpresso};
use xpresso::model::{ModelInput, NativeModel, Predictor, Weights};

/// (gene_id, TSS 0-based) -> minus? for `gene` records, read with plain string splitting
/// (gene_id alone is not unique in the GENCODE-derived GTF).
fn gtf_genes(path: &Path, chrom: &str) -> HashMap<(String, usize), bool> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap()), &mut text).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|f| f[0] == chrom && f[2] == "gene")
        .map(|f| {
            let id = f[8].split('"').nth(1).unwrap().to_string();
            let minus = f[6] == "-";
            let tss = if minus { f[4].parse::<usize>().unwrap() - 1 } else { f[3].parse::<usize>().unwrap() - 1 };
            ((id, tss), minus)
        })
        .collect()
}

fn gene_lines(path: &Path, chrom: &str) -> usize {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap()), &mut text).unwrap();
    text.lines().filter(|l| l.split('\t').nth(2) == Some("gene") && l.split('\t').next() == Some(chrom)).count()
}

/// (gene_id, TSS 0-based) -> prediction, and the number of rows.
fn predictions(tsv: &str) -> (HashMap<(String, usize), f32>, usize) {
    let rows = tsv_rows(tsv);
    let map = rows[1..].iter().map(|r| ((r[0].clone(), r[3].parse::<usize>().unwrap() - 1), r[5].parse().unwrap())).collect();
    (map, rows.len() - 1)
}

/// Checks every gene whose window lies in the piece; returns how many.
fn check_windows(got: &HashMap<(String, usize), f32>, genes: &HashMap<(String, usize), bool>, piece: &[u8], offset: usize) -> usize {
    let model = NativeModel::new(Weights::from_h5(&human_model()).unwrap());
    let mut checked: Vec<(&(String, usize), Vec<u8>)> = genes
        .iter()
        .filter_map(|(key, &minus)| Some((key, piece_window(piece, offset, key.1, minus)?)))
        .collect();
    checked.sort();
    let inputs: Vec<ModelInput> = checked.iter().map(|(_, w)| ModelInput { seq: w, features: [0.0; 6] }).collect();
    let mut want = vec![0f32; inputs.len()];
    model.predict_batch(&inputs, &mut want);
    for ((id, _), w) in checked.iter().zip(&want) {
        let g = got[*id];
        assert!((g - w).abs() < 2e-6, "{id:?}: annotate {g} vs window cut here {w}");
    }
    // and one of them through the float64 oracle
    let (id, window) = &checked[checked.len() / 2];
    let o = oracle::predict(model.weights(), window, &[0.0; 6]);
    assert!((got[*id] as f64 - o).abs() < 1e-4, "{id:?}: {} vs oracle {o}", got[*id]);
    checked.len()
}

#[test]
fn grch37_piece_with_the_ensembl_75_gtf() {
    let dir = tempfile::tempdir().unwrap();
    let piece = read_piece(&shared().join("data/genome/GRCh37_22_20-21M.fa"));
    assert_eq!(piece.len(), 1_000_000);
    let fa = dir.path().join("chr22.fa.gz");
    // named chr22 against the GTF's `22`: the alias must bridge them
    place_piece(&fa, "chr22", 51_304_566, 20_000_000, &piece);
    let gtf = shared().join("data/annotation/chr22.GRCh37.75.gtf.gz");
    let out = dir.path().join("genes.tsv.gz");
    let (status, _, stderr) = xpresso(&["annotate", "-q", "-m", &human_model().to_string_lossy(), "--genome", &fa.to_string_lossy(), "--gtf", &gtf.to_string_lossy(), "-o", &out.to_string_lossy()]);
    assert!(status.success(), "{stderr}");
    let mut tsv = String::new();
    std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(std::fs::File::open(&out).unwrap()), &mut tsv).unwrap();
    let (got, rows) = predictions(&tsv);
    assert_eq!(rows, gene_lines(&gtf, "22"), "every gene of the GTF is predicted");
    assert_eq!(rows, 1263);
    let genes = gtf_genes(&gtf, "22");
    let n = check_windows(&got, &genes, &piece, 20_000_000);
    assert!(n >= 20, "sampled {n} genes inside the piece");
    // DGCR8 (+, GTF start 20067755) and TRMT2A (-, GTF end 20104915) are among them
    assert_eq!(genes.get(&("ENSG00000128191".into(), 20_067_754)), Some(&false));
    assert_eq!(genes.get(&("ENSG00000099899".into(), 20_104_914)), Some(&true));
    assert!(piece_window(&piece, 20_000_000, 20_067_754, false).is_some());
    assert!(piece_window(&piece, 20_000_000, 20_104_914, true).is_some());
}

#[test]
fn hg38_piece_with_the_genome_wide_gencode_gtf() {
    let dir = tempfile::tempdir().unwrap();
    let piece = read_piece(&shared().join("data/genome/hg38_chr22_32000000_32300000.fa"));
    assert_eq!(piece.len(), 300_000);
    let fa = dir.path().join("hg38_chr22.fa.gz");
    place_piece(&fa, "chr22", 50_818_468, 32_000_000, &piece);
    let gtf = shared().join("data/annotation/hg38_gencode_genes_transcripts.gtf.gz");
    let bed = dir.path().join("tss.bed");
    let (status, stdout, stderr) = xpresso(&["annotate", "-m", &human_model().to_string_lossy(), "--genome", &fa.to_string_lossy(), "--gtf", &gtf.to_string_lossy(), "--bed", &bed.to_string_lossy()]);
    assert!(status.success(), "{stderr}");
    let (got, rows) = predictions(&stdout);
    assert_eq!(rows, gene_lines(&gtf, "chr22"), "all chr22 genes predicted");
    let genes = gtf_genes(&gtf, "chr22");
    // the other chromosomes are summarised in one line, the largest first, with their counts
    let line = stderr.lines().find(|l| l.contains("chromosomes are not in the genome")).unwrap_or_else(|| panic!("{stderr}"));
    assert!(line.contains("24 chromosomes") && line.contains("(chr1 5659, chr2 4343"), "{line}");
    assert_eq!(stderr.matches("not in the genome").count(), 1, "{stderr}");
    let n = check_windows(&got, &genes, &piece, 32_000_000);
    // the model README's genes: SLC5A1 (+, start 32,043,261) and three on - (ends)
    for (gene, tss, minus) in [("SLC5A1", 32_043_260, false), ("C22orf42", 32_159_321, true), ("RFPL2", 32_205_072, true), ("SLC5A4", 32_255_346, true)] {
        assert_eq!(genes.get(&(gene.to_string(), tss)), Some(&minus), "{gene}");
        assert!(piece_window(&piece, 32_000_000, tss, minus).is_some(), "{gene} is among the {n} checked");
    }
    let bed_text = std::fs::read_to_string(&bed).unwrap();
    assert_eq!(bed_text.lines().count(), rows);
}

/// Real exome variants (HapMap, b37 `22`) on the GRCh37 piece (named `chr22`) with the real
/// Ensembl 75 GTF, read through the VCF's tabix index: the sites inside the piece are scored
/// (their REFs match) and equal a plain recomputation from the piece; sites in windows that
/// reach the N padding are flagged as REF mismatches, never scored.
#[test]
fn hapmap_exome_variants_on_the_grch37_piece() {
    let dir = tempfile::tempdir().unwrap();
    let piece = read_piece(&shared().join("data/genome/GRCh37_22_20-21M.fa"));
    let fa = dir.path().join("chr22.fa.gz");
    place_piece(&fa, "chr22", 51_304_566, 20_000_000, &piece);
    let gtf = shared().join("data/annotation/chr22.GRCh37.75.gtf.gz");
    let vcf = shared().join("data/variants/hapmap_exome_chr22.vcf.gz");
    let tsv = dir.path().join("scores.tsv");
    let out = dir.path().join("scored.vcf.gz");
    let (status, _, stderr) = xpresso(&[
        "score-variants", "-m", &human_model().to_string_lossy(), "-g", &fa.to_string_lossy(), "--gtf", &gtf.to_string_lossy(),
        "--vcf", &vcf.to_string_lossy(), "-o", &out.to_string_lossy(), "--tsv", &tsv.to_string_lossy(), "--only-windows",
    ]);
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("visited through the index") && stderr.contains("differs from the genome"), "{stderr}");
    let rows = tsv_rows(&std::fs::read_to_string(&tsv).unwrap());
    let in_piece = |pos: usize| (20_000_001..=21_000_000).contains(&pos);
    let model = NativeModel::new(Weights::from_h5(&human_model()).unwrap());
    let mut checked = 0;
    for r in &rows[1..] {
        let pos: usize = r[1].parse().unwrap();
        assert_eq!(r[13] == "scored", in_piece(pos), "{r:?}: scored exactly when the REF lies in the piece");
        if r[13] != "scored" {
            continue;
        }
        assert_eq!(piece[pos - 1 - 20_000_000].to_ascii_uppercase(), r[3].as_bytes()[0], "REF matches the piece");
        // the TSS from the distance, the window cut from the piece, the ALT put in by hand
        let (minus, d): (bool, i64) = (r[8] == "-", r[9].parse().unwrap());
        let tss = if minus { pos as i64 - 1 + d } else { pos as i64 - 1 - d } as usize;
        let Some(window) = piece_window(&piece, 20_000_000, tss, minus) else { continue };
        let mut alt = window.clone();
        let i = if minus { tss + 7000 - (pos - 1) } else { pos - 1 + 7000 - tss };
        alt[i] = if minus { common::revcomp(r[4].as_bytes())[0] } else { r[4].as_bytes()[0] };
        let inputs = [ModelInput { seq: &window, features: [0.0; 6] }, ModelInput { seq: &alt, features: [0.0; 6] }];
        let mut want = [0f32; 2];
        model.predict_batch(&inputs, &mut want);
        let got: Vec<f32> = r[10..12].iter().map(|v| v.parse().unwrap()).collect();
        assert!((got[0] - want[0]).abs() < 2e-5 && (got[1] - want[1]).abs() < 2e-5, "{r:?}: {want:?}");
        checked += 1;
    }
    assert!(checked >= 5, "{checked} real variant x TSS pairs checked");
}

/// A VCF written by GATK after VQSR (the shared Drop-seq donors: two
/// `##GATKCommandLine=<ID=ApplyRecalibration,...>` lines, SNP then indel) is read as bcftools
/// reads it. Its header lines come out unchanged. Its REF alleles all match the piece, so
/// the 54 genes with a window in the piece are scored (1,295 variant-window pairs).
#[test]
fn gatk_vqsr_vcf_with_duplicate_header_lines_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let piece = read_piece(&shared().join("data/genome/GRCh37_22_20-21M.fa"));
    let fa = dir.path().join("chr22.fa.gz");
    place_piece(&fa, "chr22", 51_304_566, 20_000_000, &piece);
    let gtf = shared().join("data/annotation/chr22.GRCh37.75.gtf.gz");
    let vcf = shared().join("data/variants/dropseq_10donors_22_20-21M.b37.vcf.gz");
    let out = dir.path().join("scored.vcf");
    let (status, _, stderr) = xpresso(&[
        "score-variants", "-m", &human_model().to_string_lossy(), "-g", &fa.to_string_lossy(), "--gtf", &gtf.to_string_lossy(),
        "--vcf", &vcf.to_string_lossy(), "-o", &out.to_string_lossy(), "--no-index",
    ]);
    assert!(status.success(), "{stderr}");
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(&vcf).unwrap()).read_to_string(&mut text).unwrap();
    let input_header: Vec<&str> = text.lines().take_while(|l| l.starts_with("##")).collect();
    let gatk = input_header.iter().filter(|l| l.starts_with("##GATKCommandLine=<ID=ApplyRecalibration")).count();
    assert_eq!(gatk, 2, "the shared file has the duplicate lines");
    let output = std::fs::read_to_string(&out).unwrap();
    let output_header: Vec<&str> = output.lines().take_while(|l| l.starts_with("##")).collect();
    for line in &input_header {
        assert!(output_header.contains(line), "header line kept unchanged: {line}");
    }
    let records = output.lines().filter(|l| !l.starts_with('#')).count();
    assert_eq!(records, 2_485);
    assert!(!stderr.contains("REF that differs"), "{stderr}");
    assert!(output.lines().filter(|l| !l.starts_with('#')).any(|l| l.contains("XPRESSO=")), "scored records");
}
