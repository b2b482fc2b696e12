//! Mutation fuzzing of every parser on stable Rust (proptest): valid seed inputs (GTF, BED,
//! feature table, FASTA + .fai, BGZF FASTA + .gzi, VCF, BCF, the model .h5) get random byte
//! flips, insertions, deletions, truncations and duplicated spans, then go through the
//! library (many cases: no panic may escape, every error must name the file) and through
//! the binary (fewer cases, under a 2 GiB address-space limit: exit 0, 1 or 3 only, no
//! panic message, no temporary file left).
//!
//! Cases per target: `FUZZ_CASES` (default 48 in the library, a sixth of that through the
//! binary); `bench/fuzz.sh SECONDS` runs it longer. A crasher found becomes a regression
//! test in tests/trust.rs.

mod common;

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use common::mutate::{cases, edits, mutate};
use common::{human_model, random_bases, shared};
use xpresso::annotation::bed::BedTssReader;
use xpresso::annotation::gff3::Gff3TssReader;
use xpresso::annotation::gtf::{GtfOptions, GtfTssReader, TssLevel};
use xpresso::features::FeatureTable;
use xpresso::genome::Genome;
use xpresso::model::Weights;
use xpresso::variants::reader::VariantReader;

/// Converted plain-gzip genomes (a mutated BGZF file can still be valid gzip) go to a
/// temporary cache, never the user's.
fn genome_cache() -> &'static Path {
    static CACHE: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = CACHE.get_or_init(|| tempfile::tempdir().unwrap());
    // the library reads it from the environment (std's lock guards set_var against std's readers)
    std::env::set_var("XPRESSO_GENOME_CACHE", dir.path());
    dir.path()
}

/// Runs `check` on `cases` mutations of `seed` written to `name` in a fresh directory; a
/// panic escaping the library fails with the input kept in the message.
fn fuzz_library(name: &str, seed: &[u8], cases: u32, check: impl Fn(&Path) + std::panic::RefUnwindSafe) {
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    runner
        .run(&edits(), |edits| {
            let bytes = mutate(seed, &edits);
            std::fs::write(&path, &bytes).unwrap();
            let outcome = catch_unwind(AssertUnwindSafe(|| check(&path)));
            prop_assert!(outcome.is_ok(), "{name}: a panic escaped on {edits:?}");
            Ok(())
        })
        .unwrap();
}

/// Every error of a library call on `path` names it.
fn names_file<T>(path: &Path, r: anyhow::Result<T>) {
    if let Err(e) = r {
        let msg = format!("{e:#}");
        assert!(msg.contains(&*path.to_string_lossy()), "error does not name {}: {msg}", path.display());
        // a panic of a library that `contain` caught: keep the input to report it upstream
        if let (true, Some(dir)) = (msg.contains("the decoder failed"), std::env::var_os("FUZZ_SAVE")) {
            let bytes = std::fs::read(path).unwrap();
            let name = format!("{}-{:016x}", path.file_name().unwrap().to_string_lossy(), fxhash(&bytes));
            std::fs::write(Path::new(&dir).join(&name), &bytes).unwrap();
            eprintln!("contained panic saved as {name}: {msg}");
        }
    }
}

fn fxhash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

fn seed_gtf() -> Vec<u8> {
    let mut s = String::from("##description: fuzz seed\n");
    for i in 0..12 {
        let (strand, ty) = (if i % 2 == 0 { '+' } else { '-' }, if i % 3 == 0 { "gene" } else { "transcript" });
        s.push_str(&format!(
            "chr1\tHAVANA\t{ty}\t{}\t{}\t.\t{strand}\t.\tgene_id \"ENSG{i:05}.3\"; transcript_id \"ENST{i:05}\"; gene_type \"protein_coding\"; gene_name \"G{i}\";\n",
            11_000 + i * 700,
            11_500 + i * 700
        ));
    }
    s.into_bytes()
}

