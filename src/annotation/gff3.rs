//! TSSs streamed from a GFF3 (Ensembl's and GENCODE's `.gff3.gz`), the same TSSs as the
//! GTF of the same genes: one per gene feature (`gene`, `ncRNA_gene`, `pseudogene`, any
//! `*_gene`; its start on +, its end on -), or one per transcript (a feature whose `Parent`
//! is a gene: `mRNA`, `transcript`, `lnc_RNA`, ...) with identical TSSs of a gene collapsed.
//! Names follow the GTF's: `gene_id`/`transcript_id` attributes where GENCODE gives them,
//! else the `ID` without Ensembl's `gene:`/`transcript:` prefix; `gene_name` else `Name`;
//! `gene_type` else `biotype`; tags from `tag`. Memory: the genes seen so far, for their
//! transcripts' `Parent` (a few MB for a whole genome), nothing per exon.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use noodles::gff;
use noodles::gff::feature::record::Strand as GffStrand;

use super::gtf::{GtfOptions, TssLevel};
use super::{Notes, Strand, Tss};
use crate::input::{open_text_counted, read_error};

/// A gene feature, kept for its transcripts.
struct Gene {
    gene_id: String,
    gene_name: Option<String>,
    gene_type: Option<String>,
}

/// Iterator of `Tss` over a GFF3; errors name the file and line.
pub struct Gff3TssReader {
    path: PathBuf,
    reader: gff::io::Reader<Box<dyn BufRead + Send>>,
    line: gff::Line,
    line_no: u64,
    options: GtfOptions,
    /// Genes by their `ID`.
    genes: HashMap<String, Gene>,
    current_gene: String,
    current_tsss: HashSet<(u64, Strand)>,
    /// Gene and transcript features seen.
    seen: (u64, u64),
    filtered_out: u64,
    transcripts_filtered: u64,
    unstranded: u64,
    duplicate_tss: u64,
    /// Transcript features without a `Parent`, and with one that is no gene seen before them.
    orphans: (u64, u64),
    notes: Notes,
    ended: bool,
}

/// Whether a feature type is a gene (Sequence Ontology: `gene` and its kinds).
fn is_gene(ty: &str) -> bool {
    ty == "gene" || ty == "pseudogene" || ty.ends_with("_gene")
}

/// Sequence Ontology parts of a transcript, never transcripts themselves.
fn is_part(ty: &str) -> bool {
    matches!(ty, "exon" | "CDS" | "five_prime_UTR" | "three_prime_UTR" | "start_codon" | "stop_codon" | "UTR" | "intron" | "Selenocysteine")
}

