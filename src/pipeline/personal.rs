//! `personal`: every TSS window (in genome order) x every chosen sample x each of its
//! haplotypes. For a window, each sample haplotype is keyed by the alleles it carries that
//! can change the window (`window_key`); each distinct key's window is built once, from the
//! genome around the TSS (`variants::alt_window`), and predicted once: by the native model's
//! local evaluation (each distinct conv1 bin and conv2 row of a TSS once; TSSs planned and
//! evaluated on every thread through `ordered_map`), or by any other backend through
//! `predict_stream`. Values are fanned out to every carrier; identical windows of different
//! keys count once (`distinct`).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;

use super::{ordered_map, predict_stream, Job, Progress};
use crate::annotation::Strand;
use crate::genome::Genome;
use crate::input::InputError;
use crate::model::arch::{L1, SEQ_LEN};
use crate::model::Predictor;
use crate::output::Output;
use crate::personal::genotype::Allele;
use crate::personal::sites::{Site, SiteCounts, Sites};
use crate::personal::transpose::Transposer;
use crate::variants::allele::Edit;
use crate::variants::alt_window::{haplotype_span, haplotype_window_in, substituted_window};
use crate::variants::tss_index::TssEntry;
use crate::window;

/// How far beyond a window the VCF is read: an upstream deletion pulls bases from beyond the
/// window's end into it, and those may carry alleles too. Exact while a haplotype's alleles
/// in one window delete less than this in total.
pub const MARGIN: i64 = SEQ_LEN as i64;

/// What to do when a sample has an unphased heterozygous site and a second heterozygous site
/// (phased or not) in one window: which alleles share a haplotype is then unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Unphased {
    /// Write the sample's value as NA for that TSS, and count it.
    Skip,
    /// Stop with an error naming the sample, TSS and sites.
    Error,
    /// Take the alleles in the order written (`0/1` as `0|1`), as `bcftools consensus -H`.
    AsListed,
}

/// The layout of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MatrixFormat {
    /// Genes x samples, with the TSS and reference columns (xpresso's own).
    Matrix,
    /// Samples x genes as PrediXcan's `Predict.py` writes it: `FID IID gene...`.
    Predixcan,
}

pub struct PersonalOutputs {
    /// Genes x samples (or sample haplotypes), or samples x genes (`format`).
    pub matrix: PathBuf,
    pub format: MatrixFormat,
    /// One column per sample haplotype (`S:1`, `S:2`) instead of the sample mean.
    pub haplotypes: bool,
    /// gene, sample, haplotype, prediction, variants.
    pub long: Option<PathBuf>,
    /// Per TSS: what its window held and what was computed (`TssStats`).
    pub summary: Option<PathBuf>,
}

pub struct Personal<'a> {
    pub predictor: &'a dyn Predictor,
    pub batch_size: usize,
    pub quiet: bool,
    pub unphased: Unphased,
    pub samples: Vec<String>,
    pub per_transcript: bool,
    /// `##` lines (provenance), without the `##`.
    pub provenance: Vec<String>,
    /// Header lines are written (false for shards after the first: their outputs join with cat).
    pub writes_header: bool,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct PersonalSummary {
    pub tsss: u64,
    pub samples: u64,
    pub sample_haplotypes: u64,
    /// Distinct windows predicted (the reference included, once per TSS).
    pub distinct: u64,
    pub unphased_missing: u64,
    pub overlapping_skipped: u64,
    /// Haplotype windows left NA: their deletions pull in bases beyond the VCF read around the window.
    pub beyond_margin: u64,
    /// What the native model's local evaluation computed (distinct conv1 bins, conv2 rows).
    pub local: Option<crate::model::local::LocalStats>,
    pub sites: SiteCounts,
}

