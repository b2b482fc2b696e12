//! The indexes that make random access possible: `.fai` for every FASTA and `.gzi` for a
//! bgzip-compressed one. Both are read when present and built (then written beside the
//! FASTA, atomically) when missing.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::input::is_bgzf;
use noodles::bgzf::{self, gzi};
use super::faidx;
use super::layout::Layout;

/// How the FASTA bytes are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Plain,
    Bgzf,
    /// plain gzip: no random access (converted once, see `convert`)
    Gzip,
}

/// Looks at the first bytes: plain text, BGZF (its end-of-file block checked), or plain gzip.
pub fn detect(path: &Path) -> Result<Compression> {
    let mut file = File::open(path).with_context(|| format!("cannot open FASTA {}", path.display()))?;
    detect_in(&mut file, path)
}

/// `detect` on an open file (local or remote); `path` names it in messages.
pub fn detect_in<F: Read + io::Seek>(file: &mut F, path: &Path) -> Result<Compression> {
    let mut head = [0u8; 16];
    let n = read_up_to(file, &mut head)?;
    if n < 2 || head[..2] != [0x1f, 0x8b] {
        return Ok(Compression::Plain);
    }
    if is_bgzf(&head[..n]) {
        crate::input::check_bgzf_complete(file, path, "FASTA")?;
        return Ok(Compression::Bgzf);
    }
    Ok(Compression::Gzip)
}

/// The error of a FASTA that disagrees with its index, with the way out.
pub fn rebuild_hint(index: &Path, fasta: &Path, e: anyhow::Error) -> anyhow::Error {
    // a served index is rebuilt where the FASTA is and uploaded beside it: xpresso cannot
    // write it there (and building it would read the whole file)
    let way_out = match crate::input::remote::is_url(fasta) {
        true => "rebuild the index from the FASTA (`samtools faidx`) and upload it beside it".to_string(),
        false => format!("rebuild the index (`samtools faidx {}`, or delete it and xpresso rebuilds it)", fasta.display()),
    };
    anyhow::anyhow!("FASTA {} disagrees with its index {}: {e:#}; {way_out}", fasta.display(), index.display())
}

/// Warns, as htslib does, when an index is older than the file it indexes (the file may
/// have changed since; xpresso still checks what it reads against it).
pub fn warn_if_older(index: &Path, data: &Path) {
    if is_older(index, data) {
        log::warn!("index {} is older than {}: if the file changed, rebuild the index", index.display(), data.display());
    }
}

/// Whether an index is older than the file it indexes.
pub fn is_older(index: &Path, data: &Path) -> bool {
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((mtime(index), mtime(data)), (Some(i), Some(d)) if i < d)
}

/// The `.fai` beside `path` (as samtools writes it), built and written when missing.
pub fn load_or_build_fai(path: &Path, compression: Compression) -> Result<Vec<Layout>> {
    let fai_path = crate::output::suffixed(path, "fai");
    if fai_path.exists() {
        warn_if_older(&fai_path, path);
        let text = std::fs::read_to_string(&fai_path).with_context(|| format!("cannot read FASTA index {}", fai_path.display()))?;
        return faidx::read(&text).with_context(|| format!("FASTA index {} (rebuild it: `samtools faidx`)", fai_path.display()));
    }
    let file = File::open(path).with_context(|| format!("cannot open FASTA {}", path.display()))?;
    let index = match compression {
        Compression::Plain => faidx::build(BufReader::with_capacity(1 << 16, file)),
        Compression::Bgzf => faidx::build(bgzf::io::Reader::new(file)),
        Compression::Gzip => bail!("FASTA {} is plain gzip: convert it first (genome::convert)", path.display()),
    }
    .with_context(|| format!("cannot index FASTA {}", path.display()))?;
    write_beside(path, &fai_path, |w| faidx::write(w, &index))?;
    Ok(index)
}

