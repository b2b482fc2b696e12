//! Bad input: each case gets one clear error line naming the file (and line where there is
//! one), exit status 3 (an input error; 1 for a failed run, 2 for usage), and no output
//! file left behind.

mod common;

use std::io::Write;
use std::path::Path;

use common::{human_model, random_bases, write_fasta, xpresso};

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        write_fasta(&dir.path().join("g.fa"), &[("chr1", &random_bases(30_000, 5))], 60);
        let gtf = "chr1\tt\tgene\t15001\t16000\t.\t+\t.\tgene_id \"A\";\nchr1\tt\tgene\t17001\t18000\t.\t-\t.\tgene_id \"B\";\n";
        std::fs::write(dir.path().join("ok.gtf"), gtf).unwrap();
        Case { dir }
    }

    fn p(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    /// Runs annotate with extra args into out.tsv; asserts an input error (exit 3), no
    /// output, and returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        self.fails_with(3, args)
    }

    /// As `fails`, with the exit status expected.
    fn fails_with(&self, code: i32, args: &[&str]) -> String {
        let out = self.p("out.tsv");
        let model = human_model().to_string_lossy().into_owned();
        let mut all = vec!["annotate", "-q", "-m", &model, "-o", &out];
        all.extend_from_slice(args);
        let (status, _, stderr) = xpresso(&all);
        assert_eq!(status.code(), Some(code), "expected exit {code}: {stderr}");
        assert!(!Path::new(&out).exists(), "no output file after a failure");
        for entry in std::fs::read_dir(self.dir.path()).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!name.ends_with(".partial"), "temporary file left: {name}");
        }
        assert_eq!(stderr.trim_end().lines().count(), 1, "one error line: {stderr}");
        assert!(stderr.starts_with("xpresso: error: "), "{stderr}");
        stderr
    }
}

#[test]
fn malformed_gtf_line_names_file_and_line() {
    let c = Case::new();
    let gtf = "#comment\nchr1\tt\tgene\t15001\t16000\t.\t+\t.\tgene_id \"A\";\nchr1\tt\tgene\tabc\t16000\t.\t+\t.\tgene_id \"B\";\n";
    std::fs::write(c.p("bad.gtf"), gtf).unwrap();
    let err = c.fails(&["--genome", &c.p("g.fa"), "--gtf", &c.p("bad.gtf")]);
    assert!(err.contains(&format!("GTF {} line 3: malformed record", c.p("bad.gtf"))), "{err}");
    // a shard counts the TSSs first: every shard stops at the bad line, not just its own
    for shard in ["1/2", "2/2"] {
        let err = c.fails(&["--genome", &c.p("g.fa"), "--gtf", &c.p("bad.gtf"), "--shard", shard]);
        assert!(err.contains(&format!("GTF {} line 3: malformed record", c.p("bad.gtf"))), "{shard}: {err}");
    }
    std::fs::write(c.p("short.gtf"), "chr1\tt\tgene\t15001\n").unwrap();
    let err = c.fails(&["--genome", &c.p("g.fa"), "--gtf", &c.p("short.gtf")]);
    assert!(err.contains("line 1: malformed record"), "{err}");
}

#[test]
fn truncated_gzip_gtf() {
    let c = Case::new();
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&format!("chr1\tt\tgene\t{}\t{}\t.\t+\t.\tgene_id \"G{i}\";\n", 10_001 + i, 12_000 + i));
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    std::fs::write(c.p("cut.gtf.gz"), &bytes[..bytes.len() * 2 / 3]).unwrap();
    let err = c.fails(&["--genome", &c.p("g.fa"), "--gtf", &c.p("cut.gtf.gz")]);
    assert!(err.contains(&format!("GTF {} line", c.p("cut.gtf.gz"))) && err.contains("truncated"), "{err}");
}

#[test]
fn missing_fasta() {
    let c = Case::new();
    let err = c.fails(&["--genome", &c.p("nope.fa"), "--gtf", &c.p("ok.gtf")]);
    assert!(err.contains(&format!("cannot open FASTA {}", c.p("nope.fa"))), "{err}");
}