/// A GFF3 in Ensembl's layout (gene, mRNA with tags, exons), and an exon-only GTF.
fn seed_gff3() -> Vec<u8> {
    let mut s = String::from("##gff-version 3\n");
    for i in 0..6 {
        let (a, b, strand) = (11_000 + i * 900, 11_800 + i * 900, if i % 2 == 0 { '+' } else { '-' });
        s.push_str(&format!("chr1\tensembl\tgene\t{a}\t{b}\t.\t{strand}\t.\tID=gene:ENSG{i:05};Name=G%3B{i};biotype=protein_coding\n"));
        s.push_str(&format!("chr1\tensembl\tmRNA\t{a}\t{b}\t.\t{strand}\t.\tID=transcript:ENST{i:05};Parent=gene:ENSG{i:05};tag=basic,Ensembl_canonical\n"));
        s.push_str(&format!("chr1\tensembl\texon\t{a}\t{}\t.\t{strand}\t.\tParent=transcript:ENST{i:05}\n", a + 200));
    }
    s.into_bytes()
}

fn seed_exon_gtf() -> Vec<u8> {
    let mut s = String::new();
    for i in 0..8 {
        let (a, strand) = (11_000 + i * 700, if i % 2 == 0 { '+' } else { '-' });
        for e in 0..2 {
            s.push_str(&format!("chr1\tucsc\texon\t{}\t{}\t.\t{strand}\t.\tgene_id \"G{}\"; transcript_id \"NM_{i}\";\n", a + e * 300, a + e * 300 + 100, i / 2));
        }
    }
    s.into_bytes()
}

fn seed_bed() -> Vec<u8> {
    (0..12).map(|i| format!("chr1\t{}\t{}\tT{i}\t0\t{}\n", 12_000 + i * 300, 12_050 + i * 300, if i % 2 == 0 { '+' } else { '-' })).collect::<String>().into_bytes()
}

fn seed_features() -> Vec<u8> {
    let mut s = String::from("gene_id\tf1\tf2\tf3\tf4\tf5\tf6\n");
    for i in 0..12 {
        s.push_str(&format!("ENSG{i:05}\t0.{i}\t-1.5\t2e-1\t3\t-0.25\t1\n"));
    }
    s.into_bytes()
}

fn chrom() -> &'static [u8] {
    static SEQ: OnceLock<Vec<u8>> = OnceLock::new();
    SEQ.get_or_init(|| random_bases(30_000, 11))
}

fn seed_fasta() -> Vec<u8> {
    let mut s = b">chr1 fuzz\n".to_vec();
    for line in chrom().chunks(60) {
        s.extend_from_slice(line);
        s.push(b'\n');
    }
    s.extend_from_slice(b">chr2\n");
    for line in random_bases(2_000, 3).chunks(60) {
        s.extend_from_slice(line);
        s.push(b'\n');
    }
    s
}

fn seed_vcf() -> Vec<u8> {
    let mut s = String::from("##fileformat=VCFv4.3\n##contig=<ID=chr1,length=30000>\n##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n");
    for pos in (11_000..16_000).step_by(250) {
        let r = chrom()[pos] as char;
        s.push_str(&format!("chr1\t{}\trs{pos}\t{r}\t{}\t50\tPASS\tDP=10\tGT\t0|1\n", pos + 1, if r == 'A' { "C,T" } else { "A" }));
    }
    s.into_bytes()
}

/// A small cohort for `personal`: three samples, phased and unphased calls, a missing call,
/// a haploid call, an indel, a multi-allelic site with `*`.
fn seed_cohort() -> Vec<u8> {
    let mut s = String::from("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=30000>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\tS3\n");
    let gts = ["0|1\t1/1\t./.", "1|0\t0/1\t1", "0|0\t1|1\t0/1", "1|1\t0|1\t2|0"];
    for (i, pos) in (9_000..17_000).step_by(400).enumerate() {
        let r = chrom()[pos] as char;
        let alt = match i % 4 {
            0 => format!("{r}GT"),
            3 => "*,C".to_string().replace('C', if r == 'C' { "G" } else { "C" }),
            _ => (if r == 'A' { "C" } else { "A" }).to_string(),
        };
        s.push_str(&format!("chr1\t{}\t.\t{r}\t{alt}\t50\tPASS\t.\tGT:DP\t{}\n", pos + 1, gts[i % 4].replace('\t', ":5\t") + ":5"));
    }
    s.into_bytes()
}

