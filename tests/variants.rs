//! `xpresso score-variants` end to end on a generated genome: every score against a plain
//! recomputation (alt haplotype built here with string operations, both windows run through
//! the full forward pass), the set of TSSs each allele is scored against, skipped alleles,
//! REF mismatches (skip and error), unsorted input, VCF records kept byte for byte, BCF and
//! indexed bgzip input, and the output read back by bcftools.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use common::{bgzip_and_index, human_model, random_bases, tsv_rows, window_of, write_fasta, xpresso};
use xpresso::model::native::Scratch;
use xpresso::model::{NativeModel, Weights};

const CHROM_LEN: usize = 60_000;

/// (gene_id, 0-based TSS, minus) of the fixture's GTF.
const GENES: [(&str, i64, bool); 5] =
    [("GP", 20_000, false), ("GM", 24_999, true), ("GQ", 22_000, false), ("GE", 3_000, false), ("GF", 50_000, true)];

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    chrom: Vec<u8>,
    /// VCF records (the data lines).
    records: Vec<String>,
}

impl Fixture {
    fn p(&self, name: &str) -> String {
        self.root.join(name).to_string_lossy().into_owned()
    }

    fn write_vcf(&self, name: &str, records: &[String]) -> String {
        let mut text = String::from("##fileformat=VCFv4.3\n##contig=<ID=1,length=60000>\n##contig=<ID=chrUn,length=1000>\n");
        text.push_str("##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n");
        text.push_str("##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Allelic depths\">\n");
        text.push_str("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n");
        for r in records {
            text.push_str(r);
            text.push('\n');
        }
        std::fs::write(self.root.join(name), text).unwrap();
        self.p(name)
    }
}

/// A record line of the fixture VCF (chromosome `1`, alias of the genome's `chr1`).
fn record(pos: usize, reference: &[u8], alt: &str, id: &str) -> String {
    format!("1\t{pos}\t{id}\t{}\t{alt}\t50.5\tPASS\tDP=10\tGT:AD\t0/1:3,4\t1|1:0,07", String::from_utf8_lossy(reference))
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let mut chrom = random_bases(CHROM_LEN, 77);
    chrom[17_000..17_040].fill(b'N');
    chrom[26_000..26_050].make_ascii_lowercase(); // soft-masked
    write_fasta(&root.join("g.fa"), &[("chr1", &chrom)], 60);
    let gtf: String = GENES
        .iter()
        .map(|(id, tss, minus)| {
            let (start, end, strand) = if *minus { (tss - 1999, tss + 1, '-') } else { (tss + 1, tss + 2000, '+') };
            format!("1\tt\tgene\t{start}\t{end}\t.\t{strand}\t.\tgene_id \"{id}\"; gene_name \"{id}_name\";\n")
        })
        .collect();
    std::fs::write(root.join("g.gtf"), gtf).unwrap();
    let mut records = Vec::new();
    let r = random_bases(4000, 5);
    let mut k = 0;
    let mut next = || {
        k += 1;
        r[k]
    };
    let base_at = |pos: usize| chrom[pos - 1];
    let other = |b: u8, salt: u8| *b"ACGT".iter().filter(|&&c| c != b.to_ascii_uppercase()).nth(salt as usize % 3).unwrap();
    // SNVs every 97 bp over the windows of GP, GM, GQ and the gap after them; some near GE, GF
    let mut positions: Vec<usize> = (10_003..36_000).step_by(97).collect();
    positions.extend([1, 2, 5, 400, 6_400, 44_000, 53_400, 53_600, 59_999, 60_000]);
    positions.extend([20_001, 25_000, 22_001]); // the TSS bases of GP, GM, GQ
    positions.sort();
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, &pos) in positions.iter().enumerate() {
        let b = base_at(pos);
        lines.push((pos, record(pos, &[b], &(other(b, next()) as char).to_string(), &format!("snv{i}"))));
    }
    // MNVs, insertions and deletions (VCF-anchored), some spanning or touching a TSS
    let indels: [(usize, usize, &str); 14] = [
        (19_500, 3, "MNV"), (23_000, 2, "MNV"), (19_000, 0, "AC"), (20_000, 0, "TTTTT"), (20_001, 0, "G"),
        (21_000, 0, "GATTACA"), (18_000, 6, ""), (19_998, 5, ""), (24_995, 8, ""), (24_998, 0, "CC"),
        (27_000, 12, ""), (13_005, 4, ""), (31_990, 0, "A"), (16_990, 15, ""),
    ];
    for (i, &(pos, len, ins)) in indels.iter().enumerate() {
        let reference: Vec<u8> = chrom[pos - 1..pos + len].to_vec();
        let alt = if ins == "MNV" {
            let mut a: Vec<u8> = reference.clone();
            for (j, c) in a.iter_mut().enumerate().skip(1) {
                *c = other(*c, j as u8);
            }
            String::from_utf8(a).unwrap()
        } else {
            format!("{}{ins}", reference[0] as char)
        };
        lines.push((pos, record(pos, &reference, &alt, &format!("indel{i}"))));
    }
    // multi-allelic with `*` and a symbolic allele; missing ALT; REF mismatch; unknown chrom
    let b = base_at(21_500);
    lines.push((21_500, record(21_500, &[b], &format!("{},*,<DEL>", other(b, 1) as char), "multi")));
    lines.push((21_600, record(21_600, &[base_at(21_600)], ".", "noalt")));
    lines.push((21_700, record(21_700, &[other(base_at(21_700), 0)], "A", "mismatch")));
    lines.sort_by_key(|(pos, _)| *pos);
    records.extend(lines.into_iter().map(|(_, l)| l));
    records.push("chrUn\t5\tunk\tA\tG\t.\t.\t.\tGT:AD\t0/1:1,1\t0/0:2,0".to_string());
    Fixture { _dir: dir, root, chrom, records }
}

