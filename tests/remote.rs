//! Inputs named by URL (issue 24): a genome, VCF and GTF served over HTTP by a loopback
//! server with byte ranges (tests/servers/range_server.py), and from an S3 server on loopback
//! (moto), give byte-identical outputs to the local files, a VCF read by region through its
//! remote index; a missing object, a refused connection, a truncated object, a server that
//! fails or drops answers (retried), one gone mid-run and an index older than its data are
//! each handled as locally: one clean error with its exit status and nothing written, or a
//! warning and the right result. Built with `--features remote`; without it a URL is a usage
//! error that says how to build it.

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

    /// Forgets the requests so far.
    fn clear(&self) {
        std::fs::write(&self.log, "").unwrap();
    }

    /// Body bytes the server sent, all requests.
    fn sent(&self) -> u64 {
        self.requests().iter().map(|r| r.rsplit(' ').next().unwrap().parse::<u64>().unwrap()).sum()
    }

    /// The byte ranges asked of `path` (`/name`), in order.
    fn ranges(&self, path: &str) -> Vec<(u64, u64)> {
        let prefix = format!("GET {path} bytes=");
        let range = |r: &str| -> Option<(u64, u64)> {
            let (a, b) = r.strip_prefix(&prefix)?.split(' ').next()?.split_once('-')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        };
        self.requests().iter().filter_map(|r| range(r)).collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `xpresso` with environment variables set (retry waits shortened for the tests).
#[allow(dead_code)]
fn xpresso_env(args: &[&str], env: &[(&str, &str)]) -> (std::process::ExitStatus, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xpresso"));
    cmd.args(args).env("XPRESSO_REMOTE_BACKOFF_MS", "20");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (out.status, String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The bytes `-v` says were fetched.
#[allow(dead_code)]
fn fetched(stderr: &str) -> u64 {
    stderr.lines().find_map(|l| l.split("remote inputs: ").nth(1)).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{stderr}"))
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
    body(&text)
}

/// The lines of an output's text without the provenance lines naming the command.
#[allow(dead_code)]
fn body(text: &str) -> Vec<String> {
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
    eprintln!("streamed over HTTP: {fetched} bytes fetched for {sizes} bytes of files, {} requests", server.requests().len());
    assert!(fetched >= sizes && fetched < sizes + sizes / 10, "{fetched} bytes fetched for {sizes} bytes of files");
    assert!(server.requests().iter().any(|r| r.starts_with("GET /hapmap.vcf.gz bytes=")), "the end-of-file check is one ranged request: {:?}", server.requests());
    // a server that ignores ranges (200, the whole file): the same outputs
    run(&server.url("norange/hapmap.vcf.gz"), &server.url("norange/genes.gtf.gz"), "norange");
    // ... and one that answers ranges from an earlier byte (a cache's aligned blocks)
    run(&server.url("shifted/hapmap.vcf.gz"), &server.url("shifted/genes.gtf.gz"), "shifted");
    for tag in ["norange", "shifted"] {
        for ext in ["vcf.gz", "tsv"] {
            assert_eq!(text(&d.dir.path().join(format!("local.{ext}"))), text(&d.dir.path().join(format!("{tag}.{ext}"))), "{tag} {ext}");
        }
    }

    // annotate with a served GTF, and through a slow server
    let (status, local, _) = xpresso(&["annotate", "-q", "-g", &s(&d.genome), "--gtf", &s(&d.gtf)]);
    assert!(status.success());
    let (status, remote, stderr) = xpresso(&["annotate", "-q", "-g", &s(&d.genome), "--gtf", &server.url("slow/genes.gtf.gz")]);
    assert!(status.success(), "{stderr}");
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
    // a file replaced on the server while it is read (another ETag in a later answer):
    // stopped, not mixed, exit 1 (a run once it is settled may work)
    let (code, stderr) = try_vcf(&server.url("changing/hapmap.vcf.gz"));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("changing/hapmap.vcf.gz") && stderr.contains("changed on the server") && stderr.lines().count() == 1, "{stderr}");
    // ... also where the server sends no ETag or date, only another size
    let (code, stderr) = try_vcf(&server.url("resized/hapmap.vcf.gz"));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("resized/hapmap.vcf.gz") && stderr.contains("changed on the server") && stderr.contains("bytes") && stderr.lines().count() == 1, "{stderr}");
    // a server answering bytes from after the start asked for: refused, not read as them
    let (code, stderr) = try_vcf(&server.url("ahead/hapmap.vcf.gz"));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("ahead/hapmap.vcf.gz") && stderr.contains("answered bytes from 1 to a request from byte 0") && stderr.lines().count() == 1, "{stderr}");
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
    server.clear();
    let (status, remote, stderr) = xpresso(&["annotate", "-v", "-g", &server.url("chr22.fa.gz"), "--gtf", &s(&d.gtf)]);
    assert!(status.success(), "{stderr}");
    assert!(body(&local).len() > 1000);
    assert_eq!(body(&local), body(&remote));
    let fetched: u64 = stderr.lines().find_map(|l| l.split("remote inputs: ").nth(1)).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{stderr}"));
    let size = std::fs::metadata(&d.genome).unwrap().len();
    eprintln!("annotate over HTTP: {fetched} bytes fetched of a {size}-byte genome, {} requests", server.requests().len());
    // each needed block once (the windows of all chr22 genes need about all of the file;
    // the .fai/.gzi and the remote splice-site check add a few percent)
    assert!(fetched < size + size / 10, "{fetched} bytes fetched for a {size}-byte genome: {:?}", server.requests());
    // every request names its end: the server sent what was fetched, and no byte twice
    assert_eq!(server.sent(), fetched, "{:?}", server.requests());
    let mut ranges = server.ranges("/chr22.fa.gz");
    ranges.sort();
    assert!(ranges.len() > 3 && ranges.windows(2).all(|w| w[0].1 < w[1].0), "a byte fetched twice: {ranges:?}");

    // a served .fai that disagrees with the bytes (a length from another build): bad data,
    // exit 3, naming it, as for a local file; nothing written
    let served = d.dir.path().join("served");
    std::fs::copy(&d.genome, served.join("badfai.fa.gz")).unwrap();
    std::fs::copy(served.join("chr22.fa.gz.gzi"), served.join("badfai.fa.gz.gzi")).unwrap();
    let fai = std::fs::read_to_string(served.join("chr22.fa.gz.fai")).unwrap();
    let fields: Vec<&str> = fai.trim_end().split('\t').collect();
    let shorter = format!("{}\t{}\t{}\n", fields[0], fields[1].parse::<u64>().unwrap() - 1000, fields[2..].join("\t"));
    std::fs::write(served.join("badfai.fa.gz.fai"), shorter).unwrap();
    let out = d.dir.path().join("badfai.tsv");
    let (status, _, stderr) = xpresso(&["annotate", "-q", "-g", &server.url("badfai.fa.gz"), "--gtf", &s(&d.gtf), "-o", &s(&out)]);
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(!out.exists() && stderr.contains("badfai.fa.gz.fai") && stderr.contains("disagrees"), "{stderr}");
    // ... and its way out is to rebuild it where it is served, not beside it here
    assert!(stderr.contains("upload") && !stderr.contains("delete it"), "{stderr}");
}

