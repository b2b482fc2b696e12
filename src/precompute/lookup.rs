//! Reading a precompute table back by position (`score-variants --precomputed`). Before one
//! row is trusted the table must be what it says: bgzip with its end-of-file block (not
//! truncated), a tabix index beside it that is not older than it and ends where its data
//! ends, and `##` provenance naming the run's model (sha256), genome (sha256 of its contig
//! names and lengths), window rule and features (sha256 of their content). Each row is read
//! through the index by this module (not noodles' query), so every way a row can lie is an
//! input error naming the table and the row: a chunk that does not start a row (an index of
//! another table), bytes that are not text, a value not written with 6 decimals (NaN), a
//! delta that is not exactly `alt_prediction - ref_prediction` as written, two rows for one
//! SNV and TSS that disagree. The scorer then compares each row's `check` with its own
//! (`precompute::tss_check`) and its ref_prediction with the one it computes.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::Result;
use noodles::bgzf::{self, VirtualPosition};
use noodles::core::region::Interval;
use noodles::core::Position;
use noodles::csi::BinningIndex;

use crate::input::at::At;
use crate::input::InputError;
use crate::model::arch::N_FEATURES;
use crate::output::suffixed;
use crate::input::index_check;

/// The 28-byte BGZF end-of-file block every complete bgzip file ends with.
const BGZF_EOF: [u8; 28] = [0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 0x06, 0, 0x42, 0x43, 0x02, 0, 0x1b, 0, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/// What the run must agree on with the table.
pub struct Expected<'a> {
    pub model_sha256: &'a str,
    pub genome_contigs_sha256: &'a str,
    pub window: &'a str,
    /// `FeatureJoin::sha256` of the run's features (`none` without a table).
    pub features_sha256: &'a str,
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
    /// The TSS's `check` (`precompute::tss_check`).
    pub check: String,
}

impl TableRow {
    /// The SNV and TSS the row is for (two rows with one key must agree).
    fn key(&self) -> (u8, &str, Option<&str>, bool, u64) {
        (self.alt, &self.gene_id, self.transcript_id.as_deref(), self.plus, self.tss_pos)
    }
}

