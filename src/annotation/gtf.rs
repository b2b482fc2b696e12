//! TSSs streamed from a GTF (plain or gzip): one per `gene` record by default, or one per
//! `transcript` record with identical TSSs of a gene collapsed. Memory does not grow with
//! the file: only the current gene's TSS set is kept (GTFs list a gene's transcripts together).
//! A GTF of exons only (UCSC's `genes.gtf`: no gene or transcript records) gives each
//! transcript's TSS from its exons (the first exon's start on +, the last one's end on -),
//! and each gene's from the span of all its exons on a chromosome, wherever they lie in the
//! file (UCSC sorts by position, so genes interleave), as GENCODE draws gene records; that
//! mode keeps one span per transcript or gene.

use std::collections::{HashMap, HashSet};
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
    /// Keep only transcripts with one of these `tag`s (`Ensembl_canonical`, `MANE_Select`,
    /// `basic`); empty keeps all. Transcript level only.
    pub transcript_tags: Vec<String>,
    /// Keep only transcripts whose `transcript_type` (GENCODE) or `transcript_biotype`
    /// (Ensembl) is listed; empty keeps all. Transcript level only.
    pub transcript_types: Vec<String>,
}

impl GtfOptions {
    /// The transcript filters asked for, as their flags (for messages).
    pub fn transcript_filters(&self) -> Vec<String> {
        let mut asked = Vec::new();
        if !self.transcript_types.is_empty() {
            asked.push(format!("--transcript-type {}", self.transcript_types.join(",")));
        }
        if !self.transcript_tags.is_empty() {
            asked.push(format!("--transcript-tag {}", self.transcript_tags.join(",")));
        }
        asked
    }

    /// Gene or transcript level, no filter.
    pub fn new(level: TssLevel) -> Self {
        GtfOptions { level, gene_types: Vec::new(), transcript_tags: Vec::new(), transcript_types: Vec::new() }
    }
}

/// Counts of what the reader passed over, for the run summary.
#[derive(Clone, Debug, Default)]
pub struct GtfStats {
    pub filtered_out: u64,
    /// Transcripts left out by --transcript-tag / --transcript-type.
    pub transcripts_filtered: u64,
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
    /// Decided by the first feature record: exons come before any gene or transcript record
    /// (an exon-only GTF), so TSSs are drawn from exons.
    exon_mode: Option<bool>,
    /// Exon mode: every transcript's (or gene's) exons gathered over the whole file, by
    /// (id, chromosome), in the order first seen; their TSSs are given at the end. Memory:
    /// one span per transcript (or gene), a few tens of MB for a whole genome.
    groups: Vec<ExonGroup>,
    group_of: HashMap<(String, String), usize>,
    /// TSSs gathered at the end of an exon-only GTF, not yet given.
    pending: std::collections::VecDeque<Tss>,
}

/// The exons of one transcript (or gene) on one chromosome: their span so far.
struct ExonGroup {
    chrom: String,
    strand: GffStrand,
    /// The line of its first exon, for messages.
    line: u64,
    start: usize,
    end: usize,
    gene_id: String,
    gene_name: Option<String>,
    transcript_id: Option<String>,
    /// Whether the type, tag and gene-type filters keep it (read from its first exon).
    keep: Result<(), Filtered>,
}

