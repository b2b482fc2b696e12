//! `xpresso personal` against the plain recomputation: every sample haplotype's value equals
//! the model on the window cut from `bcftools consensus -s S -H 1|2` of the same genome and
//! VCF, the TSS mapped through its `--chain` file. On the shared real genotypes (10 GATK
//! drop-seq donors, GRCh37 chr22 20-21 Mb, unphased, and a phased copy) and on a generated
//! cohort with indels around TSSs on both strands.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use common::{bgzip_and_index, human_model, place_piece, random_bases, read_piece, shared, tsv_rows, window_of, write_fasta, xpresso};
use xpresso::model::{ModelInput, NativeModel, Predictor, Weights};

/// Maps 0-based `p` of the reference through a bcftools consensus chain (one chain per
/// chromosome); `None` inside a gap (a deleted base).
fn map_through_chain(chain: &str, chrom: &str, p: u64) -> Option<u64> {
    let mut lines = chain.lines();
    while let Some(header) = lines.next() {
        let h: Vec<&str> = header.split_whitespace().collect();
        if h.first() != Some(&"chain") {
            continue;
        }
        let (mut t, mut q): (u64, u64) = (h[5].parse().unwrap(), h[10].parse().unwrap());
        let mine = h[2] == chrom;
        for block in lines.by_ref() {
            let b: Vec<u64> = block.split_whitespace().map(|x| x.parse().unwrap()).collect();
            if b.is_empty() {
                break;
            }
            if mine && p >= t && p < t + b[0] {
                return Some(q + p - t);
            }
            if b.len() < 3 {
                break;
            }
            t += b[0] + b[1];
            q += b[0] + b[2];
        }
        if mine {
            return None;
        }
    }
    Some(p) // no chain for the chromosome: unchanged
}

/// The sequence of the one-record FASTA `path`.
fn consensus_sequence(path: &Path) -> Vec<u8> {
    read_piece(path)
}

/// Runs bcftools; panics with its stderr on failure.
fn bcftools(args: &[&str]) {
    let o = Command::new("bcftools").args(args).output().expect("bcftools is installed (.ci/run installs it)");
    assert!(o.status.success(), "bcftools {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// (gene_id, sample, haplotype) -> (prediction or NA, variants) from a `--long` table.
fn long_rows(text: &str) -> HashMap<(String, String, usize), (String, String)> {
    tsv_rows(text)[1..].iter().map(|r| ((r[0].clone(), r[2].clone(), r[3].parse().unwrap()), (r[4].clone(), r[5].clone()))).collect()
}

/// Checks every value of `long` for `samples` against bcftools consensus windows; returns
/// how many sample-haplotype x TSS values were compared and how many carried variants.
fn check_against_consensus(dir: &Path, genome: &Path, vcf: &Path, chrom: &str, tsss: &[(String, u64, bool)], samples: &[&str], long: &str) -> (usize, usize) {
    let model = NativeModel::new(Weights::from_h5(&human_model()).unwrap());
    let rows = long_rows(long);
    let (mut checked, mut with_variants) = (0, 0);
    for sample in samples {
        for h in [1usize, 2] {
            let (fa, chain) = (dir.join(format!("{sample}.{h}.fa")), dir.join(format!("{sample}.{h}.chain")));
            let out = std::fs::File::create(&fa).unwrap();
            let o = Command::new("bcftools")
                .args(["consensus", "-s", sample, "-H", &h.to_string(), "-c", &chain.to_string_lossy(), "-f", &genome.to_string_lossy(), &vcf.to_string_lossy()])
                .stdout(out)
                .output()
                .expect("bcftools");
            assert!(o.status.success(), "bcftools consensus: {}", String::from_utf8_lossy(&o.stderr));
            let seq = consensus_sequence(&fa);
            let chain = std::fs::read_to_string(&chain).unwrap();
            let mut windows = Vec::new();
            let mut got = Vec::new();
            for (gene, tss, minus) in tsss {
                let Some(q) = map_through_chain(&chain, chrom, *tss) else { continue }; // TSS base deleted
                let (value, variants) = &rows[&(gene.clone(), sample.to_string(), h)];
                windows.push(window_of(&seq, q as i64, *minus));
                got.push((gene.clone(), value.parse::<f32>().unwrap_or_else(|_| panic!("{gene} {sample}:{h} = {value}")), variants.clone()));
            }
            let inputs: Vec<ModelInput> = windows.iter().map(|w| ModelInput { seq: w, features: [0.0; 6] }).collect();
            let mut want = vec![0f32; inputs.len()];
            model.predict_batch(&inputs, &mut want);
            for ((gene, value, variants), w) in got.iter().zip(&want) {
                assert!((value - w).abs() < 2e-5, "{gene} {sample}:{h}: personal {value} vs consensus window {w} ({variants})");
                checked += 1;
                with_variants += usize::from(variants != ".");
            }
        }
    }
    (checked, with_variants)
}

/// (gene_id, 0-based TSS, minus) of the `gene` lines of a GTF on `chrom` between `lo` and `hi`.
fn gtf_tsss(text: &str, chrom: &str, lo: u64, hi: u64) -> Vec<(String, u64, bool)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|f| f[0] == chrom && f[2] == "gene")
        .map(|f| {
            let minus = f[6] == "-";
            let tss: u64 = if minus { f[4].parse::<u64>().unwrap() - 1 } else { f[3].parse::<u64>().unwrap() - 1 };
            (f[8].split('"').nth(1).unwrap().to_string(), tss, minus)
        })
        .filter(|(_, t, _)| (lo..hi).contains(t))
        .collect()
}

