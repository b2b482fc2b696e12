//! Records read ahead on their own thread: inflating and splitting a cohort's records costs
//! about as much as planning its haplotypes, so the two overlap instead of taking turns.
//! Batches are bounded in records and bytes (at most `QUEUED` batches wait), so memory does
//! not grow with the file or the cohort.

use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::JoinHandle;

use anyhow::Result;

use super::reader::{Genotypes, VariantReader, VariantRecord};

/// A batch ends at this many records or bytes of record text and genotypes.
const BATCH_RECORDS: usize = 256;
const BATCH_BYTES: usize = 1 << 20;
/// Batches waiting to be taken.
const QUEUED: usize = 4;

pub struct Prefetch {
    rx: Receiver<Result<Option<Vec<VariantRecord>>>>,
    batch: std::vec::IntoIter<VariantRecord>,
    thread: Option<JoinHandle<()>>,
    done: bool,
}

impl Prefetch {
    /// Starts reading `reader` to its end.
    pub fn spawn(mut reader: VariantReader) -> Result<Self> {
        let (tx, rx) = sync_channel(QUEUED);
        let thread = std::thread::Builder::new().name("vcf-reader".into()).spawn(move || loop {
            let (mut batch, mut bytes) = (Vec::new(), 0);
            let end = loop {
                match reader.next_record() {
                    Ok(Some(r)) => {
                        bytes += r.line.len() + if let Genotypes::Bcf(Some(g)) = &r.genotypes { g.bytes.len() } else { 0 };
                        batch.push(r);
                        if batch.len() >= BATCH_RECORDS || bytes >= BATCH_BYTES {
                            break false;
                        }
                    }
                    Ok(None) => break true,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            };
            // a closed channel: the reader of the records has stopped (it failed)
            if !batch.is_empty() && tx.send(Ok(Some(batch))).is_err() {
                return;
            }
            if end {
                let _ = tx.send(Ok(None));
                return;
            }
        })?;
        Ok(Prefetch { rx, batch: Vec::new().into_iter(), thread: Some(thread), done: false })
    }

    /// The next record, `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<VariantRecord>> {
        loop {
            if let Some(r) = self.batch.next() {
                return Ok(Some(r));
            }
            if self.done {
                return Ok(None);
            }
            match self.rx.recv() {
                Ok(Ok(Some(batch))) => self.batch = batch.into_iter(),
                Ok(Ok(None)) => self.done = true,
                Ok(Err(e)) => return Err(e),
                // the thread ended without saying so: it panicked
                Err(_) => {
                    let panic = self.thread.take().map(|t| t.join());
                    let what = match panic {
                        Some(Err(p)) => p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_default(),
                        _ => String::new(),
                    };
                    anyhow::bail!("the VCF reading thread failed: {what}");
                }
            }
        }
    }
}