/// The minimal edit of an allele, computed here: (0-based start, REF bases, ALT bases).
fn minimal(pos: usize, reference: &str, alt: &str) -> (i64, Vec<u8>, Vec<u8>) {
    let (mut r, mut a) = (reference.as_bytes().to_ascii_uppercase(), alt.as_bytes().to_ascii_uppercase());
    while !r.is_empty() && !a.is_empty() && r.last() == a.last() {
        r.pop();
        a.pop();
    }
    let p = r.iter().zip(&a).take_while(|(x, y)| x == y).count();
    (pos as i64 - 1 + p as i64, r[p..].to_vec(), a[p..].to_vec())
}

/// Whether the edit changes the window `[s, s + 10500)`.
fn touches(start: i64, ref_len: usize, s: i64) -> bool {
    let e = s + 10_500;
    if ref_len == 0 { start > s && start < e } else { start < e && start + ref_len as i64 > s }
}

/// The alt-haplotype window, built from the whole chromosome with string operations.
fn alt_window(chrom: &[u8], tss: i64, minus: bool, start: i64, ref_len: usize, alt: &[u8]) -> Vec<u8> {
    let mut hap = chrom[..start as usize].to_vec();
    hap.extend_from_slice(alt);
    hap.extend_from_slice(&chrom[start as usize + ref_len..]);
    let shift = alt.len() as i64 - ref_len as i64;
    let new_tss = if start + ref_len as i64 <= tss {
        tss + shift
    } else if start > tss {
        tss
    } else if minus {
        tss + shift
    } else {
        tss
    };
    window_of(&hap, new_tss, minus)
}

fn window_start(tss: i64, minus: bool) -> i64 {
    if minus { tss - 3499 } else { tss - 7000 }
}

fn run(f: &Fixture, vcf: &str, extra: &[&str]) -> (String, String, String) {
    let model = human_model().to_string_lossy().into_owned();
    let (out_vcf, out_tsv) = (f.p("out.vcf"), f.p("out.tsv"));
    let (genome, gtf) = (f.p("g.fa"), f.p("g.gtf"));
    let mut all = vec!["score-variants", "-m", &model, "-g", &genome, "--gtf", &gtf, "--vcf", vcf, "-o", &out_vcf, "--tsv", &out_tsv];
    all.extend_from_slice(extra);
    let (status, _, stderr) = xpresso(&all);
    assert!(status.success(), "{stderr}");
    (std::fs::read_to_string(&out_vcf).unwrap(), table(&std::fs::read_to_string(&out_tsv).unwrap()), stderr)
}

/// A TSV without its `##` lines (provenance, units): the header row, then the rows.
fn table(tsv: &str) -> String {
    tsv.lines().filter(|l| !l.starts_with("##")).flat_map(|l| [l, "\n"]).collect()
}

type Key = (String, String, String); // (vcf id, alt, gene id)

