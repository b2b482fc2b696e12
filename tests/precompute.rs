//! `xpresso precompute` on the real hg38 chr2 piece with the genome-wide GENCODE GTF: every
//! SNV of every window that fits in the piece, sorted, bgzip + tabix, read back by `tabix`;
//! rows equal `score-variants` on the same SNVs; the calibration table's percentiles follow
//! the table's own |delta|; shards joined equal one run.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use common::chr2::{genome, gtf, gunzip, piece};
use common::{strip_commands, xpresso};
use xpresso::precompute::calibration::Calibration;

/// TSSs whose 10.5 kb windows lie inside the piece on either strand.
const REGION: &str = "chr2:7002-2326274";

fn body(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.starts_with('#')).collect()
}

fn precompute(out: &Path, extra: &[&str]) {
    let (out, genome, gtf) = (out.to_string_lossy(), genome(), gtf());
    let mut args = vec!["precompute", "-q", "-g", &genome, "--gtf", &gtf, "--region", REGION, "-o", &out];
    args.extend_from_slice(extra);
    let (status, _, stderr) = xpresso(&args);
    assert!(status.success(), "{stderr}");
}

#[test]
fn every_snv_of_every_window_sorted_indexed_and_equal_to_score_variants() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("scores.tsv.gz");
    let cal = dir.path().join("calibration.tsv");
    precompute(&table, &["--calibration", &cal.to_string_lossy()]);
    assert!(dir.path().join("scores.tsv.gz.tbi").is_file());
    let text = gunzip(&table);
    let header: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).collect();
    assert_eq!(header.last().unwrap(), &xpresso::precompute::COLUMNS);
    for key in ["##model_sha256=15a383648008df5f843ec8651e78be5faf82609c88fb068da890aa7a89387bb0", "##genome_contigs_sha256=", "##window=10500 bp", "##xpresso_version=", "##flank=whole window"] {
        assert!(header.iter().any(|l| l.starts_with(key)), "no {key} line in {header:?}");
    }
    let rows: Vec<Vec<&str>> = body(&text).iter().map(|l| l.split('\t').collect()).collect();
    assert!(rows.len() > 500_000, "{} rows", rows.len());
    let piece = piece();
    // sorted by position; REF is the genome's base; three ALTs per position and TSS
    let mut per_tss: HashMap<(&str, &str, u64), (u64, u64)> = HashMap::new();
    let mut last = 0u64;
    for r in &rows {
        let pos: u64 = r[1].parse().unwrap();
        assert!(pos >= last, "rows out of order at {pos}");
        last = pos;
        assert_eq!(r[2].as_bytes()[0], piece[pos as usize - 1], "REF at {pos}");
        assert_ne!(r[2], r[3]);
        let tss: u64 = r[8].parse().unwrap();
        let e = per_tss.entry((r[4], r[7], tss)).or_default();
        e.0 += 1;
        let (ref_p, alt_p, delta): (f64, f64, f64) = (r[9].parse().unwrap(), r[10].parse().unwrap(), r[11].parse().unwrap());
        assert!((alt_p - ref_p - delta).abs() < 2e-6, "{r:?}");
    }
    // every TSS: exactly 3 rows per A/C/G/T base of its window (windows lie inside the piece)
    for (&(gene, strand, tss), (n, _)) in &per_tss {
        let p = tss as i64 - 1;
        let (start, end) = if strand == "+" { (p - 7000, p + 3500) } else { (p - 3499, p + 7001) };
        let acgt = piece[start as usize..end as usize].iter().filter(|b| b"ACGT".contains(b)).count() as u64;
        assert_eq!(*n, 3 * acgt, "{gene} {strand} {tss}");
    }
    assert!(per_tss.len() >= 30, "{} TSSs", per_tss.len());

    // tabix reads it by region, and gives exactly the rows there
    let from: u64 = rows[rows.len() / 2][1].parse().unwrap();
    let out = Command::new("tabix").arg(&table).arg(format!("chr2:{from}-{}", from + 100)).output().expect("tabix (htslib) is installed by .ci/run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got = String::from_utf8(out.stdout).unwrap();
    let want: Vec<&str> = body(&text).into_iter().filter(|l| (from..=from + 100).contains(&l.split('\t').nth(1).unwrap().parse::<u64>().unwrap())).collect();
    assert!(!want.is_empty());
    assert_eq!(got.lines().collect::<Vec<_>>(), want);

    // every 9,973rd row against score-variants on the same SNVs
    let picked: Vec<&Vec<&str>> = rows.iter().step_by(9_973).collect();
    let mut vcf = String::from("##fileformat=VCFv4.2\n##contig=<ID=chr2,length=2333275>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    let mut sites: Vec<(u64, &str, &str)> = picked.iter().map(|r| (r[1].parse().unwrap(), r[2], r[3])).collect();
    sites.sort();
    sites.dedup();
    for (pos, r, a) in &sites {
        vcf.push_str(&format!("chr2\t{pos}\t.\t{r}\t{a}\t.\t.\t.\n"));
    }
    let vcf_path = dir.path().join("picked.vcf");
    std::fs::write(&vcf_path, vcf).unwrap();
    let tsv = dir.path().join("scored.tsv");
    let scored_vcf = dir.path().join("scored.vcf");
    let (status, _, stderr) = xpresso(&["score-variants", "-q", "-g", &genome(), "--gtf", &gtf(), "--vcf", &vcf_path.to_string_lossy(), "-o", &scored_vcf.to_string_lossy(), "--tsv", &tsv.to_string_lossy(), "--calibration", &cal.to_string_lossy()]);
    assert!(status.success(), "{stderr}");
    let scored = std::fs::read_to_string(&tsv).unwrap();
    assert!(scored.lines().any(|l| l == "#chrom\tpos\tid\tref\talt\tgene_id\tgene_name\ttranscript_id\tstrand\ttss_distance\tref_prediction\talt_prediction\tdelta\tpercentile\tphred\tstatus"));
    let mut deltas: HashMap<(String, String, String, String), (f64, f64)> = HashMap::new();
    for l in scored.lines().filter(|l| !l.starts_with("##") && !l.starts_with("chrom\t")) {
        let f: Vec<&str> = l.split('\t').collect();
        if f[15] == "scored" {
            deltas.insert((f[1].into(), f[4].into(), f[5].into(), f[8].into()), (f[12].parse().unwrap(), f[13].parse().unwrap()));
        }
    }
    let mut abs: Vec<f32> = rows.iter().map(|r| r[11].parse::<f32>().unwrap().abs()).collect();
    abs.sort_by(f32::total_cmp);
    for r in &picked {
        let key = (r[1].to_string(), r[3].to_string(), r[4].to_string(), r[7].to_string());
        let (d, percentile) = *deltas.get(&key).unwrap_or_else(|| panic!("score-variants has no row for {r:?}"));
        let mine: f64 = r[11].parse().unwrap();
        assert!((d - mine).abs() <= 1e-5, "{r:?}: score-variants {d}");
        // the percentile score-variants reports is the table's own share of smaller |delta|
        let x = mine.abs() as f32;
        let (below, at_or_below) = (abs.partition_point(|&v| v < x) as f64, abs.partition_point(|&v| v <= x) as f64);
        let n = abs.len() as f64;
        assert!(percentile >= 100.0 * below / n - 0.5 && percentile <= 100.0 * at_or_below / n + 0.5, "{r:?}: percentile {percentile}, table {}..{}", 100.0 * below / n, 100.0 * at_or_below / n);
    }
    let vcf_text = std::fs::read_to_string(&scored_vcf).unwrap();
    assert!(vcf_text.contains("Format: Allele|Gene_id|Gene_name|Strand|TSS_distance|Ref_prediction|Alt_prediction|Delta|Percentile|PHRED|Consequence"));

    // the calibration table: percentiles of |delta| as the table's own distribution gives them
    let cal = Calibration::read(&cal).unwrap();
    assert_eq!(cal.total, rows.len() as u64);
    assert_eq!(cal.meta("model_sha256"), Some("15a383648008df5f843ec8651e78be5faf82609c88fb068da890aa7a89387bb0"));
    for q in [0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 0.9999] {
        let x = abs[(q * abs.len() as f64) as usize];
        // the table holds |delta| rounded to 6 decimals: the empirical share strictly below x
        let below = abs.partition_point(|&v| v < x) as f64 / abs.len() as f64;
        let at_or_below = abs.partition_point(|&v| v <= x) as f64 / abs.len() as f64;
        let p = cal.percentile(x) / 100.0;
        assert!(p >= below - 0.005 && p <= at_or_below + 0.005, "q {q}: |delta| {x}: calibration {p}, table {below}..{at_or_below}");
    }
}

#[test]
fn shards_joined_in_order_equal_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.tsv.gz");
    precompute(&one, &["--flank", "300"]);
    let whole = gunzip(&one);
    let mut joined = String::new();
    for k in 1..=3 {
        let part = dir.path().join(format!("part{k}.tsv.gz"));
        precompute(&part, &["--flank", "300", "--shard", &format!("{k}/3")]);
        joined.push_str(&gunzip(&part));
    }
    // the provenance names the command (with its --shard); everything else is equal
    let strip = |t: &str| t.lines().filter(|l| !l.starts_with("##command=")).map(|l| format!("{l}\n")).collect::<String>();
    assert_eq!(strip(&joined), strip(&whole));
    assert!(body(&whole).len() > 10_000);
}

