//! `xpresso annotate`: arguments and the hand-over to `pipeline::annotate`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use super::args::{provenance, FeatureArgs, ModelArgs};
use super::{info, warn};
use crate::annotation::gtf::{GtfOptions, TssLevel};
use crate::genome::Genome;
use crate::pipeline::annotate::{Annotate, AnnotateOutputs, FeatureKey, TssSource};

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("tss_source").required(true).args(["gtf", "tss_bed"]))]
pub struct AnnotateArgs {
    /// Reference FASTA, plain or bgzip-compressed; .fai (and .gzi) are built beside it when missing.
    #[arg(short, long, value_name = "FASTA")]
    pub genome: PathBuf,

    /// Gene annotation (GTF, plain or gzip); chromosome names are matched with aliases (chr1 = 1).
    #[arg(long, value_name = "GTF")]
    pub gtf: Option<PathBuf>,

    /// TSS windows as BED6 in the paper's convention (e.g. hg38_promoters_cage_corrected.bed.gz):
    /// the window is centred on each interval's midpoint.
    #[arg(long, value_name = "BED")]
    pub tss_bed: Option<PathBuf>,

    /// With --gtf: one TSS per gene record, or per transcript (identical TSSs of a gene collapsed).
    #[arg(long, value_enum, default_value_t = TssLevel::Gene, value_name = "LEVEL")]
    pub tss: TssLevel,

    /// With --gtf: keep only these gene_type / gene_biotype values (repeat or comma-separate).
    #[arg(long, value_delimiter = ',', value_name = "TYPE")]
    pub gene_type: Vec<String>,

    #[command(flatten)]
    pub features: FeatureArgs,

    /// Key of the features table: gene_id (version suffix ignored), gene_name or transcript_id.
    #[arg(long, value_enum, default_value_t = FeatureKey::GeneId, value_name = "KEY")]
    pub features_key: FeatureKey,

    /// Output TSV (`-` = stdout, `.gz` = bgzip): gene_id, gene_name, [transcript_id], chrom,
    /// tss (1-based), strand, prediction; in annotation order.
    #[arg(short, long, default_value = "-", value_name = "TSV")]
    pub output: PathBuf,

    /// Also write a BED6 track of the TSSs (score = prediction), sorted for genome browsers.
    #[arg(long, value_name = "BED")]
    pub bed: Option<PathBuf>,

    /// Also write a bedGraph of the predictions at each TSS base, sorted (shared bases averaged).
    #[arg(long, value_name = "BEDGRAPH")]
    pub bedgraph: Option<PathBuf>,

    #[command(flatten)]
    pub model: ModelArgs,
}

pub fn run(args: AnnotateArgs, quiet: bool) -> Result<()> {
    let started = Instant::now();
    let (model, model_path) = args.model.load()?;
    let mut genome = Genome::open(&args.genome)?;
    let source = match (args.gtf, args.tss_bed) {
        (Some(gtf), _) => TssSource::Gtf(gtf, GtfOptions { level: args.tss, gene_types: args.gene_type }),
        (None, Some(bed)) => TssSource::Bed(bed),
        (None, None) => unreachable!("clap requires one TSS source"),
    };
    let annotate = Annotate {
        genome: &mut genome,
        source,
        features: args.features.join()?,
        features_key: args.features_key,
        predictor: model.as_ref(),
        batch_size: args.model.batch_size,
        quiet,
        provenance: provenance(&model_path),
    };
    let outputs = AnnotateOutputs { tsv: args.output, bed: args.bed, bedgraph: args.bedgraph };
    let summary = annotate.run(&outputs)?;
    for w in &summary.warnings {
        warn(w);
    }
    let secs = started.elapsed().as_secs_f64();
    info(quiet, &format!("predicted {} TSSs in {secs:.1} s ({:.0}/s)", summary.predicted, summary.predicted as f64 / secs));
    Ok(())
}