impl PersonalSummary {
    pub fn report(&self) -> (String, Vec<String>) {
        let line = format!(
            "{} TSSs x {} samples: {} sample haplotypes from {} distinct windows ({:.1} per TSS); {} VCF records read",
            self.tsss,
            self.samples,
            self.sample_haplotypes,
            self.distinct,
            self.distinct as f64 / self.tsss.max(1) as f64,
            self.sites.records
        );
        let line = match self.local {
            Some(l) if l.windows > 0 => format!(
                "{line}; {:.1} distinct conv1 bins and {:.1} distinct conv2 rows per bin and row position per TSS (of {:.1} windows)",
                l.bins as f64 / (self.tsss.max(1) * L1 as u64) as f64,
                l.rows as f64 / (self.tsss.max(1) * L1 as u64) as f64,
                l.windows as f64 / self.tsss.max(1) as f64
            ),
            _ => line,
        };
        let mut warnings = Vec::new();
        let s = &self.sites;
        if self.unphased_missing > 0 {
            warnings.push(format!(
                "{} sample x TSS values are NA: an unphased heterozygous site and a second heterozygous site in the window (--unphased as-listed uses the written order)",
                self.unphased_missing
            ));
        }
        if self.beyond_margin > 0 {
            warnings.push(format!(
                "{} sample haplotype windows are NA: their deletions (over {} kb in all) pull in bases beyond the {} kb of VCF read on each side of the window",
                self.beyond_margin,
                MARGIN / 1000,
                MARGIN / 1000
            ));
        }
        if self.overlapping_skipped > 0 {
            warnings.push(format!("{} alleles not applied: they overlap an allele already applied on the same haplotype (as bcftools consensus skips them)", self.overlapping_skipped));
        }
        if s.ref_mismatches > 0 {
            warnings.push(format!("{} records have a REF that differs from the genome: left out (wrong assembly?)", s.ref_mismatches));
        }
        warnings.extend(super::missing::warnings(&s.unknown_chroms, "of the VCF ", "records", "left out"));
        for (reason, n) in &s.skipped_alleles {
            warnings.push(format!("{n} ALT alleles kept as reference: {}", reason.describe()));
        }
        if s.missing_calls > 0 {
            warnings.push(format!("{} sample alleles are missing (`.`): kept as reference (as bcftools consensus does)", s.missing_calls));
        }
        if s.not_pass > 0 {
            warnings.push(format!("{} records not PASS: left out (--pass-only)", s.not_pass));
        }
        (line, warnings)
    }
}

/// One TSS: which distinct window each sample haplotype has, and what each carries. The
/// windows themselves are not kept: each distinct one is rebuilt from its key when it is
/// evaluated, so memory per TSS is its keys (a few bytes per applied allele) and the genome
/// bases around it, not 10.5 kB per distinct window.
struct Plan {
    entry: TssEntry,
    /// Per sample: its haplotypes' keys (`None`: NA). Empty: no haplotype.
    haplotypes: Vec<Vec<Option<usize>>>,
    /// Per key: the distinct window it gives, and its alleles in the window (`pos:ref>alt;...`,
    /// only when the long table is written).
    keys: Vec<(usize, String)>,
    /// Per distinct window: the alleles that build it, as (site, allele) of `near`; the
    /// first is the reference window.
    reps: Vec<Vec<(u32, Allele)>>,
    /// The sites near the window (within `MARGIN`), in order.
    near: Vec<Arc<Site>>,
    /// The genome's bases of `[window start - MARGIN, window end + MARGIN)`: every window a
    /// key builds lies inside (keys reaching beyond are NA).
    local: Vec<u8>,
    stats: TssStats,
    counts: PlanCounts,
}

/// What a TSS is planned from: its sites and the genome around it, read in genome order on
/// one thread, then planned and evaluated on any.
struct TssInput {
    entry: TssEntry,
    contig_name: String,
    near: Vec<Arc<Site>>,
    local: Vec<u8>,
    vcf: Arc<std::path::Path>,
}

/// One TSS's row of the per-gene summary.
#[derive(Clone, Copy, Debug, Default)]
struct TssStats {
    /// VCF records whose REF overlaps the window (after FILTER and REF checks).
    in_window: u32,
    /// Records with an ALT allele that some chosen haplotype carries and that changes its
    /// window (in the window, or pulled into it by a deletion).
    used: u32,
    /// Samples NA: an unphased het and a second het (--unphased skip).
    na_unphased: u32,
    /// Samples NA: a haplotype's deletions reach beyond the VCF read.
    na_beyond: u32,
}

/// The edits a key applies, in order: (site, allele) of `near`.
fn edits_of<'e>(near: &'e [Arc<Site>], key: &[(u32, Allele)]) -> Vec<&'e Edit> {
    key.iter().map(|&(i, a)| near[i as usize].edits[a as usize - 1].as_ref().expect("keys hold applied alleles")).collect()
}

/// What the plans counted, for the summary.
#[derive(Clone, Copy, Default)]
struct PlanCounts {
    haplotypes: u64,
    unphased_na: u64,
    overlaps: u64,
    beyond_margin: u64,
}

impl PlanCounts {
    fn add(&mut self, o: &PlanCounts) {
        self.haplotypes += o.haplotypes;
        self.unphased_na += o.unphased_na;
        self.overlaps += o.overlaps;
        self.beyond_margin += o.beyond_margin;
    }
}

