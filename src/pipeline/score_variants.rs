//! `score-variants`: streams a VCF/BCF through the chunked `Scorer` and writes the annotated
//! VCF and the optional TSV. Every record is written (as bcftools annotate and VEP do) unless
//! `only_windows` asks for those inside a TSS window only. Through its index, the VCF is read
//! in tiles (for `--shard`/`--region`) or, with `only_windows`, only in the windows' regions.
//! Memory is bounded by one chunk and the reference cache, whatever the VCF size.

use crate::variants::vcf_writer::{IndexFormat, OutputType, VariantWriter};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use super::select::{select_visits, PlacedRegion, Shard};
use super::Progress;
use crate::input::InputError;
use crate::genome::Genome;
use crate::model::Predictor;
use crate::output::Output;
use crate::variants::allele::SkipReason;
use crate::variants::reader::VariantReader;
use crate::variants::score::{Counts, RefMismatch, Scored, Scorer, Status};
use crate::variants::tss_index::TssIndex;
use crate::variants::{tsv_out, vcf_out};

/// The tile (bp) a VCF is cut into through its index for `--shard`/`--region` runs that
/// write every record: about 16 tiles per shard so shards balance, at most 1 Mb, at least
/// 4 kb so a tile costs few seeks. Every shard computes the same tiles from the genome.
fn tile(genome: &Genome, shard: Option<Shard>) -> u64 {
    let total: u64 = genome.contigs().iter().map(|c| c.len).sum();
    let count = shard.map_or(1, |s| s.count);
    (total / count.saturating_mul(16).max(1)).clamp(1 << 12, 1 << 20)
}

pub struct VariantOutputs {
    /// Annotated VCF (`-` = stdout, `.gz` = bgzip).
    pub vcf: PathBuf,
    pub tsv: Option<PathBuf>,
    /// `-O`: VCF, bgzip VCF, BCF or uncompressed BCF.
    pub output_type: OutputType,
    /// `--write-index`: the index to build while writing.
    pub write_index: Option<IndexFormat>,
}

pub struct ScoreVariants<'a> {
    pub predictor: &'a dyn Predictor,
    pub batch_size: usize,
    pub ref_mismatch: RefMismatch,
    /// Use a tabix/CSI index when there is one.
    pub use_index: bool,
    /// Write only the records inside some TSS window (else every record).
    pub only_windows: bool,
    pub quiet: bool,
    /// `##` lines for the VCF header (without the `##`).
    pub provenance: Vec<String>,
    /// `##` lines of the TSV (provenance and units).
    pub tsv_notes: Vec<String>,
    /// Only records overlapping this region.
    pub region: Option<PlacedRegion>,
    /// `-R` (read through the index: `true`) or `-T` (streamed): only records overlapping
    /// these intervals.
    pub regions: Option<(crate::pipeline::regions::Regions, bool)>,
    /// Only this shard's group of the TSS windows' regions (needs an indexed VCF).
    pub shard: Option<Shard>,
    /// Ranks each delta among a precompute run's SNVs (percentile, PHRED).
    pub calibration: Option<crate::precompute::calibration::Calibration>,
    /// SNV scores read from a precompute table instead of computed.
    pub precomputed: Option<crate::precompute::lookup::Precomputed>,
    /// Leave records whose FILTER is neither PASS nor `.` out of the outputs.
    pub pass_only: bool,
    /// Keep only records (and TSV rows) with |delta| at or above this.
    pub min_abs_delta: Option<f32>,
}

/// What a run did, for the summary and the tests.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub via_index: bool,
    /// Records read (inside the region or shard).
    pub records: u64,
    /// Records written to the VCF.
    pub written: u64,
    pub scored_records: u64,
    pub pairs: u64,
    pub outside_windows: u64,
    pub ref_mismatches: u64,
    pub unknown_chroms: BTreeMap<String, u64>,
    pub skipped_alleles: BTreeMap<SkipReason, u64>,
    pub counts: Counts,
    /// Records left out by --pass-only.
    pub not_pass: u64,
    /// Records left out by --min-abs-delta.
    pub below_min_delta: u64,
}

impl Summary {
    fn add(&mut self, s: &Scored) {
        self.records += 1;
        self.pairs += s.pairs.len() as u64;
        match &s.status {
            Status::Scored => self.scored_records += 1,
            Status::OutsideWindows => self.outside_windows += 1,
            Status::UnknownChrom => *self.unknown_chroms.entry(s.record.chrom.clone()).or_default() += 1,
            Status::RefMismatch { .. } => self.ref_mismatches += 1,
        }
        for (_, reason) in &s.skipped {
            *self.skipped_alleles.entry(*reason).or_default() += 1;
        }
    }

    /// The lines printed at the end of a run: what was scored, then what was not and why.
    pub fn report(&self) -> (String, Vec<String>) {
        let info = format!(
            "{} records read{}, {} written, {} scored ({} allele x TSS pairs: {} SNVs by the cone, {}{} other alleles by their alt windows; {} reference windows), {} outside every TSS window",
            self.records,
            if self.via_index { " (visited through the index)" } else { "" },
            self.written,
            self.scored_records,
            self.pairs,
            self.counts.snv_pairs,
            match self.counts.precomputed_pairs {
                0 => String::new(),
                n => format!("{n} SNVs read from the precomputed table, "),
            },
            self.counts.window_pairs,
            self.counts.references,
            self.outside_windows
        );
        let mut warnings = Vec::new();
        if self.ref_mismatches > 0 {
            warnings.push(format!("{} records have a REF that differs from the genome: not scored, flagged XPRESSO_REF_MISMATCH (wrong assembly?)", self.ref_mismatches));
        }
        warnings.extend(super::missing::warnings(&self.unknown_chroms, "of the VCF ", "records", "not scored"));
        for (reason, n) in &self.skipped_alleles {
            warnings.push(format!("{n} ALT alleles skipped: {}", reason.describe()));
        }
        if self.not_pass > 0 {
            log::info!("{} records not PASS: left out (--pass-only)", self.not_pass);
        }
        if self.below_min_delta > 0 {
            log::info!("{} records with no |delta| at or above --min-abs-delta: left out", self.below_min_delta);
        }
        (info, warnings)
    }
}

