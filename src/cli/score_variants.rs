//! `xpresso score-variants`: arguments and the hand-over to `pipeline::score_variants`.

use crate::variants::vcf_writer::{IndexFormat, OutputType};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;

use super::args::{genome_inputs, FeatureArgs, ModelArgs, SelectArgs, TssArgs};
use crate::genome::Genome;
use crate::output::guard::Named;
use crate::pipeline::score_variants::{ScoreVariants, VariantOutputs};
use crate::pipeline::tss_windows::TssWindows;
use crate::variants::reader::VariantReader;
use crate::variants::score::RefMismatch;
use crate::variants::tss_index::TssIndex;

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("variants_source").required(true).args(["gtf", "tss_bed"]))]
pub struct ScoreVariantsArgs {
    /// Reference FASTA, plain or bgzip-compressed; .fai (and .gzi) are built beside it when missing.
    /// A URL (https, s3, gs; a build with --features remote) is read by range, its .fai/.gzi beside
    /// it or the .fai named after `##idx##` (URL##idx##FAI, the .gzi beside that).
    #[arg(short, long, value_name = "FASTA")]
    pub genome: PathBuf,

    #[command(flatten)]
    pub tss: TssArgs,

    /// Variants: VCF or BCF, plain, gzip or bgzip; `-` for stdin, or a URL (--features remote).
    /// With bgzip and a .tbi/.csi index beside it (on disk or on the server), or named as
    /// VCF##idx##INDEX, --shard/--region read only their part and --only-windows only the TSS
    /// windows' regions.
    #[arg(long, value_name = "VCF")]
    pub vcf: PathBuf,

    #[command(flatten)]
    pub features: FeatureArgs,

    /// Annotated VCF (`-` = stdout, `.gz`/`.bgz` = bgzip): every input record (see
    /// --only-windows), with INFO XPRESSO, XPRESSO_MAXABS and XPRESSO_REF_MISMATCH added.
    #[arg(short, long, default_value = "-", value_name = "VCF")]
    pub output: PathBuf,

    /// Output format, bcftools' letters: v (VCF), z (bgzip VCF), b (BCF), u (uncompressed
    /// BCF). Default: from the -o name (`.bcf` = b, `.gz`/`.bgz` = z, else v).
    #[arg(short = 'O', long, value_enum, value_name = "v|z|b|u")]
    pub output_type: Option<OutputType>,

    /// Index the output as it is written, beside it (`-o x.vcf.gz` gives `x.vcf.gz.csi`):
    /// `csi` (the default, as bcftools) or `tbi` (bgzip VCF only). The input must be sorted.
    #[arg(long, value_enum, value_name = "csi|tbi", num_args = 0..=1, require_equals = true, default_missing_value = "csi")]
    pub write_index: Option<IndexFormat>,

    /// Also write a TSV with one row per ALT allele x TSS (`.gz` = bgzip).
    #[arg(long, value_name = "TSV")]
    pub tsv: Option<PathBuf>,

    /// A calibration table from `xpresso precompute --calibration` (made with the same
    /// model): each delta also gets its percentile among the table's SNVs and a PHRED-like
    /// score (TSV columns `percentile`, `phred`; VCF `XPRESSO` fields `Percentile|PHRED`).
    #[arg(long, value_name = "TSV")]
    pub calibration: Option<PathBuf>,

    /// A table from `xpresso precompute` (bgzip, with its .tbi): SNVs it holds are read from
    /// it through the index instead of computed (the same values); indels, MNVs and SNVs
    /// outside its windows or flank are computed. It must have been made with this run's
    /// model, genome, window rule and features (checked: exit 3 otherwise).
    #[arg(long, value_name = "TABLE.tsv.gz")]
    pub precomputed: Option<PathBuf>,

    /// A record whose REF differs from the genome: `skip` (count it, flag it in the outputs,
    /// go on) or `error` (stop, naming the record).
    #[arg(long, value_enum, default_value_t = RefMismatch::Skip, value_name = "POLICY")]
    pub ref_mismatch: RefMismatch,

    /// Write only the records that overlap a TSS window (the others carry no XPRESSO key);
    /// with an index, only the windows' regions of the VCF are read. Default: every record.
    #[arg(long)]
    pub only_windows: bool,

    /// Never use the VCF's .tbi/.csi index: read the whole file as a stream (not with --shard).
    #[arg(long)]
    pub no_index: bool,

    /// Only records whose FILTER is PASS (or `.`), as `bcftools view -f PASS,.`; the others
    /// are left out of both outputs (counted on stderr).
    #[arg(long)]
    pub pass_only: bool,

    /// Keep only what moves a prediction by at least X (|alt - ref|, model units): records
    /// with an allele x TSS pair at or above X in the VCF (all their entries kept), pairs at or
    /// above X in the TSV. Records not scored (outside windows, REF mismatches) are left out.
    #[arg(long, value_name = "X", value_parser = min_abs_delta)]
    pub min_abs_delta: Option<f32>,

    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub model: ModelArgs,
}

