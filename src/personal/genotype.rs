//! GT of the chosen samples of a VCF text line: allele indices per haplotype (ploidy 1 or 2,
//! `.` missing) and whether the call is phased, without parsing the other FORMAT keys.

use anyhow::{bail, Result};

/// Allele of one haplotype: 0 = REF, k = k-th ALT, `MISSING` = `.`. Indices are kept whole
/// (a record may have hundreds of ALT alleles); one above the record's ALT count is an error.
pub type Allele = u32;
pub const MISSING: Allele = Allele::MAX;

/// One sample's call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// Alleles of haplotypes 1 and 2 (the second is unused when `ploidy` is 1).
    pub alleles: [Allele; 2],
    /// 1 or 2; 0 when the call says nothing of it (a lone `.`, or no GT value for the sample):
    /// the sample's ploidy then comes from its other calls.
    pub ploidy: u8,
    /// `|` between the alleles (a haploid call counts as phased).
    pub phased: bool,
}

impl Call {
    /// The allele a haplotype carries once missing is read as the reference (as bcftools
    /// consensus does).
    fn applied(&self, h: usize) -> Allele {
        if self.alleles[h] == MISSING {
            0
        } else {
            self.alleles[h]
        }
    }

    /// Two haplotypes that carry different alleles (missing read as the reference).
    pub fn het(&self) -> bool {
        self.ploidy == 2 && self.applied(0) != self.applied(1)
    }

    /// A heterozygous call without phase: which haplotype has which allele is unknown.
    pub fn unphased_het(&self) -> bool {
        self.het() && !self.phased
    }
}

/// The call of a sample with no GT value, or `.`: missing, ploidy unknown.
pub const NO_CALL: Call = Call { alleles: [MISSING; 2], ploidy: 0, phased: true };

/// Parses one GT value (`0|1`, `1/1`, `./.`, `1`, `.`).
pub fn parse_gt(gt: &str, n_alts: usize) -> Result<Call> {
    // the common case, two one-digit alleles, without splitting
    if let [a, sep @ (b'|' | b'/'), b] = *gt.as_bytes() {
        let digit = |d: u8| (d.is_ascii_digit() && usize::from(d - b'0') <= n_alts).then(|| Allele::from(d - b'0'));
        if let (Some(a), Some(b)) = (digit(a), digit(b)) {
            return Ok(Call { alleles: [a, b], ploidy: 2, phased: sep == b'|' });
        }
    }
    if gt == "." {
        return Ok(NO_CALL);
    }
    let mut alleles = [0; 2];
    let mut ploidy = 0u8;
    for (i, part) in gt.split(['/', '|']).enumerate() {
        if i >= 2 {
            bail!("GT '{gt}': ploidy above 2 is not supported");
        }
        alleles[i] = match part {
            "." => MISSING,
            _ if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) => bail!("GT '{gt}' is not a genotype"),
            _ => match part.parse::<u64>() {
                Ok(a) if a <= n_alts as u64 => a as Allele,
                _ => bail!("GT '{gt}': allele {part} but the record has {n_alts} ALT alleles"),
            },
        };
        ploidy += 1;
    }
    let phased = ploidy == 1 || gt.contains('|');
    Ok(Call { alleles, ploidy, phased })
}

/// The calls of the samples at `columns` (0-based sample numbers) of a VCF line. A sample
/// field cut short (no GT value) is `NO_CALL`, as the VCF spec allows trailing fields to be
/// dropped; a record without GT in FORMAT, or with fewer sample columns than the header, is
/// an error (nothing could be applied to anyone).
pub fn calls(line: &str, columns: &[usize], n_alts: usize, out: &mut Vec<Call>) -> Result<()> {
    out.clear();
    let mut fields = line.split('\t');
    let Some(format) = fields.nth(8) else { bail!("the record has no FORMAT column: personal needs genotypes (GT)") };
    let Some(gt_key) = format.split(':').position(|k| k == "GT") else {
        bail!("FORMAT '{}' has no GT: personal needs genotypes", crate::input::shorten(format, 60))
    };
    let samples: Vec<&str> = fields.collect();
    for &c in columns {
        let Some(field) = samples.get(c) else { bail!("sample column {} is missing (the line has {} samples)", c + 10, samples.len()) };
        let gt = if gt_key == 0 { field.split(':').next() } else { field.split(':').nth(gt_key) };
        out.push(match gt {
            Some(gt) => parse_gt(gt, n_alts)?,
            None => NO_CALL,
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
        assert!(parse_gt("x|y", 1).is_err());
        assert!(parse_gt("+1|0", 1).is_err());
        assert!(parse_gt("|", 1).is_err());
        // wide allele indices are kept whole, never wrapped into a byte
        assert_eq!(parse_gt("300|299", 300).unwrap().alleles, [300, 299]);
        assert!(parse_gt("256|0", 255).is_err());
        assert!(parse_gt("300|300", 44).is_err());
        assert!(parse_gt("99999999999999999999|0", 3).is_err());
        // a lone `.` says nothing of the ploidy; `./.` is diploid
        assert_eq!(parse_gt(".", 1).unwrap(), NO_CALL);
        assert_eq!(parse_gt("./.", 1).unwrap().ploidy, 2);
        // phase: a het is one whose haplotypes differ once missing is read as REF
        assert!(parse_gt("0|1", 1).unwrap().het() && !parse_gt("0|1", 1).unwrap().unphased_het());
        assert!(parse_gt("./1", 1).unwrap().unphased_het());
        assert!(!parse_gt("./0", 1).unwrap().het());
    }

    #[test]
    fn reads_gt_wherever_format_puts_it() {
        let mut out = Vec::new();
        calls("1\t5\t.\tA\tG\t.\t.\t.\tGT:AD\t0|1:3,4\t1/1:0,7", &[1, 0], 1, &mut out).unwrap();
        assert_eq!(out.iter().map(|c| c.alleles).collect::<Vec<_>>(), [[1, 1], [0, 1]]);
        calls("1\t5\t.\tA\tG\t.\t.\t.\tAD:GT\t3,4:0|1", &[0], 1, &mut out).unwrap();
        assert_eq!(out[0].alleles, [0, 1]);
        calls("1\t5\t.\tA\tG\t.\t.\t.\tGT:AD\t0|1:3,4\t.", &[1], 1, &mut out).unwrap();
        assert_eq!(out[0], NO_CALL);
        assert!(calls("1\t5\t.\tA\tG\t.\t.\t.\tAD\t3,4", &[0], 1, &mut out).unwrap_err().to_string().contains("has no GT"));
        assert!(calls("1\t5\t.\tA\tG\t.\t.\t.", &[0], 1, &mut out).is_err());
        assert!(calls("1\t5\t.\tA\tG\t.\t.\t.\tGT\t0|1", &[1], 1, &mut out).unwrap_err().to_string().contains("sample column 11 is missing"));
    }
}
