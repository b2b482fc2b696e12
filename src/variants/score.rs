//! Scores variants in chunks. For each record of a chunk, on the calling thread: the ALT
//! alleles are classified and trimmed, the TSS windows they change are looked up, REF is
//! checked against the genome, and every allele x TSS pair becomes a task. Then, spread over
//! threads: reference windows new to the cache are run once (cone activations for the native
//! model), SNVs go through the incremental cone (`model::cone`), every other allele (MNV,
//! indel, N) through its alt window, recomputed from the cached reference over the span
//! where the two differ (a full forward pass on other backends). Reference windows stay cached
//! while variants near them stream by, and are dropped once the stream has passed them.

use std::collections::HashMap;

use crate::input::OrInput;
use anyhow::Result;
use rayon::prelude::*;

use super::allele::{edit, Edit, SkipReason};
use super::alt_window::{alt_window, on_strand, window_index};
use super::reader::VariantRecord;
use super::tss_index::TssIndex;
use crate::genome::{ContigId, Genome};
use crate::model::cone::{PartialScratch, Reference};
use crate::model::{ModelInput, Predictor};
use crate::window::onehot::{base_code, reverse_complement};
use crate::annotation::Strand;

/// What to do with a record whose REF differs from the genome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RefMismatch {
    /// Leave it unscored, flag it in the outputs and count it.
    Skip,
    /// Stop with an error naming the record.
    Error,
}

/// One allele x TSS score.
#[derive(Clone, Debug, PartialEq)]
pub struct PairScore {
    /// Index of the ALT allele in the record.
    pub allele: usize,
    /// TSS id in the `TssIndex`.
    pub tss: usize,
    pub reference: f32,
    pub alt: f32,
    /// The delta as a precomputed table gives it (its values were read, not computed).
    pub given: Option<f32>,
}

impl PairScore {
    /// alt - reference as the outputs print it (`precompute::printed_delta`: the difference
    /// of the two printed predictions), or the table's delta for a pair read from one (the
    /// same number: the table is held to it). Everything derived from a delta (percentile,
    /// PHRED, `--min-abs-delta`, `XPRESSO_MAXABS`) uses this value, so a table's delta and a
    /// computed one give the same bytes in every output.
    pub fn delta(&self) -> f32 {
        self.given.unwrap_or_else(|| crate::precompute::printed_delta(self.alt, self.reference))
    }
}

/// How a record came out.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Alleles were scored against at least one TSS (`pairs`).
    Scored,
    /// No allele changes any TSS window.
    OutsideWindows,
    /// The chromosome is not in the genome (nor an alias).
    UnknownChrom,
    /// REF differs from the genome bases shown here; the TSSs it would have been scored
    /// against are in `mismatch_tss`.
    RefMismatch { genome: String },
}

/// A record with its scores.
#[derive(Clone, Debug)]
pub struct Scored {
    pub record: VariantRecord,
    pub status: Status,
    pub pairs: Vec<PairScore>,
    /// Per allele x TSS pair that a REF mismatch kept from scoring: (allele, tss).
    pub mismatch_pairs: Vec<(usize, usize)>,
    pub skipped: Vec<(usize, SkipReason)>,
}

/// A reference window kept while variants near it stream by.
struct RefWindow {
    /// Forward-strand genome bases of the window span (N past the ends).
    forward: Vec<u8>,
    /// The window as the model sees it (reverse-complemented on minus).
    window: Vec<u8>,
    /// Cone activations (native model), filled in the parallel step.
    cone: Option<Reference>,
    prediction: Option<f32>,
    /// The window's `precompute::tss_check`, once a precomputed row for it was read.
    check: Option<String>,
    last_chunk: u64,
}

enum Task {
    /// The cone: window index and base code on the gene's strand.
    Snv { pair: usize, index: usize, code: u8 },
    /// A full forward pass of the alt window.
    Window { pair: usize, window: Vec<u8> },
}

/// Chunk limits: bound memory (alt windows are 10.5 kB, cone activations ~250 kB).
const MAX_RECORDS: usize = 4096;
const MAX_TASKS: usize = 16_384;
const MAX_WINDOW_TASKS: usize = 1024;
const MAX_NEW_REFERENCES: usize = 256;
/// Cached references kept across chunks at most (beyond those the stream has passed).
const CACHE_KEEP: usize = 256;