#[test]
fn the_table_must_be_bgzip_and_never_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("scores.tsv");
    let (status, _, stderr) = xpresso(&["precompute", "-q", "-g", &genome(), "--gtf", &gtf(), "--region", "chr2:100000-120000", "-o", &plain.to_string_lossy()]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bgzip"), "{stderr}");
    assert!(!plain.exists());
    // -o over the genome's own index is refused before anything is read
    let (status, _, stderr) = xpresso(&["precompute", "-q", "-g", &genome(), "--gtf", &gtf(), "-o", &format!("{}.gzi", genome())]);
    assert_eq!(status.code(), Some(2), "{stderr}");
}

/// The documented bcftools route: one gene's rows of the table copy their delta into a VCF.
#[test]
fn bcftools_annotate_copies_one_genes_deltas_into_a_vcf() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("promoters.tsv.gz");
    let (status, _, stderr) = xpresso(&["precompute", "-q", "-g", &genome(), "--gtf", &gtf(), "--region", "chr2:200000-300000", "--flank", "500", "-o", &table.to_string_lossy()]);
    assert!(status.success(), "{stderr}");
    let text = gunzip(&table);
    let gene: Vec<&str> = text.lines().filter(|l| l.starts_with('#') || l.split('\t').nth(5) == Some("ACP1")).collect();
    let plain = dir.path().join("acp1.tsv");
    std::fs::write(&plain, gene.join("\n") + "\n").unwrap();
    let run = |cmd: &str, args: &[&str]| {
        let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("{cmd}: {e}"));
        assert!(out.status.success(), "{cmd} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    run("bgzip", &["-f", &plain.to_string_lossy()]);
    let gz = format!("{}.gz", plain.display());
    run("tabix", &["-s1", "-b2", "-e2", &gz]);
    let hdr = dir.path().join("hdr.txt");
    std::fs::write(&hdr, "##INFO=<ID=XPRESSO_GENE,Number=1,Type=String,Description=\"gene\">\n##INFO=<ID=XPRESSO_DELTA,Number=1,Type=Float,Description=\"delta\">\n").unwrap();
    let picked: Vec<Vec<&str>> = gene.iter().filter(|l| !l.starts_with('#')).step_by(301).map(|l| l.split('\t').collect()).collect();
    let mut vcf = String::from("##fileformat=VCFv4.2\n##contig=<ID=chr2,length=2333275>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    for r in &picked {
        vcf.push_str(&format!("chr2\t{}\t.\t{}\t{}\t.\t.\t.\n", r[1], r[2], r[3]));
    }
    let vcf_path = dir.path().join("q.vcf");
    std::fs::write(&vcf_path, vcf).unwrap();
    let out = run("bcftools", &["annotate", "-a", &gz, "-h", &hdr.to_string_lossy(), "-c", "CHROM,POS,REF,ALT,-,XPRESSO_GENE,-,-,-,-,-,XPRESSO_DELTA", &vcf_path.to_string_lossy()]);
    let records: Vec<&str> = out.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(records.len(), picked.len());
    for (rec, r) in records.iter().zip(&picked) {
        let info = rec.split('\t').nth(7).unwrap();
        let delta = info.strip_prefix("XPRESSO_GENE=ACP1;XPRESSO_DELTA=").unwrap_or_else(|| panic!("{rec} for {r:?}"));
        assert!((delta.parse::<f64>().unwrap() - r[11].parse::<f64>().unwrap()).abs() < 1e-9, "{rec} for {r:?}");
    }
    assert!(picked.len() >= 5);
}