/// Forward-strand 10.5 kb windows with bedtools-style strands in their headers.
fn seed_stranded_fasta() -> Vec<u8> {
    let bases = chrom();
    let mut s = Vec::new();
    for (i, strand) in ["+", "-", "-"].iter().enumerate() {
        s.extend_from_slice(format!(">w{i}::chr1:{}-{}({strand})\n", 1000 * i, 1000 * i + 10_500).as_bytes());
        for line in bases[1000 * i..1000 * i + 10_500].chunks(60) {
            s.extend_from_slice(line);
            s.push(b'\n');
        }
    }
    s
}

/// The shared BCF, both gzip layers removed (raw BCF bytes), or None without the data.
fn seed_bcf() -> Option<Vec<u8>> {
    let mut bcf = common::shared_bcf()?;
    bcf.truncate(60_000); // the header and a few hundred records
    Some(bcf)
}

fn drain_vcf(path: &Path) -> anyhow::Result<usize> {
    let mut reader = VariantReader::open(path)?;
    let mut n = 0;
    while reader.next_record()?.is_some() {
        n += 1;
    }
    Ok(n)
}

/// Every record read for its genotypes (personal's path: a BCF's GT arrays undecoded, then
/// every sample's call decoded); returns the records read.
fn drain_genotypes(path: &Path) -> anyhow::Result<usize> {
    use xpresso::personal::genotype::{visit_bcf_calls, visit_calls, Columns};
    use xpresso::variants::reader::Genotypes;
    let mut reader = VariantReader::open(path)?;
    reader.genotypes_only();
    let columns = Columns::new(&(0..reader.header.sample_names().len()).collect::<Vec<_>>());
    let mut n = 0;
    while let Some(r) = reader.next_record()? {
        let mut calls = 0;
        let count = |_, _| calls += 1;
        let decoded = match &r.genotypes {
            Genotypes::Text if !columns.is_empty() => visit_calls(&r.line, &columns, r.alts.len(), true, count),
            Genotypes::Bcf(Some(gt)) => visit_bcf_calls(gt, &columns, r.alts.len(), true, count),
            _ => Ok(()),
        };
        // personal names the record and file (`Sites::parse`)
        decoded.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        n += 1;
    }
    Ok(n)
}

