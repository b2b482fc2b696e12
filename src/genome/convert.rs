//! Plain-gzip genomes (`hg38.fa.gz` as UCSC and Ensembl serve it) cannot be read by random
//! access. They are converted once to BGZF, in the cache (`$XPRESSO_GENOME_CACHE`, else
//! `~/.cache/xpresso/genomes`; set but empty counts as unset, as XDG variables do). The rules:
//!
//! - a copy is reused only while its stamp (`COPY.source`) matches both the source (path,
//!   size, modification time) and the copy itself (size, modification time): a copy cut short,
//!   replaced or touched since is converted again;
//! - one run converts at a time: a lock file (`COPY.lock`) is held while the copy is checked,
//!   written and indexed, so a second run waits and then reuses it;
//! - the copy and its indexes get the usual permissions (0666 less umask), so a shared cache
//!   serves every user;
//! - the temporary file is under `output::staging`'s care: SIGINT/SIGTERM remove it;
//! - a cache that cannot be created or written is a failure of the run (exit 1) that says how
//!   to move it; only a source that does not decompress is bad input (exit 3).

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::num::NonZero;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::{Context, Result};
use flate2::read::MultiGzDecoder;
use noodles::bgzf;

use crate::pipeline::Progress;

const MOVE_IT: &str = "set XPRESSO_GENOME_CACHE to a writable directory, or compress the genome with `bgzip` so it needs no copy";

/// Where converted genomes live.
pub fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XPRESSO_GENOME_CACHE").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let base = dirs::cache_dir().with_context(|| format!("cannot find a cache directory for the BGZF copy of a plain-gzip genome (HOME unset?): {MOVE_IT}"))?;
    Ok(base.join("xpresso").join("genomes"))
}

/// What identifies the source: its absolute path, size and modification time.
fn source_stamp(source: &Path) -> Result<String> {
    let meta = std::fs::metadata(source)?;
    let mtime = meta.modified()?.duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let abs = std::fs::canonicalize(source)?;
    Ok(format!("{}\t{}\t{mtime}\n", abs.display(), meta.len()))
}

/// What identifies the copy as written: size, modification time and inode.
fn copy_stamp(copy: &Path) -> Option<String> {
    let meta = std::fs::metadata(copy).ok()?;
    let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    Some(format!("copy\t{}\t{mtime}\t{}\n", meta.len(), meta.ino()))
}

/// The BGZF copy of a plain-gzip FASTA and the lock that keeps other runs from rewriting it
/// while it is opened (drop it once the copy's indexes are built).
pub struct Copy {
    pub path: PathBuf,
    _lock: File,
}