/// The `.gzi` of a BGZF `path` and its uncompressed size. The block headers are always
/// walked (no decompression: ~2 small reads per 64 kB block); a `.gzi` beside the file must
/// agree with them, and is written there when missing.
pub fn load_or_build_gzi(path: &Path) -> Result<(gzi::Index, u64)> {
    let gzi_path = crate::output::suffixed(path, "gzi");
    let (index, len) = build_gzi(path)?;
    if gzi_path.exists() {
        warn_if_older(&gzi_path, path);
        let given = gzi::fs::read(&gzi_path).with_context(|| format!("cannot read BGZF index {} (rebuild it: `bgzip -r`)", gzi_path.display()))?;
        // xpresso before 0.1.1 also listed the empty end-of-file block: the same offsets
        let older_form = given.as_ref().len() == index.as_ref().len() + 1
            && given.as_ref().starts_with(index.as_ref())
            && given.as_ref().last().is_some_and(|&(_, u)| u == len);
        if given.as_ref() != index.as_ref() && !older_form {
            let e = anyhow::anyhow!("its {} block offsets are not those of the file's {} BGZF data blocks", given.as_ref().len(), index.as_ref().len() + 1);
            return Err(anyhow::anyhow!(
                "FASTA {} disagrees with its index {}: {e}; rebuild the index (`bgzip -r {}`, or delete it and xpresso rebuilds it)",
                path.display(),
                gzi_path.display(),
                path.display()
            ));
        }
        return Ok((given, len));
    }
    write_beside(path, &gzi_path, |w| gzi::io::Writer::new(w).write_index(&index))?;
    Ok((index, len))
}

/// Walks the BGZF block headers (no decompression): each block after the first that holds
/// data is one (compressed offset, uncompressed offset) entry, as `bgzip -r` writes them
/// (htslib skips empty blocks, so the end-of-file block has no entry).
fn build_gzi(path: &Path) -> Result<(gzi::Index, u64)> {
    use std::os::unix::fs::FileExt;
    let file = File::open(path).with_context(|| format!("cannot open FASTA {}", path.display()))?;
    let file_len = file.metadata()?.len();
    let (mut compressed, mut uncompressed) = (0u64, 0u64);
    let mut entries = Vec::with_capacity((file_len / 8192) as usize + 1);
    // one read per block: its ISIZE (last 4 bytes) and the next block's 18-byte header
    let mut buf = [0u8; 22];
    let mut have = file.read_at(&mut buf[4..], 0)?;
    while compressed < file_len {
        let header = &buf[4..4 + have.min(18)];
        if header.len() < 18 || header[..4] != [0x1f, 0x8b, 8, 4] || header[12..14] != *b"BC" {
            bail!("FASTA {} is truncated or not BGZF at byte {compressed}", path.display());
        }
        let block_size = u64::from(u16::from_le_bytes([header[16], header[17]])) + 1;
        if compressed + block_size > file_len {
            bail!("FASTA {} is truncated: its last BGZF block ends past the end of the file", path.display());
        }
        let mut n = 0;
        while n < buf.len() {
            match file.read_at(&mut buf[n..], compressed + block_size - 4 + n as u64)? {
                0 => break,
                k => n += k,
            }
        }
        if n < 4 {
            bail!("FASTA {} is truncated at byte {}", path.display(), compressed + block_size);
        }
        have = n - 4;
        let size = u64::from(u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]));
        if compressed > 0 && size > 0 {
            entries.push((compressed, uncompressed));
        }
        compressed += block_size;
        uncompressed += size;
    }
    Ok((gzi::Index::from(entries), uncompressed))
}

/// Writes an index file beside the FASTA through a temporary file, or explains why not.
fn write_beside(fasta: &Path, dest: &Path, write: impl FnOnce(&mut File) -> io::Result<()>) -> Result<()> {
    let fail = |e: &dyn std::fmt::Display| {
        anyhow::anyhow!(
            "FASTA {} has no index and {} cannot be written ({e}); index it where it is writable \
             (`samtools faidx`, plus `bgzip -r` for .gz) or copy it to a writable directory",
            fasta.display(),
            dest.display()
        )
    };
    // an index that is a link (to a shared copy) is replaced at its target, the link kept
    let dest = crate::output::destination::replace_target(dest).map_err(|e| fail(&e))?;
    let dir = dest.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .permissions(crate::output::default_permissions())
        .tempfile_in(dir)
        .map_err(|e| fail(&e))?;
    write(tmp.as_file_mut()).map_err(|e| fail(&e))?;
    tmp.persist(&dest).map_err(|e| fail(&e.error))?;
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
