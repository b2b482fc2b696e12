//! Genome-browser tracks of per-TSS values: BED6 and bedGraph, sorted as `sort -k1,1 -k2,2n`
//! (what bedToBigBed, bedGraphToBigWig and IGV expect). Points are held compactly in memory
//! until the end of the run, since sorting needs them all (about 60 bytes per TSS).

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::Output;
use crate::annotation::Strand;

/// One value at one base.
#[derive(Clone, Debug)]
pub struct TrackPoint {
    pub chrom: String,
    /// 0-based position.
    pub pos: u64,
    pub strand: Strand,
    pub name: String,
    pub value: f32,
}

/// Writes BED6 (chrom, pos, pos+1, name, value as the score, strand), sorted.
pub fn write_bed(path: &Path, points: &mut [TrackPoint]) -> Result<()> {
    sort(points);
    let mut out = Output::create(path)?;
    for p in points.iter() {
        writeln!(out, "{}\t{}\t{}\t{}\t{:.6}\t{}", p.chrom, p.pos, p.pos + 1, p.name, p.value, p.strand)?;
    }
    out.finish()
}

/// Writes a bedGraph (chrom, pos, pos+1, value), sorted; TSSs sharing a base (two genes, or
/// both strands) are averaged so that intervals never overlap.
pub fn write_bedgraph(path: &Path, points: &mut [TrackPoint]) -> Result<()> {
    sort(points);
    let mut out = Output::create(path)?;
    let mut i = 0;
    while i < points.len() {
        let j = i + points[i..].iter().take_while(|p| p.chrom == points[i].chrom && p.pos == points[i].pos).count();
        let mean = points[i..j].iter().map(|p| f64::from(p.value)).sum::<f64>() / (j - i) as f64;
        writeln!(out, "{}\t{}\t{}\t{:.6}", points[i].chrom, points[i].pos, points[i].pos + 1, mean)?;
        i = j;
    }
    out.finish()
}

fn sort(points: &mut [TrackPoint]) {
    points.sort_by(|a, b| (a.chrom.as_str(), a.pos, a.strand.as_char()).cmp(&(b.chrom.as_str(), b.pos, b.strand.as_char())));
}
