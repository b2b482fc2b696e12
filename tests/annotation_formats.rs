//! Annotations as they are shipped: a GFF3 (Ensembl's layout: `ID=gene:...`, `Parent=`,
//! `biotype=`, `tag=`) and an exon-only GTF (UCSC's `genes.gtf`) of the real Ensembl 75
//! chr22 genes give the same TSSs and predictions as the GTF; `--transcript-tag` and
//! `--transcript-type` keep what they name. On the GRCh37 chr22 piece at its coordinates.

mod common;

use std::path::{Path, PathBuf};

use common::{read_piece, shared, xpresso};

fn genome(dir: &Path) -> String {
    let mut body = vec![b'N'; 20_000_000];
    body.extend_from_slice(&read_piece(&shared().join("data/genome/GRCh37_22_20-21M.fa")));
    body.resize(51_304_566, b'N');
    let mut text = b">22\n".to_vec();
    for line in body.chunks(60) {
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    let path = dir.join("22.fa");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn gtf_lines() -> Vec<String> {
    let gz = std::fs::File::open(shared().join("data/annotation/chr22.GRCh37.75.gtf.gz")).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(gz), &mut text).unwrap();
    text.lines().map(String::from).collect()
}

fn attr(line: &str, key: &str) -> Option<String> {
    let col = line.split('\t').nth(8)?;
    col.split(';').map(str::trim).find_map(|kv| kv.strip_prefix(&format!("{key} \"")).map(|v| v.trim_end_matches('"').to_string()))
}

fn tags(line: &str) -> Vec<String> {
    let col = line.split('\t').nth(8).unwrap_or("");
    col.split(';').map(str::trim).filter_map(|kv| kv.strip_prefix("tag \"").map(|v| v.trim_end_matches('"').to_string())).collect()
}

/// The GTF rewritten as Ensembl writes its GFF3.
fn to_gff3(lines: &[String]) -> String {
    let mut out = String::from("##gff-version 3\n");
    for l in lines.iter().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = l.split('\t').collect();
        let (ty, attrs) = match f[2] {
            "gene" => ("gene".to_string(), format!("ID=gene:{};Name={};biotype={}", attr(l, "gene_id").unwrap(), attr(l, "gene_name").unwrap(), attr(l, "gene_biotype").unwrap())),
            "transcript" => {
                let ty = if f[1] == "protein_coding" { "mRNA" } else { "transcript" };
                let t = tags(l);
                let tag = if t.is_empty() { String::new() } else { format!(";tag={}", t.join(",")) };
                (ty.to_string(), format!("ID=transcript:{};Parent=gene:{};biotype={}{tag}", attr(l, "transcript_id").unwrap(), attr(l, "gene_id").unwrap(), f[1]))
            }
            "exon" => ("exon".to_string(), format!("Parent=transcript:{}", attr(l, "transcript_id").unwrap())),
            _ => continue,
        };
        out.push_str(&format!("{}\tensembl\t{ty}\t{}\t{}\t.\t{}\t.\t{attrs}\n", f[0], f[3], f[4], f[6]));
    }
    out
}

/// The rows of an annotate run (no `##` lines).
fn annotate(genome: &str, annotation: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["annotate", "-q", "-g", genome, "--gtf", annotation.to_str().unwrap(), "--region", "22:19,000,001-22,000,000", "-o", "-"];
    args.extend(extra);
    let (status, stdout, stderr) = xpresso(&args);
    assert!(status.success(), "{args:?}: {stderr}");
    stdout.lines().filter(|l| !l.starts_with("##")).map(String::from).collect()
}

