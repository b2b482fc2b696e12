//! Opening text inputs (GTF, BED, feature tables, FASTA for `predict`): plain, gzip or
//! bgzip by content, `-` for standard input, a UTF-8 byte-order mark dropped. A truncated
//! gzip surfaces as a read error that callers report with the file and line they were at;
//! a BGZF file without its end-of-file block (cut at a block boundary, so every block is
//! whole and gzip alone cannot tell) is refused before it is read, or at its end on stdin.

pub mod at;
pub mod index_check;
pub mod remote;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{bail, Context, Result};
use flate2::read::MultiGzDecoder;

/// A buffered reader over the decompressed bytes of `path` (or stdin for `-`).
pub fn open_text(path: &Path, what: &str) -> Result<Box<dyn BufRead + Send>> {
    open_text_counted(path, what, &ByteCount::default())
}

/// Bytes taken from a file so far (before decompression), shared with a progress bar.
pub type ByteCount = std::sync::Arc<std::sync::atomic::AtomicU64>;

/// `open_text`, adding the bytes read from the file to `read`.
pub fn open_text_counted(path: &Path, what: &str, read: &ByteCount) -> Result<Box<dyn BufRead + Send>> {
    let stdin = path.as_os_str() == "-";
    let remote = remote::is_url(path);
    let raw: Box<dyn Read + Send> = if stdin {
        Box::new(Counted { inner: io::stdin(), read: read.clone() })
    } else if remote {
        Box::new(Counted { inner: remote::RemoteFile::open(&path.to_string_lossy()).map_err(|e| remote_error(e, what))?, read: read.clone() })
    } else {
        Box::new(Counted { inner: File::open(path).with_context(|| format!("cannot open {what} {}", path.display()))?, read: read.clone() })
    };
    let mut reader = BufReader::with_capacity(1 << 16, raw);
    let head = reader.fill_buf().with_context(|| format!("cannot read {what} {}", path.display()))?;
    let mut text: Box<dyn BufRead + Send> = if head.starts_with(&[0x1f, 0x8b]) {
        if is_bgzf(head) {
            if stdin {
                let checked = BgzfTail { inner: reader, tail: Vec::with_capacity(2 * BGZF_EOF.len()) };
                return skip_bom(Box::new(BufReader::with_capacity(1 << 16, MultiGzDecoder::new(checked))), path, what);
            }
            match remote {
                true => check_remote_bgzf_complete(path, what)?,
                false => check_bgzf_complete(&mut File::open(path)?, path, what)?,
            }
        }
        Box::new(BufReader::with_capacity(1 << 16, MultiGzDecoder::new(reader)))
    } else {
        Box::new(reader)
    };
    text = skip_bom(text, path, what)?;
    Ok(text)
}

