//! Reading a precompute table back by position (`score-variants --precomputed`). Before one
//! row is trusted the table must be what it says: bgzip with its end-of-file block (not
//! truncated), a tabix index beside it that is not older than it, and `##` provenance naming
//! the run's model (sha256), genome (sha256 of its contig names and lengths), window rule
//! and features. Each is a clear input error naming the file.

use std::fs::File;
use std::io::{BufRead, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use noodles::bgzf;
use noodles::core::{Position, Region};
use noodles::csi::{self, BinningIndex};

use crate::input::InputError;
use crate::output::suffixed;

/// The 28-byte BGZF end-of-file block every complete bgzip file ends with.
const BGZF_EOF: [u8; 28] = [0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 0x06, 0, 0x42, 0x43, 0x02, 0, 0x1b, 0, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/// What the run must agree on with the table.
pub struct Expected<'a> {
    pub model_sha256: &'a str,
    pub genome_contigs_sha256: &'a str,
    pub window: &'a str,
    /// The run's `features: ...` provenance line.
    pub features: &'a str,
}

/// One row of the table at a position.
#[derive(Clone, Debug, PartialEq)]
pub struct TableRow {
    /// REF as the genome the table was made on has it.
    pub reference_base: u8,
    pub alt: u8,
    pub gene_id: String,
    pub transcript_id: Option<String>,
    pub plus: bool,
    /// 1-based TSS base.
    pub tss_pos: u64,
    pub reference: f32,
    pub prediction: f32,
    pub delta: f32,
}

pub struct Precomputed {
    path: PathBuf,
    reader: csi::io::IndexedReader<bgzf::io::Reader<File>, noodles::tabix::Index>,
    /// Rows of the last position asked for.
    cached: Option<(String, u64, Vec<TableRow>)>,
}

impl Precomputed {
    pub fn open(path: &Path, expected: &Expected<'_>) -> Result<Self> {
        let shown = path.display();
        let bad = |why: String| InputError::msg(format!("{shown}: {why}"));
        let mut file = File::open(path).map_err(|e| bad(format!("cannot open the precomputed table: {e}")))?;
        let len = file.metadata()?.len();
        let mut tail = [0u8; 28];
        if len < 28 || file.seek(SeekFrom::End(-28)).and_then(|_| file.read_exact(&mut tail)).is_err() || tail != BGZF_EOF {
            return Err(bad("truncated or not bgzip: it does not end with the BGZF end-of-file block (xpresso precompute writes one)".into()));
        }
        let index_path = suffixed(path, "tbi");
        if !index_path.is_file() {
            return Err(bad(format!("no tabix index {} beside it: index it (tabix -s1 -b2 -e2 {shown})", index_path.display())));
        }
        if crate::genome::index::is_older(&index_path, path) {
            return Err(bad(format!("its index {} is older than the table: the table changed since it was indexed; run tabix -f -s1 -b2 -e2 {shown}", index_path.display())));
        }
        let index = noodles::tabix::fs::read(&index_path).map_err(|e| bad(format!("cannot read its index {}: {e}", index_path.display())))?;
        // the `##` lines
        let mut header = Vec::new();
        let mut text = bgzf::io::Reader::new(File::open(path)?);
        let mut line = String::new();
        loop {
            line.clear();
            if text.read_line(&mut line).map_err(|e| bad(format!("cannot read its header: {e}")))? == 0 || !line.starts_with('#') {
                break;
            }
            header.push(line.trim_end().to_string());
        }
        let meta = |key: &str| header.iter().find_map(|l| l.strip_prefix(&format!("##{key}=")));
        if header.last().map(String::as_str) != Some(crate::pipeline::precompute::COLUMNS) {
            return Err(bad("not an xpresso precompute table: its header lacks the column line (a shard other than the first has none: join the shards first)".into()));
        }
        for (key, want) in [("model_sha256", expected.model_sha256), ("genome_contigs_sha256", expected.genome_contigs_sha256), ("window", expected.window)] {
            match meta(key) {
                Some(got) if got == want => {}
                got => {
                    let what = match key {
                        "model_sha256" => "another model",
                        "genome_contigs_sha256" => "another genome (its contig names or lengths differ: another assembly or naming?)",
                        _ => "another window rule",
                    };
                    return Err(bad(format!("made with {what}: its {key} is {}, this run's {want}; make the table with this run's inputs", got.unwrap_or("missing"))));
                }
            }
        }
        let features = header.iter().find_map(|l| l.strip_prefix("##features: ")).unwrap_or("missing");
        if Some(features) != expected.features.strip_prefix("features: ") {
            return Err(bad(format!("made with other half-life features ({features}); this run: {}", expected.features)));
        }
        let reader = csi::io::IndexedReader::new(File::open(path)?, index);
        Ok(Precomputed { path: path.to_path_buf(), reader, cached: None })
    }

    /// The table's file, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rows at 1-based `pos` of `chrom` (none when the table has none there).
    pub fn rows_at(&mut self, chrom: &str, pos: u64) -> Result<&[TableRow]> {
        let hit = matches!(&self.cached, Some((c, p, _)) if c == chrom && *p == pos);
        if !hit {
            let rows = self.query(chrom, pos)?;
            self.cached = Some((chrom.to_string(), pos, rows));
        }
        Ok(&self.cached.as_ref().expect("filled above").2)
    }

    fn query(&mut self, chrom: &str, pos: u64) -> Result<Vec<TableRow>> {
        let shown = self.path.display().to_string();
        let known = self.reader.index().header().is_some_and(|h| h.reference_sequence_names().contains(chrom.as_bytes()));
        if !known {
            return Ok(Vec::new());
        }
        let at = Position::try_from(pos as usize)?;
        let region = Region::new(chrom, at..=at);
        let mut rows = Vec::new();
        for record in self.reader.query(&region).with_context(|| format!("{shown}: cannot read {chrom}:{pos} through its index"))? {
            let record = record.with_context(|| format!("{shown}: cannot read {chrom}:{pos}"))?;
            let line: &str = record.as_ref();
            let f: Vec<&str> = line.split('\t').collect();
            let parsed = (|| {
                if f.len() != 12 || f[1].parse::<u64>().ok()? != pos || f[2].len() != 1 || f[3].len() != 1 {
                    return None;
                }
                Some(TableRow {
                    reference_base: f[2].as_bytes()[0],
                    alt: f[3].as_bytes()[0],
                    gene_id: f[4].to_string(),
                    transcript_id: (f[6] != ".").then(|| f[6].to_string()),
                    plus: f[7] == "+",
                    tss_pos: f[8].parse().ok()?,
                    reference: f[9].parse().ok()?,
                    prediction: f[10].parse().ok()?,
                    delta: f[11].parse().ok()?,
                })
            })();
            rows.push(parsed.ok_or_else(|| InputError::msg(format!("{shown}: a row at {chrom}:{pos} is not 12 columns of chrom, pos, ref, alt, ..., delta: {line}")))?);
        }
        Ok(rows)
    }
}
