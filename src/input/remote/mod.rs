//! Inputs named by URL (`https://`, `http://`, `ftp://`, `s3://`, `gs://`), read through
//! htslib's hFILE layer (hts-sys with libcurl: ranged requests, S3 request signing with the
//! usual AWS variables and files, GCS with `GCS_OAUTH_TOKEN`). A `RemoteFile` is `Read + Seek`
//! so the same noodles readers parse it as a local file: a remote input gives the same
//! records. Behind the `remote` cargo feature (it builds htslib, curl and OpenSSL from
//! source, which needs cmake); without it a URL is refused, saying so.
//!
//! A failure of the network (refused, 404, 403, a dropped connection) is marked here
//! (`failed`), so the run exits 1 (retry may help) even where a parser reports the read
//! error as bad input; credentials are never printed (URLs are shown without their query).

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static BYTES: AtomicU64 = AtomicU64::new(0);
static OPENS: AtomicU64 = AtomicU64::new(0);
static REQUESTS: AtomicU64 = AtomicU64::new(0);
static RETRIES: AtomicU64 = AtomicU64::new(0);
static FAILED: AtomicBool = AtomicBool::new(false);

/// Whether `path` names a remote input (a URL scheme htslib reads).
pub fn is_url(path: &Path) -> bool {
    let s = path.to_string_lossy();
    ["http://", "https://", "ftp://", "s3://", "s3+http://", "s3+https://", "gs://", "gs+http://", "gs+https://"].iter().any(|p| s.starts_with(p))
}

/// The URL as it may be printed: without `?query` (a presigned URL's signature) or
/// `user:password@`.
pub fn shown(url: &str) -> String {
    let no_query = url.split(['?', '#']).next().unwrap_or(url);
    match no_query.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
            format!("{scheme}://{host}/{path}")
        }
        None => no_query.to_string(),
    }
}

/// `text` with every URL in it as `shown` prints it (messages name inputs by their path,
/// and a path may be a URL with a password or a signed query).
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let start = rest[..at].rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '+')).map_or(0, |i| i + 1);
        let end = at + rest[at..].find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | ',' | ';' | ')' | '`')).unwrap_or(rest.len() - at);
        out.push_str(&rest[..start]);
        out.push_str(&shown(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A line as outputs record it (`##` provenance, VCF headers, `--stats` JSON): every URL in
/// it without credentials or query. Every provenance writer passes its lines through here,
/// so a path that is a signed URL is never written into a file.
pub fn recorded(line: &str) -> String {
    redact(line)
}

/// The command line, as outputs record it (`##xpresso ... command=`), credentials removed.
pub fn command_line() -> String {
    recorded(&std::env::args().collect::<Vec<_>>().join(" "))
}

/// `url` with `.ext` added to its path, before any `?query` (where htslib looks for an index).
pub fn beside(url: &str, ext: &str) -> String {
    match url.split_once('?') {
        Some((path, query)) => format!("{path}.{ext}?{query}"),
        None => format!("{url}.{ext}"),
    }
}

/// A path split at `##idx##` (htslib's way to name an index that is not beside its data:
/// `https://host/calls.vcf.gz##idx##/data/calls.vcf.gz.csi`): the data, and the index when
/// one is named.
pub fn split_index(path: &Path) -> (std::path::PathBuf, Option<std::path::PathBuf>) {
    let s = path.to_string_lossy();
    match s.split_once("##idx##") {
        Some((data, index)) => (data.into(), Some(index.into())),
        None => (path.to_path_buf(), None),
    }
}

/// Whether a remote read or open failed in this run (the CLI exits 1 then).
pub fn failed() -> bool {
    FAILED.load(Ordering::Relaxed)
}

#[cfg_attr(not(feature = "remote"), allow(dead_code))]
fn network_error(url: &str, what: &str, e: io::Error) -> io::Error {
    FAILED.store(true, Ordering::Relaxed);
    let retried = match retry::transient(&e) && retry::retries() > 0 {
        true => format!(" (tried {} times)", retry::retries() + 1),
        false => String::new(),
    };
    io::Error::new(e.kind(), format!("{what} {}: {}{retried}", shown(url), cause(&e)))
}

/// What an error of the hFILE layer means, in words (htslib maps HTTP statuses and curl's
/// codes to errno values).
fn cause(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ENOENT) => "not found (HTTP 404)".into(),
        Some(libc::EACCES) | Some(libc::EPERM) => "access denied (HTTP 401/403: check the credentials)".into(),
        Some(libc::EBUSY) => "server unavailable (HTTP 503)".into(),
        Some(libc::EIO) => "server or transfer error (HTTP 5xx)".into(),
        Some(libc::ETIMEDOUT) => "timed out".into(),
        Some(libc::ECONNREFUSED) => "connection refused".into(),
        Some(libc::EPIPE) => "the connection closed before the answer ended".into(),
        Some(libc::ECONNRESET) => "connection reset".into(),
        Some(libc::EDESTADDRREQ) => "host not found".into(),
        _ => e.to_string(),
    }
}

