//! The samples x genes layout PrediXcan's `Predict.py` writes (`FID IID gene1 gene2 ...`, one
//! row per sample), which `PrediXcanAssociation.py` and other TWAS tools read. personal
//! computes genes in genome order, so the values go first to a temporary binary file (one
//! row of f32 per gene, NaN for NA), and are transposed at the end by blocks of samples: a
//! block's column of every gene is read with one `pread` per gene. Memory: the gene names
//! and one block (`BLOCK` samples x genes x 4 bytes: 16 MB for 62,703 genes).
//!
//! A gene id given at several TSSs (PAR genes on chrX and chrY, a GTF with repeated ids) would
//! make two columns of one name, which a TWAS tool reads as one: every such column is named
//! `ID@CHROM:TSS` instead (1-based TSS), with a warning.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;

use anyhow::{Context, Result};

/// Samples per transposed block.
const BLOCK: usize = 64;

/// Gene values by sample, gathered gene by gene.
pub struct Transposer {
    samples: Vec<String>,
    /// Each column's gene id and its TSS (`CHROM:TSS`).
    genes: Vec<(String, String)>,
    file: BufWriter<File>,
}

/// Errors of the temporary file say where it is (a full TMPDIR is the usual cause).
fn in_tmpdir(e: std::io::Error) -> anyhow::Error {
    anyhow::anyhow!("cannot write the temporary file of the samples x genes matrix in {} (TMPDIR): {e}; set TMPDIR to a directory with room (about 4 bytes x samples x genes)", std::env::temp_dir().display())
}

impl Transposer {
    pub fn new(samples: Vec<String>) -> Result<Self> {
        let file = tempfile::tempfile().map_err(in_tmpdir)?;
        Ok(Transposer { samples, genes: Vec::new(), file: BufWriter::with_capacity(1 << 20, file) })
    }

    /// One gene's values, one per sample (`None`: NA); `locus` is its TSS, `CHROM:TSS`.
    pub fn push(&mut self, gene: &str, locus: &str, values: impl Iterator<Item = Option<f32>>) -> Result<()> {
        self.genes.push((gene.to_string(), locus.to_string()));
        let mut n = 0;
        for v in values {
            self.file.write_all(&v.unwrap_or(f32::NAN).to_le_bytes()).map_err(in_tmpdir)?;
            n += 1;
        }
        assert_eq!(n, self.samples.len(), "one value per sample");
        Ok(())
    }

    /// Writes `FID IID gene...` and one row per sample (FID = IID = the sample name).
    pub fn write(self, out: &mut impl Write) -> Result<()> {
        let file = self.file.into_inner().map_err(|e| in_tmpdir(e.into_error()))?;
        let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (g, _) in &self.genes {
            *count.entry(g).or_default() += 1;
        }
        let repeated = count.values().filter(|&&n| n > 1).count();
        if repeated > 0 {
            log::warn!("{repeated} gene ids are given at several TSSs (PAR genes, repeated ids): their columns are named ID@CHROM:TSS so that none is given twice");
        }
        let names: Vec<String> = self.genes.iter().map(|(g, locus)| if count[g.as_str()] > 1 { format!("{g}@{locus}") } else { g.clone() }).collect();
        writeln!(out, "FID\tIID\t{}", names.join("\t"))?;
        let (n, g) = (self.samples.len(), self.genes.len());
        let mut block = vec![0u8; BLOCK * 4];
        let mut columns = vec![0f32; BLOCK * g];
        for first in (0..n).step_by(BLOCK) {
            let width = BLOCK.min(n - first);
            for gene in 0..g {
                let bytes = &mut block[..width * 4];
                file.read_exact_at(bytes, ((gene * n + first) * 4) as u64).context("cannot read back the samples x genes matrix")?;
                for (s, v) in bytes.chunks_exact(4).enumerate() {
                    columns[s * g + gene] = f32::from_le_bytes(v.try_into().expect("4 bytes"));
                }
            }
            for s in 0..width {
                let name = &self.samples[first + s];
                write!(out, "{name}\t{name}")?;
                for v in &columns[s * g..(s + 1) * g] {
                    if v.is_nan() {
                        write!(out, "\tNA")?;
                    } else {
                        write!(out, "\t{v:.6}")?;
                    }
                }
                writeln!(out)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genes_by_sample_become_samples_by_gene() {
        let samples: Vec<String> = (0..150).map(|i| format!("S{i}")).collect();
        let mut t = Transposer::new(samples).unwrap();
        for g in 0..7 {
            t.push(&format!("G{g}"), "chr1:1", (0..150).map(|s| (s % 11 != g).then_some(g as f32 + s as f32 / 1000.0))).unwrap();
        }
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows.len(), 151);
        assert_eq!(rows[0], ["FID", "IID", "G0", "G1", "G2", "G3", "G4", "G5", "G6"]);
        for (s, row) in rows[1..].iter().enumerate() {
            assert_eq!((row[0], row[1]), (format!("S{s}").as_str(), format!("S{s}").as_str()));
            for g in 0..7 {
                let want = if s % 11 == g { "NA".to_string() } else { format!("{:.6}", g as f32 + s as f32 / 1000.0) };
                assert_eq!(row[2 + g], want, "sample {s} gene {g}");
            }
        }
    }
}
