//! `http://` and `https://` files read by bounded ranges (libcurl, one kept-alive connection
//! per file). htslib's hFILE asks for `Range: bytes=N-` and drops the connection when it
//! seeks elsewhere, so a server streams on into the socket what nobody reads (17x a
//! genome-wide annotate's bytes, a whole VCF per open): here every request names its end,
//! and the server sends what is asked for.
//!
//! Reads are served from the last few fetched ranges; a read outside them fetches from
//! there a range that starts at 16 KiB and doubles (to 4 MiB) while reads go on forward,
//! so a streamed file costs a handful of requests and a jump costs one small one. A jump
//! forward by less than `GAP` reads through the gap (fewer requests for a few bytes more).
//! What one URL's first request told (its size and first bytes) is kept for the run, so a
//! file opened again (a header, then its end-of-file check, then a region) costs no
//! request. HTTP statuses and curl's codes become the errno values htslib uses, so the
//! retries and messages of `retry` and `cause` hold for both.

use super::{network_error, retry, BYTES, OPENS, REQUESTS};
use std::collections::{HashMap, VecDeque};
use std::ffi::{CStr, CString};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::raw::{c_char, c_long, c_void};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};

/// The first request of a file, and the least a jump fetches.
const FIRST: usize = 16 << 10;
/// The most one request fetches (reads going on forward double towards it).
const MOST: usize = 4 << 20;
/// A jump forward by at most this many bytes reads through the gap.
const GAP: u64 = 32 << 10;
/// Bytes of fetched ranges kept per file (a reader and the index checks ahead of it, a
/// genome's windows jumping back past a long gene, a second pass over a small file).
const KEPT: usize = 16 << 20;

/// What a URL's first answer told: its size, its first bytes, its version; and its last
/// bytes once a small read fetched them (the end-of-file check, then an index's last block).
struct Known {
    len: u64,
    head: Arc<Vec<u8>>,
    version: Version,
    tail: Option<(u64, Arc<Vec<u8>>)>,
}

/// What says which version of a file an answer is of: its `ETag`, `Last-Modified` and size
/// (a server that sends neither header still says the size, in `Content-Range`).
#[derive(Clone, Default, PartialEq, Debug)]
struct Version {
    etag: Option<String>,
    modified: Option<i64>,
    size: Option<u64>,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.etag, self.modified) {
            (Some(etag), _) => write!(f, "ETag {etag}")?,
            (None, Some(t)) => write!(f, "Last-Modified {t} s")?,
            (None, None) => write!(f, "no ETag or date")?,
        }
        match self.size {
            Some(n) => write!(f, ", {n} bytes"),
            None => Ok(()),
        }
    }
}

impl Version {
    /// Whether `later` is of another version of the file (an ETag, else a date, differs, or
    /// the size).
    fn differs(&self, later: &Version) -> bool {
        let sized = matches!((self.size, later.size), (Some(a), Some(b)) if a != b);
        sized
            || match (&self.etag, &later.etag) {
                (Some(a), Some(b)) => a != b,
                _ => matches!((self.modified, later.modified), (Some(a), Some(b)) if a != b),
            }
    }
}

/// The `Last-Modified` time the first answer for `url` gave, when this run fetched it
/// (`Some(None)`: it gave none), so its date costs no `HEAD` request.
pub fn known_modified(url: &str) -> Option<Option<i64>> {
    known().lock().unwrap_or_else(|p| p.into_inner()).get(url).map(|k| k.version.modified)
}

fn known() -> &'static Mutex<HashMap<String, Known>> {
    static KNOWN: OnceLock<Mutex<HashMap<String, Known>>> = OnceLock::new();
    KNOWN.get_or_init(Default::default)
}

/// An open `http(s)://` file.
pub struct HttpFile {
    easy: *mut curl_sys::CURL,
    url: String,
    c_url: CString,
    pos: u64,
    len: u64,
    /// Fetched ranges (start, bytes), the most recent last.
    ranges: VecDeque<(u64, Arc<Vec<u8>>)>,
    /// The size of the next request if reads go on forward from the last one.
    ahead: usize,
    /// Bytes the caller said it will read (`plan`): fetched in one request.
    plan: Option<(u64, u64)>,
    /// Whether the server was seen to ignore ranges (said once).
    no_ranges: bool,
    /// The version of the file the first answer was of: every later one must be of it.
    version: Option<Version>,
}