/// The real unphased drop-seq genotypes (GATK, 10 donors) on the GRCh37 piece, named `22`
/// as the VCF: with `--unphased as-listed` every value equals bcftools consensus -H 1|2 of
/// the same donor; a phased copy of the VCF gives the same values with the default policy;
/// the default policy on the unphased file marks NA exactly where a donor has two or more
/// unphased heterozygous sites in the window, and nothing else changes.
#[test]
fn real_donors_equal_bcftools_consensus() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let piece = read_piece(&shared().join("data/genome/GRCh37_22_20-21M.fa"));
    let fa = d.join("22.fa.gz");
    place_piece(&fa, "22", 51_304_566, 20_000_000, &piece);
    let gtf = shared().join("data/annotation/chr22.GRCh37.75.gtf.gz");
    let vcf = shared().join("data/variants/dropseq_10donors_22_20-21M.b37.vcf.gz");
    let model = human_model().to_string_lossy().into_owned();
    let run = |vcf: &Path, extra: &[&str], name: &str| -> (String, String, String) {
        let (m, l) = (d.join(format!("{name}.tsv")), d.join(format!("{name}.long.tsv")));
        let (status, _, stderr) = xpresso(&[
            &["personal", "-m", &model, "-g", &fa.to_string_lossy(), "--gtf", &gtf.to_string_lossy(), "--vcf", &vcf.to_string_lossy()][..],
            &["--region", "22:20,000,001-21,000,000", "-o", &m.to_string_lossy(), "--long", &l.to_string_lossy()],
            extra,
        ]
        .concat());
        assert!(status.success(), "{stderr}");
        (std::fs::read_to_string(m).unwrap(), std::fs::read_to_string(l).unwrap(), stderr)
    };
    let (matrix, long, stderr) = run(&vcf, &["--unphased", "as-listed"], "listed");
    assert!(stderr.contains("TSSs x 10 samples"), "{stderr}");
    let text = {
        use std::io::Read;
        let mut t = String::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(&gtf).unwrap()).read_to_string(&mut t).unwrap();
        t
    };
    let tsss = gtf_tsss(&text, "22", 20_000_000, 21_000_000);
    assert_eq!(tsv_rows(&matrix).len() - 1, tsss.len());
    let samples = ["HUES72_P20_150119", "CHB8_P26_140723", "Mel4_P37_150119"];
    let (checked, with_variants) = check_against_consensus(d, &fa, &vcf, "22", &tsss, &samples, &long);
    assert!(checked >= 300 && with_variants >= 100, "{checked} values checked, {with_variants} with variants");
    // a phased copy: the same values under the default policy
    let vcf_text = {
        use std::io::Read;
        let mut t = String::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(&vcf).unwrap()).read_to_string(&mut t).unwrap();
        t
    };
    let phased: String = vcf_text
        .lines()
        .map(|l| if l.starts_with('#') { l.to_string() } else { l.replace("/", "|") })
        .flat_map(|l| [l, "\n".to_string()])
        .collect();
    std::fs::write(d.join("phased.vcf"), phased).unwrap();
    let phased_gz = d.join("phased.vcf.gz");
    // bcftools, not noodles: noodles' header parser refuses GATK's duplicate command lines
    bcftools(&["view", "--no-version", "-Oz", "-o", &phased_gz.to_string_lossy(), &d.join("phased.vcf").to_string_lossy()]);
    bcftools(&["index", "-t", &phased_gz.to_string_lossy()]);
    let (phased_matrix, phased_long, stderr) = run(&phased_gz, &[], "phased");
    assert!(!stderr.contains("unphased"), "{stderr}");
    let body = |t: &str| t.lines().filter(|l| !l.starts_with("##")).map(String::from).collect::<Vec<_>>();
    assert_eq!(body(&phased_matrix), body(&matrix));
    assert_eq!(body(&phased_long), body(&long));
    // the default on unphased genotypes: NA where the phase matters, the same values elsewhere
    let (skip_matrix, _, stderr) = run(&vcf, &[], "skip");
    assert!(stderr.contains("values are NA: an unphased heterozygous site and a second heterozygous site"), "{stderr}");
    let (a, b) = (tsv_rows(&matrix), tsv_rows(&skip_matrix));
    let mut na = 0;
    for (x, y) in a.iter().zip(&b).skip(1) {
        // `distinct` counts only the haplotypes with a value
        assert!(y[6].parse::<usize>().unwrap() <= x[6].parse::<usize>().unwrap());
        for (c, (u, v)) in x.iter().zip(y).enumerate().filter(|(c, _)| *c != 6) {
            if v == "NA" {
                assert!(c > 6, "only sample columns can be NA");
                na += 1;
            } else {
                assert_eq!(u, v);
            }
        }
    }
    assert!(na > 0);
}

