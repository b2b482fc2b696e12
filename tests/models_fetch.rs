//! `xpresso models fetch|list` against a loopback HTTP server serving the published files
//! from ../shared (the download URL is overridable for exactly this, and for mirrors).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;

use common::{human_model, shared};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Serve,
    /// Flip a byte of every body.
    Corrupt,
    /// Answer 404 to everything.
    Missing,
}

/// Serves `requests` GETs on 127.0.0.1 from ../shared/models/xpresso. Returns the base URL.
fn serve(requests: usize, mode: Mode) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            reader.read_line(&mut request).unwrap();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            let name = request.split_whitespace().nth(1).unwrap_or("/").rsplit('/').next().unwrap().to_string();
            let file = shared().join("models/xpresso").join(&name);
            match std::fs::read(&file).ok().filter(|_| mode != Mode::Missing) {
                Some(mut body) => {
                    if mode == Mode::Corrupt {
                        body[1000] ^= 0xff;
                    }
                    write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).unwrap();
                    stream.write_all(&body).unwrap();
                }
                None => write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap(),
            }
        }
    });
    format!("http://{addr}/mirror/")
}

fn xpresso_with_cache(cache: &PathBuf, args: &[&str]) -> (std::process::ExitStatus, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xpresso"))
        .env("XPRESSO_CACHE_DIR", cache)
        .env_remove("XPRESSO_MODEL_URL")
        .args(args)
        .output()
        .unwrap();
    (out.status, String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn fetch_verifies_and_caches_then_names_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    // the published models are built in: a name works offline, with nothing in the cache,
    // and gives the prediction of the file itself
    let fa = dir.path().join("x.fa");
    std::fs::write(&fa, ">chr1\nACGT\n").unwrap();
    let (status, builtin, stderr) = xpresso_with_cache(&cache, &["predict", "-q", "--fasta", &fa.to_string_lossy(), "-m", "human"]);
    assert!(status.success(), "{stderr}");
    assert!(!cache.exists(), "nothing downloaded");
    let (_, from_file, _) = xpresso_with_cache(&cache, &["predict", "-q", "--fasta", &fa.to_string_lossy(), "-m", &human_model().to_string_lossy()]);
    assert_eq!(builtin.lines().last(), from_file.lines().last());
    assert!(builtin.contains("model=human (built in: human_trainepoch.11-0.426.h5, sha256 15a38364"), "{builtin}");

    let url = serve(2, Mode::Serve);
    let (status, _, stderr) = xpresso_with_cache(&cache, &["models", "fetch", "human", "--url", &url]);
    assert!(status.success(), "{stderr}");
    let cached = cache.join("human_trainepoch.11-0.426.h5");
    assert_eq!(std::fs::read(&cached).unwrap(), std::fs::read(human_model()).unwrap());
    let (status, _, stderr) = xpresso_with_cache(&cache, &["models", "fetch", "mouse", "--url", &url]);
    assert!(status.success(), "{stderr}");

    let (_, stdout, _) = xpresso_with_cache(&cache, &["models", "list"]);
    assert!(stdout.lines().any(|l| l.starts_with("human\tok\t")), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("mouse\tok\t")), "{stdout}");

    // file:// sources work too (a mirror on a shared disk)
    let mirror = format!("file://{}", human_model().parent().unwrap().display());
    let (status, _, stderr) = xpresso_with_cache(&cache, &["models", "fetch", "human", "--force", "--url", &mirror]);
    assert!(status.success(), "{stderr}");
    assert_eq!(std::fs::read(&cached).unwrap(), std::fs::read(human_model()).unwrap());
    assert!(builtin.lines().last().unwrap().starts_with("chr1\t4\t"), "{builtin}");
}

/// The built-in copies are the published files, byte for byte (their sha256 as listed).
#[test]
fn built_in_models_are_the_published_files() {
    for m in xpresso::model::registry::KNOWN_MODELS {
        use sha2::Digest;
        let digest: String = sha2::Sha256::digest(m.bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(digest, m.sha256, "{}", m.name);
    }
    assert_eq!(xpresso::model::registry::KNOWN_MODELS[0].bytes, &std::fs::read(human_model()).unwrap()[..]);
}

#[test]
fn corrupt_download_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let url = serve(1, Mode::Corrupt);
    let (status, _, stderr) = xpresso_with_cache(&cache, &["models", "fetch", "human", "--url", &url]);
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains("checksum mismatch") && stderr.contains("nothing was written"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
    assert!(left.is_empty(), "the cache stays empty: {left:?}");
    let (_, stdout, _) = xpresso_with_cache(&cache, &["models", "list"]);
    assert!(stdout.contains("human\tbuilt-in (no cached copy)"), "{stdout}");
}

#[test]
fn missing_file_on_the_server_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = serve(1, Mode::Missing);
    let (status, _, stderr) = xpresso_with_cache(&dir.path().join("c"), &["models", "fetch", "human", "--url", &url]);
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains("cannot download") && stderr.contains("404"), "{stderr}");
    let (status, _, stderr) = xpresso_with_cache(&dir.path().join("c"), &["models", "fetch", "rat", "--url", &url]);
    assert_eq!(status.code(), Some(3), "an unknown name is an input error, a failed download (above) a run failure");
    assert!(stderr.contains("unknown model 'rat'"), "{stderr}");
}