/// Counters for the summary.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    pub snv_pairs: u64,
    pub window_pairs: u64,
    /// SNV pairs read from a precomputed table.
    pub precomputed_pairs: u64,
    pub references: u64,
}

pub struct Scorer<'a> {
    pub predictor: &'a dyn Predictor,
    pub index: &'a TssIndex,
    pub batch_size: usize,
    pub ref_mismatch: RefMismatch,
    cache: HashMap<usize, RefWindow>,
    chunk_no: u64,
    records: Vec<Scored>,
    tasks: Vec<(usize, Task)>,
    new_references: usize,
    window_tasks: usize,
    last: Option<(ContigId, u64)>,
    buf: Vec<u8>,
    pub counts: Counts,
    /// SNV scores to read instead of computing (`--precomputed`).
    pub precomputed: Option<crate::precompute::lookup::Precomputed>,
}

impl<'a> Scorer<'a> {
    pub fn new(predictor: &'a dyn Predictor, index: &'a TssIndex, batch_size: usize, ref_mismatch: RefMismatch) -> Self {
        Scorer {
            predictor,
            index,
            batch_size: batch_size.max(1),
            ref_mismatch,
            cache: HashMap::new(),
            chunk_no: 0,
            records: Vec::new(),
            tasks: Vec::new(),
            new_references: 0,
            window_tasks: 0,
            last: None,
            buf: Vec::new(),
            counts: Counts::default(),
            precomputed: None,
        }
    }

    /// Whether the chunk is full and should be `flush`ed.
    pub fn is_full(&self) -> bool {
        self.records.len() >= MAX_RECORDS
            || self.tasks.len() >= MAX_TASKS
            || self.window_tasks >= MAX_WINDOW_TASKS
            || self.new_references >= MAX_NEW_REFERENCES
    }

    /// Adds a record to the chunk: classifies its alleles, finds its TSSs, checks REF, and
    /// queues its pairs. Path is for messages only.
    pub fn push(&mut self, genome: &mut Genome, record: VariantRecord, path: &std::path::Path) -> Result<()> {
        let mut scored = Scored { record, status: Status::OutsideWindows, pairs: Vec::new(), mismatch_pairs: Vec::new(), skipped: Vec::new() };
        let Some(contig) = genome.resolve(&scored.record.chrom) else {
            scored.status = Status::UnknownChrom;
            self.records.push(scored);
            return Ok(());
        };
        self.last = Some((contig, scored.record.pos));
        let mut edits: Vec<(usize, Edit, Vec<usize>)> = Vec::new();
        for (allele, alt) in scored.record.alts.iter().enumerate() {
            match edit(scored.record.pos, &scored.record.reference, alt) {
                Err(reason) => scored.skipped.push((allele, reason)),
                Ok(e) => {
                    let hits: Vec<usize> = self.index.hits(contig, &e).collect();
                    if !hits.is_empty() {
                        edits.push((allele, e, hits));
                    }
                }
            }
        }
        if edits.is_empty() {
            self.records.push(scored);
            return Ok(());
        }
        for &tss in edits.iter().flat_map(|(_, _, hits)| hits) {
            self.ensure_cached(genome, tss)?;
        }
        if let Some(found) = self.ref_mismatch_at(genome, contig, &scored.record, edits[0].2[0])? {
            if self.ref_mismatch == RefMismatch::Error {
                return Err(crate::input::InputError::msg(format!("{}: REF {} does not match the genome ({found}); use --ref-mismatch skip to flag and go on", scored.record.locus(path), scored.record.reference)));
            }
            scored.mismatch_pairs = edits.iter().flat_map(|(a, _, hits)| hits.iter().map(move |&t| (*a, t))).collect();
            scored.status = Status::RefMismatch { genome: found };
            self.records.push(scored);
            return Ok(());
        }
        scored.status = Status::Scored;
        let record_no = self.records.len();
        for (allele, e, hits) in edits {
            for tss in hits {
                let pair = scored.pairs.len();
                let genome_base = scored.record.reference.as_bytes().get((e.start + 1).saturating_sub(scored.record.pos) as usize).copied();
                if let Some(row) = self.precomputed_row(genome, contig, &e, tss, genome_base)? {
                    scored.pairs.push(PairScore { allele, tss, reference: row.reference, alt: row.prediction, given: Some(row.delta) });
                    self.counts.precomputed_pairs += 1;
                    continue;
                }
                scored.pairs.push(PairScore { allele, tss, reference: 0.0, alt: 0.0, given: None });
                let task = self.task(genome, tss, &e, pair)?;
                self.tasks.push((record_no, task));
            }
        }
        self.records.push(scored);
        Ok(())
    }

