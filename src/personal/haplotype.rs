//! The window of a TSS on a haplotype carrying any number of alleles (minimal edits, sorted,
//! not overlapping). The rules are `variants::alt_window`'s, applied edit by edit: an edit
//! wholly left of the TSS (in genome coordinates) moves it by its length change; one wholly
//! right leaves it; one whose replaced bases include the TSS base is downstream on the gene's
//! strand (it moves the TSS on minus only). The window is then cut around the moved TSS from
//! the haplotype's sequence: reference between edits, ALT bases inside them, N past the
//! chromosome ends. With one edit this is exactly `alt_window` (tested).

use anyhow::Result;

use crate::annotation::Strand;
use crate::genome::{ContigId, Genome};
use crate::variants::allele::Edit;
use crate::window::{self, onehot};

/// Position of the TSS base on the haplotype (0-based, haplotype coordinates).
pub fn haplotype_tss(tss: u64, strand: Strand, edits: &[&Edit]) -> i64 {
    let p = tss as i64;
    edits
        .iter()
        .map(|e| {
            let (start, end) = (e.start as i64, e.start as i64 + e.ref_len as i64);
            if end <= p || (start <= p && strand == Strand::Minus) {
                e.shift()
            } else {
                0
            }
        })
        .sum::<i64>()
        + p
}

/// Cuts the haplotype window of `tss` on `strand` into `out` (reverse-complemented on
/// minus). `edits` must be sorted by start and not overlap. `buf` is scratch.
pub fn haplotype_window(genome: &mut Genome, contig: ContigId, tss: u64, strand: Strand, edits: &[&Edit], out: &mut Vec<u8>, buf: &mut Vec<u8>) -> Result<()> {
    let (ws, we) = window::span_at(haplotype_tss(tss, strand, edits), strand);
    out.clear();
    // walk the haplotype: a reference run, then an edit's ALT bases, ...; `shift` maps
    // haplotype coordinates of the current reference run back to the genome
    let (mut ref_from, mut shift) = (i64::MIN / 4, 0i64);
    let mut reference = |from_h: i64, to_h: i64, shift: i64, out: &mut Vec<u8>, buf: &mut Vec<u8>| -> Result<()> {
        let (a, b) = (from_h.max(ws), to_h.min(we));
        if a < b {
            genome.fetch_padded(contig, a - shift, b - shift, buf)?;
            out.extend_from_slice(buf);
        }
        Ok(())
    };
    for e in edits {
        let start_h = e.start as i64 + shift;
        reference(ref_from + shift, start_h, shift, out, buf)?;
        let (a, b) = (start_h.max(ws), (start_h + e.alt.len() as i64).min(we));
        if a < b {
            out.extend_from_slice(&e.alt[(a - start_h) as usize..(b - start_h) as usize]);
        }
        ref_from = e.start as i64 + e.ref_len as i64;
        shift += e.shift();
    }
    reference(ref_from + shift, i64::MAX / 4, shift, out, buf)?;
    if strand == Strand::Minus {
        onehot::reverse_complement(out);
    }
    Ok(())
}
