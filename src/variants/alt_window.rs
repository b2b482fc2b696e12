//! The window of a TSS on the alt haplotype. The TSS stays at index 7000:
//!
//! - a variant upstream of the TSS (on the gene's strand) moves the TSS by the length change,
//!   so sequence shifts in (or out) at the far upstream end of the window;
//! - a variant downstream leaves the TSS in place; sequence shifts at the far downstream end;
//! - a variant whose replaced bases include the TSS base is treated as downstream: the
//!   upstream side (the promoter) stays in place and the alt allele starts where REF started,
//!   so after a deletion of the TSS base index 7000 holds the first base past the deletion.
//!
//! Substitutions (no length change) therefore only replace bases in place. `personal` applies
//! a haplotype's many alleles with the same rules (`haplotype_window`), edit by edit.

use anyhow::Result;

use super::allele::Edit;
use crate::annotation::Strand;
use crate::genome::{ContigId, Genome};
use crate::window::{self, onehot, TSS_INDEX};

/// Cuts the alt-haplotype window of the TSS `tss` on `strand` into `out` (`SEQ_LEN` bases,
/// reverse-complemented on minus, N past the chromosome ends). `buf` is scratch.
pub fn alt_window(genome: &mut Genome, contig: ContigId, tss: u64, strand: Strand, edit: &Edit, out: &mut Vec<u8>, buf: &mut Vec<u8>) -> Result<()> {
    haplotype_window(genome, contig, tss, strand, &[edit], out, buf).map(|_| ())
}

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
/// minus). `edits` must be sorted by start and not overlap. `buf` is scratch. Returns the
/// genome span `[first, end)` (0-based) its reference bases were read from: a haplotype's
/// deletions pull bases from beyond the reference window into it.
pub fn haplotype_window(genome: &mut Genome, contig: ContigId, tss: u64, strand: Strand, edits: &[&Edit], out: &mut Vec<u8>, buf: &mut Vec<u8>) -> Result<(i64, i64)> {
    assemble(tss, strand, edits, out, |a, b, out| {
        genome.fetch_padded(contig, a, b, buf)?;
        out.extend_from_slice(buf);
        Ok(())
    })
}

/// `haplotype_window` from `local`, the genome's bases from `local_start` on (N beyond the
/// contig's ends, as `Genome::fetch_padded` gives them): for threads that hold no genome
/// reader. An error when the window reads beyond `local` (callers check `haplotype_span`).
pub fn haplotype_window_in(local: &[u8], local_start: i64, tss: u64, strand: Strand, edits: &[&Edit], out: &mut Vec<u8>) -> Result<(i64, i64)> {
    assemble(tss, strand, edits, out, |a, b, out| {
        let (a, b) = (a - local_start, b - local_start);
        anyhow::ensure!(a >= 0 && b as usize <= local.len(), "haplotype window reads {a}..{b} beyond the {} bases held", local.len());
        out.extend_from_slice(&local[a as usize..b as usize]);
        Ok(())
    })
}

/// The walk's pieces written into `out` (genome bases `[a, b)` by `genome`), on `strand`.
fn assemble(tss: u64, strand: Strand, edits: &[&Edit], out: &mut Vec<u8>, mut genome: impl FnMut(i64, i64, &mut Vec<u8>) -> Result<()>) -> Result<(i64, i64)> {
    out.clear();
    let span = walk(tss, strand, edits, |piece| match piece {
        Piece::Genome(a, b) => genome(a, b, out),
        Piece::Alt(bases) => {
            out.extend_from_slice(bases);
            Ok(())
        }
    })?;
    if strand == Strand::Minus {
        onehot::reverse_complement(out);
    }
    Ok(span)
}

/// The genome span `haplotype_window` would read, without reading it.
pub fn haplotype_span(tss: u64, strand: Strand, edits: &[&Edit]) -> (i64, i64) {
    walk(tss, strand, edits, |_| Ok(())).expect("nothing fails without a read")
}

/// A piece of a haplotype window, in window order (plus strand): genome bases `[a, b)`, or
/// an edit's ALT bases.
enum Piece<'e> {
    Genome(i64, i64),
    Alt(&'e [u8]),
}

/// Walks the haplotype window of `tss`: a reference run, then an edit's ALT bases, ...;
/// `shift` maps haplotype coordinates of the current reference run back to the genome.
/// Returns the genome span read.
fn walk<'e>(tss: u64, strand: Strand, edits: &[&'e Edit], mut piece: impl FnMut(Piece<'e>) -> Result<()>) -> Result<(i64, i64)> {
    let (ws, we) = window::span_at(haplotype_tss(tss, strand, edits), strand);
    let (mut ref_from, mut shift) = (i64::MIN / 4, 0i64);
    let mut span = (i64::MAX, i64::MIN);
    let mut reference = |from_h: i64, to_h: i64, shift: i64, piece: &mut dyn FnMut(Piece<'e>) -> Result<()>| -> Result<()> {
        let (a, b) = (from_h.max(ws), to_h.min(we));
        if a < b {
            span = (span.0.min(a - shift), span.1.max(b - shift));
            piece(Piece::Genome(a - shift, b - shift))?;
        }
        Ok(())
    };
    for e in edits {
        let start_h = e.start as i64 + shift;
        reference(ref_from + shift, start_h, shift, &mut piece)?;
        let (a, b) = (start_h.max(ws), (start_h + e.alt.len() as i64).min(we));
        if a < b {
            piece(Piece::Alt(&e.alt[(a - start_h) as usize..(b - start_h) as usize]))?;
        }
        ref_from = e.start as i64 + e.ref_len as i64;
        shift += e.shift();
    }
    reference(ref_from + shift, i64::MAX / 4, shift, &mut piece)?;
    Ok(span)
}

/// The haplotype window of substitution-only `edits` (no length change), from the reference
/// window of the same TSS: the ALT bases written in place (complemented on minus). Returns
/// false, leaving `out` unspecified, when an edit changes the length (`haplotype_window`
/// then walks the genome). Equals `haplotype_window` (checked in debug builds by `personal`).
pub fn substituted_window(reference: &[u8], tss: u64, strand: Strand, edits: &[&Edit], out: &mut Vec<u8>) -> bool {
    if edits.iter().any(|e| e.shift() != 0) {
        return false;
    }
    out.clear();
    out.extend_from_slice(reference);
    for e in edits {
        for (k, &b) in e.alt.iter().enumerate() {
            if let Some(i) = window_index(tss, strand, e.start + k as u64) {
                out[i] = on_strand(b, strand);
            }
        }
    }
    true
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
