//! GT of the chosen samples of a VCF text line: allele indices per haplotype (ploidy 1 or 2,
//! `.` missing) and whether the call is phased, without parsing the other FORMAT keys.

use anyhow::{bail, Result};

/// Allele of one haplotype: 0 = REF, k = k-th ALT, `MISSING` = `.`.
pub const MISSING: u8 = u8::MAX;

/// One sample's call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// Alleles of haplotypes 1 and 2 (the second is unused when `ploidy` is 1).
    pub alleles: [u8; 2],
    pub ploidy: u8,
    /// `|` between the alleles (a haploid call counts as phased).
    pub phased: bool,
}

impl Call {
    /// Two different alleles, neither missing, not phased: the order of the haplotypes is unknown.
    pub fn unphased_het(&self) -> bool {
        self.ploidy == 2 && !self.phased && self.alleles[0] != self.alleles[1]
    }
}

/// Parses one GT value (`0|1`, `1/1`, `./.`, `1`, `.`).
pub fn parse_gt(gt: &str, n_alts: usize) -> Result<Call> {
    // the common case, two one-digit alleles, without splitting
    if let [a, sep @ (b'|' | b'/'), b] = *gt.as_bytes() {
        let digit = |d: u8| (d.is_ascii_digit() && usize::from(d - b'0') <= n_alts).then(|| d - b'0');
        if let (Some(a), Some(b)) = (digit(a), digit(b)) {
            return Ok(Call { alleles: [a, b], ploidy: 2, phased: sep == b'|' });
        }
    }
    let mut alleles = [0u8; 2];
    let mut ploidy = 0u8;
    let mut phased = true;
    for (i, part) in gt.split(['/', '|']).enumerate() {
        if i >= 2 {
            bail!("GT '{gt}': ploidy above 2 is not supported");
        }
        alleles[i] = match part {
            "." => MISSING,
            _ => match part.parse::<usize>() {
                Ok(a) if a <= n_alts => a as u8,
                Ok(a) => bail!("GT '{gt}': allele {a} but the record has {n_alts} ALT alleles"),
                Err(_) => bail!("GT '{gt}' is not a genotype"),
            },
        };
        ploidy += 1;
    }
    if ploidy == 2 {
        phased = gt.contains('|');
    }
    Ok(Call { alleles, ploidy, phased })
}

/// The calls of the samples at `columns` (0-based sample numbers) of a VCF line; a sample
/// without GT (no GT key, or a sample field cut short) is missing on both haplotypes, with
/// the record's ploidy taken as 2.
pub fn calls(line: &str, columns: &[usize], n_alts: usize, out: &mut Vec<Call>) -> Result<()> {
    out.clear();
    let mut fields = line.split('\t');
    let format = fields.nth(8);
    let gt_key = format.and_then(|f| f.split(':').position(|k| k == "GT"));
    let missing = Call { alleles: [MISSING; 2], ploidy: 2, phased: false };
    let Some(gt_key) = gt_key else {
        out.resize(columns.len(), missing);
        return Ok(());
    };
    let samples: Vec<&str> = fields.collect();
    for &c in columns {
        let Some(field) = samples.get(c) else { bail!("sample column {} is missing (the line has {} samples)", c + 10, samples.len()) };
        let gt = if gt_key == 0 { field.split(':').next() } else { field.split(':').nth(gt_key) };
        out.push(match gt {
            Some(gt) => parse_gt(gt, n_alts)?,
            None => missing,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_phase_ploidy_and_missing() {
        assert_eq!(parse_gt("0|1", 1).unwrap(), Call { alleles: [0, 1], ploidy: 2, phased: true });
        assert_eq!(parse_gt("1/0", 1).unwrap(), Call { alleles: [1, 0], ploidy: 2, phased: false });
        assert!(parse_gt("1/0", 1).unwrap().unphased_het());
        assert!(!parse_gt("1/1", 1).unwrap().unphased_het());
        assert_eq!(parse_gt("./.", 1).unwrap().alleles, [MISSING, MISSING]);
        assert_eq!(parse_gt("2", 2).unwrap(), Call { alleles: [2, 0], ploidy: 1, phased: true });
        assert!(parse_gt("0/2", 1).is_err());
        assert!(parse_gt("0/1/1", 1).is_err());
        assert!(parse_gt("A/1", 1).is_err());
    }

    #[test]
    fn reads_gt_wherever_format_puts_it() {
        let mut out = Vec::new();
        calls("1\t5\t.\tA\tG\t.\t.\t.\tGT:AD\t0|1:3,4\t1/1:0,7", &[1, 0], 1, &mut out).unwrap();
        assert_eq!(out.iter().map(|c| c.alleles).collect::<Vec<_>>(), [[1, 1], [0, 1]]);
        calls("1\t5\t.\tA\tG\t.\t.\t.\tAD:GT\t3,4:0|1", &[0], 1, &mut out).unwrap();
        assert_eq!(out[0].alleles, [0, 1]);
        calls("1\t5\t.\tA\tG\t.\t.\t.\tAD\t3,4", &[0], 1, &mut out).unwrap();
        assert_eq!(out[0].alleles, [MISSING, MISSING]);
    }
}
