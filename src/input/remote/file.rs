//! A remote file, whichever way it is read: `http(s)://` by bounded ranges (`http`), the
//! clouds' `s3://` and `gs://` (signed by htslib) and `ftp://` through htslib (`hfile`).

use super::hfile::HtsFile;
use super::http::{self, HttpFile};
use std::io::{self, Read, Seek, SeekFrom};

pub enum RemoteFile {
    Http(HttpFile),
    Hts(HtsFile),
}

impl RemoteFile {
    pub fn open(url: &str) -> io::Result<RemoteFile> {
        match http::handles(url) {
            true => HttpFile::open(url).map(RemoteFile::Http),
            false => HtsFile::open(url).map(RemoteFile::Hts),
        }
    }

    /// `open`, or `None` where the server says there is no such file (404): for indexes
    /// looked for beside their data, whose absence is no failure.
    pub fn open_if_exists(url: &str) -> io::Result<Option<RemoteFile>> {
        match http::handles(url) {
            true => Ok(HttpFile::open_if_exists(url)?.map(RemoteFile::Http)),
            false => Ok(HtsFile::open_if_exists(url)?.map(RemoteFile::Hts)),
        }
    }

    /// The size of the file.
    pub fn len(&mut self) -> io::Result<u64> {
        match self {
            RemoteFile::Http(f) => f.len(),
            RemoteFile::Hts(f) => f.len(),
        }
    }

    /// Says that reads from byte `from` will go on to byte `to`: over http(s), one request
    /// for all of it and no more.
    pub fn plan(&mut self, from: u64, to: u64) {
        if let RemoteFile::Http(f) = self {
            f.plan(from, to);
        }
    }

    /// Fills `buf` from byte `pos`, asking for no more than that where it is not at hand.
    pub fn peek_at(&mut self, buf: &mut [u8], pos: u64) -> io::Result<()> {
        match self {
            RemoteFile::Http(f) => f.peek_at(buf, pos),
            RemoteFile::Hts(f) => {
                f.seek(SeekFrom::Start(pos))?;
                f.read_exact(buf)
            }
        }
    }

    /// Where the next read starts.
    pub fn position(&self) -> u64 {
        match self {
            RemoteFile::Http(f) => f.position(),
            RemoteFile::Hts(f) => f.position(),
        }
    }
}

impl Read for RemoteFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            RemoteFile::Http(f) => f.read(buf),
            RemoteFile::Hts(f) => f.read(buf),
        }
    }
}

impl Seek for RemoteFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        match self {
            RemoteFile::Http(f) => f.seek(to),
            RemoteFile::Hts(f) => f.seek(to),
        }
    }
}
