//! Plain-gzip genomes (`hg38.fa.gz` as UCSC and Ensembl serve it) cannot be read by random
//! access. They are converted once to BGZF, in the cache (`$XPRESSO_GENOME_CACHE`, else
//! `~/.cache/xpresso/genomes`), and the copy is reused while the source's size and
//! modification time are unchanged (recorded beside the copy). The copy's `.fai` and `.gzi`
//! are built at its first open, like any genome's. Compression uses every core.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::num::NonZero;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::{Context, Result};
use flate2::read::MultiGzDecoder;
use noodles::bgzf;

use crate::pipeline::Progress;

/// Where converted genomes live.
pub fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XPRESSO_GENOME_CACHE") {
        return Ok(PathBuf::from(dir));
    }
    let base = dirs::cache_dir().context("cannot find a cache directory; set XPRESSO_GENOME_CACHE")?;
    Ok(base.join("xpresso").join("genomes"))
}

/// What identifies the source: its absolute path, size and modification time.
fn stamp(source: &Path) -> Result<String> {
    let meta = std::fs::metadata(source)?;
    let mtime = meta.modified()?.duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let abs = std::fs::canonicalize(source)?;
    Ok(format!("{}\t{}\t{mtime}\n", abs.display(), meta.len()))
}

/// The BGZF copy of a plain-gzip FASTA: reused when it matches the source, else made now.
pub fn bgzf_copy(source: &Path) -> Result<PathBuf> {
    let stamp = stamp(source).with_context(|| format!("cannot read FASTA {}", source.display()))?;
    let dir = cache_dir()?;
    let key = stamp.split('\t').next().unwrap_or("").bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3));
    let stem = source.file_name().map(|n| n.to_string_lossy().trim_end_matches(".gz").to_string()).unwrap_or_default();
    let copy = dir.join(format!("{stem}.{key:016x}.bgz"));
    let stamp_path = crate::output::suffixed(&copy, "source");
    if copy.exists() && std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp) {
        log::info!("FASTA {} is plain gzip: using its BGZF copy {}", source.display(), copy.display());
        return Ok(copy);
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create the genome cache {}", dir.display()))?;
    log::info!(
        "FASTA {} is plain gzip (no random access): converting it once to BGZF at {} (reused while the source is unchanged)",
        source.display(),
        copy.display()
    );
    for stale in [crate::output::suffixed(&copy, "fai"), crate::output::suffixed(&copy, "gzi"), stamp_path.clone()] {
        let _ = std::fs::remove_file(stale);
    }
    let input = File::open(source).with_context(|| format!("cannot open FASTA {}", source.display()))?;
    let total = input.metadata()?.len();
    // shown on a terminal only, and not under -q (`progress::quiet_all`)
    let progress = Progress::new(false, Some(total), "bytes of gzip read");
    let counted = Counted { inner: input, progress: &progress };
    let mut text = MultiGzDecoder::new(BufReader::with_capacity(1 << 20, counted));
    let tmp = tempfile::Builder::new().prefix(".converting.").tempfile_in(&dir)?;
    let workers = NonZero::new(rayon::current_num_threads()).unwrap_or(NonZero::<usize>::MIN);
    let mut writer = bgzf::io::MultithreadedWriter::with_worker_count(workers, std::io::BufWriter::new(tmp.as_file().try_clone()?));
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = text.read(&mut buf).map_err(|e| crate::input::InputError::msg(format!("FASTA {}: {}", source.display(), crate::input::read_error(&e))))?;
        if n == 0 {
            break;
        }
        writer.write_all(&buf[..n]).with_context(|| format!("cannot write {}", copy.display()))?;
    }
    writer.finish()?.flush()?;
    progress.finish();
    tmp.as_file().sync_all()?;
    tmp.persist(&copy).with_context(|| format!("cannot write {}", copy.display()))?;
    std::fs::write(&stamp_path, stamp)?;
    Ok(copy)
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
