//! The annotated VCF as bcftools writes it: `-O v|z|b|u` (plain VCF, bgzip VCF, BCF,
//! uncompressed BCF), chosen from the `-o` name when `-O` is not given (`.bcf` = BCF,
//! `.gz`/`.bgz` = bgzip VCF), and `--write-index[=csi|tbi]`: the index is built from the
//! BGZF virtual position of each record while it is written (as `bcftools view
//! --write-index` does), so the output is never read back. Lines come in as VCF text; a
//! BCF output parses each into a record with the output's header (noodles) and encodes it.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use noodles::bcf;
use noodles::bgzf;
use noodles::core::Position;
use noodles::csi::binning_index::index::header as index_header;
use noodles::csi::binning_index::index::reference_sequence::bin::Chunk;
use noodles::csi::binning_index::index::reference_sequence::index::BinnedIndex;
use noodles::csi::binning_index::Indexer as BinningIndexer;
use noodles::csi::BinningIndex as _;
use noodles::vcf::variant::io::Write as _;
use noodles::{csi, tabix, vcf};

use crate::output::{suffixed, Output};

/// bcftools' `-O` letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputType {
    /// uncompressed VCF
    #[value(name = "v")]
    Vcf,
    /// bgzip-compressed VCF
    #[value(name = "z")]
    VcfGz,
    /// compressed BCF
    #[value(name = "b")]
    Bcf,
    /// uncompressed BCF (BGZF blocks stored, not deflated: fastest to pipe)
    #[value(name = "u")]
    BcfUncompressed,
}

/// `--write-index` formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum IndexFormat {
    Csi,
    Tbi,
}

impl OutputType {
    /// What `-o` names when `-O` is not given, as bcftools guesses it.
    pub fn from_name(path: &Path) -> OutputType {
        let name = path.to_string_lossy();
        if name.ends_with(".bcf") {
            OutputType::Bcf
        } else if name.ends_with(".gz") || name.ends_with(".bgz") {
            OutputType::VcfGz
        } else {
            OutputType::Vcf
        }
    }

    fn is_bcf(self) -> bool {
        matches!(self, OutputType::Bcf | OutputType::BcfUncompressed)
    }

    /// The `-O` letter, for messages.
    fn letter(self) -> char {
        match self {
            OutputType::Vcf => 'v',
            OutputType::VcfGz => 'z',
            OutputType::Bcf => 'b',
            OutputType::BcfUncompressed => 'u',
        }
    }

    /// Refuses the combinations that would write a file no reader takes for what its
    /// name says, or an index no reader could use.
    pub fn check(self, path: &Path, index: Option<IndexFormat>) -> Result<(), String> {
        let name = path.to_string_lossy();
        let gz_name = name.ends_with(".gz") || name.ends_with(".bgz");
        if self == OutputType::Vcf && gz_name {
            return Err(format!("-o {name}: -O v writes plain VCF; use -O z for bgzip (or a name without .gz)"));
        }
        if (self.is_bcf() || name.contains(".bcf.")) && gz_name {
            return Err(format!("-o {name}: BCF is BGZF-compressed already; name it .bcf"));
        }
        // one rule: a name that says a format gets that format (a name that says none, or
        // standard output, takes any -O)
        if self.is_bcf() && name.ends_with(".vcf") {
            return Err(format!("-o {name}: -O {} writes BCF into a name that says VCF; name it .bcf, or use -O v", self.letter()));
        }
        if !self.is_bcf() && name.ends_with(".bcf") {
            return Err(format!("-o {name}: -O {} writes VCF text into a name that says BCF; use -O b, or name it .vcf{}", self.letter(), if self == OutputType::Vcf { "" } else { ".gz" }));
        }
        if let Some(format) = index {
            if name == "-" || name.starts_with("/dev/") {
                return Err(format!("--write-index needs an output file, not {name} (as bcftools)"));
            }
            if self == OutputType::Vcf {
                return Err("--write-index: a plain VCF cannot be indexed; use -O z (bgzip) or -O b (BCF)".to_string());
            }
            if self.is_bcf() && format == IndexFormat::Tbi {
                return Err("--write-index=tbi: tabix indexes bgzip text; a BCF is indexed with csi (the default)".to_string());
            }
        }
        Ok(())
    }
}