/// A served VCF with its served `.tbi`: a region, and the TSS windows only, are read through
/// the index (a small part of the file fetched) and equal the local runs; `##idx##` names an
/// index elsewhere; an index the server says is older than its data is not used (warned,
/// the file streamed, the same result); `personal` over a served cohort equals the local run.
#[cfg(feature = "remote")]
#[test]
fn a_served_vcf_is_read_by_region_through_its_remote_index() {
    let d = data();
    let server = Server::start(&d.dir.path().join("served"));
    let p = |name: &str| s(&d.dir.path().join(name));
    let run = |vcf: &str, extra: &[&str], tag: &str| -> (Vec<String>, String) {
        let (out, genome, gtf) = (p(&format!("{tag}.vcf.gz")), s(&d.genome), s(&d.gtf));
        let args = [&["score-variants", "-v", "-g", &genome, "--gtf", &gtf, "--vcf", vcf, "-o", &out][..], extra].concat();
        let (status, _, stderr) = xpresso_env(&args, &[]);
        assert!(status.success(), "{tag}: {stderr}");
        (text(Path::new(&out)), stderr)
    };
    let region = ["--region", "22:20,000,001-20,600,000"];
    let (local, _) = run(&s(&d.vcf), &region, "local");
    server.clear();
    let (remote, stderr) = run(&server.url("hapmap.vcf.gz"), &region, "remote");
    assert!(local.len() > 60 && local == remote, "{} local lines, {} remote", local.len(), remote.len());
    // bounded ranges: the server sent what was fetched, each chunk in one request
    assert_eq!(server.sent(), fetched(&stderr), "{:?}", server.requests());
    let vcf_size = std::fs::metadata(&d.vcf).unwrap().len();
    let got = fetched(&stderr);
    eprintln!("region over HTTP: {got} bytes fetched of a {vcf_size}-byte VCF (+ its 4,503-byte index), {} requests", server.requests().len());
    assert!(got < vcf_size / 2, "read by region: {got} bytes fetched of a {vcf_size}-byte VCF");
    assert!(server.requests().iter().any(|r| r.starts_with("GET /hapmap.vcf.gz.tbi")), "{:?}", server.requests());
    let (genome, gtf, out) = (s(&d.genome), s(&d.gtf), p("remote.tsv"));
    // the same records bgzip-compressed by noodles, whose last record ends its block: the
    // index ends at the end-of-file block, which the end-of-file check and the index check
    // both read, on two handles of the file: fetched once
    let served = d.dir.path().join("served");
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(std::fs::File::open(&d.vcf).unwrap()), &mut text).unwrap();
    let mut writer = noodles::bgzf::io::Writer::new(std::fs::File::create(served.join("ends.vcf.gz")).unwrap());
    std::io::Write::write_all(&mut writer, &text).unwrap();
    writer.finish().unwrap();
    assert!(Command::new("tabix").args(["-p", "vcf"]).arg(served.join("ends.vcf.gz")).status().unwrap().success());
    server.clear();
    let (status, _, stderr) = xpresso_env(&["score-variants", "-g", &genome, "--gtf", &gtf, "--vcf", &server.url("ends.vcf.gz"), "--region", region[1], "-o", &out], &[]);
    assert!(status.success(), "{stderr}");
    let len = std::fs::metadata(served.join("ends.vcf.gz")).unwrap().len();
    let ends = server.ranges("/ends.vcf.gz").iter().filter(|r| r.1 == len - 1).count();
    assert_eq!(ends, 1, "the file's end fetched {ends} times: {:?}", server.requests());

    // --only-windows: every TSS window of chr22 through the remote index
    let (local, _) = run(&s(&d.vcf), &["--only-windows"], "local_w");
    let (remote, _) = run(&server.url("hapmap.vcf.gz"), &["--only-windows"], "remote_w");
    assert!(local.len() > 100 && local == remote);

    // ##idx##: the index named, here a local file beside a served VCF without one
    std::fs::copy(d.dir.path().join("served/hapmap.vcf.gz"), d.dir.path().join("served/noidx.vcf.gz")).unwrap();
    std::fs::copy(d.dir.path().join("served/hapmap.vcf.gz.tbi"), d.dir.path().join("elsewhere.tbi")).unwrap();
    let named = format!("{}##idx##{}", server.url("noidx.vcf.gz"), p("elsewhere.tbi"));
    let (remote, stderr) = run(&named, &region, "named");
    let (local, _) = run(&s(&d.vcf), &region, "local");
    assert!(local == remote && fetched(&stderr) < vcf_size / 2, "{stderr}");
    // a named index that is not there is an error when it is needed, not a silent stream
    let missing = format!("{}##idx##{}", server.url("noidx.vcf.gz"), server.url("none.tbi"));
    let (status, _, stderr) = xpresso_env(&["score-variants", "-q", "-g", &s(&d.genome), "--gtf", &s(&d.gtf), "--vcf", &missing, "--region", region[1], "-o", &p("x.vcf.gz")], &[]);
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("none.tbi") && stderr.contains("404") && !Path::new(&p("x.vcf.gz")).exists(), "{stderr}");

    // an index the server dates before its data: not used, said, and the same records
    let (remote, stderr) = run(&server.url("old/hapmap.vcf.gz"), &region, "old");
    assert!(stderr.contains("older than") && stderr.contains("hapmap.vcf.gz.tbi"), "{stderr}");
    assert!(local == remote && fetched(&stderr) >= vcf_size, "streamed whole instead: {stderr}");

    // personal: a served cohort (10 donors) through its served index equals the local run
    let served = d.dir.path().join("served");
    std::fs::copy(shared().join("data/variants/dropseq_10donors_22_20-21M.b37.vcf.gz"), served.join("donors.vcf.gz")).unwrap();
    std::fs::copy(shared().join("data/variants/dropseq_10donors_22_20-21M.b37.vcf.gz.tbi"), served.join("donors.vcf.gz.tbi")).unwrap();
    let personal = |vcf: &str| {
        let (status, stdout, stderr) = xpresso_env(&["personal", "-q", "-g", &s(&d.genome), "--gtf", &s(&d.gtf), "--vcf", vcf, "--region", "22:20,000,001-21,000,000"], &[]);
        assert!(status.success(), "{stderr}");
        body(&stdout)
    };
    let local = personal(&s(&served.join("donors.vcf.gz")));
    assert!(local.len() > 20, "{local:?}");
    assert_eq!(local, personal(&server.url("donors.vcf.gz")));
}

