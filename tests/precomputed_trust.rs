//! `score-variants --precomputed` never uses a row made from other inputs, and gives the
//! bytes computing gives in every combination of options: each row's `check` covers the
//! model, the genome's sequence in its window and its features (a hard-masked genome, a
//! features file of the same name with other values, shards of two models joined by `cat`
//! are refused); rows that lie about their own values (a delta that is not alt - ref, two
//! rows for one SNV that disagree, NaN) and damaged tables (a corrupt block, bytes that are
//! not text, an index of another table) are exit 3 naming the table.

mod common;

use std::path::Path;
use std::process::Command;

use common::chr2::{genome, gtf, gunzip, piece};
use common::{mouse_model, strip_commands, xpresso};

/// bgzip + tabix a table text into `path`.
fn write_table(path: &str, text: &str) {
    let plain = path.strip_suffix(".gz").unwrap();
    std::fs::write(plain, text).unwrap();
    for (cmd, args) in [("bgzip", vec!["-f", plain]), ("tabix", vec!["-f", "-s1", "-b2", "-e2", path])] {
        assert!(Command::new(cmd).args(&args).status().unwrap().success(), "{cmd}");
    }
}

struct Setup {
    dir: tempfile::TempDir,
    table: String,
    vcf: String,
}

impl Setup {
    fn p(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    /// score-variants with `extra`, its VCF to `out` (stdout when "-").
    fn score(&self, genome: &str, extra: &[&str], out: &str) -> (Option<i32>, String, String) {
        let gtf = gtf();
        let mut args = vec!["score-variants", "-q", "-g", genome, "--gtf", &gtf, "--vcf", &self.vcf, "-o", out];
        args.extend_from_slice(extra);
        let (status, stdout, stderr) = xpresso(&args);
        (status.code(), stdout, stderr)
    }

    /// The run is refused: exit 3, the table and `why` named, nothing written.
    fn refused(&self, genome: &str, table: &str, extra: &[&str], why: &str) {
        let out = self.p("refused.vcf");
        let (code, _, stderr) = self.score(genome, &[&["--precomputed", table][..], extra].concat(), &out);
        assert_eq!(code, Some(3), "{table}: {stderr}");
        assert!(stderr.contains(table) && stderr.contains(why), "{table}: expected '{why}' in: {stderr}");
        assert!(!stderr.contains("Some(") && !stderr.contains("panicked"), "{stderr}");
        assert!(!Path::new(&out).exists());
    }
}

/// A table of the 4 TSSs of chr2:200-300 kb (+-500 bp) and a VCF of SNVs in it.
fn setup(extra: &[&str]) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("t.tsv.gz").to_string_lossy().into_owned();
    let (genome, gtf) = (genome(), gtf());
    let mut args = vec!["precompute", "-q", "-g", &genome, "--gtf", &gtf, "--region", "chr2:200000-300000", "--flank", "500", "-o", &table];
    args.extend_from_slice(extra);
    let (status, _, stderr) = xpresso(&args);
    assert!(status.success(), "{stderr}");
    let piece = piece();
    let records: Vec<String> = (264_000..264_200usize)
        .step_by(7)
        .chain([266_186, 270_000, 286_400, 288_840])
        .map(|pos| {
            let b = piece[pos - 1] as char;
            format!("chr2\t{pos}\t.\t{b}\t{}\t.\t.\t.", if b == 'A' { "G" } else { "A" })
        })
        .collect();
    let vcf = dir.path().join("v.vcf").to_string_lossy().into_owned();
    std::fs::write(&vcf, format!("##fileformat=VCFv4.2\n##contig=<ID=chr2,length=2333275>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n{}\n", records.join("\n"))).unwrap();
    Setup { dir, table, vcf }
}

/// With a calibration table, --min-abs-delta, and every output type, reading the table gives
/// the bytes computing gives (the percentile of a delta is taken from its printed value on
/// both paths).
#[test]
fn precomputed_equals_computing_with_every_output_option() {
    let s = setup(&[]);
    let cal = s.p("cal.tsv.gz");
    let (genome, gtf) = (genome(), gtf());
    let (status, _, stderr) = xpresso(&["precompute", "-q", "-g", &genome, "--gtf", &gtf, "--region", "chr2:200000-300000", "--flank", "500", "-o", &s.p("t2.tsv.gz"), "--calibration", &cal]);
    assert!(status.success(), "{stderr}");
    let options: [&[&str]; 4] = [&["--calibration", &cal], &["--calibration", &cal, "--min-abs-delta", "0.001"], &["--min-abs-delta", "0.0005"], &["--calibration", &cal, "-O", "z"]];
    for (k, extra) in options.iter().enumerate() {
        let (a, b) = (s.p(&format!("a{k}.vcf.gz")), s.p(&format!("b{k}.vcf.gz")));
        let (ta, tb) = (s.p(&format!("a{k}.tsv")), s.p(&format!("b{k}.tsv")));
        let (code, _, stderr) = s.score(&genome, &[&["--tsv", &ta][..], extra].concat(), &a);
        assert_eq!(code, Some(0), "{stderr}");
        let (code, _, stderr) = s.score(&genome, &[&["--tsv", &tb, "--precomputed", &s.table][..], extra].concat(), &b);
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(strip_commands(&gunzip(&a)), strip_commands(&gunzip(&b)), "{extra:?}: VCF");
        let (ta, tb) = (std::fs::read_to_string(&ta).unwrap(), std::fs::read_to_string(&tb).unwrap());
        assert!(ta.lines().filter(|l| !l.starts_with('#')).count() > 5, "{extra:?}: {ta}");
        assert_eq!(strip_commands(&ta), strip_commands(&tb), "{extra:?}: TSV");
    }
    // the calibration table written bgzip reads back
    assert!(std::fs::read(&cal).unwrap().starts_with(&[0x1f, 0x8b]));
}