impl Plan {
    fn lo(&self) -> i64 {
        self.entry.span.0 - MARGIN
    }

    /// The reference window, from `local`.
    fn reference_window(&self, out: &mut Vec<u8>) {
        let (ws, we) = self.entry.span;
        debug_assert_eq!((ws, we), window::span(self.entry.tss.pos, self.entry.tss.strand));
        out.clear();
        out.extend_from_slice(&self.local[(ws - self.lo()) as usize..(we - self.lo()) as usize]);
        if self.entry.tss.strand == Strand::Minus {
            window::onehot::reverse_complement(out);
        }
    }

    /// Distinct window `d` (> 0): substitutions written into `reference` (the reference
    /// window), indels walked over `local`.
    fn window(&self, d: usize, reference: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let t = &self.entry.tss;
        let edits = edits_of(&self.near, &self.reps[d]);
        if substituted_window(reference, t.pos, t.strand, &edits, out) {
            if cfg!(debug_assertions) {
                let mut walked = Vec::new();
                haplotype_window_in(&self.local, self.lo(), t.pos, t.strand, &edits, &mut walked)?;
                assert_eq!(&walked, out, "substituted window of {} rep {d}", t.gene_id);
            }
            return Ok(());
        }
        haplotype_window_in(&self.local, self.lo(), t.pos, t.strand, &edits, out).map(|_| ())
    }
}

/// Each TSS's inputs, in order: the sites near it and the genome around it.
struct Inputs<'g, I> {
    genome: &'g mut Genome,
    sites: Sites,
    entries: I,
    vcf: Arc<std::path::Path>,
}

impl<I: Iterator<Item = TssEntry>> Iterator for Inputs<'_, I> {
    type Item = Result<TssInput>;

    fn next(&mut self) -> Option<Self::Item> {
        let entry = self.entries.next()?;
        let (ws, we) = entry.span;
        let (lo, hi) = (ws - MARGIN, we + MARGIN);
        let read = (|| {
            let near: Vec<Arc<Site>> = self.sites.around(self.genome, entry.contig, lo, hi)?.iter().filter(|s| s.overlaps(lo, hi)).cloned().collect();
            let mut local = Vec::new();
            self.genome.fetch_padded(entry.contig, lo, hi, &mut local)?;
            Ok(TssInput { contig_name: self.genome.contig(entry.contig).name.clone(), entry, near, local, vcf: self.vcf.clone() })
        })();
        Some(read)
    }
}

/// For backends other than the native one: each TSS planned, then its distinct windows
/// built one by one as jobs of `predict_stream`.
struct Jobs<'a, I> {
    personal: &'a Personal<'a>,
    inputs: I,
    current: Option<(Arc<Plan>, usize)>,
    listed: bool,
    /// The current TSS's reference window (its first job).
    reference: Vec<u8>,
}

impl<I: Iterator<Item = Result<TssInput>>> Iterator for Jobs<'_, I> {
    type Item = Result<Job<(Arc<Plan>, usize, bool, u128)>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((plan, d)) = self.current.take() {
                if d < plan.reps.len() {
                    let mut window = Vec::with_capacity(SEQ_LEN);
                    if d == 0 {
                        plan.reference_window(&mut window);
                        self.reference.clone_from(&window);
                    } else if let Err(err) = plan.window(d, &self.reference, &mut window) {
                        return Some(Err(err));
                    }
                    let last = d + 1 == plan.reps.len();
                    let features = plan.entry.features;
                    let id = digest(&window);
                    self.current = Some((plan.clone(), d + 1));
                    return Some(Ok(Job { meta: (plan, d, last, id), window, features }));
                }
            }
            let planned = self.inputs.next()?.and_then(|input| self.personal.plan(input, self.listed));
            match planned {
                Ok(plan) => self.current = Some((Arc::new(plan), 0)),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// What a native worker keeps between TSSs.
struct Worker<'m> {
    eval: crate::model::local::LocalEval<'m>,
    reference: Vec<u8>,
    window: Vec<u8>,
}

