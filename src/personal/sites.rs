//! The VCF records near the current TSS window, parsed once: each record's minimal edit per
//! ALT (or why it is kept as reference), the chosen samples' calls, and the checks
//! (FILTER, REF against the genome). Records arrive in genome order (through the index, or
//! a sorted stream); those behind the current window are dropped, so memory holds only the
//! records of about one window (31.5 kb with its margins) times the number of samples.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;

use super::genotype::{visit_bcf_calls, visit_calls, Columns, SiteCalls};
use crate::genome::{ContigId, Genome};
use crate::input::InputError;
use crate::variants::allele::{edit, Edit, SkipReason};
use crate::variants::prefetch::Prefetch;
use crate::variants::reader::{Genotypes, VariantReader, VariantRecord};
use crate::variants::score::RefMismatch;

/// One parsed record.
#[derive(Debug)]
pub struct Site {
    pub contig: ContigId,
    /// 1-based POS and the last REF base.
    pub pos: u64,
    pub end: u64,
    pub reference: String,
    pub alts: Vec<String>,
    /// Per ALT: its minimal edit, or `None` when the allele is kept as reference.
    pub edits: Vec<Option<Edit>>,
    /// The chosen samples' calls that are not diploid homozygous reference.
    pub calls: SiteCalls,
}

impl Site {
    /// Whether the REF bases overlap the 0-based half-open `[lo, hi)`.
    pub fn overlaps(&self, lo: i64, hi: i64) -> bool {
        (self.pos as i64 - 1) < hi && self.end as i64 > lo
    }
}

/// What the records held that is not applied, for the summary.
#[derive(Clone, Debug, Default)]
pub struct SiteCounts {
    pub records: u64,
    pub not_pass: u64,
    pub ref_mismatches: u64,
    pub unknown_chroms: BTreeMap<String, u64>,
    pub skipped_alleles: BTreeMap<SkipReason, u64>,
    /// Sample alleles `.` (kept as reference).
    pub missing_calls: u64,
}

pub struct Sites {
    reader: Prefetch,
    path: PathBuf,
    columns: Columns,
    pass_only: bool,
    ref_mismatch: RefMismatch,
    peeked: Option<(ContigId, VariantRecord)>,
    /// Shared with the plans of the TSSs in flight (planned on other threads).
    buffer: VecDeque<Arc<Site>>,
    last: Option<(ContigId, u64)>,
    done: bool,
    scratch: Vec<u8>,
    calls: SiteCalls,
    pub counts: SiteCounts,
}

impl Sites {
    /// `columns`: the 0-based sample numbers to read, in output order.
    pub fn new(mut reader: VariantReader, columns: Vec<usize>, pass_only: bool, ref_mismatch: RefMismatch) -> Result<Self> {
        reader.genotypes_only();
        let path = reader.path().to_path_buf();
        let columns = Columns::new(&columns);
        let reader = Prefetch::spawn(reader)?;
        Ok(Sites { reader, path, columns, pass_only, ref_mismatch, peeked: None, buffer: VecDeque::new(), last: None, done: false, scratch: Vec::new(), calls: SiteCalls::default(), counts: SiteCounts::default() })
    }

    /// The VCF read.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The buffered sites (in order) after reading every record that starts before `hi` on
    /// `contig` and dropping those wholly before `lo` (0-based, half-open). Calls must come
    /// with `(contig, lo)` non-decreasing.
    pub fn around(&mut self, genome: &mut Genome, contig: ContigId, lo: i64, hi: i64) -> Result<&[Arc<Site>]> {
        while let Some(front) = self.buffer.front() {
            if front.contig < contig || (front.contig == contig && (front.end as i64) <= lo) {
                self.buffer.pop_front();
            } else {
                break;
            }
        }
        loop {
            let (c, record) = match self.peeked.take() {
                Some(p) => p,
                None => match self.next(genome)? {
                    Some(p) => p,
                    None => break,
                },
            };
            if c > contig || (c == contig && record.pos as i64 > hi) {
                self.peeked = Some((c, record));
                break;
            }
            if c < contig || (c == contig && (record.end() as i64) <= lo) {
                continue; // near no window
            }
            if let Some(site) = self.parse(genome, c, record)? {
                self.buffer.push_back(Arc::new(site));
            }
        }
        Ok(self.buffer.make_contiguous())
    }

