//! TSS -> window jobs, shared by `annotate`, `ism` and `score-variants`: resolves the chromosome (aliases),
//! joins the features and cuts the strand-aware window; counts what it skips.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;

use super::Job;
use crate::annotation::bed::BedTssReader;
use crate::annotation::gtf::{GtfOptions, GtfTssReader, TssLevel};
use crate::annotation::Tss;
use crate::features::FeatureJoin;
use crate::genome::{ContigId, Genome};
use crate::input::OrInput;
use crate::model::arch::N_FEATURES;
use crate::window;

/// A stream of TSSs in file order.
pub type TssStream = Box<dyn Iterator<Item = Result<Tss>> + Send>;

/// Where the TSSs come from.
pub enum TssSource {
    Gtf(PathBuf, GtfOptions),
    /// BED6 of TSS windows in the paper's convention (see `annotation::bed`).
    Bed(PathBuf),
}

impl TssSource {
    /// The file the TSSs come from (`-` = standard input).
    pub fn path(&self) -> &std::path::Path {
        match self {
            TssSource::Gtf(path, _) | TssSource::Bed(path) => path,
        }
    }

    /// Opens the source: the TSS stream, and whether TSSs are per transcript.
    pub fn open(&self) -> Result<(TssStream, bool)> {
        let (stream, per_transcript): (TssStream, bool) = match self {
            TssSource::Gtf(path, options) => {
                (Box::new(GtfTssReader::open(path, options.clone()).input()?), options.level == TssLevel::Transcript)
            }
            TssSource::Bed(path) => (Box::new(BedTssReader::open(path).input()?), false),
        };
        Ok((Box::new(stream.map(|t| t.input())), per_transcript))
    }
}

/// Which TSS field is the features table key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FeatureKey {
    GeneId,
    GeneName,
    TranscriptId,
}

/// Cuts the windows of TSSs from one genome.
pub struct TssWindows<'g> {
    pub genome: &'g mut Genome,
    pub features: FeatureJoin,
    pub key: FeatureKey,
    /// Chromosomes of the annotation absent from the genome, with the TSSs skipped on each.
    pub missing_chroms: BTreeMap<String, u64>,
    /// Chromosomes with TSSs past their end in the genome (another assembly?), skipped.
    pub past_end: BTreeMap<String, u64>,
}

impl<'g> TssWindows<'g> {
    pub fn new(genome: &'g mut Genome, features: FeatureJoin, key: FeatureKey) -> Self {
        TssWindows { genome, features, key, missing_chroms: BTreeMap::new(), past_end: BTreeMap::new() }
    }

    /// The job of one TSS, or `Ok(None)` when it is skipped (chromosome absent, features
    /// missing under `skip`).
    pub fn job(&mut self, tss: Tss) -> Result<Option<Job<Tss>>> {
        let Some((contig, features)) = self.place(&tss)? else { return Ok(None) };
        let mut window = Vec::new();
        window::cut(self.genome, contig, tss.pos, tss.strand, &mut window).input()?;
        Ok(Some(Job { meta: tss, window, features }))
    }

    /// The genome contig and features of a TSS, or `Ok(None)` when it is skipped (chromosome
    /// absent or TSS past its end, counted; features missing under `skip`).
    pub fn place(&mut self, tss: &Tss) -> Result<Option<(ContigId, [f32; N_FEATURES])>> {
        let Some(contig) = self.genome.resolve(&tss.chrom) else {
            *self.missing_chroms.entry(tss.chrom.clone()).or_default() += 1;
            return Ok(None);
        };
        if tss.pos >= self.genome.contig(contig).len {
            *self.past_end.entry(tss.chrom.clone()).or_default() += 1;
            return Ok(None);
        }
        let key = match self.key {
            FeatureKey::GeneId => tss.gene_id.as_str(),
            FeatureKey::GeneName => tss.gene_name.as_str(),
            FeatureKey::TranscriptId => tss.transcript_id.as_deref().unwrap_or(&tss.gene_id),
        };
        Ok(self.features.lookup(key).input()?.map(|features| (contig, features)))
    }

    /// End-of-run warnings: missing feature rows, absent chromosomes.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings: Vec<String> = self.features.warning().into_iter().collect();
        for (chrom, n) in &self.missing_chroms {
            warnings.push(format!("chromosome {chrom} is not in the genome (nor an alias): {n} TSSs skipped"));
        }
        for (chrom, n) in &self.past_end {
            let len = self.genome.resolve(chrom).map_or(0, |id| self.genome.contig(id).len);
            warnings.push(format!("{n} TSSs on {chrom} lie past its end in the genome ({len} bp; another assembly?): skipped"));
        }
        warnings
    }
}
