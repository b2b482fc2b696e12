//! `predict`: FASTA records used as windows as they are (10,500 bp), or centred on index 7000
//! when at most 7,000 bp (as the original `predict_seqs.py`), one TSV row per record.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::fasta_jobs::fasta_jobs;
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
}

impl Predict<'_> {
    /// Writes `id`, `length`, `prediction` per record; returns the warnings of the run.
    pub fn run(mut self, output: &Path) -> Result<Vec<String>> {
        let mut out = Output::create(output)?;
        for line in &self.provenance {
            writeln!(out, "##{line}")?;
        }
        writeln!(out, "id\tlength\tprediction")?;
        let progress = Progress::new(self.quiet, None, "sequences");
        let jobs = fasta_jobs(&self.fasta, &mut self.features)?;
        let done = predict_stream(jobs, self.predictor, self.batch_size, &progress, |(id, len): (String, usize), p| {
            writeln!(out, "{id}\t{len}\t{p:.6}")?;
            Ok(())
        })?;
        if done == 0 && self.features.skipped() == 0 {
            return Err(InputError::msg(format!("FASTA {} holds no sequence record: nothing to predict", self.fasta.display())));
        }
        out.finish()?;
        Ok(self.features.warning().into_iter().collect())
    }
}