/// The alleles of a haplotype key that can change its window: those whose REF span comes
/// within D of the reference window `[ws, we)`, D the sum of the key's length changes. The
/// window is a fixed stretch around the haplotype's TSS, and its bases come from the genome
/// within `[ws - D, we + D)` (a deletion pulls in at most its length); an allele wholly
/// beyond that either lies downstream of every base read, or upstream, where it moves the TSS
/// and the whole stretch together. So haplotypes that differ only in far alleles (the
/// margins' SNVs, most of a cohort's keys) share one window, built once. Kept generous by a
/// base on each side; identical windows from different keys are still merged by digest.
/// The kept alleles are written to `out`.
fn window_key(key: &[(u32, Allele)], near: &[Arc<Site>], ws: i64, we: i64, out: &mut Vec<(u32, Allele)>) {
    out.clear();
    let edit = |&(i, a): &(u32, Allele)| near[i as usize].edits[a as usize - 1].as_ref().expect("keys hold applied alleles");
    let reach: i64 = key.iter().map(|k| edit(k).shift().abs()).sum();
    let (lo, hi) = (ws - reach - 1, we + reach + 1);
    out.extend(key.iter().filter(|k| {
        let e = edit(k);
        (e.start as i64) < hi && (e.start + e.ref_len) as i64 > lo
    }));
}

