//! Opening text inputs (GTF, BED, feature tables, FASTA for `predict`): plain, gzip or
//! bgzip by content, `-` for standard input. A truncated gzip surfaces as a read error
//! that callers report with the file and line they were at.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result};
use flate2::read::MultiGzDecoder;

/// A buffered reader over the decompressed bytes of `path` (or stdin for `-`).
pub fn open_text(path: &Path, what: &str) -> Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = if path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path).with_context(|| format!("cannot open {what} {}", path.display()))?)
    };
    let mut reader = BufReader::with_capacity(1 << 16, raw);
    let head = reader.fill_buf().with_context(|| format!("cannot read {what} {}", path.display()))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(1 << 16, MultiGzDecoder::new(reader))))
    } else {
        Ok(Box::new(reader))
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
        self.map_err(|e| if InputError::is_in(&e) { e } else { InputError(e).into() })
    }
}