#[test]
fn text_parsers_survive_mutation() {
    let n = cases();
    let gtf = seed_gtf();
    fuzz_library("a.gtf", &gtf, n, |p| {
        for level in [TssLevel::Gene, TssLevel::Transcript] {
            let r = GtfTssReader::open(p, GtfOptions { gene_types: vec!["protein_coding".into()], transcript_tags: vec!["basic".into()], ..GtfOptions::new(level) }, Default::default())
                .and_then(|it| it.collect::<anyhow::Result<Vec<_>>>());
            names_file(p, r);
        }
    });
    fuzz_library("a.gff3", &seed_gff3(), n, |p| {
        for level in [TssLevel::Gene, TssLevel::Transcript] {
            let options = GtfOptions { transcript_tags: vec!["Ensembl_canonical".into()], ..GtfOptions::new(level) };
            names_file(p, Gff3TssReader::open(p, options, Default::default()).and_then(|it| it.collect::<anyhow::Result<Vec<_>>>()));
        }
    });
    fuzz_library("e.gtf", &seed_exon_gtf(), n, |p| {
        for level in [TssLevel::Gene, TssLevel::Transcript] {
            names_file(p, GtfTssReader::open(p, GtfOptions::new(level), Default::default()).and_then(|it| it.collect::<anyhow::Result<Vec<_>>>()));
        }
    });
    fuzz_library("a.bed", &seed_bed(), n, |p| names_file(p, BedTssReader::open(p).and_then(|it| it.collect::<anyhow::Result<Vec<_>>>())));
    fuzz_library("f.tsv", &seed_features(), n, |p| names_file(p, FeatureTable::load(p)));
    fuzz_library("v.vcf", &seed_vcf(), n, |p| names_file(p, drain_vcf(p)));
    fuzz_library("g.vcf", &seed_vcf(), n, |p| names_file(p, drain_genotypes(p)));
    fuzz_library("cal.tsv", &seed_calibration(), n, |p| names_file(p, xpresso::precompute::calibration::Calibration::read(p).map(|c| c.percentile(0.01))));
    let (table, tbi, contigs) = seed_table();
    let check_table = |p: &Path| {
        std::fs::write(xpresso::output::suffixed(p, "tbi"), &tbi).unwrap();
        let expected = xpresso::precompute::lookup::Expected { model_sha256: "15a383648008df5f843ec8651e78be5faf82609c88fb068da890aa7a89387bb0", genome_contigs_sha256: &contigs, window: xpresso::precompute::WINDOW_RULE, features_sha256: "none" };
        let r = xpresso::precompute::lookup::Precomputed::open(p, &expected).and_then(|mut t| {
            let mut n = 0;
            for pos in [264_110, 264_140, 264_169, 1] {
                n += t.rows_at("chr2", pos)?.len();
            }
            Ok(n)
        });
        r
    };
    // the seed itself reads back: 3 rows per position of two TSSs' flanks
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("t.tsv.gz");
    std::fs::write(&seed, &table).unwrap();
    assert!(check_table(&seed).unwrap() >= 9);
    fuzz_library("t.tsv.gz", &table, n, |p| names_file(p, check_table(p)));
}

