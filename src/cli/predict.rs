//! `xpresso predict`: arguments and the hand-over to `pipeline::predict`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::args::{provenance, FeatureArgs, ModelArgs};
use crate::output::guard::Named;
use crate::pipeline::fasta_jobs::Orient;
use crate::pipeline::predict::Predict;

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// FASTA (plain or gzip) of promoter sequences: each 10,500 bp with the TSS at index 7000,
    /// or at most 7,000 bp (placed centred on index 7000 in an all-N window).
    #[arg(short, long, value_name = "FASTA")]
    pub fasta: PathBuf,

    /// The records are given on the forward strand: reverse-complement those whose header
    /// names strand (-), as bedtools `getfasta -s` writes it (`name::chr:start-end(-)`, or
    /// any header word ending in `(-)`). Without it every record is used as given.
    #[arg(long)]
    pub strand_from_header: bool,

    #[command(flatten)]
    pub features: FeatureArgs,

    /// Output TSV (`-` = stdout, `.gz` = bgzip): id, length, prediction; in input order.
    #[arg(short, long, default_value = "-", value_name = "TSV")]
    pub output: PathBuf,

    #[command(flatten)]
    pub model: ModelArgs,
}

impl PredictArgs {
    pub fn paths(&self) -> (Vec<Named>, Vec<Named>) {
        let mut inputs = vec![Named::new("--fasta", &self.fasta)];
        inputs.extend(self.features.inputs().into_iter().chain(self.model.input()));
        (inputs, vec![Named::new("-o", &self.output)])
    }
}

pub fn run(args: PredictArgs, quiet: bool) -> Result<()> {
    let (model, model_path) = args.model.load()?;
    let predict = Predict {
        fasta: args.fasta,
        features: args.features.join()?,
        predictor: model.as_ref(),
        batch_size: args.model.batch_size,
        quiet,
        provenance: provenance(&model_path, &args.features),
        orient: if args.strand_from_header { Orient::FromHeader } else { Orient::AsGiven },
    };
    super::report_warnings(&predict.run(&args.output)?, quiet);
    Ok(())
}
