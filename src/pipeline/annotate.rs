//! `annotate`: TSSs from a GTF or BED -> windows from the genome -> predictions -> a TSV in
//! input order plus optional sorted BED/bedGraph tracks.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use super::{predict_stream, Job, Progress};
use crate::annotation::bed::BedTssReader;
use crate::annotation::gtf::{GtfOptions, GtfTssReader};
use crate::annotation::Tss;
use crate::features::FeatureJoin;
use crate::genome::Genome;
use crate::model::Predictor;
use crate::output::track::{write_bed, write_bedgraph, TrackPoint};
use crate::output::Output;
use crate::window;

/// Where the TSSs come from.
pub enum TssSource {
    Gtf(PathBuf, GtfOptions),
    /// BED6 of TSS windows in the paper's convention (see `annotation::bed`).
    Bed(PathBuf),
}

/// Which TSS field is the features table key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FeatureKey {
    GeneId,
    GeneName,
    TranscriptId,
}

pub struct AnnotateOutputs {
    pub tsv: PathBuf,
    pub bed: Option<PathBuf>,
    pub bedgraph: Option<PathBuf>,
}

/// What a run did, for the summary and the tests.
#[derive(Debug, Default)]
pub struct AnnotateSummary {
    pub predicted: u64,
    /// Chromosomes of the annotation absent from the genome, with the TSSs skipped on each.
    pub missing_chroms: BTreeMap<String, u64>,
    pub warnings: Vec<String>,
}

pub struct Annotate<'a> {
    pub genome: &'a mut Genome,
    pub source: TssSource,
    pub features: FeatureJoin,
    pub features_key: FeatureKey,
    pub predictor: &'a dyn Predictor,
    pub batch_size: usize,
    pub quiet: bool,
    /// Header comment lines (provenance), written first, each prefixed with `##`.
    pub provenance: Vec<String>,
}

impl Annotate<'_> {
    pub fn run(mut self, outputs: &AnnotateOutputs) -> Result<AnnotateSummary> {
        let (tsss, per_transcript): (Box<dyn Iterator<Item = Result<Tss>> + Send>, bool) = match &self.source {
            TssSource::Gtf(path, options) => {
                (Box::new(GtfTssReader::open(path, options.clone())?), options.level == crate::annotation::gtf::TssLevel::Transcript)
            }
            TssSource::Bed(path) => (Box::new(BedTssReader::open(path)?), false),
        };
        let mut tsv = Output::create(&outputs.tsv)?;
        self.write_header(&mut tsv, per_transcript)?;
        let mut summary = AnnotateSummary::default();
        let mut points = Vec::new();
        let want_track = outputs.bed.is_some() || outputs.bedgraph.is_some();
        let progress = Progress::new(self.quiet, None, "TSSs");
        let (genome, features, key) = (&mut *self.genome, &mut self.features, self.features_key);
        let missing = &mut summary.missing_chroms;
        let jobs = tsss.filter_map(|tss| make_job(tss, genome, features, key, missing).transpose());
        summary.predicted = predict_stream(jobs, self.predictor, self.batch_size, &progress, |tss: Tss, p| {
            write_row(&mut tsv, &tss, per_transcript, p)?;
            if want_track {
                let name = tss.transcript_id.clone().unwrap_or_else(|| tss.gene_id.clone());
                points.push(TrackPoint { chrom: tss.chrom, pos: tss.pos, strand: tss.strand, name, value: p });
            }
            Ok(())
        })?;
        summary.warnings.extend(self.features.warning());
        for (chrom, n) in &summary.missing_chroms {
            summary.warnings.push(format!("chromosome {chrom} is not in the genome (nor an alias): {n} TSSs skipped"));
        }
        if let Some(path) = &outputs.bed {
            write_bed(path, &mut points)?;
        }
        if let Some(path) = &outputs.bedgraph {
            write_bedgraph(path, &mut points)?;
        }
        tsv.finish()?;
        Ok(summary)
    }

    fn write_header(&self, out: &mut Output, per_transcript: bool) -> Result<()> {
        for line in &self.provenance {
            writeln!(out, "##{line}")?;
        }
        writeln!(out, "##tss: 1-based position of the TSS base (window index 7000); strand-aware window, see docs/annotate.md")?;
        let transcript = if per_transcript { "\ttranscript_id" } else { "" };
        writeln!(out, "gene_id\tgene_name{transcript}\tchrom\ttss\tstrand\tprediction")?;
        Ok(())
    }
}

/// Resolves the chromosome, joins features and cuts the window of one TSS; `Ok(None)` when
/// the TSS is skipped (chromosome absent, features missing under `skip`).
fn make_job(
    tss: Result<Tss>,
    genome: &mut Genome,
    features: &mut FeatureJoin,
    key: FeatureKey,
    missing_chroms: &mut BTreeMap<String, u64>,
) -> Result<Option<Job<Tss>>> {
    let tss = tss?;
    let Some(contig) = genome.resolve(&tss.chrom) else {
        *missing_chroms.entry(tss.chrom).or_default() += 1;
        return Ok(None);
    };
    let key = match key {
        FeatureKey::GeneId => tss.gene_id.as_str(),
        FeatureKey::GeneName => tss.gene_name.as_str(),
        FeatureKey::TranscriptId => tss.transcript_id.as_deref().unwrap_or(&tss.gene_id),
    };
    let Some(features) = features.lookup(key)? else { return Ok(None) };
    let mut window = Vec::new();
    window::cut(genome, contig, tss.pos, tss.strand, &mut window)?;
    Ok(Some(Job { meta: tss, window, features }))
}

fn write_row(out: &mut Output, tss: &Tss, per_transcript: bool, prediction: f32) -> Result<()> {
    write!(out, "{}\t{}\t", tss.gene_id, tss.gene_name)?;
    if per_transcript {
        write!(out, "{}\t", tss.transcript_id.as_deref().unwrap_or(""))?;
    }
    writeln!(out, "{}\t{}\t{}\t{:.6}", tss.chrom, tss.pos + 1, tss.strand, prediction)?;
    Ok(())
}
