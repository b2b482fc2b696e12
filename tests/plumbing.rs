//! The plumbing bcftools users chain tools with (issue 22): run summaries as JSON for
//! MultiQC, run options before the subcommand, stdin VCFs, usage errors that show the
//! subcommand's usage, `models export`, the score-variants TSV in the genome's names.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{shared, xpresso};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example genome and GTF copied into `dir` (runs write indexes beside the genome).
fn example(dir: &Path) -> (String, String) {
    for f in ["hg38_chr22_example.fa.gz", "hg38_chr22_example.gtf.gz"] {
        std::fs::copy(repo().join("example").join(f), dir.join(f)).unwrap();
    }
    (dir.join("hg38_chr22_example.fa.gz").display().to_string(), dir.join("hg38_chr22_example.gtf.gz").display().to_string())
}

/// The example genome's bases (one sequence, chr22), for VCF records whose REF is the genome's.
fn example_sequence(genome: &str) -> Vec<u8> {
    Command::new("bash").arg("-c").arg(format!("zcat {genome} | tail -n +2 | tr -d '\\n'")).output().unwrap().stdout
}

/// An ALT for the REF base `r`.
fn alt_of(r: char) -> char {
    if r == 'A' { 'G' } else { 'A' }
}

fn number_after(line: &str, marker: &str) -> u64 {
    let before = &line[..line.find(marker).unwrap_or_else(|| panic!("{marker:?} in {line}"))];
    before.rsplit(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn stats_json_is_multiqc_custom_content_with_the_log_lines_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (genome, gtf) = example(dir.path());
    let stats = dir.path().join("genes_mqc.json");
    let tsv = dir.path().join("genes.tsv");
    let (status, _, stderr) = xpresso(&["annotate", "-g", &genome, "--gtf", &gtf, "-o", &tsv.display().to_string(), "--stats", &stats.display().to_string()]);
    assert!(status.success(), "{stderr}");
    let doc = read_json(&stats);
    // MultiQC custom content: id, section_name, plot_type, data keyed by row (the output's stem)
    assert_eq!(doc["id"], "xpresso_annotate");
    assert_eq!(doc["plot_type"], "table");
    let row = &doc["data"]["genes"];
    assert_eq!(row["tss_predicted"].as_u64().unwrap(), number_after(&stderr, " TSSs in"), "{stderr}");
    assert_eq!(row["warnings"], 0);
    assert!(row["seconds"].as_f64().unwrap() >= 0.0);
    assert!(doc["xpresso"]["command"].as_str().unwrap().contains("--stats"));

    // score-variants: every count of the summary line, and the warnings as printed
    let fa = dir.path().join("chr22.fa");
    let piece = common::read_piece(&shared().join("data/genome/GRCh37_22_20-21M.fa"));
    let mut body = vec![b'N'; 20_000_000];
    body.extend_from_slice(&piece);
    body.resize(51_304_566, b'N');
    let mut text = b">chr22\n".to_vec();
    for line in body.chunks(60) {
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    std::fs::write(&fa, text).unwrap();
    let gtf = shared().join("data/annotation/chr22.GRCh37.75.gtf.gz");
    let vcf = shared().join("data/variants/hapmap_exome_chr22.vcf.gz");
    let stats = dir.path().join("sv.json");
    let out = dir.path().join("scored.vcf.gz");
    let (status, _, stderr) = xpresso(&[
        "score-variants", "-g", &fa.display().to_string(), "--gtf", &gtf.display().to_string(), "--vcf", &vcf.display().to_string(),
        "-o", &out.display().to_string(), "--stats", &stats.display().to_string(),
    ]);
    assert!(status.success(), "{stderr}");
    let doc = read_json(&stats);
    let row = &doc["data"]["scored"];
    let line = stderr.lines().last().unwrap();
    assert_eq!(row["records_read"].as_u64().unwrap(), number_after(line, " records read"), "{line}");
    assert_eq!(row["records_written"].as_u64().unwrap(), number_after(line, " written"), "{line}");
    assert_eq!(row["records_scored"].as_u64().unwrap(), number_after(line, " scored"), "{line}");
    assert_eq!(row["allele_tss_pairs"].as_u64().unwrap(), number_after(line, " allele x TSS pairs"), "{line}");
    assert_eq!(row["outside_windows"].as_u64().unwrap(), number_after(line, " outside every TSS window"), "{line}");
    assert_eq!(row["tss_windows"].as_u64().unwrap(), number_after(line, " TSS windows"), "{line}");
    let warned: Vec<&str> = stderr.lines().filter_map(|l| l.strip_prefix("xpresso: warning: ")).collect();
    assert_eq!(doc["xpresso"]["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect::<Vec<_>>(), warned);
    assert_eq!(row["warnings"].as_u64().unwrap(), warned.len() as u64);
    assert_eq!(row["ref_mismatches"].as_u64().unwrap(), number_after(warned[0], " records have a REF"));

    // a failed run writes no stats (all outputs or none), and models/completions take none
    let bad = dir.path().join("bad.json");
    let (status, _, _) = xpresso(&["annotate", "-g", &genome, "--gtf", &vcf.display().to_string(), "-o", &dir.path().join("x.tsv").display().to_string(), "--stats", &bad.display().to_string()]);
    assert_eq!(status.code(), Some(3));
    assert!(!bad.exists());
    let (status, _, stderr) = xpresso(&["models", "list", "--stats", &bad.display().to_string()]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    // --stats must not overwrite an input
    let (status, _, stderr) = xpresso(&["annotate", "-g", &genome, "--gtf", &gtf.display().to_string(), "-o", "-", "--stats", &gtf.display().to_string()]);
    assert_eq!(status.code(), Some(2), "{stderr}");
}

#[test]
fn run_options_go_before_or_after_the_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let (genome, gtf) = example(dir.path());
    let (before, after) = (dir.path().join("before.tsv"), dir.path().join("after.tsv"));
    let (status, _, stderr) = xpresso(&["-t", "2", "-q", "annotate", "-g", &genome, "--gtf", &gtf, "-o", &before.display().to_string()]);
    assert!(status.success(), "{stderr}");
    assert!(stderr.is_empty(), "-q before the subcommand is quiet: {stderr}");
    let (status, _, stderr) = xpresso(&["annotate", "-g", &genome, "--gtf", &gtf, "-o", &after.display().to_string(), "-t", "2", "-q"]);
    assert!(status.success(), "{stderr}");
    let rows = |p: &Path| std::fs::read_to_string(p).unwrap().lines().filter(|l| !l.starts_with("##")).map(String::from).collect::<Vec<_>>();
    assert_eq!(rows(&before), rows(&after));
}

#[test]
fn a_usage_error_found_after_parsing_shows_the_subcommands_usage() {
    let dir = tempfile::tempdir().unwrap();
    let (genome, gtf) = example(dir.path());
    let (status, _, stderr) = xpresso(&["ism", "-g", &genome, "--gtf", &gtf]);
    assert_eq!(status.code(), Some(2));
    assert!(stderr.contains("name the genes to mutate"), "{stderr}");
    assert!(stderr.contains("Usage: xpresso ism "), "{stderr}");
    assert!(!stderr.contains("Usage: xpresso <COMMAND>"), "{stderr}");
}

#[test]
fn models_export_writes_the_published_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("human.h5");
    let (status, _, stderr) = xpresso(&["models", "export", "human", "-o", &out.display().to_string()]);
    assert!(status.success(), "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(common::human_model()).unwrap());
    let (status, _, stderr) = xpresso(&["models", "export", "rat", "-o", &out.display().to_string()]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("human, mouse"), "{stderr}");
}

/// `--vcf -` reads the VCF from stdin (plain or bgzip), exactly as from the file; a
/// truncated bgzip stream is an input error.
#[test]
fn score_variants_reads_a_vcf_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let (genome, gtf) = example(dir.path());
    let vcf = dir.path().join("v.vcf");
    // SNVs near SLC5A1's TSS (chr22:32,043,261) and RFPL2's (32,205,073), with the genome's REF
    let mut text = String::from("##fileformat=VCFv4.2\n##contig=<ID=chr22>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    let seq = example_sequence(&genome);
    // the example is the whole of chr22, N outside 32.0-32.3 Mb (example/README.md)
    for pos in [32_043_100usize, 32_043_250, 32_043_270, 32_205_000, 32_205_080] {
        let r = seq[pos - 1] as char;
        let alt = alt_of(r);
        text.push_str(&format!("chr22\t{pos}\t.\t{r}\t{alt}\t.\tPASS\t.\n"));
    }
    std::fs::write(&vcf, &text).unwrap();
    let run = |input: &str, stdin: Option<&Path>, out: &Path| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xpresso"));
        cmd.args(["score-variants", "-q", "-g", &genome, "--gtf", &gtf, "--vcf", input, "-o", "-", "--tsv", &out.display().to_string()]);
        cmd.stdin(stdin.map_or(Stdio::null(), |p| Stdio::from(std::fs::File::open(p).unwrap())));
        let o = cmd.output().unwrap();
        (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let body = |vcf_text: &str| vcf_text.lines().filter(|l| !l.starts_with("##")).map(String::from).collect::<Vec<_>>();
    let (code, from_file, stderr) = run(&vcf.display().to_string(), None, &dir.path().join("file.tsv"));
    assert_eq!(code, Some(0), "{stderr}");
    let (code, from_stdin, stderr) = run("-", Some(&vcf), &dir.path().join("stdin.tsv"));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(body(&from_file), body(&from_stdin));
    assert!(from_file.contains("XPRESSO="), "{from_file}");
    let tsv = |name: &str| body(&std::fs::read_to_string(dir.path().join(name)).unwrap());
    assert_eq!(tsv("stdin.tsv"), tsv("file.tsv"));
    // bgzip through stdin, and the same stream cut short
    let gz = dir.path().join("v.vcf.gz");
    assert!(Command::new("bgzip").arg("-k").arg(&vcf).status().unwrap().success());
    let (code, from_gz, stderr) = run("-", Some(&gz), &dir.path().join("gz.tsv"));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(body(&from_gz), body(&from_file));
    let bytes = std::fs::read(&gz).unwrap();
    let cut = dir.path().join("cut.vcf.gz");
    std::fs::write(&cut, &bytes[..bytes.len() - 28]).unwrap(); // no BGZF end-of-file block
    let (code, _, stderr) = run("-", Some(&cut), &dir.path().join("cut.tsv"));
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("truncated"), "{stderr}");
    assert!(!dir.path().join("cut.tsv").exists());
}

/// The score-variants TSV names chromosomes as the genome does (as annotate's TSV), even
/// when the VCF uses an alias, and its `#`-prefixed header lets tabix index it.
#[test]
fn score_variants_tsv_uses_the_genomes_names_and_tabix_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let (genome, gtf) = example(dir.path());
    let seq = example_sequence(&genome);
    let mut text = String::from("##fileformat=VCFv4.2\n##contig=<ID=22>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    for pos in [32_043_100usize, 32_043_250] {
        let r = seq[pos - 1] as char;
        text.push_str(&format!("22\t{pos}\t.\t{r}\t{}\t.\tPASS\t.\n", alt_of(r)));
    }
    let vcf = dir.path().join("alias.vcf");
    std::fs::write(&vcf, text).unwrap();
    let tsv = dir.path().join("scored.tsv");
    let (status, _, stderr) = xpresso(&["score-variants", "-q", "-g", &genome, "--gtf", &gtf, "--vcf", &vcf.display().to_string(), "-o", "/dev/null", "--tsv", &tsv.display().to_string()]);
    assert!(status.success(), "{stderr}");
    let rows: Vec<String> = std::fs::read_to_string(&tsv).unwrap().lines().filter(|l| !l.starts_with('#')).map(String::from).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.starts_with("chr22\t")), "{rows:?}");
    let gz = dir.path().join("scored.tsv.gz");
    let ok = Command::new("bash").arg("-c").arg(format!("bgzip -c {} > {} && tabix -s1 -b2 -e2 {} && tabix {} chr22:32043250-32043250 | wc -l", tsv.display(), gz.display(), gz.display(), gz.display())).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let n: usize = String::from_utf8_lossy(&ok.stdout).trim().parse().unwrap();
    assert_eq!(n, rows.iter().filter(|r| r.split('\t').nth(1) == Some("32043250")).count());
}

/// `--pass-only` leaves out records not PASS (as `bcftools view -f PASS,.`), and
/// `--min-abs-delta X` keeps the records with a pair at or above X (the TSV: those pairs):
/// both equal filtering the unfiltered outputs.
#[test]
fn score_variants_filters_on_filter_and_on_delta() {
    let dir = tempfile::tempdir().unwrap();
    let (genome, gtf) = example(dir.path());
    let seq = example_sequence(&genome);
    let mut text = String::from("##fileformat=VCFv4.2\n##contig=<ID=chr22>\n##FILTER=<ID=LowQual,Description=\"low\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    for (i, pos) in [32_043_100usize, 32_043_250, 32_043_270, 32_205_000, 32_205_080, 32_100_000].into_iter().enumerate() {
        let r = seq[pos - 1] as char;
        let filter = ["PASS", "LowQual", ".", "PASS", "LowQual", "PASS"][i];
        text.push_str(&format!("chr22\t{pos}\tv{i}\t{r}\t{}\t.\t{filter}\t.\n", alt_of(r)));
    }
    let vcf = dir.path().join("v.vcf");
    std::fs::write(&vcf, text).unwrap();
    let run = |extra: &[&str], name: &str| -> (Vec<String>, Vec<Vec<String>>) {
        let (out, tsv) = (dir.path().join(format!("{name}.vcf")), dir.path().join(format!("{name}.tsv")));
        let mut args = vec!["score-variants", "-q", "-g", &genome, "--gtf", &gtf, "--vcf", vcf.to_str().unwrap()];
        let (o, t) = (out.display().to_string(), tsv.display().to_string());
        args.extend(["-o", &o, "--tsv", &t]);
        args.extend(extra);
        let (status, _, stderr) = xpresso(&args);
        assert!(status.success(), "{stderr}");
        let records = std::fs::read_to_string(&out).unwrap().lines().filter(|l| !l.starts_with('#')).map(String::from).collect();
        let rows = std::fs::read_to_string(&tsv).unwrap().lines().filter(|l| !l.starts_with('#')).map(|l| l.split('\t').map(String::from).collect()).collect();
        (records, rows)
    };
    let (all, all_rows) = run(&[], "all");
    assert_eq!(all.len(), 6);
    let (pass, pass_rows) = run(&["--pass-only"], "pass");
    let kept: Vec<String> = all.iter().filter(|r| matches!(r.split('\t').nth(6), Some("PASS" | "."))).cloned().collect();
    assert_eq!(pass, kept);
    assert_eq!(pass.len(), 4);
    assert_eq!(pass_rows, all_rows.iter().filter(|r| ["v0", "v2", "v3", "v5"].contains(&r[2].as_str())).cloned().collect::<Vec<_>>());
    let (big, big_rows) = run(&["--min-abs-delta", "0.02"], "big");
    let large = |r: &Vec<String>| r[12].parse::<f32>().is_ok_and(|d| d.abs() >= 0.02);
    assert_eq!(big_rows, all_rows.iter().filter(|r| large(r)).cloned().collect::<Vec<_>>());
    let ids: std::collections::BTreeSet<&str> = big_rows.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(big, all.iter().filter(|r| ids.contains(r.split('\t').nth(2).unwrap())).cloned().collect::<Vec<_>>());
    assert!(!big.is_empty() && big.len() < all.len(), "{big:?}");
    let (status, _, _) = xpresso(&["score-variants", "-g", &genome, "--gtf", &gtf, "--vcf", vcf.to_str().unwrap(), "--min-abs-delta", "-1"]);
    assert_eq!(status.code(), Some(2));
}

/// `-O b|u|z|v` and `--write-index[=csi|tbi]` as bcftools: bcftools reads the BCF (the same
/// records and scores as the VCF output), finds records through the indexes, and counts
/// them from the index alone; a decimal in a Type=Integer field is truncated in the BCF (as
/// bcftools does); combinations no reader could use are usage errors.
#[test]
fn score_variants_writes_bcf_and_indexes_as_bcftools_does() {
    let dir = tempfile::tempdir().unwrap();
    let (genome, gtf) = example(dir.path());
    let seq = example_sequence(&genome);
    let mut text = String::from(
        "##fileformat=VCFv4.2\n##contig=<ID=chr22,length=50818468>\n##INFO=<ID=GC,Number=1,Type=Integer,Description=\"GC\">\n\
         ##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n\
         #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n",
    );
    for (i, pos) in [32_043_100usize, 32_043_250, 32_043_270, 32_100_000, 32_205_000, 32_205_080].into_iter().enumerate() {
        let r = seq[pos - 1] as char;
        text.push_str(&format!("chr22\t{pos}\tv{i}\t{r}\t{}\t50\tPASS\tGC=4{i}.5\tGT:DP\t0|1:1{i}\t1|1:7\n", alt_of(r)));
    }
    let vcf = dir.path().join("in.vcf");
    std::fs::write(&vcf, text).unwrap();
    let p = |name: &str| dir.path().join(name).display().to_string();
    let score = |extra: &[&str]| {
        let mut args = vec!["score-variants", "-q", "-g", &genome, "--gtf", &gtf, "--vcf", vcf.to_str().unwrap()];
        args.extend(extra);
        xpresso(&args)
    };
    for (extra, _) in [(vec!["-o", &p("s.bcf"), "--write-index"], ()), (vec!["-Ou", "-o", &p("u.bcf"), "--write-index=csi"], ()), (vec!["-o", &p("s.vcf.gz"), "--write-index=tbi"], ()), (vec!["-o", &p("c.vcf.gz"), "--write-index"], ()), (vec!["-Oz", "-o", &p("named.vcf")], ())] {
        let (status, _, stderr) = score(&extra);
        assert!(status.success(), "{extra:?}: {stderr}");
    }
    let bcftools = |args: &str| {
        let o = Command::new("bash").arg("-c").arg(format!("bcftools {args}")).current_dir(dir.path()).output().unwrap();
        assert!(o.status.success(), "bcftools {args}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let query = "query -f '%CHROM\\t%POS\\t%ID\\t%REF\\t%ALT\\t%INFO/GC\\t%INFO/XPRESSO\\t%INFO/XPRESSO_MAXABS[\\t%GT:%DP]\\n'";
    let from_vcf = bcftools(&format!("{query} s.vcf.gz"));
    assert_eq!(from_vcf.lines().count(), 6);
    assert!(from_vcf.lines().filter(|l| l.split('\t').nth(6) != Some(".")).count() >= 4, "scored: {from_vcf}");
    // the BCF: the same (GC=41.5 is read as 41 from the VCF, stored as 41 in the BCF)
    assert!(from_vcf.lines().all(|l| l.split('\t').nth(5).is_some_and(|gc| gc.len() == 2)), "{from_vcf}");
    assert_eq!(bcftools(&format!("{query} s.bcf")), from_vcf);
    assert_eq!(bcftools(&format!("{query} u.bcf")), from_vcf);
    assert_eq!(bcftools(&format!("{query} named.vcf")), from_vcf, "-Oz under a plain name is bgzip all the same");
    assert_eq!(bcftools("view -H named.vcf | wc -l").trim(), "6");
    for (file, ext) in [("s.bcf", "csi"), ("u.bcf", "csi"), ("s.vcf.gz", "tbi"), ("c.vcf.gz", "csi")] {
        assert!(dir.path().join(format!("{file}.{ext}")).exists(), "{file}.{ext}");
        // through the index: one region, and the counts from the index alone
        assert_eq!(bcftools(&format!("view -H -r chr22:32043250-32043270 {file} | cut -f3")), "v1\nv2\n", "{file}");
        assert_eq!(bcftools(&format!("index -n {file}")).trim(), "6", "{file}");
        assert!(bcftools(&format!("index -s {file}")).starts_with("chr22\t"), "{file}");
    }
    // what no reader could use
    for bad in [vec!["-Ov", "-o", &p("x.vcf.gz")], vec!["-o", &p("x.bcf.gz")], vec!["-o", "-", "--write-index"], vec!["-o", &p("x.vcf"), "--write-index"], vec!["-o", &p("x.bcf"), "--write-index=tbi"]] {
        let (status, _, stderr) = score(&bad);
        assert_eq!(status.code(), Some(2), "{bad:?}: {stderr}");
    }
    // unsorted input under --write-index: an error naming the records, nothing written
    let unsorted: String = std::fs::read_to_string(&vcf).unwrap().lines().rev().filter(|l| !l.starts_with('#')).chain(std::iter::empty()).map(|l| format!("{l}\n")).collect();
    let header: String = std::fs::read_to_string(&vcf).unwrap().lines().filter(|l| l.starts_with('#')).map(|l| format!("{l}\n")).collect();
    std::fs::write(&vcf, header + &unsorted).unwrap();
    let (status, _, stderr) = score(&["-o", &p("unsorted.vcf.gz"), "--write-index"]);
    assert_ne!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("sorted"), "{stderr}");
    assert!(!dir.path().join("unsorted.vcf.gz").exists() && !dir.path().join("unsorted.vcf.gz.csi").exists());
}

/// `-R` (through the index) and `-T` (streamed) keep exactly the records, and annotate the
/// TSSs, that lie in the intervals: a BED (0-based) or CHROM POS [END] (1-based, aliases
/// allowed); a bad line is an input error naming the file and line.
#[test]
fn regions_and_targets_files_select_as_bcftools_does() {
    let dir = tempfile::tempdir().unwrap();
    let (genome, gtf) = example(dir.path());
    let seq = example_sequence(&genome);
    let mut text = String::from("##fileformat=VCFv4.2\n##contig=<ID=chr22,length=50818468>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    let positions = [32_043_100usize, 32_043_250, 32_043_270, 32_100_000, 32_159_000, 32_205_000, 32_205_080];
    for (i, pos) in positions.into_iter().enumerate() {
        let r = seq[pos - 1] as char;
        text.push_str(&format!("chr22\t{pos}\tv{i}\t{r}\t{}\t.\tPASS\t.\n", alt_of(r)));
    }
    let plain = dir.path().join("v.vcf");
    std::fs::write(&plain, text).unwrap();
    assert!(Command::new("bgzip").arg("-k").arg(&plain).status().unwrap().success());
    assert!(Command::new("tabix").args(["-p", "vcf"]).arg(dir.path().join("v.vcf.gz")).status().unwrap().success());
    let vcf = dir.path().join("v.vcf.gz").display().to_string();
    // BED [32043249, 32043270) is 1-based 32,043,250-32,043,270; `22` is an alias of chr22
    std::fs::write(dir.path().join("r.bed"), "track name=x\nchr22\t32043249\t32043270\n22\t32204999\t32205000\n").unwrap();
    std::fs::write(dir.path().join("r.txt"), "# CHROM POS END\n22\t32043250\t32043270\nchr22\t32205000\n").unwrap();
    let ids = |extra: &[&str]| -> (Vec<String>, String) {
        let mut args = vec!["score-variants", "-g", &genome, "--gtf", &gtf, "--vcf", &vcf, "-o", "-"];
        args.extend(extra);
        let (status, stdout, stderr) = xpresso(&args);
        assert!(status.success(), "{extra:?}: {stderr}");
        (stdout.lines().filter(|l| !l.starts_with('#')).map(|l| l.split('\t').nth(2).unwrap().to_string()).collect(), stderr)
    };
    let bed = dir.path().join("r.bed").display().to_string();
    let txt = dir.path().join("r.txt").display().to_string();
    let (by_index, stderr) = ids(&["-R", &bed]);
    assert_eq!(by_index, ["v1", "v2", "v5"]);
    assert!(stderr.contains("visited through the index"), "{stderr}");
    assert_eq!(ids(&["-T", &bed]).0, by_index);
    assert_eq!(ids(&["-R", &txt]).0, by_index);
    assert_eq!(ids(&["-T", &txt]).0, by_index);
    // annotate: the TSSs in the intervals (SLC5A1 at 32,043,261; RFPL2 at 32,205,073 is not)
    let (status, stdout, stderr) = xpresso(&["annotate", "-q", "-g", &genome, "--gtf", &gtf, "-R", &txt, "-o", "-"]);
    assert!(status.success(), "{stderr}");
    let genes: Vec<&str> = stdout.lines().filter(|l| !l.starts_with('#')).skip(1).map(|l| l.split('\t').nth(1).unwrap()).collect();
    assert_eq!(genes, ["SLC5A1"]);
    // errors
    std::fs::write(dir.path().join("bad.txt"), "chr22\t100\nchr22\tx\n").unwrap();
    let (status, _, stderr) = xpresso(&["annotate", "-g", &genome, "--gtf", &gtf, "-R", &dir.path().join("bad.txt").display().to_string()]);
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("bad.txt line 2") && stderr.contains("'x'"), "{stderr}");
    let (status, _, stderr) = xpresso(&["annotate", "-g", &genome, "--gtf", &gtf, "-R", &txt, "--region", "chr22"]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    // a region on a chromosome the genome lacks lists the names it has
    let (status, _, stderr) = xpresso(&["annotate", "-g", &genome, "--gtf", &gtf, "--region", "chr7:1-100"]);
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("it has chr22"), "{stderr}");
}

/// `--chrom-alias` (UCSC's chromAlias.txt layout) lets a VCF and a region written with
/// RefSeq names find the genome's `chr22`.
#[test]
fn a_chrom_alias_file_maps_refseq_names() {
    let dir = tempfile::tempdir().unwrap();
    let (genome, gtf) = example(dir.path());
    let seq = example_sequence(&genome);
    let vcf = |chrom: &str| {
        let mut text = format!("##fileformat=VCFv4.2\n##contig=<ID={chrom}>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
        for pos in [32_043_100usize, 32_043_250] {
            let r = seq[pos - 1] as char;
            text.push_str(&format!("{chrom}\t{pos}\t.\t{r}\t{}\t.\tPASS\t.\n", alt_of(r)));
        }
        text
    };
    std::fs::write(dir.path().join("refseq.vcf"), vcf("NC_000022.11")).unwrap();
    std::fs::write(dir.path().join("ucsc.vcf"), vcf("chr22")).unwrap();
    let alias = dir.path().join("chromAlias.txt");
    std::fs::write(&alias, "# ucsc\tassembly\tgenbank\trefseq\nchr21\t21\tCM000683.2\tNC_000021.9\nchr22\t22\tCM000684.2\tNC_000022.11\n").unwrap();
    let alias_s = alias.display().to_string();
    let body = |name: &str, extra: &[&str]| {
        let v = dir.path().join(name).display().to_string();
        let mut args = vec!["score-variants", "-q", "-g", &genome, "--gtf", &gtf, "--vcf", &v, "-o", "-"];
        args.extend(extra);
        let (status, stdout, stderr) = xpresso(&args);
        assert!(status.success(), "{stderr}");
        stdout.lines().filter(|l| !l.starts_with('#')).map(|l| l.split_once('\t').unwrap().1.to_string()).collect::<Vec<_>>()
    };
    let ucsc = body("ucsc.vcf", &[]);
    assert!(ucsc.iter().all(|l| l.contains("XPRESSO=")), "{ucsc:?}");
    assert_eq!(body("refseq.vcf", &["--chrom-alias", &alias_s]), ucsc);
    // without the file the RefSeq name is unknown
    let v = dir.path().join("refseq.vcf").display().to_string();
    let (status, _, stderr) = xpresso(&["score-variants", "-q", "-g", &genome, "--gtf", &gtf, "--vcf", &v, "-o", "-"]);
    assert_eq!(status.code(), Some(3), "{stderr}");
    // a region by its GenBank name, the option given before the subcommand
    let (status, stdout, stderr) = xpresso(&["--chrom-alias", &alias_s, "annotate", "-q", "-g", &genome, "--gtf", &gtf, "--region", "CM000684.2:32,043,000-32,044,000", "-o", "-"]);
    assert!(status.success(), "{stderr}");
    assert!(stdout.contains("SLC5A1"), "{stdout}");
}

/// `-t N` deflates bgzip outputs on up to 8 threads (as bcftools' `--threads`): the files
/// are valid BGZF (bgzip -t, tabix and bcftools read them) and decompress to what one thread
/// writes; an output indexed while written (`--write-index`) keeps one writer and its index.
#[test]
fn threads_deflate_bgzip_outputs_to_the_same_bytes_uncompressed() {
    let dir = tempfile::tempdir().unwrap();
    let (genome, gtf) = example(dir.path());
    let seq = example_sequence(&genome);
    let mut text = String::from("##fileformat=VCFv4.2\n##contig=<ID=chr22,length=50818468>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    // many records, so the output spans several BGZF blocks
    for pos in (32_000_100usize..32_290_000).step_by(97) {
        let r = seq[pos - 1] as char;
        text.push_str(&format!("chr22\t{pos}\t.\t{r}\t{}\t.\tPASS\tDP={}\n", alt_of(r), pos % 50));
    }
    let vcf = dir.path().join("v.vcf");
    std::fs::write(&vcf, text).unwrap();
    let p = |name: &str| dir.path().join(name).display().to_string();
    let gunzip = |name: &str| Command::new("bgzip").args(["-dc", &p(name)]).output().unwrap().stdout;
    for t in ["1", "4"] {
        let (status, _, stderr) = xpresso(&["annotate", "-q", "-t", t, "-g", &genome, "--gtf", &gtf, "-o", &p(&format!("genes{t}.tsv.gz"))]);
        assert!(status.success(), "{stderr}");
        let (status, _, stderr) = xpresso(&[
            "score-variants", "-q", "-t", t, "-g", &genome, "--gtf", &gtf, "--vcf", &p("v.vcf"), "-o", &p(&format!("v{t}.vcf.gz")), "--tsv", &p(&format!("v{t}.tsv.gz")),
        ]);
        assert!(status.success(), "{stderr}");
        let (status, _, stderr) = xpresso(&["score-variants", "-q", "-t", t, "-g", &genome, "--gtf", &gtf, "--vcf", &p("v.vcf"), "-o", &p(&format!("i{t}.vcf.gz")), "--write-index"]);
        assert!(status.success(), "{stderr}");
    }
    for name in ["genes", "v", "i"] {
        let ext = if name == "genes" { "tsv.gz" } else { "vcf.gz" };
        let (one, four) = (format!("{name}1.{ext}"), format!("{name}4.{ext}"));
        assert!(Command::new("bgzip").args(["-t", &p(&four)]).status().unwrap().success(), "{four} is valid BGZF");
        let (a, b) = (gunzip(&one), gunzip(&four));
        // the command lines differ (-t), nothing else
        let strip = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap().lines().filter(|l| !l.to_lowercase().contains("command=")).map(String::from).collect::<Vec<_>>();
        let (a, b) = (strip(a), strip(b));
        assert!(a.len() > if name == "genes" { 10 } else { 2000 }, "{one}: {} lines", a.len());
        let first_difference = a.iter().zip(&b).position(|(x, y)| x != y);
        assert!(a.len() == b.len() && first_difference.is_none(), "{four} differs from {one}: {} vs {} lines, first at {first_difference:?}", b.len(), a.len());
    }
    assert!(gunzip("v4.vcf.gz").len() > 3 * 65_280, "several BGZF blocks of input");
    assert!(Command::new("tabix").args(["-p", "vcf", &p("v4.vcf.gz")]).status().unwrap().success());
    let region = Command::new("bcftools").args(["view", "-H", "-r", "chr22:32043000-32044000", &p("i4.vcf.gz")]).output().unwrap();
    assert!(region.status.success() && !region.stdout.is_empty(), "{}", String::from_utf8_lossy(&region.stderr));
}
