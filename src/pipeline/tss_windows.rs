//! TSS -> window jobs, shared by `annotate`, `ism` and `score-variants`: resolves the chromosome (aliases),
//! joins the features and cuts the strand-aware window; counts what it skips.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;

use super::Job;
use crate::annotation::bed::BedTssReader;
use crate::annotation::gtf::{GtfOptions, GtfTssReader, TssLevel};
use crate::annotation::{Notes, Tss};
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

    /// Opens the source: the TSS stream, and whether TSSs are per transcript. What the
    /// reader passes over is counted into `notes` when it reaches the end.
    pub fn open(&self, notes: &Notes) -> Result<(TssStream, bool)> {
        let (stream, per_transcript): (TssStream, bool) = match self {
            // a GFF3 given to --gtf (Ensembl and GENCODE ship both): detected by name or directive
            TssSource::Gtf(path, options) if crate::annotation::gff3::is_gff3(path) => {
                (Box::new(crate::annotation::gff3::Gff3TssReader::open(path, options.clone(), notes.clone()).input()?), options.level == TssLevel::Transcript)
            }
            TssSource::Gtf(path, options) => {
                (Box::new(GtfTssReader::open(path, options.clone(), notes.clone()).input()?), options.level == TssLevel::Transcript)
            }
            TssSource::Bed(path) => (Box::new(BedTssReader::open_counted(path, notes.bytes_read()).input()?), false),
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
    /// TSSs offered to `place`, and of those placed on the genome.
    pub seen: u64,
    pub placed: u64,
    /// What the TSS readers passed over.
    pub notes: Notes,
}

impl<'g> TssWindows<'g> {
    pub fn new(genome: &'g mut Genome, features: FeatureJoin, key: FeatureKey) -> Self {
        TssWindows { genome, features, key, missing_chroms: BTreeMap::new(), past_end: BTreeMap::new(), seen: 0, placed: 0, notes: Notes::default() }
    }

    /// The job of one TSS, or `Ok(None)` when it is skipped (chromosome absent, features
    /// missing under `skip`).
    /// The TSS comes back named as the genome names its chromosome: every output of a run
    /// uses the FASTA's names (docs/annotate.md, "Chromosome names"), so tracks load against it.
    pub fn job(&mut self, mut tss: Tss) -> Result<Option<Job<Tss>>> {
        let Some((contig, features)) = self.place(&tss)? else { return Ok(None) };
        tss.chrom.clone_from(&self.genome.contig(contig).name);
        let mut window = Vec::new();
        window::cut(self.genome, contig, tss.pos, tss.strand, &mut window).input()?;
        Ok(Some(Job { meta: tss, window, features }))
    }

    /// The genome contig and features of a TSS, or `Ok(None)` when it is skipped (chromosome
    /// absent or TSS past its end, counted; features missing under `skip`).
    pub fn place(&mut self, tss: &Tss) -> Result<Option<(ContigId, [f32; N_FEATURES])>> {
        self.seen += 1;
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
        self.placed += 1;
        Ok(self.features.lookup(key).input()?.map(|features| (contig, features)))
    }

    /// After the TSSs were read: an input error when none could be used (an empty
    /// annotation, or no chromosome of it in the genome: a naming or assembly mismatch);
    /// a note when a selection (`--region`, `--chrom`, `--shard`) legitimately held none
    /// (a shard may hold only TSSs of absent chromosomes: warned about, not an error).
    pub fn check_usable(&self, source: &TssSource, selected: bool) -> Result<()> {
        let shown = source.path().display();
        if self.seen == 0 {
            if selected {
                log::info!("no TSS of {shown} in the selected part of the genome (--region/--chrom/--shard): empty output");
                return Ok(());
            }
            let kind = match source {
                TssSource::Gtf(_, o) if !o.gene_types.is_empty() => "no gene record of the asked --gene-type",
                TssSource::Gtf(_, o) if o.level == TssLevel::Transcript => "no transcript record",
                TssSource::Gtf(..) => "no gene record",
                TssSource::Bed(_) => "no interval",
            };
            return Err(crate::input::InputError::msg(format!("{shown} holds {kind}: nothing to predict")));
        }
        if self.placed == 0 && !selected {
            let theirs: Vec<&str> = self.missing_chroms.keys().map(String::as_str).take(5).collect();
            let ours: Vec<&str> = self.genome.contigs().iter().map(|c| c.name.as_str()).take(5).collect();
            let why = if theirs.is_empty() {
                "every TSS lies past the end of its chromosome (another assembly?)".to_string()
            } else {
                format!("none of its chromosomes ({}) is in the genome (its first: {}): a naming or assembly mismatch?", theirs.join(", "), ours.join(", "))
            };
            return Err(crate::input::InputError::msg(format!(
                "no TSS of {shown} ({} read) could be placed on the genome {}: {why}",
                self.seen,
                self.genome.path().display()
            )));
        }
        Ok(())
    }

    /// End-of-run warnings: what the readers passed over, missing feature rows, absent
    /// chromosomes. (Notes that are not warnings are logged here.)
    pub fn warnings(&mut self) -> Vec<String> {
        let mut warnings = Vec::new();
        let exons = self.notes.take_exons();
        match exons.check(self.genome) {
            Ok((checked, spliced)) => {
                log::debug!("{spliced} of {checked} sampled exons of {} lie beside a splice site in the genome", exons.source);
                warnings.extend(crate::annotation::splice_check::warning(&exons.source, checked, spliced));
            }
            Err(e) => log::debug!("the splice-site check could not read the genome: {e:#}"),
        }
        for (warn, text) in self.notes.take() {
            if warn { warnings.push(text) } else { log::info!("{text}") }
        }
        warnings.extend(self.features.warning());
        warnings.extend(super::missing::warnings(&self.missing_chroms, "", "TSSs", "skipped"));
        for (chrom, n) in &self.past_end {
            let len = self.genome.resolve(chrom).map_or(0, |id| self.genome.contig(id).len);
            warnings.push(format!("{n} TSSs on {chrom} lie past its end in the genome ({len} bp; another assembly?): skipped"));
        }
        warnings
    }
}