/// What the run fetched, for `-v`: `(bytes, requests, files opened, retries)`.
pub fn totals() -> (u64, u64, u64, u64) {
    (BYTES.load(Ordering::Relaxed), REQUESTS.load(Ordering::Relaxed), OPENS.load(Ordering::Relaxed), RETRIES.load(Ordering::Relaxed))
}

/// Logs what was fetched (debug, `-v`), when anything was.
pub fn report() {
    let (bytes, requests, opens, retries) = totals();
    if opens > 0 {
        // http(s): bytes the server sent; s3/gs/ftp (htslib): bytes handed to the readers,
        // a seek past htslib's buffer counted as a request
        log::debug!("remote inputs: {bytes} bytes fetched in {requests} requests ({opens} files opened, {retries} retries)");
    }
}

#[cfg(feature = "remote")]
mod hfile;
#[cfg(feature = "remote")]
mod http;
#[cfg(feature = "remote")]
mod file;
#[cfg(feature = "remote")]
pub use file::RemoteFile;

mod head;
pub use head::{is_older, last_modified};

mod shared;
pub use shared::Shared;

mod retry;


/// Without the `remote` feature: every URL is refused, saying how to build with it.
#[cfg(not(feature = "remote"))]
pub struct RemoteFile(std::convert::Infallible);

#[cfg(not(feature = "remote"))]
impl RemoteFile {
    pub fn open(url: &str) -> io::Result<RemoteFile> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{}: this xpresso was built without remote inputs (cargo install --features remote; it needs cmake)", shown(url)),
        ))
    }

    pub fn open_if_exists(url: &str) -> io::Result<Option<RemoteFile>> {
        Self::open(url).map(Some)
    }

    pub fn len(&mut self) -> io::Result<u64> {
        match self.0 {}
    }

    pub fn position(&self) -> u64 {
        match self.0 {}
    }

    pub fn plan(&mut self, _: u64, _: u64) {
        match self.0 {}
    }

    pub fn peek_at(&mut self, _: &mut [u8], _: u64) -> io::Result<()> {
        match self.0 {}
    }
}

#[cfg(not(feature = "remote"))]
impl io::Read for RemoteFile {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0 {}
    }
}

#[cfg(not(feature = "remote"))]
impl io::Seek for RemoteFile {
    fn seek(&mut self, _: io::SeekFrom) -> io::Result<u64> {
        match self.0 {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_apart_and_shown_without_secrets() {
        assert!(is_url(Path::new("https://host/a.vcf.gz")) && is_url(Path::new("s3://bucket/k.bcf")) && is_url(Path::new("gs://b/o")));
        assert!(!is_url(Path::new("a.vcf.gz")) && !is_url(Path::new("/data/https/x")) && !is_url(Path::new("-")));
        assert_eq!(shown("https://user:secret@host:8080/p/a.vcf.gz?X-Amz-Signature=abc"), "https://host:8080/p/a.vcf.gz");
        assert_eq!(shown("s3://bucket/key.bcf"), "s3://bucket/key.bcf");
        assert_eq!(
            redact("VCF/BCF https://u:pw@h/a.vcf.gz?sig=1 is truncated; --gtf=s3://b/g.gtf ok"),
            "VCF/BCF https://h/a.vcf.gz is truncated; --gtf=s3://b/g.gtf ok"
        );
        assert_eq!(redact("no url here: a.vcf"), "no url here: a.vcf");
        assert_eq!(beside("https://h/a.vcf.gz?sig=1", "tbi"), "https://h/a.vcf.gz.tbi?sig=1");
        assert_eq!(beside("s3://b/a.bcf", "csi"), "s3://b/a.bcf.csi");
        let (data, index) = split_index(Path::new("https://h/a.vcf.gz##idx##/x/a.csi"));
        assert_eq!((data.to_str(), index.as_deref().and_then(Path::to_str)), (Some("https://h/a.vcf.gz"), Some("/x/a.csi")));
        assert_eq!(split_index(Path::new("a.vcf.gz")).1, None);
    }
}