/// A generated genome with genes on both strands, and a phased cohort of SNVs, insertions
/// and deletions around their TSSs (upstream, downstream, near the window ends), multi-allelic
/// sites, a missing call, an overlapping deletion pair and a `*` allele: every value equals
/// bcftools consensus, identical haplotypes are predicted once, and `--haplotypes` columns
/// agree with the long table.
#[test]
fn generated_cohort_with_indels_on_both_strands_equals_bcftools_consensus() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let chr = random_bases(60_000, 77);
    let fa = d.join("g.fa");
    write_fasta(&fa, &[("chr7", &chr)], 60);
    let gtf = "chr7\tt\tgene\t20001\t21000\t.\t+\t.\tgene_id \"GP\"; gene_name \"PLUS\";\nchr7\tt\tgene\t30001\t34000\t.\t-\t.\tgene_id \"GM\"; gene_name \"MINUS\";\n";
    std::fs::write(d.join("g.gtf"), gtf).unwrap();
    // records: (1-based POS, ALT list, genotypes of S1..S4)
    let base = |p: usize| chr[p - 1] as char;
    let other = |p: usize| match base(p) { 'A' => 'C', 'C' => 'G', 'G' => 'T', _ => 'A' };
    let mut records: Vec<(usize, String, String, [&str; 4])> = Vec::new();
    let snv = |p: usize| (p, base(p).to_string(), other(p).to_string());
    let del = |p: usize, n: usize| (p, String::from_utf8(chr[p - 1..p + n].to_vec()).unwrap(), base(p).to_string());
    let ins = |p: usize, s: &str| (p, base(p).to_string(), format!("{}{s}", base(p)));
    for (v, gts) in [
        (snv(13_100), ["0|1", "1|1", "0|0", "1|0"]),   // far upstream of GP
        (del(14_000, 7), ["1|0", "0|0", "0|1", "0|0"]), // upstream deletion: pulls bases in
        (ins(19_990, "GATTACA"), ["0|1", "0|1", "0|0", "1|1"]),
        (snv(20_001), ["1|0", "0|0", "0|1", ".|1"]),   // the TSS base of GP
        (del(22_000, 3), ["0|0", "1|1", "0|1", "0|0"]),
        (del(22_001, 2), ["0|0", "1|0", "0|0", "0|0"]), // overlaps the deletion before: skipped
        (snv(23_400), ["0|1", "0|0", "1|0", "0|0"]),   // near GP's window end
        (ins(30_500, "TT"), ["1|1", "0|1", "0|0", "0|0"]), // downstream of GM (minus strand)
        (del(33_900, 20), ["0|1", "1|0", "0|0", "0|0"]), // just downstream of GM's TSS (minus strand: lower)
        (snv(34_100), ["1|0", "0|0", "1|1", "0|0"]),   // upstream of GM
        (del(40_500, 5), ["0|1", "0|0", "0|0", "1|0"]), // upstream end of GM's window
    ] {
        records.push((v.0, v.1, v.2, gts));
    }
    let mut vcf = String::from("##fileformat=VCFv4.2\n##contig=<ID=chr7,length=60000>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\tS3\tS4\n");
    for (pos, r, a, gts) in &records {
        vcf.push_str(&format!("chr7\t{pos}\t.\t{r}\t{a}\t50\tPASS\t.\tGT\t{}\n", gts.join("\t")));
    }
    // a multi-allelic site with a `*` allele (kept as reference)
    let p = 25_000;
    vcf.push_str(&format!("chr7\t{p}\t.\t{}\t{},*\t50\tPASS\t.\tGT\t2|1\t0|2\t1|1\t0|0\n", base(p), other(p)));
    let mut lines: Vec<&str> = vcf.lines().collect();
    let header = lines.iter().take_while(|l| l.starts_with('#')).count();
    lines[header..].sort_by_key(|l| l.split('\t').nth(1).unwrap().parse::<u64>().unwrap());
    std::fs::write(d.join("c.vcf"), lines.join("\n") + "\n").unwrap();
    let gz = d.join("c.vcf.gz");
    bgzip_and_index(&d.join("c.vcf").to_string_lossy(), &gz);
    let model = human_model().to_string_lossy().into_owned();
    let (m, l) = (d.join("m.tsv"), d.join("l.tsv"));
    let (status, _, stderr) = xpresso(&[
        "personal", "-m", &model, "-g", &fa.to_string_lossy(), "--gtf", &d.join("g.gtf").to_string_lossy(), "--vcf", &gz.to_string_lossy(),
        "-o", &m.to_string_lossy(), "--long", &l.to_string_lossy(), "--haplotypes",
    ]);
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("overlap an allele already applied") && stderr.contains("kept as reference"), "{stderr}");
    let long = std::fs::read_to_string(&l).unwrap();
    // samtools-style index for bcftools consensus: the .fai xpresso wrote
    let tsss = vec![("GP".to_string(), 20_000u64, false), ("GM".to_string(), 33_999u64, true)];
    let (checked, with_variants) = check_against_consensus(d, &fa, &gz, "chr7", &tsss, &["S1", "S2", "S3", "S4"], &long);
    assert_eq!(checked, 16);
    assert!(with_variants >= 12, "{with_variants}");
    // the matrix: one column per haplotype, the same values; distinct windows counted once
    let matrix = tsv_rows(&std::fs::read_to_string(&m).unwrap());
    assert_eq!(matrix[0][7..], ["S1:1", "S1:2", "S2:1", "S2:2", "S3:1", "S3:2", "S4:1", "S4:2"]);
    let rows = long_rows(&long);
    for r in &matrix[1..] {
        let mut values = std::collections::HashSet::new();
        for (c, name) in matrix[0].iter().enumerate().skip(7) {
            let (s, h) = name.split_once(':').unwrap();
            assert_eq!(rows[&(r[0].clone(), s.to_string(), h.parse().unwrap())].0, r[c]);
            values.insert(r[c].clone());
        }
        assert_eq!(r[6].parse::<usize>().unwrap(), values.len(), "{r:?}: distinct haplotype windows");
    }
    // unsorted and unindexed: refused with the reason
    let mut shuffled = lines.clone();
    shuffled.swap(header, header + 3);
    std::fs::write(d.join("u.vcf"), shuffled.join("\n") + "\n").unwrap();
    let (status, _, stderr) = xpresso(&["personal", "-q", "-m", &model, "-g", &fa.to_string_lossy(), "--gtf", &d.join("g.gtf").to_string_lossy(), "--vcf", &d.join("u.vcf").to_string_lossy(), "-o", &d.join("u.tsv").to_string_lossy()]);
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("not in genome order"), "{stderr}");
    assert!(!d.join("u.tsv").exists());
}