/// TSV rows by (id, alt, gene_id).
fn rows_by_key(tsv: &str) -> HashMap<Key, Vec<String>> {
    let rows = tsv_rows(tsv);
    assert_eq!(
        rows[0],
        ["#chrom", "pos", "id", "ref", "alt", "gene_id", "gene_name", "transcript_id", "strand", "tss_distance", "ref_prediction", "alt_prediction", "delta", "status"]
    );
    let map: HashMap<Key, Vec<String>> = rows[1..].iter().map(|r| ((r[2].clone(), r[4].clone(), r[5].clone()), r.clone())).collect();
    assert_eq!(map.len(), rows.len() - 1, "one row per allele x TSS");
    map
}

#[test]
fn every_score_matches_a_plain_recomputation_and_the_expected_tss_set() {
    let f = fixture();
    let (out_vcf, tsv, stderr) = run(&f, &f.write_vcf("v.vcf", &f.records), &[]);
    let rows = rows_by_key(&tsv);
    let model = NativeModel::new(Weights::from_h5(&human_model()).unwrap());
    let mut scratch = Scratch::default();
    let mut predict = |w: &[u8]| model.forward(w, &[0.0; 6], &mut scratch);
    let mut expected: BTreeSet<Key> = BTreeSet::new();
    let (mut snvs, mut others) = (0, 0);
    for line in &f.records {
        let col: Vec<&str> = line.split('\t').collect();
        if col[0] != "1" || col[2] == "mismatch" {
            continue;
        }
        let pos: usize = col[1].parse().unwrap();
        for alt in col[4].split(',').filter(|a| a.bytes().all(|b| b"ACGTN".contains(&b))) {
            let (start, r, a) = minimal(pos, col[3], alt);
            for &(gene, tss, minus) in &GENES {
                if !touches(start, r.len(), window_start(tss, minus)) {
                    continue;
                }
                let key = (col[2].to_string(), alt.to_string(), gene.to_string());
                let row = rows.get(&key).unwrap_or_else(|| panic!("no row for {key:?}"));
                let reference = predict(&window_of(&f.chrom, tss, minus));
                let alt_pred = predict(&alt_window(&f.chrom, tss, minus, start, r.len(), &a));
                let got: Vec<f32> = row[10..13].iter().map(|v| v.parse().unwrap()).collect();
                assert!((got[0] - reference).abs() < 2e-5, "{key:?}: ref {} vs {reference}", got[0]);
                assert!((got[1] - alt_pred).abs() < 2e-5, "{key:?}: alt {} vs {alt_pred}", got[1]);
                assert!((got[2] - (alt_pred - reference)).abs() < 2e-5, "{key:?}: delta");
                let distance = if minus { tss - (pos as i64 - 1) } else { pos as i64 - 1 - tss };
                assert_eq!(row[9], distance.to_string(), "{key:?}: tss_distance");
                assert_eq!(row[13], "scored");
                if r.len() == 1 && a.len() == 1 { snvs += 1 } else { others += 1 }
                expected.insert(key);
            }
        }
    }
    let scored: BTreeSet<Key> = rows.iter().filter(|(_, r)| r[13] == "scored").map(|(k, _)| k.clone()).collect();
    assert_eq!(scored, expected, "pairs scored = pairs whose window the allele changes");
    assert!(snvs > 300 && others >= 20, "the fixture exercises both paths: {snvs} SNV, {others} other pairs");
    // the indels spanning a TSS and the ones at window edges are there, on both strands
    for key in [("indel7", "GP"), ("indel8", "GM"), ("indel4", "GP"), ("indel9", "GM")] {
        assert!(rows.keys().any(|k| k.0 == key.0 && k.2 == key.1), "{key:?} scored");
    }
    // skipped alleles and records are counted in the summary
    for needle in ["1 ALT alleles skipped: `*`", "1 ALT alleles skipped: symbolic", "1 ALT alleles skipped: missing ALT", "1 records have a REF that differs", "chromosome chrUn of the VCF is not in the genome"] {
        assert!(stderr.contains(needle), "summary lacks {needle:?}:\n{stderr}");
    }
    check_vcf_records(&f, &out_vcf, &rows);
}

