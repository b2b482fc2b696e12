//! Genome-browser tracks of per-base values: BED6 (annotate's TSSs), bedGraph and bigWig,
//! sorted as `sort -k1,1 -k2,2n` (what bedToBigBed, bedGraphToBigWig and IGV expect). Values
//! are held in memory until the end of the run, since sorting needs them all.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Result;

use super::Output;
use crate::annotation::Strand;

/// One TSS with its value, for BED6.
#[derive(Clone, Debug)]
pub struct TrackPoint {
    pub chrom: String,
    /// 0-based position.
    pub pos: u64,
    pub strand: Strand,
    pub name: String,
    pub value: f32,
}

/// One value at one base (0-based), for bedGraph and bigWig.
#[derive(Clone, Debug, PartialEq)]
pub struct BaseValue {
    pub chrom: Arc<str>,
    pub pos: u64,
    pub value: f32,
}

/// How values that land on the same base (two genes, both strands) become one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Combine {
    Mean,
    Max,
}

/// Writes BED6+1, sorted: chrom, pos, pos+1, name, score, strand, prediction. The score is
/// the integer 0-1000 that UCSC requires (it shades the items): the prediction mapped
/// linearly from [-2.5, 2.5] (z-scores) onto [0, 1000], clamped. The prediction itself is
/// the 7th column, described by `docs/xpresso_tss.as` (`bedToBigBed -type=bed6+1 -as=...`).
pub fn write_bed(path: &Path, points: &mut [TrackPoint]) -> Result<()> {
    points.sort_by(|a, b| (a.chrom.as_str(), a.pos, a.strand.as_char()).cmp(&(b.chrom.as_str(), b.pos, b.strand.as_char())));
    let mut out = Output::create(path)?;
    for p in points.iter() {
        writeln!(out, "{}\t{}\t{}\t{}\t{}\t{}\t{:.6}", p.chrom, p.pos, p.pos + 1, p.name, bed_score(p.value), p.strand, p.value)?;
    }
    out.finish()
}

/// A prediction as a UCSC BED score (0-1000): -2.5 -> 0, 0 -> 500, 2.5 -> 1000, clamped.
pub fn bed_score(prediction: f32) -> u32 {
    ((prediction + 2.5) / 5.0 * 1000.0).round().clamp(0.0, 1000.0) as u32
}

/// Sorts by (chrom, pos) and combines values on the same base, so intervals never overlap.
pub fn merge(mut values: Vec<BaseValue>, combine: Combine) -> Vec<BaseValue> {
    values.sort_by(|a, b| (&*a.chrom, a.pos).cmp(&(&*b.chrom, b.pos)));
    let mut merged: Vec<BaseValue> = Vec::with_capacity(values.len());
    let mut count = 0usize;
    for v in values {
        match merged.last_mut() {
            Some(last) if last.chrom == v.chrom && last.pos == v.pos => {
                count += 1;
                last.value = match combine {
                    Combine::Mean => last.value + (v.value - last.value) / count as f32,
                    Combine::Max => last.value.max(v.value),
                };
            }
            _ => {
                count = 1;
                merged.push(v);
            }
        }
    }
    merged
}

/// Writes a bedGraph of merged values (chrom, pos, pos+1, value).
pub fn write_bedgraph(path: &Path, values: &[BaseValue]) -> Result<()> {
    let mut out = Output::create(path)?;
    for v in values {
        writeln!(out, "{}\t{}\t{}\t{:.6}", v.chrom, v.pos, v.pos + 1, v.value)?;
    }
    out.finish()
}

/// Writes a bigWig of merged values through bigtools; chromosome sizes come from the FASTA
/// index. Written to a temporary file and renamed, like every output.
pub fn write_bigwig(path: &Path, chrom_sizes: &HashMap<String, u32>, values: &[BaseValue]) -> Result<()> {
    write_bigwig_intervals(path, chrom_sizes, values.iter().map(|v| (v.chrom.to_string(), v.pos, v.pos + 1, v.value)))
}

/// Writes a bigWig of sorted, non-overlapping intervals `(chrom, start, end, value)`
/// (0-based, half-open).
pub fn write_bigwig_intervals(path: &Path, chrom_sizes: &HashMap<String, u32>, intervals: impl Iterator<Item = (String, u64, u64, f32)> + Send) -> Result<()> {
    use bigtools::beddata::BedParserStreamingIterator;
    use bigtools::{BigWigWrite, Value};

    let target = super::destination::replace_target(path).map_err(|e| anyhow::anyhow!("bigWig needs a regular file: {e}"))?;
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (file, tmp) = super::temp_beside(&target, &format!(".{name}."))?;
    let items = intervals.map(|(chrom, start, end, value)| (chrom, Value { start: start as u32, end: end as u32, value }));
    let data = BedParserStreamingIterator::wrap_infallible_iter(items, false);
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    BigWigWrite::new(file, chrom_sizes.clone())
        .write(data, runtime)
        .map_err(|e| anyhow::anyhow!("cannot write bigWig {}: {e}", path.display()))?;
    tmp.publish(target)
}