/// `--shard K/N` splits the TSSs (genome order) into blocks: the shards' matrices and long
/// tables concatenated (only shard 1 has the header) equal one run; `--samples` picks and
/// orders columns, and a sample not in the VCF is an input error.
#[test]
fn shards_join_to_one_run_and_samples_pick_columns() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let piece = read_piece(&shared().join("data/genome/GRCh37_22_20-21M.fa"));
    let fa = d.join("22.fa.gz");
    place_piece(&fa, "22", 51_304_566, 20_000_000, &piece);
    let gtf = shared().join("data/annotation/chr22.GRCh37.75.gtf.gz").to_string_lossy().into_owned();
    let vcf = shared().join("data/variants/dropseq_10donors_22_20-21M.b37.vcf.gz").to_string_lossy().into_owned();
    let model = human_model().to_string_lossy().into_owned();
    let fa = fa.to_string_lossy().into_owned();
    let run = |extra: &[&str]| -> (String, String) {
        let (m, l) = (d.join("m.tsv"), d.join("l.tsv"));
        let (status, _, stderr) = xpresso(&[
            &["personal", "-q", "-m", &model, "-g", &fa, "--gtf", &gtf, "--vcf", &vcf, "--region", "22:20,000,001-21,000,000", "-o", &m.to_string_lossy(), "--long", &l.to_string_lossy()][..],
            extra,
        ]
        .concat());
        assert!(status.success(), "{stderr}");
        (std::fs::read_to_string(m).unwrap(), std::fs::read_to_string(l).unwrap())
    };
    let body = |t: &str| t.lines().filter(|l| !l.starts_with("##")).map(String::from).collect::<Vec<_>>();
    let (one_m, one_l) = run(&[]);
    for n in [2, 3] {
        let (mut m, mut l) = (String::new(), String::new());
        for k in 1..=n {
            let (pm, pl) = run(&["--shard", &format!("{k}/{n}")]);
            assert_eq!(pm.starts_with("##"), k == 1, "only shard 1 writes the header");
            m.push_str(&pm);
            l.push_str(&pl);
        }
        assert_eq!(body(&m), body(&one_m), "{n} shards");
        assert_eq!(body(&l), body(&one_l), "{n} shards' long tables");
    }
    let (picked, _) = run(&["--samples", "Mel4_P37_150119,CHB8_P26_140723"]);
    let (all, picked) = (tsv_rows(&one_m), tsv_rows(&picked));
    assert_eq!(picked[0][7..], ["Mel4_P37_150119", "CHB8_P26_140723"]);
    let col = |name: &str| all[0].iter().position(|c| c == name).unwrap();
    for (a, p) in all.iter().zip(&picked).skip(1) {
        assert_eq!((&p[7], &p[8]), (&a[col("Mel4_P37_150119")], &a[col("CHB8_P26_140723")]));
    }
    let (status, _, stderr) = xpresso(&["personal", "-q", "-m", &model, "-g", &fa, "--gtf", &gtf, "--vcf", &vcf, "--samples", "NOBODY", "-o", &d.join("x.tsv").to_string_lossy()]);
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("sample NOBODY is not in VCF"), "{stderr}");
}