/// Every input record is in the output, byte for byte except INFO; XPRESSO entries and
/// XPRESSO_MAXABS agree with the TSV.
fn check_vcf_records(f: &Fixture, out_vcf: &str, rows: &HashMap<Key, Vec<String>>) {
    let body: Vec<&str> = out_vcf.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(body.len(), f.records.len());
    for (got, input) in body.iter().zip(&f.records) {
        let (g, i): (Vec<&str>, Vec<&str>) = (got.split('\t').collect(), input.split('\t').collect());
        assert_eq!((&g[..7], &g[8..]), (&i[..7], &i[8..]), "columns other than INFO unchanged");
        let info: HashMap<&str, &str> = g[7].split(';').map(|kv| kv.split_once('=').unwrap_or((kv, ""))).collect();
        assert_eq!(info.get("DP"), i[7].strip_prefix("DP=").as_ref());
        let n_rows = rows.values().filter(|r| r[2] == i[2] && r[13] == "scored").count();
        match info.get("XPRESSO") {
            None => assert_eq!(n_rows, 0, "{}", i[2]),
            Some(v) => {
                let entries: Vec<Vec<&str>> = v.split(',').map(|e| e.split('|').collect()).collect();
                assert_eq!(entries.len(), n_rows, "{}", i[2]);
                for e in &entries {
                    let row = &rows[&(i[2].to_string(), e[0].to_string(), e[1].to_string())];
                    assert_eq!(&e[2..8], [&row[6], &row[8], &row[9], &row[10], &row[11], &row[12]].map(String::as_str));
                    assert_eq!(&e[8..], ["regulatory_region_variant"], "Consequence last, for bcftools +split-vep");
                }
                let maxabs: Vec<&str> = info["XPRESSO_MAXABS"].split(',').collect();
                assert_eq!(maxabs.len(), i[4].split(',').count(), "Number=A");
                for (alt, m) in i[4].split(',').zip(maxabs) {
                    let deltas: Vec<f32> = entries.iter().filter(|e| e[0] == alt).map(|e| e[7].parse::<f32>().unwrap().abs()).collect();
                    match deltas.iter().copied().reduce(f32::max) {
                        Some(x) => assert!((m.parse::<f32>().unwrap() - x).abs() < 1e-6),
                        None => assert_eq!(m, "."),
                    }
                }
            }
        }
        assert_eq!(info.contains_key("XPRESSO_REF_MISMATCH"), i[2] == "mismatch");
    }
    assert!(out_vcf.contains("##INFO=<ID=XPRESSO,Number=.,Type=String,"));
    assert!(out_vcf.contains("##INFO=<ID=XPRESSO_MAXABS,Number=A,Type=Float,"));
    assert!(out_vcf.lines().any(|l| l.starts_with("##xpressoCommand=")));
}

#[test]
fn ref_mismatches_are_flagged_in_both_outputs_or_stop_the_run() {
    let f = fixture();
    let vcf = f.write_vcf("v.vcf", &f.records);
    let (_, tsv, _) = run(&f, &vcf, &["--ref-mismatch", "skip"]);
    let flagged: Vec<Vec<String>> = tsv_rows(&tsv).into_iter().filter(|r| r[2] == "mismatch").collect();
    assert!(!flagged.is_empty() && flagged.iter().all(|r| r[13] == "ref_mismatch" && r[10] == "."));
    let model = human_model().to_string_lossy().into_owned();
    let out = f.p("stop.vcf.gz");
    let (status, _, stderr) = xpresso(&["score-variants", "-m", &model, "-g", &f.p("g.fa"), "--gtf", &f.p("g.gtf"), "--vcf", &vcf, "-o", &out, "--ref-mismatch", "error"]);
    assert_eq!(status.code(), Some(3), "a REF mismatch is an input error");
    let line = 8 + f.records.iter().position(|r| r.split('\t').nth(2) == Some("mismatch")).unwrap();
    assert!(stderr.contains(&format!("v.vcf:{line} (1:21700)")) && stderr.contains("does not match the genome"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&f.root).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).filter(|n| n.contains("stop")).collect();
    assert!(left.is_empty(), "no output left behind: {left:?}");
}

#[test]
fn unsorted_input_gives_the_same_scores() {
    let f = fixture();
    let (_, sorted, _) = run(&f, &f.write_vcf("v.vcf", &f.records), &[]);
    let mut shuffled = f.records.clone();
    let order = random_bases(shuffled.len(), 9);
    let mut keyed: Vec<(u8, usize, String)> = shuffled.drain(..).enumerate().map(|(i, r)| (order[i], i % 7, r)).collect();
    keyed.sort_by_key(|k| (k.0, k.1));
    let shuffled: Vec<String> = keyed.into_iter().map(|(_, _, r)| r).collect();
    let (_, unsorted, _) = run(&f, &f.write_vcf("u.vcf", &shuffled), &[]);
    assert_eq!(rows_by_key(&sorted), rows_by_key(&unsorted));
}