/// A 128-bit digest of a window, to count identical windows of different keys as one
/// (`distinct`); values never depend on it. Two multiply-rotate lanes over 8-byte words
/// (~10 GB/s), each finished by an avalanche: windows are not adversarial.
fn digest(window: &[u8]) -> u128 {
    const K: [u64; 2] = [0x9e37_79b9_7f4a_7c15, 0xc2b2_ae3d_27d4_eb4f];
    let (mut a, mut b) = (K[1] ^ window.len() as u64, K[0]);
    let mut words = window.chunks_exact(8);
    for w in words.by_ref() {
        let v = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        a = (a ^ v).wrapping_mul(K[0]).rotate_left(29);
        b = (b.rotate_left(17) ^ v).wrapping_mul(K[1]);
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    let v = u64::from_le_bytes(tail);
    let mix = |mut x: u64| {
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^ (x >> 33)
    };
    (u128::from(mix(a ^ v)) << 64) | u128::from(mix(b ^ v.rotate_left(32)))
}


impl Personal<'_> {
    /// Runs `entries` (sorted by contig and window start) against `sites`.
    pub fn run(&self, genome: &mut Genome, entries: Vec<TssEntry>, sites: Sites, outputs: &PersonalOutputs) -> Result<PersonalSummary> {
        let mut matrix = Output::create(&outputs.matrix)?;
        let mut long = outputs.long.as_deref().map(Output::create).transpose()?;
        let mut per_tss = outputs.summary.as_deref().map(Output::create).transpose()?;
        let mut predixcan = match outputs.format {
            MatrixFormat::Predixcan => Some(Transposer::new(self.samples.clone())?),
            MatrixFormat::Matrix => None,
        };
        if self.writes_header {
            self.write_headers(&mut matrix, long.as_mut(), outputs.haplotypes, predixcan.is_some())?;
            if let Some(out) = per_tss.as_mut() {
                self.write_summary_header(out)?;
            }
        }
        let mut summary = PersonalSummary { tsss: entries.len() as u64, ..Default::default() };
        let progress = Progress::new(self.quiet, None, "windows");
        let vcf: Arc<std::path::Path> = sites.path().into();
        let mut inputs = Inputs { genome, sites, entries: entries.into_iter(), vcf: vcf.clone() };
        let listed = long.is_some();
        let per_transcript = self.per_transcript;
        let samples = &self.samples;
        let (mut counts, mut distinct_windows) = (PlanCounts::default(), 0u64);
        // one TSS's values (per distinct window) and digests, written out
        let mut finish = |plan: &Plan, values: &[f32], digests: &[u128]| -> Result<()> {
            counts.add(&plan.counts);
            progress.inc(values.len() as u64);
            // windows that differ by key but not by content count once
            distinct_windows += digests.iter().collect::<std::collections::HashSet<_>>().len() as u64;
            let distinct = distinct_used(plan, digests);
            if let Some(out) = per_tss.as_mut() {
                write_summary_row(out, plan, per_transcript, distinct)?;
            }
            match predixcan.as_mut() {
                Some(t) => {
                    let t_ = &plan.entry.tss;
                    let name = if per_transcript { t_.transcript_id.as_deref().unwrap_or(&t_.gene_id) } else { &t_.gene_id };
                    t.push(name, &format!("{}:{}", t_.chrom, t_.pos + 1), plan.haplotypes.iter().map(|haps| sample_mean(plan, values, haps)))?;
                    if let Some(long) = long.as_mut() {
                        write_long(long, plan, values, per_transcript, samples)?;
                    }
                }
                None => write_rows(&mut matrix, long.as_mut(), plan, values, distinct, per_transcript, outputs.haplotypes, samples)?,
            }
            Ok(())
        };
        if let Some(native) = self.predictor.as_native() {
            // the native model evaluates a TSS's haplotypes by their distinct local pieces;
            // TSSs are planned and evaluated on every thread, read on one more
            let init = || Worker { eval: crate::model::local::LocalEval::new(native), reference: Vec::with_capacity(SEQ_LEN), window: Vec::with_capacity(SEQ_LEN) };
            let work = |w: &mut Worker, input: TssInput| -> Result<(Plan, Vec<f32>, Vec<u128>)> {
                let plan = self.plan(input, listed)?;
                w.eval.reset();
                plan.reference_window(&mut w.reference);
                let (mut values, mut digests) = (Vec::with_capacity(plan.reps.len()), Vec::with_capacity(plan.reps.len()));
                for d in 0..plan.reps.len() {
                    let window = match d {
                        0 => &w.reference,
                        _ => {
                            plan.window(d, &w.reference, &mut w.window)?;
                            &w.window
                        }
                    };
                    values.push(w.eval.predict(window, &plan.entry.features));
                    digests.push(digest(window));
                }
                Ok((plan, values, digests))
            };
            let workers = ordered_map(&mut inputs, rayon::current_num_threads(), init, work, |(plan, values, digests)| finish(&plan, &values, &digests))?;
            let mut local = crate::model::local::LocalStats::default();
            for w in workers {
                local.windows += w.eval.stats.windows;
                local.bins += w.eval.stats.bins;
                local.rows += w.eval.stats.rows;
            }
            summary.local = Some(local);
        } else {
            let jobs = Jobs { personal: self, inputs: &mut inputs, current: None, listed, reference: Vec::new() };
            let (mut values, mut digests) = (Vec::new(), Vec::new());
            predict_stream(jobs, self.predictor, self.batch_size, &Progress::new(true, None, "windows"), |(plan, i, last, id): (Arc<Plan>, usize, bool, u128), p| {
                if i == 0 {
                    values.clear();
                    digests.clear();
                }
                values.push(p);
                digests.push(id);
                if last {
                    finish(&plan, &values, &digests)?;
                }
                Ok(())
            })?;
        }
        progress.finish();
        summary.samples = samples.len() as u64;
        summary.sample_haplotypes = counts.haplotypes;
        summary.unphased_missing = counts.unphased_na;
        summary.overlapping_skipped = counts.overlaps;
        summary.distinct = distinct_windows;
        summary.beyond_margin = counts.beyond_margin;
        summary.sites = inputs.sites.counts.clone();
        crate::variants::contigs::check_some_known(summary.sites.records, &summary.sites.unknown_chroms, &vcf, inputs.genome)?;
        if let Some(t) = predixcan {
            t.write(&mut matrix)?;
        }
        matrix.finish()?;
        if let Some(l) = long {
            l.finish()?;
        }
        if let Some(out) = per_tss {
            out.finish()?;
        }
        Ok(summary)
    }

    /// Which distinct window each sample haplotype of one TSS has (the reference first).
    fn plan(&self, input: TssInput, listed: bool) -> Result<Plan> {
        let TssInput { entry, contig_name, near, local, vcf } = input;
        let (ws, we) = entry.span;
        let (lo, hi) = (ws - MARGIN, we + MARGIN);
        let mut counts = PlanCounts::default();
        let mut reps: Vec<Vec<(u32, Allele)>> = vec![Vec::new()];
        let mut key_ids: foldhash::HashMap<Vec<(u32, Allele)>, usize> = Default::default();
        key_ids.insert(Vec::new(), 0);
        let mut keys = vec![(0usize, String::new())];
        // a key whose window reads bases beyond the sites read (a long deletion): NA
        const BEYOND: usize = usize::MAX;
        // one pass over the sites, site by site (each site's calls are contiguous): every
        // sample's ploidy and heterozygous sites in the window, every haplotype's alleles
        let n = self.samples.len();
        // a sample is diploid at a site unless listed odd there: its ploidy is 2 when some
        // site does not list it, else the largest listed (0: none stated)
        let (mut odd_sites, mut odd_max) = (vec![0u32; n], vec![0u8; n]);
        let (mut hets, mut unphased_hets) = (vec![0u32; n], vec![0u32; n]);
        // every haplotype's applied alleles as (haplotype, site, allele), grouped below: one
        // vector for the TSS instead of one per haplotype
        let (mut applied, mut last_end, mut overlaps) = (Vec::new(), vec![0u64; 2 * n], vec![0u64; 2 * n]);
        // No key keeps an allele farther from the window than the key's total length change
        // (`window_key`), so none farther than every site's largest change summed: such a
        // site's carriers are passed over (most of the margins' sites), unless the next site
        // starts inside its REF (then it decides which of the two a haplotype applies).
        let reach: i64 = near.iter().map(|s| s.edits.iter().flatten().map(|e| e.shift().abs()).max().unwrap_or(0)).sum();
        let (zone_lo, zone_hi) = (ws - reach - 1, we + reach + 1);
        let far = |i: usize| {
            let site = &near[i];
            let outside = site.edits.iter().flatten().all(|e| (e.start as i64) >= zone_hi || ((e.start + e.ref_len) as i64) <= zone_lo);
            outside && near.get(i + 1).is_none_or(|next| next.pos > site.end)
        };
        for (i, site) in near.iter().enumerate() {
            for &(s, p) in &site.calls.odd_ploidy {
                odd_sites[s as usize] += 1;
                odd_max[s as usize] = odd_max[s as usize].max(p);
            }
            if site.overlaps(ws, we) {
                for &(s, phased) in &site.calls.hets {
                    hets[s as usize] += 1;
                    unphased_hets[s as usize] += u32::from(!phased);
                }
            }
            if far(i) {
                continue;
            }
            for &(k, a) in &site.calls.carriers {
                if site.edits[a as usize - 1].is_none() {
                    continue;
                }
                let k = k as usize;
                if site.pos <= last_end[k] {
                    overlaps[k] += 1;
                    continue;
                }
                last_end[k] = site.end;
                applied.push((k as u32, i as u32, a));
            }
        }
        // grouped by haplotype with a counting sort (stable: each haplotype's alleles stay
        // in site order)
        let mut starts = vec![0u32; 2 * n + 1];
        for &(k, _, _) in &applied {
            starts[k as usize + 1] += 1;
        }
        for k in 0..2 * n {
            starts[k + 1] += starts[k];
        }
        let mut grouped = vec![(0u32, 0 as Allele); applied.len()];
        let mut next = starts.clone();
        for &(k, i, a) in &applied {
            grouped[next[k as usize] as usize] = (i, a);
            next[k as usize] += 1;
        }
        let alleles_of = |k: usize| &grouped[starts[k] as usize..starts[k + 1] as usize];
        let mut stats = TssStats { in_window: near.iter().filter(|s| s.overlaps(ws, we)).count() as u32, ..Default::default() };
        let mut haplotypes = Vec::with_capacity(n);
        let mut key = Vec::new();
        for s in 0..n {
            // the sample's ploidy from the calls that state one (a lone `.` does not)
            let ploidy = match (odd_sites[s] as usize) < near.len() {
                true => 2,
                false if odd_max[s] > 0 => odd_max[s],
                false => 2,
            };
            // phase matters once an unphased het meets a second het site, phased or not
            let unphased = unphased_hets[s] as usize;
            if unphased >= 1 && hets[s] >= 2 {
                match self.unphased {
                    Unphased::Skip => {
                        counts.unphased_na += 1;
                        stats.na_unphased += 1;
                        haplotypes.push(vec![None; ploidy as usize]);
                        counts.haplotypes += u64::from(ploidy);
                        continue;
                    }
                    Unphased::Error => {
                        let in_window: Vec<(&Arc<Site>, bool)> = near.iter().filter(|site| site.overlaps(ws, we)).filter_map(|site| site.calls.het(s).map(|(_, phased)| (site, phased))).collect();
                        let at: Vec<String> = in_window.iter().map(|(x, phased)| format!("{}{}", x.pos, if *phased { "" } else { " (unphased)" })).collect();
                        return Err(InputError::msg(format!(
                            "{}: sample {} has {} heterozygous sites in the window of {} ({}:{}), {unphased} of them unphased: positions {}; phase the VCF, or use --unphased skip|as-listed",
                            vcf.display(),
                            self.samples[s],
                            in_window.len(),
                            entry.tss.gene_id,
                            contig_name,
                            entry.tss.pos + 1,
                            at.join(", ")
                        )));
                    }
                    Unphased::AsListed => {}
                }
            }
            let mut mine = Vec::with_capacity(ploidy as usize);
            for h in 0..ploidy as usize {
                counts.haplotypes += 1;
                counts.overlaps += overlaps[2 * s + h];
                window_key(alleles_of(2 * s + h), &near, ws, we, &mut key);
                let found = if key.is_empty() { Some(&0) } else { key_ids.get(key.as_slice()) };
                let id = match found {
                    Some(&id) => id,
                    None => {
                        let id = keys.len();
                        let (first, end) = haplotype_span(entry.tss.pos, entry.tss.strand, &edits_of(&near, &key));
                        let rep = if first < lo || end > hi {
                            counts.beyond_margin += 1;
                            BEYOND
                        } else {
                            reps.push(key.clone());
                            reps.len() - 1
                        };
                        let text = if listed {
                            key.iter()
                                .map(|&(i, a)| (&near[i as usize], a))
                                .filter(|(site, _)| site.overlaps(ws, we))
                                .map(|(site, a)| format!("{}:{}>{}", site.pos, site.reference, site.alts[a as usize - 1]))
                                .collect::<Vec<_>>()
                                .join(";")
                        } else {
                            String::new()
                        };
                        key_ids.insert(key.clone(), id);
                        keys.push((rep, text));
                        id
                    }
                };
                mine.push((keys[id].0 != BEYOND).then_some(id));
            }
            stats.na_beyond += u32::from(mine.iter().any(Option::is_none));
            haplotypes.push(mine);
        }
        let mut used = vec![false; near.len()];
        for (key, _) in key_ids.iter().filter(|(_, &id)| keys[id].0 != BEYOND) {
            // a key keeps a base of margin on each side; count only what is read
            let reach: i64 = edits_of(&near, key).iter().map(|e| e.shift().abs()).sum();
            for &(i, _) in key {
                used[i as usize] |= near[i as usize].overlaps(ws - reach, we + reach);
            }
        }
        stats.used = used.iter().filter(|&&u| u).count() as u32;
        Ok(Plan { entry, haplotypes, keys, reps, near, local, stats, counts })
    }

    fn write_headers(&self, matrix: &mut Output, long: Option<&mut Output>, per_haplotype: bool, predixcan: bool) -> Result<()> {
        let notes = [
            "values: the model's prediction (z-scored log10(expression + 0.1)) of each haplotype's 10.5 kb TSS window, built by applying the ALT alleles the haplotype carries (score-variants' trimming and anchoring rules); NA: not known (an unphased heterozygous site and a second heterozygous site, --unphased skip; or deletions reaching beyond the VCF read); .: no such haplotype (haploid call)".to_string(),
            format!("columns: {}", if per_haplotype { "one per sample haplotype (SAMPLE:1, SAMPLE:2), as GT lists them" } else { "one per sample: the mean of its haplotypes" }),
            "reference: the reference window's prediction; distinct: how many different windows the samples' haplotypes have".to_string(),
        ];
        let tx = if self.per_transcript { "\ttranscript_id" } else { "" };
        // PrediXcan's layout has no comment lines: its readers take the first line as the header
        for line in self.provenance.iter().chain(&notes).filter(|_| !predixcan) {
            writeln!(matrix, "##{line}")?;
        }
        if let Some(long) = long {
            for line in self.provenance.iter().chain(&notes[..1]) {
                writeln!(long, "##{line}")?;
            }
            writeln!(long, "##variants: the alleles applied inside the window, as POS:REF>ALT of the VCF; . for none")?;
            writeln!(long, "gene_id\tgene_name{tx}\tsample\thaplotype\tprediction\tvariants")?;
        }
        if !predixcan {
            let columns: Vec<String> = if per_haplotype { self.samples.iter().flat_map(|s| [format!("{s}:1"), format!("{s}:2")]).collect() } else { self.samples.clone() };
            writeln!(matrix, "gene_id\tgene_name{tx}\tchrom\ttss\tstrand\treference\tdistinct\t{}", columns.join("\t"))?;
        }
        Ok(())
    }
}

