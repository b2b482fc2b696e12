//! A sorted, bgzip-compressed TSV written with its tabix index (`.tbi`; sequence column 1,
//! begin and end column 2, `#` lines skipped), as `tabix -s1 -b2 -e2` would build it. The
//! index is built from the BGZF virtual positions of each line while it is written, so the
//! table is never read back; both files are outputs of the run (they appear together).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use noodles::core::Position;
use noodles::csi::binning_index::index::header;
use noodles::csi::binning_index::index::reference_sequence::bin::Chunk;
use noodles::tabix;

use crate::output::{suffixed, Output};

/// Writes rows in (chromosome, position) order and indexes them.
pub struct IndexedTable {
    out: Output,
    indexer: tabix::index::Indexer,
    index_path: PathBuf,
    /// The chromosome and position of the last row, to refuse rows out of order.
    last: Option<(String, u64)>,
    pub rows: u64,
}

impl IndexedTable {
    /// Starts `path` (it must end in `.gz` or `.bgz`: tabix reads bgzip only) and `path.tbi`.
    pub fn create(path: &Path) -> Result<Self> {
        let out = Output::create_indexed(path)?;
        if out.virtual_position().is_none() {
            bail!("{}: a tabix-indexed table must be bgzip-compressed: name it .gz (or .bgz), not standard output or a plain file", path.display());
        }
        let mut indexer = tabix::index::Indexer::default();
        indexer.set_header(header::Builder::gff().set_start_position_index(1).set_end_position_index(Some(1)).build());
        Ok(IndexedTable { out, indexer, index_path: suffixed(path, "tbi"), last: None, rows: 0 })
    }

    /// A `#` line (header or comment; tabix skips them).
    pub fn comment(&mut self, line: &str) -> Result<()> {
        debug_assert!(line.starts_with('#'));
        writeln!(self.out, "{line}")?;
        Ok(())
    }

    /// One row: `chrom` and 1-based `pos` are its first two columns, `rest` the others (tab-joined,
    /// without the newline).
    pub fn row(&mut self, chrom: &str, pos: u64, rest: &str) -> Result<()> {
        if let Some((c, p)) = &self.last {
            assert!(c != chrom || *p <= pos, "rows come sorted: {chrom}:{pos} after {c}:{p}");
        }
        let start = self.out.virtual_position().expect("bgzip, checked in create");
        writeln!(self.out, "{chrom}\t{pos}\t{rest}")?;
        let end = self.out.virtual_position().expect("bgzip, checked in create");
        let at = Position::try_from(pos as usize)?;
        self.indexer.add_record(chrom, at, at, Chunk::new(start, end))?;
        match &mut self.last {
            Some((c, p)) if c == chrom => *p = pos,
            _ => self.last = Some((chrom.to_string(), pos)),
        }
        self.rows += 1;
        Ok(())
    }

    /// Writes the index beside the table; both are published when the run succeeds.
    pub fn finish(self) -> Result<()> {
        let index = self.indexer.build();
        let mut index_out = tabix::io::Writer::new(Output::create(&self.index_path)?);
        index_out.write_index(&index)?;
        let index_out = index_out.into_inner().finish()?;
        self.out.finish()?;
        index_out.finish()
    }
}
