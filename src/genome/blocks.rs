//! BGZF random access with a small cache of inflated blocks: neighbouring TSS windows read
//! the same 64 kB blocks, and inflating them again was 13% of a genome-wide `annotate`.
//! Blocks are found through the `.gzi` offsets (checked against the block headers when the
//! genome is opened), read with one `pread` each, CRC-checked and inflated with libdeflate.

use std::io;

pub use crate::input::at::At as Source;

/// Inflated blocks kept: a 10.5 kb window spans at most two, and TSSs come a few per block.
const KEEP: usize = 4;
/// ... for a remote genome, where a block read again is a request again: genes in a GTF
/// jump back past a long gene's span (its TSS is at its end on the minus strand), so keep
/// 4 MiB of inflated sequence (64 blocks), about 4 Mb of genome.
const KEEP_REMOTE: usize = 64;

pub struct BlockReader {
    file: Source,
    /// (compressed offset, uncompressed offset) of every block holding data, the first at (0, 0).
    starts: Vec<(u64, u64)>,
    /// (block number, bases), most recently used last.
    cache: Vec<(usize, Vec<u8>)>,
    keep: usize,
    /// Which blocks were read (see `was_read`).
    read: Vec<bool>,
    raw: Vec<u8>,
    inflater: libdeflater::Decompressor,
}

impl BlockReader {
    /// `gzi`: the `.gzi` entries (every data block after the first).
    pub fn new(file: Source, gzi: &[(u64, u64)]) -> Self {
        let mut starts = Vec::with_capacity(gzi.len() + 1);
        starts.push((0, 0));
        starts.extend(gzi.iter().copied().filter(|&(c, _)| c > 0));
        let keep = if matches!(file, Source::Remote(_)) { KEEP_REMOTE } else { KEEP };
        let read = vec![false; starts.len()];
        BlockReader { file, starts, cache: Vec::with_capacity(keep), keep, read, raw: Vec::new(), inflater: libdeflater::Decompressor::new() }
    }

    /// Fills `buf` from uncompressed byte `pos`; returns how much there was.
    pub fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            let at = pos + n as u64;
            let block = self.starts.partition_point(|&(_, u)| u <= at).saturating_sub(1);
            let offset = (at - self.starts[block].1) as usize;
            let data = self.block(block)?;
            if offset >= data.len() {
                break; // past the end of the data
            }
            let k = (data.len() - offset).min(buf.len() - n);
            buf[n..n + k].copy_from_slice(&data[offset..offset + k]);
            n += k;
        }
        Ok(n)
    }

    /// Whether the block holding uncompressed byte `pos` was read in this run (a remote
    /// genome's checks prefer bases the windows already fetched).
    pub fn was_read(&self, pos: u64) -> bool {
        let block = self.starts.partition_point(|&(_, u)| u <= pos).saturating_sub(1);
        self.read[block]
    }

    /// The inflated bases of block `i`, from the cache or the file.
    fn block(&mut self, i: usize) -> io::Result<&[u8]> {
        if let Some(hit) = self.cache.iter().position(|(b, _)| *b == i) {
            let entry = self.cache.remove(hit);
            self.cache.push(entry);
            return Ok(&self.cache.last().expect("just pushed").1);
        }
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("BGZF block at byte {}: {what}", self.starts[i].0));
        let start = self.starts[i].0;
        self.read[i] = true;
        let mut header = [0u8; 18];
        self.file.read_exact_at(&mut header, start)?;
        if header[..4] != [0x1f, 0x8b, 8, 4] || header[12..14] != *b"BC" {
            return Err(bad("not a BGZF block header"));
        }
        let xlen = usize::from(u16::from_le_bytes([header[10], header[11]]));
        let size = usize::from(u16::from_le_bytes([header[16], header[17]])) + 1;
        if size < 12 + xlen + 8 {
            return Err(bad("block size shorter than its header"));
        }
        self.raw.resize(size, 0);
        // the rest of the block just after its header (remotely: read on, no seek back)
        self.raw[..18].copy_from_slice(&header);
        self.file.read_exact_at(&mut self.raw[18..], start + 18)?;
        let tail = &self.raw[size - 8..];
        let crc = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
        let isize = u32::from_le_bytes([tail[4], tail[5], tail[6], tail[7]]) as usize;
        let mut data = if self.cache.len() == self.keep { self.cache.remove(0).1 } else { Vec::new() };
        data.resize(isize, 0);
        let got = self.inflater.deflate_decompress(&self.raw[12 + xlen..size - 8], &mut data).map_err(|e| bad(&format!("cannot inflate ({e:?})")))?;
        if got != isize {
            return Err(bad("inflates to another size than it states"));
        }
        let mut check = libdeflater::Crc::new();
        check.update(&data);
        if check.sum() != crc {
            return Err(bad("CRC32 mismatch: the file is corrupt"));
        }
        self.cache.push((i, data));
        Ok(&self.cache.last().expect("just pushed").1)
    }
}