/// A precompute table (bgzip bytes) and its index, made by the binary on the chr2 piece.
fn seed_table() -> (Vec<u8>, Vec<u8>, String) {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("t.tsv.gz");
    let genome = shared().join("data/genome/chr2_1-2333275.fa.gz");
    let gtf = shared().join("data/annotation/hg38_gencode_genes_transcripts.gtf.gz");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xpresso"))
        .args(["precompute", "-q", "-g", &genome.to_string_lossy(), "--gtf", &gtf.to_string_lossy(), "--region", "chr2:264000-264200", "--flank", "30", "-o", &table.to_string_lossy()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(std::process::Command::new("zcat").arg(&table).output().unwrap().stdout).unwrap();
    let contigs = text.lines().find_map(|l| l.strip_prefix("##genome_contigs_sha256=")).unwrap().to_string();
    (std::fs::read(&table).unwrap(), std::fs::read(dir.path().join("t.tsv.gz.tbi")).unwrap(), contigs)
}

/// A small calibration table, as `precompute --calibration` writes it.
fn seed_calibration() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cal.tsv");
    let mut h = xpresso::precompute::calibration::Histogram::default();
    for i in 1..200 {
        h.add((i as f32 * 0.37).sin() * 1e-3 * i as f32);
    }
    h.write(&path, &["model_sha256=abc".to_string()]).unwrap();
    std::fs::read(&path).unwrap()
}

#[test]
fn binary_parsers_survive_mutation() {
    let n = cases();
    if let Some(bcf) = seed_bcf() {
        fuzz_library("v.bcf", &bcf, n, |p| names_file(p, drain_vcf(p)));
        fuzz_library("g.bcf", &bcf, n, |p| names_file(p, drain_genotypes(p)));
    } else {
        eprintln!("skipped BCF: no shared data at {}", shared().display());
    }
    let model = std::fs::read(human_model()).expect("the shared human model");
    fuzz_library("m.h5", &model, n.div_ceil(4), |p| names_file(p, Weights::from_h5(p)));
}

/// FASTA bytes mutated under a fixed, correct index (the index must catch every lie), and
/// the index mutated under a fixed FASTA.
#[test]
fn genome_and_its_indexes_survive_mutation() {
    genome_cache();
    let n = cases();
    let dir = tempfile::tempdir().unwrap();
    let fasta = seed_fasta();
    let fa = dir.path().join("g.fa");
    std::fs::write(&fa, &fasta).unwrap();
    Genome::open(&fa).unwrap();
    let fai = std::fs::read(dir.path().join("g.fa.fai")).unwrap();
    let read_all = |g: &Path| -> anyhow::Result<()> {
        let mut genome = Genome::open(g)?;
        let mut out = Vec::new();
        for id in 0..genome.contigs().len() {
            for start in [-500i64, 0, 7_777, 29_000] {
                genome.fetch_padded(id, start, start + 10_500, &mut out)?;
                assert_eq!(out.len(), 10_500);
            }
        }
        Ok(())
    };
    // -R/-T files (BED and CHROM POS END), against this genome
    let genome = Genome::open(&fa).unwrap();
    let regions = b"# chrom pos end\nchr1\t100\t200\n1\t5000\nchr1\t29000\t29999\n".to_vec();
    for name in ["r.txt", "r.bed"] {
        fuzz_library(name, &regions, n, |p| {
            let r = xpresso::pipeline::regions::Regions::read(p, &genome);
            if let Ok(r) = &r {
                assert!(r.bases() <= 1 << 50);
            }
            names_file(p, r);
        });
    }
    // --chrom-alias tables (UCSC chromAlias.txt)
    let aliases = b"# ucsc\tassembly\tgenbank\trefseq\nchr1\t1\tCM000663.2\tNC_000001.11\nchrM\tMT\tJ01415.2\tNC_012920.1\n".to_vec();
    fuzz_library("alias.txt", &aliases, n, |p| names_file(p, xpresso::genome::aliases::read_table(p)));
    let fai_copy = fai.clone();
    fuzz_library("g.fa", &fasta, n, |p| {
        std::fs::write(xpresso::output::suffixed(p, "fai"), &fai_copy).unwrap();
        let r = read_all(p);
        // a FASTA that still reads must give exactly the bases the index says are there
        if r.is_ok() {
            let mut genome = Genome::open(p).unwrap();
            let mut out = Vec::new();
            if genome.fetch_padded(0, 0, 30_000, &mut out).is_ok() {
                assert!(out.iter().all(|b| b.is_ascii_graphic() && *b != b'>'), "non-base bytes read as bases");
            }
        }
        names_file(p, r);
    });
    fuzz_library("g.fa.fai", &fai, n, |p| {
        let g = p.with_extension("");
        std::fs::write(&g, &fasta).unwrap();
        let r = read_all(&g);
        if r.is_ok() {
            // an index that passes every check reads the true bases
            let mut genome = Genome::open(&g).unwrap();
            let mut out = Vec::new();
            if let Some(id) = genome.resolve("chr1") {
                if genome.contig(id).len == 30_000 {
                    // it may still fail elsewhere (an error is fine); if it reads, it reads the truth
                    if genome.fetch_padded(id, 0, 30_000, &mut out).is_ok() {
                        assert_eq!(out, chrom(), "an index passed its checks but read other bases");
                    }
                }
            }
        }
        let _ = r;
    });
    // BGZF FASTA with its .gzi mutated
    let gz = dir.path().join("b.fa.gz");
    let mut w = noodles::bgzf::io::Writer::new(std::fs::File::create(&gz).unwrap());
    for chunk in fasta.chunks(9_000) {
        w.write_all(chunk).unwrap();
        w.flush().unwrap();
    }
    w.finish().unwrap();
    Genome::open(&gz).unwrap();
    let gzi = std::fs::read(dir.path().join("b.fa.gz.gzi")).unwrap();
    let gz_bytes = std::fs::read(&gz).unwrap();
    fuzz_library("b.fa.gz.gzi", &gzi, n, |p| {
        let g = p.with_extension("");
        std::fs::write(&g, &gz_bytes).unwrap();
        std::fs::copy(dir.path().join("b.fa.gz.fai"), xpresso::output::suffixed(&g, "fai")).unwrap();
        names_file(&g, read_all(&g));
    });
    fuzz_library("c.fa.gz", &gz_bytes, n, |p| {
        let _ = std::fs::remove_file(xpresso::output::suffixed(p, "gzi"));
        std::fs::copy(dir.path().join("b.fa.gz.fai"), xpresso::output::suffixed(p, "fai")).unwrap();
        names_file(p, read_all(p));
    });
}

/// Through the binary: exit 0, 1 or 3, never a panic or an abort, no temp file left.
#[test]
fn the_binary_survives_mutated_inputs() {
    let cache = genome_cache();
    let n = cases().div_ceil(6).max(2);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("g.fa"), seed_fasta()).unwrap();
    std::fs::write(root.join("a.gtf"), seed_gtf()).unwrap();
    std::fs::write(root.join("a.bed"), seed_bed()).unwrap();
    std::fs::write(root.join("f.tsv"), seed_features()).unwrap();
    std::fs::write(root.join("v.vcf"), seed_vcf()).unwrap();
    std::fs::write(root.join("c.vcf"), seed_cohort()).unwrap();
    std::fs::write(root.join("p.fa"), seed_stranded_fasta()).unwrap();
    let model = human_model().to_string_lossy().into_owned();
    let mut seeds: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        ("a.gtf", seed_gtf(), vec!["annotate", "--genome", "g.fa", "--gtf", "a.gtf", "--features", "f.tsv", "--bed", "o.bed"]),
        ("a.bed", seed_bed(), vec!["annotate", "--genome", "g.fa", "--tss-bed", "a.bed"]),
        ("f.tsv", seed_features(), vec!["annotate", "--genome", "g.fa", "--gtf", "a.gtf", "--features", "f.tsv"]),
        ("g.fa", seed_fasta(), vec!["annotate", "--genome", "g.fa", "--gtf", "a.gtf"]),
        ("v.vcf", seed_vcf(), vec!["score-variants", "--genome", "g.fa", "--gtf", "a.gtf", "--vcf", "v.vcf", "--tsv", "o2.tsv"]),
        ("c.vcf", seed_cohort(), vec!["personal", "--genome", "g.fa", "--gtf", "a.gtf", "--vcf", "c.vcf", "--unphased", "as-listed", "--long", "o2.tsv"]),
        ("p.fa", seed_stranded_fasta(), vec!["predict", "--fasta", "p.fa", "--strand-from-header"]),
    ];
    if let Some(bcf) = seed_bcf() {
        seeds.push(("v.bcf", bcf, vec!["score-variants", "--genome", "g.fa", "--gtf", "a.gtf", "--vcf", "v.bcf"]));
    }
    for (name, seed, args) in seeds {
        // the seed itself runs cleanly, so the mutations start from a working input
        std::fs::write(root.join(name), &seed).unwrap();
        // an index built from the last mutated genome would be stale for the restored one
        let _ = std::fs::remove_file(root.join("g.fa.fai"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_xpresso"))
            .args(&args)
            .args(["-q", "-m", &model, "-o", "o.tsv"])
            .current_dir(root)
            .env("XPRESSO_GENOME_CACHE", cache)
            .output()
            .unwrap();
        // (the BCF seed is the shared file cut at 60 kB, mid-record: an input error by design)
        assert!(out.status.success() || name == "v.bcf", "seed {name}: {}", String::from_utf8_lossy(&out.stderr));
        for o in ["o.tsv", "o.bed", "o2.tsv"] {
            let _ = std::fs::remove_file(root.join(o));
        }
        let mut runner = TestRunner::new(Config { cases: n, failure_persistence: None, ..Config::default() });
        runner
            .run(&edits(), |edits| {
                std::fs::write(root.join(name), mutate(&seed, &edits)).unwrap();
                let _ = std::fs::remove_file(root.join("g.fa.fai"));
                run_limited(root, &format!("{} -o o.tsv", args.join(" ")), cache, &format!("{name} {edits:?}"))?;
                for o in ["o.bed", "o2.tsv"] {
                    let _ = std::fs::remove_file(root.join(o));
                }
                Ok(())
            })
            .unwrap();
        std::fs::write(root.join(name), &seed).unwrap();
    }
}

/// GT values a careless or hostile cohort VCF holds: wide allele indices (past a byte, past
/// the ALT count), ploidy 3, phase mixes, missing in every spelling, non-numbers.
fn gt_token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0|1".to_string()),
        Just("0/1".to_string()),
        Just("1/0".to_string()),
        Just("1|1".to_string()),
        Just(".".to_string()),
        Just("./.".to_string()),
        Just(".|1".to_string()),
        Just("0/1/1".to_string()),
        Just("x|y".to_string()),
        Just("-1|0".to_string()),
        Just("|".to_string()),
        Just(String::new()),
        (0u64..70_000, 0u64..70_000, any::<bool>()).prop_map(|(a, b, p)| format!("{a}{}{b}", if p { '|' } else { '/' })),
        (250u64..300).prop_map(|a| a.to_string()),
    ]
}

