//! The BGZF copy of a plain-gzip genome: reused only while its stamp matches the source and
//! the copy itself (a copy cut short is converted again), written with the usual
//! permissions, one conversion at a time, nothing left behind by a signal, an empty
//! `XPRESSO_GENOME_CACHE` read as unset, and a cache that cannot be written is exit 1 saying
//! how to move it.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::case::{bgzf, Case};
use common::{human_model, random_bases};

/// A plain-gzip FASTA of `contigs` random contigs of `len` bases at `path`; the text.
fn plain_gzip(path: &Path, contigs: usize, len: usize, level: u32) -> Vec<u8> {
    let mut text = Vec::new();
    for i in 0..contigs {
        text.extend_from_slice(if i == 0 { b">chr1\n".to_vec() } else { format!(">chr{}\n", i + 1).into_bytes() }.as_slice());
        for line in random_bases(len, 5 + i as u64).chunks(60) {
            text.extend_from_slice(line);
            text.push(b'\n');
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    gz.write_all(&text).unwrap();
    std::fs::write(path, gz.finish().unwrap()).unwrap();
    text
}

fn annotate(c: &Case, genome: &str, cache: Option<&str>, envs: &[(&str, &str)]) -> Output {
    let model = human_model().to_string_lossy().into_owned();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xpresso"));
    cmd.args(["annotate", "-m", &model, "--genome", genome, "--gtf", &c.p("ok.gtf"), "-o", "-"]).current_dir(c.dir.path());
    match cache {
        Some(dir) => cmd.env("XPRESSO_GENOME_CACHE", dir),
        None => cmd.env_remove("XPRESSO_GENOME_CACHE"),
    };
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(dir).map(|d| d.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
    all.sort();
    all
}

fn the_copy(cache: &Path) -> PathBuf {
    files(cache).into_iter().find(|p| p.to_string_lossy().ends_with(".bgz")).expect("a BGZF copy in the cache")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_copy_cut_short_is_converted_again() {
    let c = Case::new();
    let text = plain_gzip(&c.dir.path().join("g.fa.gz"), 2, 30_000, 6);
    let cache = c.p("cache");
    let first = annotate(&c, "g.fa.gz", Some(&cache), &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let copy = the_copy(Path::new(&cache));
    // the copy and its indexes: the same permissions (0666 less umask), so another user of
    // a shared cache can read them
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&copy), mode(&PathBuf::from(format!("{}.fai", copy.display()))));
    assert_eq!(mode(&copy) & 0o044, 0o044, "readable by group and others under umask 022");
    // cut the copy at a block boundary (chr2 lost), add the EOF block, delete its indexes:
    // a whole-looking BGZF file the stamp must still refuse
    let half = bgzf(&text[..text.len() / 2], 20_000);
    std::fs::write(&copy, &half).unwrap();
    for ext in ["fai", "gzi"] {
        std::fs::remove_file(format!("{}.{ext}", copy.display())).unwrap();
    }
    let again = annotate(&c, "g.fa.gz", Some(&cache), &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains("does not match its stamp"), "{}", stderr(&again));
    assert_eq!(again.stdout, first.stdout, "the same predictions from the repaired copy");
    let fai = std::fs::read_to_string(format!("{}.fai", copy.display())).unwrap();
    assert!(fai.contains("chr2\t30000"), "the whole genome again: {fai}");
    // reused when unchanged, without a word about stale indexes
    let third = annotate(&c, "g.fa.gz", Some(&cache), &[]);
    assert!(third.status.success() && stderr(&third).contains("using its BGZF copy") && !stderr(&third).contains("older"), "{}", stderr(&third));
}

#[test]
fn two_runs_converting_at_once_convert_once() {
    let c = Case::new();
    plain_gzip(&c.dir.path().join("g.fa.gz"), 40, 100_000, 1);
    let cache = c.p("cache");
    let model = human_model().to_string_lossy().into_owned();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_xpresso"))
            .args(["annotate", "-m", &model, "--genome", "g.fa.gz", "--gtf", &c.p("ok.gtf"), "-o", "-"])
            .current_dir(c.dir.path())
            .env("XPRESSO_GENOME_CACHE", &cache)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() && b.status.success(), "{}\n{}", stderr(&a), stderr(&b));
    assert_eq!(a.stdout, b.stdout);
    let converted = [&a, &b].iter().filter(|o| stderr(o).contains("converting it once")).count();
    assert_eq!(converted, 1, "one run converts, the other reuses:\n{}\n{}", stderr(&a), stderr(&b));
    let later = annotate(&c, "g.fa.gz", Some(&cache), &[]);
    assert!(later.status.success() && !stderr(&later).contains("older"), "{}", stderr(&later));
    let names: Vec<String> = files(Path::new(&cache)).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.ends_with(".partial")), "{names:?}");
}

