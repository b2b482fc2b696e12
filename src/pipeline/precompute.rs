//! `precompute`: every SNV (the 3 other bases at each A/C/G/T position) of every selected TSS
//! window, one row per (SNV, TSS), written sorted by position across overlapping windows into
//! a bgzip table with its tabix index (`precompute::table`), and optionally the run's
//! distribution of |delta| as a calibration table (`precompute::calibration`).
//!
//! TSSs are placed on the genome and sorted by window start; they are computed in that order
//! (windows cut on one thread, the ISM cone on the others, rows written on a third, through
//! `ordered_map`). Rows wait only until no later window can reach them: before a TSS's rows
//! are added, every waiting row before its window start is written. Memory is the waiting
//! rows, ~24 bytes each: 31,500 per window times the most windows that overlap one base.
//!
//! `--shard K/N` splits the sorted TSSs into N blocks and gives shard K the rows from its
//! first window's start to the next shard's: it also computes the earlier windows that reach
//! into that stretch, so the shards' tables joined in order hold exactly one run's rows.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Result;

use super::select::{Shard, TssSelection};
use super::tss_windows::{TssSource, TssWindows};
use super::{ordered_map, Progress};
use crate::annotation::{Strand, Tss};
use crate::genome::ContigId;
use crate::ism::{saturate, Saturation, BASES};
use crate::model::arch::{N_FEATURES, SEQ_LEN};
use crate::model::Predictor;
use crate::precompute::calibration::Histogram;
use crate::precompute::table::IndexedTable;
use crate::window::onehot::{complement, NO_BASE};
use crate::window::{self, TSS_INDEX};

use crate::precompute::COLUMNS;

pub struct PrecomputeOutputs {
    /// The bgzip table; its `.tbi` is written beside it.
    pub table: PathBuf,
    pub calibration: Option<PathBuf>,
}

pub struct Precompute<'a> {
    pub predictor: &'a dyn Predictor,
    pub batch_size: usize,
    pub quiet: bool,
    /// Only SNVs within this many bp of the TSS (`None`: the whole window).
    pub flank: Option<u32>,
    pub shard: Option<Shard>,
    /// `##` lines (without the `##`): what a reader checks before trusting the table.
    pub provenance: Vec<String>,
    /// The model file's sha256, for each TSS's `check` column (`precompute::tss_check`).
    pub model_sha256: String,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct PrecomputeSummary {
    pub tsss: u64,
    pub rows: u64,
    pub warnings: Vec<String>,
}

/// A TSS placed on the genome.
struct Entry {
    contig: ContigId,
    tss: Tss,
    features: [f32; N_FEATURES],
    /// Window start (0-based, genome coordinates).
    start: i64,
}

/// A row waiting to be written: its genome position, TSS (index into the sorted entries),
/// bases on the plus strand and delta.
#[derive(Clone, Copy)]
struct Row {
    pos: u64,
    entry: u32,
    reference: u8,
    alt: u8,
    /// The prediction with the SNV (as `score-variants` computes it, bit for bit); the delta
    /// written is its printed difference from the reference's (`precompute::printed_delta`).
    prediction: f32,
}

/// What a TSS's rows share, once its window is computed: the reference prediction as
/// printed (and in millionths, for the exact delta) and its `check`.
#[derive(Default)]
struct Computed {
    reference: String,
    reference_micros: i64,
    check: String,
}

