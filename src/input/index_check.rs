//! What a tabix/CSI index must satisfy before records are read through it (a VCF/BCF of
//! `variants::reader`, a precompute table of `precompute::lookup`). An index newer
//! than its file can still be of another version of it (the file re-bgzipped, appended to,
//! rewritten by a tool that kept the old index): read through, it silently drops or misreads
//! records. The checks are cheap (a few reads of block headers; for a remote file, from the
//! buffer the reader then reads on from, or one ranged request):
//!
//! - the end of the last record the index knows (its metadata pseudo-bins) must be the end of
//!   the data: the block there holds no more bytes and every block after it is empty (the
//!   end-of-file block);
//! - every chunk a query returns must start at a BGZF block header inside the file, and (for
//!   VCF text) just after a newline; the first record read there must lie on the queried
//!   sequence (checked by the reader).

use std::path::Path;

use crate::input::at::At;

use anyhow::Result;
use noodles::bgzf::VirtualPosition;
use noodles::csi::BinningIndex;

/// The error for an index that does not describe its file: names both and the fix.
pub fn mismatch(path: &Path, index: &Path, is_bcf: bool, what: &str) -> anyhow::Error {
    mismatch_fixed(path, index, &fix(path, is_bcf), what)
}

/// The command that rebuilds a VCF's or BCF's index.
pub fn fix(path: &Path, is_bcf: bool) -> String {
    if is_bcf { format!("bcftools index -f {}", path.display()) } else { format!("tabix -f -p vcf {}", path.display()) }
}

/// `mismatch` for any bgzip file, with the command that rebuilds its index.
pub fn mismatch_fixed(path: &Path, index: &Path, fix: &str, what: &str) -> anyhow::Error {
    crate::input::InputError::msg(format!("{}: its index {} does not match the file ({what}): rebuild the index ({fix})", path.display(), index.display()))
}

/// A BGZF block's compressed size and uncompressed size, from its header and footer at
/// `offset`; `None` when no block header is there. A read that fails other than by ending
/// (the network) is an error, not a missing block.
fn block_at(file: &mut At, offset: u64, file_len: u64) -> std::io::Result<Option<(u64, u64)>> {
    let ended = |r: std::io::Result<()>| match r {
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
        Ok(()) => Ok(true),
    };
    let mut head = [0u8; 18];
    if offset >= file_len || !ended(file.read_exact_at(&mut head, offset))? || !crate::input::is_bgzf(&head) {
        return Ok(None);
    }
    let bsize = u64::from(u16::from_le_bytes([head[16], head[17]])) + 1;
    if offset + bsize > file_len {
        return Ok(None);
    }
    let mut isize = [0u8; 4];
    if !ended(file.read_exact_at(&mut isize, offset + bsize - 4))? {
        return Ok(None);
    }
    Ok(Some((bsize, u64::from(u32::from_le_bytes(isize)))))
}

/// How many compressed bytes of the block at `end` a chunk ending there reads: none when it
/// ends at the block's start, else the block (from its header; 64 KiB, the most a block
/// holds, where no header is there).
pub fn block_size(file: &mut At, end: VirtualPosition, file_len: u64) -> std::io::Result<u64> {
    if end.uncompressed() == 0 || end.compressed() >= file_len {
        return Ok(0);
    }
    let mut head = [0u8; 18];
    match file.peek_at(&mut head, end.compressed()) {
        Ok(()) if crate::input::is_bgzf(&head) => Ok(u64::from(u16::from_le_bytes([head[16], head[17]])) + 1),
        Ok(()) => Ok(1 << 16),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(file_len - end.compressed()),
        Err(e) => Err(e),
    }
}

/// Whether `pos` starts inside a BGZF block of `file` (the block header is there and the
/// offset within it is inside its data).
pub fn is_block_start(file: &mut At, pos: VirtualPosition, file_len: u64) -> std::io::Result<bool> {
    Ok(block_at(file, pos.compressed(), file_len)?.is_some_and(|(_, isize)| u64::from(pos.uncompressed()) <= isize))
}

/// Checks that no data lies past the end of the last record `index` knows.
pub fn check_covers(file: &mut At, index: &dyn BinningIndex, path: &Path, index_path: &Path, fix: &str) -> Result<()> {
    let file_len = file.len()?;
    let Some(end) = index.reference_sequences().filter_map(|r| r.metadata().map(|m| m.end_position())).max() else {
        return Ok(()); // an index without metadata pseudo-bins: nothing to compare
    };
    let (mut offset, within) = (end.compressed(), u64::from(end.uncompressed()));
    let Some((bsize, isize)) = block_at(file, offset, file_len)? else {
        if offset >= file_len {
            return Err(mismatch_fixed(path, index_path, fix, &format!("it reaches byte {offset} of a {file_len}-byte file")));
        }
        return Err(mismatch_fixed(path, index_path, fix, &format!("its last record ends at byte {offset}, which is not a BGZF block start")));
    };
    if isize > within {
        return Err(mismatch_fixed(path, index_path, fix, "the file holds records past the last one the index knows"));
    }
    offset += bsize;
    while offset < file_len {
        match block_at(file, offset, file_len)? {
            Some((b, 0)) => offset += b,
            _ => return Err(mismatch_fixed(path, index_path, fix, "the file holds records past the last one the index knows")),
        }
    }
    Ok(())
}
