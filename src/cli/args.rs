//! Option groups shared by several subcommands, so each is defined (and documented) once.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::annotation::gtf::{GtfOptions, TssLevel};
use crate::input::OrInput;
use crate::features::{FeatureJoin, FeatureTable, MissingFeatures};
use crate::pipeline::tss_windows::{FeatureKey, TssSource};
use crate::model::backend::{self, Backend};
use crate::model::{registry, Predictor};
use crate::pipeline::DEFAULT_BATCH;
use crate::genome::Genome;
use crate::output::guard::Named;
use crate::pipeline::regions::Regions;
use crate::pipeline::select::{GenomeRegion, PlacedRegion, Shard, TssSelection};

/// Options of every subcommand that runs the model: threads, quiet, verbose.
#[derive(Args, Debug, Clone, Copy, Default)]
#[command(next_help_heading = "Run")]
pub struct RunArgs {
    /// Worker threads for the model, 0-1024 (0 = one per core); up to 8 of them also deflate
    /// bgzip outputs not indexed while written (as bcftools' --threads).
    #[arg(short = 't', long, default_value_t = 0, value_name = "N", value_parser = threads, global = true)]
    pub threads: usize,

    /// No progress bar; the end-of-run warnings joined into one line (errors still printed).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// More messages on stderr: -v adds what each step found (debug), -vv everything (trace).
    /// XPRESSO_LOG (e.g. `debug`, `xpresso::variants=trace`) overrides -v/-q.
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet", global = true)]
    pub verbose: u8,
}

/// Most threads -t takes: more only wait on each other (and 100,000 would take minutes to start).
const MAX_THREADS: usize = 1024;

fn threads(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n <= MAX_THREADS => Ok(n),
        _ => Err(format!("'{s}': expected a whole number of threads from 0 (one per core) to {MAX_THREADS}")),
    }
}

/// Which model to run and how.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Model")]
pub struct ModelArgs {
    /// Model: `human` or `mouse` (the published models, built in: no download needed), or a
    /// Keras .h5 path.
    #[arg(short, long, default_value = "human", value_name = "NAME|PATH")]
    pub model: String,

    /// Windows predicted per batch, 1-65536 (memory is about 11 kB per window on the CPU,
    /// 170 kB on a GPU).
    #[arg(long, default_value_t = DEFAULT_BATCH, value_name = "N", value_parser = batch_size)]
    pub batch_size: usize,

    /// Where the model runs: `cpu`, `cuda`, `cuda:N` (N = 0-255), or `auto` (a GPU if libtorch
    /// sees one). GPUs need a build with `--features torch`.
    #[arg(long, default_value = "cpu", value_name = "DEVICE", value_parser = device)]
    pub device: String,

    /// Implementation: `auto` runs the native kernel on the CPU and libtorch on a GPU;
    /// `torch` forces libtorch on the CPU too.
    #[arg(long, value_enum, default_value_t = Backend::Auto, value_name = "BACKEND")]
    pub backend: Backend,
}

/// Largest --batch-size: 65,536 windows are ~0.7 GB on the CPU, ~11 GB on a GPU.
pub const MAX_BATCH: usize = 65_536;

fn batch_size(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=MAX_BATCH).contains(&n) => Ok(n),
        _ => Err(format!("'{s}': expected a whole number of windows from 1 to {MAX_BATCH}")),
    }
}

fn device(s: &str) -> Result<String, String> {
    let ok = matches!(s, "cpu" | "cuda" | "auto") || s.strip_prefix("cuda:").is_some_and(|n| n.parse::<u8>().is_ok());
    if ok { Ok(s.to_string()) } else { Err(format!("'{s}': expected cpu, cuda, cuda:N (N = 0-255) or auto")) }
}

impl ModelArgs {
    /// The model file when --model names a file (an input that no output may replace).
    pub fn input(&self) -> Vec<Named> {
        let path = std::path::Path::new(&self.model);
        if path.exists() { vec![Named::new("--model", path)] } else { Vec::new() }
    }

    /// The sha256 of the model file --model names.
    pub fn sha256(&self) -> Result<String> {
        registry::resolve(&self.model).input()?.sha256()
    }

    /// Resolves and loads the model on its device; returns it with the label provenance lines use.
    pub fn load(&self) -> Result<(Box<dyn Predictor>, String)> {
        if self.device.starts_with("cuda") && self.backend != Backend::Native && !cfg!(feature = "torch") {
            return Err(super::usage_error(format!(
                "--device {} needs the libtorch backend (the `torch` feature), and this xpresso was built without it (`xpresso --version` says which backends it has): rebuild with `cargo install --features torch`, or use --device cpu",
                self.device
            )));
        }
        if self.backend == Backend::Torch && !cfg!(feature = "torch") {
            return Err(super::usage_error(
                "--backend torch needs a build with the `torch` feature (libtorch): `cargo install --features torch`; this one has the native backend only",
            ));
        }
        let source = registry::resolve(&self.model).input()?;
        let weights = source.weights().input()?;
        Ok((backend::load(weights, &self.device, self.backend)?, source.label()))
    }
}