/// The other inputs by URL: a BCF with its served `.csi` (by region and streamed), a TSS
/// BED, a half-life features table and a `-R` regions file each give the local output.
#[cfg(feature = "remote")]
#[test]
fn a_bcf_a_bed_a_features_table_and_a_regions_file_by_url_give_the_local_outputs() {
    let d = data();
    let server = Server::start(&d.dir.path().join("served"));
    let served = d.dir.path().join("served");
    let (genome, gtf) = (s(&d.genome), s(&d.gtf));
    let ok = |args: &[&str]| {
        let (status, stdout, stderr) = xpresso_env(args, &[]);
        assert!(status.success(), "{args:?}: {stderr}");
        body(&stdout)
    };
    // BCF + .csi, written by bcftools
    let bcf = served.join("hapmap.bcf");
    assert!(Command::new("bcftools").args(["view", "-Ob", "-o"]).arg(&bcf).arg(&d.vcf).status().unwrap().success());
    assert!(Command::new("bcftools").arg("index").arg(&bcf).status().unwrap().success());
    for extra in [&["--region", "chr22:20,000,001-21,000,000"][..], &[]] {
        let run = |vcf: &str| ok(&[&["score-variants", "-q", "-g", &genome, "--gtf", &gtf, "--vcf", vcf, "-O", "v", "-o", "-"][..], extra].concat());
        let local = run(&s(&bcf));
        let records = local.iter().filter(|l| !l.starts_with('#')).count();
        assert!(records > 5, "{extra:?}: {records} records");
        assert_eq!(local, run(&server.url("hapmap.bcf")), "{extra:?}");
    }
    assert!(server.requests().iter().any(|r| r.starts_with("GET /hapmap.bcf.csi")), "{:?}", server.requests());

    // a TSS BED and a features table for three genes of the annotation
    let genes = ok(&["annotate", "-q", "-g", &genome, "--gtf", &gtf]);
    let rows: Vec<Vec<&str>> = genes.iter().filter(|l| !l.starts_with('#') && !l.starts_with("gene_id")).take(3).map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 3, "{genes:?}");
    let bed: String = rows.iter().map(|r| format!("{}\t{}\t{}\t{}\t0\t{}\n", r[2], r[3].parse::<u64>().unwrap() - 1, r[3], r[0], r[4])).collect();
    std::fs::write(served.join("tss.bed"), bed).unwrap();
    let table: String = std::iter::once("gene_id\tf1\tf2\tf3\tf4\tf5\tf6\n".to_string()).chain(rows.iter().enumerate().map(|(i, r)| format!("{}\t{i}.5\t-1\t0.25\t2\t-0.5\t1\n", r[0]))).collect();
    std::fs::write(served.join("features.tsv"), table).unwrap();
    std::fs::write(served.join("regions.txt"), "chr22\t20000001\t20600000\n").unwrap();
    let pairs = [
        (vec!["annotate", "-q", "-g", &genome, "--tss-bed"], "tss.bed", vec![]),
        (vec!["annotate", "-q", "-g", &genome, "--gtf", &gtf, "--features"], "features.tsv", vec!["--missing-features", "skip"]),
        (vec!["annotate", "-q", "-g", &genome, "--gtf", &gtf, "-R"], "regions.txt", vec![]),
    ];
    for (args, name, after) in pairs {
        let local_path = s(&served.join(name));
        let url = server.url(name);
        let local = ok(&[&args[..], &[local_path.as_str()], &after[..]].concat());
        let remote = ok(&[&args[..], &[url.as_str()], &after[..]].concat());
        assert!(local.iter().filter(|l| !l.starts_with('#')).count() > 1, "{name}: {} lines", local.len());
        // the same rows (the header names its source, a path or the URL)
        let rows = |t: &[String]| t.iter().filter(|l| !l.starts_with("##features:")).cloned().collect::<Vec<_>>();
        assert_eq!(rows(&local), rows(&remote), "{name}");
    }
}

