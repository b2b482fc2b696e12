//! `xpresso ism`: arguments and the hand-over to `pipeline::ism`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;

use super::usage_error;
use super::args::{genome_inputs, provenance, FeatureArgs, ModelArgs, SelectArgs, TssArgs};
use crate::genome::Genome;
use crate::output::guard::Named;
use crate::output::suffixed;
use crate::ism::range::TssRange;
use crate::pipeline::ism::{Ism, IsmInput, IsmOutputs};
use crate::pipeline::tss_windows::TssWindows;

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("ism_source").required(true).args(["gtf", "tss_bed", "fasta"]))]
pub struct IsmArgs {
    /// Reference FASTA (with --gtf or --tss-bed), plain or bgzip, indexed.
    #[arg(short, long, value_name = "FASTA", required_unless_present = "fasta")]
    pub genome: Option<PathBuf>,

    #[command(flatten)]
    pub tss: TssArgs,

    /// Genes to mutate, by gene_id (version ignored) or gene_name; repeat or comma-separate.
    /// With --chrom/--region and no gene named, every TSS there is mutated.
    #[arg(long, value_delimiter = ',', value_name = "ID|NAME")]
    pub gene: Vec<String>,

    /// File with one gene_id or gene_name per line (# comments allowed).
    #[arg(long, value_name = "TXT")]
    pub genes: Option<PathBuf>,

    /// Mutate the windows of a FASTA instead (10,500 bp, or <= 7,000 bp centred), as `predict`.
    #[arg(short, long, value_name = "FASTA", conflicts_with_all = ["genome", "gene", "genes", "chrom", "region", "shard", "bedgraph", "bigwig"])]
    pub fasta: Option<PathBuf>,

    #[command(flatten)]
    pub features: FeatureArgs,

    /// Part of the window to mutate, in bp from the TSS (upstream negative), both ends
    /// included; default: the whole window, -7000:+3499.
    #[arg(long, value_name = "FROM:TO", allow_hyphen_values = true)]
    pub range: Option<TssRange>,

    /// Long TSV, one row per substitution (`-` = stdout, `.gz` = bgzip).
    #[arg(short, long, default_value = "-", value_name = "TSV")]
    pub output: PathBuf,

    /// Also write one NumPy matrix per window, DIR/<id>.npy: float32 (positions x 4, A C G T),
    /// delta with 0 at the reference base.
    #[arg(long, value_name = "DIR")]
    pub npy: Option<PathBuf>,

    /// Also write PREFIX.mean.bedGraph and PREFIX.maxabs.bedGraph: per genomic base, the mean
    /// delta over the alternatives and the largest |delta| (gene mode).
    #[arg(long, value_name = "PREFIX")]
    pub bedgraph: Option<PathBuf>,

    /// Also write the same tracks as bigWig: PREFIX.mean.bw and PREFIX.maxabs.bw.
    #[arg(long, value_name = "PREFIX")]
    pub bigwig: Option<PathBuf>,

    /// Also draw a sequence logo (SVG, `-` = stdout) of each window's mean-centred
    /// attribution over --logo-range: the reference base at each position, its height the
    /// attribution (above the axis: the base raises the prediction against the average
    /// base), the TSS marked; one panel per window.
    #[arg(long, value_name = "FILE.svg")]
    pub logo: Option<PathBuf>,

    /// The part of the window the logo shows, in bp from the TSS (both ends included, at
    /// most 2,000 bp, inside --range). Default: -100:+50, or --range when it is narrower.
    #[arg(long, value_name = "FROM:TO", allow_hyphen_values = true, requires = "logo")]
    pub logo_range: Option<TssRange>,

    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub model: ModelArgs,
}