/// A reader that adds what it reads to a shared counter.
struct Counted<R> {
    inner: R,
    read: ByteCount,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Drops a UTF-8 byte-order mark (Excel writes one), which would otherwise glue itself to
/// the first field of the first record.
fn skip_bom(mut reader: Box<dyn BufRead + Send>, path: &Path, what: &str) -> Result<Box<dyn BufRead + Send>> {
    let head = reader.fill_buf().with_context(|| format!("cannot read {what} {}", path.display()))?;
    if head.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    Ok(reader)
}

/// Whether `head` (the first 16 bytes or more) starts a BGZF block: gzip with the `BC` extra field.
pub fn is_bgzf(head: &[u8]) -> bool {
    head.len() >= 16 && head[..2] == [0x1f, 0x8b] && head[3] & 4 != 0 && head[12..14] == *b"BC"
}

/// The empty block bgzip writes last; its absence means the file was cut short.
pub const BGZF_EOF: [u8; 28] = [
    0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0, 0x1b, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

/// A remote file that could not be opened: a failure of the run (exit 1), or of the build
/// (no `remote` feature: a usage error, exit 2), never bad input.
pub fn remote_error(e: io::Error, what: &str) -> anyhow::Error {
    if e.kind() == io::ErrorKind::Unsupported {
        return clap::Error::raw(clap::error::ErrorKind::InvalidValue, format!("{what} {e}\n")).into();
    }
    anyhow::anyhow!("{what}: {e}")
}

/// Refuses a BGZF file that does not end with the end-of-file block (as htslib warns).
pub fn check_bgzf_complete<F: Read + Seek>(file: &mut F, path: &Path, what: &str) -> Result<()> {
    let len = file.seek(SeekFrom::End(0))?;
    let mut tail = [0u8; 28];
    if len >= 28 {
        file.seek(SeekFrom::Start(len - 28))?;
        file.read_exact(&mut tail)?;
    }
    if tail != BGZF_EOF {
        bail!(
            "{what} {} is truncated: it lacks the BGZF end-of-file block (an interrupted copy or \
             download?); fetch or compress it again",
            path.display()
        );
    }
    Ok(())
}

/// [`check_bgzf_complete`] for a URL: one ranged request for its last 28 bytes (over
/// http(s) the answer is kept for the run, so checking the file again, or its index reading
/// its last block, costs no request).
pub fn check_remote_bgzf_complete(path: &Path, what: &str) -> Result<()> {
    check_bgzf_complete(&mut remote::RemoteFile::open(&path.to_string_lossy()).map_err(|e| remote_error(e, what))?, path, what)
}

/// A BGZF stream that can't be checked in advance (stdin): at its end, the last 28 bytes
/// must be the end-of-file block, else the read fails as truncated.
pub(crate) struct BgzfTail<R> {
    inner: R,
    tail: Vec<u8>,
}

impl<R> BgzfTail<R> {
    pub(crate) fn new(inner: R) -> Self {
        BgzfTail { inner, tail: Vec::with_capacity(2 * BGZF_EOF.len()) }
    }
}

impl<R: Read> Read for BgzfTail<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            if self.tail != BGZF_EOF {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "BGZF end-of-file block missing: the input is truncated"));
            }
            return Ok(0);
        }
        self.tail.extend_from_slice(&buf[..n]);
        if self.tail.len() > BGZF_EOF.len() {
            self.tail.drain(..self.tail.len() - BGZF_EOF.len());
        }
        Ok(n)
    }
}

/// Describes a read error in the middle of a file, naming the most likely cause.
pub fn read_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => format!("truncated or corrupt gzip stream ({e})"),
        io::ErrorKind::InvalidData => format!("corrupt data ({e})"),
        _ => e.to_string(),
    }
}

/// An error in what the user gave (a missing or malformed file, a REF that is not the
/// genome's, an unknown gene or chromosome), as opposed to a failure of the run itself.
/// The CLI exits with status 3 for these, so a workflow engine can tell "fix the inputs"
/// from "retry the job".
#[derive(Debug)]
pub struct InputError(anyhow::Error);

impl InputError {
    /// A new input error with this message.
    pub fn msg(message: impl std::fmt::Display) -> anyhow::Error {
        InputError(anyhow::anyhow!("{message}")).into()
    }

    /// Whether `e` is, or wraps, an input error.
    pub fn is_in(e: &anyhow::Error) -> bool {
        e.chain().any(|c| c.is::<InputError>())
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for InputError {}

/// Marks the error of a result as an input error (see [`InputError`]).
pub trait OrInput<T> {
    fn input(self) -> Result<T>;
}

impl<T> OrInput<T> for Result<T> {
    fn input(self) -> Result<T> {
        // a network failure (remote::failed) and a usage error stay what they are
        self.map_err(|e| if InputError::is_in(&e) || remote::failed() || e.is::<clap::Error>() { e } else { InputError(e).into() })
    }
}

thread_local! {
    static CONTAINED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a library decoder on untrusted bytes; a panic inside it (a bug of the library on a
/// corrupt file) becomes an error instead of a crash. The panic message is kept out of
/// stderr (see `quiet_contained_panics`); callers add the file and record.
pub fn contain<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    CONTAINED.with(|c| c.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(false));
    result.unwrap_or_else(|panic| {
        let what = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
        Err(anyhow::anyhow!("the decoder failed on corrupt data ({})", what.unwrap_or_else(|| "panic".into())))
    })
}

/// Installs a panic hook that stays silent for panics that `contain` turns into errors and
/// reports every other one as before.
pub fn quiet_contained_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !CONTAINED.with(|c| c.get()) {
            default(info);
        }
    }));
}

/// At most `max` characters of `text`, with `...` when cut (for quoting input in messages).
pub fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}