enum Sink {
    /// Plain VCF, or bgzip VCF through the output's own BGZF writer (a `.gz` name).
    Text(Output),
    /// bgzip VCF under a name without `.gz` (or stdout), compressed here.
    TextBgzf(bgzf::io::Writer<Output>),
    Bcf { writer: Box<bcf::io::Writer<bgzf::io::Writer<Output>>>, header: Box<vcf::Header>, integers: Box<IntegerKeys>, truncated: u64 },
}

/// The INFO and FORMAT keys the header declares `Type=Integer`: a decimal given for one is
/// truncated when encoding BCF, as bcftools does (`GC=75.25` in GATK's calls is `75`).
#[derive(Default)]
struct IntegerKeys {
    info: std::collections::HashSet<String>,
    format: std::collections::HashSet<String>,
}

impl IntegerKeys {
    fn of(header: &vcf::Header) -> Self {
        use vcf::header::record::value::map::{format, info};
        IntegerKeys {
            info: header.infos().iter().filter(|(_, m)| m.ty() == info::Type::Integer).map(|(k, _)| k.to_string()).collect(),
            format: header.formats().iter().filter(|(_, m)| m.ty() == format::Type::Integer).map(|(k, _)| k.to_string()).collect(),
        }
    }

    /// The line with every decimal value of an Integer key truncated; how many were.
    fn truncate(&self, line: &str) -> (String, u64) {
        let mut n = 0;
        let mut fix = |values: &str| -> String {
            values
                .split(',')
                .map(|v| match (v.parse::<i64>(), v.parse::<f64>()) {
                    (Err(_), Ok(x)) if x.is_finite() => {
                        n += 1;
                        format!("{}", x.trunc() as i64)
                    }
                    _ => v.to_string(),
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut fields: Vec<String> = line.split('\t').map(String::from).collect();
        if let Some(info) = fields.get_mut(7) {
            *info = info
                .split(';')
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) if self.info.contains(k) => format!("{k}={}", fix(v)),
                    _ => kv.to_string(),
                })
                .collect::<Vec<_>>()
                .join(";");
        }
        if fields.len() > 9 {
            let keys: Vec<bool> = fields[8].split(':').map(|k| self.format.contains(k)).collect();
            for sample in &mut fields[9..] {
                *sample = sample.split(':').enumerate().map(|(i, v)| if keys.get(i) == Some(&true) { fix(v) } else { v.to_string() }).collect::<Vec<_>>().join(":");
            }
        }
        (fields.join("\t"), n)
    }
}

/// Index being built while writing.
enum Index {
    Tbi(tabix::index::Indexer),
    /// CSI; for a VCF the reference names are kept in its tabix-style header, for a BCF the
    /// ids are the header's contig order.
    Csi { indexer: BinningIndexer<BinnedIndex>, ids: Vec<String>, bcf_contigs: Option<Vec<String>> },
}

/// Writes the annotated VCF in the chosen format, with its index.
pub struct VariantWriter {
    sink: Sink,
    index: Option<(Index, PathBuf)>,
    path: PathBuf,
    /// The last record's chromosome and start, and the chromosomes before it, to refuse
    /// unsorted input under --write-index.
    last: Option<(String, u64)>,
    finished: std::collections::HashSet<String>,
}