/// The fixture's records on `1` (sorted, indexable) as v.vcf and as v.vcf.gz with a tabix index.
fn chr1_vcfs(f: &Fixture) -> (Vec<String>, String, PathBuf) {
    let records: Vec<String> = f.records.iter().filter(|r| r.starts_with("1\t")).cloned().collect();
    let plain = f.write_vcf("v.vcf", &records);
    let gz = f.root.join("v.vcf.gz");
    bgzip_and_index(&plain, &gz);
    (records, plain, gz)
}

/// Every input record is written by default (as bcftools annotate and VEP do), with or
/// without an index; `--only-windows` keeps those inside a TSS window, and with an index
/// reads only the windows' regions. No score changes; the summary counts read/written/scored.
#[test]
fn every_record_by_default_only_windows_on_request_and_no_score_changes() {
    let f = fixture();
    let (records, _, gz) = chr1_vcfs(&f);
    let (all, all_tsv, stderr) = run(&f, gz.to_str().unwrap(), &[]);
    assert!(!stderr.contains("visited through the index"), "a whole-file run streams: {stderr}");
    let n = records.len();
    assert!(stderr.contains(&format!("{n} records read, {n} written, ")), "{stderr}");
    let (streamed, streamed_tsv, _) = run(&f, gz.to_str().unwrap(), &["--no-index"]);
    assert_eq!((body(&streamed), &streamed_tsv), (body(&all), &all_tsv));
    let (only_stream, only_stream_tsv, _) = run(&f, gz.to_str().unwrap(), &["--only-windows", "--no-index"]);
    let (indexed, indexed_tsv, stderr) = run(&f, gz.to_str().unwrap(), &["--only-windows"]);
    assert!(stderr.contains("visited through the index"), "{stderr}");
    assert_eq!((body(&only_stream), &only_stream_tsv), (body(&indexed), &indexed_tsv), "--only-windows: the same with or without the index");
    assert_eq!(rows_by_key(&all_tsv), rows_by_key(&indexed_tsv));
    let body = |t: &str| t.lines().filter(|l| !l.starts_with('#')).map(String::from).collect::<Vec<_>>();
    let (all, indexed) = (body(&all), body(&indexed));
    assert_eq!(all.len(), records.len());
    assert!(indexed.len() < all.len(), "records far from every TSS were not visited");
    let kept: Vec<&String> = all.iter().filter(|l| indexed.contains(l)).collect();
    assert_eq!(kept.len(), indexed.len(), "indexed output = the same lines, a subset");
    assert!(all.iter().filter(|l| l.contains("XPRESSO=")).all(|l| indexed.contains(l)), "every scored record visited");
}

#[test]
fn bcf_input_gives_the_same_annotations() {
    use noodles::vcf::variant::io::Write as _;
    let f = fixture();
    let records: Vec<String> = f.records.iter().filter(|r| r.starts_with("1\t") && !r.contains("<DEL>")).cloned().collect();
    let vcf = f.write_vcf("v.vcf", &records);
    let mut reader = noodles::vcf::io::reader::Builder::default().build_from_path(&vcf).unwrap();
    let header = reader.read_header().unwrap();
    let bcf = f.root.join("v.bcf");
    let mut writer = noodles::bcf::io::Writer::new(std::fs::File::create(&bcf).unwrap());
    writer.write_variant_header(&header).unwrap();
    for r in reader.record_bufs(&header) {
        writer.write_variant_record(&header, &r.unwrap()).unwrap();
    }
    writer.try_finish().unwrap();
    drop(writer);
    let (_, from_vcf, _) = run(&f, &vcf, &[]);
    let (out_bcf, from_bcf, _) = run(&f, bcf.to_str().unwrap(), &[]);
    assert_eq!(rows_by_key(&from_vcf), rows_by_key(&from_bcf));
    assert_eq!(out_bcf.lines().filter(|l| !l.starts_with('#')).count(), records.len());
}

