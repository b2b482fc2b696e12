//! The one loop every subcommand shares: jobs (a window, its features and whatever the
//! caller needs to write the result) are gathered into fixed-size batches, predicted by a
//! `Predictor` (spread over threads), and handed to a sink in input order, so output is
//! identical for any thread count. Cutting, predicting and writing run on three threads;
//! memory is bounded by a few batches (one being cut, two queued, one in the model, two
//! waiting to be written).

pub mod annotate;
pub mod fasta_jobs;
pub mod ism;
pub mod missing;
pub mod personal;
pub mod precompute;
pub mod predict;
pub mod progress;
pub mod regions;
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

/// Runs `work` on every task of `tasks` on `threads` worker threads, each with its own
/// state from `init`, and hands the results to `sink` in input order (output identical for
/// any thread count). Tasks are read on one more thread and taken by whichever worker is
/// free; at most `threads + 2` are read but not yet sunk, so memory is bounded by that many
/// tasks and results (a TSS's sites stay alive while a task holds them). Stops at the first
/// error from the tasks, the work or the sink. Returns the workers' final states.
pub fn ordered_map<T, R, S, I>(tasks: I, threads: usize, init: impl Fn() -> S + Sync, work: impl Fn(&mut S, T) -> Result<R> + Sync, mut sink: impl FnMut(R) -> Result<()>) -> Result<Vec<S>>
where
    T: Send,
    R: Send,
    S: Send,
    I: Iterator<Item = Result<T>> + Send,
{
    let threads = threads.max(1);
    let in_flight = threads + 2;
    let (init, work) = (&init, &work);
    std::thread::scope(|scope| {
        let (task_tx, task_rx) = sync_channel::<(u64, T)>(1);
        // shared by the workers: gone with the last of them, so the producer never waits on it
        let task_rx = std::sync::Arc::new(std::sync::Mutex::new(task_rx));
        let (done_tx, done_rx) = sync_channel::<(u64, Result<R>)>(in_flight);
        // one token per task read and not yet sunk
        let (token_tx, token_rx) = sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            token_tx.send(()).expect("the tokens fit");
        }
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (done_tx, task_rx) = (done_tx.clone(), task_rx.clone());
                scope.spawn(move || {
                    let mut state = init();
                    loop {
                        let next = task_rx.lock().expect("a worker panicked").recv();
                        let Ok((seq, task)) = next else { break };
                        if done_tx.send((seq, work(&mut state, task))).is_err() {
                            break; // the sink failed
                        }
                    }
                    state
                })
            })
            .collect();
        drop((done_tx, task_rx));
        let producer = scope.spawn(move || -> Result<()> {
            for (seq, task) in tasks.enumerate() {
                if token_rx.recv().is_err() || task_tx.send((seq as u64, task?)).is_err() {
                    return Ok(()); // the sink failed
                }
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
                    sink(out?)?;
                    let _ = token_tx.send(());
                    next += 1;
                }
            }
            Ok(())
        })();
        drop((done_rx, token_tx));
        let produced = producer.join().expect("the task thread panicked");
        let states = workers.into_iter().map(|w| w.join().expect("a worker panicked")).collect();
        produced?;
        sunk?;
        Ok(states)
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

#[cfg(test)]
mod tests {
    use super::ordered_map;

    /// Results come in input order whatever the threads finish first; every state is returned.
    #[test]
    fn ordered_map_keeps_input_order() {
        let tasks = (0..200u64).map(Ok);
        let mut seen = Vec::new();
        let work = |done: &mut u64, t: u64| {
            std::thread::sleep(std::time::Duration::from_micros((t * 7919) % 300));
            *done += 1;
            Ok(t * t)
        };
        let states = ordered_map(tasks, 3, || 0u64, work, |r| {
            seen.push(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..200u64).map(|t| t * t).collect::<Vec<_>>());
        assert_eq!(states.len(), 3);
        assert_eq!(states.iter().sum::<u64>(), 200);
    }

    /// The first error (from the tasks, the work or the sink) ends the run and is returned;
    /// nothing after it is sunk.
    #[test]
    fn ordered_map_stops_at_the_first_error() {
        for failing in ["task", "work", "sink"] {
            let tasks = (0..1000u64).map(|t| if failing == "task" && t == 50 { Err(anyhow::anyhow!("task 50")) } else { Ok(t) });
            let work = |_: &mut (), t: u64| if failing == "work" && t == 50 { Err(anyhow::anyhow!("work 50")) } else { Ok(t) };
            let mut sunk = 0u64;
            let err = ordered_map(tasks, 2, || (), work, |t| {
                anyhow::ensure!(!(failing == "sink" && t == 50), "sink 50");
                sunk += 1;
                Ok(())
            })
            .unwrap_err();
            assert_eq!(err.to_string(), format!("{failing} 50"));
            assert_eq!(sunk, 50, "{failing}: only what came before the error is sunk");
        }
    }
}
