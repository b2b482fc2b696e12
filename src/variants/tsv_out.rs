//! The long TSV: one row per ALT allele x TSS, scored or flagged.

use std::io::Write;

use anyhow::Result;

use super::score::{Scored, Status};
use super::tss_index::TssIndex;
use super::vcf_out::tss_distance;

pub const HEADER: &str = "chrom\tpos\tid\tref\talt\tgene_id\tgene_name\ttranscript_id\tstrand\ttss_distance\tref_prediction\talt_prediction\tdelta\tstatus";

/// Writes the rows of one record.
pub fn write_rows(out: &mut dyn Write, s: &Scored, index: &TssIndex) -> Result<()> {
    let r = &s.record;
    let id = r.line.split('\t').nth(2).unwrap_or(".");
    let mut row = |allele: usize, tss: usize, values: &str, status: &str| -> Result<()> {
        let e = &index.get(tss).tss;
        writeln!(
            out,
            "{}\t{}\t{id}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{values}\t{status}",
            r.chrom,
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
        row(p.allele, p.tss, &format!("{:.6}\t{:.6}\t{:.6}", p.reference, p.alt, p.alt - p.reference), "scored")?;
    }
    if let Status::RefMismatch { .. } = s.status {
        for &(allele, tss) in &s.mismatch_pairs {
            row(allele, tss, ".\t.\t.", "ref_mismatch")?;
        }
    }
    Ok(())
}
