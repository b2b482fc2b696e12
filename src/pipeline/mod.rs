//! The one loop every subcommand shares: jobs (a window, its features and whatever the
//! caller needs to write the result) are gathered into fixed-size batches, predicted by a
//! `Predictor` (spread over threads), and handed to a sink in input order, so output is
//! identical for any thread count. Cutting, predicting and writing run on three threads;
//! memory is bounded by a few batches (one being cut, two queued, one in the model, two
//! waiting to be written).

pub mod annotate;
pub mod fasta_jobs;
pub mod ism;
pub mod personal;
pub mod predict;
pub mod progress;
pub mod scan;
pub mod select;
pub mod score_variants;
pub mod tss_windows;

use std::sync::mpsc::{sync_channel, SyncSender};

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
/// Three stages overlap, joined by bounded channels: jobs are gathered (windows cut) on one
/// thread, two batches ahead; the model runs on the calling thread (its own thread pool or
/// device); the sink writes on a third thread, up to two batches behind. Stops at the first
/// error from the jobs or the sink. Returns the number of windows.
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
    F: FnMut(T, f32) -> Result<()> + Send,
{
    let batch_size = batch_size.max(1);
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = sync_channel::<Result<Vec<Job<T>>>>(2);
        scope.spawn(move || gather_batches(jobs, batch_size, job_tx));
        let (out_tx, out_rx) = sync_channel::<(Vec<T>, Vec<f32>)>(2);
        let writer = scope.spawn(move || -> Result<()> {
            for (metas, predictions) in out_rx {
                for (meta, p) in metas.into_iter().zip(predictions) {
                    sink(meta, p)?;
                }
            }
            Ok(())
        });
        let predicted = || -> Result<u64> {
            let mut done = 0u64;
            for batch in job_rx {
                let batch = batch?;
                let n = batch.len();
                let mut predictions = vec![0f32; n];
                let inputs: Vec<ModelInput<'_>> =
                    batch.iter().map(|j| ModelInput { seq: &j.window, features: j.features }).collect();
                predictor.predict_batch(&inputs, &mut predictions);
                drop(inputs);
                if out_tx.send((batch.into_iter().map(|j| j.meta).collect(), predictions)).is_err() {
                    break; // the sink failed; its error is returned below
                }
                done += n as u64;
                progress.inc(n as u64);
            }
            Ok(done)
        };
        let done = predicted();
        drop(out_tx);
        let written = writer.join().expect("the output thread panicked");
        progress.finish();
        let done = done?;
        written?;
        Ok(done)
    })
}

/// `predict_stream` for groups of windows that differ locally (one TSS's haplotypes): each
/// window goes through `model::local::LocalEval`, which computes each distinct conv1 bin and
/// conv2 row of a group once (exact: bit for bit the full forward pass). `starts_group`
/// says which job begins a new group (the pieces of the last are forgotten). Windows are cut
/// on a second thread, batches ahead, while this one evaluates and calls the sink. Returns
/// the windows and what the groups shared.
pub fn predict_local_stream<T, I, F>(
    jobs: I,
    model: &crate::model::NativeModel,
    batch_size: usize,
    progress: &Progress,
    starts_group: impl Fn(&T) -> bool,
    mut sink: F,
) -> Result<crate::model::local::LocalStats>
where
    T: Send,
    I: Iterator<Item = Result<Job<T>>> + Send,
    F: FnMut(T, f32) -> Result<()>,
{
    let batch_size = batch_size.max(1);
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = sync_channel::<Result<Vec<Job<T>>>>(2);
        scope.spawn(move || gather_batches(jobs, batch_size, job_tx));
        let mut eval = crate::model::local::LocalEval::new(model);
        for batch in job_rx {
            let batch = batch?;
            let n = batch.len() as u64;
            for job in batch {
                if starts_group(&job.meta) {
                    eval.reset();
                }
                let p = eval.predict(&job.window, &job.features);
                sink(job.meta, p)?;
            }
            progress.inc(n);
        }
        progress.finish();
        Ok(eval.stats)
    })
}

/// Producer side of `predict_stream`: sends full batches (the last may be short), or the
/// first error; stops early when the consumer has gone (it failed).
fn gather_batches<T, I>(mut jobs: I, batch_size: usize, tx: SyncSender<Result<Vec<Job<T>>>>)
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