impl Personal<'_> {
    fn write_summary_header(&self, out: &mut Output) -> Result<()> {
        for line in &self.provenance {
            writeln!(out, "##{line}")?;
        }
        for line in [
            "variants_in_window: VCF records whose REF overlaps the TSS window (PASS or not as --pass-only says, REF matching the genome)",
            "variants_used: records with an ALT allele that at least one chosen sample haplotype carries and that changes its window (inside it, or pulled into it by an upstream deletion)",
            "distinct_windows: the different windows the samples' haplotypes have (the reference counted when a haplotype has it)",
            "samples_na_unphased: samples whose value is NA: an unphased heterozygous site and a second heterozygous site in the window (--unphased skip)",
            "samples_na_long_deletion: samples with a haplotype left NA: its deletions reach beyond the VCF read around the window",
        ] {
            writeln!(out, "##{line}")?;
        }
        let tx = if self.per_transcript { "\ttranscript_id" } else { "" };
        writeln!(out, "gene_id\tgene_name{tx}\tchrom\ttss\tstrand\tvariants_in_window\tvariants_used\tdistinct_windows\tsamples_na_unphased\tsamples_na_long_deletion")?;
        Ok(())
    }
}

/// One TSS's row of the per-gene summary.
fn write_summary_row(out: &mut Output, plan: &Plan, per_transcript: bool, distinct: usize) -> Result<()> {
    let t = &plan.entry.tss;
    let strand = if t.strand == Strand::Plus { "+" } else { "-" };
    let tx = if per_transcript { format!("\t{}", t.transcript_id.as_deref().unwrap_or(".")) } else { String::new() };
    let s = plan.stats;
    writeln!(out, "{}\t{}{tx}\t{}\t{}\t{strand}\t{}\t{}\t{}\t{}\t{}", t.gene_id, t.gene_name, t.chrom, t.pos + 1, s.in_window, s.used, distinct, s.na_unphased, s.na_beyond)?;
    Ok(())
}

