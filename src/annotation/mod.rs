//! TSS sources: a GTF (one TSS per gene or per transcript) or a BED of TSS windows such as the
//! paper's CAGE-corrected set. Each yields `Tss` records in file order, streaming.

pub mod bed;
pub mod gff3;
pub mod gtf;
pub mod splice_check;

use std::fmt;
use std::sync::{Arc, Mutex};

/// What a reader passed over, for the end-of-run summary (counted: is a warning, text) and
/// for the progress bar (the bytes of its file read so far).
#[derive(Clone, Debug, Default)]
pub struct Notes {
    list: Arc<Mutex<Vec<(bool, String)>>>,
    read: crate::input::ByteCount,
    /// Exons of a GTF, for the assembly check (`splice_check`).
    exons: Arc<Mutex<splice_check::ExonSample>>,
}

impl Notes {
    pub fn warn(&self, text: String) {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).push((true, text));
    }
    pub fn info(&self, text: String) {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).push((false, text));
    }
    /// Everything noted so far, emptied.
    pub fn take(&self) -> Vec<(bool, String)> {
        std::mem::take(&mut *self.list.lock().unwrap_or_else(|e| e.into_inner()))
    }
    /// Keeps an exon (0-based start, end) for the assembly check.
    pub fn exon(&self, source: &std::path::Path, chrom: &str, start: u64, end: u64, strand: Strand) {
        self.exons.lock().unwrap_or_else(|e| e.into_inner()).add(source, chrom, start, end, strand);
    }
    /// The exons kept, emptied.
    pub fn take_exons(&self) -> splice_check::ExonSample {
        std::mem::take(&mut *self.exons.lock().unwrap_or_else(|e| e.into_inner()))
    }
    /// The counter of (compressed) bytes the reader has taken from its file.
    pub fn bytes_read(&self) -> &crate::input::ByteCount {
        &self.read
    }
}

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
