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
/// on one thread; whole groups are dealt round-robin to one evaluator per thread of the pool
/// (`-t`), each with its own store, in batches of at most `batch_size` windows through
/// bounded channels; the sink is called on this thread in input order, so the output does
/// not depend on the thread count. Returns the windows and what the groups shared.
pub fn predict_local_stream<T, I, F>(
    jobs: I,
    model: &crate::model::NativeModel,
    batch_size: usize,
    progress: &Progress,
    starts_group: impl Fn(&T) -> bool + Sync,
    mut sink: F,
) -> Result<crate::model::local::LocalStats>
where
    T: Send,
    I: Iterator<Item = Result<Job<T>>> + Send,
    F: FnMut(T, f32) -> Result<()>,
{
    let batch_size = batch_size.max(1);
    let evaluators = rayon::current_num_threads().max(1);
    let starts_group = &starts_group;
    std::thread::scope(|scope| {
        // per evaluator: (sequence number, batch) in; (sequence number, results) out
        let (done_tx, done_rx) = sync_channel::<(u64, Vec<(T, f32)>)>(2 * evaluators);
        let mut inboxes = Vec::new();
        let mut workers = Vec::new();
        for _ in 0..evaluators {
            let (tx, rx) = sync_channel::<(u64, Vec<Job<T>>)>(2);
            inboxes.push(tx);
            let done_tx = done_tx.clone();
            workers.push(scope.spawn(move || {
                let mut eval = crate::model::local::LocalEval::new(model);
                for (seq, batch) in rx {
                    let mut out = Vec::with_capacity(batch.len());
                    for job in batch {
                        if starts_group(&job.meta) {
                            eval.reset();
                        }
                        let p = eval.predict(&job.window, &job.features);
                        out.push((job.meta, p));
                    }
                    if done_tx.send((seq, out)).is_err() {
                        break; // the sink failed
                    }
                }
                eval.stats
            }));
        }
        drop(done_tx);
        let producer = scope.spawn(move || -> Result<()> {
            let (mut seq, mut group, mut batch) = (0u64, 0usize, Vec::with_capacity(batch_size));
            let send = |seq: &mut u64, to: usize, batch: &mut Vec<Job<T>>| {
                let full = std::mem::replace(batch, Vec::with_capacity(batch_size));
                let sent = inboxes[to].send((*seq, full)).is_ok();
                *seq += 1;
                sent
            };
            for job in jobs {
                let job = job?;
                if starts_group(&job.meta) && !batch.is_empty() {
                    if !send(&mut seq, group % evaluators, &mut batch) {
                        return Ok(());
                    }
                    group += 1;
                }
                batch.push(job);
                if batch.len() >= batch_size && !send(&mut seq, group % evaluators, &mut batch) {
                    return Ok(());
                }
            }
            if !batch.is_empty() {
                send(&mut seq, group % evaluators, &mut batch);
            }
            Ok(())
        });
        // results in input order
        let mut pending = std::collections::BTreeMap::new();
        let mut next = 0u64;
        let sunk = (|| -> Result<()> {
            for (seq, out) in done_rx.iter() {
                pending.insert(seq, out);
                while let Some(out) = pending.remove(&next) {
                    let n = out.len() as u64;
                    for (meta, p) in out {
                        sink(meta, p)?;
                    }
                    progress.inc(n);
                    next += 1;
                }
            }
            Ok(())
        })();
        drop(done_rx);
        let produced = producer.join().expect("the window thread panicked");
        let mut stats = crate::model::local::LocalStats::default();
        for w in workers {
            let s = w.join().expect("an evaluator panicked");
            stats.windows += s.windows;
            stats.bins += s.bins;
            stats.rows += s.rows;
        }
        progress.finish();
        produced?;
        sunk?;
        Ok(stats)
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