/// The cohort seed with some GT cells replaced: (record, sample, token).
fn with_gts(seed: &[u8], changes: &[(usize, usize, String)]) -> Vec<u8> {
    let text = String::from_utf8_lossy(seed);
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let first = lines.iter().position(|l| !l.starts_with('#')).unwrap_or(lines.len());
    let n = lines.len() - first;
    for (r, s, token) in changes {
        if n == 0 {
            break;
        }
        let line = &mut lines[first + r % n];
        let mut fields: Vec<String> = line.split('\t').map(String::from).collect();
        let samples = fields.len().saturating_sub(9);
        if samples > 0 {
            let cell = &mut fields[9 + s % samples];
            let rest = cell.split_once(':').map(|(_, r)| format!(":{r}")).unwrap_or_default();
            *cell = format!("{token}{rest}");
        }
        *line = fields.join("\t");
    }
    lines.iter().flat_map(|l| [l.as_str(), "\n"]).collect::<String>().into_bytes()
}

/// Runs the binary under the fuzz limits; asserts the exit class, no panic, no output after
/// a failure and no temporary file. Returns the exit code and stdout.
fn run_limited(root: &Path, args: &str, cache: &Path, label: &str) -> Result<(i32, Vec<u8>), TestCaseError> {
    let model = human_model().to_string_lossy().into_owned();
    let cmd = format!("ulimit -v 2097152; exec '{}' {args} -q -t 2 -m '{model}'", env!("CARGO_BIN_EXE_xpresso"));
    let out = std::process::Command::new("bash").args(["-c", &cmd]).current_dir(root).env("XPRESSO_GENOME_CACHE", cache).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    prop_assert!(matches!(code, Some(0 | 3)), "{label}: malformed input is exit 3, never 1: {:?} {stderr}", out.status);
    prop_assert!(!stderr.contains("panicked"), "{label}: {stderr}");
    if code != Some(0) {
        prop_assert!(!root.join("o.tsv").exists(), "{label}: output after a failure");
    }
    let leftovers: Vec<PathBuf> = std::fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(".partial")).collect();
    prop_assert!(leftovers.is_empty(), "{leftovers:?}");
    let _ = std::fs::remove_file(root.join("o.tsv"));
    Ok((code.unwrap_or(-1), out.stdout))
}

