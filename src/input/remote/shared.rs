//! One remote file read through several handles (a BGZF reader and the index checks that
//! look at block headers ahead of it): each handle keeps its own position, and the one
//! hFILE moves only when a handle reads. A header checked just before the reader seeks
//! there is then in htslib's buffer, or a short skip forward, not a second request.

use super::RemoteFile;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

/// A handle on a shared `RemoteFile`, with its own position.
pub struct Shared {
    file: Arc<Mutex<RemoteFile>>,
    pos: u64,
}

impl Shared {
    pub fn new(file: RemoteFile) -> Shared {
        Shared { file: Arc::new(Mutex::new(file)), pos: 0 }
    }

    /// See `RemoteFile::plan`.
    pub fn plan(&self, from: u64, to: u64) {
        self.file.lock().unwrap_or_else(|p| p.into_inner()).plan(from, to);
    }

    /// See `RemoteFile::peek_at` (this handle's position stays).
    pub fn peek_at(&self, buf: &mut [u8], pos: u64) -> io::Result<()> {
        self.file.lock().unwrap_or_else(|p| p.into_inner()).peek_at(buf, pos)
    }

    /// The file's size.
    pub fn len(&self) -> io::Result<u64> {
        self.file.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Clone for Shared {
    fn clone(&self) -> Shared {
        Shared { file: Arc::clone(&self.file), pos: self.pos }
    }
}

impl Read for Shared {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if file.position() != self.pos {
            file.seek(SeekFrom::Start(self.pos))?;
        }
        let n = file.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Shared {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let bad = || io::Error::new(io::ErrorKind::InvalidInput, "seek before the start of the file");
        self.pos = match to {
            SeekFrom::Start(o) => o,
            SeekFrom::Current(o) => self.pos.checked_add_signed(o).ok_or_else(bad)?,
            SeekFrom::End(o) => self.len()?.checked_add_signed(o).ok_or_else(bad)?,
        };
        Ok(self.pos)
    }
}