#[test]
fn bcftools_reads_and_filters_the_output() {
    let f = fixture();
    let vcf = f.write_vcf("v.vcf", &f.records);
    let model = human_model().to_string_lossy().into_owned();
    let out = f.p("out.vcf.gz");
    let (status, _, stderr) = xpresso(&["score-variants", "-q", "-m", &model, "-g", &f.p("g.fa"), "--gtf", &f.p("g.gtf"), "--vcf", &vcf, "-o", &out]);
    assert!(status.success(), "{stderr}");
    let all = bcftools(&["view", "-H", &out]);
    assert_eq!(all.lines().count(), f.records.len());
    let strong = bcftools(&["view", "-H", "-i", "XPRESSO_MAXABS>0.001", &out]);
    assert!(strong.lines().count() > 0 && strong.lines().count() < all.lines().count());
    let queried = bcftools(&["query", "-i", "XPRESSO_MAXABS>0.001", "-f", "%ID\t%XPRESSO_MAXABS\n", &out]);
    for line in queried.lines() {
        let values: Vec<f32> = line.split('\t').nth(1).unwrap().split(',').filter(|v| *v != ".").map(|v| v.parse().unwrap()).collect();
        assert!(values.iter().any(|v| *v > 0.001), "{line}");
    }
    let samples = bcftools(&["query", "-f", "[%GT:%AD ]\n", "-i", "ID=\"snv3\"", &out]);
    assert_eq!(samples.trim(), "0/1:3,4 1|1:0,7");
    // +split-vep reads the key as it reads VEP's CSQ: one line per allele x TSS, fields by name
    let split = bcftools(&["+split-vep", "-a", "XPRESSO", "-d", "-f", "%ID\t%Allele\t%Gene_id\t%Delta\t%Consequence\n", &out]);
    let split: Vec<&str> = split.lines().collect();
    let entries: usize = all
        .lines()
        .filter_map(|l| l.split('\t').nth(7).unwrap().split(';').find_map(|kv| kv.strip_prefix("XPRESSO=")).map(|v| v.split(',').count()))
        .sum();
    assert!(entries > 0 && split.len() == entries, "{} lines for {entries} entries", split.len());
    assert!(split.iter().all(|l| l.split('\t').count() == 5 && l.ends_with("\tregulatory_region_variant")), "{split:?}");
    let worst = bcftools(&["+split-vep", "-a", "XPRESSO", "-s", "worst", "-f", "%ID\t%Gene_id\n", &out]);
    assert!(!worst.is_empty() && worst.lines().count() <= split.len());
}

/// Runs bcftools; returns its stdout.
fn bcftools(args: &[&str]) -> String {
    let o = std::process::Command::new("bcftools").args(args).output().expect("bcftools is installed (.ci/run installs it)");
    assert!(o.status.success(), "bcftools {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn body(vcf: &str) -> Vec<String> {
    vcf.lines().filter(|l| !l.starts_with('#')).map(String::from).collect()
}

#[test]
fn shards_joined_by_bcftools_concat_and_cat_equal_one_run() {
    let f = fixture();
    let (_, plain, gz) = chr1_vcfs(&f);
    let gz = gz.to_str().unwrap();
    for mode in [&[][..], &["--only-windows"]] {
        let (one_vcf, one_tsv, _) = run(&f, gz, mode);
        for n in [2, 3, 7] {
            let (mut parts, mut tsv, mut busy) = (Vec::new(), String::new(), 0);
            for k in 1..=n {
                let (vcf, part_tsv, _) = run(&f, gz, &[mode, &["--shard", &format!("{k}/{n}")]].concat());
                assert!(vcf.starts_with("##fileformat=VCF"), "every shard is a whole VCF");
                busy += usize::from(!body(&vcf).is_empty());
                parts.push(f.p(&format!("part{k}.vcf")));
                std::fs::write(parts.last().unwrap(), vcf).unwrap();
                tsv.push_str(&part_tsv);
            }
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            let joined = bcftools(&[&["concat", "--no-version"][..], &parts].concat());
            assert_eq!(body(&joined), body(&one_vcf), "{mode:?}: {n} shards");
            assert_eq!(tsv, one_tsv, "{mode:?}: {n} shards' TSVs, concatenated");
            assert!(busy >= 2, "{mode:?}: the work is split: {busy} of {n} shards have records");
        }
    }
    // without an index there is no region list to split: an input error that says why
    let model = human_model().to_string_lossy().into_owned();
    let (status, _, stderr) = xpresso(&[
        "score-variants", "-q", "-m", &model, "-g", &f.p("g.fa"), "--gtf", &f.p("g.gtf"), "--vcf", &plain, "--shard", "1/2", "-o", &f.p("x.vcf"),
    ]);
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("index") && stderr.contains("v.vcf"), "{stderr}");
}

