//! TSSs from a BED6 of TSS windows, with the convention of the paper's CAGE-corrected set
//! (`hg38_promoters_cage_corrected.bed.gz`): each interval is centred on the TSS summit
//! `m = start + (end - start) / 2`, and the model window is forward `[m-7000, m+3500)` on +
//! and the reverse complement of `[m-3500, m+7000)` on -, exactly the paper's training
//! windows. On - that puts base `m-1` at window index 7000, so that is the TSS reported.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::{Strand, Tss};
use crate::input::{open_text_counted, read_error};

/// Iterator of `Tss` over a BED6 file; errors name the file and line.
pub struct BedTssReader {
    path: PathBuf,
    lines: std::io::Lines<Box<dyn BufRead + Send>>,
    line_no: u64,
}

impl BedTssReader {
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_counted(path, &Default::default())
    }

    /// `open`, adding the bytes read from the file to `read` (for a progress bar).
    pub fn open_counted(path: &Path, read: &crate::input::ByteCount) -> Result<Self> {
        Ok(BedTssReader { path: path.to_path_buf(), lines: open_text_counted(path, "BED", read)?.lines(), line_no: 0 })
    }

    fn parse(line: &str) -> Result<Tss> {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 6 {
            bail!("expected 6 tab-separated columns (BED6), found {}", f.len());
        }
        let start: u64 = f[1].parse().with_context(|| format!("start '{}' is not a non-negative integer", f[1]))?;
        let end: u64 = f[2].parse().with_context(|| format!("end '{}' is not a non-negative integer", f[2]))?;
        if end <= start {
            bail!("end {end} is not after start {start}");
        }
        let summit = start + (end - start) / 2;
        let (strand, pos) = match f[5] {
            "+" => (Strand::Plus, summit),
            "-" if summit > 0 => (Strand::Minus, summit - 1),
            "-" => bail!("a minus-strand interval {start}-{end} puts its TSS (base before the midpoint) before the chromosome start"),
            other => bail!("strand '{other}' is not + or - (a TSS needs a strand)"),
        };
        Ok(Tss {
            gene_id: f[3].to_string(),
            gene_name: f[3].to_string(),
            transcript_id: None,
            chrom: f[0].to_string(),
            pos,
            strand,
        })
    }
}

impl Iterator for BedTssReader {
    type Item = Result<Tss>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.line_no += 1;
            let line = match self.lines.next()? {
                Ok(line) => line,
                Err(e) => {
                    return Some(Err(anyhow::anyhow!(
                        "BED {} line {}: {}",
                        self.path.display(),
                        self.line_no,
                        read_error(&e)
                    )))
                }
            };
            if line.is_empty() || line.starts_with('#') || line.starts_with("track") || line.starts_with("browser") {
                continue;
            }
            return Some(Self::parse(&line).with_context(|| format!("BED {} line {}", self.path.display(), self.line_no)));
        }
    }
}
