//! A remote file through htslib's hFILE (`s3://`, `gs://`, `ftp://`: htslib signs the
//! requests of the clouds; `http(s)://` is read by `http`): `Read + Seek`, so noodles' readers
//! parse it as a local file. An open, read or seek that fails for a passing reason is tried
//! again (`retry`): the file is opened anew and read on from where it was, so a dropped
//! connection costs one ranged request, not the run.

use super::{network_error, retry, BYTES, OPENS, REQUESTS};
use std::ffi::CString;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::atomic::Ordering;

unsafe extern "C" {
    // exported by htslib; `hread` itself is an inline function of hfile.h
    fn hread2(fp: *mut hts_sys::hFILE, buffer: *mut libc::c_void, nbytes: usize, copied: usize) -> isize;
}

/// An open remote file. One owner at a time (hFILE is not thread-safe; see `Shared`).
pub struct HtsFile {
    fp: *mut hts_sys::hFILE,
    url: String,
    pos: u64,
    len: Option<u64>,
}

// SAFETY: the hFILE is used by one thread at a time through `&mut self`
unsafe impl Send for HtsFile {}

/// One `hopen`, errno kept.
fn hopen(url: &str) -> io::Result<*mut hts_sys::hFILE> {
    let c = CString::new(url).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "URL with a NUL byte"))?;
    // htslib prints its own warnings on stderr; errors come back here
    unsafe { hts_sys::hts_set_log_level(hts_sys::htsLogLevel_HTS_LOG_OFF) };
    let fp = unsafe { hts_sys::hopen(c.as_ptr(), c"r".as_ptr()) };
    if fp.is_null() {
        return Err(io::Error::last_os_error());
    }
    OPENS.fetch_add(1, Ordering::Relaxed);
    REQUESTS.fetch_add(1, Ordering::Relaxed);
    Ok(fp)
}

/// `hopen`, tried again while it fails for a passing reason.
fn hopen_retrying(url: &str) -> io::Result<*mut hts_sys::hFILE> {
    let mut attempt = 0;
    loop {
        match hopen(url) {
            Err(e) if retry::transient(&e) && attempt < retry::retries() => {
                retry::wait(url, "cannot open", &e, attempt);
                attempt += 1;
            }
            other => return other,
        }
    }
}

impl HtsFile {
    pub fn open(url: &str) -> io::Result<HtsFile> {
        let fp = hopen_retrying(url).map_err(|e| network_error(url, "cannot open", e))?;
        Ok(HtsFile { fp, url: url.to_string(), pos: 0, len: None })
    }

    /// `open`, or `None` where the server says there is no such file (404): for indexes
    /// looked for beside their data, whose absence is no failure.
    pub fn open_if_exists(url: &str) -> io::Result<Option<HtsFile>> {
        match hopen_retrying(url) {
            Ok(fp) => Ok(Some(HtsFile { fp, url: url.to_string(), pos: 0, len: None })),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(None),
            Err(e) => Err(network_error(url, "cannot open", e)),
        }
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

    /// Where the next read starts.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Opens the file again and moves to `pos` (after a failure: the hFILE is unusable then).
    fn reopen_at(&mut self, pos: u64) -> io::Result<()> {
        let fp = hopen(&self.url)?;
        unsafe { hts_sys::hclose(self.fp) };
        self.fp = fp;
        if pos > 0 && unsafe { hts_sys::hseek(self.fp, pos as hts_sys::off_t, libc::SEEK_SET) } < 0 {
            return Err(io::Error::last_os_error());
        }
        self.pos = pos;
        Ok(())
    }

    /// One read: the hFILE's buffered bytes first, then the backend (hread of hfile.h).
    fn read_once(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = unsafe {
            let f = &mut *self.fp;
            let avail = f.end.offset_from(f.begin) as usize;
            let n = avail.min(buf.len());
            std::ptr::copy_nonoverlapping(f.begin as *const u8, buf.as_mut_ptr(), n);
            f.begin = f.begin.add(n);
            if n == buf.len() { n as isize } else { hread2(self.fp, buf.as_mut_ptr().cast(), buf.len(), n) }
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }

    /// Runs `op` until it succeeds, fails for good, or the retries are spent; between tries
    /// the file is opened again at `pos`.
    fn retrying<T>(&mut self, what: &str, pos: u64, mut op: impl FnMut(&mut Self) -> io::Result<T>) -> io::Result<T> {
        let mut attempt = 0;
        let mut result = op(self);
        loop {
            match result {
                Err(e) if retry::transient(&e) && attempt < retry::retries() => {
                    retry::wait(&self.url, what, &e, attempt);
                    attempt += 1;
                    result = self.reopen_at(pos).and_then(|()| op(self));
                }
                Err(e) => return Err(network_error(&self.url, what, e)),
                ok => return ok,
            }
        }
    }
}

impl Read for HtsFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.retrying("cannot read", self.pos, |f| f.read_once(buf))?;
        self.pos += n as u64;
        BYTES.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Seek for HtsFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let (offset, whence) = match to {
            SeekFrom::Start(o) => (o as i64, libc::SEEK_SET),
            SeekFrom::Current(o) => (self.pos as i64 + o, libc::SEEK_SET),
            SeekFrom::End(o) => (o, libc::SEEK_END),
        };
        if whence == libc::SEEK_SET && offset as u64 == self.pos {
            return Ok(self.pos);
        }
        REQUESTS.fetch_add(1, Ordering::Relaxed);
        let here = self.pos;
        let at = self.retrying("cannot seek in", here, |f| {
            let at = unsafe { hts_sys::hseek(f.fp, offset as hts_sys::off_t, whence) };
            if at < 0 { Err(io::Error::last_os_error()) } else { Ok(at as u64) }
        })?;
        self.pos = at;
        Ok(self.pos)
    }
}

impl Drop for HtsFile {
    fn drop(&mut self) {
        unsafe { hts_sys::hclose(self.fp) };
    }
}
