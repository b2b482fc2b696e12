//! `personal`: every TSS window (in genome order) x every chosen sample x each of its
//! haplotypes. For a window, each sample haplotype is keyed by the alleles it carries near
//! the window; each distinct key is built once (`variants::alt_window::haplotype_window`), identical windows
//! are merged by content, and each distinct window is predicted once through the shared
//! `predict_stream` batches, its value fanned out to every carrier.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;

use super::{predict_stream, Job, Progress};
use crate::annotation::Strand;
use crate::genome::Genome;
use crate::input::InputError;
use crate::model::arch::SEQ_LEN;
use crate::model::Predictor;
use crate::output::Output;
use crate::personal::genotype::MISSING;
use crate::personal::sites::{Site, SiteCounts, Sites};
use crate::variants::allele::Edit;
use crate::variants::alt_window::haplotype_window;
use crate::variants::tss_index::TssEntry;
use crate::window;

/// How far beyond a window the VCF is read: an upstream deletion pulls bases from beyond the
/// window's end into it, and those may carry alleles too. Exact while a haplotype's alleles
/// in one window delete less than this in total.
pub const MARGIN: i64 = SEQ_LEN as i64;

/// What to do when a sample has two or more unphased heterozygous sites in one window (its
/// haplotypes are then unknown).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Unphased {
    /// Write the sample's value as NA for that TSS, and count it.
    Skip,
    /// Stop with an error naming the sample, TSS and sites.
    Error,
    /// Take the alleles in the order written (`0/1` as `0|1`), as `bcftools consensus -H`.
    AsListed,
}

pub struct PersonalOutputs {
    /// Genes x samples (or sample haplotypes).
    pub matrix: PathBuf,
    /// One column per sample haplotype (`S:1`, `S:2`) instead of the sample mean.
    pub haplotypes: bool,
    /// gene, sample, haplotype, prediction, variants.
    pub long: Option<PathBuf>,
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
        let mut warnings = Vec::new();
        let s = &self.sites;
        if self.unphased_missing > 0 {
            warnings.push(format!(
                "{} sample x TSS values are NA: two or more unphased heterozygous sites in the window (--unphased as-listed uses the written order)",
                self.unphased_missing
            ));
        }
        if self.overlapping_skipped > 0 {
            warnings.push(format!("{} alleles not applied: they overlap an allele already applied on the same haplotype (as bcftools consensus skips them)", self.overlapping_skipped));
        }
        if s.ref_mismatches > 0 {
            warnings.push(format!("{} records have a REF that differs from the genome: left out (wrong assembly?)", s.ref_mismatches));
        }
        for (chrom, n) in &s.unknown_chroms {
            warnings.push(format!("chromosome {chrom} of the VCF is not in the genome (nor an alias): {n} records left out"));
        }
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

/// One TSS: which distinct window each sample haplotype has, and what each carries.
struct Plan {
    entry: TssEntry,
    /// Per sample: its haplotypes' keys (`None`: NA by the unphased policy). Empty: no haplotype.
    haplotypes: Vec<Vec<Option<usize>>>,
    /// Per key: the distinct window it gives, and its alleles in the window (`pos:ref>alt;...`).
    keys: Vec<(usize, String)>,
    windows: usize,
}

impl Personal<'_> {
    /// Runs `entries` (sorted by contig and window start) against `sites`.
    pub fn run(&self, genome: &mut Genome, entries: Vec<TssEntry>, mut sites: Sites, outputs: &PersonalOutputs) -> Result<PersonalSummary> {
        let mut matrix = Output::create(&outputs.matrix)?;
        let mut long = outputs.long.as_deref().map(Output::create).transpose()?;
        if self.writes_header {
            self.write_headers(&mut matrix, long.as_mut(), outputs.haplotypes)?;
        }
        let mut summary = PersonalSummary { tsss: entries.len() as u64, ..Default::default() };
        let progress = Progress::new(self.quiet, None, "windows");
        let mut counts = (0u64, 0u64, 0u64, 0u64); // haplotypes, unphased NA, overlaps, distinct
        let mut buf = (Vec::new(), Vec::new());
        let mut plans = entries.into_iter().map(|entry| -> Result<(Arc<Plan>, Vec<Vec<u8>>)> {
            let (plan, windows) = self.plan(genome, &mut sites, entry, &mut counts, &mut buf)?;
            Ok((Arc::new(plan), windows))
        });
        let jobs = std::iter::from_fn(|| match plans.next()? {
            Err(e) => Some(vec![Err(e)]),
            Ok((plan, windows)) => {
                let n = windows.len();
                Some(windows.into_iter().enumerate().map(|(i, w)| Ok(Job { meta: (plan.clone(), i, i + 1 == n), window: w, features: plan.entry.features })).collect())
            }
        })
        .flatten();
        let mut values: Vec<f32> = Vec::new();
        let per_transcript = self.per_transcript;
        let samples = &self.samples;
        predict_stream(jobs, self.predictor, self.batch_size, &progress, |(plan, i, last): (Arc<Plan>, usize, bool), p| {
            if i == 0 {
                values.clear();
            }
            values.push(p);
            if last {
                write_rows(&mut matrix, long.as_mut(), &plan, &values, per_transcript, outputs.haplotypes, samples)?;
            }
            Ok(())
        })?;
        summary.samples = samples.len() as u64;
        summary.sample_haplotypes = counts.0;
        summary.unphased_missing = counts.1;
        summary.overlapping_skipped = counts.2;
        summary.distinct = counts.3;
        summary.sites = sites.counts.clone();
        matrix.finish()?;
        if let Some(l) = long {
            l.finish()?;
        }
        Ok(summary)
    }

