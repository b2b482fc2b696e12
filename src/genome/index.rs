//! The indexes that make random access possible: `.fai` for every FASTA and `.gzi` for a
//! bgzip-compressed one. Both are read when present and built (then written beside the
//! FASTA, atomically) when missing.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{bail, Context, Result};
use noodles::bgzf::{self, gzi};
use noodles::fasta::{self, fai};

/// How the FASTA bytes are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Plain,
    Bgzf,
}

/// Looks at the first bytes: plain text, BGZF, or plain gzip (refused: no random access).
pub fn detect(path: &Path) -> Result<Compression> {
    let mut file = File::open(path).with_context(|| format!("cannot open FASTA {}", path.display()))?;
    let mut head = [0u8; 16];
    let n = read_up_to(&mut file, &mut head)?;
    if n < 2 || head[..2] != [0x1f, 0x8b] {
        return Ok(Compression::Plain);
    }
    if is_bgzf(&head[..n]) {
        check_bgzf_eof(&mut file, path)?;
        return Ok(Compression::Bgzf);
    }
    bail!(
        "FASTA {} is gzip-compressed but not BGZF, so it cannot be read by random access; \
         recompress it with `bgzip` (htslib)",
        path.display()
    )
}

/// Whether `head` (the first 16 bytes or more) starts a BGZF block: gzip with the `BC` extra field.
pub fn is_bgzf(head: &[u8]) -> bool {
    head.len() >= 16 && head[..2] == [0x1f, 0x8b] && head[3] & 4 != 0 && head[12..14] == *b"BC"
}

/// The empty block bgzip writes last; its absence means the file was cut short.
const BGZF_EOF: [u8; 28] = [
    0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0, 0x1b, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

fn check_bgzf_eof(file: &mut File, path: &Path) -> Result<()> {
    let len = file.metadata()?.len();
    let mut tail = [0u8; 28];
    if len >= 28 {
        file.seek(SeekFrom::Start(len - 28))?;
        file.read_exact(&mut tail)?;
    }
    if tail != BGZF_EOF {
        bail!("FASTA {} is truncated: it lacks the BGZF end-of-file block", path.display());
    }
    Ok(())
}

/// The `.fai` beside `path`, built and written when missing.
pub fn load_or_build_fai(path: &Path, compression: Compression) -> Result<fai::Index> {
    let fai_path = crate::output::suffixed(path, "fai");
    if fai_path.exists() {
        return fai::fs::read(&fai_path).with_context(|| format!("cannot read FASTA index {}", fai_path.display()));
    }
    let file = File::open(path).with_context(|| format!("cannot open FASTA {}", path.display()))?;
    let index = match compression {
        Compression::Plain => build_fai(BufReader::new(file)),
        Compression::Bgzf => build_fai(bgzf::io::Reader::new(file)),
    }
    .with_context(|| format!("cannot index FASTA {}", path.display()))?;
    write_beside(path, &fai_path, |w| fai::io::Writer::new(w).write_index(&index))?;
    Ok(index)
}

/// The `.gzi` beside a BGZF `path`, built from the block headers when missing.
pub fn load_or_build_gzi(path: &Path) -> Result<gzi::Index> {
    let gzi_path = crate::output::suffixed(path, "gzi");
    if gzi_path.exists() {
        return gzi::fs::read(&gzi_path).with_context(|| format!("cannot read BGZF index {}", gzi_path.display()));
    }
    let index = build_gzi(path)?;
    write_beside(path, &gzi_path, |w| gzi::io::Writer::new(w).write_index(&index))?;
    Ok(index)
}

fn build_fai<R: io::BufRead>(reader: R) -> Result<fai::Index> {
    let mut indexer = fasta::io::Indexer::new(reader);
    let mut records = Vec::new();
    while let Some(record) = indexer.index_record()? {
        records.push(record);
    }
    if records.is_empty() {
        bail!("no FASTA records found");
    }
    Ok(fai::Index::from(records))
}

/// Walks the BGZF block headers (no decompression): each block after the first is one
/// (compressed offset, uncompressed offset) entry, as `bgzip -r` writes them.
fn build_gzi(path: &Path) -> Result<gzi::Index> {
    let mut file = File::open(path).with_context(|| format!("cannot open FASTA {}", path.display()))?;
    let file_len = file.metadata()?.len();
    let (mut compressed, mut uncompressed) = (0u64, 0u64);
    let mut entries = Vec::new();
    while compressed < file_len {
        let mut header = [0u8; 18];
        file.seek(SeekFrom::Start(compressed))?;
        if read_up_to(&mut file, &mut header)? < 18 || header[..4] != [0x1f, 0x8b, 8, 4] || header[12..14] != *b"BC" {
            bail!("FASTA {} is truncated or not BGZF at byte {compressed}", path.display());
        }
        let block_size = u64::from(u16::from_le_bytes([header[16], header[17]])) + 1;
        if compressed + block_size > file_len {
            bail!("FASTA {} is truncated: its last BGZF block ends past the end of the file", path.display());
        }
        let mut isize = [0u8; 4];
        file.seek(SeekFrom::Start(compressed + block_size - 4))?;
        file.read_exact(&mut isize)?;
        compressed += block_size;
        uncompressed += u64::from(u32::from_le_bytes(isize));
        if compressed < file_len {
            entries.push((compressed, uncompressed));
        }
    }
    Ok(gzi::Index::from(entries))
}

/// Writes an index file beside the FASTA through a temporary file, or explains why not.
fn write_beside(fasta: &Path, dest: &Path, write: impl FnOnce(&mut File) -> io::Result<()>) -> Result<()> {
    let dir = dest.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let fail = |e: &dyn std::fmt::Display| {
        anyhow::anyhow!(
            "FASTA {} has no index and {} cannot be written ({e}); index it where it is writable \
             (`samtools faidx`, plus `bgzip -r` for .gz) or copy it to a writable directory",
            fasta.display(),
            dest.display()
        )
    };
    let mut tmp = tempfile::Builder::new()
        .permissions(crate::output::default_permissions())
        .tempfile_in(dir)
        .map_err(|e| fail(&e))?;
    write(tmp.as_file_mut()).map_err(|e| fail(&e))?;
    tmp.persist(dest).map_err(|e| fail(&e.error))?;
    Ok(())
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