impl Copy {
    /// Removes the copy, its indexes and its stamp (before converting again).
    fn discard(&self) {
        for p in [self.path.clone(), crate::output::suffixed(&self.path, "fai"), crate::output::suffixed(&self.path, "gzi"), crate::output::suffixed(&self.path, "source")] {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Where the copy of `source` lives, and the paths beside it.
fn copy_path(source: &Path, dir: &Path) -> Result<PathBuf> {
    let abs = std::fs::canonicalize(source).with_context(|| format!("cannot read FASTA {}", source.display()))?;
    let key = abs.to_string_lossy().bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3));
    let stem = source.file_name().map(|n| n.to_string_lossy().trim_end_matches(".gz").to_string()).unwrap_or_default();
    Ok(dir.join(format!("{stem}.{key:016x}.bgz")))
}

/// The BGZF copy of a plain-gzip FASTA: reused when its stamp matches, else made now.
pub fn bgzf_copy(source: &Path) -> Result<Copy> {
    let stamp = source_stamp(source).with_context(|| format!("cannot read FASTA {}", source.display()))?;
    let dir = cache_dir()?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create the genome cache {} for the BGZF copy of {}: {MOVE_IT}", dir.display(), source.display()))?;
    let copy = copy_path(source, &dir)?;
    let lock_path = crate::output::suffixed(&copy, "lock");
    let lock = open_lock(&lock_path).with_context(|| format!("cannot write in the genome cache {}: {MOVE_IT}", dir.display()))?;
    if lock.try_lock().is_err() {
        log::info!("another xpresso run is converting {}: waiting for it", source.display());
        lock.lock().with_context(|| format!("cannot lock {}", lock_path.display()))?;
    }
    let stamp_path = crate::output::suffixed(&copy, "source");
    let recorded = std::fs::read_to_string(&stamp_path).unwrap_or_default();
    if copy_stamp(&copy).is_some_and(|c| recorded == format!("{stamp}{c}")) {
        log::info!("FASTA {} is plain gzip: using its BGZF copy {}", source.display(), copy.display());
        return Ok(Copy { path: copy, _lock: lock });
    }
    if copy.exists() {
        log::info!("the BGZF copy {} does not match its stamp (changed or cut short since it was made): converting again", copy.display());
    }
    log::info!(
        "FASTA {} is plain gzip (no random access): converting it once to BGZF at {} (reused while the source is unchanged)",
        source.display(),
        copy.display()
    );
    let result = Copy { path: copy, _lock: lock };
    result.discard();
    convert(source, &result.path, &dir)?;
    let copy_stamp = copy_stamp(&result.path).context("the BGZF copy vanished")?;
    // the stamp appears whole or not at all
    let (mut file, tmp) = crate::output::temp_beside(&stamp_path, ".stamp.")?;
    file.write_all(format!("{stamp}{copy_stamp}").as_bytes())?;
    tmp.persist_now(&stamp_path)?;
    Ok(result)
}

/// The lock file of a copy, shared by every user of the cache: created 0666 whatever the
/// umask (it holds nothing), and opened read-only where another user made it without giving
/// write access (a lock needs no write access: `flock` takes a read-only descriptor).
fn open_lock(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new().create_new(true).write(true).mode(0o666).open(path) {
        Ok(file) => {
            let _ = file.set_permissions(std::fs::Permissions::from_mode(0o666));
            Ok(file)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => File::open(path),
        Err(e) => Err(e),
    }
}

/// Decompresses `source` and writes it as BGZF to `dest` through a temporary file.
fn convert(source: &Path, dest: &Path, dir: &Path) -> Result<()> {
    let input = File::open(source).with_context(|| format!("cannot open FASTA {}", source.display()))?;
    let total = input.metadata()?.len();
    // shown on a terminal only, and not under -q (`progress::quiet_all`)
    let progress = Progress::new(false, Some(total), "bytes of gzip read");
    let counted = Counted { inner: input, progress: &progress };
    let mut text = MultiGzDecoder::new(BufReader::with_capacity(1 << 20, counted));
    let (file, tmp) = crate::output::temp_beside(dest, ".converting.").with_context(|| format!("cannot write in the genome cache {}: {MOVE_IT}", dir.display()))?;
    let cannot = || format!("cannot write the BGZF copy {} (disk full?): {MOVE_IT}", dest.display());
    let workers = NonZero::new(rayon::current_num_threads()).unwrap_or(NonZero::<usize>::MIN);
    let mut writer = bgzf::io::MultithreadedWriter::with_worker_count(workers, std::io::BufWriter::new(file.try_clone()?));
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = text.read(&mut buf).map_err(|e| crate::input::InputError::msg(format!("FASTA {}: {}", source.display(), crate::input::read_error(&e))))?;
        if n == 0 {
            break;
        }
        writer.write_all(&buf[..n]).with_context(cannot)?;
    }
    writer.finish().with_context(cannot)?.flush().with_context(cannot)?;
    progress.finish();
    file.sync_all().with_context(cannot)?;
    tmp.persist_now(dest).with_context(cannot)?;
    Ok(())
}

/// A reader that advances a progress bar by the bytes it reads.
struct Counted<'a, R> {
    inner: R,
    progress: &'a Progress,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}