#[test]
fn gff3_and_exon_only_gtf_give_the_gtfs_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let genome = genome(dir.path());
    let lines = gtf_lines();
    let gtf = dir.path().join("genes.gtf");
    std::fs::write(&gtf, lines.join("\n") + "\n").unwrap();
    let gff3 = dir.path().join("genes.gff3");
    std::fs::write(&gff3, to_gff3(&lines)).unwrap();
    // UCSC's genes.gtf: exons (and CDS, codons), no gene or transcript records
    let exons = dir.path().join("exons.gtf");
    let kept: Vec<&String> = lines.iter().filter(|l| !l.starts_with('#') && !matches!(l.split('\t').nth(2), Some("gene" | "transcript"))).collect();
    std::fs::write(&exons, kept.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    // a GFF3 under a .txt name is still found by its ##gff-version directive
    let named = dir.path().join("genes.txt");
    std::fs::copy(&gff3, &named).unwrap();
    for level in ["gene", "transcript"] {
        let from_gtf = annotate(&genome, &gtf, &["--tss", level]);
        assert!(from_gtf.len() > 40, "{level}: {}", from_gtf.len());
        assert_eq!(annotate(&genome, &gff3, &["--tss", level]), from_gtf, "GFF3, --tss {level}");
        assert_eq!(annotate(&genome, &named, &["--tss", level]), from_gtf, "GFF3 by its directive, --tss {level}");
        assert_eq!(annotate(&genome, &exons, &["--tss", level]), from_gtf, "exon-only GTF, --tss {level}");
    }
    // the gene-type filter reads biotype= in the GFF3
    let coding = annotate(&genome, &gtf, &["--gene-type", "protein_coding"]);
    assert_eq!(annotate(&genome, &gff3, &["--gene-type", "protein_coding"]), coding);
    assert!(coding.len() < annotate(&genome, &gtf, &[]).len());
}

#[test]
fn transcript_tags_and_types_keep_what_they_name() {
    let dir = tempfile::tempdir().unwrap();
    let genome = genome(dir.path());
    let lines = gtf_lines();
    let gtf = dir.path().join("genes.gtf");
    std::fs::write(&gtf, lines.join("\n") + "\n").unwrap();
    let gff3: PathBuf = dir.path().join("genes.gff3");
    std::fs::write(&gff3, to_gff3(&lines)).unwrap();
    // expected: CCDS-tagged transcripts in the region, first of each (gene, TSS) kept
    let mut seen = std::collections::HashSet::new();
    let mut expected = Vec::new();
    for l in lines.iter().filter(|l| l.split('\t').nth(2) == Some("transcript") && tags(l).iter().any(|t| t == "CCDS")) {
        let f: Vec<&str> = l.split('\t').collect();
        let tss: u64 = if f[6] == "+" { f[3].parse().unwrap() } else { f[4].parse().unwrap() };
        if !(19_000_001..=22_000_000).contains(&tss) {
            continue;
        }
        if seen.insert((attr(l, "gene_id").unwrap(), tss, f[6].to_string())) {
            expected.push(attr(l, "transcript_id").unwrap());
        }
    }
    assert!(expected.len() > 10, "{}", expected.len());
    for annotation in [&gtf, &gff3] {
        let rows = annotate(&genome, annotation, &["--tss", "transcript", "--transcript-tag", "CCDS"]);
        let ids: Vec<String> = rows[1..].iter().map(|r| r.split('\t').nth(2).unwrap().to_string()).collect();
        assert_eq!(ids, expected, "{}", annotation.display());
    }
    // --transcript-type: the GFF3's transcript biotype (the GTF's source column in Ensembl 75)
    let rows = annotate(&genome, &gff3, &["--tss", "transcript", "--transcript-type", "lincRNA"]);
    assert!(rows.len() > 1);
    let lincrna: std::collections::HashSet<String> = lines.iter().filter(|l| l.split('\t').nth(1) == Some("lincRNA")).filter_map(|l| attr(l, "transcript_id")).collect();
    assert!(rows[1..].iter().all(|r| lincrna.contains(r.split('\t').nth(2).unwrap())), "{rows:?}");
    // a transcript filter at gene level is a usage error
    let (status, _, stderr) = xpresso(&["annotate", "-g", &genome, "--gtf", gtf.to_str().unwrap(), "--transcript-tag", "CCDS"]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--tss transcript") && stderr.contains("Usage: xpresso annotate"), "{stderr}");
}