    /// The precomputed table's row for SNV `e` against `tss`, when there is a table and it
    /// holds one (same TSS: gene, transcript, strand and position).
    /// Its REF must be the genome's base there (`genome_base`, the record's REF, checked
    /// against the genome already): a table made on another sequence is refused.
    fn precomputed_row(&mut self, genome: &Genome, contig: ContigId, e: &Edit, tss: usize, genome_base: Option<u8>) -> Result<Option<crate::precompute::lookup::TableRow>> {
        let Some(table) = self.precomputed.as_mut() else { return Ok(None) };
        if !e.is_snv() {
            return Ok(None);
        }
        let t = &self.index.get(tss).tss;
        let alt = e.alt[0].to_ascii_uppercase();
        let name = &genome.contig(contig).name;
        let path = table.path().display().to_string();
        let rows = table.rows_at(name, e.start + 1)?;
        if let (Some(row), Some(base)) = (rows.first(), genome_base.filter(|b| !b.eq_ignore_ascii_case(&b'N'))) {
            if !row.reference_base.eq_ignore_ascii_case(&base) {
                return Err(crate::input::InputError::msg(format!(
                    "{path}: its REF at {name}:{} is {} where the genome has {}: the table was made on another sequence",
                    e.start + 1,
                    row.reference_base as char,
                    base.to_ascii_uppercase() as char
                )));
            }
        }
        let Some(row) = rows.iter().find(|r| r.alt == alt && r.tss_pos == t.pos + 1 && r.plus == (t.strand == Strand::Plus) && r.gene_id == t.gene_id && r.transcript_id == t.transcript_id).cloned() else {
            return Ok(None);
        };
        let cached = self.cache.get_mut(&tss).expect("cached before its rows are looked up");
        let check = match &cached.check {
            Some(c) => c.clone(),
            None => {
                let c = table.check_of(&cached.window, &self.index.get(tss).features);
                cached.check = Some(c.clone());
                c
            }
        };
        if row.check != check {
            return Err(crate::input::InputError::msg(format!(
                "{path}: its row at {name}:{} for {} ({} TSS {}) was made from other inputs than this run: the model, the genome's sequence in that TSS's window, or its features differ (check {} in the table, {check} in this run); make the table from this run's inputs",
                e.start + 1,
                t.gene_id,
                t.strand,
                t.pos + 1,
                row.check
            )));
        }
        Ok(Some(row))
    }

    /// Cuts and caches the reference window of `tss` unless it is cached.
    fn ensure_cached(&mut self, genome: &mut Genome, tss: usize) -> Result<()> {
        if let Some(entry) = self.cache.get_mut(&tss) {
            entry.last_chunk = self.chunk_no;
            return Ok(());
        }
        let e = self.index.get(tss);
        let mut forward = Vec::new();
        genome.fetch_padded(e.contig, e.span.0, e.span.1, &mut forward).input()?;
        let mut window = forward.clone();
        if e.tss.strand == Strand::Minus {
            reverse_complement(&mut window);
        }
        self.cache.insert(tss, RefWindow { forward, window, cone: None, prediction: None, check: None, last_chunk: self.chunk_no });
        self.new_references += 1;
        Ok(())
    }

