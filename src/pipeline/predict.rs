//! `predict`: FASTA records used as windows as they are (10,500 bp), or centred on index 7000
//! when at most 7,000 bp (as the original `predict_seqs.py`), one TSV row per record.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use noodles::fasta;

use super::{predict_stream, Job, Progress};
use crate::features::FeatureJoin;
use crate::input::{open_text, read_error};
use crate::model::arch::SEQ_LEN;
use crate::model::Predictor;
use crate::output::Output;
use crate::window::{self, TSS_INDEX};

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
        let mut records = FastaRecords { path: self.fasta.clone(), reader: fasta::io::Reader::new(open_text(&self.fasta, "FASTA")?), index: 0 };
        let mut out = Output::create(output)?;
        for line in &self.provenance {
            writeln!(out, "##{line}")?;
        }
        writeln!(out, "id\tlength\tprediction")?;
        let progress = Progress::new(self.quiet, None, "sequences");
        let features = &mut self.features;
        let jobs = std::iter::from_fn(|| records.next_record().transpose()).filter_map(|r| {
            r.and_then(|(id, seq)| {
                let Some(window) = window::from_sequence(&seq) else {
                    bail!(
                        "FASTA {} record '{id}' is {} bp: a sequence must be {SEQ_LEN} bp, or at most {TSS_INDEX} bp to be centred on the TSS index",
                        self.fasta.display(),
                        seq.len()
                    );
                };
                Ok(features.lookup(&id)?.map(|f| Job { meta: (id, seq.len()), window, features: f }))
            })
            .transpose()
        });
        predict_stream(jobs, self.predictor, self.batch_size, &progress, |(id, len): (String, usize), p| {
            writeln!(out, "{id}\t{len}\t{p:.6}")?;
            Ok(())
        })?;
        out.finish()?;
        Ok(self.features.warning().into_iter().collect())
    }
}

/// FASTA records streamed one at a time, read errors naming the file and record.
struct FastaRecords {
    path: PathBuf,
    reader: fasta::io::Reader<Box<dyn BufRead + Send>>,
    index: u64,
}

impl FastaRecords {
    fn next_record(&mut self) -> Result<Option<(String, Vec<u8>)>> {
        let mut definition = fasta::record::Definition::new("", None);
        self.index += 1;
        let fail = |what: String| anyhow::anyhow!("FASTA {} record {}: {what}", self.path.display(), self.index);
        if self.reader.read_definition(&mut definition).map_err(|e| fail(read_error(&e)))? == 0 {
            return Ok(None);
        }
        let mut seq = Vec::new();
        self.reader.read_sequence(&mut seq).map_err(|e| fail(read_error(&e)))?;
        Ok(Some((String::from_utf8_lossy(definition.name()).into_owned(), seq)))
    }
}