/// Why a record was left out.
#[derive(Clone, Copy)]
enum Filtered {
    GeneType,
    Transcript,
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
            exon_mode: None,
            groups: Vec::new(),
            group_of: HashMap::new(),
            pending: Default::default(),
        })
    }

    fn next_tss(&mut self) -> Result<Option<Tss>> {
        if let Some(tss) = self.pending.pop_front() {
            return Ok(Some(tss));
        }
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
                for g in std::mem::take(&mut self.groups) {
                    if let Some(tss) = self.finish_group(g)? {
                        self.pending.push_back(tss);
                    }
                }
                self.group_of.clear();
                self.at_end()?;
                return Ok(self.pending.pop_front());
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
        if self.exon_mode.is_none() && matches!(ty, b"gene" | b"transcript" | b"exon") {
            self.exon_mode = Some(ty == b"exon");
        }
        if self.exon_mode == Some(true) {
            return if ty == b"exon" { self.exon(r, start, end, strand) } else { Ok(None) };
        }
        if !wanted {
            return Ok(None);
        }
        let attrs = Attrs(r.attributes()?);
        let Some(gene_id) = attrs.get("gene_id")? else { bail!("no gene_id attribute") };
        match self.kept(&attrs)? {
            Ok(()) => {}
            Err(why) => {
                self.count_filtered(why);
                return Ok(None);
            }
        }
        let transcript_id = match self.options.level {
            TssLevel::Gene => None,
            TssLevel::Transcript => Some(attrs.get("transcript_id")?.unwrap_or_default()),
        };
        let gene_name = attrs.get("gene_name")?;
        self.tss(r.reference_sequence_name().to_string(), start, end, strand, gene_id, gene_name, transcript_id)
    }

    /// Whether the gene-type, transcript-type and tag filters keep a record.
    fn kept(&self, attrs: &Attrs<'_>) -> Result<Result<(), Filtered>> {
        if !self.options.gene_types.is_empty() {
            let ty = attrs.get("gene_type")?.or(attrs.get("gene_biotype")?);
            if !ty.is_some_and(|t| self.options.gene_types.contains(&t)) {
                return Ok(Err(Filtered::GeneType));
            }
        }
        if self.options.level == TssLevel::Transcript {
            if !self.options.transcript_types.is_empty() {
                let ty = attrs.get("transcript_type")?.or(attrs.get("transcript_biotype")?);
                if !ty.is_some_and(|t| self.options.transcript_types.contains(&t)) {
                    return Ok(Err(Filtered::Transcript));
                }
            }
            if !self.options.transcript_tags.is_empty() && !attrs.all("tag")?.iter().any(|t| self.options.transcript_tags.contains(t)) {
                return Ok(Err(Filtered::Transcript));
            }
        }
        Ok(Ok(()))
    }

    fn count_filtered(&mut self, why: Filtered) {
        match why {
            Filtered::GeneType => self.stats.filtered_out += 1,
            Filtered::Transcript => self.stats.transcripts_filtered += 1,
        }
    }

    /// A TSS from a feature's span (start on +, end on -), when it is stranded and new.
    #[allow(clippy::too_many_arguments)]
    fn tss(&mut self, chrom: String, start: usize, end: usize, strand: GffStrand, gene_id: String, gene_name: Option<String>, transcript_id: Option<String>) -> Result<Option<Tss>> {
        let strand = match strand {
            GffStrand::Forward => Strand::Plus,
            GffStrand::Reverse => Strand::Minus,
            _ => {
                self.stats.unstranded += 1;
                return Ok(None);
            }
        };
        let pos = if strand == Strand::Plus { start - 1 } else { end - 1 } as u64;
        if self.options.level == TssLevel::Transcript && !self.is_new_tss(&gene_id, pos, strand) {
            self.stats.duplicate_tss += 1;
            return Ok(None);
        }
        let gene_name = gene_name.unwrap_or_else(|| gene_id.clone());
        Ok(Some(Tss { gene_id, gene_name, transcript_id, chrom, pos, strand }))
    }

    /// An exon of an exon-only GTF: extends its transcript's (or gene's) span, or starts it.
    /// A transcript with exons on both strands of one chromosome is bad input; the same id
    /// on two chromosomes (UCSC lists PAR and alt-contig copies so) is two TSSs.
    fn exon(&mut self, r: &gtf::Record<'_>, start: usize, end: usize, strand: GffStrand) -> Result<Option<Tss>> {
        let attrs = Attrs(r.attributes()?);
        let Some(gene_id) = attrs.get("gene_id")? else { bail!("no gene_id attribute") };
        let transcript_id = attrs.get("transcript_id")?;
        let chrom = r.reference_sequence_name().to_string();
        let key = match self.options.level {
            TssLevel::Gene => gene_id.clone(),
            TssLevel::Transcript => transcript_id.clone().unwrap_or_else(|| gene_id.clone()),
        };
        if let Some(&i) = self.group_of.get(&(key.clone(), chrom.clone())) {
            let g = &mut self.groups[i];
            if g.strand != strand {
                let what = if self.options.level == TssLevel::Gene { "gene_id" } else { "transcript_id" };
                bail!("{what} {key} has exons on both strands of {chrom} (the first at line {}): one TSS direction cannot be drawn", g.line);
            }
            (g.start, g.end) = (g.start.min(start), g.end.max(end));
            return Ok(None);
        }
        let keep = self.kept(&attrs)?;
        self.group_of.insert((key, chrom.clone()), self.groups.len());
        self.groups.push(ExonGroup {
            chrom,
            strand,
            line: self.line_no,
            start,
            end,
            gene_id,
            gene_name: attrs.get("gene_name")?,
            transcript_id: if self.options.level == TssLevel::Transcript { Some(transcript_id.unwrap_or_default()) } else { None },
            keep,
        });
        Ok(None)
    }

    /// The TSS of a gathered exon group (counted as its gene or transcript).
    fn finish_group(&mut self, g: ExonGroup) -> Result<Option<Tss>> {
        match self.options.level {
            TssLevel::Gene => self.seen.0 += 1,
            TssLevel::Transcript => self.seen.1 += 1,
        }
        if let Err(why) = g.keep {
            self.count_filtered(why);
            return Ok(None);
        }
        self.tss(g.chrom, g.start, g.end, g.strand, g.gene_id, g.gene_name, g.transcript_id)
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
        if self.stats.transcripts_filtered > 0 {
            let asked = self.options.transcript_filters();
            if self.stats.transcripts_filtered >= transcripts && self.options.level == TssLevel::Transcript {
                bail!("GTF {shown}: {} selects none of its {transcripts} transcripts: check the spelling (GENCODE tags such as Ensembl_canonical, MANE_Select, basic; types such as protein_coding, lncRNA)", asked.join(" / "));
            }
            self.notes.info(format!("{} transcripts of GTF {shown} not of {}: left out", self.stats.transcripts_filtered, asked.join(" / ")));
        }
        if self.exon_mode == Some(true) {
            self.notes.info(format!("GTF {shown} has exons only (no gene or transcript records): each {what}'s TSS is drawn from its exons"));
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

/// A record's attributes, read as strings.
struct Attrs<'r>(gtf::record::Attributes<'r>);

impl Attrs<'_> {
    /// The first value of `key`.
    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.0.get(key.as_bytes()).transpose()?.and_then(|v| v.iter().next().map(|s| s.to_string())))
    }

    /// Every value of `key` (`tag "basic"; tag "Ensembl_canonical";`).
    fn all(&self, key: &str) -> Result<Vec<String>> {
        Ok(self.0.get(key.as_bytes()).transpose()?.map_or_else(Vec::new, |v| v.iter().map(|s| s.to_string()).collect()))
    }
}

impl Iterator for GtfTssReader {
    type Item = Result<Tss>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_tss().transpose()
    }
}