    /// `Some(genome bases)` when REF differs from the genome (N in REF matches any base).
    fn ref_mismatch_at(&mut self, genome: &mut Genome, contig: ContigId, record: &VariantRecord, cached_tss: usize) -> Result<Option<String>> {
        let (start, end) = (record.pos as i64 - 1, record.end() as i64);
        let len = genome.contig(contig).len as i64;
        if end > len {
            return Ok(Some(format!("{} ends at {len}", genome.contig(contig).name)));
        }
        let span = self.index.get(cached_tss).span;
        let bases: &[u8] = if start >= span.0 && end <= span.1 {
            &self.cache[&cached_tss].forward[(start - span.0) as usize..(end - span.0) as usize]
        } else {
            genome.fetch_padded(contig, start, end, &mut self.buf).input()?;
            &self.buf
        };
        let matches = record.reference.bytes().zip(bases).all(|(r, g)| r.eq_ignore_ascii_case(g) || r.eq_ignore_ascii_case(&b'N'));
        Ok((!matches).then(|| String::from_utf8_lossy(bases).to_ascii_uppercase()))
    }

    /// The task scoring `e` against `tss`.
    fn task(&mut self, genome: &mut Genome, tss: usize, e: &Edit, pair: usize) -> Result<Task> {
        let entry = self.index.get(tss);
        let strand = entry.tss.strand;
        if e.is_snv() && self.predictor.as_native().is_some() {
            if let Some(index) = window_index(entry.tss.pos, strand, e.start) {
                self.counts.snv_pairs += 1;
                return Ok(Task::Snv { pair, index, code: base_code(on_strand(e.alt[0], strand)) });
            }
        }
        self.counts.window_pairs += 1;
        self.window_tasks += 1;
        let mut window = Vec::new();
        if e.shift() == 0 {
            window.clone_from(&self.cache[&tss].window);
            for (k, &b) in e.alt.iter().enumerate() {
                if let Some(i) = window_index(entry.tss.pos, strand, e.start + k as u64) {
                    window[i] = on_strand(b, strand);
                }
            }
        } else {
            alt_window(genome, entry.contig, entry.tss.pos, strand, e, &mut window, &mut self.buf)?;
        }
        Ok(Task::Window { pair, window })
    }

    /// Scores everything queued and returns the chunk's records in input order.
    pub fn flush(&mut self) -> Result<Vec<Scored>> {
        self.compute_references();
        self.check_given_references()?;
        let tasks = std::mem::take(&mut self.tasks);
        let (snvs, windows): (Vec<_>, Vec<_>) = tasks.into_iter().partition(|(_, t)| matches!(t, Task::Snv { .. }));
        self.score_snvs(snvs);
        self.score_windows(windows);
        for scored in &mut self.records {
            for p in scored.pairs.iter_mut().filter(|p| p.given.is_none()) {
                p.reference = self.cache[&p.tss].prediction.expect("computed above");
            }
        }
        self.evict();
        self.chunk_no += 1;
        self.new_references = 0;
        self.window_tasks = 0;
        Ok(std::mem::take(&mut self.records))
    }

    /// A precomputed row's ref_prediction must be this run's reference prediction of its TSS,
    /// to the printed digit (computed anyway for the cache).
    fn check_given_references(&self) -> Result<()> {
        let Some(table) = &self.precomputed else { return Ok(()) };
        for s in &self.records {
            for p in s.pairs.iter().filter(|p| p.given.is_some()) {
                let ours = self.cache[&p.tss].prediction.expect("computed above");
                if crate::precompute::micros(p.reference) != crate::precompute::micros(ours) {
                    let t = &self.index.get(p.tss).tss;
                    return Err(crate::input::InputError::msg(format!(
                        "{}: its ref_prediction of {} ({} TSS {}) is {:.6}, where this run computes {ours:.6}: the table was not made from this run's inputs, or was edited",
                        table.path().display(),
                        t.gene_id,
                        t.strand,
                        t.pos + 1,
                        p.reference
                    )));
                }
            }
        }
        Ok(())
    }