#[test]
fn plain_gzip_fasta_is_converted_once_and_reused() {
    let c = Case::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&std::fs::read(c.p("g.fa")).unwrap()).unwrap();
    std::fs::write(c.p("plain.fa.gz"), gz.finish().unwrap()).unwrap();
    let model = human_model().to_string_lossy().into_owned();
    let cache = c.p("cache");
    let run = |genome: &str, out: &str| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_xpresso"))
            .args(["annotate", "-m", &model, "--genome", genome, "--gtf", &c.p("ok.gtf"), "-o", out])
            .env("XPRESSO_GENOME_CACHE", &cache)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let first = run(&c.p("plain.fa.gz"), &c.p("a.tsv"));
    assert!(first.contains("converting it once to BGZF"), "{first}");
    let second = run(&c.p("plain.fa.gz"), &c.p("b.tsv"));
    assert!(second.contains("using its BGZF copy") && !second.contains("converting"), "{second}");
    run(&c.p("g.fa"), &c.p("plain.tsv"));
    let rows = |f: &str| common::tsv_rows(&std::fs::read_to_string(c.p(f)).unwrap());
    assert_eq!(rows("a.tsv"), rows("plain.tsv"));
    assert_eq!(rows("b.tsv"), rows("plain.tsv"));
    // a changed source is converted again
    std::thread::sleep(std::time::Duration::from_millis(20));
    let bytes = std::fs::read(c.p("plain.fa.gz")).unwrap();
    std::fs::write(c.p("plain.fa.gz"), bytes).unwrap();
    assert!(run(&c.p("plain.fa.gz"), &c.p("c.tsv")).contains("converting it once"));
}

#[test]
fn truncated_bgzip_fasta() {
    let c = Case::new();
    let fa = c.dir.path().join("cut.fa.gz");
    common::write_bgzf_fasta(&fa, &[("chr1", &random_bases(300_000, 9))], 60);
    let bytes = std::fs::read(&fa).unwrap();
    std::fs::write(&fa, &bytes[..bytes.len() / 2]).unwrap();
    let err = c.fails(&["--genome", &c.p("cut.fa.gz"), "--gtf", &c.p("ok.gtf")]);
    assert!(err.contains(&c.p("cut.fa.gz")) && err.contains("truncated"), "{err}");
}

#[test]
fn fasta_without_index_in_a_read_only_place() {
    use std::os::unix::fs::PermissionsExt;
    let c = Case::new();
    let ro = c.dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    write_fasta(&ro.join("g.fa"), &[("chr1", &random_bases(30_000, 5))], 60);
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(c.dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    // root writes anywhere: run as nobody then
    let as_root = unsafe_euid_is_root();
    let out = c.p("out.tsv");
    let model = human_model().to_string_lossy().into_owned();
    let fa = ro.join("g.fa").to_string_lossy().into_owned();
    let gtf = c.p("ok.gtf");
    let args = ["annotate", "-q", "-m", &model, "-o", &out, "--genome", &fa, "--gtf", &gtf];
    let output = if as_root {
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_xpresso")])
            .args(args)
            .output()
            .expect("setpriv (util-linux) is needed to test permissions as root")
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_xpresso")).args(args).output().unwrap()
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains(&format!("FASTA {fa} has no index")) && stderr.contains("samtools faidx"), "{stderr}");
    assert!(!Path::new(&out).exists());
}

fn unsafe_euid_is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

#[test]
fn features_table_wrong_columns_and_values() {
    let c = Case::new();
    std::fs::write(c.p("f5.tsv"), "id\ta\tb\tc\td\te\tf\nA\t1\t2\t3\t4\t5\t6\nB\t1\t2\t3\t4\t5\n").unwrap();
    let err = c.fails(&["--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf"), "--features", &c.p("f5.tsv")]);
    assert!(err.contains(&format!("features table {} line 3", c.p("f5.tsv"))) && err.contains("6 columns, expected 7"), "{err}");
    std::fs::write(c.p("fnan.tsv"), "id\ta\tb\tc\td\te\tf\nA\t1\t2\tx3\t4\t5\t6\n").unwrap();
    let err = c.fails(&["--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf"), "--features", &c.p("fnan.tsv")]);
    assert!(err.contains("line 2") && err.contains("column 4 ('x3') is not a finite number"), "{err}");
    std::fs::write(c.p("fhead.tsv"), "id\ta\tb\n").unwrap();
    let err = c.fails(&["--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf"), "--features", &c.p("fhead.tsv")]);
    assert!(err.contains("line 1: header has 3 columns"), "{err}");
}