    /// Builds the distinct windows of one TSS (the reference first) and who carries which.
    fn plan(&self, genome: &mut Genome, sites: &mut Sites, entry: TssEntry, counts: &mut (u64, u64, u64, u64), buf: &mut (Vec<u8>, Vec<u8>)) -> Result<(Plan, Vec<Vec<u8>>)> {
        let (ws, we) = entry.span;
        let near: Vec<&Site> = sites.around(genome, entry.contig, ws - MARGIN, we + MARGIN)?.iter().filter(|s| s.overlaps(ws - MARGIN, we + MARGIN)).collect();
        // the reference window is distinct window 0, the empty key is key 0
        let mut reference = Vec::with_capacity(SEQ_LEN);
        window::cut(genome, entry.contig, entry.tss.pos, entry.tss.strand, &mut reference)?;
        let mut windows = vec![reference];
        let mut by_content: HashMap<Vec<u8>, usize> = HashMap::new();
        by_content.insert(windows[0].clone(), 0);
        let mut key_ids: HashMap<Vec<(u32, u8)>, usize> = HashMap::new();
        key_ids.insert(Vec::new(), 0);
        let mut keys = vec![(0usize, String::new())];
        let mut haplotypes = Vec::with_capacity(self.samples.len());
        for s in 0..self.samples.len() {
            let ploidy = near.iter().map(|site| site.calls[s].ploidy).max().unwrap_or(2);
            let unphased = near.iter().filter(|site| site.overlaps(ws, we) && site.calls[s].unphased_het()).count();
            if unphased >= 2 {
                match self.unphased {
                    Unphased::Skip => {
                        counts.1 += 1;
                        haplotypes.push(vec![None; ploidy as usize]);
                        counts.0 += u64::from(ploidy);
                        continue;
                    }
                    Unphased::Error => {
                        let at: Vec<String> = near.iter().filter(|x| x.overlaps(ws, we) && x.calls[s].unphased_het()).map(|x| x.pos.to_string()).collect();
                        return Err(InputError::msg(format!(
                            "sample {} has {unphased} unphased heterozygous sites in the window of {} ({}:{}): positions {}; phase the VCF, or use --unphased skip|as-listed",
                            self.samples[s],
                            entry.tss.gene_id,
                            genome.contig(entry.contig).name,
                            entry.tss.pos + 1,
                            at.join(", ")
                        )));
                    }
                    Unphased::AsListed => {}
                }
            }
            let mut mine = Vec::with_capacity(ploidy as usize);
            for h in 0..ploidy as usize {
                counts.0 += 1;
                let mut key = Vec::new();
                let mut last_end = 0u64;
                for (i, site) in near.iter().enumerate() {
                    let call = site.calls[s];
                    if h >= call.ploidy as usize {
                        continue;
                    }
                    let a = call.alleles[h];
                    if a == 0 || a == MISSING || site.edits[a as usize - 1].is_none() {
                        continue;
                    }
                    if site.pos <= last_end {
                        counts.2 += 1;
                        continue;
                    }
                    last_end = site.end;
                    key.push((i as u32, a));
                }
                let next = key_ids.len();
                let id = match key_ids.get(key.as_slice()) {
                    Some(&id) => id,
                    None => {
                        key_ids.insert(key.clone(), next);
                        next
                    }
                };
                if id == next {
                    let edits: Vec<&Edit> = key.iter().map(|&(i, a)| near[i as usize].edits[a as usize - 1].as_ref().expect("checked")).collect();
                    haplotype_window(genome, entry.contig, entry.tss.pos, entry.tss.strand, &edits, &mut buf.0, &mut buf.1)?;
                    let distinct = match by_content.get(&buf.0) {
                        Some(&d) => d,
                        None => {
                            by_content.insert(buf.0.clone(), windows.len());
                            windows.push(buf.0.clone());
                            windows.len() - 1
                        }
                    };
                    let listed: Vec<String> = key
                        .iter()
                        .map(|&(i, a)| (near[i as usize], a))
                        .filter(|(site, _)| site.overlaps(ws, we))
                        .map(|(site, a)| format!("{}:{}>{}", site.pos, site.reference, site.alts[a as usize - 1]))
                        .collect();
                    keys.push((distinct, listed.join(";")));
                }
                mine.push(Some(id));
            }
            haplotypes.push(mine);
        }
        counts.3 += windows.len() as u64;
        let n = windows.len();
        Ok((Plan { entry, haplotypes, keys, windows: n }, windows))
    }

