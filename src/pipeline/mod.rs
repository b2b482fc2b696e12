//! The one loop every subcommand shares: jobs (a window, its features and whatever the
//! caller needs to write the result) are gathered into fixed-size batches, predicted by a
//! `Predictor` (spread over threads), and handed to a sink in input order, so output is
//! identical for any thread count. Memory is bounded by four batches (one being cut, two
//! queued, one in the model).

pub mod annotate;
pub mod fasta_jobs;
pub mod ism;
pub mod predict;
pub mod progress;
pub mod scan;
pub mod tss_windows;

use anyhow::Result;

use crate::model::arch::N_FEATURES;
use crate::model::{ModelInput, Predictor};
pub use progress::Progress;

/// Default windows per batch: large enough to keep every thread busy, small in memory.
pub const DEFAULT_BATCH: usize = 256;

/// A window to predict, with the caller's data `T` carried through to the sink.
pub struct Job<T> {
    pub meta: T,
    pub window: Vec<u8>,
    pub features: [f32; N_FEATURES],
}

/// Predicts every job of `jobs` and calls `sink(meta, prediction)` in input order.
/// Jobs are gathered (windows cut) on a separate thread, two batches ahead, so reading the
/// genome overlaps with the model. Stops at the first error from the jobs or the sink.
/// Returns the number of windows.
pub fn predict_stream<T, I, F>(
    jobs: I,
    predictor: &dyn Predictor,
    batch_size: usize,
    progress: &Progress,
    mut sink: F,
) -> Result<u64>
where
    T: Send,
    I: Iterator<Item = Result<Job<T>>> + Send,
    F: FnMut(T, f32) -> Result<()>,
{
    let batch_size = batch_size.max(1);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<Job<T>>>>(2);
        scope.spawn(move || gather_batches(jobs, batch_size, tx));
        let mut predictions = vec![0f32; batch_size];
        let mut done = 0u64;
        for batch in rx {
            let batch = batch?;
            let n = batch.len();
            let inputs: Vec<ModelInput<'_>> =
                batch.iter().map(|j| ModelInput { seq: &j.window, features: j.features }).collect();
            predictor.predict_batch(&inputs, &mut predictions[..n]);
            drop(inputs);
            for (job, &p) in batch.into_iter().zip(&predictions[..n]) {
                sink(job.meta, p)?;
            }
            done += n as u64;
            progress.inc(n as u64);
        }
        progress.finish();
        Ok(done)
    })
}

/// Producer side of `predict_stream`: sends full batches (the last may be short), or the
/// first error; stops early when the consumer has gone (it failed).
fn gather_batches<T, I>(mut jobs: I, batch_size: usize, tx: std::sync::mpsc::SyncSender<Result<Vec<Job<T>>>>)
where
    I: Iterator<Item = Result<Job<T>>>,
{
    loop {
        let mut batch = Vec::with_capacity(batch_size);
        for job in jobs.by_ref().take(batch_size) {
            match job {
                Ok(job) => batch.push(job),
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
        if batch.is_empty() || tx.send(Ok(batch)).is_err() {
            return;
        }
    }
}
