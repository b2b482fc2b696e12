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

use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static BYTES: AtomicU64 = AtomicU64::new(0);
static OPENS: AtomicU64 = AtomicU64::new(0);
static SEEKS: AtomicU64 = AtomicU64::new(0);
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

/// The command line, as outputs record it (`##xpresso ... command=`), credentials removed.
pub fn command_line() -> String {
    redact(&std::env::args().collect::<Vec<_>>().join(" "))
}

/// Whether a remote read or open failed in this run (the CLI exits 1 then).
pub fn failed() -> bool {
    FAILED.load(Ordering::Relaxed)
}

#[cfg_attr(not(feature = "remote"), allow(dead_code))]
fn network_error(url: &str, what: &str, e: io::Error) -> io::Error {
    FAILED.store(true, Ordering::Relaxed);
    let cause = match e.raw_os_error() {
        Some(libc::ENOENT) => "not found (HTTP 404)".to_string(),
        Some(libc::EACCES) | Some(libc::EPERM) => "access denied (HTTP 401/403: check the credentials)".to_string(),
        Some(libc::ETIMEDOUT) => "timed out".to_string(),
        Some(libc::ECONNREFUSED) => "connection refused".to_string(),
        _ => e.to_string(),
    };
    io::Error::new(e.kind(), format!("{what} {}: {cause}", shown(url)))
}

/// What the run fetched, for `-v`: `(bytes, files opened, seeks)`.
pub fn totals() -> (u64, u64, u64) {
    (BYTES.load(Ordering::Relaxed), OPENS.load(Ordering::Relaxed), SEEKS.load(Ordering::Relaxed))
}

/// Logs what was fetched (debug, `-v`), when anything was.
pub fn report() {
    let (bytes, opens, seeks) = totals();
    if opens > 0 {
        log::debug!("remote inputs: {bytes} bytes read from {opens} opened files, {seeks} seeks (each a ranged request)");
    }
}

#[cfg(feature = "remote")]
mod hfile {
    use super::*;
    use std::ffi::CString;

    unsafe extern "C" {
        // exported by htslib; `hread` itself is an inline function of hfile.h
        fn hread2(fp: *mut hts_sys::hFILE, buffer: *mut libc::c_void, nbytes: usize, copied: usize) -> isize;
    }

    /// An open remote file. One owner at a time (hFILE is not thread-safe).
    pub struct RemoteFile {
        fp: *mut hts_sys::hFILE,
        url: String,
        pos: u64,
        len: Option<u64>,
    }

    // SAFETY: the hFILE is used by one thread at a time through `&mut self`
    unsafe impl Send for RemoteFile {}

    impl RemoteFile {
        pub fn open(url: &str) -> io::Result<RemoteFile> {
            let c = CString::new(url).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "URL with a NUL byte"))?;
            // htslib prints its own warnings on stderr; errors come back here
            unsafe { hts_sys::hts_set_log_level(hts_sys::htsLogLevel_HTS_LOG_OFF) };
            let fp = unsafe { hts_sys::hopen(c.as_ptr(), c"r".as_ptr()) };
            if fp.is_null() {
                return Err(network_error(url, "cannot open", io::Error::last_os_error()));
            }
            OPENS.fetch_add(1, Ordering::Relaxed);
            Ok(RemoteFile { fp, url: url.to_string(), pos: 0, len: None })
        }

        /// The size of the file (one ranged request the first time).
        pub fn len(&mut self) -> io::Result<u64> {
            if let Some(len) = self.len {
                return Ok(len);
            }
            let here = self.pos;
            let end = self.seek(SeekFrom::End(0))?;
            self.seek(SeekFrom::Start(here))?;
            self.len = Some(end);
            Ok(end)
        }
    }

    impl Read for RemoteFile {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if buf.is_empty() {
                return Ok(0);
            }
            // hread of hfile.h: the buffered bytes first, then the backend
            let n = unsafe {
                let f = &mut *self.fp;
                let avail = f.end.offset_from(f.begin) as usize;
                let n = avail.min(buf.len());
                std::ptr::copy_nonoverlapping(f.begin as *const u8, buf.as_mut_ptr(), n);
                f.begin = f.begin.add(n);
                if n == buf.len() { n as isize } else { hread2(self.fp, buf.as_mut_ptr().cast(), buf.len(), n) }
            };
            if n < 0 {
                return Err(network_error(&self.url, "cannot read", io::Error::last_os_error()));
            }
            self.pos += n as u64;
            BYTES.fetch_add(n as u64, Ordering::Relaxed);
            Ok(n as usize)
        }
    }

    impl Seek for RemoteFile {
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            let (offset, whence) = match to {
                SeekFrom::Start(o) => (o as i64, libc::SEEK_SET),
                SeekFrom::Current(o) => (self.pos as i64 + o, libc::SEEK_SET),
                SeekFrom::End(o) => (o, libc::SEEK_END),
            };
            if whence == libc::SEEK_SET && offset as u64 == self.pos {
                return Ok(self.pos);
            }
            SEEKS.fetch_add(1, Ordering::Relaxed);
            let at = unsafe { hts_sys::hseek(self.fp, offset as hts_sys::off_t, whence) };
            if at < 0 {
                return Err(network_error(&self.url, "cannot seek in", io::Error::last_os_error()));
            }
            self.pos = at as u64;
            Ok(self.pos)
        }
    }

    impl Drop for RemoteFile {
        fn drop(&mut self) {
            unsafe { hts_sys::hclose(self.fp) };
        }
    }
}

#[cfg(feature = "remote")]
pub use hfile::RemoteFile;

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

    pub fn len(&mut self) -> io::Result<u64> {
        match self.0 {}
    }
}

#[cfg(not(feature = "remote"))]
impl Read for RemoteFile {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0 {}
    }
}

#[cfg(not(feature = "remote"))]
impl Seek for RemoteFile {
    fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {
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
    }
}
