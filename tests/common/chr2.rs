//! The shared hg38 chr2 piece and the genome-wide GENCODE GTF, as the precompute tests use
//! them.

use std::io::Read;
use std::path::Path;

use super::shared;

pub fn genome() -> String {
    shared().join("data/genome/chr2_1-2333275.fa.gz").to_string_lossy().into_owned()
}

pub fn gtf() -> String {
    shared().join("data/annotation/hg38_gencode_genes_transcripts.gtf.gz").to_string_lossy().into_owned()
}

/// The piece's bases (upper case), from its bgzip FASTA.
pub fn piece() -> Vec<u8> {
    gunzip(genome()).lines().filter(|l| !l.starts_with('>')).flat_map(|l| l.bytes()).map(|b| b.to_ascii_uppercase()).collect()
}

/// The text of a gzip or bgzip file.
pub fn gunzip(path: impl AsRef<Path>) -> String {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap()).read_to_string(&mut text).unwrap();
    text
}