/// A calibration table from another model is refused (exit 3, naming the file), nothing written.
#[test]
fn a_calibration_table_from_another_model_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (table, cal) = (dir.path().join("mouse.tsv.gz"), dir.path().join("mouse_calibration.tsv"));
    let mouse = common::mouse_model();
    let (status, _, stderr) = xpresso(&["precompute", "-q", "-m", &mouse.to_string_lossy(), "-g", &genome(), "--gtf", &gtf(), "--region", "chr2:260000-270000", "--flank", "20", "-o", &table.to_string_lossy(), "--calibration", &cal.to_string_lossy()]);
    assert!(status.success(), "{stderr}");
    let vcf = dir.path().join("v.vcf");
    std::fs::write(&vcf, "##fileformat=VCFv4.2\n##contig=<ID=chr2,length=2333275>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr2\t264139\t.\tG\tA\t.\t.\t.\n").unwrap();
    let out = dir.path().join("out.vcf");
    let (status, _, stderr) = xpresso(&["score-variants", "-q", "-g", &genome(), "--gtf", &gtf(), "--vcf", &vcf.to_string_lossy(), "-o", &out.to_string_lossy(), "--calibration", &cal.to_string_lossy()]);
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("mouse_calibration.tsv") && stderr.contains("another model"), "{stderr}");
    assert!(!out.exists());
    // a truncated table (its last bins cut) is refused too
    let text = std::fs::read_to_string(&cal).unwrap();
    std::fs::write(&cal, &text[..text.len() * 2 / 3]).unwrap();
    let (status, _, stderr) = xpresso(&["score-variants", "-q", "-m", &mouse.to_string_lossy(), "-g", &genome(), "--gtf", &gtf(), "--vcf", &vcf.to_string_lossy(), "-o", &out.to_string_lossy(), "--calibration", &cal.to_string_lossy()]);
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("mouse_calibration.tsv"), "{stderr}");
    assert!(!out.exists());
}

