//! Indexed reference genome access: FASTA plain or bgzip-compressed, read by random access
//! (the genome is never loaded whole), chromosome names matched through `aliases`.

pub mod aliases;
mod blocks;
pub mod convert;
pub mod faidx;
pub mod index;
pub mod layout;

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::input::OrInput;
use anyhow::{Context, Result};

use index::Compression;
use layout::Layout;

/// Index of a contig in the FASTA index order.
pub type ContigId = usize;

/// A sequence of the FASTA index: name and length in bases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contig {
    pub name: String,
    pub len: u64,
}

/// The FASTA bytes, by (uncompressed) byte offset.
enum Data {
    Plain(File),
    /// A plain FASTA named by URL.
    PlainRemote(crate::input::remote::RemoteFile),
    Bgzf(blocks::BlockReader),
}

impl Data {
    /// Fills `buf` from byte `pos`; returns how much there was (short at the end of the file).
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        match self {
            Data::Plain(file) => {
                while n < buf.len() {
                    match file.read_at(&mut buf[n..], pos + n as u64)? {
                        0 => break,
                        k => n += k,
                    }
                }
            }
            Data::PlainRemote(remote) => {
                use std::io::{Read, Seek};
                remote.seek(io::SeekFrom::Start(pos))?;
                while n < buf.len() {
                    match remote.read(&mut buf[n..])? {
                        0 => break,
                        k => n += k,
                    }
                }
            }
            Data::Bgzf(reader) => n = reader.read_at(pos, buf)?,
        }
        Ok(n)
    }
}

/// An open, indexed FASTA whose index is checked against it as it is read (see `layout`).
pub struct Genome {
    path: PathBuf,
    /// The plain-gzip file the user gave, when `path` is its BGZF copy (see `convert`).
    source: Option<PathBuf>,
    data: Data,
    /// (uncompressed) size of the FASTA in bytes
    data_len: u64,
    layouts: Vec<Layout>,
    /// whether each contig's first and last line were checked against the index
    edges_checked: Vec<bool>,
    contigs: Vec<Contig>,
    by_name: HashMap<String, ContigId>,
    /// Names from a chromosome-alias file (`--chrom-alias`), to contigs.
    alias_names: HashMap<String, ContigId>,
    raw: Vec<u8>,
}

impl Genome {
    /// Opens `path`, building `.fai` (and `.gzi` for bgzip) beside it when missing.
    pub fn open(path: &Path) -> Result<Self> {
        if crate::input::remote::is_url(path) {
            let mut genome = Self::open_remote(path).input()?;
            genome.load_aliases()?;
            return Ok(genome);
        }
        let compression = index::detect(path).input()?;
        if compression != Compression::Gzip {
            let mut genome = Self::open_inner(path, compression).input()?;
            genome.load_aliases()?;
            return Ok(genome);
        }
        // a plain-gzip FASTA is read from its BGZF copy (converted again when its stamp
        // disagrees: see `convert`); messages name the user's file too
        let copy = convert::bgzf_copy(path)?;
        let mut genome = Self::open_inner(&copy.path, Compression::Bgzf)
            .with_context(|| {
                format!(
                    "FASTA {} (read from its BGZF copy; if the copy is damaged, delete {}* to convert again)",
                    path.display(),
                    copy.path.display()
                )
            })
            .input()?;
        drop(copy); // its indexes are built: other runs may use it now
        genome.source = Some(path.to_path_buf());
        genome.load_aliases()?;
        Ok(genome)
    }

