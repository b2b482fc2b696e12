//! `ism`: saturation mutagenesis of selected genes' windows (cut as `annotate` cuts them) or
//! of FASTA records (as `predict` reads them), written as a long TSV, optional `.npy`
//! matrices, and bedGraph/bigWig tracks of the per-base mean and max |delta|.

use std::collections::{BTreeSet, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use super::fasta_jobs::{fasta_jobs, Orient};
use super::select::{Shard, TssSelection};
use super::tss_windows::{TssSource, TssWindows};
use super::Progress;
use crate::annotation::{strip_version, Strand, Tss};
use crate::features::FeatureJoin;
use crate::input::InputError;
use crate::ism::range::TssRange;
use crate::ism::logo::{self, LogoPanel};
use crate::ism::{npy, saturate, Saturation, BASES};
use crate::model::arch::{ALPHABET, N_FEATURES};
use crate::model::Predictor;
use crate::output::track::{merge, write_bedgraph, write_bigwig, BaseValue, Combine};
use crate::output::{suffixed, Output};

/// What to mutate.
pub enum IsmInput<'g> {
    /// The TSS windows of the named genes (gene_id, version ignored, or gene_name; none named:
    /// all) among those `selection` takes.
    Genes { windows: Box<TssWindows<'g>>, source: TssSource, genes: Vec<String>, selection: TssSelection },
    /// Every record of a FASTA, with features joined on the record id.
    Fasta { path: PathBuf, features: FeatureJoin },
}

pub struct IsmOutputs {
    pub tsv: PathBuf,
    pub npy_dir: Option<PathBuf>,
    /// Prefix: PREFIX.mean.bedGraph and PREFIX.maxabs.bedGraph.
    pub bedgraph: Option<PathBuf>,
    /// Prefix: PREFIX.mean.bw and PREFIX.maxabs.bw.
    pub bigwig: Option<PathBuf>,
    /// A sequence logo (SVG) of each window's attribution over `logo_range`.
    pub logo: Option<PathBuf>,
    pub logo_range: TssRange,
}

pub struct Ism<'a> {
    pub predictor: &'a dyn Predictor,
    pub range: TssRange,
    pub batch_size: usize,
    pub quiet: bool,
    pub provenance: Vec<String>,
}

/// Where a window sits in the genome (gene mode).
struct Placement {
    gene_name: String,
    chrom: Arc<str>,
    chrom_len: u64,
    tss: u64,
    strand: Strand,
}

impl Placement {
    /// 0-based genomic position of window index `i`, if inside the chromosome.
    fn genomic(&self, i: usize) -> Option<u64> {
        let pos = match self.strand {
            Strand::Plus => self.tss as i64 - 7000 + i as i64,
            Strand::Minus => self.tss as i64 + 7000 - i as i64,
        };
        (pos >= 0 && (pos as u64) < self.chrom_len).then_some(pos as u64)
    }
}

/// Accumulates everything written for each window.
struct Writers {
    tsv: Output,
    npy_dir: Option<PathBuf>,
    npy_names: HashSet<String>,
    tracks: Option<(Vec<BaseValue>, Vec<BaseValue>)>,
    /// The logo's panels, and the range each shows.
    logo: Option<(TssRange, Vec<LogoPanel>)>,
}