pub struct Precomputed {
    path: PathBuf,
    index_path: PathBuf,
    index: noodles::tabix::Index,
    reader: bgzf::io::Reader<File>,
    raw: At,
    raw_len: u64,
    model_sha256: String,
    line: Vec<u8>,
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
        let index = crate::input::contain(|| Ok(noodles::tabix::fs::read(&index_path)?))
            .map_err(|e| bad(format!("cannot read its index {}: {e:#}", index_path.display())))?;
        let mut raw = At::Local(File::open(path)?);
        let raw_len = raw.len()?;
        index_check::check_covers(&mut raw, &index, path, &index_path, &fix(path))?;
        let header = read_header(path)?;
        let meta = |key: &str| header.iter().find_map(|l| l.strip_prefix(&format!("##{key}=")));
        if header.last().map(String::as_str) != Some(super::COLUMNS) {
            return Err(bad("not an xpresso precompute table of this version: its header lacks the column line ending in `check` (a shard other than the first has none: join the shards as docs/precompute.md says; a table of xpresso < 0.2 must be made again)".into()));
        }
        for (key, want) in [("model_sha256", expected.model_sha256), ("genome_contigs_sha256", expected.genome_contigs_sha256), ("window", expected.window), ("features_sha256", expected.features_sha256)] {
            match meta(key) {
                Some(got) if got == want => {}
                got => {
                    let what = match key {
                        "model_sha256" => "another model",
                        "genome_contigs_sha256" => "another genome (its contig names or lengths differ: another assembly or naming?)",
                        "features_sha256" => "other half-life features (another --features table, or none where this run has one)",
                        _ => "another window rule",
                    };
                    return Err(bad(format!("made with {what}: its {key} is {}, this run's {want}; make the table with this run's inputs", got.unwrap_or("missing"))));
                }
            }
        }
        let reader = bgzf::io::Reader::new(File::open(path)?);
        Ok(Precomputed { path: path.to_path_buf(), index_path, index, reader, raw, raw_len, model_sha256: expected.model_sha256.to_string(), line: Vec::new(), cached: None })
    }

    /// The table's file, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The `check` this run's inputs give a TSS window (`precompute::tss_check`).
    pub fn check_of(&self, window: &[u8], features: &[f32; N_FEATURES]) -> String {
        super::tss_check(&self.model_sha256, window, features)
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

    fn mismatch(&self, what: &str) -> anyhow::Error {
        index_check::mismatch_fixed(&self.path, &self.index_path, &fix(&self.path), what)
    }

    fn query(&mut self, chrom: &str, pos: u64) -> Result<Vec<TableRow>> {
        let Some(id) = self.index.header().and_then(|h| h.reference_sequence_names().get_index_of(chrom.as_bytes())) else {
            return Ok(Vec::new());
        };
        let at = Position::try_from(pos as usize)?;
        let chunks = self.index.query(id, Interval::from(at..=at)).map_err(|e| self.mismatch(&format!("{e}")))?;
        let mut rows = Vec::new();
        for chunk in chunks {
            self.read_chunk(chunk.start(), chunk.end(), chrom, pos, &mut rows)?;
        }
        self.check_position(chrom, pos, &rows)?;
        Ok(rows)
    }

    /// Reads the rows at `pos` from one chunk the index gave (rows before it are passed over).
    fn read_chunk(&mut self, start: VirtualPosition, end: VirtualPosition, chrom: &str, pos: u64, rows: &mut Vec<TableRow>) -> Result<()> {
        let shown = self.path.display().to_string();
        let corrupt = |e: std::io::Error| -> anyhow::Error {
            match e.kind() {
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof => InputError::msg(format!("{shown}: a corrupt BGZF block ({}): the table is damaged; make or download it again", crate::input::read_error(&e))),
                _ => anyhow::anyhow!("{shown}: cannot read: {}", crate::input::read_error(&e)),
            }
        };
        if !index_check::is_block_start(&mut self.raw, start, self.raw_len)? {
            return Err(self.mismatch(&format!("a chunk starts at byte {} (+{}), which is not inside a BGZF block of the file", start.compressed(), start.uncompressed())));
        }
        if start.uncompressed() > 0 {
            let before = VirtualPosition::try_from((start.compressed(), start.uncompressed() - 1)).expect("inside the block");
            self.reader.seek(before).map_err(corrupt)?;
            let mut byte = [0u8; 1];
            self.reader.read_exact(&mut byte).map_err(corrupt)?;
            if byte[0] != b'\n' {
                return Err(self.mismatch(&format!("a chunk starts inside a row, at byte {} (+{})", start.compressed(), start.uncompressed())));
            }
        } else {
            self.reader.seek(start).map_err(corrupt)?;
        }
        let mut first = true;
        while self.reader.virtual_position() < end {
            self.line.clear();
            if self.reader.read_until(b'\n', &mut self.line).map_err(corrupt)? == 0 {
                return Err(self.mismatch("a chunk reaches past the end of the data"));
            }
            let Ok(text) = std::str::from_utf8(&self.line) else {
                return Err(InputError::msg(format!("{shown}: a row near {chrom}:{pos} is not UTF-8 text: the table is damaged; make or download it again")));
            };
            let text = text.strip_suffix('\n').unwrap_or(text);
            let mut fields = text.splitn(3, '\t');
            let (c, p) = (fields.next().unwrap_or(""), fields.next().and_then(|p| p.parse::<u64>().ok()));
            if first && (c != chrom || p.is_none()) {
                let found = crate::input::shorten(text, 60);
                return Err(self.mismatch(&format!("where it points for {chrom}:{pos} the table has '{}'", found)));
            }
            first = false;
            match p {
                Some(p) if c == chrom && p == pos => rows.push(parse_row(text).map_err(|why| InputError::msg(format!("{shown}: the row at {chrom}:{pos} {why}: {}", crate::input::shorten(text, 120))))?),
                Some(p) if c == chrom && p > pos => break, // sorted: nothing more at pos in this chunk
                Some(_) if c == chrom => {}
                _ => return Err(InputError::msg(format!("{shown}: a row near {chrom}:{pos} does not start with a chromosome and position: {}", crate::input::shorten(text, 120)))),
            }
        }
        Ok(())
    }

    /// The rows of one position agree: one REF, and at most one set of values per SNV and TSS.
    fn check_position(&self, chrom: &str, pos: u64, rows: &[TableRow]) -> Result<()> {
        let shown = self.path.display();
        if let Some(other) = rows.iter().find(|r| r.reference_base != rows[0].reference_base) {
            return Err(InputError::msg(format!("{shown}: its rows at {chrom}:{pos} disagree on REF ({} and {})", rows[0].reference_base as char, other.reference_base as char)));
        }
        let mut seen: HashMap<_, &TableRow> = HashMap::new();
        for r in rows {
            if let Some(earlier) = seen.insert(r.key(), r) {
                if earlier != r {
                    return Err(InputError::msg(format!(
                        "{shown}: two rows at {chrom}:{pos} for {}>{} and {} ({} TSS {}) disagree (delta {:.6} and {:.6}): shards joined twice, or joined from runs on other inputs?",
                        r.reference_base as char, r.alt as char, r.gene_id, if r.plus { '+' } else { '-' }, r.tss_pos, earlier.delta, r.delta
                    )));
                }
            }
        }
        Ok(())
    }
}