    fn open_inner(path: &Path, compression: Compression) -> Result<Self> {
        let fai = index::load_or_build_fai(path, compression)?;
        let file = File::open(path).with_context(|| format!("cannot open FASTA {}", path.display()))?;
        let (data, data_len) = match compression {
            Compression::Plain => {
                let len = file.metadata()?.len();
                (Data::Plain(file), len)
            }
            Compression::Bgzf => {
                let (gzi, len) = index::load_or_build_gzi(path)?;
                (Data::Bgzf(blocks::BlockReader::new(blocks::Source::Local(file), gzi.as_ref())), len)
            }
            Compression::Gzip => unreachable!("converted to BGZF above"),
        };
        let layouts = fai;
        layout::check_unique(&layouts).with_context(|| format!("FASTA {}", path.display()))?;
        let fai_path = crate::output::suffixed(path, "fai");
        layout::check_index(&layouts, data_len).map_err(|e| index::rebuild_hint(&fai_path, path, e))?;
        let contigs: Vec<Contig> = layouts.iter().map(|l| Contig { name: l.name.clone(), len: l.len }).collect();
        log::debug!("genome {}: {} contigs, {compression:?}", path.display(), contigs.len());
        let by_name = contigs.iter().enumerate().map(|(i, c)| (c.name.clone(), i)).collect();
        let edges_checked = vec![false; layouts.len()];
        Ok(Genome { path: path.to_path_buf(), source: None, data, data_len, layouts, edges_checked, contigs, by_name, alias_names: HashMap::new(), raw: Vec::new() })
    }

    /// A FASTA named by URL, with its `.fai` (and `.gzi` when bgzip) fetched from beside it,
    /// or named after `##idx##` (the `.fai`, local or remote, with the `.gzi` beside it):
    /// they cannot be built without reading the whole file, so they must be there. The
    /// `.gzi` is taken as it is (checking it against every block header would cost two
    /// requests per block); each block read is still checked (header, size, CRC), and an
    /// index the server says is older than the FASTA is warned of, as a local one.
    fn open_remote(path: &Path) -> Result<Self> {
        use crate::input::remote::{self, RemoteFile};
        use std::io::Read;
        let (data, index) = remote::split_index(path);
        let url = data.to_string_lossy().into_owned();
        let open = |u: &str, what: &str| RemoteFile::open(u).map_err(|e| crate::input::remote_error(e, what));
        let mut file = open(&url, "FASTA")?;
        // the head, and the end-of-file block of a BGZF (one ranged request)
        let compression = index::detect_in(&mut file, path)?;
        if compression == Compression::Gzip {
            anyhow::bail!("FASTA {} is plain gzip, which cannot be read by range: serve it bgzip-compressed (bgzip, with its .fai and .gzi)", remote::shown(&url));
        }
        let fai_url = match &index {
            Some(fai) => fai.to_string_lossy().into_owned(),
            None => remote::beside(&url, "fai"),
        };
        let gzi_url = match fai_url.strip_suffix(".fai") {
            Some(stem) if index.is_some() => format!("{stem}.gzi"),
            _ if index.is_some() => format!("{fai_url}.gzi"),
            _ => remote::beside(&url, "gzi"),
        };
        let warn_older = |index_url: &str| {
            if remote::is_older(Path::new(index_url), Path::new(&url)) {
                log::warn!("index {} is older than {} (Last-Modified): if the FASTA changed since, rebuild and serve its index again", remote::shown(index_url), remote::shown(&url));
            }
        };
        warn_older(&fai_url);
        let mut text = String::new();
        crate::input::open_text(Path::new(&fai_url), "FASTA index")?
            .read_to_string(&mut text)
            .with_context(|| format!("cannot read FASTA index {}", remote::shown(&fai_url)))?;
        let layouts = faidx::read(&text).with_context(|| format!("FASTA index {}", remote::shown(&fai_url)))?;
        let (data, data_len) = match compression {
            Compression::Plain => {
                let len = file.len().map_err(|e| crate::input::remote_error(e, "FASTA"))?;
                (Data::PlainRemote(file), len)
            }
            _ => {
                warn_older(&gzi_url);
                let gzi = match remote::is_url(Path::new(&gzi_url)) {
                    true => noodles::bgzf::gzi::io::Reader::new(open(&gzi_url, "BGZF index")?).read_index(),
                    false => noodles::bgzf::gzi::fs::read(&gzi_url),
                }
                .with_context(|| format!("cannot read BGZF index {}", remote::shown(&gzi_url)))?;
                // the uncompressed size: the last data block's start plus its ISIZE
                let &(last_c, last_u) = gzi.as_ref().last().unwrap_or(&(0, 0));
                let mut source = blocks::Source::Remote(remote::Shared::new(file));
                let mut header = [0u8; 18];
                source.read_exact_at(&mut header, last_c).with_context(|| format!("FASTA {}: the block its .gzi names last", remote::shown(&url)))?;
                let size = u64::from(u16::from_le_bytes([header[16], header[17]])) + 1;
                let mut isize = [0u8; 4];
                source.read_exact_at(&mut isize, last_c + size - 4)?;
                let len = last_u + u64::from(u32::from_le_bytes(isize));
                (Data::Bgzf(blocks::BlockReader::new(source, gzi.as_ref())), len)
            }
        };
        layout::check_unique(&layouts).with_context(|| format!("FASTA {}", remote::shown(&url)))?;
        layout::check_index(&layouts, data_len).map_err(|e| index::rebuild_hint(Path::new(&fai_url), path, e))?;
        let contigs: Vec<Contig> = layouts.iter().map(|l| Contig { name: l.name.clone(), len: l.len }).collect();
        log::debug!("genome {}: {} contigs, {compression:?}, remote", remote::shown(&url), contigs.len());
        let by_name = contigs.iter().enumerate().map(|(i, c)| (c.name.clone(), i)).collect();
        let edges_checked = vec![false; layouts.len()];
        Ok(Genome { path: PathBuf::from(&url), source: None, data, data_len, layouts, edges_checked, contigs, by_name, alias_names: HashMap::new(), raw: Vec::new() })
    }