#[test]
fn model_of_the_wrong_shape() {
    let c = Case::new();
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/wrong_shape_model.h5");
    let out = c.p("out.tsv");
    let (status, _, stderr) = xpresso(&["annotate", "-q", "-m", &bad.to_string_lossy(), "-o", &out, "--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf")]);
    assert_eq!(status.code(), Some(3));
    assert!(stderr.contains("does not hold the Xpresso architecture") && stderr.contains("[5, 4, 128]"), "{stderr}");
    assert!(!Path::new(&out).exists());
}

#[test]
fn usage_errors_exit_2() {
    let (status, _, stderr) = xpresso(&["annotate", "--genome", "x.fa"]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    let c = Case::new();
    for bad in [&["--shard", "4/3"][..], &["--region", "chr1:50-10"], &["--chrom", "chr1", "--region", "chr1:1-5"]] {
        let mut args = vec!["annotate", "--genome", "g.fa", "--gtf", "ok.gtf"];
        args.extend_from_slice(bad);
        let (status, _, stderr) = xpresso(&args);
        assert_eq!(status.code(), Some(2), "{bad:?}: {stderr}");
    }
    // a combination only the subcommand can check is a usage error too
    let (status, _, stderr) = xpresso(&["ism", "--gtf", &c.p("ok.gtf"), "--gene", "A"]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--genome"), "{stderr}");
}

#[test]
fn input_errors_exit_3_and_run_failures_exit_1() {
    let c = Case::new();
    // a region on a chromosome the genome lacks, an unknown gene: the inputs are wrong
    let err = c.fails(&["--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf"), "--chrom", "chr9"]);
    assert!(err.contains("chr9") && err.contains("not in the genome"), "{err}");
    let model = human_model().to_string_lossy().into_owned();
    let (status, _, stderr) = xpresso(&["ism", "-q", "-m", &model, "--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf"), "--gene", "NOPE", "--range", "0:0", "-o", &c.p("ism.tsv")]);
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("NOPE"), "{stderr}");
    // an output that cannot be written is a failure of the run, not of its inputs
    let (status, _, stderr) =
        xpresso(&["annotate", "-q", "-m", &model, "--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf"), "-o", &c.p("no/such/dir/out.tsv")]);
    assert_eq!(status.code(), Some(1), "{stderr}");
}

#[test]
fn verbosity_flags() {
    let c = Case::new();
    let model = human_model().to_string_lossy().into_owned();
    let base = ["annotate", "-m", &model, "--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf"), "-o", &c.p("o.tsv")];
    let run = |extra: &[&str]| {
        let (status, _, stderr) = xpresso(&[&base[..], extra].concat());
        assert!(status.success(), "{stderr}");
        stderr
    };
    let (quiet, normal, verbose) = (run(&["-q"]), run(&[]), run(&["-v"]));
    assert!(quiet.is_empty(), "{quiet}");
    assert!(normal.contains("xpresso: predicted 2 TSSs") && !normal.contains("debug"), "{normal}");
    assert!(verbose.contains("xpresso: debug: genome") && verbose.contains("xpresso: predicted 2 TSSs"), "{verbose}");
    let (status, _, stderr) = xpresso(&[&base[..], &["-q", "-v"]].concat());
    assert_eq!(status.code(), Some(2), "-q and -v conflict: {stderr}");
}

#[test]
fn gpu_device_without_the_torch_feature_or_gpu_says_why() {
    let c = Case::new();
    // without the torch feature --device cuda cannot work in this build: a usage error (2,
    // not retried by workflow engines); with it but no GPU here, the run cannot go on but the
    // inputs are fine (exit 1, not 3)
    let args = ["--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf"), "--device", "cuda:3"];
    if cfg!(feature = "torch") {
        let err = c.fails_with(1, &args);
        assert!(err.contains("cuda:3"), "{err}");
    } else {
        let (status, _, stderr) = xpresso(&[&["annotate", "-q"][..], &args].concat());
        assert_eq!(status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("--device cuda:3 needs the libtorch backend") && stderr.contains("--features torch"), "{stderr}");
    }
    let err = c.fails_with(1, &["--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf"), "--device", "cuda", "--backend", "native"]);
    assert!(err.contains("native backend runs on the CPU only"), "{err}");
}