    fn write_headers(&self, matrix: &mut Output, long: Option<&mut Output>, per_haplotype: bool) -> Result<()> {
        let notes = [
            "values: the model's prediction (z-scored log10(expression + 0.1)) of each haplotype's 10.5 kb TSS window, built by applying the ALT alleles the haplotype carries (score-variants' trimming and anchoring rules); NA: not known (two or more unphased heterozygous sites, --unphased skip); .: no such haplotype (haploid call)".to_string(),
            format!("columns: {}", if per_haplotype { "one per sample haplotype (SAMPLE:1, SAMPLE:2), as GT lists them" } else { "one per sample: the mean of its haplotypes" }),
            "reference: the reference window's prediction; distinct: how many different windows the samples' haplotypes have".to_string(),
        ];
        let tx = if self.per_transcript { "\ttranscript_id" } else { "" };
        for line in self.provenance.iter().chain(&notes) {
            writeln!(matrix, "##{line}")?;
        }
        if let Some(long) = long {
            for line in self.provenance.iter().chain(&notes[..1]) {
                writeln!(long, "##{line}")?;
            }
            writeln!(long, "##variants: the alleles applied inside the window, as POS:REF>ALT of the VCF; . for none")?;
            writeln!(long, "gene_id\tgene_name{tx}\tsample\thaplotype\tprediction\tvariants")?;
        }
        let columns: Vec<String> = if per_haplotype { self.samples.iter().flat_map(|s| [format!("{s}:1"), format!("{s}:2")]).collect() } else { self.samples.clone() };
        writeln!(matrix, "gene_id\tgene_name{tx}\tchrom\ttss\tstrand\treference\tdistinct\t{}", columns.join("\t"))?;
        Ok(())
    }
}

fn write_rows(matrix: &mut Output, long: Option<&mut Output>, plan: &Plan, values: &[f32], per_transcript: bool, per_haplotype: bool, samples: &[String]) -> Result<()> {
    let t = &plan.entry.tss;
    let strand = if t.strand == Strand::Plus { "+" } else { "-" };
    let tx = if per_transcript { format!("\t{}", t.transcript_id.as_deref().unwrap_or(".")) } else { String::new() };
    let value = |key: Option<usize>| key.map(|k| values[plan.keys[k].0]);
    let used: std::collections::HashSet<usize> = plan.haplotypes.iter().flatten().flatten().map(|&k| plan.keys[k].0).collect();
    write!(matrix, "{}\t{}{tx}\t{}\t{}\t{strand}\t{:.6}\t{}", t.gene_id, t.gene_name, t.chrom, t.pos + 1, values[0], used.len())?;
    debug_assert_eq!(values.len(), plan.windows);
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
            let v: Option<Vec<f32>> = haps.iter().map(|&k| value(k)).collect();
            match v {
                Some(v) if !v.is_empty() => write!(matrix, "\t{:.6}", v.iter().sum::<f32>() / v.len() as f32)?,
                _ => write!(matrix, "\tNA")?,
            }
        }
    }
    writeln!(matrix)?;
    if let Some(long) = long {
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
    }
    Ok(())
}