    /// Whether the genome is read over the network (a block read again is a request again).
    pub fn is_remote(&self) -> bool {
        crate::input::remote::is_url(&self.path)
    }

    /// Whether base `pos` of contig `id` lies in bytes this run already read (always, for a
    /// local genome: reading is cheap there).
    pub fn was_read(&self, id: ContigId, pos: u64) -> bool {
        match &self.data {
            Data::Bgzf(reader) if self.is_remote() => reader.was_read(self.layouts[id].byte_of(pos.min(self.contigs[id].len.saturating_sub(1)))),
            Data::PlainRemote(_) => false,
            _ => true,
        }
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
        self.by_name.get(name).copied().or_else(|| self.alias_names.get(name).copied()).or_else(|| {
            aliases::candidates(name).iter().find_map(|alias| self.by_name.get(alias).copied())
        })
    }

    /// Every name an input may give contig `id` (its own, the built-in aliases, the alias
    /// file's), so streams can be matched without the genome.
    pub fn names_of(&self, id: ContigId) -> Vec<String> {
        let contig = &self.contigs[id].name;
        let mut names = vec![contig.clone()];
        names.extend(aliases::candidates(contig).into_iter().filter(|a| self.resolve(a) == Some(id)));
        names.extend(self.alias_names.iter().filter(|(_, &c)| c == id).map(|(n, _)| n.clone()));
        names
    }

