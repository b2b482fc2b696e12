//! The window of a TSS on the alt haplotype. The TSS stays at index 7000:
//!
//! - a variant upstream of the TSS (on the gene's strand) moves the TSS by the length change,
//!   so sequence shifts in (or out) at the far upstream end of the window;
//! - a variant downstream leaves the TSS in place; sequence shifts at the far downstream end;
//! - a variant whose replaced bases include the TSS base is treated as downstream: the
//!   upstream side (the promoter) stays in place and the alt allele starts where REF started,
//!   so after a deletion of the TSS base index 7000 holds the first base past the deletion.
//!
//! Substitutions (no length change) therefore only replace bases in place.

use anyhow::Result;

use super::allele::Edit;
use crate::annotation::Strand;
use crate::genome::{ContigId, Genome};
use crate::window::{self, onehot, TSS_INDEX};

/// Position of the TSS base on the alt haplotype (0-based, alt coordinates).
pub fn alt_tss(tss: u64, strand: Strand, edit: &Edit) -> i64 {
    let (p, shift) = (tss as i64, edit.shift());
    let (start, end) = (edit.start as i64, edit.start as i64 + edit.ref_len as i64);
    if end <= p {
        p + shift // wholly left of the TSS in genome coordinates
    } else if start > p {
        p // wholly right
    } else {
        match strand {
            Strand::Plus => p,
            Strand::Minus => p + shift,
        }
    }
}

/// Cuts the alt-haplotype window of the TSS `tss` on `strand` into `out` (`SEQ_LEN` bases,
/// reverse-complemented on minus, N past the chromosome ends). `buf` is scratch.
pub fn alt_window(genome: &mut Genome, contig: ContigId, tss: u64, strand: Strand, edit: &Edit, out: &mut Vec<u8>, buf: &mut Vec<u8>) -> Result<()> {
    let (ws, we) = window::span_at(alt_tss(tss, strand, edit), strand);
    let start = edit.start as i64;
    let alt_end = start + edit.alt.len() as i64;
    let shift = edit.shift();
    out.clear();
    if ws < start {
        genome.fetch_padded(contig, ws, we.min(start), buf)?;
        out.extend_from_slice(buf);
    }
    let (a0, a1) = (ws.max(start), we.min(alt_end));
    if a0 < a1 {
        out.extend_from_slice(&edit.alt[(a0 - start) as usize..(a1 - start) as usize]);
    }
    let r0 = ws.max(alt_end);
    if r0 < we {
        genome.fetch_padded(contig, r0 - shift, we - shift, buf)?;
        out.extend_from_slice(buf);
    }
    if strand == Strand::Minus {
        onehot::reverse_complement(out);
    }
    Ok(())
}

/// Window index of the genome base `g` in the window of `tss` on `strand`, if inside.
pub fn window_index(tss: u64, strand: Strand, g: u64) -> Option<usize> {
    let i = match strand {
        Strand::Plus => g as i64 - (tss as i64 - TSS_INDEX as i64),
        Strand::Minus => tss as i64 + TSS_INDEX as i64 - g as i64,
    };
    (0..crate::model::arch::SEQ_LEN as i64).contains(&i).then_some(i as usize)
}

/// The base as the window of `strand` holds it (complemented on minus).
pub fn on_strand(base: u8, strand: Strand) -> u8 {
    match strand {
        Strand::Plus => base,
        Strand::Minus => onehot::complement(base),
    }
}