    /// Runs the reference windows new to the cache (in parallel).
    fn compute_references(&mut self) {
        let index = self.index;
        match self.predictor.as_native() {
            Some(native) => self.cache.par_iter_mut().filter(|(_, r)| r.prediction.is_none()).for_each(|(&tss, r)| {
                let cone = native.reference(&r.window, &index.get(tss).features);
                r.prediction = Some(cone.prediction);
                r.cone = Some(cone);
            }),
            None => {
                let mut new: Vec<(&usize, &mut RefWindow)> = self.cache.iter_mut().filter(|(_, r)| r.prediction.is_none()).collect();
                for batch in new.chunks_mut(self.batch_size) {
                    let inputs: Vec<ModelInput> = batch.iter().map(|(t, r)| ModelInput { seq: &r.window, features: index.get(**t).features }).collect();
                    let mut out = vec![0f32; inputs.len()];
                    self.predictor.predict_batch(&inputs, &mut out);
                    batch.iter_mut().zip(out).for_each(|((_, r), p)| r.prediction = Some(p));
                }
            }
        }
        self.counts.references += self.new_references as u64;
    }

    /// SNVs through the cone, grouped by TSS (one scratch per group), groups in parallel.
    fn score_snvs(&mut self, snvs: Vec<(usize, Task)>) {
        let Some(native) = self.predictor.as_native() else { return };
        let mut groups: HashMap<usize, Vec<(usize, usize, usize, u8)>> = HashMap::new();
        for (record, task) in snvs {
            if let Task::Snv { pair, index, code } = task {
                let tss = self.records[record].pairs[pair].tss;
                groups.entry(tss).or_default().push((record, pair, index, code));
            }
        }
        let cache = &self.cache;
        let results: Vec<(usize, usize, f32)> = groups
            .into_par_iter()
            .flat_map_iter(|(tss, items)| {
                let cone = cache[&tss].cone.as_ref().expect("native references have cones");
                let mut scratch = cone.scratch();
                items.into_iter().map(move |(record, pair, index, code)| (record, pair, native.substitution(cone, index, code, &mut scratch)))
            })
            .collect();
        for (record, pair, alt) in results {
            self.records[record].pairs[pair].alt = alt;
        }
    }

    /// Other alleles: on the native model, each alt window recomputed from its cached
    /// reference over the span where they differ (`NativeModel::partial`), in parallel;
    /// otherwise whole windows predicted in batches.
    fn score_windows(&mut self, windows: Vec<(usize, Task)>) {
        if let Some(native) = self.predictor.as_native() {
            let (records, cache) = (&self.records, &self.cache);
            let results: Vec<(usize, usize, f32)> = windows
                .par_iter()
                .map_init(PartialScratch::default, |scratch, (record, task)| {
                    let Task::Window { pair, window } = task else { unreachable!("partitioned") };
                    let cone = cache[&records[*record].pairs[*pair].tss].cone.as_ref().expect("native references have cones");
                    (*record, *pair, native.partial(cone, window, scratch))
                })
                .collect();
            for (record, pair, alt) in results {
                self.records[record].pairs[pair].alt = alt;
            }
            return;
        }
        for batch in windows.chunks(self.batch_size) {
            let inputs: Vec<ModelInput> = batch
                .iter()
                .map(|(record, task)| {
                    let Task::Window { pair, window } = task else { unreachable!("partitioned") };
                    let tss = self.records[*record].pairs[*pair].tss;
                    ModelInput { seq: window, features: self.index.get(tss).features }
                })
                .collect();
            let mut out = vec![0f32; inputs.len()];
            self.predictor.predict_batch(&inputs, &mut out);
            for ((record, task), alt) in batch.iter().zip(out) {
                let Task::Window { pair, .. } = task else { unreachable!("partitioned") };
                self.records[*record].pairs[*pair].alt = alt;
            }
        }
    }

    /// Drops references the stream has passed (sorted input: not needed again), and, beyond
    /// `CACHE_KEEP`, those this chunk did not use. Unsorted input stays correct, only slower.
    fn evict(&mut self) {
        if let Some((contig, pos)) = self.last {
            let index = self.index;
            self.cache.retain(|&t, _| {
                let e = index.get(t);
                e.contig == contig && e.span.1 >= pos as i64 - 1
            });
        }
        if self.cache.len() > CACHE_KEEP {
            let chunk = self.chunk_no;
            self.cache.retain(|_, r| r.last_chunk == chunk);
        }
    }
}