impl ScoreVariants<'_> {
    pub fn run(mut self, genome: &mut Genome, index: &TssIndex, mut reader: VariantReader, outputs: &VariantOutputs) -> Result<Summary> {
        let mut summary = Summary::default();
        if let Some(vcf_index) = if self.use_index { reader.find_index()? } else { None } {
            let visits = if let Some((regions, true)) = &self.regions {
                Some(reader.plan(vcf_index.as_ref(), |name| genome.resolve(name).map(|c| regions.of(c)).unwrap_or_default()))
            } else if self.only_windows {
                Some(reader.plan(vcf_index.as_ref(), |name| genome.resolve(name).map(|c| index.regions(c)).unwrap_or_default()))
            } else if self.shard.is_some() || self.region.is_some() {
                Some(reader.plan_tiles(vcf_index.as_ref(), tile(genome, self.shard), |name| genome.resolve(name).map(|c| genome.contig(c).len)))
            } else {
                None // every record, in file order: a plain stream is fastest
            };
            if let Some(visits) = visits {
                let visits = select_visits(visits, self.region.as_ref(), self.shard);
                log::debug!("reading {} regions of {} through its index", visits.len(), reader.path().display());
                reader.restrict(vcf_index, visits)?;
                summary.via_index = true;
            }
        }
        if let (Some(shard), false) = (self.shard, summary.via_index) {
            let why = if self.use_index { "it has no usable .tbi/.csi index beside it (none, or older than the file: bgzip it and run `bcftools index -t -f`)" } else { "--no-index was given" };
            return Err(InputError::msg(format!("--shard {shard} splits the VCF through its index, but {}: {why}", reader.path().display())));
        }
        let header = vcf_out::header(&reader.header_lines, &self.provenance, self.calibration.is_some());
        let mut vcf = VariantWriter::create(&outputs.vcf, outputs.output_type, outputs.write_index, &header)?;
        let mut tsv = outputs.tsv.as_deref().map(Output::create).transpose()?;
        if let (Some(t), true) = (&mut tsv, Shard::writes_header(self.shard)) {
            for line in &self.tsv_notes {
                writeln!(t, "##{line}")?;
            }
            writeln!(t, "##ref_prediction, alt_prediction: the model's output for the reference and the ALT window; delta = alt - ref")?;
            if self.calibration.is_some() {
                writeln!(t, "##percentile: of |delta| among every SNV of the calibration table (0-100); phred: -10 log10 of the share of those SNVs with |delta| at least as large (10: top 10%, 20: top 1%)")?;
            }
            writeln!(t, "{}", tsv_out::header(self.calibration.is_some()))?;
        }
        let progress = Progress::new(self.quiet, None, "records");
        let mut scorer = Scorer::new(self.predictor, index, self.batch_size, self.ref_mismatch);
        scorer.precomputed = self.precomputed.take();
        let path = reader.path().to_path_buf();
        let only_windows = self.only_windows;
        let cal = self.calibration.as_ref();
        let min = self.min_abs_delta;
        let mut write = |chunk: Vec<Scored>, summary: &mut Summary| -> Result<()> {
            progress.inc(chunk.len() as u64);
            for s in &chunk {
                summary.add(s);
                if only_windows && matches!(s.status, Status::OutsideWindows | Status::UnknownChrom) {
                    continue;
                }
                if min.is_some_and(|x| !s.pairs.iter().any(|p| p.delta().abs() >= x)) {
                    summary.below_min_delta += 1;
                    continue;
                }
                summary.written += 1;
                vcf.record(&vcf_out::annotate_line(s, index, cal), &s.record.chrom, s.record.pos, s.record.end(), || s.record.locus(&path))?;
                if let Some(t) = &mut tsv {
                    tsv_out::write_rows(t, s, index, cal, min)?;
                }
            }
            Ok(())
        };
        while let Some(record) = reader.next_record()? {
            if self.region.as_ref().is_some_and(|r| !r.contains(&record.chrom, record.pos, record.end())) {
                continue;
            }
            if self.regions.as_ref().is_some_and(|(r, _)| !r.contains(&record.chrom, record.pos, record.end())) {
                continue;
            }
            if self.pass_only && !matches!(record.line.split('\t').nth(6), Some("PASS" | ".")) {
                summary.not_pass += 1;
                continue;
            }
            scorer.push(genome, record, &path)?;
            if scorer.is_full() {
                write(scorer.flush()?, &mut summary)?;
            }
        }
        write(scorer.flush()?, &mut summary)?;
        progress.finish();
        crate::variants::contigs::check_some_known(summary.records, &summary.unknown_chroms, &path, genome)?;
        if summary.records == 0 {
            log::info!("{} holds no record{}: the output holds the header only", path.display(), match (self.only_windows, summary.via_index || self.region.is_some() || self.shard.is_some() || self.regions.is_some()) {
                (true, _) => " in the selected TSS windows",
                (false, true) => " in the selected region or shard",
                (false, false) => "",
            });
        }
        summary.counts = scorer.counts.clone();
        vcf.finish()?;
        if let Some(t) = tsv {
            t.finish()?;
        }
        Ok(summary)
    }
}
