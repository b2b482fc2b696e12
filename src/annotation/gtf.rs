//! TSSs streamed from a GTF (plain or gzip): one per `gene` record by default, or one per
//! `transcript` record with identical TSSs of a gene collapsed. Memory does not grow with
//! the file: only the current gene's TSS set is kept (GTFs list a gene's transcripts together).

use std::collections::HashSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use noodles::gff::feature::record::Strand as GffStrand;
use noodles::gtf;

use super::{Notes, Strand, Tss};
use crate::input::{open_text_counted, read_error};

/// Which records give TSSs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TssLevel {
    /// One TSS per `gene` record (its start on +, its end on -).
    Gene,
    /// One TSS per `transcript` record, identical TSSs of a gene collapsed.
    Transcript,
}

/// What to take from the GTF.
#[derive(Clone, Debug)]
pub struct GtfOptions {
    pub level: TssLevel,
    /// Keep only genes whose `gene_type` (GENCODE) or `gene_biotype` (Ensembl) is listed; empty keeps all.
    pub gene_types: Vec<String>,
}

/// Counts of what the reader passed over, for the run summary.
#[derive(Clone, Debug, Default)]
pub struct GtfStats {
    pub filtered_out: u64,
    pub unstranded: u64,
    pub duplicate_tss: u64,
}

/// Iterator of `Tss` over a GTF; errors name the file and line.
pub struct GtfTssReader {
    path: PathBuf,
    reader: gtf::io::Reader<Box<dyn BufRead + Send>>,
    line: gtf::Line,
    line_no: u64,
    options: GtfOptions,
    current_gene: String,
    current_tsss: HashSet<(u64, Strand)>,
    seen: (u64, u64),
    pub stats: GtfStats,
    notes: Notes,
    /// The end was reached and reported (an iterator may be asked again after its end).
    ended: bool,
}

impl GtfTssReader {
    pub fn open(path: &Path, options: GtfOptions, notes: Notes) -> Result<Self> {
        Ok(GtfTssReader {
            path: path.to_path_buf(),
            reader: gtf::io::Reader::new(open_text_counted(path, "GTF", notes.bytes_read())?),
            line: gtf::Line::default(),
            line_no: 0,
            options,
            current_gene: String::new(),
            current_tsss: HashSet::new(),
            seen: (0, 0),
            stats: GtfStats::default(),
            notes,
            ended: false,
        })
    }

    fn next_tss(&mut self) -> Result<Option<Tss>> {
        if self.ended {
            return Ok(None);
        }
        loop {
            self.line_no += 1;
            let n = self
                .reader
                .read_line(&mut self.line)
                .map_err(|e| anyhow::anyhow!("GTF {} line {}: {}", self.path.display(), self.line_no, read_error(&e)))?;
            if n == 0 {
                self.ended = true;
                return self.at_end().map(|_| None);
            }
            if self.line.as_ref().trim_ascii().is_empty() {
                continue;
            }
            // a 10th column (a tab inside an attribute value) would shift every TSV column
            // written from it; an empty one (a trailing tab) is harmless
            let line: &[u8] = self.line.as_ref();
            let tabs = line.iter().filter(|&&b| b == b'\t').count();
            let tenth = tabs > 8 && line.split(|&b| b == b'\t').skip(9).any(|f| !f.trim_ascii().is_empty());
            if tenth && !line.starts_with(b"#") {
                bail!(
                    "GTF {} line {}: {} tab-separated columns, GTF has 9 (a tab inside an attribute value?)",
                    self.path.display(),
                    self.line_no,
                    tabs + 1
                );
            }
            let line = std::mem::take(&mut self.line);
            let parsed = match line.as_record() {
                None => Ok(None),
                Some(record) => record.map_err(anyhow::Error::from).and_then(|r| self.parse(&r)),
            };
            self.line = line;
            match parsed {
                Ok(Some(tss)) => return Ok(Some(tss)),
                Ok(None) => continue,
                Err(e) => bail!("GTF {} line {}: malformed record: {e:#}", self.path.display(), self.line_no),
            }
        }
    }

