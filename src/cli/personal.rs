//! `xpresso personal`: arguments, sample choice, TSS loading (genome order) and the VCF
//! reading plan, then the hand-over to `pipeline::personal`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;

use super::args::{genome_inputs, provenance, FeatureArgs, ModelArgs, SelectArgs, TssArgs};
use crate::annotation::gtf::TssLevel;
use crate::genome::Genome;
use crate::input::{InputError, OrInput};
use crate::output::guard::Named;
use crate::personal::sites::Sites;
use crate::pipeline::personal::{MatrixFormat, Personal, PersonalOutputs, Unphased, MARGIN};
use crate::pipeline::select::TssSelection;
use crate::pipeline::tss_windows::TssWindows;
use crate::variants::reader::VariantReader;
use crate::variants::score::RefMismatch;
use crate::variants::tss_index::TssEntry;
use crate::window;

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("personal_source").required(true).args(["gtf", "tss_bed"]))]
pub struct PersonalArgs {
    /// Reference FASTA, plain or bgzip-compressed; .fai (and .gzi) are built beside it when missing.
    /// A URL (https, s3, gs; a build with --features remote) is read by range, its .fai/.gzi beside
    /// it or the .fai named after `##idx##` (URL##idx##FAI, the .gzi beside that).
    #[arg(short, long, value_name = "FASTA")]
    pub genome: PathBuf,

    #[command(flatten)]
    pub tss: TssArgs,

    /// Cohort genotypes: VCF or BCF with GT (phased `|` or not `/`), sorted; a path or a URL. With
    /// bgzip and a .tbi/.csi index beside it (or VCF##idx##INDEX) only the TSS windows' regions are read; without, it is
    /// streamed and must list its chromosomes in the genome's order.
    #[arg(long, value_name = "VCF")]
    pub vcf: PathBuf,

    #[command(flatten)]
    pub features: FeatureArgs,

    /// Genes x samples matrix TSV (`-` = stdout, `.gz` = bgzip): gene_id, gene_name,
    /// [transcript_id], chrom, tss (1-based), strand, reference, distinct, then one column per
    /// sample (the mean of its haplotypes); TSSs in genome order.
    #[arg(short, long, default_value = "-", value_name = "TSV")]
    pub output: PathBuf,

    /// One matrix column per sample haplotype (SAMPLE:1, SAMPLE:2) instead of the mean.
    #[arg(long, conflicts_with = "format")]
    pub haplotypes: bool,

    /// Layout of -o: `matrix` (genes x samples, with TSS and reference columns) or
    /// `predixcan` (samples x genes as PrediXcan's Predict.py writes it: `FID IID gene...`,
    /// FID = IID = the sample, the mean of its haplotypes, NA where unknown; no comment
    /// lines), which PrediXcanAssociation.py and other TWAS tools read. Not with --shard
    /// (its rows are samples, so shards would not join by cat).
    #[arg(long, value_enum, default_value_t = MatrixFormat::Matrix, value_name = "FORMAT", conflicts_with = "shard")]
    pub format: MatrixFormat,

    /// Also write a long table: gene, sample, haplotype, prediction, the alleles applied
    /// (POS:REF>ALT;...), for joins downstream (`.gz` = bgzip). One row per gene x sample
    /// haplotype: large for big cohorts.
    #[arg(long, value_name = "TSV")]
    pub long: Option<PathBuf>,

    /// Also write a per-gene summary TSV (`.gz` = bgzip): per TSS, the VCF records in its
    /// window, those a chosen haplotype carries, the distinct windows computed, and the
    /// samples left NA and why (unphased hets, deletions reaching beyond the VCF read).
    #[arg(long, value_name = "TSV")]
    pub summary: Option<PathBuf>,

    /// Only these samples (comma-separated), in this order. Default: every sample of the VCF.
    #[arg(long, value_delimiter = ',', value_name = "S1,S2")]
    pub samples: Vec<String>,