    /// Reads the alias file `--chrom-alias` named (see `aliases::file`), if any.
    fn load_aliases(&mut self) -> Result<()> {
        let Some(path) = aliases::file() else { return Ok(()) };
        let table = aliases::read_table(&path).input()?;
        let (mut rows, mut unmatched) = (0, 0);
        for (line, names) in table {
            let mut found: Vec<ContigId> = names.iter().filter_map(|n| self.by_name.get(n).copied()).collect();
            found.sort_unstable();
            found.dedup();
            match found[..] {
                [] => unmatched += 1,
                [id] => {
                    rows += 1;
                    for n in names.into_iter().filter(|n| !self.by_name.contains_key(n)) {
                        if let Some(other) = self.alias_names.insert(n.clone(), id).filter(|&o| o != id) {
                            return Err(crate::input::InputError::msg(format!(
                                "chromosome alias file {} line {line}: '{n}' names {} here and {} on an earlier line: an alias must name one sequence",
                                path.display(),
                                self.contigs[id].name,
                                self.contigs[other].name
                            )));
                        }
                    }
                }
                _ => {
                    let shown: Vec<&str> = found.iter().map(|&i| self.contigs[i].name.as_str()).collect();
                    return Err(crate::input::InputError::msg(format!(
                        "chromosome alias file {} line {line}: names several sequences of the genome ({}): an alias must name one",
                        path.display(),
                        shown.join(", ")
                    )));
                }
            }
        }
        log::debug!("chromosome aliases {}: {rows} rows name a sequence of the genome, {unmatched} do not", path.display());
        Ok(())
    }

    /// Bases `[start, end)` (0-based, may run past either end) of a contig into `out`,
    /// as stored (case kept), with N for every position outside the contig.
    pub fn fetch_padded(&mut self, id: ContigId, start: i64, end: i64, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        // one allocation of the final size: the bases arrive a line at a time
        out.reserve_exact((end - start).max(0) as usize);
        let len = self.contigs[id].len as i64;
        let (lo, hi) = (start.clamp(0, len), end.clamp(0, len));
        out.resize((lo - start).max(0) as usize, b'N');
        if lo < hi {
            self.read_bases(id, lo as u64, hi as u64, out).map_err(|e| {
                let fai = crate::output::suffixed(&self.path, "fai");
                let at = format!("reading {}:{}-{hi}", self.contigs[id].name, lo + 1);
                // a block that fails its own checks is the file's fault, not the index's
                let corrupt = e.chain().filter_map(|c| c.downcast_ref::<io::Error>()).any(|io| io.kind() == io::ErrorKind::InvalidData);
                let e = if corrupt {
                    e.context(format!("FASTA {} is corrupt ({at})", self.path.display()))
                } else {
                    index::rebuild_hint(&fai, &self.path, e.context(at))
                };
                match &self.source {
                    Some(source) => e.context(format!("FASTA {} (read from its BGZF copy)", source.display())),
                    None => e,
                }
            })?;
        }
        out.resize((end - start).max(0) as usize, b'N');
        Ok(())
    }

    /// Appends bases `[lo, hi)` (inside the contig) to `out`, checked against the index.
    fn read_bases(&mut self, id: ContigId, lo: u64, hi: u64, out: &mut Vec<u8>) -> Result<()> {
        if !self.edges_checked[id] {
            self.check_edges(id)?;
        }
        let layout = &self.layouts[id];
        let (a, b) = (layout.byte_of(lo), layout.byte_of(hi - 1) + 1);
        self.raw.resize((b - a) as usize, 0);
        let n = self.data.read_at(a, &mut self.raw).with_context(|| format!("cannot read FASTA {}", self.path.display()))?;
        if n < self.raw.len() {
            anyhow::bail!("the FASTA ends at byte {}, before the bases the index places up to byte {b}", a + n as u64);
        }
        layout.extract(&self.raw, lo, hi, out)
    }

    /// The contig's first base follows a header line and its last base ends a line.
    fn check_edges(&mut self, id: ContigId) -> Result<()> {
        let layout = self.layouts[id].clone();
        let mut before = [0u8; 1];
        let before = if layout.offset == 0 {
            None
        } else {
            self.data.read_at(layout.offset - 1, &mut before)?;
            Some(before[0])
        };
        let mut after = [0u8; 2];
        let end = layout.end_byte();
        let n = if end >= self.data_len { 0 } else { self.data.read_at(end, &mut after)? };
        layout::check_edges(&layout, before, &after[..n])?;
        self.edges_checked[id] = true;
        Ok(())
    }
}