/// Each row's check covers the window's sequence, the features and the model.
#[test]
fn rows_made_from_other_inputs_are_refused() {
    let s = setup(&[]);
    let piece = piece();
    // the same assembly with 500 bp inside a window hard-masked to N (same names, lengths)
    let mut masked = piece.clone();
    masked[263_800..264_300].fill(b'N');
    let masked_fa = s.p("masked.fa");
    common::write_fasta(Path::new(&masked_fa), &[("chr2", &masked)], 60);
    s.refused(&masked_fa, &s.table, &[], "other inputs than this run");
    // ... while the unmasked copy of the same sequence is fine
    let plain_fa = s.p("plain.fa");
    common::write_fasta(Path::new(&plain_fa), &[("chr2", &piece)], 70);
    let (code, _, stderr) = s.score(&plain_fa, &["--precomputed", &s.table], &s.p("plain.vcf"));
    assert_eq!(code, Some(0), "{stderr}");

    // a features table of the same name with other values; the same file named ./ is the same
    let features = |values: &str| format!("gene_id\tf1\tf2\tf3\tf4\tf5\tf6\nACP1\t{values}\nSH3YL1\t0\t0\t0\t0\t0\t0\n");
    std::fs::write(s.p("features.tsv"), features("0.5\t0\t0\t0\t0\t0")).unwrap();
    let with = s.p("tf.tsv.gz");
    let (genome, gtf) = (genome(), gtf());
    let (status, _, stderr) = Command::new(env!("CARGO_BIN_EXE_xpresso"))
        .args(["precompute", "-q", "-g", &genome, "--gtf", &gtf, "--region", "chr2:200000-300000", "--flank", "500", "--features", "features.tsv", "-o", &with])
        .current_dir(s.dir.path())
        .output()
        .map(|o| (o.status, String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned()))
        .unwrap();
    assert!(status.success(), "{stderr}");
    let run_here = |features: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_xpresso"))
            .args(["score-variants", "-q", "-g", &genome, "--gtf", &gtf, "--vcf", &s.vcf, "-o", "-", "--features", features, "--precomputed", &with])
            .current_dir(s.dir.path())
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, stderr) = run_here("./features.tsv");
    assert_eq!(code, Some(0), "the same file by another spelling: {stderr}");
    std::fs::write(s.p("features.tsv"), features("0.75\t0\t0\t0\t0\t0")).unwrap();
    let (code, stderr) = run_here("features.tsv");
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("other half-life features") && stderr.contains("tf.tsv.gz"), "{stderr}");

    // shards of two models joined by cat: the mouse shard's rows are refused where they are read
    let mouse = mouse_model().to_string_lossy().into_owned();
    let (one, two) = (s.p("s1.tsv.gz"), s.p("s2.tsv.gz"));
    for (k, out, model) in [(1, &one, None), (2, &two, Some(mouse.as_str()))] {
        let shard = format!("{k}/2");
        let mut args = vec!["precompute", "-q", "-g", &genome, "--gtf", &gtf, "--region", "chr2:200000-300000", "--flank", "500", "--shard", &shard, "-o", out];
        if let Some(m) = model {
            args.extend(["-m", m]);
        }
        let (status, _, stderr) = xpresso(&args);
        assert!(status.success(), "{stderr}");
    }
    let joined = s.p("joined.tsv.gz");
    let mut bytes = std::fs::read(&one).unwrap();
    bytes.extend(std::fs::read(&two).unwrap());
    std::fs::write(&joined, bytes).unwrap();
    assert!(Command::new("tabix").args(["-f", "-s1", "-b2", "-e2", &joined]).status().unwrap().success());
    let (code, _, stderr) = s.score(&genome, &["--precomputed", &joined], "-");
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("joined.tsv.gz") && stderr.contains("other inputs than this run"), "{stderr}");
}