impl Ism<'_> {
    /// Runs every window; returns the number of windows and the warnings.
    pub fn run(self, input: IsmInput<'_>, outputs: &IsmOutputs) -> Result<(u64, Vec<String>)> {
        let gene_mode = matches!(input, IsmInput::Genes { .. });
        if !gene_mode && (outputs.bedgraph.is_some() || outputs.bigwig.is_some()) {
            bail!("tracks need genomic coordinates: use --genome with --gtf or --tss-bed, not --fasta");
        }
        if let Some(dir) = &outputs.npy_dir {
            create_dirs(dir)?;
        }
        let mut w = Writers {
            tsv: Output::create(&outputs.tsv)?,
            npy_dir: outputs.npy_dir.clone(),
            npy_names: HashSet::new(),
            tracks: (outputs.bedgraph.is_some() || outputs.bigwig.is_some()).then(Default::default),
            logo: outputs.logo.as_ref().map(|_| (outputs.logo_range, Vec::new())),
        };
        let shard = match &input {
            IsmInput::Genes { selection, .. } => selection.shard,
            IsmInput::Fasta { .. } => None,
        };
        if Shard::writes_header(shard) {
            self.write_header(&mut w.tsv, gene_mode)?;
        }
        let progress = Progress::new(self.quiet, None, "windows");
        let (done, warnings, chrom_sizes) = match input {
            IsmInput::Genes { mut windows, source, genes, selection } => {
                let done = self.run_genes(&mut windows, &source, &genes, &selection, &mut w, &progress)?;
                (done, windows.warnings(), Some(windows.genome.chrom_sizes()))
            }
            IsmInput::Fasta { path, mut features } => {
                let mut done = 0;
                for job in fasta_jobs(&path, &mut features, Orient::AsGiven)? {
                    let job = job?;
                    self.one_window(&job.meta.0, None, &job.window, &job.features, &mut w)?;
                    done += 1;
                    progress.inc(1);
                }
                (done, features.warning().into_iter().collect(), None)
            }
        };
        progress.finish();
        self.finish(w, outputs, chrom_sizes)?;
        Ok((done, warnings))
    }

    fn run_genes(&self, windows: &mut TssWindows<'_>, source: &TssSource, genes: &[String], selection: &TssSelection, w: &mut Writers, progress: &Progress) -> Result<u64> {
        let wanted: Arc<HashSet<String>> = Arc::new(genes.iter().map(|s| strip_version(s).to_string()).collect());
        let keep = { let wanted = wanted.clone(); move |tss: &Tss| wanted.is_empty() || gene_hit(tss, &wanted).is_some() };
        let mut found = BTreeSet::new();
        let (tsss, _, _) = selection.open(source, keep.clone(), &windows.notes.clone())?;
        let mut done = 0;
        for tss in tsss {
            let tss: Tss = tss?;
            found.extend(gene_hit(&tss, &wanted).map(str::to_string));
            let Some(job) = windows.job(tss)? else { continue };
            let contig = windows.genome.resolve(&job.meta.chrom).expect("job() resolved it");
            let chrom = windows.genome.contig(contig);
            let id = job.meta.transcript_id.clone().unwrap_or_else(|| job.meta.gene_id.clone());
            let place = Placement {
                gene_name: job.meta.gene_name.clone(),
                chrom: chrom.name.as_str().into(),
                chrom_len: chrom.len,
                tss: job.meta.pos,
                strand: job.meta.strand,
            };
            self.one_window(&id, Some(&place), &job.window, &job.features, w)?;
            done += 1;
            progress.inc(1);
        }
        if selection.shard.is_some() {
            // a gene of another shard is still a gene of the annotation
            let whole = TssSelection { shard: None, ..selection.clone() };
            for tss in whole.open(source, keep, &Default::default())?.0 {
                found.extend(gene_hit(&tss?, &wanted).map(str::to_string));
            }
        }
        let missing: Vec<&str> = wanted.iter().map(String::as_str).filter(|g| !found.contains(*g)).collect();
        if !missing.is_empty() {
            return Err(InputError::msg(format!("gene(s) not found in the annotation (by gene_id or gene_name): {}", missing.join(", "))));
        }
        windows.check_usable(source, selection.is_partial() || !wanted.is_empty())?;
        Ok(done)
    }

    fn one_window(&self, id: &str, place: Option<&Placement>, window: &[u8], features: &[f32; N_FEATURES], w: &mut Writers) -> Result<()> {
        let sat = saturate(self.predictor, window, features, self.range.indices(), self.batch_size);
        write_rows(&mut w.tsv, id, place, window, &sat)?;
        if let Some(dir) = &w.npy_dir {
            let mut name = sanitize(id);
            if !w.npy_names.insert(name.clone()) {
                name = format!("{name}_{}", place.map_or(w.npy_names.len() as u64, |p| p.tss + 1));
                w.npy_names.insert(name.clone());
            }
            let matrix: Vec<f32> = sat.positions.iter().flat_map(|p| p.delta).collect();
            npy::write_f32_matrix(&dir.join(format!("{name}.npy")), sat.positions.len(), ALPHABET, &matrix)?;
        }
        if let Some((range, panels)) = &mut w.logo {
            let title = match place {
                Some(p) => format!("{id} {} {}:{} ({}): mean-centred attribution of each reference base", p.gene_name, p.chrom, p.tss + 1, p.strand),
                None => format!("{id}: mean-centred attribution of each reference base"),
            };
            panels.push(LogoPanel::new(title, &sat.positions, range.from, range.to));
        }
        if let (Some((mean, maxabs)), Some(place)) = (&mut w.tracks, place) {
            for p in &sat.positions {
                if let Some(pos) = place.genomic(p.index) {
                    let (m, x) = p.mean_and_max_abs();
                    mean.push(BaseValue { chrom: place.chrom.clone(), pos, value: m });
                    maxabs.push(BaseValue { chrom: place.chrom.clone(), pos, value: x });
                }
            }
        }
        Ok(())
    }

    fn write_header(&self, out: &mut Output, gene_mode: bool) -> Result<()> {
        for line in &self.provenance {
            writeln!(out, "##{line}")?;
        }
        writeln!(out, "##delta: prediction(alt window) - prediction(reference window)")?;
        writeln!(out, "##centred: delta - mean of the four bases' deltas at the position (reference base counted as 0; at an N all four are alternatives)")?;
        writeln!(out, "##window_index: 0-based, TSS at 7000; ref and alt are on the gene's strand (as in the window)")?;
        if gene_mode {
            writeln!(out, "##pos: 1-based genomic position of the base (. outside the chromosome)")?;
            writeln!(out, "id\tgene_name\tchrom\tpos\tstrand\twindow_index\tref\talt\tdelta\tcentred")?;
        } else {
            writeln!(out, "id\twindow_index\tref\talt\tdelta\tcentred")?;
        }
        Ok(())
    }

    fn finish(&self, w: Writers, outputs: &IsmOutputs, chrom_sizes: Option<std::collections::HashMap<String, u32>>) -> Result<()> {
        if let (Some(path), Some((_, panels))) = (&outputs.logo, &w.logo) {
            logo::write(path, panels)?;
        }
        if let Some((mean, maxabs)) = w.tracks {
            let (mean, maxabs) = (merge(mean, Combine::Mean), merge(maxabs, Combine::Max));
            if let Some(prefix) = &outputs.bedgraph {
                write_bedgraph(&suffixed(prefix, "mean.bedGraph"), &mean)?;
                write_bedgraph(&suffixed(prefix, "maxabs.bedGraph"), &maxabs)?;
            }
            if let (Some(prefix), Some(sizes)) = (&outputs.bigwig, &chrom_sizes) {
                write_bigwig(&suffixed(prefix, "mean.bw"), sizes, &mean)?;
                write_bigwig(&suffixed(prefix, "maxabs.bw"), sizes, &maxabs)?;
            }
        }
        w.tsv.finish()
    }
}