/// `personal` on cohorts whose GT cells are rewritten (text VCF), and on the cohort as an
/// uncompressed BCF under byte mutations.
#[test]
fn personal_survives_mutated_genotypes() {
    let cache = genome_cache();
    let n = cases().div_ceil(6).max(2);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("g.fa"), seed_fasta()).unwrap();
    std::fs::write(root.join("a.gtf"), seed_gtf()).unwrap();
    let seed = seed_cohort();
    std::fs::write(root.join("c.vcf"), &seed).unwrap();
    let args = "personal --genome g.fa --gtf a.gtf --vcf c.vcf --haplotypes --long o2.tsv -o o.tsv";
    let mut runner = TestRunner::new(Config { cases: n, failure_persistence: None, ..Config::default() });
    runner
        .run(&prop::collection::vec((any::<usize>(), any::<usize>(), gt_token()), 1..5), |changes| {
            std::fs::write(root.join("c.vcf"), with_gts(&seed, &changes)).unwrap();
            for policy in ["skip", "error", "as-listed"] {
                run_limited(root, &format!("{args} --unphased {policy}"), cache, &format!("GT {changes:?} {policy}"))?;
            }
            Ok(())
        })
        .unwrap();
    // the cohort as BCF (bcftools writes it; uncompressed so mutations reach the records)
    std::fs::write(root.join("c.vcf"), &seed).unwrap();
    let made = std::process::Command::new("bcftools").args(["view", "--no-version", "-Ou", "-o", "c.bcf", "c.vcf"]).current_dir(root).status();
    assert!(made.is_ok_and(|s| s.success()), "bcftools is installed (.ci/run installs it)");
    let bcf = std::fs::read(root.join("c.bcf")).unwrap();
    let args = "personal --genome g.fa --gtf a.gtf --vcf c.bcf --unphased as-listed -o o.tsv";
    let (code, _) = run_limited(root, args, cache, "the BCF seed").unwrap();
    assert_eq!(code, 0, "the BCF seed runs cleanly");
    let mut runner = TestRunner::new(Config { cases: n, failure_persistence: None, ..Config::default() });
    runner
        .run(&edits(), |edits| {
            std::fs::write(root.join("c.bcf"), mutate(&bcf, &edits)).unwrap();
            run_limited(root, args, cache, &format!("BCF {edits:?}"))?;
            Ok(())
        })
        .unwrap();
}

