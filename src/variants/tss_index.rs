//! Every TSS window of the annotation, by chromosome and window start, so that each variant
//! finds the windows it changes with a binary search (a variant far from every TSS costs one
//! lookup and no genome access). TSSs are few (tens of thousands), so they are held whole;
//! variants stream past them.

use std::collections::HashMap;
use std::ops::Range;

use anyhow::Result;

use super::allele::Edit;
use crate::annotation::Tss;
use crate::genome::ContigId;
use crate::model::arch::{N_FEATURES, SEQ_LEN};
use crate::pipeline::tss_windows::{TssSource, TssWindows};
use crate::window;

/// A TSS placed on the genome, with its features and forward-strand window span.
#[derive(Clone, Debug)]
pub struct TssEntry {
    pub tss: Tss,
    pub contig: ContigId,
    pub features: [f32; N_FEATURES],
    /// `[start, end)`, 0-based, may run past the chromosome ends.
    pub span: (i64, i64),
}

/// TSS windows sorted by (contig, start).
pub struct TssIndex {
    entries: Vec<TssEntry>,
    by_contig: HashMap<ContigId, Range<usize>>,
}

impl TssIndex {
    /// Reads every TSS of `source` that `windows` can place (others are counted there).
    pub fn load(windows: &mut TssWindows<'_>, source: &TssSource) -> Result<Self> {
        let (tsss, _) = source.open(&windows.notes.clone())?;
        let mut entries = Vec::new();
        for tss in tsss {
            let mut tss = tss?;
            if let Some((contig, features)) = windows.place(&tss)? {
                // named as the genome names it, like every output of a run (annotate's TSV)
                tss.chrom.clone_from(&windows.genome.contig(contig).name);
                let span = window::span(tss.pos, tss.strand);
                entries.push(TssEntry { tss, contig, features, span });
            }
        }
        entries.sort_by_key(|e| (e.contig, e.span.0));
        let mut by_contig: HashMap<ContigId, Range<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            by_contig.entry(e.contig).or_insert(i..i).end = i + 1;
        }
        Ok(TssIndex { entries, by_contig })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, id: usize) -> &TssEntry {
        &self.entries[id]
    }

    /// Ids of the TSSs whose window `edit` changes.
    pub fn hits<'a>(&'a self, contig: ContigId, edit: &'a Edit) -> impl Iterator<Item = usize> + 'a {
        let range = self.by_contig.get(&contig).cloned().unwrap_or(0..0);
        let here = &self.entries[range.clone()];
        let first = here.partition_point(|e| e.span.0 <= edit.start as i64 - SEQ_LEN as i64);
        let last = edit.start as i64 + edit.ref_len.max(1) as i64;
        here[first..]
            .iter()
            .take_while(move |e| e.span.0 < last)
            .enumerate()
            .filter(|(_, e)| edit.touches(e.span.0, e.span.1))
            .map(move |(i, _)| range.start + first + i)
    }

    /// The windows of `contig` merged into sorted, disjoint 1-based inclusive intervals
    /// (clamped at 1): what an indexed VCF reader needs to visit.
    pub fn regions(&self, contig: ContigId) -> Vec<(u64, u64)> {
        let mut out: Vec<(u64, u64)> = Vec::new();
        for e in &self.entries[self.by_contig.get(&contig).cloned().unwrap_or(0..0)] {
            let (start, end) = ((e.span.0 + 1).max(1) as u64, e.span.1.max(1) as u64);
            match out.last_mut() {
                Some(last) if start <= last.1 + 1 => last.1 = last.1.max(end),
                _ => out.push((start, end)),
            }
        }
        out
    }
}