/// The command that rebuilds a table's index.
fn fix(path: &Path) -> String {
    format!("tabix -f -s1 -b2 -e2 {}", path.display())
}

/// The `#` lines at the top of the table.
fn read_header(path: &Path) -> Result<Vec<String>> {
    let shown = path.display();
    let mut header = Vec::new();
    let mut text = bgzf::io::Reader::new(File::open(path)?);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = text.read_until(b'\n', &mut line).map_err(|e| InputError::msg(format!("{shown}: cannot read its header: {}", crate::input::read_error(&e))))?;
        if n == 0 || !line.starts_with(b"#") {
            return Ok(header);
        }
        let Ok(l) = std::str::from_utf8(&line) else {
            return Err(InputError::msg(format!("{shown}: header line {} is not UTF-8 text", header.len() + 1)));
        };
        header.push(l.trim_end().to_string());
    }
}

/// One row's 13 columns, each checked; the reason it is refused otherwise.
fn parse_row(line: &str) -> Result<TableRow, String> {
    let f: Vec<&str> = line.split('\t').collect();
    if f.len() != 13 {
        return Err(format!("has {} columns, not 13", f.len()));
    }
    let base = |s: &str, what: &str| match s.as_bytes() {
        [b @ (b'A' | b'C' | b'G' | b'T')] => Ok(*b),
        _ => Err(format!("has {what} '{s}', not one of A, C, G, T")),
    };
    // values as xpresso writes them: exactly 6 decimals (NaN, inf, 1e-3 are not)
    let number = |s: &str, what: &str| -> Result<i64, String> { super::parse_micros(s).ok_or_else(|| format!("has {what} '{s}', not a finite number with 6 decimals")) };
    let (reference_base, alt) = (base(f[2], "ref")?, base(f[3], "alt")?);
    if alt == reference_base {
        return Err("has alt equal to ref".into());
    }
    let plus = match f[7] {
        "+" => true,
        "-" => false,
        s => return Err(format!("has strand '{s}'")),
    };
    let tss_pos = f[8].parse::<u64>().map_err(|_| format!("has tss_pos '{}'", f[8]))?;
    let (reference, prediction, delta) = (number(f[9], "ref_prediction")?, number(f[10], "alt_prediction")?, number(f[11], "delta")?);
    if delta != prediction - reference {
        return Err(format!("has delta {} where alt_prediction - ref_prediction is {}", f[11], super::format_micros(prediction - reference)));
    }
    if f[12].len() != 16 || !f[12].bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("has check '{}', not 16 hex digits", f[12]));
    }
    if f[4].is_empty() {
        return Err("has an empty gene_id".into());
    }
    Ok(TableRow {
        reference_base,
        alt,
        gene_id: f[4].to_string(),
        transcript_id: (f[6] != ".").then(|| f[6].to_string()),
        plus,
        tss_pos,
        // parsed as f32 directly (not through f64): the value score-variants prints again
        reference: f[9].parse().map_err(|_| "has an unreadable ref_prediction".to_string())?,
        prediction: f[10].parse().map_err(|_| "has an unreadable alt_prediction".to_string())?,
        delta: f[11].parse().map_err(|_| "has an unreadable delta".to_string())?,
        check: f[12].to_string(),
    })
}