/// A URL's credentials and signature (`user:pw@`, `?sig=`, `X-Amz-Signature`) never reach an
/// output: every subcommand reading a features table by a signed URL, every file it writes
/// (tables, VCF, calibration, `--stats`) and its messages are searched for them.
#[cfg(feature = "remote")]
#[test]
fn credentials_in_urls_are_written_into_no_output() {
    let d = data();
    let server = Server::start(&d.dir.path().join("served"));
    let served = d.dir.path().join("served");
    let (genome, gtf, vcf) = (s(&d.genome), s(&d.gtf), s(&d.vcf));
    let (status, genes, stderr) = xpresso(&["annotate", "-q", "-g", &genome, "--gtf", &gtf]);
    assert!(status.success(), "{stderr}");
    let ids: Vec<String> = body(&genes).iter().filter(|l| !l.starts_with('#') && !l.starts_with("gene_id")).take(3).map(|l| l.split('\t').next().unwrap().to_string()).collect();
    let table: String = std::iter::once("gene_id\tf1\tf2\tf3\tf4\tf5\tf6\n".to_string()).chain(ids.iter().map(|id| format!("{id}\t0.5\t-1\t0.25\t2\t-0.5\t1\n"))).collect();
    std::fs::write(served.join("features.tsv"), table).unwrap();
    let url = format!("http://user:s3cret@127.0.0.1:{}/features.tsv?sig=SIGNED&X-Amz-Signature=SIGNED", server.port);
    let out = d.dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let o = |name: &str| s(&out.join(name));
    let region = "22:20000000-21000000";
    let runs: Vec<Vec<String>> = vec![
        vec!["annotate", "-g", &genome, "--gtf", &gtf, "-o", &o("a.tsv.gz"), "--bed", &o("a.bed"), "--stats", &o("a.json")].into_iter().map(String::from).collect(),
        vec!["score-variants", "-g", &genome, "--gtf", &gtf, "--vcf", &vcf, "--region", region, "-o", &o("s.vcf.gz"), "--tsv", &o("s.tsv"), "--stats", &o("s.json")].into_iter().map(String::from).collect(),
        vec!["personal", "-g", &genome, "--gtf", &gtf, "--vcf", &vcf, "--region", region, "-o", &o("p.tsv"), "--stats", &o("p.json")].into_iter().map(String::from).collect(),
        vec!["precompute", "-g", &genome, "--gtf", &gtf, "--region", region, "--flank", "20", "-o", &o("t.tsv.gz"), "--calibration", &o("c.tsv"), "--stats", &o("t.json")].into_iter().map(String::from).collect(),
        vec!["ism", "-g", &genome, "--gtf", &gtf, "--gene", &ids[0], "--range", "-10:10", "-o", &o("i.tsv"), "--stats", &o("i.json")].into_iter().map(String::from).collect(),
    ];
    for run in &runs {
        let mut args: Vec<&str> = run.iter().map(String::as_str).collect();
        args.extend(["--features", &url, "--missing-features", "zero"]);
        let (status, stdout, stderr) = xpresso(&args);
        assert!(status.success(), "{}: {stderr}", run[0]);
        for text in [&stdout, &stderr] {
            assert!(!text.contains("s3cret") && !text.contains("SIGNED"), "{}: {text}", run[0]);
        }
    }
    let mut seen = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        use std::io::Read;
        let mut raw = Vec::new();
        if bytes.starts_with(&[0x1f, 0x8b]) {
            flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut raw).unwrap();
        } else {
            raw = bytes;
        }
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("s3cret") && !text.contains("SIGNED"), "{}: {}", path.display(), &text[..text.len().min(2000)]);
        seen += 1;
    }
    assert!(seen >= 14, "{seen} outputs searched");
    // the features line still names where they came from
    let tsv = common::chr2::gunzip(o("a.tsv.gz"));
    assert!(tsv.contains(&format!("127.0.0.1:{}/features.tsv", server.port)), "{}", &tsv[..tsv.len().min(1500)]);
}