/// Rows whose values contradict themselves or each other, and damaged tables.
#[test]
fn rows_that_lie_and_damaged_tables_are_refused() {
    let s = setup(&[]);
    let genome = genome();
    let text = gunzip(&s.table);
    let edit = |name: &str, f: &dyn Fn(&str) -> Vec<String>| {
        let path = s.p(name);
        write_table(&path, &text.lines().flat_map(|l| f(l)).map(|l| l + "\n").collect::<String>());
        path
    };
    let at = |l: &str, pos: &str| l.split('\t').nth(1) == Some(pos);
    let with = |l: &str, col: usize, value: &str| {
        let mut f: Vec<&str> = l.split('\t').collect();
        f[col] = value;
        f.join("\t")
    };
    // a delta that is not alt_prediction - ref_prediction
    let t = edit("delta.tsv.gz", &|l| vec![if at(l, "264007") && l.contains("\tA\t") { with(l, 11, "0.500000") } else { l.to_string() }]);
    s.refused(&genome, &t, &[], "where alt_prediction - ref_prediction is");
    // ... off in its last digit only
    let last_digit = |v: &str, by: i64| {
        let m: i64 = v.replace('.', "").parse::<i64>().unwrap() + by;
        format!("{}{}.{:06}", if m < 0 { "-" } else { "" }, m.abs() / 1_000_000, m.abs() % 1_000_000)
    };
    let t = edit("digit.tsv.gz", &|l| vec![if at(l, "264007") { with(l, 11, &last_digit(l.split('\t').nth(11).unwrap(), 1)) } else { l.to_string() }]);
    s.refused(&genome, &t, &[], "where alt_prediction - ref_prediction is");
    // a ref_prediction moved with its delta (consistent in itself): not this run's reference
    let t = edit("ref.tsv.gz", &|l| {
        let f: Vec<&str> = l.split('\t').collect();
        vec![if at(l, "264007") { with(&with(l, 9, &last_digit(f[9], 1)), 11, &last_digit(f[11], -1)) } else { l.to_string() }]
    });
    s.refused(&genome, &t, &[], "where this run computes");
    // NaN
    let t = edit("nan.tsv.gz", &|l| vec![if at(l, "264007") { with(&with(l, 10, "nan"), 11, "nan") } else { l.to_string() }]);
    s.refused(&genome, &t, &[], "not a finite number with 6 decimals");
    // a row repeated with other values (consistent in itself)
    let t = edit("dup.tsv.gz", &|l| {
        if at(l, "264014") {
            let f: Vec<&str> = l.split('\t').collect();
            let alt: f64 = f[10].parse::<f64>().unwrap() + 0.25;
            let delta: f64 = f[11].parse::<f64>().unwrap() + 0.25;
            vec![l.to_string(), with(&with(l, 10, &format!("{alt:.6}")), 11, &format!("{delta:.6}"))]
        } else {
            vec![l.to_string()]
        }
    });
    s.refused(&genome, &t, &[], "disagree");
    // a row whose check was edited
    let t = edit("check.tsv.gz", &|l| vec![if at(l, "264021") { with(l, 12, "0123456789abcdef") } else { l.to_string() }]);
    s.refused(&genome, &t, &[], "other inputs than this run");

    // bytes that are not text in a row
    let t = s.p("binary.tsv.gz");
    let bad: String = text.lines().map(|l| if at(l, "264028") { l.replacen("ACP1", "AC\u{fffd}1", 1) } else { l.to_string() } + "\n").collect();
    let raw = bad.replace('\u{fffd}', "\u{1}").into_bytes().into_iter().map(|b| if b == 1 { 0xff } else { b }).collect::<Vec<u8>>();
    std::fs::write(t.strip_suffix(".gz").unwrap(), raw).unwrap();
    for (cmd, args) in [("bgzip", vec!["-f", t.strip_suffix(".gz").unwrap()]), ("tabix", vec!["-f", "-s1", "-b2", "-e2", &t])] {
        assert!(Command::new(cmd).args(&args).status().unwrap().success(), "{cmd}");
    }
    s.refused(&genome, &t, &[], "not UTF-8");

    // an index of another table (same name, other rows): does not match
    let other = s.p("other.tsv.gz");
    std::fs::copy(&s.table, &other).unwrap();
    let shifted = s.p("shifted.tsv.gz");
    write_table(&shifted, &text.lines().filter(|l| l.starts_with('#') || l.split('\t').nth(1).is_some_and(|p| p.parse::<u64>().unwrap() % 3 != 0)).map(|l| format!("{l}\n")).collect::<String>());
    std::fs::copy(format!("{shifted}.tbi"), format!("{other}.tbi")).unwrap();
    s.refused(&genome, &other, &[], "does not match");

    // a corrupt data block (a byte of its deflate stream changed): exit 3, not 1
    let mut bytes = std::fs::read(&s.table).unwrap();
    let corrupt = s.p("corrupt.tsv.gz");
    for at_byte in (40..bytes.len() - 28).step_by(3000) {
        bytes[at_byte] ^= 0x55;
    }
    std::fs::write(&corrupt, &bytes).unwrap();
    std::fs::copy(format!("{}.tbi", s.table), format!("{corrupt}.tbi")).unwrap();
    let (code, _, stderr) = s.score(&genome, &["--precomputed", &corrupt], &s.p("c.vcf"));
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("corrupt.tsv.gz") && !stderr.contains("missing start position"), "{stderr}");
}