/// `score-variants --precomputed` reads the table's SNVs and computes the rest: its outputs
/// equal computing everything, byte for byte (but the command lines). A table that cannot be
/// trusted is refused (exit 3, naming it) and nothing is written.
#[test]
fn precomputed_lookups_equal_computing_and_bad_tables_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let table = p("t.tsv.gz");
    let (status, _, stderr) = xpresso(&["precompute", "-q", "-g", &genome(), "--gtf", &gtf(), "--region", "chr2:200000-300000", "--flank", "500", "-o", &table]);
    assert!(status.success(), "{stderr}");
    let piece = piece();
    let base = |pos: usize| piece[pos - 1] as char;
    let other = |pos: usize| if base(pos) == 'A' { "C" } else { "A" };
    // SNVs in the table (near ACP1's and SH3YL1's TSSs), SNVs in windows but outside its
    // flank, a multi-allelic SNV, an insertion and a deletion
    let mut records = Vec::new();
    for pos in [264_100usize, 264_139, 264_500, 266_186, 266_400, 270_000, 280_000] {
        records.push(format!("chr2\t{pos}\t.\t{}\t{}\t.\t.\t.", base(pos), other(pos)));
    }
    let multi = 264_300;
    let alts: Vec<&str> = ["A", "C", "G", "T"].into_iter().filter(|a| a.as_bytes()[0] as char != base(multi)).take(2).collect();
    records.push(format!("chr2\t{multi}\t.\t{}\t{}\t.\t.\t.", base(multi), alts.join(",")));
    records.push(format!("chr2\t264400\t.\t{}\t{}AT\t.\t.\t.", base(264_400), base(264_400)));
    records.push(format!("chr2\t264450\t.\t{}{}\t{}\t.\t.\t.", base(264_450), base(264_451), base(264_450)));
    records.sort_by_key(|r| r.split('\t').nth(1).unwrap().parse::<u64>().unwrap());
    let vcf = p("v.vcf");
    std::fs::write(&vcf, format!("##fileformat=VCFv4.2\n##contig=<ID=chr2,length=2333275>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n{}\n", records.join("\n"))).unwrap();
    let (genome, gtf) = (genome(), gtf());
    let score = |extra: &[&str], out: &str, tsv: &str| {
        let mut args = vec!["score-variants", "-g", &genome, "--gtf", &gtf, "--vcf", &vcf, "-o", out, "--tsv", tsv];
        args.extend_from_slice(extra);
        xpresso(&args)
    };
    let (status, _, stderr) = score(&[], &p("a.vcf"), &p("a.tsv"));
    assert!(status.success(), "{stderr}");
    let (status, _, stderr) = score(&["--precomputed", &table], &p("b.vcf"), &p("b.tsv"));
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("SNVs read from the precomputed table"), "{stderr}");
    for (a, b) in [("a.vcf", "b.vcf"), ("a.tsv", "b.tsv")] {
        let (a, b) = (std::fs::read_to_string(p(a)).unwrap(), std::fs::read_to_string(p(b)).unwrap());
        assert_eq!(strip_commands(&a), strip_commands(&b));
        assert!(a.lines().filter(|l| !l.starts_with('#')).count() >= records.len());
    }

    // tables that cannot be trusted
    let bytes = std::fs::read(&table).unwrap();
    let tbi = std::fs::read(format!("{table}.tbi")).unwrap();
    let refused = |name: &str, genome_path: &str, why: &str| {
        let out = p(&format!("{name}.out.vcf"));
        let (status, _, stderr) = xpresso(&["score-variants", "-q", "-g", genome_path, "--gtf", &gtf, "--vcf", &vcf, "-o", &out, "--precomputed", &p(name)]);
        assert_eq!(status.code(), Some(3), "{name}: {stderr}");
        assert!(stderr.contains(name) && stderr.contains(why), "{name}: {stderr}");
        assert!(!Path::new(&out).exists());
    };
    // no index beside it
    std::fs::write(p("unindexed.tsv.gz"), &bytes).unwrap();
    refused("unindexed.tsv.gz", &genome, "no tabix index");
    // truncated: the end-of-file block cut
    std::fs::write(p("cut.tsv.gz"), &bytes[..bytes.len() - 28]).unwrap();
    std::fs::write(p("cut.tsv.gz.tbi"), &tbi).unwrap();
    refused("cut.tsv.gz", &genome, "truncated");
    // an index older than the table
    std::fs::write(p("stale.tsv.gz.tbi"), &tbi).unwrap();
    std::fs::write(p("stale.tsv.gz"), &bytes).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    std::fs::File::options().write(true).open(p("stale.tsv.gz")).unwrap().set_modified(later).unwrap();
    refused("stale.tsv.gz", &genome, "older than the table");
    // made on another genome (here: the piece cut short, so chr2 has another length)
    let short = p("short.fa");
    std::fs::write(&short, format!(">chr2\n{}\n", String::from_utf8_lossy(&piece[..1_000_000]))).unwrap();
    std::fs::write(p("other.tsv.gz"), &bytes).unwrap();
    std::fs::write(p("other.tsv.gz.tbi"), &tbi).unwrap();
    refused("other.tsv.gz", &short, "another genome");
    // same contigs, other bases: a looked-up row's REF differs from the genome (the row whose
    // ALT is the new REF left out)
    let text = gunzip(Path::new(&table));
    let edited: String = text
        .lines()
        .filter_map(|l| {
            let mut f: Vec<&str> = l.split('\t').collect();
            if f.len() > 2 && f[1] == "264139" {
                f[2] = if f[2] == "A" { "C" } else { "A" };
                if f[3] == f[2] {
                    return None;
                }
            }
            Some(f.join("\t") + "\n")
        })
        .collect();
    std::fs::write(p("edited.tsv"), edited).unwrap();
    for (cmd, args) in [("bgzip", vec!["-f", &p("edited.tsv")]), ("tabix", vec!["-s1", "-b2", "-e2", &p("edited.tsv.gz")])] {
        assert!(Command::new(cmd).args(&args).status().unwrap().success(), "{cmd}");
    }
    refused("edited.tsv.gz", &genome, "another sequence");
}