impl VariantWriter {
    /// Starts `path` as `kind` (checked with `OutputType::check` first), with `header` (the
    /// output's header lines, `#CHROM` last).
    pub fn create(path: &Path, kind: OutputType, index: Option<IndexFormat>, header: &[String]) -> Result<Self> {
        // an index is built from the virtual positions of one writer; without one, a bgzip
        // VCF deflates on the compression threads
        let out = if index.is_some() { Output::create_indexed(path)? } else { Output::create(path)? };
        let text: String = header.iter().flat_map(|l| [l.as_str(), "\n"]).collect();
        let sink = match kind {
            OutputType::Vcf => Sink::Text(out),
            OutputType::VcfGz if out.is_bgzf() => Sink::Text(out),
            OutputType::VcfGz => Sink::TextBgzf(bgzf::io::Writer::new(out)),
            OutputType::Bcf | OutputType::BcfUncompressed => {
                let level = if kind == OutputType::Bcf { bgzf::io::writer::CompressionLevel::default() } else { bgzf::io::writer::CompressionLevel::NONE };
                let bgzf = bgzf::io::writer::Builder::default().set_compression_level(level).build_from_writer(out);
                let parsed: vcf::Header = text.parse().map_err(|e| anyhow!("{}: the header cannot be written as BCF: {e}", path.display()))?;
                let mut writer = bcf::io::Writer::from(bgzf);
                writer.write_header(&parsed).with_context(|| format!("cannot write {}", path.display()))?;
                let integers = Box::new(IntegerKeys::of(&parsed));
                Sink::Bcf { writer: Box::new(writer), header: Box::new(parsed), integers, truncated: 0 }
            }
        };
        let mut writer = VariantWriter { sink, index: None, path: path.to_path_buf(), last: None, finished: Default::default() };
        if !kind.is_bcf() {
            writer.raw().write_all(text.as_bytes())?;
        }
        if let Some(format) = index {
            let built = match format {
                IndexFormat::Tbi => {
                    let mut indexer = tabix::index::Indexer::default();
                    indexer.set_header(index_header::Builder::vcf().build());
                    Index::Tbi(indexer)
                }
                IndexFormat::Csi => {
                    let mut indexer = BinningIndexer::new(14, 5).expect("bcftools' CSI parameters");
                    let bcf_contigs = match &writer.sink {
                        Sink::Bcf { header, .. } => Some(header.contigs().keys().cloned().collect()),
                        _ => {
                            indexer = indexer.set_header(index_header::Builder::vcf().build());
                            None
                        }
                    };
                    Index::Csi { indexer, ids: Vec::new(), bcf_contigs }
                }
            };
            let extension = if format == IndexFormat::Tbi { "tbi" } else { "csi" };
            writer.index = Some((built, suffixed(path, extension)));
        }
        Ok(writer)
    }

    fn raw(&mut self) -> &mut dyn Write {
        match &mut self.sink {
            Sink::Text(o) => o,
            Sink::TextBgzf(w) => w,
            Sink::Bcf { writer, .. } => writer.get_mut(),
        }
    }

    fn virtual_position(&self) -> Option<bgzf::VirtualPosition> {
        match &self.sink {
            Sink::Text(o) => o.virtual_position(),
            Sink::TextBgzf(w) => Some(w.virtual_position()),
            Sink::Bcf { writer, .. } => Some(writer.get_ref().virtual_position()),
        }
    }