    /// The next record on a genome chromosome, checked to come in genome order.
    fn next(&mut self, genome: &Genome) -> Result<Option<(ContigId, VariantRecord)>> {
        loop {
            if self.done {
                return Ok(None);
            }
            let Some(record) = self.reader.next_record()? else {
                self.done = true;
                return Ok(None);
            };
            self.counts.records += 1;
            let Some(c) = genome.resolve(&record.chrom) else {
                *self.counts.unknown_chroms.entry(record.chrom.clone()).or_default() += 1;
                continue;
            };
            if let Some(last) = self.last {
                if (c, record.pos) < last {
                    return Err(InputError::msg(format!(
                        "{}: records are not in genome order (chromosomes as in the FASTA, positions ascending): sort the VCF \
                         (bcftools sort), or bgzip and index it (bcftools index -t) so it is read region by region",
                        record.locus(&self.path)
                    )));
                }
            }
            self.last = Some((c, record.pos));
            return Ok(Some((c, record)));
        }
    }

    fn parse(&mut self, genome: &mut Genome, contig: ContigId, record: VariantRecord) -> Result<Option<Site>> {
        if self.pass_only && !matches!(record.line.split('\t').nth(6), Some("PASS" | ".")) {
            self.counts.not_pass += 1;
            return Ok(None);
        }
        let start = record.pos as i64 - 1;
        genome.fetch_padded(contig, start, start + record.reference.len() as i64, &mut self.scratch)?;
        // N in the genome matches any REF base, but bases past the chromosome's end do not
        // exist: such a record is of another assembly (as score-variants rules)
        let past_end = record.end() > genome.contig(contig).len;
        let matches = !past_end
            && self.scratch.iter().zip(record.reference.bytes()).all(|(g, r)| {
                let (g, r) = (g.to_ascii_uppercase(), r.to_ascii_uppercase());
                g == r || g == b'N' || r == b'N'
            });
        if !matches {
            if self.ref_mismatch == RefMismatch::Error {
                return Err(InputError::msg(format!(
                    "{}: REF {} does not match the genome ({}); use --ref-mismatch skip to leave such records out",
                    record.locus(&self.path),
                    record.reference,
                    if past_end { format!("{} ends at {}", genome.contig(contig).name, genome.contig(contig).len) } else { String::from_utf8_lossy(&self.scratch).into_owned() }
                )));
            }
            self.counts.ref_mismatches += 1;
            return Ok(None);
        }
        let edits: Vec<Option<Edit>> = record
            .alts
            .iter()
            .map(|alt| match edit(record.pos, &record.reference, alt) {
                Ok(e) => Some(e),
                Err(reason) => {
                    *self.counts.skipped_alleles.entry(reason).or_default() += 1;
                    None
                }
            })
            .collect();
        // decoded into the reused scratch, then copied at its size (no growth per site)
        let out = &mut self.calls;
        out.clear();
        let push = |slot, call| out.push(slot, call);
        match &record.genotypes {
            Genotypes::Text => visit_calls(&record.line, &self.columns, record.alts.len(), true, push),
            Genotypes::Bcf(Some(gt)) => visit_bcf_calls(gt, &self.columns, record.alts.len(), true, push),
            Genotypes::Bcf(None) => Err(anyhow::anyhow!("FORMAT has no GT: personal needs genotypes")),
        }
        .map_err(|e| InputError::msg(format!("{}: {e}", record.locus(&self.path))))?;
        self.counts.missing_calls += self.calls.missing;
        let calls = self.calls.clone();
        let end = record.end();
        Ok(Some(Site { contig, pos: record.pos, end, reference: record.reference, alts: record.alts, edits, calls }))
    }
}