    /// Checks every record's columns; returns a TSS for the records of the chosen level.
    fn parse(&mut self, r: &gtf::Record<'_>) -> Result<Option<Tss>> {
        let (start, end) = (usize::from(r.start()?), usize::from(r.end()?));
        if end < start {
            bail!("end {end} is before start {start}");
        }
        let strand = r.strand()?;
        let ty: &[u8] = r.ty().as_ref();
        let wanted = match self.options.level {
            TssLevel::Gene => ty == b"gene",
            TssLevel::Transcript => ty == b"transcript",
        };
        match ty {
            b"gene" => self.seen.0 += 1,
            b"transcript" => self.seen.1 += 1,
            b"exon" => {
                let chrom = r.reference_sequence_name().to_string();
                match strand {
                    GffStrand::Forward => self.notes.exon(&self.path, &chrom, start as u64 - 1, end as u64, Strand::Plus),
                    GffStrand::Reverse => self.notes.exon(&self.path, &chrom, start as u64 - 1, end as u64, Strand::Minus),
                    _ => {}
                }
            }
            _ => {}
        }
        if !wanted {
            return Ok(None);
        }
        let attrs = r.attributes()?;
        let get = |key: &str| -> Result<Option<String>> {
            Ok(match attrs.get(key.as_bytes()).transpose()? {
                Some(gtf::record::attributes::field::Value::String(s)) => Some(s.to_string()),
                Some(gtf::record::attributes::field::Value::Array(v)) => v.first().map(|s| s.to_string()),
                None => None,
            })
        };
        let Some(gene_id) = get("gene_id")? else { bail!("no gene_id attribute") };
        if !self.options.gene_types.is_empty() {
            let ty = get("gene_type")?.or(get("gene_biotype")?);
            if !ty.is_some_and(|t| self.options.gene_types.contains(&t)) {
                self.stats.filtered_out += 1;
                return Ok(None);
            }
        }
        let strand = match strand {
            GffStrand::Forward => Strand::Plus,
            GffStrand::Reverse => Strand::Minus,
            _ => {
                self.stats.unstranded += 1;
                return Ok(None);
            }
        };
        let pos = if strand == Strand::Plus { start - 1 } else { end - 1 } as u64;
        let transcript_id = match self.options.level {
            TssLevel::Gene => None,
            TssLevel::Transcript => {
                if !self.is_new_tss(&gene_id, pos, strand) {
                    self.stats.duplicate_tss += 1;
                    return Ok(None);
                }
                Some(get("transcript_id")?.unwrap_or_default())
            }
        };
        let gene_name = get("gene_name")?.unwrap_or_else(|| gene_id.clone());
        Ok(Some(Tss { gene_id, gene_name, transcript_id, chrom: r.reference_sequence_name().to_string(), pos, strand }))
    }

    fn is_new_tss(&mut self, gene_id: &str, pos: u64, strand: Strand) -> bool {
        if self.current_gene != gene_id {
            self.current_gene = gene_id.to_string();
            self.current_tsss.clear();
        }
        self.current_tsss.insert((pos, strand))
    }

    fn at_end(&self) -> Result<()> {
        let (genes, transcripts) = self.seen;
        let what = match self.options.level {
            TssLevel::Gene => "gene",
            TssLevel::Transcript => "transcript",
        };
        let shown = self.path.display();
        if self.stats.unstranded > 0 {
            self.notes.warn(format!("{} {what} records of GTF {shown} have no strand (`.`): no TSS direction, skipped", self.stats.unstranded));
        }
        if self.stats.filtered_out > 0 {
            self.notes.info(format!("{} {what} records of GTF {shown} not of --gene-type {}: left out", self.stats.filtered_out, self.options.gene_types.join(",")));
        }
        if self.stats.duplicate_tss > 0 {
            self.notes.info(format!("{} transcripts of GTF {shown} share their gene's TSS with an earlier transcript: collapsed", self.stats.duplicate_tss));
        }
        if self.options.level == TssLevel::Gene && genes == 0 && transcripts > 0 {
            bail!(
                "GTF {} has no `gene` records ({transcripts} transcripts); use --tss transcript",
                self.path.display()
            );
        }
        Ok(())
    }
}

impl Iterator for GtfTssReader {
    type Item = Result<Tss>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_tss().transpose()
    }
}