// SAFETY: the curl handle is used by one thread at a time through `&mut self`
unsafe impl Send for HttpFile {}

/// Whether `url` is read here rather than by htslib.
pub fn handles(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

/// What one answer brought.
#[derive(Default)]
struct Answer {
    /// Bytes of a 200 answer before the range asked for (a server that ignores ranges).
    skip: u64,
    start: u64,
    want: usize,
    body: Vec<u8>,
    status: u32,
    /// From `Content-Range: bytes A-B/SIZE` (206, 416) or `Content-Length` (200).
    size: Option<u64>,
    /// A of `Content-Range: bytes A-B/SIZE`: a 206 from before `start` is skipped to it (a
    /// cache answering aligned ranges), one from after it is refused.
    from: Option<u64>,
    /// `Content-Type: multipart/byteranges`: several ranges in one answer, never asked for.
    multipart: bool,
    etag: Option<String>,
    /// The body was cut off on purpose, having what was asked for.
    enough: bool,
}

impl Answer {
    /// One header line of the answer (the status line too).
    fn header(&mut self, line: &[u8]) {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end();
        if let Some(rest) = text.strip_prefix("HTTP/") {
            // a new answer (after a redirect, or a 100 Continue): start over
            self.status = rest.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            self.size = None;
            self.from = None;
            self.multipart = false;
            self.etag = None;
            self.skip = if self.status == 200 { self.start } else { 0 };
        } else if let Some((name, value)) = text.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-range") {
                let (range, size) = value.rsplit_once('/').unwrap_or((value, ""));
                self.size = size.parse().ok();
                self.from = range.trim().strip_prefix("bytes").and_then(|r| r.trim().split_once('-')).and_then(|(a, _)| a.trim().parse().ok());
                if let (206, Some(from)) = (self.status, self.from) {
                    self.skip = self.start.saturating_sub(from);
                }
            } else if name.eq_ignore_ascii_case("content-type") {
                self.multipart = value.to_ascii_lowercase().starts_with("multipart/byteranges");
            } else if name.eq_ignore_ascii_case("content-length") && self.status == 200 {
                self.size = value.parse().ok();
            } else if name.eq_ignore_ascii_case("etag") {
                self.etag = Some(value.to_string());
            }
        }
    }

    /// Takes part of the body: false once it holds what was asked for and more came (the
    /// transfer is then stopped).
    fn body(&mut self, mut bytes: &[u8]) -> bool {
        if !matches!(self.status, 200 | 206) || self.misplaced().is_some() {
            return true; // an error page, or bytes refused after the transfer: dropped
        }
        let skip = self.skip.min(bytes.len() as u64) as usize;
        self.skip -= skip as u64;
        bytes = &bytes[skip..];
        let take = (self.want - self.body.len()).min(bytes.len());
        self.body.extend_from_slice(&bytes[..take]);
        if take < bytes.len() {
            // more than was asked for (a server that ignores the range's end): enough
            self.enough = true;
            return false;
        }
        true
    }

    /// Why a 200/206 answer's bytes are not those asked for, if they are not.
    fn misplaced(&self) -> Option<String> {
        match self.from {
            _ if self.status != 206 => None,
            _ if self.multipart => Some("the server answered several ranges (multipart/byteranges) to a request for one".into()),
            Some(from) if from > self.start => Some(format!("the server answered bytes from {from} to a request from byte {}", self.start)),
            _ => None,
        }
    }
}

extern "C" fn on_header(data: *mut c_char, size: usize, n: usize, answer: *mut c_void) -> usize {
    let line = unsafe { std::slice::from_raw_parts(data as *const u8, size * n) };
    unsafe { &mut *(answer as *mut Answer) }.header(line);
    size * n
}

extern "C" fn on_body(data: *mut c_char, size: usize, n: usize, answer: *mut c_void) -> usize {
    let bytes = unsafe { std::slice::from_raw_parts(data as *const u8, size * n) };
    match unsafe { &mut *(answer as *mut Answer) }.body(bytes) {
        true => size * n,
        false => 0,
    }
}

