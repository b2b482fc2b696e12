//! `scan`: the paper's Fig 5 procedure. Tiles a region every `step` bases: the plus window
//! `[a, a+10500)` read forward, the minus window the reverse complement of `[a+2, a+10502)`.
//! Each value is written as a bedGraph interval `step` wide centred on `a+7000` (plus) and
//! `a+3500` (minus). The 2 bp shift of the minus window is the published tracks' own rule,
//! measured on real sequence (docs/scan.md, docs/validation.md): with it both strands of
//! Fig 5 are reproduced, without it the minus track is off by up to 0.14.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::{predict_stream, Job, Progress};
use crate::annotation::Strand;
use super::select::GenomeRegion;
use crate::genome::{ContigId, Genome};
use crate::input::InputError;
use crate::model::arch::{N_FEATURES, SEQ_LEN};
use crate::model::Predictor;
use crate::output::Output;
use crate::output::suffixed;
use crate::output::track::write_bigwig_intervals;
use crate::window::NTally;
use crate::window::{self, DOWNSTREAM, TSS_INDEX};

pub struct Scan<'a> {
    pub genome: &'a mut Genome,
    pub region: GenomeRegion,
    pub step: u64,
    /// Added to every value (the published tracks add 1).
    pub offset: f32,
    pub features: [f32; N_FEATURES],
    pub predictor: &'a dyn Predictor,
    pub batch_size: usize,
    pub quiet: bool,
}

impl Scan<'_> {
    /// Writes `PREFIX.plus.bedGraph` and `PREFIX.minus.bedGraph`, and the same tracks as
    /// `BIGWIG.plus.bw` and `BIGWIG.minus.bw` when asked; returns the tile count.
    /// Returns the tiles scanned and a warning when some windows are mostly N.
    pub fn run(self, prefix: &Path, bigwig: Option<&Path>) -> Result<(u64, Option<String>)> {
        let Some(contig) = self.genome.resolve(&self.region.chrom) else {
            return Err(InputError::msg(format!("chromosome {} is not in FASTA {}", self.region.chrom, self.genome.path().display())));
        };
        let chrom = self.genome.contig(contig).name.clone();
        // 0-based half-open, the end clipped to the chromosome (a bare chromosome scans it all)
        let len = self.genome.contig(contig).len;
        let (start, end) = (self.region.start - 1, self.region.end.min(len));
        if start >= len {
            return Err(InputError::msg(format!("region {chrom}:{}-{} starts past the end of {chrom} ({len} bp in FASTA {})", self.region.start, self.region.end, self.genome.path().display())));
        }
        if self.step == 0 || end < start + SEQ_LEN as u64 {
            return Err(InputError::msg(format!("region {chrom}:{}-{end} is shorter than one {SEQ_LEN} bp window (or --step is 0)", start + 1)));
        }
        let tiles = (end - start - SEQ_LEN as u64) / self.step + 1;
        let mut plus = Output::create(&suffixed(prefix, "plus.bedGraph"))?;
        let mut minus = Output::create(&suffixed(prefix, "minus.bedGraph"))?;
        let progress = Progress::new(self.quiet, Some(2 * tiles), "windows");
        let chrom_sizes = self.genome.chrom_sizes();
        let (genome, step, features) = (self.genome, self.step, self.features);
        let jobs = (0..tiles).flat_map(|t| [Strand::Plus, Strand::Minus].map(move |s| (start + t * step, s))).map(
            |(a, strand)| tile_job(genome, contig, a, strand, features),
        );
        let mut kept: [Vec<(u64, u64, f32)>; 2] = Default::default();
        let mut tally = NTally::default();
        predict_stream(jobs, self.predictor, self.batch_size, &progress, |(a, strand, n): (u64, Strand, f32), p| {
            tally.add(n);
            let centre = a + if strand == Strand::Plus { TSS_INDEX } else { SEQ_LEN - TSS_INDEX } as u64;
            let lo = centre.saturating_sub(step / 2);
            let (out, keep) = if strand == Strand::Plus { (&mut plus, &mut kept[0]) } else { (&mut minus, &mut kept[1]) };
            writeln!(out, "{chrom}\t{lo}\t{}\t{:.6}", lo + step, p + self.offset)?;
            if bigwig.is_some() {
                keep.push((lo, lo + step, p + self.offset));
            }
            Ok(())
        })?;
        if let Some(bw) = bigwig {
            for (values, name) in kept.iter().zip(["plus.bw", "minus.bw"]) {
                let intervals = values.iter().map(|&(a, b, v)| (chrom.clone(), a, b, v));
                write_bigwig_intervals(&suffixed(bw, name), &chrom_sizes, intervals)?;
            }
        }
        plus.finish()?;
        minus.finish()?;
        Ok((tiles, tally.warning("tile windows")))
    }
}

/// How far right of the plus tile the minus window starts, as in the published Fig 5 tracks.
pub const MINUS_SHIFT: u64 = 2;

/// The tile `[a, a+10500)` read forward (plus), or `[a+2, a+10502)` reverse-complemented
/// (minus): the window rule's own cut, with index 7000 at base a+7000 on plus and a+3501 on
/// minus. A minus window may read 2 bp past the region (the genome has them, or N).
fn tile_job(genome: &mut Genome, contig: ContigId, a: u64, strand: Strand, features: [f32; N_FEATURES]) -> Result<Job<(u64, Strand, f32)>> {
    let tss = a + if strand == Strand::Plus { TSS_INDEX as u64 } else { DOWNSTREAM as u64 + MINUS_SHIFT };
    let mut window = Vec::with_capacity(SEQ_LEN);
    window::cut(genome, contig, tss, strand, &mut window)?;
    Ok(Job { meta: (a, strand, window::n_fraction(&window)), window, features })
}