/// The genome cache: a plain-gzip genome's BGZF copy, its stamp and its indexes mutated
/// between runs. Every run exits 0, 1 or 3, and one that exits 0 gives the first run's bytes
/// (a damaged copy is converted again or refused, never read as the genome).
#[test]
fn the_genome_cache_survives_mutation() {
    let n = cases().div_ceil(6).max(2);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let cache = root.join("cache");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&seed_fasta()).unwrap();
    std::fs::write(root.join("g.fa.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(root.join("a.gtf"), seed_gtf()).unwrap();
    let args = "annotate --genome g.fa.gz --gtf a.gtf -o -";
    let body = |b: &[u8]| String::from_utf8_lossy(b).lines().filter(|l| !l.starts_with("##")).collect::<Vec<_>>().join("\n");
    let (code, out) = run_limited(root, args, &cache, "the seed").unwrap();
    assert_eq!(code, 0, "the seed runs cleanly");
    let reference = body(&out);
    let pick = |suffix: &str| std::fs::read_dir(&cache).ok()?.map(|e| e.unwrap().path()).find(|p| p.to_string_lossy().ends_with(suffix));
    let mut runner = TestRunner::new(Config { cases: n, failure_persistence: None, ..Config::default() });
    runner
        .run(&(0usize..4, edits()), |(which, edits)| {
            let target = [".bgz", ".bgz.source", ".bgz.fai", ".bgz.gzi"][which];
            if let Some(path) = pick(target) {
                let bytes = std::fs::read(&path).unwrap();
                std::fs::write(&path, mutate(&bytes, &edits)).unwrap();
            }
            let (code, out) = run_limited(root, args, &cache, &format!("{target} {edits:?}"))?;
            if code == 0 {
                prop_assert_eq!(&body(&out), &reference, "{} {:?}: exit 0 with other predictions", target, edits);
            } else {
                // a refused copy is cleared by hand, as the message says, for the next case
                let _ = std::fs::remove_dir_all(&cache);
            }
            Ok(())
        })
        .unwrap();
}
