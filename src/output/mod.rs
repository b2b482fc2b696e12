//! Output files. Every file is written to a temporary file beside its destination and renamed
//! into place only when the run succeeds, so a failed run never leaves a half file that looks
//! complete. `-` is standard output; a `.gz`/`.bgz` name is bgzip-compressed (gzip-compatible,
//! and tabix can index it).

pub mod destination;
pub mod guard;
pub mod staging;
pub mod track;

use std::fs::File;
use std::io::{self, BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use noodles::bgzf;
use destination::Destination;
use staging::Temp;

enum Sink {
    Plain(BufWriter<File>),
    Bgzf(bgzf::io::Writer<BufWriter<File>>),
    /// bgzip on several threads (blocks deflated in parallel, written in order): for
    /// outputs not indexed while written, which need no virtual positions.
    BgzfThreads(bgzf::io::MultithreadedWriter<BufWriter<File>>),
    Stdout(BufWriter<Stdout>),
}

/// Threads that deflate bgzip outputs (`-t/--threads`, as bcftools' `--threads`), set once by
/// the CLI; one (the default) deflates on the writing thread.
static COMPRESSION_THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// Most compression threads: past a few, deflate outruns anything xpresso writes.
const MAX_COMPRESSION_THREADS: usize = 8;

pub fn set_compression_threads(n: usize) {
    let _ = COMPRESSION_THREADS.set(n.clamp(1, MAX_COMPRESSION_THREADS));
}

/// A file being written; call `finish` to publish it (see `staging`: all outputs of a run
/// appear together). Dropping it unfinished removes it. A name of a descriptor
/// (`/dev/stdout`, `/dev/fd/N`) writes to it, an existing non-regular destination
/// (`/dev/null`, a FIFO) is written in place, a symbolic link is written through to its
/// target (see `destination`). Write errors name the destination.
pub struct Output {
    sink: Sink,
    /// Temporary file and final destination; `None` when written in place.
    publish: Option<(Temp, PathBuf)>,
    /// What write errors name (`standard output` for `-`).
    name: String,
}

impl Output {
    /// Starts writing `path` (`-` for stdout); a bgzip output deflates on the compression
    /// threads (`set_compression_threads`).
    pub fn create(path: &Path) -> Result<Self> {
        Self::create_with(path, COMPRESSION_THREADS.get().copied().unwrap_or(1))
    }

    /// Starts writing `path` with `virtual_position` answered (one compression thread), for a
    /// file indexed while it is written.
    pub fn create_indexed(path: &Path) -> Result<Self> {
        Self::create_with(path, 1)
    }

    fn create_with(path: &Path, threads: usize) -> Result<Self> {
        let name = path.display().to_string();
        let in_place = |file: File| Ok(Output { sink: Sink::Plain(BufWriter::new(file)), publish: None, name: name.clone() });
        let target = match destination::resolve(path)? {
            Destination::Stdout => return Ok(Output { sink: Sink::Stdout(BufWriter::new(io::stdout())), publish: None, name: "standard output".into() }),
            Destination::Descriptor(fd) => return in_place(destination::open_descriptor(fd, path)?),
            Destination::InPlace(p) => {
                // /dev/null, a FIFO: write in place, never rename over it
                return in_place(std::fs::OpenOptions::new().write(true).open(&p).with_context(|| format!("cannot open {}", path.display()))?);
            }
            Destination::Replace(p) => p,
        };
        let file_name = target.file_name().with_context(|| format!("output path {} has no file name", path.display()))?;
        let (file, tmp) = temp_beside(&target, &format!(".{}.", file_name.to_string_lossy()))?;
        let buffered = BufWriter::with_capacity(1 << 16, file);
        let sink = match std::num::NonZero::new(threads).filter(|n| n.get() > 1) {
            _ if !is_compressed_name(path) => Sink::Plain(buffered),
            Some(n) => Sink::BgzfThreads(bgzf::io::MultithreadedWriter::with_worker_count(n, buffered)),
            None => Sink::Bgzf(bgzf::io::Writer::new(buffered)),
        };
        Ok(Output { sink, publish: Some((tmp, target)), name })
    }

    /// Whether the bytes written are bgzip-compressed here.
    pub fn is_bgzf(&self) -> bool {
        matches!(self.sink, Sink::Bgzf(_) | Sink::BgzfThreads(_))
    }

    /// Where the next byte goes in the BGZF stream (for a tabix index built while writing);
    /// `None` when the output is not bgzip-compressed or was not made by `create_indexed`.
    pub fn virtual_position(&self) -> Option<bgzf::VirtualPosition> {
        match &self.sink {
            Sink::Bgzf(w) => Some(w.virtual_position()),
            _ => None,
        }
    }

    /// Flushes everything and renames the file into place.
    pub fn finish(self) -> Result<()> {
        let name = self.name;
        let named = |e: io::Error| named_error(e, &name);
        let file = match self.sink {
            Sink::Plain(w) => Some(w.into_inner().map_err(|e| named(e.into_error()))?),
            Sink::Bgzf(w) => Some(w.finish().map_err(named)?.into_inner().map_err(|e| named(e.into_error()))?),
            Sink::BgzfThreads(mut w) => Some(w.finish().map_err(named)?.into_inner().map_err(|e| named(e.into_error()))?),
            Sink::Stdout(mut w) => {
                w.flush().map_err(named)?;
                None
            }
        };
        if let (Some(file), Some((tmp, dest))) = (file, self.publish) {
            file.sync_all().map_err(named)?;
            tmp.publish(dest)?;
        }
        Ok(())
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Plain(w) => w.write(buf),
            Sink::Bgzf(w) => w.write(buf),
            Sink::BgzfThreads(w) => w.write(buf),
            Sink::Stdout(w) => w.write(buf),
        }
        .map_err(|e| named_error(e, &self.name))
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Plain(w) => w.flush(),
            Sink::Bgzf(w) => w.flush(),
            Sink::BgzfThreads(w) => w.flush(),
            Sink::Stdout(w) => w.flush(),
        }
        .map_err(|e| named_error(e, &self.name))
    }
}

/// The same error (its kind kept: a closed pipe stays a closed pipe) saying which output.
fn named_error(e: io::Error, name: &str) -> io::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return e;
    }
    io::Error::new(e.kind(), format!("cannot write {name}: {e}"))
}

/// A new hidden temporary file beside `dest` (`PREFIXxxxx.partial`), under `staging`'s care.
pub(crate) fn temp_beside(dest: &Path, prefix: &str) -> Result<(File, Temp)> {
    let dir = dest.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(prefix)
        .suffix(".partial")
        .permissions(default_permissions())
        .tempfile_in(dir)
        .with_context(|| format!("cannot create output file in {}", dir.display()))?;
    let (file, path) = tmp.into_parts();
    Ok((file, Temp::new(path)))
}

/// `PATH.suffix` (a prefix plus a suffix, or a file plus an index extension), keeping any directory.
pub fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

pub(crate) fn is_compressed_name(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("gz" | "bgz"))
}

/// rw for everyone, less the umask (applied when the file is created), as for any new file;
/// a temporary file would otherwise keep its private 0600 after the rename.
pub(crate) fn default_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o666)
}