/// The distinct windows the haplotypes have (the matrix's `distinct` column), by content:
/// `digests` per rep.
fn distinct_used(plan: &Plan, digests: &[u128]) -> usize {
    plan.haplotypes.iter().flatten().flatten().map(|&k| digests[plan.keys[k].0]).collect::<std::collections::HashSet<u128>>().len()
}

#[allow(clippy::too_many_arguments)]
fn write_rows(matrix: &mut Output, long: Option<&mut Output>, plan: &Plan, values: &[f32], distinct: usize, per_transcript: bool, per_haplotype: bool, samples: &[String]) -> Result<()> {
    let t = &plan.entry.tss;
    let strand = if t.strand == Strand::Plus { "+" } else { "-" };
    let tx = if per_transcript { format!("\t{}", t.transcript_id.as_deref().unwrap_or(".")) } else { String::new() };
    let value = |key: Option<usize>| key.map(|k| values[plan.keys[k].0]);
    debug_assert_eq!(values.len(), plan.reps.len());
    write!(matrix, "{}\t{}{tx}\t{}\t{}\t{strand}\t{:.6}\t{}", t.gene_id, t.gene_name, t.chrom, t.pos + 1, values[0], distinct)?;
    for haps in &plan.haplotypes {
        if per_haplotype {
            for h in 0..2 {
                match haps.get(h) {
                    None => write!(matrix, "\t.")?,
                    Some(k) => match value(*k) {
                        Some(v) => write!(matrix, "\t{v:.6}")?,
                        None => write!(matrix, "\tNA")?,
                    },
                }
            }
        } else {
            match sample_mean(plan, values, haps) {
                Some(v) => write!(matrix, "\t{v:.6}")?,
                None => write!(matrix, "\tNA")?,
            }
        }
    }
    writeln!(matrix)?;
    if let Some(long) = long {
        write_long(long, plan, values, per_transcript, samples)?;
    }
    Ok(())
}