impl Precompute<'_> {
    pub fn run(&self, windows: &mut TssWindows<'_>, source: &TssSource, selection: &TssSelection, outputs: &PrecomputeOutputs) -> Result<PrecomputeSummary> {
        let mut table = IndexedTable::create(&outputs.table)?;
        let mut entries = self.placed(windows, source, selection)?;
        entries.sort_by(|a, b| (a.contig, a.start, a.tss.pos, a.tss.strand == Strand::Minus, &a.tss.gene_id, &a.tss.transcript_id).cmp(&(b.contig, b.start, b.tss.pos, b.tss.strand == Strand::Minus, &b.tss.gene_id, &b.tss.transcript_id)));
        let (computed, owned) = shard_plan(&entries, self.shard);
        if Shard::writes_header(self.shard) {
            for line in &self.provenance {
                table.comment(&format!("##{line}"))?;
            }
            table.comment("##pos: 1-based; ref and alt: plus-strand bases (REF as in the genome, upper case); one row per SNV and TSS whose window holds it; N bases have none")?;
            table.comment("##ref_prediction: the TSS window's prediction; alt_prediction: with the SNV; delta: alt_prediction - ref_prediction")?;
            table.comment(COLUMNS)?;
        }
        let range = self.indices();
        let progress = Progress::new(self.quiet, Some(computed.len() as u64), "TSSs");
        let genome = &mut *windows.genome;
        let tasks = computed.clone().map(|i| {
            let e = &entries[i];
            let mut w = Vec::with_capacity(SEQ_LEN);
            window::cut(genome, e.contig, e.tss.pos, e.tss.strand, &mut w).map(|_| (i, w))
        });
        let work = |_: &mut (), (i, w): (usize, Vec<u8>)| -> Result<(usize, Vec<u8>, Saturation)> {
            let sat = saturate(self.predictor, &w, &entries[i].features, range.clone(), self.batch_size);
            Ok((i, w, sat))
        };
        let mut histogram = outputs.calibration.as_ref().map(|_| Histogram::default());
        let mut waiting: Vec<Row> = Vec::new();
        let mut computed: Vec<Computed> = (0..entries.len()).map(|_| Computed::default()).collect();
        let (mut line, mut alt) = (String::new(), String::new());
        let mut write = |rows: &[Row], computed: &[Computed], table: &mut IndexedTable, histogram: &mut Option<Histogram>| -> Result<()> {
            for r in rows {
                let e = &entries[r.entry as usize];
                let t = &e.tss;
                let c = &computed[r.entry as usize];
                // the delta is the difference of the two predictions as printed, exactly
                alt.clear();
                write!(alt, "{:.6}", r.prediction)?;
                let delta = crate::precompute::parse_micros(&alt).expect("printed with 6 decimals") - c.reference_micros;
                line.clear();
                write!(
                    line,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{alt}\t{}\t{}",
                    r.reference as char,
                    r.alt as char,
                    t.gene_id,
                    t.gene_name,
                    t.transcript_id.as_deref().unwrap_or("."),
                    t.strand,
                    t.pos + 1,
                    c.reference,
                    crate::precompute::format_micros(delta),
                    c.check
                )?;
                table.row(&t.chrom, r.pos + 1, &line)?;
                if let Some(h) = histogram.as_mut() {
                    h.add((delta as f64 / 1e6) as f32);
                }
            }
            Ok(())
        };
        // rows before `limit` on `contig` (all when the contig changes) can grow no more
        let mut flush = |waiting: &mut Vec<Row>, until: Option<(ContigId, i64)>, contig: Option<ContigId>, computed: &[Computed], table: &mut IndexedTable, histogram: &mut Option<Histogram>| -> Result<()> {
            waiting.sort_by_key(|r| (r.pos, r.entry, r.alt));
            let n = match until {
                Some((c, limit)) if Some(c) == contig => waiting.partition_point(|r| (r.pos as i64) < limit),
                _ => waiting.len(),
            };
            write(&waiting[..n], computed, table, histogram)?;
            waiting.drain(..n);
            Ok(())
        };
        let mut contig = None;
        ordered_map(tasks, 1, || (), work, |(i, w, sat)| {
            let e = &entries[i];
            flush(&mut waiting, Some((e.contig, e.start)), contig, &computed, &mut table, &mut histogram)?;
            contig = Some(e.contig);
            let reference = format!("{:.6}", sat.reference);
            let reference_micros = crate::precompute::parse_micros(&reference).expect("printed with 6 decimals");
            computed[i] = Computed { reference, reference_micros, check: crate::precompute::tss_check(&self.model_sha256, &w, &e.features) };
            for p in &sat.positions {
                if p.ref_code == NO_BASE {
                    continue; // N: no rows
                }
                let pos = genomic(e, p.index);
                if !owned.contains(e.contig, pos) {
                    continue;
                }
                let on_plus = |b: u8| if e.tss.strand == Strand::Minus { complement(b) } else { b };
                let reference = on_plus(w[p.index].to_ascii_uppercase());
                for alt in p.alts() {
                    waiting.push(Row { pos: pos as u64, entry: i as u32, reference, alt: on_plus(BASES[alt as usize]), prediction: p.alt[alt as usize] });
                }
            }
            progress.inc(1);
            Ok(())
        })?;
        flush(&mut waiting, None, contig, &computed, &mut table, &mut histogram)?;
        progress.finish();
        windows.check_usable(source, selection.is_partial() || self.shard.is_some())?;
        let summary = PrecomputeSummary { tsss: computed.len() as u64, rows: table.rows, warnings: windows.warnings() };
        table.finish()?;
        if let (Some(path), Some(h)) = (&outputs.calibration, &histogram) {
            h.write(path, &self.provenance)?;
        }
        Ok(summary)
    }

    /// Every selected TSS placed on the genome (named as the genome names its chromosome).
    fn placed(&self, windows: &mut TssWindows<'_>, source: &TssSource, selection: &TssSelection) -> Result<Vec<Entry>> {
        let notes = windows.notes.clone();
        let whole = TssSelection { shard: None, ..selection.clone() };
        let (tsss, _, _) = whole.open(source, |_| true, &notes)?;
        let mut entries = Vec::new();
        for tss in tsss {
            let mut tss = tss?;
            let Some((contig, features)) = windows.place(&tss)? else { continue };
            tss.chrom.clone_from(&windows.genome.contig(contig).name);
            let start = window::span(tss.pos, tss.strand).0;
            entries.push(Entry { contig, tss, features, start });
        }
        Ok(entries)
    }

    /// The window indices scored: within `flank` bp of the TSS, or all.
    fn indices(&self) -> std::ops::Range<usize> {
        match self.flank {
            Some(f) => TSS_INDEX.saturating_sub(f as usize)..(TSS_INDEX + f as usize + 1).min(SEQ_LEN),
            None => 0..SEQ_LEN,
        }
    }
}

