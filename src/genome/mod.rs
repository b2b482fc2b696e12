//! Indexed reference genome access: FASTA plain or bgzip-compressed, read by random access
//! (the genome is never loaded whole), chromosome names matched through `aliases`.

pub mod aliases;
pub mod index;

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::input::OrInput;
use anyhow::{Context, Result};
use noodles::core::{Position, Region};
use noodles::fasta;

use index::Compression;

/// Index of a contig in the FASTA index order.
pub type ContigId = usize;

/// A sequence of the FASTA index: name and length in bases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contig {
    pub name: String,
    pub len: u64,
}

type Reader = fasta::io::IndexedReader<fasta::io::BufReader<File>>;

/// An open, indexed FASTA.
pub struct Genome {
    path: PathBuf,
    reader: Reader,
    contigs: Vec<Contig>,
    by_name: HashMap<String, ContigId>,
}

impl Genome {
    /// Opens `path`, building `.fai` (and `.gzi` for bgzip) beside it when missing.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_inner(path).input()
    }

    fn open_inner(path: &Path) -> Result<Self> {
        let compression = index::detect(path)?;
        let fai = index::load_or_build_fai(path, compression)?;
        let file = File::open(path).with_context(|| format!("cannot open FASTA {}", path.display()))?;
        let inner = match compression {
            Compression::Plain => fasta::io::BufReader::Uncompressed(std::io::BufReader::new(file)),
            Compression::Bgzf => {
                let gzi = index::load_or_build_gzi(path)?;
                fasta::io::BufReader::Bgzf(noodles::bgzf::io::IndexedReader::new(file, gzi))
            }
        };
        let contigs: Vec<Contig> = fai
            .as_ref()
            .iter()
            .map(|r| Contig { name: String::from_utf8_lossy(r.name()).into_owned(), len: r.length() })
            .collect();
        log::debug!("genome {}: {} contigs, {compression:?}", path.display(), contigs.len());
        let by_name = contigs.iter().enumerate().map(|(i, c)| (c.name.clone(), i)).collect();
        Ok(Genome { path: path.to_path_buf(), reader: fasta::io::IndexedReader::new(inner, fai), contigs, by_name })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn contigs(&self) -> &[Contig] {
        &self.contigs
    }

    /// Chromosome sizes (for bigWig headers), as the FASTA index gives them.
    pub fn chrom_sizes(&self) -> std::collections::HashMap<String, u32> {
        self.contigs.iter().map(|c| (c.name.clone(), c.len.min(u32::MAX as u64) as u32)).collect()
    }

    pub fn contig(&self, id: ContigId) -> &Contig {
        &self.contigs[id]
    }

    /// Finds a chromosome by its exact name, else by an alias (`chr1`/`1`, `chrM`/`MT`).
    pub fn resolve(&self, name: &str) -> Option<ContigId> {
        self.by_name.get(name).copied().or_else(|| {
            aliases::candidates(name).iter().find_map(|alias| self.by_name.get(alias).copied())
        })
    }

    /// Bases `[start, end)` (0-based, may run past either end) of a contig into `out`,
    /// as stored (case kept), with N for every position outside the contig.
    pub fn fetch_padded(&mut self, id: ContigId, start: i64, end: i64, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        let len = self.contigs[id].len as i64;
        let (lo, hi) = (start.clamp(0, len), end.clamp(0, len));
        out.resize((lo - start).max(0) as usize, b'N');
        if lo < hi {
            let name = &self.contigs[id].name;
            let region = Region::new(
                name.as_str(),
                Position::try_from(lo as usize + 1)?..=Position::try_from(hi as usize)?,
            );
            let record = self.reader.query(&region).with_context(|| {
                format!("cannot read {name}:{}-{hi} from FASTA {}", lo + 1, self.path.display())
            })?;
            out.extend_from_slice(record.sequence().as_ref());
        }
        out.resize((end - start).max(0) as usize, b'N');
        Ok(())
    }
}
