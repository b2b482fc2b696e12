//! The one loop every subcommand shares: jobs (a window, its features and whatever the
//! caller needs to write the result) are gathered into fixed-size batches, predicted by a
//! `Predictor` (spread over threads), and handed to a sink in input order, so output is
//! identical for any thread count. Memory is bounded by one batch.

pub mod annotate;
pub mod predict;
pub mod progress;
pub mod scan;

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
/// Stops at the first error from the jobs or the sink. Returns the number of windows.
pub fn predict_stream<T, I, F>(
    jobs: I,
    predictor: &dyn Predictor,
    batch_size: usize,
    progress: &Progress,
    mut sink: F,
) -> Result<u64>
where
    I: Iterator<Item = Result<Job<T>>>,
    F: FnMut(T, f32) -> Result<()>,
{
    let batch_size = batch_size.max(1);
    let mut batch: Vec<Job<T>> = Vec::with_capacity(batch_size);
    let mut predictions = vec![0f32; batch_size];
    let mut done = 0u64;
    let mut jobs = jobs.peekable();
    while jobs.peek().is_some() {
        batch.clear();
        for job in jobs.by_ref().take(batch_size) {
            batch.push(job?);
        }
        let inputs: Vec<ModelInput<'_>> =
            batch.iter().map(|j| ModelInput { seq: &j.window, features: j.features }).collect();
        let n = inputs.len();
        predictor.predict_batch(&inputs, &mut predictions[..n]);
        drop(inputs);
        for (job, &p) in batch.drain(..).zip(&predictions[..n]) {
            sink(job.meta, p)?;
        }
        done += n as u64;
        progress.inc(n as u64);
    }
    progress.finish();
    Ok(done)
}