/// Genome position (0-based) of window index `i` of `e` (may lie past the contig: N there).
fn genomic(e: &Entry, i: usize) -> i64 {
    match e.tss.strand {
        Strand::Plus => e.start + i as i64,
        Strand::Minus => e.tss.pos as i64 + TSS_INDEX as i64 - i as i64,
    }
}

/// The stretch of the genome whose rows a shard writes: from `from` (inclusive) to `to`.
#[derive(Clone, Copy, Debug)]
struct Owned {
    from: Option<(ContigId, i64)>,
    to: Option<(ContigId, i64)>,
}

impl Owned {
    fn contains(&self, contig: ContigId, pos: i64) -> bool {
        self.from.is_none_or(|f| (contig, pos) >= f) && self.to.is_none_or(|t| (contig, pos) < t)
    }
}

/// The entries (sorted) a shard computes and the rows it owns: its block of TSSs, from its
/// first window's start to the next block's, plus the earlier windows reaching into it.
fn shard_plan(entries: &[Entry], shard: Option<Shard>) -> (std::ops::Range<usize>, Owned) {
    let Some(shard) = shard else { return (0..entries.len(), Owned { from: None, to: None }) };
    let block = shard.block(entries.len() as u64);
    let (a, b) = (block.start as usize, block.end as usize);
    let at = |i: usize| entries.get(i).map(|e| (e.contig, e.start));
    let from = if shard.index == 1 { None } else { at(a) };
    let to = if shard.index == shard.count { None } else { at(b) };
    // windows have one length, so sorted by start they are sorted by end: walk back while
    // the previous window still ends past this shard's start
    let mut first = a;
    if let Some((contig, start)) = from {
        while first > 0 && entries[first - 1].contig == contig && entries[first - 1].start + SEQ_LEN as i64 > start {
            first -= 1;
        }
    }
    (first..b, Owned { from, to })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(contig: ContigId, start: i64) -> Entry {
        let tss = Tss { gene_id: format!("g{start}"), gene_name: String::new(), transcript_id: None, chrom: String::new(), pos: (start + 7000) as u64, strand: Strand::Plus };
        Entry { contig, tss, features: [0.0; N_FEATURES], start }
    }

    /// Every row position is owned by exactly one shard, and each shard computes every window
    /// that holds one of its rows.
    #[test]
    fn shards_own_every_row_once() {
        let entries: Vec<Entry> = [(0, 0), (0, 5_000), (0, 9_000), (0, 30_000), (0, 31_000), (1, 0), (1, 100), (1, 50_000)].iter().map(|&(c, s)| entry(c, s)).collect();
        for n in 1..=8u64 {
            let plans: Vec<_> = (1..=n).map(|k| shard_plan(&entries, Some(Shard { index: k, count: n }))).collect();
            for (i, e) in entries.iter().enumerate() {
                for pos in (e.start..e.start + SEQ_LEN as i64).step_by(37) {
                    let owners: Vec<usize> = plans.iter().enumerate().filter(|(_, (_, o))| o.contains(e.contig, pos)).map(|(k, _)| k).collect();
                    assert_eq!(owners.len(), 1, "{n} shards: row {}:{pos} owned by {owners:?}", e.contig);
                    assert!(plans[owners[0]].0.contains(&i), "{n} shards: the owner of {}:{pos} does not compute entry {i}", e.contig);
                }
            }
        }
    }
}