/// A server that fails (503) or drops answers is retried, with a warning, and the run gives
/// the local result; with retries off, or a server gone mid-run, the run fails (exit 1) with
/// the URL, nothing written.
#[cfg(feature = "remote")]
#[test]
fn passing_network_faults_are_retried_and_lasting_ones_fail_cleanly() {
    let d = data();
    let server = Server::start(&d.dir.path().join("served"));
    let out = d.dir.path().join("out.vcf.gz");
    let run = |vcf: &str, gtf: &str, env: &[(&str, &str)]| {
        let _ = std::fs::remove_file(&out);
        let (status, _, stderr) = xpresso_env(&["score-variants", "-g", &s(&d.genome), "--gtf", gtf, "--vcf", vcf, "-o", &s(&out)], env);
        (status.code(), stderr, out.exists().then(|| text(&out)))
    };
    let (_, _, local) = run(&s(&d.vcf), &s(&d.gtf), &[]);
    let local = local.unwrap();
    // 503 twice for each file, then answers
    let (code, stderr, got) = run(&server.url("flaky/hapmap.vcf.gz"), &server.url("flaky/genes.gtf.gz"), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("retrying") && stderr.contains("flaky/hapmap.vcf.gz"), "{stderr}");
    assert_eq!(got.as_ref(), Some(&local));
    // a streamed GTF whose answer stops halfway: read on from where it stopped
    let (code, stderr, got) = run(&s(&d.vcf), &server.url("drop/genes.gtf.gz"), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("retrying"), "{stderr}");
    assert_eq!(got.as_ref(), Some(&local));
    assert!(server.requests().iter().any(|r| r.starts_with("GET /drop/genes.gtf.gz bytes=") && !r.contains("bytes=0-")), "resumed by range: {:?}", server.requests());
    // no retries: the first 503 ends the run
    let (code, stderr, got) = run(&server.url("flaky/x/hapmap.vcf.gz"), &s(&d.gtf), &[("XPRESSO_REMOTE_RETRIES", "0")]);
    assert_eq!((code, got), (Some(1), None), "{stderr}");
    assert!(stderr.contains("flaky/x/hapmap.vcf.gz") && !stderr.contains("retrying"), "{stderr}");
    // a server that hangs: each try times out (XPRESSO_REMOTE_TIMEOUT), then the run fails
    let (code, stderr, got) = run(&server.url("stall/hapmap.vcf.gz"), &s(&d.gtf), &[("XPRESSO_REMOTE_TIMEOUT", "1"), ("XPRESSO_REMOTE_RETRIES", "1")]);
    assert_eq!((code, got), (Some(1), None), "{stderr}");
    assert!(stderr.contains("stall/hapmap.vcf.gz") && stderr.contains("timed out") && stderr.contains("retrying"), "{stderr}");
    // every answer stops halfway (the server going away): retries spent, exit 1, nothing written
    let (code, stderr, got) = run(&s(&d.vcf), &server.url("dead/genes.gtf.gz"), &[]);
    assert_eq!((code, got), (Some(1), None), "{stderr}");
    assert!(stderr.contains("dead/genes.gtf.gz") && stderr.contains("retrying in") && stderr.lines().last().unwrap().starts_with("xpresso: error:"), "{stderr}");
    // the server stopped mid-run: killed once the genome's .fai was served (each answer of
    // the slow server waits 0.2 s, so the .gzi and the blocks are still to come)
    let mut server = server;
    let genome_url = server.url("slow/chr22.fa.gz");
    let child = Command::new(env!("CARGO_BIN_EXE_xpresso"))
        .args(["annotate", "-q", "-g", &genome_url, "--gtf", &s(&d.gtf), "-o", &s(&d.dir.path().join("genes.tsv"))])
        .env("XPRESSO_REMOTE_BACKOFF_MS", "20")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !server.requests().iter().any(|r| r.starts_with("GET /slow/chr22.fa.gz.fai")) {
        assert!(start.elapsed().as_secs() < 60, "the .fai was never asked for: {:?}", server.requests());
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = server.child.kill();
    let _ = server.child.wait();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("chr22.fa.gz") && !d.dir.path().join("genes.tsv").exists(), "{stderr}");
}

