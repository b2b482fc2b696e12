//! TSS sources: a GTF (one TSS per gene or per transcript) or a BED of TSS windows such as the
//! paper's CAGE-corrected set. Each yields `Tss` records in file order, streaming.

pub mod bed;
pub mod gtf;

use std::fmt;

/// Strand of transcription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strand {
    Plus,
    Minus,
}

impl Strand {
    pub fn as_char(self) -> char {
        match self {
            Strand::Plus => '+',
            Strand::Minus => '-',
        }
    }
}

impl fmt::Display for Strand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

/// One transcription start site: the base that lands at window index 7000.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tss {
    pub gene_id: String,
    pub gene_name: String,
    /// Set when TSSs are taken per transcript.
    pub transcript_id: Option<String>,
    /// Chromosome as written in the source (aliases are resolved against the genome later).
    pub chrom: String,
    /// 0-based position of the TSS base.
    pub pos: u64,
    pub strand: Strand,
}

/// Removes an Ensembl-style version suffix (`ENSG00000177663.13` -> `ENSG00000177663`).
pub fn strip_version(id: &str) -> &str {
    match id.rsplit_once('.') {
        Some((base, v)) if !base.is_empty() && !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => id,
    }
}