impl ScoreVariantsArgs {
    pub fn paths(&self) -> (Vec<Named>, Vec<Named>) {
        let mut inputs = genome_inputs("--genome", &self.genome);
        inputs.extend(super::args::vcf_inputs(&self.vcf));
        inputs.extend(self.tss.inputs().into_iter().chain(self.features.inputs()).chain(self.model.input()));
        inputs.extend(self.select.inputs());
        inputs.extend(self.calibration.iter().map(|p| Named::new("--calibration", p)));
        if let Some(p) = &self.precomputed {
            inputs.extend([Named::new("--precomputed", p), Named::new("--precomputed index", crate::output::suffixed(p, "tbi"))]);
        }
        let mut outputs = vec![Named::new("-o", &self.output)];
        if let Some(format) = self.write_index {
            let extension = if format == IndexFormat::Tbi { "tbi" } else { "csi" };
            outputs.push(Named::new("--write-index", crate::output::suffixed(&self.output, extension)));
        }
        outputs.extend(self.tsv.iter().map(|p| Named::new("--tsv", p)));
        (inputs, outputs)
    }
}

pub fn run(args: ScoreVariantsArgs, quiet: bool) -> Result<()> {
    let started = Instant::now();
    let output_type = args.output_type.unwrap_or_else(|| OutputType::from_name(&args.output));
    output_type.check(&args.output, args.write_index).map_err(super::usage_error)?;
    if args.vcf.as_os_str() == "-" && args.select.shard.is_some() {
        return Err(super::usage_error("--shard with --vcf -: standard input cannot be sharded (a shard reads its part of the VCF through the index); give the bgzipped VCF file with its index"));
    }
    let (model, model_path) = args.model.load()?;
    let calibration = args.calibration.as_deref().map(|p| crate::precompute::calibration::Calibration::read_for(p, &args.model.sha256()?)).transpose()?;
    let mut genome = Genome::open(&args.genome)?;
    let features = args.features.join()?;
    let precomputed = match &args.precomputed {
        Some(path) => {
            let (model_sha256, contigs, features_sha256) = (args.model.sha256()?, super::precompute::contigs_sha256(&genome), features.sha256());
            let expected = crate::precompute::lookup::Expected { model_sha256: &model_sha256, genome_contigs_sha256: &contigs, window: crate::precompute::WINDOW_RULE, features_sha256: &features_sha256 };
            Some(crate::precompute::lookup::Precomputed::open(path, &expected)?)
        }
        None => None,
    };
    let region = args.select.placed(&genome)?;
    let regions = args.select.regions(&genome)?;
    let source = args.tss.source().context("score-variants needs --gtf or --tss-bed")?;
    let mut windows = TssWindows::new(&mut genome, features, args.tss.features_key);
    let index = TssIndex::load(&mut windows, &source)?;
    windows.check_usable(&source, false)?;
    let tss_warnings = windows.warnings();
    let reader = VariantReader::open(&args.vcf)?;
    let contig_warning = crate::variants::contigs::check_lengths(&reader.header, &args.vcf, &genome)?;
    let scoring = ScoreVariants {
        predictor: model.as_ref(),
        batch_size: args.model.batch_size,
        ref_mismatch: args.ref_mismatch,
        use_index: !args.no_index,
        only_windows: args.only_windows,
        pass_only: args.pass_only,
        min_abs_delta: args.min_abs_delta,
        quiet,
        region,
        regions,
        shard: args.select.shard,
        calibration,
        precomputed,
        tsv_notes: super::args::provenance(&model_path, &args.features),
        provenance: super::args::recorded(vec![
            format!("xpressoVersion={}", env!("CARGO_PKG_VERSION")),
            format!("xpressoModel={model_path}"),
            format!("xpressoCommand={}", crate::input::remote::command_line()),
        ]),
    };
    let outputs = VariantOutputs { vcf: args.output, tsv: args.tsv, output_type, write_index: args.write_index };
    let summary = scoring.run(&mut genome, &index, reader, &outputs)?;
    let (line, warnings) = summary.report();
    for (key, n) in [
        ("records_read", summary.records),
        ("records_written", summary.written),
        ("records_scored", summary.scored_records),
        ("allele_tss_pairs", summary.pairs),
        ("outside_windows", summary.outside_windows),
        ("ref_mismatches", summary.ref_mismatches),
        ("tss_windows", index.len() as u64),
        ("not_pass", summary.not_pass),
        ("below_min_abs_delta", summary.below_min_delta),
    ] {
        super::stats::count(key, n);
    }
    super::report_warnings(&[tss_warnings, contig_warning.into_iter().collect(), warnings].concat(), quiet);
    let secs = started.elapsed().as_secs_f64();
    log::info!("{line}; {} TSS windows; {secs:.1} s", index.len());
    Ok(())
}

fn min_abs_delta(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("'{s}': expected a number >= 0 (an absolute change of the prediction, e.g. 0.05)")),
    }
}
