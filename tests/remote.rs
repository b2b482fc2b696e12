//! Inputs named by URL (issue 24, first part): a VCF and a GTF served over HTTP by a loopback
//! server with byte ranges (tests/servers/range_server.py) give byte-identical outputs to the
//! local files; a missing object, a refused connection and a truncated object are each one
//! clean error with its exit status and nothing written. Built with `--features remote`;
//! without it a URL is a usage error that says how to build it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{grch37_chr22, shared, xpresso};

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The range server on `root`, stopped when dropped.
#[allow(dead_code)]
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

#[allow(dead_code)]
impl Server {
    fn start(root: &Path) -> Server {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/servers/range_server.py");
        let mut child = Command::new("python3").arg(script).arg(root).stdout(Stdio::piped()).spawn().expect("python3");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| panic!("the server printed its port, not {line:?}"));
        Server { child, port, log: root.parent().unwrap().join("requests.log") }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log).unwrap_or_default().lines().map(String::from).collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The genome (local), and the VCF and GTF both in `served/` and beside it.
#[allow(dead_code)]
struct Data {
    dir: tempfile::TempDir,
    genome: PathBuf,
    gtf: PathBuf,
    vcf: PathBuf,
}

#[allow(dead_code)]
fn data() -> Data {
    let dir = tempfile::tempdir().unwrap();
    let served = dir.path().join("served");
    std::fs::create_dir(&served).unwrap();
    // the genome with its .fai and .gzi (built by opening it), served too; and a copy
    // without them
    let genome = served.join("chr22.fa.gz");
    grch37_chr22(&genome);
    xpresso::genome::Genome::open(&genome).unwrap();
    std::fs::copy(&genome, served.join("noindex.fa.gz")).unwrap();
    let (gtf, vcf) = (served.join("genes.gtf.gz"), served.join("hapmap.vcf.gz"));
    std::fs::copy(shared().join("data/annotation/chr22.GRCh37.75.gtf.gz"), &gtf).unwrap();
    std::fs::copy(shared().join("data/variants/hapmap_exome_chr22.vcf.gz"), &vcf).unwrap();
    std::fs::copy(shared().join("data/variants/hapmap_exome_chr22.vcf.gz.tbi"), served.join("hapmap.vcf.gz.tbi")).unwrap();
    Data { dir, genome, gtf, vcf }
}

/// The text of a (bgzip or plain) output without the provenance lines naming the command.
#[allow(dead_code)]
fn text(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let mut text = String::new();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(&bytes[..]), &mut text).unwrap();
    } else {
        text = String::from_utf8(bytes).unwrap();
    }
    text.lines().filter(|l| !l.to_lowercase().contains("command=")).map(String::from).collect()
}

#[cfg(feature = "remote")]
#[test]
fn a_served_vcf_and_gtf_give_the_local_outputs() {
    let d = data();
    let server = Server::start(&d.dir.path().join("served"));
    let p = |name: &str| s(&d.dir.path().join(name));
    let run = |vcf: &str, gtf: &str, tag: &str| {
        let (status, _, stderr) = xpresso(&[
            "score-variants", "-v", "-g", &s(&d.genome), "--gtf", gtf, "--vcf", vcf, "-o", &p(&format!("{tag}.vcf.gz")), "--tsv", &p(&format!("{tag}.tsv")),
        ]);
        assert!(status.success(), "{tag}: {stderr}");
        stderr
    };
    run(&s(&d.vcf), &s(&d.gtf), "local");
    let stderr = run(&server.url("hapmap.vcf.gz"), &server.url("genes.gtf.gz"), "remote");
    for ext in ["vcf.gz", "tsv"] {
        let (local, remote) = (text(&d.dir.path().join(format!("local.{ext}"))), text(&d.dir.path().join(format!("remote.{ext}"))));
        assert!(local.len() > 100 && local == remote, "{ext}: {} local lines, {} remote", local.len(), remote.len());
    }
    // -v says what was fetched: each file about once (both are streamed; a first 64 KiB
    // buffer may be read again when a reader is opened twice)
    let fetched: u64 = stderr.lines().find_map(|l| l.split("remote inputs: ").nth(1)).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{stderr}"));
    let sizes = std::fs::metadata(&d.vcf).unwrap().len() + std::fs::metadata(&d.gtf).unwrap().len();
    assert!(fetched >= sizes && fetched < sizes + sizes / 10, "{fetched} bytes fetched for {sizes} bytes of files");
    assert!(server.requests().iter().any(|r| r.starts_with("GET /hapmap.vcf.gz bytes=")), "the end-of-file check is one ranged request: {:?}", server.requests());

    // annotate with a served GTF, and through a slow server
    let (status, local, _) = xpresso(&["annotate", "-q", "-g", &s(&d.genome), "--gtf", &s(&d.gtf)]);
    assert!(status.success());
    let (status, remote, stderr) = xpresso(&["annotate", "-q", "-g", &s(&d.genome), "--gtf", &server.url("slow/genes.gtf.gz")]);
    assert!(status.success(), "{stderr}");
    let body = |t: &str| t.lines().filter(|l| !l.contains("command=")).map(String::from).collect::<Vec<_>>();
    assert_eq!(body(&local), body(&remote));
}