impl Gff3TssReader {
    pub fn open(path: &Path, options: GtfOptions, notes: Notes) -> Result<Self> {
        Ok(Gff3TssReader {
            path: path.to_path_buf(),
            reader: gff::io::Reader::new(open_text_counted(path, "GFF3", notes.bytes_read())?),
            line: gff::Line::default(),
            line_no: 0,
            options,
            genes: HashMap::new(),
            current_gene: String::new(),
            current_tsss: HashSet::new(),
            seen: (0, 0),
            filtered_out: 0,
            transcripts_filtered: 0,
            unstranded: 0,
            duplicate_tss: 0,
            orphans: (0, 0),
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
                .map_err(|e| anyhow::anyhow!("GFF3 {} line {}: {}", self.path.display(), self.line_no, read_error(&e)))?;
            if n == 0 {
                self.ended = true;
                self.at_end()?;
                return Ok(None);
            }
            // a `##FASTA` directive ends the features: sequences follow (GFF3 spec)
            if self.line.as_directive().is_some_and(|d| d.key() == "FASTA") {
                self.ended = true;
                self.at_end()?;
                return Ok(None);
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
                Err(e) => bail!("GFF3 {} line {}: malformed record: {e:#}", self.path.display(), self.line_no),
            }
        }
    }

    fn parse(&mut self, r: &gff::Record<'_>) -> Result<Option<Tss>> {
        let (start, end) = (usize::from(r.start()?), usize::from(r.end()?));
        if end < start {
            bail!("end {end} is before start {start}");
        }
        let strand = r.strand()?;
        let ty = r.ty().to_string();
        let attrs = r.attributes();
        // a value decoded from `%09`, `%0A` ... would break every TSV and VCF written from it
        let get = |key: &str| -> Result<Option<String>> {
            let value = attrs.get(key.as_bytes()).transpose()?.map(|v| first(&v));
            if let Some(c) = value.as_deref().and_then(|v| v.chars().find(|c| c.is_control())) {
                bail!("attribute {key} decodes to a control character ({:?}): such a name would break the output's columns", c);
            }
            Ok(value)
        };
        let all = |key: &str| -> Result<Vec<String>> {
            Ok(match attrs.get(key.as_bytes()).transpose()? {
                Some(gff::record::attributes::field::Value::Array(a)) => a.iter().map(|s| s.to_string()).collect(),
                Some(v) => vec![first(&v)],
                None => Vec::new(),
            })
        };
        if is_part(&ty) {
            if ty == "exon" {
                let chrom = r.reference_sequence_name().to_string();
                match strand {
                    GffStrand::Forward => self.notes.exon(&self.path, &chrom, start as u64 - 1, end as u64, Strand::Plus),
                    GffStrand::Reverse => self.notes.exon(&self.path, &chrom, start as u64 - 1, end as u64, Strand::Minus),
                    _ => {}
                }
            }
            return Ok(None);
        }
        let id = get("ID")?;
        let (gene, transcript_id) = if is_gene(&ty) {
            self.seen.0 += 1;
            let Some(id) = id else { bail!("a {ty} feature without an ID attribute") };
            let gene = Gene {
                gene_id: get("gene_id")?.unwrap_or_else(|| strip(&id, "gene:")),
                gene_name: get("gene_name")?.or(get("Name")?),
                gene_type: get("gene_type")?.or(get("biotype")?).or(get("gene_biotype")?),
            };
            let wanted = self.options.level == TssLevel::Gene;
            let copy = Gene { gene_id: gene.gene_id.clone(), gene_name: gene.gene_name.clone(), gene_type: gene.gene_type.clone() };
            self.genes.insert(id, gene);
            if !wanted {
                return Ok(None);
            }
            (copy, None)
        } else {
            // a transcript: its parent is a gene seen before (GFF3 lists parents first)
            let transcript_like = ty.contains("RNA") || ty.contains("transcript");
            let Some(parent) = get("Parent")? else {
                self.orphans.0 += u64::from(transcript_like);
                return Ok(None);
            };
            let Some(gene) = self.genes.get(&parent) else {
                self.orphans.1 += u64::from(transcript_like);
                return Ok(None);
            };
            let gene = Gene { gene_id: gene.gene_id.clone(), gene_name: gene.gene_name.clone(), gene_type: gene.gene_type.clone() };
            self.seen.1 += 1;
            if self.options.level != TssLevel::Transcript {
                return Ok(None);
            }
            let types = &self.options.transcript_types;
            if !types.is_empty() {
                let tt = get("transcript_type")?.or(get("biotype")?).or(get("transcript_biotype")?).unwrap_or_else(|| ty.clone());
                if !types.contains(&tt) {
                    self.transcripts_filtered += 1;
                    return Ok(None);
                }
            }
            if !self.options.transcript_tags.is_empty() && !all("tag")?.iter().any(|t| self.options.transcript_tags.contains(t)) {
                self.transcripts_filtered += 1;
                return Ok(None);
            }
            let tid = get("transcript_id")?.or_else(|| id.as_deref().map(|i| strip(i, "transcript:"))).unwrap_or_default();
            (gene, Some(tid))
        };
        if !self.options.gene_types.is_empty() && !gene.gene_type.as_ref().is_some_and(|t| self.options.gene_types.contains(t)) {
            self.filtered_out += 1;
            return Ok(None);
        }
        let (gene_id, gene_name) = (gene.gene_id.clone(), gene.gene_name.clone().unwrap_or_else(|| gene.gene_id.clone()));
        let strand = match strand {
            GffStrand::Forward => Strand::Plus,
            GffStrand::Reverse => Strand::Minus,
            _ => {
                self.unstranded += 1;
                return Ok(None);
            }
        };
        let pos = if strand == Strand::Plus { start - 1 } else { end - 1 } as u64;
        if transcript_id.is_some() {
            if self.current_gene != gene_id {
                self.current_gene.clone_from(&gene_id);
                self.current_tsss.clear();
            }
            if !self.current_tsss.insert((pos, strand)) {
                self.duplicate_tss += 1;
                return Ok(None);
            }
        }
        Ok(Some(Tss { gene_id, gene_name, transcript_id, chrom: r.reference_sequence_name().to_string(), pos, strand }))
    }

    fn at_end(&self) -> Result<()> {
        let shown = self.path.display();
        let what = if self.options.level == TssLevel::Gene { "gene" } else { "transcript" };
        if self.unstranded > 0 {
            self.notes.warn(format!("{} {what} features of GFF3 {shown} have no strand (`.`): no TSS direction, skipped", self.unstranded));
        }
        if self.filtered_out > 0 {
            self.notes.info(format!("{} {what} features of GFF3 {shown} not of --gene-type {}: left out", self.filtered_out, self.options.gene_types.join(",")));
        }
        if self.transcripts_filtered > 0 {
            let asked = self.options.transcript_filters().join(" / ");
            if self.transcripts_filtered >= self.seen.1 && self.options.level == TssLevel::Transcript {
                bail!("GFF3 {shown}: {asked} selects none of its {} transcripts: check the spelling (GENCODE tags such as Ensembl_canonical, MANE_Select, basic; types such as protein_coding, lncRNA)", self.seen.1);
            }
            self.notes.info(format!("{} transcripts of GFF3 {shown} not of {asked}: left out", self.transcripts_filtered));
        }
        if self.options.level == TssLevel::Transcript {
            if self.orphans.0 > 0 {
                self.notes.warn(format!("{} transcript features of GFF3 {shown} have no Parent attribute: no gene to give them, skipped", self.orphans.0));
            }
            if self.orphans.1 > 0 {
                self.notes.warn(format!("{} transcript features of GFF3 {shown} name a Parent that is no gene listed before them (a transcript before its gene, or an unknown gene): skipped", self.orphans.1));
            }
        }
        if self.duplicate_tss > 0 {
            self.notes.info(format!("{} transcripts of GFF3 {shown} share their gene's TSS with an earlier transcript: collapsed", self.duplicate_tss));
        }
        log::debug!("GFF3 {shown}: {} gene and {} transcript features", self.seen.0, self.seen.1);
        Ok(())
    }
}

fn first(v: &gff::record::attributes::field::Value<'_>) -> String {
    match v {
        gff::record::attributes::field::Value::String(s) => s.to_string(),
        gff::record::attributes::field::Value::Array(a) => a.iter().next().map(|s| s.to_string()).unwrap_or_default(),
    }
}

/// Ensembl writes `ID=gene:ENSG...`; the GTF's gene_id is the part after the prefix.
fn strip(id: &str, prefix: &str) -> String {
    id.strip_prefix(prefix).unwrap_or(id).to_string()
}

impl Iterator for Gff3TssReader {
    type Item = Result<Tss>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_tss().transpose()
    }
}

/// Whether `path` is a GFF3: named `.gff3`/`.gff` (gzip or not), or starting with the
/// `##gff-version 3` directive.
pub fn is_gff3(path: &Path) -> bool {
    let name = path.to_string_lossy().to_lowercase();
    let name = name.strip_suffix(".gz").or(name.strip_suffix(".bgz")).unwrap_or(&name);
    if name.ends_with(".gff3") || name.ends_with(".gff") {
        return true;
    }
    if path.as_os_str() == "-" {
        return false;
    }
    let Ok(mut text) = open_text_counted(path, "annotation", &Default::default()) else { return false };
    let mut first = String::new();
    text.read_line(&mut first).is_ok() && first.starts_with("##gff-version 3")
}
