//! Where a sequence's bases lie in the FASTA bytes, as its `.fai` line says, and the cheap
//! checks that the bytes agree: a `.fai` that disagrees with its FASTA (a re-wrapped file, an
//! edited offset, a length from another build) must stop the run, never shift the window.
//!
//! Checked when the index is loaded: line width and bases are plausible, the last base lies
//! inside the (uncompressed) file, no two sequences share a name. Checked at every read:
//! each full line inside the span read ends with a newline exactly where the `.fai` says, and
//! no base byte is a newline, space or `>`. Checked once per sequence, on its first read: the
//! byte before its first base ends a header line, and its last base ends the last line
//! (newline or end of file next), so the length is right.

use std::collections::HashSet;

use anyhow::{bail, Result};

/// Longest sequence a `.fai` may claim (2^48 bases): position arithmetic then never overflows.
pub const MAX_LEN: u64 = 1 << 48;

/// One `.fai` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub name: String,
    pub len: u64,
    pub offset: u64,
    pub line_bases: u64,
    pub line_width: u64,
}

impl Layout {
    /// Byte offset of base `i` (0-based, `i < len`).
    pub fn byte_of(&self, i: u64) -> u64 {
        self.offset + (i / self.line_bases) * self.line_width + i % self.line_bases
    }

    /// Byte just past the last base.
    pub fn end_byte(&self) -> u64 {
        if self.len == 0 { self.offset } else { self.byte_of(self.len - 1) + 1 }
    }

    /// Bytes of a line terminator (1 for `\n`, 2 for `\r\n`).
    fn terminator(&self) -> usize {
        (self.line_width - self.line_bases) as usize
    }

    /// Copies the bases `[lo, hi)` out of `raw` (the FASTA bytes from `byte_of(lo)` to
    /// `byte_of(hi - 1) + 1`) into `out`, checking every line end on the way. An error says
    /// what disagrees, at which byte.
    pub fn extract(&self, raw: &[u8], lo: u64, hi: u64, out: &mut Vec<u8>) -> Result<()> {
        let start_byte = self.byte_of(lo);
        let (mut i, mut at) = (lo, 0usize);
        while i < hi {
            let in_line = (self.line_bases - i % self.line_bases).min(hi - i) as usize;
            let bases = &raw[at..at + in_line];
            if let Some(k) = bases.iter().position(|b| !is_base_byte(*b)) {
                bail!(
                    "byte {} of {} is {:?}, not a base (the index places a base there)",
                    start_byte + (at + k) as u64,
                    self.name,
                    char::from(bases[k])
                );
            }
            out.extend_from_slice(bases);
            at += in_line;
            i += in_line as u64;
            if i < hi {
                // a full line ended inside the span: its terminator must be here
                let t = self.terminator();
                if !is_terminator(&raw[at..at + t]) {
                    bail!(
                        "line of {} ends at byte {} with {:?}, where the index expects a newline after {} bases",
                        self.name,
                        start_byte + at as u64,
                        String::from_utf8_lossy(&raw[at..at + t]),
                        self.line_bases
                    );
                }
                at += t;
            }
        }
        Ok(())
    }
}

fn is_base_byte(b: u8) -> bool {
    b.is_ascii_graphic() && b != b'>'
}

fn is_terminator(t: &[u8]) -> bool {
    t == b"\n" || t == b"\r\n"
}

/// Refuses two sequences of one name: which one a read gets would depend on the tool.
pub fn check_unique(layouts: &[Layout]) -> Result<()> {
    let mut names = HashSet::new();
    for l in layouts {
        if !names.insert(l.name.as_str()) {
            bail!("two sequences are named {}: each name must be unique (samtools faidx keeps the first, other tools the last); rename one", l.name);
        }
    }
    Ok(())
}

/// Checks a whole index once it is loaded: `data_len` is the FASTA's (uncompressed) size.
pub fn check_index(layouts: &[Layout], data_len: u64) -> Result<()> {
    for l in layouts {
        if l.len > MAX_LEN {
            bail!("sequence {} has length {} in the index, more than any genome holds", l.name, l.len);
        }
        if l.len > 0 && (l.line_bases == 0 || l.line_width <= l.line_bases || l.line_width > l.line_bases + 2) {
            bail!(
                "sequence {} has {} bases per line and {} bytes per line in the index, which no FASTA has",
                l.name,
                l.line_bases,
                l.line_width
            );
        }
        if l.end_byte() > data_len {
            bail!("sequence {} ends at byte {} by the index, past the end of the FASTA ({data_len} bytes)", l.name, l.end_byte());
        }
    }
    Ok(())
}

/// The sequence's edges, read once: `before` is the byte before its first base, `after`
/// up to two bytes after its last (shorter at the end of the file). The first base must
/// follow a header line, and the last base must end a line.
pub fn check_edges(l: &Layout, before: Option<u8>, after: &[u8]) -> Result<()> {
    if before.is_some_and(|b| b != b'\n') {
        bail!("the index places the first base of {} at byte {}, which does not start a line", l.name, l.offset);
    }
    if l.len == 0 {
        return Ok(());
    }
    let ends_line = matches!(after, [] | [b'\n', ..] | [b'\r', b'\n'] | [b'\r']);
    if !ends_line {
        bail!(
            "{} is longer than its length in the index ({} bases): its last line goes on after byte {}",
            l.name,
            l.len,
            l.end_byte()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(len: u64) -> Layout {
        Layout { name: "c".into(), len, offset: 3, line_bases: 4, line_width: 5 }
    }

    #[test]
    fn extract_checks_line_ends() {
        let fasta = b">c\nACGT\nACGT\nAC\n";
        let l = layout(10);
        let mut out = Vec::new();
        let (a, b) = (l.byte_of(2) as usize, l.end_byte() as usize);
        l.extract(&fasta[a..b], 2, 10, &mut out).unwrap();
        assert_eq!(out, b"GTACGTAC");
        // re-wrapped after indexing: 5 bases per line
        let rewrapped = b">c\nACGTA\nCGTAC\n";
        let err = l.extract(&rewrapped[3..15], 0, 10, &mut Vec::new()).unwrap_err().to_string();
        assert!(err.contains("not a base") || err.contains("newline"), "{err}");
        check_edges(&l, Some(b'\n'), b"\n").unwrap();
        assert!(check_edges(&layout(9), Some(b'\n'), b"C\n").is_err());
        assert!(check_unique(&[layout(10), layout(10)]).unwrap_err().to_string().contains("two sequences"));
        assert!(check_index(&[layout(1 << 63)], 100).is_err());
        assert!(check_index(&[layout(10)], 10).unwrap_err().to_string().contains("past the end"));
    }
}
