//! All outputs of one run appear together, or none. Every output is first a hidden
//! temporary file beside its destination (`.NAME.XXXX.partial`); a finished file waits here
//! until the run has succeeded, then all are renamed into place at once (`commit`). On a
//! failure they are dropped (removed); on SIGINT/SIGTERM a watcher thread removes every
//! temporary file still on disk, then exits 130/143 as a shell would. SIGKILL cannot be
//! caught: it leaves the hidden temporary files, never a complete-looking output.
//!
//! Without `defer_commits` (library use, unit tests) a finished file is renamed at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use anyhow::{Context, Result};
use tempfile::TempPath;

static DEFER: AtomicBool = AtomicBool::new(false);
static PENDING: Mutex<Vec<(Temp, PathBuf)>> = Mutex::new(Vec::new());
/// Every temporary file on disk now, by registration number (for the signal watcher).
static LIVE: Mutex<Option<HashMap<u64, PathBuf>>> = Mutex::new(None);
/// Directories this run created for its outputs (`ism --npy DIR`), removed on failure if empty.
static CREATED_DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

/// A temporary output file, removed when dropped unless it was published.
pub struct Temp {
    path: Option<TempPath>,
    id: u64,
}

impl Temp {
    /// Takes charge of a temporary file just created.
    pub fn new(path: TempPath) -> Self {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        LIVE.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(HashMap::new).insert(id, path.to_path_buf());
        Temp { path: Some(path), id }
    }

    /// Renames the file to `dest` now (through links to their target; never over anything
    /// but a regular file).
    fn persist(mut self, dest: &Path) -> Result<()> {
        let path = self.path.take().expect("a Temp holds its path until persisted");
        forget(self.id);
        let dest = super::destination::replace_target(dest)?;
        path.persist(&dest).map_err(|e| e.error).with_context(|| format!("cannot write {}", dest.display()))?;
        Ok(())
    }

    /// Renames the file to `dest` now, whatever the run does next (caches, not outputs).
    pub fn persist_now(self, dest: &Path) -> Result<()> {
        self.persist(dest)
    }

    /// Publishes a finished file: renamed now, or at `commit` when commits are deferred.
    pub fn publish(self, dest: PathBuf) -> Result<()> {
        if DEFER.load(Ordering::SeqCst) {
            PENDING.lock().unwrap_or_else(|e| e.into_inner()).push((self, dest));
            Ok(())
        } else {
            self.persist(&dest)
        }
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        forget(self.id);
        // TempPath's own drop removes the file
    }
}

fn forget(id: u64) {
    if let Some(live) = LIVE.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        live.remove(&id);
    }
}

/// From now on finished outputs wait for `commit` (the CLI calls this once, first).
pub fn defer_commits() {
    DEFER.store(true, Ordering::SeqCst);
}

/// Records a directory the run created, so a failed run removes it again when it is empty.
pub fn created_dir(dir: &Path) {
    CREATED_DIRS.lock().unwrap_or_else(|e| e.into_inner()).push(dir.to_path_buf());
}

/// Renames every finished output into place (the run succeeded).
pub fn commit() -> Result<()> {
    let pending = std::mem::take(&mut *PENDING.lock().unwrap_or_else(|e| e.into_inner()));
    for (temp, dest) in pending {
        temp.persist(&dest)?;
    }
    CREATED_DIRS.lock().unwrap_or_else(|e| e.into_inner()).clear();
    Ok(())
}

/// Removes every finished output that waits (the run failed), and directories it created.
pub fn discard() {
    PENDING.lock().unwrap_or_else(|e| e.into_inner()).clear();
    remove_live();
    for dir in std::mem::take(&mut *CREATED_DIRS.lock().unwrap_or_else(|e| e.into_inner())).iter().rev() {
        let _ = std::fs::remove_dir(dir); // only when empty
    }
}

fn remove_live() {
    let paths: Vec<PathBuf> =
        LIVE.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map(|l| l.values().cloned().collect()).unwrap_or_default();
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}

/// Starts the thread that, on SIGINT, SIGTERM or SIGHUP, removes the run's temporary files
/// and exits with 128 + the signal number.
pub fn remove_temps_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else { return };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            remove_live();
            for dir in CREATED_DIRS.lock().unwrap_or_else(|e| e.into_inner()).iter().rev() {
                let _ = std::fs::remove_dir(dir);
            }
            eprintln!("xpresso: interrupted (signal {signal}): no output written");
            std::process::exit(128 + signal);
        }
    });
}
