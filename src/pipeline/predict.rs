//! `predict`: FASTA records used as windows as they are (10,500 bp), or centred on index 7000
//! when at most 7,000 bp (as the original `predict_seqs.py`), one TSV row per record.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::fasta_jobs::{fasta_jobs, Orient};
use crate::annotation::Strand;
use super::{predict_stream, Progress};
use crate::features::FeatureJoin;
use crate::input::InputError;
use crate::model::Predictor;
use crate::output::Output;

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
        writeln!(out, "id\tlength\tprediction")?;
        let progress = Progress::new(self.quiet, None, "sequences");
        let jobs = fasta_jobs(&self.fasta, &mut self.features, self.orient)?;
        let (mut minus, mut unstranded) = (0u64, 0u64);
        let done = predict_stream(jobs, self.predictor, self.batch_size, &progress, |(id, len, strand): (String, usize, Option<Strand>), p| {
            minus += u64::from(strand == Some(Strand::Minus));
            unstranded += u64::from(strand.is_none());
            writeln!(out, "{id}\t{len}\t{p:.6}")?;
            Ok(())
        })?;
        progress.finish();
        if done == 0 && self.features.skipped() == 0 {
            return Err(InputError::msg(format!("FASTA {} holds no sequence record: nothing to predict", self.fasta.display())));
        }
        out.finish()?;
        let mut warnings: Vec<String> = self.features.warning().into_iter().collect();
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