/// The errno htslib gives an HTTP status (hfile_libcurl's `http_status_errno`).
fn status_error(status: u32) -> io::Error {
    let errno = match status {
        401 | 407 => libc::EPERM,
        403 => libc::EACCES,
        404 | 410 => libc::ENOENT,
        408 | 504 => libc::ETIMEDOUT,
        503 => libc::EBUSY,
        501 => libc::ENOSYS,
        500..=599 => libc::EIO,
        _ => return io::Error::other(format!("HTTP {status}")),
    };
    io::Error::from_raw_os_error(errno)
}

/// The errno htslib gives a curl error (hfile_libcurl's `easy_errno`).
fn curl_error(easy: *mut curl_sys::CURL, code: curl_sys::CURLcode) -> io::Error {
    let errno = match code {
        curl_sys::CURLE_COULDNT_RESOLVE_HOST | curl_sys::CURLE_COULDNT_RESOLVE_PROXY => libc::EDESTADDRREQ,
        curl_sys::CURLE_COULDNT_CONNECT | curl_sys::CURLE_SEND_ERROR | curl_sys::CURLE_RECV_ERROR => {
            let mut os: c_long = 0;
            unsafe { curl_sys::curl_easy_getinfo(easy, curl_sys::CURLINFO_OS_ERRNO, &mut os as *mut c_long) };
            match os as i32 {
                0 if code == curl_sys::CURLE_COULDNT_CONNECT => libc::ECONNREFUSED,
                0 => libc::ECONNRESET,
                e => e,
            }
        }
        curl_sys::CURLE_GOT_NOTHING => libc::ECONNRESET,
        curl_sys::CURLE_PARTIAL_FILE => libc::EPIPE,
        curl_sys::CURLE_OPERATION_TIMEDOUT => libc::ETIMEDOUT,
        curl_sys::CURLE_SSL_CONNECT_ERROR => libc::ECONNABORTED,
        curl_sys::CURLE_LOGIN_DENIED | curl_sys::CURLE_REMOTE_ACCESS_DENIED => libc::EACCES,
        _ => {
            let text = unsafe { CStr::from_ptr(curl_sys::curl_easy_strerror(code)) }.to_string_lossy().into_owned();
            return io::Error::other(text);
        }
    };
    io::Error::from_raw_os_error(errno)
}

/// A curl handle set up for ranged GETs of `url` (kept alive between requests).
fn easy_for(url: &CStr) -> io::Result<*mut curl_sys::CURL> {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| unsafe {
        curl_sys::curl_global_init(curl_sys::CURL_GLOBAL_DEFAULT);
    });
    let easy = unsafe { curl_sys::curl_easy_init() };
    if easy.is_null() {
        return Err(io::Error::other("cannot start libcurl"));
    }
    static AGENT: &CStr = c"xpresso (libcurl)";
    unsafe {
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_URL, url.as_ptr());
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_USERAGENT, AGENT.as_ptr());
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_FOLLOWLOCATION, 1 as c_long);
        // Last-Modified, parsed by curl
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_FILETIME, 1 as c_long);
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_NOSIGNAL, 1 as c_long);
        // a connection not made, or a transfer stalled, for the timeout is a timeout (retried)
        let timeout = retry::timeout_s() as c_long;
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_CONNECTTIMEOUT, timeout.min(30));
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_LOW_SPEED_LIMIT, 1 as c_long);
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_LOW_SPEED_TIME, timeout);
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_HEADERFUNCTION, on_header as *const c_void);
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_WRITEFUNCTION, on_body as *const c_void);
        // CA certificates: CURL_CA_BUNDLE as htslib reads it, else the system's bundle
        let bundle = std::env::var_os("CURL_CA_BUNDLE").map(std::path::PathBuf::from).or_else(|| {
            ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"].iter().map(std::path::PathBuf::from).find(|p| p.is_file())
        });
        if let Some(c) = bundle.and_then(|b| CString::new(b.into_os_string().into_encoded_bytes()).ok()) {
            // curl copies option strings
            curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_CAINFO, c.as_ptr());
        }
    }
    Ok(easy)
}

impl HttpFile {
    pub fn open(url: &str) -> io::Result<HttpFile> {
        Self::open_if_exists(url)?.ok_or_else(|| network_error(url, "cannot open", io::Error::from_raw_os_error(libc::ENOENT)))
    }