/// The half-life features table and what to do when a row is missing.
#[derive(Args, Debug, Clone)]
pub struct FeatureArgs {
    /// TSV with a header: key column, then 6 numbers per gene, the mRNA half-life features
    /// the model was trained with, already z-scored, in training order. No source names them:
    /// believed UTR5LEN, CDSLEN, UTR3LEN (log10 bp) and UTR5GC, CDSGC, UTR3GC (unconfirmed;
    /// means and SDs unpublished; docs/annotate.md). Without it every window gets zeros, the
    /// training mean (an average mRNA), as the paper's scripts and Kipoi do: the default to use.
    #[arg(long, value_name = "TSV")]
    pub features: Option<PathBuf>,

    /// For a key without a row in --features: use zeros (counted in a warning), skip it, or stop.
    #[arg(long, value_enum, default_value_t = MissingFeatures::Zero, value_name = "POLICY")]
    pub missing_features: MissingFeatures,
}

impl FeatureArgs {
    pub fn inputs(&self) -> Vec<Named> {
        self.features.iter().map(|p| Named::new("--features", p)).collect()
    }

    pub fn join(&self) -> Result<FeatureJoin> {
        let table = self.features.as_deref().map(FeatureTable::load).transpose().input()?;
        Ok(FeatureJoin::new(table, self.missing_features))
    }
}

/// A FASTA and the indexes beside it (read, or built there): none may be an output.
pub fn genome_inputs(flag: &str, path: &std::path::Path) -> Vec<Named> {
    let mut v = vec![Named::new(flag, path)];
    for ext in ["fai", "gzi"] {
        v.push(Named::new(format!("{flag} index"), crate::output::suffixed(path, ext)));
    }
    v
}

/// A VCF/BCF input and the `.tbi`/`.csi` index that may be read beside it.
pub fn vcf_inputs(path: &std::path::Path) -> Vec<Named> {
    if path.as_os_str() == "-" {
        return Vec::new(); // stdin
    }
    let mut v = vec![Named::new("--vcf", path)];
    v.extend(["tbi", "csi"].map(|ext| Named::new("--vcf index", crate::output::suffixed(path, ext))));
    v
}

/// The `##` lines at the top of every TSV: where it came from, and what its numbers are.
pub fn provenance(model: &str, features: &FeatureArgs) -> Vec<String> {
    let features = features_line(features);
    recorded(vec![
        format!("xpresso {} model={model} command={}", env!("CARGO_PKG_VERSION"), crate::input::remote::command_line()),
        "prediction: the model's output for the 10.5 kb window (7 kb upstream, TSS at index 7000, 3.5 kb downstream), \
         in the unit of its training labels: z-scored log10(expression + 0.1)"
            .to_string(),
        features,
        "chrom: as named in the genome FASTA".to_string(),
    ])
}

/// Provenance lines as outputs record them (`input::remote::recorded`: no credentials).
pub fn recorded(lines: Vec<String>) -> Vec<String> {
    lines.iter().map(|l| crate::input::remote::recorded(l)).collect()
}

/// The provenance line saying which half-life features the windows got.
pub fn features_line(features: &FeatureArgs) -> String {
    match &features.features {
        Some(path) => format!(
            "features: the 6 half-life features from {} (a TSS without a row: --missing-features {})",
            path.display(),
            clap::ValueEnum::to_possible_value(&features.missing_features).map_or_else(String::new, |v| v.get_name().to_string())
        ),
        None => "features: zeros for the 6 half-life features (the training mean; no --features)".to_string(),
    }
}

/// Where TSSs come from (a GTF or a TSS BED) and which ones, shared by annotate and ism.
#[derive(Args, Debug, Clone)]
#[command(group = clap::ArgGroup::new("tss_source").args(["gtf", "tss_bed"]))]
pub struct TssArgs {
    /// Gene annotation (GTF or GFF3, plain or gzip; a path, - or a URL); chromosome names are
    /// matched with aliases (chr1 = 1).
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

    /// With --tss transcript: keep only transcripts carrying one of these tags, as VEP's
    /// --pick/--canonical users choose them (e.g. `Ensembl_canonical`, `MANE_Select`, `basic`;
    /// GENCODE/Ensembl `tag` attributes; repeat or comma-separate).
    #[arg(long, value_delimiter = ',', value_name = "TAG")]
    pub transcript_tag: Vec<String>,