/// The mean of a sample's haplotype values; `None` (NA) when one is unknown or it has none.
fn sample_mean(plan: &Plan, values: &[f32], haps: &[Option<usize>]) -> Option<f32> {
    let v: Option<Vec<f32>> = haps.iter().map(|k| k.map(|k| values[plan.keys[k].0])).collect();
    v.filter(|v| !v.is_empty()).map(|v| v.iter().sum::<f32>() / v.len() as f32)
}

/// The long table's rows of one TSS: one per sample haplotype.
fn write_long(long: &mut Output, plan: &Plan, values: &[f32], per_transcript: bool, samples: &[String]) -> Result<()> {
    let t = &plan.entry.tss;
    let tx = if per_transcript { format!("\t{}", t.transcript_id.as_deref().unwrap_or(".")) } else { String::new() };
    for (s, haps) in plan.haplotypes.iter().enumerate() {
        for (h, &k) in haps.iter().enumerate() {
            let (v, listed) = match k {
                Some(k) => (format!("{:.6}", values[plan.keys[k].0]), plan.keys[k].1.as_str()),
                None => ("NA".to_string(), "."),
            };
            let listed = if listed.is_empty() { "." } else { listed };
            writeln!(long, "{}\t{}{tx}\t{}\t{}\t{v}\t{listed}", t.gene_id, t.gene_name, samples[s], h + 1)?;
        }
    }
    Ok(())
}
