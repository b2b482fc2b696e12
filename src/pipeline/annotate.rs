//! `annotate`: TSSs from a GTF or BED -> windows from the genome -> predictions -> a TSV in
//! input order plus optional sorted BED/bedGraph tracks.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use super::select::{Shard, TssSelection};
use super::tss_windows::{TssSource, TssWindows};
use super::{predict_stream, Job, Progress};
use crate::annotation::Tss;
use crate::model::Predictor;
use crate::output::track::{merge, write_bed, write_bedgraph, write_bigwig, BaseValue, Combine, TrackPoint};
use crate::output::Output;
use crate::window::{n_fraction, NTally};

pub struct AnnotateOutputs {
    pub tsv: PathBuf,
    pub bed: Option<PathBuf>,
    pub bedgraph: Option<PathBuf>,
    /// The bedGraph's values as bigWig (chromosomes named as in the FASTA).
    pub bigwig: Option<PathBuf>,
}

/// What a run did, for the summary and the tests.
#[derive(Debug, Default)]
pub struct AnnotateSummary {
    pub predicted: u64,
    pub warnings: Vec<String>,
}

pub struct Annotate<'a> {
    /// Which TSSs (region, shard); only shard 1 writes the header.
    pub selection: TssSelection,
    pub windows: TssWindows<'a>,
    pub source: TssSource,
    pub predictor: &'a dyn Predictor,
    pub batch_size: usize,
    pub quiet: bool,
    /// Header comment lines (provenance), written first, each prefixed with `##`.
    pub provenance: Vec<String>,
}

impl Annotate<'_> {
    pub fn run(mut self, outputs: &AnnotateOutputs) -> Result<AnnotateSummary> {
        let notes = self.windows.notes.clone();
        let (tsss, per_transcript, total) = self.selection.open(&self.source, |_| true, &notes)?;
        let mut tsv = Output::create(&outputs.tsv)?;
        if Shard::writes_header(self.selection.shard) {
            self.write_header(&mut tsv, per_transcript)?;
        }
        let mut summary = AnnotateSummary::default();
        let mut points = Vec::new();
        let want_track = outputs.bed.is_some() || outputs.bedgraph.is_some() || outputs.bigwig.is_some();
        // the bar: over the TSSs when a shard counted them, else over the annotation's bytes
        let file_len = std::fs::metadata(self.source.path()).ok().filter(|m| m.is_file()).map(|m| m.len());
        let progress = match (total, file_len) {
            (Some(n), _) => Progress::new(self.quiet, Some(n), "TSSs"),
            (None, Some(len)) => Progress::over_bytes(self.quiet, notes.bytes_read().clone(), len, "TSSs"),
            (None, None) => Progress::new(self.quiet, None, "TSSs"),
        };
        let windows = &mut self.windows;
        let jobs = tsss.inspect(|_| progress.touch()).filter_map(|tss| tss.and_then(|tss| windows.job(tss)).transpose()).map(|job| {
            job.map(|j| {
                let n = n_fraction(&j.window);
                Job { meta: (j.meta, n), window: j.window, features: j.features }
            })
        });
        let mut tally = NTally::default();
        summary.predicted = predict_stream(jobs, self.predictor, self.batch_size, &progress, |(tss, n): (Tss, f32), p| {
            tally.add(n);
            write_row(&mut tsv, &tss, per_transcript, p, n)?;
            if want_track {
                let name = tss.transcript_id.clone().unwrap_or_else(|| tss.gene_id.clone());
                points.push(TrackPoint { chrom: tss.chrom, pos: tss.pos, strand: tss.strand, name, value: p });
            }
            Ok(())
        })?;
        self.windows.check_usable(&self.source, self.selection.is_partial())?;
        summary.warnings = self.windows.warnings();
        summary.warnings.extend(tally.warning("TSS windows"));
        if let Some(path) = &outputs.bed {
            write_bed(path, &mut points)?;
        }
        if let Some(path) = &outputs.bedgraph {
            let values = points.iter().map(|p| BaseValue { chrom: p.chrom.as_str().into(), pos: p.pos, value: p.value }).collect();
            write_bedgraph(path, &merge(values, Combine::Mean))?;
        }
        if let Some(path) = &outputs.bigwig {
            let genome = &self.windows.genome;
            let name = |c: &str| genome.resolve(c).map(|id| genome.contig(id).name.as_str()).unwrap_or(c).into();
            let values = points.iter().map(|p| BaseValue { chrom: name(&p.chrom), pos: p.pos, value: p.value }).collect();
            write_bigwig(path, &genome.chrom_sizes(), &merge(values, Combine::Mean))?;
        }
        tsv.finish()?;
        Ok(summary)
    }

    fn write_header(&self, out: &mut Output, per_transcript: bool) -> Result<()> {
        for line in &self.provenance {
            writeln!(out, "##{line}")?;
        }
        writeln!(out, "##tss: 1-based position of the TSS base (window index 7000); strand-aware window, see docs/annotate.md")?;
        let transcript = if per_transcript { "\ttranscript_id" } else { "" };
        writeln!(out, "##n_fraction: share of the window's 10,500 bases that are N (gaps, past a chromosome end); above 0.5 the prediction mostly reflects the N bases")?;
        writeln!(out, "gene_id\tgene_name{transcript}\tchrom\ttss\tstrand\tprediction\tn_fraction")?;
        Ok(())
    }
}

fn write_row(out: &mut Output, tss: &Tss, per_transcript: bool, prediction: f32, n: f32) -> Result<()> {
    write!(out, "{}\t{}\t", tss.gene_id, tss.gene_name)?;
    if per_transcript {
        write!(out, "{}\t", tss.transcript_id.as_deref().unwrap_or(""))?;
    }
    writeln!(out, "{}\t{}\t{}\t{:.6}\t{n:.4}", tss.chrom, tss.pos + 1, tss.strand, prediction)?;
    Ok(())
}
