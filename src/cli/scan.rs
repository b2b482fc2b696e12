//! `xpresso scan`: arguments and the hand-over to `pipeline::scan`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::args::{genome_inputs, ModelArgs};
use crate::genome::Genome;
use crate::model::arch::N_FEATURES;
use crate::output::guard::Named;
use crate::output::suffixed;
use crate::pipeline::scan::Scan;
use crate::pipeline::select::GenomeRegion;

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Reference FASTA, plain or bgzip-compressed (indexed; indexes built when missing).
    #[arg(short, long, value_name = "FASTA")]
    pub genome: PathBuf,

    /// Region to tile, `chrom:start-end` (1-based, inclusive, commas allowed) or a whole
    /// chromosome; windows [a, a+10500) lie inside it.
    #[arg(short, long, value_name = "REGION")]
    pub region: GenomeRegion,

    /// Distance between window starts, in bp (1-1,000,000); also the width of each bedGraph
    /// interval.
    #[arg(long, default_value_t = 100, value_name = "BP", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub step: u64,

    /// Added to every value (the published Fig 5 tracks use 1); a finite number.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true, value_name = "F", value_parser = finite)]
    pub offset: f32,

    /// Output prefix: writes PREFIX.plus.bedGraph and PREFIX.minus.bedGraph.
    #[arg(short, long, value_name = "PREFIX")]
    pub output: PathBuf,

    /// Also write the tracks as bigWig: PREFIX.plus.bw and PREFIX.minus.bw (chromosome sizes
    /// from the FASTA index).
    #[arg(long, value_name = "PREFIX")]
    pub bigwig: Option<PathBuf>,

    #[command(flatten)]
    pub model: ModelArgs,
}

fn finite(s: &str) -> Result<f32, String> {
    s.parse::<f32>().ok().filter(|v| v.is_finite()).ok_or_else(|| format!("'{s}': expected a finite number"))
}

impl ScanArgs {
    pub fn paths(&self) -> (Vec<Named>, Vec<Named>) {
        let mut inputs = genome_inputs("--genome", &self.genome);
        inputs.extend(self.model.input());
        let mut outputs: Vec<Named> = ["plus.bedGraph", "minus.bedGraph"].map(|s| Named::new("-o", suffixed(&self.output, s))).into();
        if let Some(bw) = &self.bigwig {
            outputs.extend(["plus.bw", "minus.bw"].map(|s| Named::new("--bigwig", suffixed(bw, s))));
        }
        (inputs, outputs)
    }
}

pub fn run(args: ScanArgs, quiet: bool) -> Result<()> {
    for (flag, p) in [("-o", Some(&args.output)), ("--bigwig", args.bigwig.as_ref())] {
        if p.is_some_and(|p| p.as_os_str() == "-") {
            return Err(super::usage_error(format!(
                "scan {flag} takes a PREFIX: it writes one file per strand (PREFIX.plus.bedGraph, PREFIX.minus.bedGraph), so `-` (stdout) cannot hold them"
            )));
        }
    }
    let (model, _) = args.model.load()?;
    let mut genome = Genome::open(&args.genome)?;
    let scan = Scan {
        genome: &mut genome,
        region: args.region,
        step: args.step,
        offset: args.offset,
        features: [0.0; N_FEATURES],
        predictor: model.as_ref(),
        batch_size: args.model.batch_size,
        quiet,
    };
    let (tiles, mostly_n) = scan.run(&args.output, args.bigwig.as_deref())?;
    super::report_warnings(&mostly_n.into_iter().collect::<Vec<_>>(), quiet);
    let (plus, minus) = (suffixed(&args.output, "plus.bedGraph"), suffixed(&args.output, "minus.bedGraph"));
    super::stats::count("windows_per_strand", tiles as u64);
    log::info!("{tiles} windows per strand written to {} and {}", plus.display(), minus.display());
    Ok(())
}