#[test]
fn a_region_keeps_the_records_overlapping_it() {
    let f = fixture();
    let (_, plain, gz) = chr1_vcfs(&f);
    let (all, all_tsv, _) = run(&f, &plain, &[]);
    let (from, to) = (19_000u64, 21_000u64);
    let overlapping: Vec<String> = body(&all)
        .into_iter()
        .filter(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let pos: u64 = c[1].parse().unwrap();
            pos <= to && pos + c[3].len() as u64 > from
        })
        .collect();
    assert!(overlapping.len() > 10);
    // the VCF says 1, the genome chr1: either name works
    let (region, region_tsv, _) = run(&f, &plain, &["--region", "chr1:19,000-21,000"]);
    assert_eq!(body(&region), overlapping);
    let ids: BTreeSet<&str> = overlapping.iter().map(|l| l.split('\t').nth(2).unwrap()).collect();
    let expected: Vec<&str> = all_tsv.lines().skip(1).filter(|l| ids.contains(l.split('\t').nth(2).unwrap())).collect();
    assert_eq!(region_tsv.lines().skip(1).collect::<Vec<_>>(), expected);
    // through the index: the same records (all of the region lies in TSS windows)
    let (indexed, _, _) = run(&f, gz.to_str().unwrap(), &["--region", "1:19000-21000"]);
    assert_eq!(body(&indexed), overlapping);
}

#[test]
fn cone_scores_of_the_library_equal_full_forward_passes_within_1e_5() {
    use xpresso::annotation::gtf::{GtfOptions, TssLevel};
    use xpresso::features::{FeatureJoin, MissingFeatures};
    use xpresso::genome::Genome;
    use xpresso::pipeline::tss_windows::{FeatureKey, TssSource, TssWindows};
    use xpresso::variants::reader::VariantReader;
    use xpresso::variants::score::{RefMismatch, Scorer};
    use xpresso::variants::tss_index::TssIndex;

    let f = fixture();
    let vcf = PathBuf::from(f.write_vcf("v.vcf", &f.records));
    let model = NativeModel::new(Weights::from_h5(&human_model()).unwrap());
    let mut genome = Genome::open(&f.root.join("g.fa")).unwrap();
    let source = TssSource::Gtf(f.root.join("g.gtf"), GtfOptions::new(TssLevel::Gene));
    let mut windows = TssWindows::new(&mut genome, FeatureJoin::new(None, MissingFeatures::Zero), FeatureKey::GeneId);
    let index = TssIndex::load(&mut windows, &source).unwrap();
    drop(windows);
    let mut reader = VariantReader::open(&vcf).unwrap();
    let mut scorer = Scorer::new(&model, &index, 32, RefMismatch::Skip);
    let mut scored = Vec::new();
    while let Some(r) = reader.next_record().unwrap() {
        scorer.push(&mut genome, r, &vcf).unwrap();
        if scorer.is_full() {
            scored.extend(scorer.flush().unwrap());
        }
    }
    scored.extend(scorer.flush().unwrap());
    let mut scratch = Scratch::default();
    let (mut snvs, mut max_diff) = (0, 0f32);
    for s in &scored {
        for p in &s.pairs {
            let e = index.get(p.tss);
            let minus = e.tss.strand == xpresso::annotation::Strand::Minus;
            let (start, r, a) = minimal(s.record.pos as usize, &s.record.reference, &s.record.alts[p.allele]);
            let brute = model.forward(&alt_window(&f.chrom, e.tss.pos as i64, minus, start, r.len(), &a), &[0.0; 6], &mut scratch);
            let reference = model.forward(&window_of(&f.chrom, e.tss.pos as i64, minus), &[0.0; 6], &mut scratch);
            assert!((p.reference - reference).abs() < 1e-5);
            max_diff = max_diff.max((p.alt - brute).abs());
            snvs += (r.len() == 1 && a.len() == 1) as usize;
        }
    }
    assert!(snvs > 300, "{snvs} SNV pairs went through the cone");
    assert!(max_diff < 1e-5, "largest |cone - forward| = {max_diff}");
    assert!(scorer.counts.snv_pairs as usize == snvs && scorer.counts.references < 10, "each reference window run once: {:?}", scorer.counts);
}