    /// `open`, or `None` where the server says there is no such file (404).
    pub fn open_if_exists(url: &str) -> io::Result<Option<HttpFile>> {
        let c_url = CString::new(url).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "URL with a NUL byte"))?;
        let easy = easy_for(&c_url).map_err(|e| network_error(url, "cannot open", e))?;
        OPENS.fetch_add(1, Ordering::Relaxed);
        let mut file = HttpFile { easy, url: url.to_string(), c_url, pos: 0, len: 0, ranges: VecDeque::new(), ahead: FIRST, plan: None, no_ranges: false, version: None };
        let seen = known().lock().unwrap_or_else(|p| p.into_inner()).get(url).map(|k| (k.len, Arc::clone(&k.head), k.version.clone()));
        if let Some((len, head, version)) = seen {
            file.len = len;
            file.version = Some(version);
            file.ranges.push_back((0, head));
            return Ok(Some(file));
        }
        match file.fetch_retrying(0, FIRST) {
            Ok((head, len)) => {
                file.len = len;
                let head = Arc::new(head);
                let version = file.version.clone().unwrap_or_default();
                known().lock().unwrap_or_else(|p| p.into_inner()).insert(url.to_string(), Known { len, head: Arc::clone(&head), version, tail: None });
                file.ranges.push_back((0, head));
                Ok(Some(file))
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(None),
            Err(e) => Err(network_error(url, "cannot open", e)),
        }
    }

    pub fn len(&mut self) -> io::Result<u64> {
        Ok(self.len)
    }

    pub fn position(&self) -> u64 {
        self.pos
    }

    /// One GET of bytes `start..start + want`: the bytes (fewer at the end of the file) and
    /// the file's size; on failure, the bytes that came before it (good: a connection that
    /// broke mid-answer) and why.
    fn fetch(&mut self, start: u64, want: usize) -> Result<(Vec<u8>, u64), (Vec<u8>, io::Error)> {
        let mut answer = Answer { start, want, body: Vec::with_capacity(want), ..Default::default() };
        let range = CString::new(format!("{start}-{}", start + want as u64 - 1)).expect("digits");
        let code = unsafe {
            curl_sys::curl_easy_setopt(self.easy, curl_sys::CURLOPT_URL, self.c_url.as_ptr());
            curl_sys::curl_easy_setopt(self.easy, curl_sys::CURLOPT_RANGE, range.as_ptr());
            curl_sys::curl_easy_setopt(self.easy, curl_sys::CURLOPT_HEADERDATA, &mut answer as *mut Answer as *mut c_void);
            curl_sys::curl_easy_setopt(self.easy, curl_sys::CURLOPT_WRITEDATA, &mut answer as *mut Answer as *mut c_void);
            curl_sys::curl_easy_perform(self.easy)
        };
        REQUESTS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(answer.body.len() as u64, Ordering::Relaxed);
        let cut_on_purpose = code == curl_sys::CURLE_WRITE_ERROR && answer.enough;
        if code != curl_sys::CURLE_OK && !cut_on_purpose {
            return Err((answer.body, curl_error(self.easy, code)));
        }
        if answer.status == 200 && !self.no_ranges {
            self.no_ranges = true;
            log::warn!("{}: the server ignores byte ranges (HTTP 200 to a ranged request): every read downloads the file from its start", super::shown(&self.url));
        }
        if let Some(what) = answer.misplaced() {
            // bytes of another place would be read as these: refused (not retried)
            return Err((Vec::new(), io::Error::other(what)));
        }
        if matches!(answer.status, 200 | 206 | 416) {
            let mut time: c_long = -1;
            unsafe { curl_sys::curl_easy_getinfo(self.easy, curl_sys::CURLINFO_FILETIME, &mut time as *mut c_long) };
            let now = Version { etag: answer.etag.take(), modified: (time >= 0).then_some(i64::from(time)), size: answer.size };
            match &self.version {
                None => self.version = Some(now),
                Some(first) if first.differs(&now) => {
                    // bytes of two versions would make a file that never was: stop (not retried)
                    let what = format!("the file changed on the server while it was read ({first}, then {now}): run again once it is settled");
                    return Err((Vec::new(), io::Error::other(what)));
                }
                Some(_) => {}
            }
        }
        match answer.status {
            200 | 206 => Ok((answer.body, answer.size.unwrap_or(start + want as u64))),
            416 => Ok((Vec::new(), answer.size.unwrap_or(start))),
            status => Err((Vec::new(), status_error(status))),
        }
    }

    /// `fetch`, tried again while it fails for a passing reason; what a broken answer
    /// brought is kept and the rest asked for from there (one ranged request).
    fn fetch_retrying(&mut self, start: u64, want: usize) -> io::Result<(Vec<u8>, u64)> {
        let mut attempt = 0;
        let mut got: Vec<u8> = Vec::new();
        loop {
            if got.len() >= want {
                return Ok((got, self.len.max(start + want as u64)));
            }
            match self.fetch(start + got.len() as u64, want - got.len()) {
                Ok((body, len)) => {
                    got.extend_from_slice(&body);
                    self.remember_tail(start, &got, len);
                    return Ok((got, len));
                }
                Err((body, e)) => {
                    got.extend_from_slice(&body);
                    if !retry::transient(&e) || attempt >= retry::retries() {
                        return Err(e);
                    }
                    retry::wait(&self.url, "cannot read", &e, attempt);
                    attempt += 1;
                }
            }
        }
    }

    /// Keeps a small answer that reached the end of the file for the run, for every handle
    /// of the URL (the end is read by the EOF check and again by the index check).
    fn remember_tail(&self, start: u64, body: &[u8], len: u64) {
        if body.is_empty() || body.len() > FIRST || start + body.len() as u64 != len {
            return;
        }
        if let Some(k) = known().lock().unwrap_or_else(|p| p.into_inner()).get_mut(&self.url) {
            if k.len == len && k.tail.as_ref().is_none_or(|(s, _)| start < *s) {
                k.tail = Some((start, Arc::new(body.to_vec())));
            }
        }
    }

    /// Takes the URL's kept last bytes into this handle's ranges where they hold `pos..end`.
    fn adopt_tail(&mut self, pos: u64, end: u64) -> bool {
        let tail = known().lock().unwrap_or_else(|p| p.into_inner()).get(&self.url).and_then(|k| k.tail.clone());
        match tail {
            Some((s, b)) if pos >= s && end <= s + b.len() as u64 && !self.ranges.iter().any(|(r, _)| *r == s) => {
                self.ranges.push_back((s, b));
                true
            }
            _ => false,
        }
    }

    /// Says that reads from byte `from` will go on to byte `to` (a chunk of an index): the
    /// request that reads `from` asks for all of it, and no more.
    pub fn plan(&mut self, from: u64, to: u64) {
        self.plan = (to > from).then_some((from, to.min(self.len)));
    }

    /// Fills `buf` from byte `pos` with a request for just those bytes where they are not
    /// kept (a block header looked at ahead of the reader).
    pub fn peek_at(&mut self, buf: &mut [u8], pos: u64) -> io::Result<()> {
        let end = pos + buf.len() as u64;
        if buf.is_empty() {
            return Ok(());
        }
        let kept = |ranges: &VecDeque<(u64, Arc<Vec<u8>>)>| ranges.iter().find(|(s, b)| pos >= *s && end <= s + b.len() as u64).map(|(s, b)| (*s, Arc::clone(b)));
        if let Some((s, b)) = kept(&self.ranges).or_else(|| self.adopt_tail(pos, end).then(|| kept(&self.ranges)).flatten()) {
            buf.copy_from_slice(&b[(pos - s) as usize..(end - s) as usize]);
            return Ok(());
        }
        if end > self.len {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "past the end of the file"));
        }
        let (body, len) = self.fetch_retrying(pos, buf.len()).map_err(|e| network_error(&self.url, "cannot read", e))?;
        self.len = len;
        if body.len() < buf.len() {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file ended sooner than it said"));
        }
        buf.copy_from_slice(&body);
        Ok(())
    }

    /// The bytes at `pos` from the kept ranges, or fetched.
    fn bytes_at(&mut self, pos: u64) -> io::Result<(Arc<Vec<u8>>, usize)> {
        let held = |ranges: &VecDeque<(u64, Arc<Vec<u8>>)>| ranges.iter().rposition(|(s, b)| pos >= *s && pos < s + b.len() as u64);
        if let Some(i) = held(&self.ranges).or_else(|| self.adopt_tail(pos, pos + 1).then(|| held(&self.ranges)).flatten()) {
            let (s, b) = self.ranges.remove(i).expect("found");
            self.ranges.push_back((s, Arc::clone(&b)));
            return Ok((b, (pos - s) as usize));
        }
        let (start, ahead) = match (self.plan.take(), self.ranges.back()) {
            // planned: all of it, at most `MOST` at a time (a chunk may span gigabytes)
            (Some((from, to)), _) if pos >= from && pos < to => {
                let want = (to - pos).min(MOST as u64);
                if pos + want < to {
                    self.plan = Some((pos + want, to));
                }
                (pos, want as usize)
            }
            // on forward from the last range (or a short jump past it): a longer request
            (_, Some((s, b))) if pos >= s + b.len() as u64 && pos - (s + b.len() as u64) <= GAP => (s + b.len() as u64, (self.ahead * 2).min(MOST)),
            _ => (pos, FIRST),
        };
        // not past bytes already kept
        let end = self.ranges.iter().map(|(s, _)| *s).filter(|&s| s > pos).min().unwrap_or(self.len);
        let want = ahead.max((pos - start) as usize + 1).min((end.min(self.len) - start) as usize);
        let (body, len) = self.fetch_retrying(start, want)?;
        self.len = len;
        self.ahead = ahead;
        if (body.len() as u64) <= pos - start {
            return Ok((Arc::new(Vec::new()), 0)); // the file ended sooner than it said
        }
        let body = Arc::new(body);
        self.ranges.push_back((start, Arc::clone(&body)));
        let mut kept: usize = self.ranges.iter().map(|(_, b)| b.len()).sum();
        while kept > KEPT && self.ranges.len() > 1 {
            kept -= self.ranges.pop_front().expect("more than one").1.len();
        }
        Ok((body, (pos - start) as usize))
    }
}