/// An S3-compatible server on loopback (moto, installed by .ci/run into target/moto-venv),
/// stopped when dropped.
#[cfg(feature = "remote")]
struct S3 {
    child: Child,
    port: u16,
    python: PathBuf,
}

#[cfg(feature = "remote")]
impl S3 {
    fn start() -> S3 {
        let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/moto-venv/bin");
        assert!(venv.join("moto_server").exists(), "no S3 server: {} is missing (bash .ci/run installs moto there)", venv.join("moto_server").display());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(venv.join("moto_server")).args(["-H", "127.0.0.1", "-p", &port.to_string()]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed().as_secs() < 60, "moto did not start on port {port}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        S3 { child, port, python: venv.join("python") }
    }

    /// Creates `bucket` and puts `files` in it (boto3, as a user would upload).
    fn put(&self, bucket: &str, files: &[&Path]) {
        let script = format!(
            "import boto3, os, sys\ns3 = boto3.client('s3', endpoint_url='http://127.0.0.1:{}', aws_access_key_id='testing', aws_secret_access_key='testing', region_name='us-east-1')\ns3.create_bucket(Bucket='{bucket}')\nfor f in sys.argv[1:]:\n    s3.upload_file(f, '{bucket}', os.path.basename(f))\n",
            self.port
        );
        let status = Command::new(&self.python).arg("-c").arg(script).args(files).status().unwrap();
        assert!(status.success());
    }

    /// What htslib needs to reach it: the endpoint, path-style addresses, credentials.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("HTS_S3_HOST", format!("127.0.0.1:{}", self.port)),
            ("HTS_S3_ADDRESS_STYLE", "path".into()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ]
    }
}