#[test]
fn a_signal_during_conversion_leaves_no_temporary_file() {
    let c = Case::new();
    plain_gzip(&c.dir.path().join("g.fa.gz"), 60, 1_000_000, 1);
    let cache = c.p("cache");
    let model = human_model().to_string_lossy().into_owned();
    let child = Command::new(env!("CARGO_BIN_EXE_xpresso"))
        .args(["annotate", "-q", "-m", &model, "--genome", "g.fa.gz", "--gtf", &c.p("ok.gtf"), "-o", &c.p("out.tsv")])
        .current_dir(c.dir.path())
        .env("XPRESSO_GENOME_CACHE", &cache)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // wait until the conversion has begun writing
    let started = std::time::Instant::now();
    while !files(Path::new(&cache)).iter().any(|p| p.to_string_lossy().contains(".converting.")) {
        assert!(started.elapsed().as_secs() < 60, "no conversion seen");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{}", stderr(&out));
    let left: Vec<PathBuf> = files(Path::new(&cache)).into_iter().filter(|p| !p.to_string_lossy().ends_with(".lock")).collect();
    assert!(left.is_empty(), "nothing but the lock file is left: {left:?}");
    assert!(!Path::new(&c.p("out.tsv")).exists());
}

#[test]
fn an_empty_or_unwritable_cache_setting() {
    let c = Case::new();
    plain_gzip(&c.dir.path().join("g.fa.gz"), 1, 30_000, 6);
    // set but empty: the default under HOME, never the working directory
    let home = c.p("home");
    let o = annotate(&c, "g.fa.gz", Some(""), &[("HOME", &home), ("XDG_CACHE_HOME", "")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(the_copy(&Path::new(&home).join(".cache/xpresso/genomes")).exists());
    let here: Vec<String> = files(c.dir.path()).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert!(here.iter().all(|n| !n.contains(".bgz")), "nothing converted into the working directory: {here:?}");
    // a cache that cannot be created (under a regular file, so even root cannot): exit 1,
    // naming the directory and how to move it
    std::fs::write(c.p("plain-file"), "x").unwrap();
    let o = annotate(&c, "g.fa.gz", Some(&format!("{}/cache", c.p("plain-file"))), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let s = stderr(&o);
    assert!(s.contains("cannot create the genome cache") && s.contains("XPRESSO_GENOME_CACHE") && s.contains("plain-file/cache"), "{s}");
}

/// A lab-wide cache (a 0777 directory): a copy made by one user (whose umask left the lock
/// file 0644) is used, and rebuilt when its source changed, by a second user. Run as root,
/// the second user is `nobody` through setpriv; as anyone else there is no second uid to be.
#[test]
fn a_shared_cache_serves_and_is_rebuilt_by_a_second_user() {
    if !Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n")) {
        eprintln!("not root: no second user to run as");
        return;
    }
    let c = Case::new();
    std::fs::set_permissions(c.dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(c.p("ok.gtf"), std::fs::Permissions::from_mode(0o644)).unwrap();
    plain_gzip(&c.dir.path().join("g.fa.gz"), 2, 20_000, 1);
    std::fs::set_permissions(c.p("g.fa.gz"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let cache = c.p("cache");
    std::fs::create_dir(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let first = annotate(&c, "g.fa.gz", Some(&cache), &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    // the lock as a umask of 022 leaves it (xpresso now makes it 0666)
    let lock = files(Path::new(&cache)).into_iter().find(|p| p.to_string_lossy().ends_with(".lock")).expect("a lock file");
    assert_eq!(std::fs::metadata(&lock).unwrap().permissions().mode() & 0o777, 0o666, "the lock is shared");
    std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o644)).unwrap();
    let model = human_model().to_string_lossy().into_owned();
    let as_nobody = || {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_xpresso")])
            .args(["annotate", "-m", &model, "--genome", "g.fa.gz", "--gtf", &c.p("ok.gtf"), "-o", "-"])
            .current_dir(c.dir.path())
            .env("XPRESSO_GENOME_CACHE", &cache)
            .output()
            .expect("setpriv (util-linux) is needed to test a second user as root")
    };
    let second = as_nobody();
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(stderr(&second).contains("using its BGZF copy"), "{}", stderr(&second));
    assert_eq!(first.stdout, second.stdout);
    // the source changes: the second user converts again, over the first user's files
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options().write(true).open(c.p("g.fa.gz")).unwrap().set_modified(later).unwrap();
    let third = as_nobody();
    assert!(third.status.success(), "{}", stderr(&third));
    assert!(stderr(&third).contains("converting it once"), "{}", stderr(&third));
    assert_eq!(first.stdout, third.stdout);
}