    /// With --tss transcript: keep only transcripts whose transcript_type (GENCODE) or
    /// transcript_biotype (Ensembl) is listed (e.g. `protein_coding,lncRNA`).
    #[arg(long, value_delimiter = ',', value_name = "TYPE")]
    pub transcript_type: Vec<String>,

    /// Key of the features table: gene_id (version suffix ignored), gene_name or transcript_id.
    #[arg(long, value_enum, default_value_t = FeatureKey::GeneId, value_name = "KEY")]
    pub features_key: FeatureKey,
}

impl TssArgs {
    pub fn inputs(&self) -> Vec<Named> {
        let gtf = self.gtf.iter().map(|p| Named::new("--gtf", p));
        gtf.chain(self.tss_bed.iter().map(|p| Named::new("--tss-bed", p))).collect()
    }

    /// The TSS source, or `None` when neither --gtf nor --tss-bed was given.
    pub fn source(&self) -> Option<TssSource> {
        match (&self.gtf, &self.tss_bed) {
            (Some(gtf), _) => Some(TssSource::Gtf(
                gtf.clone(),
                GtfOptions {
                    level: self.tss,
                    gene_types: self.gene_type.clone(),
                    transcript_tags: self.transcript_tag.clone(),
                    transcript_types: self.transcript_type.clone(),
                },
            )),
            (None, Some(bed)) => Some(TssSource::Bed(bed.clone())),
            (None, None) => None,
        }
    }
}

/// The part of the genome a run covers, so a workflow engine can scatter it over jobs.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Scatter (part of the genome)")]
pub struct SelectArgs {
    /// Only TSSs (score-variants: variants) on this chromosome; aliases allowed (chr22 = 22).
    #[arg(long, value_name = "CHROM", conflicts_with = "region")]
    pub chrom: Option<String>,

    /// Only TSSs (score-variants: variants) in CHROM:START-END, 1-based, inclusive, commas
    /// allowed. A TSS is in when its TSS base is; a variant when any of its REF bases is.
    #[arg(long, value_name = "CHROM:START-END")]
    pub region: Option<GenomeRegion>,

    /// Run shard K of N (1 <= K <= N): the TSSs (after the other filters) are split into N
    /// contiguous blocks in annotation order (score-variants: the TSS windows' VCF regions
    /// into N groups of about equal length, through the VCF index). Only shard 1 writes the
    /// TSV header, so `cat` of the shards' outputs in order equals one run (`bcftools concat`
    /// for VCFs). See docs/workflows.md.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,

    /// Only TSSs (score-variants: variants) in the intervals of FILE, as bcftools -R: a BED
    /// (named .bed or .bed.gz: 0-based, half-open) or tab-separated CHROM POS [END] (1-based,
    /// inclusive). score-variants reads them through the VCF's index when it has one.
    #[arg(short = 'R', long, value_name = "FILE", conflicts_with_all = ["region", "chrom", "targets_file"])]
    pub regions_file: Option<PathBuf>,

    /// As -R, but streamed, as bcftools -T: score-variants reads the whole VCF and keeps the
    /// records in the intervals (for a VCF without an index, or many small intervals).
    #[arg(short = 'T', long, value_name = "FILE", conflicts_with_all = ["region", "chrom"])]
    pub targets_file: Option<PathBuf>,
}

impl SelectArgs {
    /// The region asked for, a bare chromosome counting as one.
    pub fn region(&self) -> Option<GenomeRegion> {
        self.region.clone().or_else(|| self.chrom.as_ref().map(|c| GenomeRegion { chrom: c.clone(), start: 1, end: u64::MAX }))
    }

    /// The region placed on `genome` (an input error when its chromosome is not there).
    pub fn placed(&self, genome: &Genome) -> Result<Option<PlacedRegion>> {
        self.region().map(|r| PlacedRegion::place(&r, genome)).transpose()
    }

    pub fn tss_selection(&self, genome: &Genome) -> Result<TssSelection> {
        Ok(TssSelection { region: self.placed(genome)?, shard: self.shard, regions: self.regions(genome)?.map(|(r, _)| std::sync::Arc::new(r)) })
    }

    /// The -R or -T intervals placed on `genome`, and whether they may be read through an
    /// index (-R) or must be streamed (-T).
    pub fn regions(&self, genome: &Genome) -> Result<Option<(Regions, bool)>> {
        match (&self.regions_file, &self.targets_file) {
            (Some(p), _) => Ok(Some((Regions::read(p, genome)?, true))),
            (None, Some(p)) => Ok(Some((Regions::read(p, genome)?, false))),
            (None, None) => Ok(None),
        }
    }

    /// The regions or targets file (an input no output may replace).
    pub fn inputs(&self) -> Vec<Named> {
        let r = self.regions_file.iter().map(|p| Named::new("-R", p));
        r.chain(self.targets_file.iter().map(|p| Named::new("-T", p))).collect()
    }
}