    /// One record: its text line (no newline), chromosome, 1-based start and end; `locus`
    /// names it in the input (file and line), for the error of an unsorted input.
    pub fn record(&mut self, line: &str, chrom: &str, start: u64, end: u64, locus: impl Fn() -> String) -> Result<()> {
        let begin = self.virtual_position();
        match &mut self.sink {
            Sink::Text(o) => writeln!(o, "{line}")?,
            Sink::TextBgzf(w) => writeln!(w, "{line}")?,
            Sink::Bcf { writer, header, integers, truncated } => {
                let encode = |writer: &mut bcf::io::Writer<_>, line: &str| -> std::io::Result<()> {
                    // the record is encoded into buffers before any byte is written
                    writer.write_variant_record(header, &vcf::Record::try_from(line.as_bytes())?)
                };
                if let Err(first) = encode(writer, line) {
                    let (fixed, n) = integers.truncate(line);
                    if n == 0 || encode(writer, &fixed).is_err() {
                        bail!(
                            "{}: record {chrom}:{start} cannot be written as BCF: {first} (BCF needs every chromosome, INFO, FORMAT and FILTER declared in the header, with values of the declared type; -O z writes VCF)",
                            self.path.display()
                        );
                    }
                    *truncated += n;
                }
            }
        }
        let finish = self.virtual_position();
        if self.index.is_none() {
            return Ok(());
        }
        let unsorted = |why: String| crate::input::InputError::msg(format!("{}: --write-index needs a sorted input: {why} (sort it with `bcftools sort`, or leave --write-index out)", locus()));
        match &self.last {
            Some((c, p)) if c == chrom && start < *p => return Err(unsorted(format!("{chrom}:{start} comes after {c}:{p}"))),
            Some((c, _)) if c != chrom && self.finished.contains(chrom) => return Err(unsorted(format!("{chrom} comes again after {c}"))),
            _ => {}
        }
        match &mut self.last {
            Some((c, p)) if c == chrom => *p = start,
            last => {
                if let Some((c, _)) = last.take() {
                    self.finished.insert(c);
                }
                self.last = Some((chrom.to_string(), start));
            }
        }
        let chunk = Chunk::new(begin.expect("indexed outputs are BGZF"), finish.expect("indexed outputs are BGZF"));
        let shown = self.path.display().to_string();
        let Some((index, _)) = &mut self.index else { return Ok(()) };
        let (start, end) = (Position::try_from(start.max(1) as usize)?, Position::try_from(end.max(start.max(1)) as usize)?);
        let unsorted = |e: &dyn std::fmt::Display| anyhow!("{shown}: --write-index: {e} at {chrom}:{start} (is the input sorted? `bcftools sort`)");
        match index {
            Index::Tbi(indexer) => indexer.add_record(chrom, start, end, chunk).map_err(|e| unsorted(&e))?,
            Index::Csi { indexer, ids, bcf_contigs } => {
                let id = match bcf_contigs {
                    Some(contigs) => contigs.iter().position(|c| c == chrom).with_context(|| format!("{shown}: {chrom} is not a ##contig of the header"))?,
                    None => match ids.iter().position(|c| c == chrom) {
                        Some(id) => id,
                        None => {
                            ids.push(chrom.to_string());
                            ids.len() - 1
                        }
                    },
                };
                indexer.add_record(Some((id, start, end, true)), chunk).map_err(|e| unsorted(&e))?;
            }
        }
        Ok(())
    }

    /// Flushes the output (and writes its index); both are published with the run.
    pub fn finish(self) -> Result<()> {
        let out = match self.sink {
            Sink::Text(o) => o,
            Sink::TextBgzf(w) => w.finish()?,
            Sink::Bcf { writer, truncated, .. } => {
                if truncated > 0 {
                    log::warn!("{}: {truncated} decimal values of Type=Integer INFO/FORMAT fields truncated to integers in the BCF (as bcftools does)", self.path.display());
                }
                writer.into_inner().finish()?
            }
        };
        let index = match self.index {
            None => None,
            Some((Index::Tbi(indexer), path)) => {
                let mut w = tabix::io::Writer::new(Output::create(&path)?);
                w.write_index(&indexer.build())?;
                Some(w.into_inner().finish()?)
            }
            Some((Index::Csi { indexer, ids, bcf_contigs }, path)) => {
                let count = bcf_contigs.as_ref().map_or(ids.len(), Vec::len);
                let mut built = indexer.build(count);
                if bcf_contigs.is_none() {
                    // a VCF's CSI names its references in the tabix-style header, as bcftools writes it
                    let names = ids.iter().map(|s| s.as_bytes().to_vec().into()).collect();
                    let header = index_header::Builder::vcf().set_reference_sequence_names(names).build();
                    built = csi::binning_index::Index::builder()
                        .set_min_shift(built.min_shift())
                        .set_depth(built.depth())
                        .set_header(header)
                        .set_reference_sequences(built.reference_sequences().to_vec())
                        .set_unplaced_unmapped_record_count(built.unplaced_unmapped_record_count().unwrap_or(0))
                        .build();
                }
                let mut w = csi::io::Writer::new(Output::create(&path)?);
                w.write_index(&built)?;
                Some(w.into_inner().finish()?)
            }
        };
        out.finish()?;
        if let Some(index) = index {
            index.finish()?;
        }
        Ok(())
    }
}
