//! Is this annotation of this genome's assembly? Chromosome names and lengths often agree
//! between assemblies (an hg38 GTF on a GRCh37 FASTA predicts every TSS without a word), but
//! exons do not fall on the same bases. Beside an internal exon boundary lies the splice
//! consensus: AG before an exon (the acceptor), GT after it (the donor), on the gene's
//! strand. A first or last exon has one of the two, so nearly every exon of a multi-exon
//! transcript has at least one: about nine in ten on the assembly the annotation was made
//! for, and 1 - (15/16)^2 = 12% by chance on another. A uniform sample of exons is kept while
//! the annotation is read (a reservoir of `PER_CHROM` per chromosome, so a genome that holds
//! only a piece of a chromosome still meets some) and checked against the genome.

use std::collections::HashMap;

use anyhow::Result;

use super::Strand;
use crate::genome::Genome;

/// Exons kept per chromosome (24 bytes each; at most 100 chromosomes).
pub const PER_CHROM: usize = 2000;
/// Exons checked per chromosome of a remote genome: those in BGZF blocks the windows read
/// (near TSSs, so seldom in gaps), evenly thinned to this many. A block read again may be a
/// request again; 2,000 per chromosome would read most of a genome a second time, 100 a
/// few percent of it.
pub const PER_CHROM_REMOTE: usize = 100;
/// Below this share of exons beside a splice site, the run warns.
pub const MIN_SHARE: f64 = 0.5;
/// Fewer checked exons than this say nothing (at 40, the two shares, ~0.9 and ~0.12, lie
/// many standard errors from the 0.5 threshold).
pub const MIN_EXONS: usize = 40;

/// Sampled exons of one chromosome: (0-based start, end, strand).
type Exons = Vec<(u64, u64, Strand)>;

/// Exons sampled from an annotation: (0-based start, end, strand) per chromosome name.
#[derive(Debug, Default)]
pub struct ExonSample {
    /// Per chromosome: the exons kept and how many were offered.
    by_chrom: HashMap<String, (Exons, u64)>,
    /// xorshift state for the reservoir (fixed seed: the same sample every run).
    rng: u64,
    /// The annotation file, for the message.
    pub source: String,
}

impl ExonSample {
    pub fn add(&mut self, source: &std::path::Path, chrom: &str, start: u64, end: u64, strand: Strand) {
        if self.source.is_empty() {
            self.source = source.display().to_string();
        }
        if self.by_chrom.len() >= 100 && !self.by_chrom.contains_key(chrom) {
            return;
        }
        if self.rng == 0 {
            self.rng = 0x9e37_79b9_7f4a_7c15;
        }
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let draw = self.rng;
        let (exons, seen) = self.by_chrom.entry(chrom.to_string()).or_default();
        *seen += 1;
        if exons.len() < PER_CHROM {
            exons.push((start, end, strand));
        } else if let Some(slot) = exons.get_mut((draw % *seen) as usize) {
            *slot = (start, end, strand);
        }
    }

    /// (exons checked, exons beside a splice site) on the genome; exons whose flanks hold N
    /// (gaps, pieces of a genome) or lie on chromosomes the genome lacks are not checked.
    pub fn check(&self, genome: &mut Genome) -> Result<(usize, usize)> {
        let (mut checked, mut spliced) = (0, 0);
        let mut buf = Vec::new();
        let mut names: Vec<&String> = self.by_chrom.keys().collect();
        names.sort();
        for name in names {
            let Some(contig) = genome.resolve(name) else { continue };
            let mut exons = self.by_chrom[name].0.clone();
            exons.sort_unstable_by_key(|e| e.0); // neighbouring fetches share BGZF blocks
            if genome.is_remote() {
                exons.retain(|&(start, end, _)| genome.was_read(contig, start.saturating_sub(2)) && genome.was_read(contig, end + 1));
            }
            if genome.is_remote() && exons.len() > PER_CHROM_REMOTE {
                let step = exons.len() as f64 / PER_CHROM_REMOTE as f64;
                exons = (0..PER_CHROM_REMOTE).map(|i| exons[(i as f64 * step) as usize]).collect();
            }
            for (start, end, strand) in exons {
                let (start, end) = (start as i64, end as i64);
                genome.fetch_padded(contig, start - 2, start, &mut buf)?;
                let before = buf.to_ascii_uppercase();
                genome.fetch_padded(contig, end, end + 2, &mut buf)?;
                let after = buf.to_ascii_uppercase();
                if before.contains(&b'N') || after.contains(&b'N') {
                    continue;
                }
                checked += 1;
                let hit = match strand {
                    Strand::Plus => before == b"AG" || after == b"GT",
                    Strand::Minus => after == b"CT" || before == b"AC",
                };
                spliced += usize::from(hit);
            }
        }
        Ok((checked, spliced))
    }
}

/// The warning for `(checked, spliced)` of annotation file `what`, if the share is too low.
pub fn warning(what: &str, checked: usize, spliced: usize) -> Option<String> {
    if checked < MIN_EXONS {
        return None;
    }
    let share = spliced as f64 / checked as f64;
    (share < MIN_SHARE).then(|| {
        format!(
            "only {:.0}% of {checked} sampled exons of {what} have a splice site (AG acceptor or GT donor) beside them in the genome, against ~90% on the assembly an annotation was made for and ~12% by chance: is the annotation of another assembly than the genome?",
            share * 100.0
        )
    })
}
