//! `xpresso precompute`: arguments and the hand-over to `pipeline::precompute`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use sha2::{Digest, Sha256};

use super::args::{genome_inputs, provenance, FeatureArgs, ModelArgs, SelectArgs, TssArgs};
use crate::genome::Genome;
use crate::output::guard::Named;
use crate::output::suffixed;
use crate::pipeline::precompute::{Precompute, PrecomputeOutputs};
use crate::pipeline::tss_windows::TssWindows;

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("precompute_source").required(true).args(["gtf", "tss_bed"]))]
pub struct PrecomputeArgs {
    /// Reference FASTA, plain or bgzip, indexed.
    #[arg(short, long, value_name = "FASTA")]
    pub genome: PathBuf,

    #[command(flatten)]
    pub tss: TssArgs,

    #[command(flatten)]
    pub features: FeatureArgs,

    /// The table: bgzip TSV (name it .gz), one row per SNV x TSS, sorted by position; its
    /// tabix index is written beside it as TABLE.tbi.
    #[arg(short, long, value_name = "TABLE.tsv.gz")]
    pub output: PathBuf,

    /// Also write the run's distribution of |delta| over every row as a calibration table
    /// for `score-variants --calibration` (percentiles, PHRED-like scores).
    #[arg(long, value_name = "TSV")]
    pub calibration: Option<PathBuf>,

    /// Only SNVs within N bp of the TSS (both sides; PromoterAI uses 500). Default: the
    /// whole 10.5 kb window.
    #[arg(long, value_name = "N")]
    pub flank: Option<u32>,

    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub model: ModelArgs,
}

impl PrecomputeArgs {
    pub fn paths(&self) -> (Vec<Named>, Vec<Named>) {
        let mut inputs = genome_inputs("--genome", &self.genome);
        inputs.extend(self.tss.inputs().into_iter().chain(self.features.inputs()).chain(self.model.input()));
        inputs.extend(self.select.inputs());
        let mut outputs = vec![Named::new("-o", &self.output), Named::new("-o (index)", suffixed(&self.output, "tbi"))];
        outputs.extend(self.calibration.iter().map(|p| Named::new("--calibration", p)));
        (inputs, outputs)
    }
}

pub fn run(args: PrecomputeArgs, quiet: bool) -> Result<()> {
    let started = Instant::now();
    if !matches!(args.output.extension().and_then(|e| e.to_str()), Some("gz" | "bgz")) {
        return Err(super::usage_error(format!("-o {}: the table is bgzip-compressed and tabix-indexed: name it .tsv.gz", args.output.display())));
    }
    let (model, model_label) = args.model.load()?;
    let mut genome = Genome::open(&args.genome)?;
    let source = args.tss.source().context("precompute needs --gtf or --tss-bed")?;
    let selection = args.select.tss_selection(&genome)?;
    let features = args.features.join()?;
    let model_sha256 = args.model.sha256()?;
    let mut lines = vec![
        "xpresso precompute table: every SNV of each TSS window, one row per SNV x TSS".to_string(),
        format!("xpresso_version={}", env!("CARGO_PKG_VERSION")),
        format!("command={}", crate::input::remote::command_line()),
        format!("model={model_label}"),
        format!("model_sha256={model_sha256}"),
        format!("genome={}", args.genome.display()),
        format!("genome_contigs_sha256={}", contigs_sha256(&genome)),
        format!("annotation={}", source.path().display()),
        format!("tss={}", if args.tss.tss_bed.is_some() { "bed".to_string() } else { format!("{:?}", args.tss.tss).to_lowercase() }),
        format!("window={}", crate::precompute::WINDOW_RULE),
        format!("flank={}", args.flank.map_or("whole window".to_string(), |f| f.to_string())),
        format!("features_sha256={}", features.sha256()),
        "check: the first 64 bits of sha256(model sha256, window rule, the TSS window's bases, its features): a reader recomputes it for every row it uses".to_string(),
    ];
    // the command, the features and the prediction's unit, as every xpresso table has them
    lines.extend(provenance(&model_label, &args.features).into_iter().skip(1));
    let lines = super::args::recorded(lines);
    let precompute = Precompute { predictor: model.as_ref(), batch_size: args.model.batch_size, quiet, flank: args.flank, shard: args.select.shard, provenance: lines, model_sha256 };
    let outputs = PrecomputeOutputs { table: args.output.clone(), calibration: args.calibration.clone() };
    let mut windows = TssWindows::new(&mut genome, features, args.tss.features_key);
    let summary = precompute.run(&mut windows, &source, &selection, &outputs)?;
    super::report_warnings(&summary.warnings, quiet);
    let secs = started.elapsed().as_secs_f64();
    super::stats::count("rows", summary.rows);
    super::stats::count("tss_windows", summary.tsss);
    log::info!("{} rows from {} TSS windows in {secs:.1} s ({:.0} rows/s)", summary.rows, summary.tsss, summary.rows as f64 / secs);
    Ok(())
}

/// sha256 of the genome's contig names and lengths (`name\tlength\n` each, in FASTA order):
/// tables made on another assembly (other lengths) or naming (chr1 vs 1) differ.
pub fn contigs_sha256(genome: &Genome) -> String {
    let mut h = Sha256::new();
    for c in genome.contigs() {
        h.update(format!("{}\t{}\n", c.name, c.len).as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
