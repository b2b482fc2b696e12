//! `predict`: FASTA records used as windows as they are (10,500 bp), or centred on index 7000
//! when at most 7,000 bp (as the original `predict_seqs.py`), one TSV row per record.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::fasta_jobs::{fasta_jobs, Orient};
use crate::annotation::Strand;
use super::{predict_stream, Job, Progress};
use crate::features::FeatureJoin;
use crate::input::InputError;
use crate::model::Predictor;
use crate::output::Output;
use crate::window::{n_fraction, NTally};

pub struct Predict<'a> {
    pub fasta: PathBuf,
    pub features: FeatureJoin,
    pub predictor: &'a dyn Predictor,
    pub batch_size: usize,
    pub quiet: bool,
    pub provenance: Vec<String>,
    /// Whether minus-strand records (by their header) are reverse-complemented first.
    pub orient: Orient,
}

impl Predict<'_> {
    /// Writes `id`, `length`, `prediction` per record; returns the warnings of the run.
    pub fn run(mut self, output: &Path) -> Result<Vec<String>> {
        let mut out = Output::create(output)?;
        for line in &self.provenance {
            writeln!(out, "##{line}")?;
        }
        writeln!(out, "##sequence: {}", match self.orient {
            Orient::AsGiven => "each record as given (already oriented, TSS at index 7000)",
            Orient::FromHeader => "records whose header names strand (-) reverse-complemented first (--strand-from-header); the others as given",
        })?;
        writeln!(out, "##n_fraction: share of the 10,500-base window that is N (a record shorter than 10,500 bp is padded with N); above 0.5 the prediction mostly reflects the N bases")?;
        writeln!(out, "id\tlength\tprediction\tn_fraction")?;
        let progress = Progress::new(self.quiet, None, "sequences");
        let jobs = fasta_jobs(&self.fasta, &mut self.features, self.orient)?.map(|job| {
            job.map(|j| {
                let n = n_fraction(&j.window);
                Job { meta: (j.meta, n), window: j.window, features: j.features }
            })
        });
        let (mut minus, mut unstranded) = (0u64, 0u64);
        let mut tally = NTally::default();
        let done = predict_stream(jobs, self.predictor, self.batch_size, &progress, |((id, len, strand), n): ((String, usize, Option<Strand>), f32), p| {
            minus += u64::from(strand == Some(Strand::Minus));
            unstranded += u64::from(strand.is_none());
            tally.add(n);
            writeln!(out, "{id}\t{len}\t{p:.6}\t{n:.4}")?;
            Ok(())
        })?;
        progress.finish();
        if done == 0 && self.features.skipped() == 0 {
            return Err(InputError::msg(format!("FASTA {} holds no sequence record: nothing to predict", self.fasta.display())));
        }
        out.finish()?;
        let mut warnings: Vec<String> = self.features.warning().into_iter().collect();
        warnings.extend(tally.warning("windows"));
        match self.orient {
            Orient::FromHeader if minus > 0 => log::info!("{minus} of {done} records are minus strand by their header: reverse-complemented"),
            Orient::FromHeader => {}
            Orient::AsGiven if minus > 0 => log::info!(
                "{minus} of {done} records say strand (-) in their header: used as given (already oriented); \
                 --strand-from-header reverse-complements them if they are forward"
            ),
            Orient::AsGiven => {}
        }
        if self.orient == Orient::FromHeader && unstranded > 0 {
            warnings.push(format!("{unstranded} records name no strand in their header ((+) or (-)): used as given"));
        }
        Ok(warnings)
    }
}

