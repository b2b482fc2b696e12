//! The long TSV: one row per ALT allele x TSS, scored or flagged.

use std::io::Write;

use anyhow::Result;

use super::score::{Scored, Status};
use crate::precompute::calibration::Calibration;
use super::tss_index::TssIndex;
use super::vcf_out::tss_distance;

pub const HEADER: &str = "#chrom\tpos\tid\tref\talt\tgene_id\tgene_name\ttranscript_id\tstrand\ttss_distance\tref_prediction\talt_prediction\tdelta\tstatus";

/// The column header; with a calibration table, `percentile` and `phred` follow `delta`.
pub fn header(calibrated: bool) -> String {
    if calibrated { HEADER.replace("\tdelta\t", "\tdelta\tpercentile\tphred\t") } else { HEADER.to_string() }
}

/// Writes the rows of one record (with `percentile` and `phred` when `cal` is given; only
/// pairs with |delta| >= `min` when it is).
pub fn write_rows(out: &mut dyn Write, s: &Scored, index: &TssIndex, cal: Option<&Calibration>, min: Option<f32>) -> Result<()> {
    let r = &s.record;
    let id = r.line.split('\t').nth(2).unwrap_or(".");
    let mut row = |allele: usize, tss: usize, values: &str, status: &str| -> Result<()> {
        let e = &index.get(tss).tss;
        writeln!(
            out,
            "{}\t{}\t{id}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{values}\t{status}",
            e.chrom, // the genome's name, as annotate writes it (the VCF's may be an alias)
            r.pos,
            r.reference,
            r.alts[allele],
            e.gene_id,
            e.gene_name,
            e.transcript_id.as_deref().unwrap_or("."),
            e.strand,
            tss_distance(e.pos, e.strand, r.pos)
        )?;
        Ok(())
    };
    for p in &s.pairs {
        let delta = p.delta();
        if min.is_some_and(|x| delta.abs() < x) {
            continue;
        }
        let ranked = cal.map_or(String::new(), |c| format!("\t{:.3}\t{:.2}", c.percentile(delta), c.phred(delta)));
        row(p.allele, p.tss, &format!("{:.6}\t{:.6}\t{delta:.6}{ranked}", p.reference, p.alt), "scored")?;
    }
    if let Status::RefMismatch { .. } = s.status {
        for &(allele, tss) in &s.mismatch_pairs {
            row(allele, tss, if cal.is_some() { ".\t.\t.\t.\t." } else { ".\t.\t." }, "ref_mismatch")?;
        }
    }
    Ok(())
}