#[cfg(feature = "remote")]
impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// From an S3 bucket (signed requests through htslib's S3 support): the genome with its
/// .fai/.gzi, the GTF, and the VCF read by region through its .tbi give the local outputs;
/// a missing key is one clean error, exit 1.
#[cfg(feature = "remote")]
#[test]
fn inputs_in_an_s3_bucket_give_the_local_outputs() {
    let d = data();
    let s3 = S3::start();
    let served = d.dir.path().join("served");
    let files: Vec<PathBuf> = ["chr22.fa.gz", "chr22.fa.gz.fai", "chr22.fa.gz.gzi", "genes.gtf.gz", "hapmap.vcf.gz", "hapmap.vcf.gz.tbi"].iter().map(|f| served.join(f)).collect();
    s3.put("xpresso-test", &files.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    let env = s3.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = |name: &str| s(&d.dir.path().join(name));
    let run = |genome: &str, gtf: &str, vcf: &str, tag: &str| {
        let out = p(&format!("{tag}.vcf.gz"));
        let (status, _, stderr) = xpresso_env(&["score-variants", "-v", "-g", genome, "--gtf", gtf, "--vcf", vcf, "--region", "22:20,000,001-20,600,000", "-o", &out], &env);
        assert!(status.success(), "{tag}: {stderr}");
        (text(Path::new(&out)), stderr)
    };
    let (local, _) = run(&s(&d.genome), &s(&d.gtf), &s(&d.vcf), "local");
    let url = |key: &str| format!("s3+http://xpresso-test/{key}");
    let (remote, stderr) = run(&url("chr22.fa.gz"), &url("genes.gtf.gz"), &url("hapmap.vcf.gz"), "s3");
    assert!(local.len() > 60 && local == remote, "{} local lines, {} from S3\n{stderr}", local.len(), remote.len());
    let (status, _, stderr) = xpresso_env(&["score-variants", "-q", "-g", &s(&d.genome), "--gtf", &s(&d.gtf), "--vcf", &url("missing.vcf.gz"), "-o", &p("x.vcf.gz")], &env);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("s3+http://xpresso-test/missing.vcf.gz") && stderr.lines().count() == 1 && !stderr.contains("testing"), "{stderr}");
}

#[cfg(not(feature = "remote"))]
#[test]
fn without_the_feature_a_url_says_how_to_build_it() {
    let d = data();
    let (status, _, stderr) = xpresso(&["annotate", "-q", "-g", &s(&d.genome), "--gtf", "https://example.org/genes.gtf.gz"]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("built without remote inputs") && stderr.contains("--features remote"), "{stderr}");
}