    /// Only the samples listed in this file (one per line, # comments allowed).
    #[arg(long, value_name = "TXT", conflicts_with = "samples")]
    pub samples_file: Option<PathBuf>,

    /// Only records whose FILTER is PASS (or `.`).
    #[arg(long)]
    pub pass_only: bool,

    /// A sample with an unphased heterozygous site and a second heterozygous site (phased or
    /// not) in a window, so that which alleles share a haplotype is unknown: `skip` (its value
    /// is NA there, counted), `error`, or `as-listed` (the alleles in the order GT writes them,
    /// as `bcftools consensus -H 1|2`). A single heterozygous site needs no phase.
    #[arg(long, value_enum, default_value_t = Unphased::Skip, value_name = "POLICY")]
    pub unphased: Unphased,

    /// A record whose REF differs from the genome: `skip` (left out, counted) or `error`.
    #[arg(long, value_enum, default_value_t = RefMismatch::Skip, value_name = "POLICY")]
    pub ref_mismatch: RefMismatch,

    /// Never use the VCF's index: stream the whole file.
    #[arg(long)]
    pub no_index: bool,

    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub model: ModelArgs,
}

impl PersonalArgs {
    pub fn paths(&self) -> (Vec<Named>, Vec<Named>) {
        let mut inputs = genome_inputs("--genome", &self.genome);
        inputs.extend(super::args::vcf_inputs(&self.vcf));
        inputs.extend(self.samples_file.iter().map(|p| Named::new("--samples-file", p)));
        inputs.extend(self.tss.inputs().into_iter().chain(self.features.inputs()).chain(self.model.input()));
        inputs.extend(self.select.inputs());
        let mut outputs = vec![Named::new("-o", &self.output)];
        outputs.extend(self.long.iter().map(|p| Named::new("--long", p)));
        outputs.extend(self.summary.iter().map(|p| Named::new("--summary", p)));
        (inputs, outputs)
    }
}

