//! The one place that knows the Xpresso window: 10,500 bp with the TSS at 0-based index
//! 7000, i.e. 7,000 bp upstream and 3,500 bp downstream in the direction of transcription.
//!
//! ```text
//!  plus strand, TSS p (0-based):    [p-7000 ............ p ...... p+3500)   read forward
//!  minus strand, TSS p (0-based):   [p-3499 ...... p ............ p+7001)   reverse-complemented
//!                                    window index 0 ........ 7000 ... 10499
//! ```
//! Bases outside the chromosome are N (all-zero in the model).

pub mod n_content;
pub mod onehot;

pub use n_content::{n_fraction, NTally};

use anyhow::Result;

use crate::annotation::Strand;
use crate::genome::{ContigId, Genome};
use crate::model::arch::SEQ_LEN;

/// Window index of the TSS base.
pub const TSS_INDEX: usize = 7000;
/// Bases downstream of the TSS, TSS excluded (10,500 - 7,000 - 1).
pub const DOWNSTREAM: usize = SEQ_LEN - TSS_INDEX - 1;

/// Forward-strand 0-based half-open span `[start, end)` of the window whose index 7000 is
/// base `p` on `strand`. May run past either chromosome end.
pub fn span(p: u64, strand: Strand) -> (i64, i64) {
    span_at(p as i64, strand)
}

/// `span` for a TSS that may lie on a shifted (alt haplotype) coordinate axis.
pub fn span_at(p: i64, strand: Strand) -> (i64, i64) {
    match strand {
        Strand::Plus => (p - TSS_INDEX as i64, p + (SEQ_LEN - TSS_INDEX) as i64),
        Strand::Minus => (p - DOWNSTREAM as i64, p + TSS_INDEX as i64 + 1),
    }
}

/// Cuts the window of base `p` on `strand` into `out` (resized to `SEQ_LEN`): forward
/// bases on plus, reverse complement on minus, N past chromosome ends.
pub fn cut(genome: &mut Genome, contig: ContigId, p: u64, strand: Strand, out: &mut Vec<u8>) -> Result<()> {
    let (start, end) = span(p, strand);
    genome.fetch_padded(contig, start, end, out)?;
    if strand == Strand::Minus {
        onehot::reverse_complement(out);
    }
    Ok(())
}

/// Places a sequence of at most `TSS_INDEX` bp in an all-N window starting at index
/// `7000 - len/2`, as the original `predict_seqs.py` does; 10,500 bp are used as is.
/// Returns `None` for any other length.
pub fn from_sequence(seq: &[u8]) -> Option<Vec<u8>> {
    if seq.len() == SEQ_LEN {
        return Some(seq.to_vec());
    }
    if seq.is_empty() || seq.len() > TSS_INDEX {
        return None;
    }
    let mut window = vec![b'N'; SEQ_LEN];
    let start = TSS_INDEX - seq.len() / 2;
    window[start..start + seq.len()].copy_from_slice(seq);
    Some(window)
}
