//! `xpresso annotate`: arguments and the hand-over to `pipeline::annotate`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;

use super::args::{genome_inputs, provenance, FeatureArgs, ModelArgs, SelectArgs, TssArgs};
use crate::genome::Genome;
use crate::output::guard::Named;
use crate::pipeline::annotate::{Annotate, AnnotateOutputs};
use crate::pipeline::tss_windows::TssWindows;

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("annotate_source").required(true).args(["gtf", "tss_bed"]))]
pub struct AnnotateArgs {
    /// Reference FASTA, plain or bgzip-compressed; .fai (and .gzi) are built beside it when missing.
    /// A URL (https, s3, gs; a build with --features remote) is read by range, its .fai/.gzi beside
    /// it or the .fai named after `##idx##` (URL##idx##FAI, the .gzi beside that).
    #[arg(short, long, value_name = "FASTA")]
    pub genome: PathBuf,

    #[command(flatten)]
    pub tss: TssArgs,

    #[command(flatten)]
    pub features: FeatureArgs,

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

    /// Also write the bedGraph's values as a bigWig (chromosomes named and sized as in the
    /// FASTA index), for IGV and the UCSC browser.
    #[arg(long, value_name = "BIGWIG")]
    pub bigwig: Option<PathBuf>,

    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub model: ModelArgs,
}

impl AnnotateArgs {
    pub fn paths(&self) -> (Vec<Named>, Vec<Named>) {
        let mut inputs = genome_inputs("--genome", &self.genome);
        inputs.extend(self.tss.inputs().into_iter().chain(self.features.inputs()).chain(self.model.input()));
        inputs.extend(self.select.inputs());
        let mut outputs = vec![Named::new("-o", &self.output)];
        outputs.extend(self.bed.iter().map(|p| Named::new("--bed", p)));
        outputs.extend(self.bedgraph.iter().map(|p| Named::new("--bedgraph", p)));
        outputs.extend(self.bigwig.iter().map(|p| Named::new("--bigwig", p)));
        (inputs, outputs)
    }
}

pub fn run(args: AnnotateArgs, quiet: bool) -> Result<()> {
    let started = Instant::now();
    let (model, model_path) = args.model.load()?;
    let mut genome = Genome::open(&args.genome)?;
    let source = args.tss.source().context("annotate needs --gtf or --tss-bed")?;
    let selection = args.select.tss_selection(&genome)?;
    let annotate = Annotate {
        selection,
        windows: TssWindows::new(&mut genome, args.features.join()?, args.tss.features_key),
        source,
        predictor: model.as_ref(),
        batch_size: args.model.batch_size,
        quiet,
        provenance: provenance(&model_path, &args.features),
    };
    let outputs = AnnotateOutputs { tsv: args.output, bed: args.bed, bedgraph: args.bedgraph, bigwig: args.bigwig };
    let summary = annotate.run(&outputs)?;
    super::report_warnings(&summary.warnings, quiet);
    let secs = started.elapsed().as_secs_f64();
    super::stats::count("tss_predicted", summary.predicted);
    log::info!("predicted {} TSSs in {secs:.1} s ({:.0}/s)", summary.predicted, summary.predicted as f64 / secs);
    Ok(())
}