impl IsmArgs {
    pub fn paths(&self) -> (Vec<Named>, Vec<Named>) {
        let mut inputs: Vec<Named> = self.genome.iter().flat_map(|g| genome_inputs("--genome", g)).collect();
        inputs.extend(self.fasta.iter().map(|p| Named::new("--fasta", p)));
        inputs.extend(self.genes.iter().map(|p| Named::new("--genes", p)));
        inputs.extend(self.tss.inputs().into_iter().chain(self.features.inputs()).chain(self.model.input()));
        inputs.extend(self.select.inputs());
        let mut outputs = vec![Named::new("-o", &self.output)];
        if let Some(p) = &self.bedgraph {
            outputs.extend(["mean.bedGraph", "maxabs.bedGraph"].map(|s| Named::new("--bedgraph", suffixed(p, s))));
        }
        if let Some(p) = &self.bigwig {
            outputs.extend(["mean.bw", "maxabs.bw"].map(|s| Named::new("--bigwig", suffixed(p, s))));
        }
        outputs.extend(self.logo.iter().map(|p| Named::new("--logo", p)));
        (inputs, outputs)
    }
}

pub fn run(args: IsmArgs, quiet: bool) -> Result<()> {
    let started = Instant::now();
    let genes = if args.fasta.is_none() { selected_genes(&args)? } else { Vec::new() };
    let range = args.range.unwrap_or_else(TssRange::whole);
    let logo_range = logo_range(&args, range)?;
    let (model, model_path) = args.model.load()?;
    let ism = Ism {
        predictor: model.as_ref(),
        range,
        batch_size: args.model.batch_size,
        quiet,
        provenance: provenance(&model_path, &args.features),
    };
    let outputs = IsmOutputs {
        tsv: args.output.clone(),
        npy_dir: args.npy.clone(),
        bedgraph: args.bedgraph.clone(),
        bigwig: args.bigwig.clone(),
        logo: args.logo.clone(),
        logo_range,
    };
    let features = args.features.join()?;
    let mut genome;
    let input = match &args.fasta {
        Some(path) => IsmInput::Fasta { path: path.clone(), features },
        None => {
            genome = Genome::open(args.genome.as_deref().context("clap requires --genome without --fasta")?)?;
            let selection = args.select.tss_selection(&genome)?;
            let source = args.tss.source().context("need --gtf or --tss-bed")?;
            IsmInput::Genes { windows: Box::new(TssWindows::new(&mut genome, features, args.tss.features_key)), source, genes, selection }
        }
    };
    let (windows, warnings) = ism.run(input, &outputs)?;
    super::report_warnings(&warnings, quiet);
    super::stats::count("windows_mutated", windows as u64);
    log::info!("mutated {windows} window{} in {:.1} s", if windows == 1 { "" } else { "s" }, started.elapsed().as_secs_f64());
    Ok(())
}

/// The logo's range: --logo-range (inside --range, at most 2,000 bp), or -100:+50 clipped
/// to --range.
fn logo_range(args: &IsmArgs, range: TssRange) -> Result<TssRange> {
    let logo = match args.logo_range {
        Some(r) => {
            if r.from < range.from || r.to > range.to {
                return Err(usage_error(format!("--logo-range {}:{} must lie inside --range {}:{}", r.from, r.to, range.from, range.to)));
            }
            r
        }
        None => {
            let (from, to) = (range.from.max(-100), range.to.min(50));
            if from > to {
                // a --range away from the TSS: its first 150 bp
                TssRange { from: range.from, to: range.to.min(range.from + 149) }
            } else {
                TssRange { from, to }
            }
        }
    };
    if logo.to - logo.from + 1 > 2000 {
        return Err(usage_error(format!("--logo-range {}:{} is {} bp: a logo shows at most 2,000", logo.from, logo.to, logo.to - logo.from + 1)));
    }
    Ok(logo)
}

fn selected_genes(args: &IsmArgs) -> Result<Vec<String>> {
    let mut genes = args.gene.clone();
    if let Some(path) = &args.genes {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read gene list {}", path.display()))?;
        genes.extend(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from));
    }
    if genes.is_empty() && args.select.region().is_none() && args.select.regions_file.is_none() && args.select.targets_file.is_none() {
        return Err(usage_error("name the genes to mutate with --gene or --genes (or a --chrom/--region/-R, or use --fasta)"));
    }
    Ok(genes)
}