pub fn run(args: PersonalArgs, quiet: bool) -> Result<()> {
    let started = Instant::now();
    let (model, model_path) = args.model.load()?;
    let mut genome = Genome::open(&args.genome)?;
    let source = args.tss.source().context("personal needs --gtf or --tss-bed")?;
    let selection = args.select.tss_selection(&genome)?;
    let mut reader = VariantReader::open(&args.vcf)?;
    let contig_warning = crate::variants::contigs::check_lengths(&reader.header, &args.vcf, &genome)?;
    let all: Vec<String> = reader.header.sample_names().iter().cloned().collect();
    let (samples, columns) = choose_samples(&args, &all)?;

    // every selected TSS, placed, in genome order; a shard is a block of that order
    let mut windows = TssWindows::new(&mut genome, args.features.join()?, args.tss.features_key);
    let notes = windows.notes.clone();
    let (tsss, _, _) = TssSelection { shard: None, ..selection.clone() }.open(&source, |_| true, &notes)?;
    let mut entries = Vec::new();
    for tss in tsss {
        let mut tss = tss?;
        if let Some((contig, features)) = windows.place(&tss)? {
            tss.chrom.clone_from(&windows.genome.contig(contig).name);
            let span = window::span(tss.pos, tss.strand);
            entries.push(TssEntry { tss, contig, features, span });
        }
    }
    windows.check_usable(&source, selection.is_partial())?;
    let tss_warnings = windows.warnings();
    entries.sort_by_key(|e| (e.contig, e.span.0, e.tss.pos));
    if let Some(shard) = selection.shard {
        let block = shard.block(entries.len() as u64);
        entries = entries.drain(block.start as usize..block.end as usize).collect();
    }

    // the VCF: through its index, only the windows' regions (with their margins), in genome order
    if let Some(index) = if args.no_index { None } else { reader.find_index()? } {
        let regions = |name: &str| -> Vec<(u64, u64)> {
            let Some(c) = genome.resolve(name) else { return Vec::new() };
            let mut out: Vec<(u64, u64)> = Vec::new();
            for e in entries.iter().filter(|e| e.contig == c) {
                let (start, end) = ((e.span.0 - MARGIN + 1).max(1) as u64, (e.span.1 + MARGIN).max(1) as u64);
                match out.last_mut() {
                    Some(last) if start <= last.1 + 1 => last.1 = last.1.max(end),
                    _ => out.push((start, end)),
                }
            }
            out
        };
        let mut visits = reader.plan(index.as_ref(), regions);
        visits.sort_by_key(|v| genome.resolve(&v.name));
        reader.restrict(index, visits)?;
    }
    let sites = Sites::new(reader, columns, args.pass_only, args.ref_mismatch)?;
    let personal = Personal {
        predictor: model.as_ref(),
        batch_size: args.model.batch_size,
        quiet,
        unphased: args.unphased,
        samples,
        per_transcript: args.tss.tss == TssLevel::Transcript,
        provenance: provenance(&model_path, &args.features),
        writes_header: crate::pipeline::select::Shard::writes_header(selection.shard),
    };
    let outputs = PersonalOutputs { matrix: args.output, format: args.format, haplotypes: args.haplotypes, long: args.long, summary: args.summary };
    let summary = personal.run(&mut genome, entries, sites, &outputs)?;
    let (line, warnings) = summary.report();
    for (key, n) in [("tss", summary.tsss), ("samples", summary.samples), ("sample_haplotypes", summary.sample_haplotypes), ("distinct_windows", summary.distinct), ("vcf_records", summary.sites.records)] {
        super::stats::count(key, n);
    }
    super::report_warnings(&[tss_warnings, contig_warning.into_iter().collect(), warnings].concat(), quiet);
    log::info!("{line}; {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The samples asked for (all by default) and their 0-based columns in the VCF.
fn choose_samples(args: &PersonalArgs, all: &[String]) -> Result<(Vec<String>, Vec<usize>)> {
    // each name with where it was given, for messages
    let mut wanted: Vec<(String, String)> = args.samples.iter().map(|s| (s.clone(), "--samples".to_string())).collect();
    if let Some(path) = &args.samples_file {
        use std::io::BufRead;
        let shown = path.display();
        // open_text drops a UTF-8 byte-order mark; trim drops CR (an Excel export)
        let reader = crate::input::open_text(path, "sample list").input()?;
        for (i, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| InputError::msg(format!("sample list {shown} line {}: {}", i + 1, crate::input::read_error(&e))))?;
            let name = line.trim();
            if !name.is_empty() && !name.starts_with('#') {
                wanted.push((name.to_string(), format!("sample list {shown} line {}", i + 1)));
            }
        }
        if wanted.is_empty() {
            return Err(InputError::msg(format!("sample list {shown} names no sample")));
        }
    }
    if wanted.is_empty() {
        if all.is_empty() {
            return Err(InputError::msg(format!("VCF {} has no sample columns: personal needs genotypes", args.vcf.display())));
        }
        return Ok((all.to_vec(), (0..all.len()).collect()));
    }
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    let mut columns = Vec::new();
    if wanted.iter().any(|(s, _)| s.trim().is_empty()) {
        return Err(super::usage_error("--samples: an empty sample name (give names separated by commas, or leave --samples out for every sample)"));
    }
    for (s, from) in &wanted {
        if let Some(first) = seen.insert(s, from) {
            return Err(InputError::msg(format!("{from}: sample {s} is named twice (also in {first})")));
        }
        match all.iter().position(|a| a == s) {
            Some(c) => columns.push(c),
            None => return Err(InputError::msg(format!("{from}: sample {s} is not in VCF {} (it has {} samples: {}...)", args.vcf.display(), all.len(), all.iter().take(5).cloned().collect::<Vec<_>>().join(", ")))),
        }
    }
    Ok((wanted.into_iter().map(|(s, _)| s).collect(), columns))
}
