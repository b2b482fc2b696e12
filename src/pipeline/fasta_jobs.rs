//! FASTA records as model windows, shared by `predict` and `ism --fasta`: 10,500 bp used as
//! is, at most 7,000 bp centred on index 7000, anything else an error naming the record.
//! A header may carry a strand as bedtools `getfasta -s` writes it (`name::chr:start-end(-)`,
//! `chr:start-end(-)`, or any word ending in `(+)`/`(-)`); with `Orient::FromHeader` a
//! minus-strand record given forward is reverse-complemented first.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::input::OrInput;
use anyhow::{bail, Result};
use noodles::fasta;

use super::Job;
use crate::annotation::Strand;
use crate::features::FeatureJoin;
use crate::input::{open_text, read_error};
use crate::model::arch::SEQ_LEN;
use crate::window::{self, TSS_INDEX};

/// What to do with a strand named in a record's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Orient {
    /// Records are already oriented (the strand, if any, is only reported).
    AsGiven,
    /// Records are given forward: reverse-complement those whose header says `(-)`.
    FromHeader,
}

/// The strand a FASTA header names: the first word (of the name, then the description) that
/// ends in `(+)` or `(-)`, as bedtools `getfasta -s` writes it.
pub fn header_strand(name: &str, description: &str) -> Option<Strand> {
    std::iter::once(name).chain(description.split_whitespace()).find_map(|word| {
        if word.ends_with("(+)") {
            Some(Strand::Plus)
        } else if word.ends_with("(-)") {
            Some(Strand::Minus)
        } else {
            None
        }
    })
}

/// A record's job meta: its id, its length and the strand its header names.
pub type RecordMeta = (String, usize, Option<Strand>);

/// A record as read: id, the strand its header names, sequence.
type Record = (String, Option<Strand>, Vec<u8>);

/// Jobs of every record of `path` (meta: record id, length and the header's strand),
/// features joined on the id.
pub fn fasta_jobs<'a>(path: &Path, features: &'a mut FeatureJoin, orient: Orient) -> Result<impl Iterator<Item = Result<Job<RecordMeta>>> + Send + 'a> {
    let mut records = FastaRecords { path: path.to_path_buf(), reader: fasta::io::Reader::new(open_text(path, "FASTA").input()?), index: 0 };
    let path = path.to_path_buf();
    Ok(std::iter::from_fn(move || records.next_record().transpose()).filter_map(move |r| {
        r.and_then(|(id, strand, mut seq)| {
            if orient == Orient::FromHeader && strand == Some(Strand::Minus) {
                window::onehot::reverse_complement(&mut seq);
            }
            let Some(window) = window::from_sequence(&seq) else {
                bail!(
                    "FASTA {} record '{id}' is {} bp: a sequence must be {SEQ_LEN} bp, or at most {TSS_INDEX} bp to be centred on the TSS index",
                    path.display(),
                    seq.len()
                );
            };
            Ok(features.lookup(&id)?.map(|f| Job { meta: (id, seq.len(), strand), window, features: f }))
        })
        .input()
        .transpose()
    }))
}

/// FASTA records streamed one at a time, read errors naming the file and record.
struct FastaRecords {
    path: PathBuf,
    reader: fasta::io::Reader<Box<dyn BufRead + Send>>,
    index: u64,
}

impl FastaRecords {
    fn next_record(&mut self) -> Result<Option<Record>> {
        let mut definition = fasta::record::Definition::new("", None);
        self.index += 1;
        let fail = |what: String| anyhow::anyhow!("FASTA {} record {}: {what}", self.path.display(), self.index);
        if self.reader.read_definition(&mut definition).map_err(|e| fail(read_error(&e)))? == 0 {
            return Ok(None);
        }
        let mut seq = Vec::new();
        self.reader.read_sequence(&mut seq).map_err(|e| fail(read_error(&e)))?;
        let name = String::from_utf8_lossy(definition.name()).into_owned();
        let description = definition.description().map(|d| String::from_utf8_lossy(d).into_owned()).unwrap_or_default();
        let strand = header_strand(&name, &description);
        Ok(Some((name, strand, seq)))
    }
}