#[cfg(feature = "remote")]
#[test]
fn network_and_data_faults_are_clean_errors() {
    let d = data();
    let server = Server::start(&d.dir.path().join("served"));
    let out = d.dir.path().join("out.vcf.gz");
    let try_vcf = |vcf: &str| {
        let (status, stdout, stderr) = xpresso(&["score-variants", "-q", "-g", &s(&d.genome), "--gtf", &s(&d.gtf), "--vcf", vcf, "-o", &s(&out)]);
        assert!(stdout.is_empty() && !out.exists(), "nothing written: {stderr}");
        (status.code(), stderr)
    };
    // a missing object: the network's answer (exit 1), the URL and the status in one line
    let (code, stderr) = try_vcf(&server.url("missing.vcf.gz"));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("/missing.vcf.gz") && stderr.contains("404") && stderr.lines().count() == 1, "{stderr}");
    // no server there
    let (code, stderr) = try_vcf("http://127.0.0.1:9/hapmap.vcf.gz");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("127.0.0.1:9/hapmap.vcf.gz"), "{stderr}");
    // a truncated object is bad data (exit 3)
    let (code, stderr) = try_vcf(&server.url("trunc/hapmap.vcf.gz"));
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("truncated"), "{stderr}");
    // credentials in a URL are never printed, nor written into the outputs' provenance
    let (_, stderr) = try_vcf(&format!("http://user:s3cret@127.0.0.1:{}/missing.vcf.gz?X-Amz-Signature=abc", server.port));
    assert!(!stderr.contains("s3cret") && !stderr.contains("Signature"), "{stderr}");
    let signed = format!("http://user:s3cret@127.0.0.1:{}/hapmap.vcf.gz?X-Amz-Signature=abc", server.port);
    let (status, stdout, stderr) = xpresso(&["score-variants", "-v", "-g", &s(&d.genome), "--gtf", &s(&d.gtf), "--vcf", &signed, "-o", "-"]);
    assert!(status.success(), "{stderr}");
    assert!(stdout.contains("##xpressoCommand=") && stdout.contains("/hapmap.vcf.gz"), "the command is recorded");
    for text in [&stdout, &stderr] {
        assert!(!text.contains("s3cret") && !text.contains("Signature"), "{}", &text[..text.len().min(3000)]);
    }
    // a remote genome needs its .fai beside it (it cannot be built without reading it all)
    let (status, stdout, stderr) = xpresso(&["annotate", "-q", "-g", &server.url("noindex.fa.gz"), "--gtf", &s(&d.gtf)]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stdout.is_empty() && stderr.contains("noindex.fa.gz.fai") && stderr.contains("404"), "{stderr}");
}

/// A genome named by URL: its .fai and .gzi fetched beside it, its blocks read by range
/// (cached as locally: neighbouring windows share them); the same predictions as the file.
#[cfg(feature = "remote")]
#[test]
fn a_served_genome_gives_the_local_predictions() {
    let d = data();
    let server = Server::start(&d.dir.path().join("served"));
    let (status, local, stderr) = xpresso(&["annotate", "-q", "-g", &s(&d.genome), "--gtf", &s(&d.gtf)]);
    assert!(status.success(), "{stderr}");
    let (status, remote, stderr) = xpresso(&["annotate", "-v", "-g", &server.url("chr22.fa.gz"), "--gtf", &s(&d.gtf)]);
    assert!(status.success(), "{stderr}");
    let body = |t: &str| t.lines().filter(|l| !l.contains("command=")).map(String::from).collect::<Vec<_>>();
    assert!(body(&local).len() > 1000);
    assert_eq!(body(&local), body(&remote));
    let fetched: u64 = stderr.lines().find_map(|l| l.split("remote inputs: ").nth(1)).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{stderr}"));
    let size = std::fs::metadata(&d.genome).unwrap().len();
    eprintln!("annotate over HTTP: {fetched} bytes fetched of a {size}-byte genome, {} requests", server.requests().len());
    assert!(fetched < 2 * size, "{fetched} bytes fetched for a {size}-byte genome");
}

#[cfg(not(feature = "remote"))]
#[test]
fn without_the_feature_a_url_says_how_to_build_it() {
    let d = data();
    let (status, _, stderr) = xpresso(&["annotate", "-q", "-g", &s(&d.genome), "--gtf", "https://example.org/genes.gtf.gz"]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("built without remote inputs") && stderr.contains("--features remote"), "{stderr}");
}