fn write_rows(out: &mut Output, id: &str, place: Option<&Placement>, window: &[u8], sat: &Saturation) -> Result<()> {
    for p in &sat.positions {
        let reference = window[p.index].to_ascii_uppercase() as char;
        let prefix = match place {
            Some(pl) => {
                let pos = pl.genomic(p.index).map_or(".".to_string(), |g| (g + 1).to_string());
                format!("{id}\t{}\t{}\t{pos}\t{}\t{}", pl.gene_name, pl.chrom, pl.strand, p.index)
            }
            None => format!("{id}\t{}", p.index),
        };
        for alt in p.alts() {
            writeln!(out, "{prefix}\t{reference}\t{}\t{:.6}\t{:.6}", BASES[alt as usize] as char, p.delta[alt as usize], p.centred(alt))?;
        }
    }
    Ok(())
}

/// The key (gene_id without version, or gene_name) by which `tss` was asked for, if it was.
fn gene_hit<'t>(tss: &'t Tss, wanted: &HashSet<String>) -> Option<&'t str> {
    [strip_version(&tss.gene_id), tss.gene_name.as_str()].into_iter().find(|k| wanted.contains(*k))
}

fn sanitize(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect()
}

/// `mkdir -p`, recording each directory it made so a failed run removes them again.
fn create_dirs(dir: &std::path::Path) -> Result<()> {
    let mut missing: Vec<&std::path::Path> = dir.ancestors().take_while(|d| !d.as_os_str().is_empty() && !d.exists()).collect();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    missing.reverse();
    for d in missing {
        crate::output::staging::created_dir(d);
    }
    Ok(())
}
