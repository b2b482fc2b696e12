//! Reads at an offset of a file that is local (`pread`) or remote (a seek and a read of a
//! shared handle: htslib serves it from its buffer, skips a short way forward, or makes one
//! ranged request). For the block-level checks of BGZF files and their indexes.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;

use super::remote::Shared;

/// Where a file's bytes are.
pub enum At {
    Local(File),
    Remote(Shared),
}

impl At {
    /// Fills `buf` from byte `pos`.
    pub fn read_exact_at(&mut self, buf: &mut [u8], pos: u64) -> io::Result<()> {
        match self {
            At::Local(f) => f.read_exact_at(buf, pos),
            At::Remote(r) => {
                r.seek(SeekFrom::Start(pos))?;
                r.read_exact(buf)
            }
        }
    }

    /// `read_exact_at`, asking a remote file for no more than `buf` where those bytes are
    /// not at hand (a block header looked at ahead of the reader).
    pub fn peek_at(&mut self, buf: &mut [u8], pos: u64) -> io::Result<()> {
        match self {
            At::Local(f) => f.read_exact_at(buf, pos),
            At::Remote(r) => r.peek_at(buf, pos),
        }
    }

    /// Says that reads from byte `from` will go on to byte `to` (a remote file asks for all
    /// of it in one request, and no more).
    pub fn plan(&mut self, from: u64, to: u64) {
        if let At::Remote(r) = self {
            r.plan(from, to);
        }
    }

    /// The file's size in bytes.
    pub fn len(&mut self) -> io::Result<u64> {
        match self {
            At::Local(f) => Ok(f.metadata()?.len()),
            At::Remote(r) => r.len(),
        }
    }
}