impl Read for HttpFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.pos >= self.len {
            return Ok(0);
        }
        let (bytes, from) = self.bytes_at(self.pos).map_err(|e| network_error(&self.url, "cannot read", e))?;
        let n = (bytes.len() - from).min(buf.len());
        buf[..n].copy_from_slice(&bytes[from..from + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for HttpFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let bad = || io::Error::new(io::ErrorKind::InvalidInput, "seek before the start of the file");
        self.pos = match to {
            SeekFrom::Start(o) => o,
            SeekFrom::Current(o) => self.pos.checked_add_signed(o).ok_or_else(bad)?,
            SeekFrom::End(o) => self.len.checked_add_signed(o).ok_or_else(bad)?,
        };
        Ok(self.pos)
    }
}

impl Drop for HttpFile {
    fn drop(&mut self) {
        unsafe { curl_sys::curl_easy_cleanup(self.easy) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_curl_codes_become_htslibs_errno_values() {
        let errno = |e: io::Error| e.raw_os_error();
        assert_eq!(errno(status_error(404)), Some(libc::ENOENT));
        assert_eq!(errno(status_error(403)), Some(libc::EACCES));
        assert_eq!(errno(status_error(503)), Some(libc::EBUSY));
        assert_eq!(errno(status_error(502)), Some(libc::EIO));
        assert_eq!(errno(status_error(504)), Some(libc::ETIMEDOUT));
        assert_eq!(status_error(418).to_string(), "HTTP 418");
        assert!(retry::transient(&status_error(503)) && !retry::transient(&status_error(404)) && !retry::transient(&status_error(418)));
        let easy = easy_for(c"http://127.0.0.1:9/x").unwrap();
        assert_eq!(errno(curl_error(easy, curl_sys::CURLE_PARTIAL_FILE)), Some(libc::EPIPE));
        assert_eq!(errno(curl_error(easy, curl_sys::CURLE_OPERATION_TIMEDOUT)), Some(libc::ETIMEDOUT));
        assert_eq!(errno(curl_error(easy, curl_sys::CURLE_COULDNT_RESOLVE_HOST)), Some(libc::EDESTADDRREQ));
        unsafe { curl_sys::curl_easy_cleanup(easy) };
    }

    #[test]
    fn answers_headers_are_read_and_bad_ones_ignored() {
        let mut a = Answer { start: 100, want: 10, ..Default::default() };
        for line in ["HTTP/1.1 206 Partial Content\r\n", "Content-Range: bytes 100-109/5000\r\n", "content-length: 10\r\n"] {
            a.header(line.as_bytes());
        }
        assert_eq!((a.status, a.size, a.skip), (206, Some(5000), 0));
        a.header(b"HTTP/1.1 200 OK\r\n");
        a.header(b"Content-Length: 777\r\n");
        assert_eq!((a.status, a.size, a.skip), (200, Some(777), 100));
    }

    /// An answer of `headers` whose body is `body` cut into pieces at `cuts`.
    fn answer(start: u64, want: usize, headers: &[&str], body: &[u8], cuts: &[usize]) -> Answer {
        let mut a = Answer { start, want, ..Default::default() };
        for line in headers {
            a.header(line.as_bytes());
        }
        let mut at = 0;
        for &cut in cuts.iter().chain([body.len()].iter()) {
            let cut = cut.clamp(at, body.len());
            if !a.body(&body[at..cut]) {
                break;
            }
            at = cut;
        }
        a
    }

    #[test]
    fn a_range_from_before_the_one_asked_is_skipped_to_it_and_one_from_after_is_refused() {
        let file: Vec<u8> = (0..200u8).collect();
        // a cache answering from an aligned byte: the bytes asked for, from their place
        let a = answer(100, 10, &["HTTP/1.1 206 Partial Content", "Content-Range: bytes 96-109/200"], &file[96..110], &[3, 7]);
        assert_eq!((a.body.as_slice(), a.misplaced()), (&file[100..110], None));
        // bytes from after the asked start would be read as if they began there
        let a = answer(100, 10, &["HTTP/1.1 206 Partial Content", "Content-Range: bytes 101-110/200"], &file[101..111], &[]);
        assert!(a.body.is_empty() && a.misplaced().unwrap().contains("bytes from 101 to a request from byte 100"));
        let a = answer(100, 10, &["HTTP/1.1 206 Partial Content", "Content-Type: multipart/byteranges; boundary=x"], b"--x\r\n", &[]);
        assert!(a.body.is_empty() && a.misplaced().unwrap().contains("multipart"));
        // a 200 (ranges ignored) is skipped to the start; its Content-Range, if any, is not read
        let a = answer(100, 10, &["HTTP/1.1 200 OK", "Content-Length: 200", "Content-Range: bytes 150-159/200"], &file, &[50, 120]);
        assert_eq!((a.body.as_slice(), a.misplaced(), a.enough), (&file[100..110], None, true));
    }

    #[test]
    fn another_size_is_another_version() {
        let v = |etag: Option<&str>, size| Version { etag: etag.map(String::from), modified: None, size };
        assert!(v(None, Some(10)).differs(&v(None, Some(11))));
        assert!(v(Some("a"), Some(10)).differs(&v(Some("a"), Some(11))));
        assert!(!v(Some("a"), Some(10)).differs(&v(Some("a"), None)) && !v(None, Some(10)).differs(&v(None, Some(10))));
        assert_eq!(v(Some("\"a\""), Some(10)).to_string(), "ETag \"a\", 10 bytes");
    }

    proptest::proptest! {
        /// Whatever ranges a server answers and however the body comes in pieces, an answer
        /// holds the bytes asked for, from their place, or is refused.
        #[test]
        fn an_answer_holds_the_bytes_asked_for_or_is_refused(
            len in 1usize..400, start in 0usize..400, want in 1usize..100, from in 0usize..400, status in proptest::sample::select(vec![200u32, 206, 416, 503]),
            cuts in proptest::collection::vec(0usize..500, 0..6),
        ) {
            let file: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let (start, from) = (start % len, from % len);
            let sent = if status == 200 { &file[..] } else { &file[from..] };
            let headers = [format!("HTTP/1.1 {status} X"), format!("Content-Range: bytes {from}-{}/{len}", len - 1)];
            let a = answer(start as u64, want, &headers.iter().map(String::as_str).collect::<Vec<_>>(), sent, &cuts);
            let asked = &file[start..(start + want).min(len)];
            match (status, from > start) {
                (200, _) | (206, false) => { proptest::prop_assert_eq!(a.body.as_slice(), asked); proptest::prop_assert!(a.misplaced().is_none()); }
                (206, true) => { proptest::prop_assert!(a.body.is_empty() && a.misplaced().is_some()); }
                _ => { proptest::prop_assert!(a.body.is_empty()); }
            }
        }

        #[test]
        fn any_header_bytes_are_survived(lines in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..80), 0..8)) {
            let mut a = Answer { start: 7, want: 3, ..Default::default() };
            for line in &lines {
                a.header(line);
            }
            a.header(b"HTTP/2 206\r\n");
            a.header(b"content-range: bytes 7-9/10");
            proptest::prop_assert_eq!((a.status, a.size), (206, Some(10)));
        }
    }
}
