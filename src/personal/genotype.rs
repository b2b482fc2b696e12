//! GT of the chosen samples of a VCF text line: allele indices per haplotype (ploidy 1 or 2,
//! `.` missing) and whether the call is phased, without parsing the other FORMAT keys.

use anyhow::{bail, Result};

use crate::variants::bcf_gt::BcfGenotypes;

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

/// Which sample columns to decode, and where each call goes: sorted by column, so a line is
/// walked once, left to right, and the samples in between are skipped by a byte search for
/// tabs, never split into strings.
#[derive(Clone, Debug)]
pub struct Columns {
    /// (0-based sample number, output slot), ascending by sample number.
    by_column: Vec<(usize, usize)>,
    /// Every sample from 0 is chosen (in any output order): `by_column[c]` is sample c's.
    every: bool,
}

impl Columns {
    /// `columns`: the 0-based sample numbers, in output order.
    pub fn new(columns: &[usize]) -> Self {
        let mut by_column: Vec<(usize, usize)> = columns.iter().enumerate().map(|(slot, &c)| (c, slot)).collect();
        by_column.sort_unstable();
        let every = by_column.iter().enumerate().all(|(i, &(c, _))| i == c);
        Columns { by_column, every }
    }

    pub fn len(&self) -> usize {
        self.by_column.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_column.is_empty()
    }
}

/// The byte after the `n`-th tab from `from` (`None` past the end of the line).
fn skip_fields(line: &[u8], from: usize, n: usize) -> Option<usize> {
    let mut at = from;
    for _ in 0..n {
        at += memchr::memchr(b'\t', &line[at..])? + 1;
    }
    Some(at)
}

/// The calls of the chosen samples of a VCF line, in output order. A sample field cut short
/// (no GT value) is `NO_CALL`, as the VCF spec allows trailing fields to be dropped; a record
/// without GT in FORMAT, or with fewer sample columns than chosen, is an error (nothing
/// could be applied to anyone).
pub fn calls(line: &str, columns: &Columns, n_alts: usize, out: &mut Vec<Call>) -> Result<()> {
    out.clear();
    out.resize(columns.len(), NO_CALL);
    visit_calls(line, columns, n_alts, false, |slot, call| out[slot] = call)
}

/// `calls`, each call handed to `f` with its output slot (every chosen sample once, in
/// column order), or with `skip_ref` every call but those written `0|0` or `0/0` (most of
/// a cohort's), which are stepped over by their four bytes.
pub fn visit_calls(line: &str, columns: &Columns, n_alts: usize, skip_ref: bool, mut f: impl FnMut(usize, Call)) -> Result<()> {
    let bytes = line.as_bytes();
    let Some(format_at) = skip_fields(bytes, 0, 8) else { bail!("the record has no FORMAT column: personal needs genotypes (GT)") };
    let format_end = memchr::memchr(b'\t', &bytes[format_at..]).map_or(bytes.len(), |i| format_at + i);
    let format = &line[format_at..format_end];
    let Some(gt_key) = format.split(':').position(|k| k == "GT") else {
        bail!("FORMAT '{}' has no GT: personal needs genotypes", crate::input::shorten(format, 60))
    };
    let n_samples = || line.split('\t').count().saturating_sub(9);
    let only_gt = skip_ref && format == "GT";
    let (mut field, mut at) = (0usize, format_end + 1);
    for &(c, slot) in &columns.by_column {
        if only_gt && c == field {
            if let Some([b'0', b'|' | b'/', b'0', b'\t']) = bytes.get(at..at + 4) {
                (at, field) = (at + 4, field + 1);
                continue;
            }
        }
        if at > bytes.len() {
            bail!("sample column {} is missing (the line has {} samples)", c + 10, n_samples());
        }
        match skip_fields(bytes, at, c - field) {
            Some(start) => at = start,
            None => bail!("sample column {} is missing (the line has {} samples)", c + 10, n_samples()),
        }
        field = c;
        let end = memchr::memchr(b'\t', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        // the GT subfield: the bytes before the first ':' when GT comes first (the spec's rule)
        let gt = if gt_key == 0 {
            Some(&line[at..memchr::memchr(b':', &bytes[at..end]).map_or(end, |i| at + i)])
        } else {
            line[at..end].split(':').nth(gt_key)
        };
        f(slot, gt.map_or(Ok(NO_CALL), |gt| parse_gt(gt, n_alts))?);
    }
    Ok(())
}

/// The calls of the chosen samples from a BCF record's GT values (`BcfGenotypes`), by the
/// rules `parse_gt` applies to the same call written as text: each value is
/// `(allele + 1) << 1 | phased`, 0 an allele `.`; the values end at the vector-end or
/// missing sentinel. No values, or one `.`, is `NO_CALL`; a diploid call is phased when its
/// second value says so (as bcftools writes `|`).
pub fn bcf_calls(gt: &BcfGenotypes, columns: &Columns, n_alts: usize, out: &mut Vec<Call>) -> Result<()> {
    out.clear();
    out.resize(columns.len(), NO_CALL);
    visit_bcf_calls(gt, columns, n_alts, false, |slot, call| out[slot] = call)
}

/// `bcf_calls`, each call handed to `f` with its output slot (every chosen sample once, in
/// column order), or with `skip_ref` every call but the diploid REF/REF ones, which are
/// stepped over four samples to a word where every sample is chosen.
pub fn visit_bcf_calls(gt: &BcfGenotypes, columns: &Columns, n_alts: usize, skip_ref: bool, mut f: impl FnMut(usize, Call)) -> Result<()> {
    let available = gt.samples();
    if let Some(&(c, _)) = columns.by_column.last() {
        if c >= available {
            bail!("sample column {} is missing (the record has {available} samples)", c + 10);
        }
    }
    // the common layout, diploid calls in one byte per allele: both values are alleles
    // (>= 2: REF or an ALT, not `.` nor a sentinel) in one test
    if gt.width == 1 && gt.per_sample == 2 {
        if skip_ref && columns.every && columns.len() == available {
            // values 2 and 3 are allele 0 (unphased, phased): a word of 4 such samples is skipped
            let words = gt.bytes.chunks_exact(8);
            let tail = words.remainder().len() / 2;
            for (w, word) in words.enumerate() {
                let v = u64::from_le_bytes(word.try_into().expect("8 bytes"));
                if v | 0x0101_0101_0101_0101 == 0x0303_0303_0303_0303 {
                    continue;
                }
                for c in 4 * w..4 * w + 4 {
                    one_byte_call(gt, c, columns.by_column[c].1, n_alts, true, &mut f)?;
                }
            }
            for c in available - tail..available {
                one_byte_call(gt, c, columns.by_column[c].1, n_alts, true, &mut f)?;
            }
            return Ok(());
        }
        for &(c, slot) in &columns.by_column {
            one_byte_call(gt, c, slot, n_alts, skip_ref, &mut f)?;
        }
        return Ok(());
    }
    for &(c, slot) in &columns.by_column {
        f(slot, bcf_call(gt, c, n_alts)?);
    }
    Ok(())
}

/// Sample `c`'s call where GT is diploid in one byte per value: both values alleles in one
/// test, else the general rule.
#[inline]
fn one_byte_call(gt: &BcfGenotypes, c: usize, slot: usize, n_alts: usize, skip_ref: bool, f: &mut impl FnMut(usize, Call)) -> Result<()> {
    let (x, y) = (gt.bytes[2 * c] as i8, gt.bytes[2 * c + 1] as i8);
    if x >= 2 && y >= 2 {
        let (a, b) = (Allele::from(x as u8 >> 1) - 1, Allele::from(y as u8 >> 1) - 1);
        if skip_ref && a == 0 && b == 0 {
            return Ok(());
        }
        if a as usize <= n_alts && b as usize <= n_alts {
            f(slot, Call { alleles: [a, b], ploidy: 2, phased: y & 1 == 1 });
            return Ok(());
        }
    }
    f(slot, bcf_call(gt, c, n_alts)?);
    Ok(())
}

/// Sample `c`'s call, any width and ploidy.
fn bcf_call(gt: &BcfGenotypes, c: usize, n_alts: usize) -> Result<Call> {
    let mut call = Call { alleles: [MISSING; 2], ploidy: 0, phased: true };
    for v in gt.sample(c) {
        if gt.is_sentinel(v) {
            break;
        }
        if call.ploidy == 2 {
            bail!("GT with more than 2 alleles: ploidy above 2 is not supported");
        }
        let allele = (v >> 1) - 1;
        call.alleles[call.ploidy as usize] = match allele {
            -1 => MISSING,
            a if a >= 0 && a <= n_alts as i64 => a as Allele,
            a => bail!("GT value {v}: allele {a} but the record has {n_alts} ALT alleles"),
        };
        if call.ploidy == 1 {
            call.phased = v & 1 == 1;
        }
        call.ploidy += 1;
    }
    if call.ploidy == 1 && call.alleles[0] == MISSING {
        call = NO_CALL;
    }
    if call.ploidy == 1 {
        call.alleles[1] = 0;
    }
    Ok(call)
}

/// The calls of one record that say more than "diploid, homozygous reference", by sample
/// slot: most of a cohort's calls at a site are `0|0`, so a TSS's haplotypes are planned
/// from these lists in time proportional to the carriers, and a site holds a few bytes per
/// carrier instead of a call per sample.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiteCalls {
    /// Samples whose call is not diploid: (slot, ploidy 0 or 1).
    pub odd_ploidy: Vec<(u32, u8)>,
    /// Heterozygous samples (missing read as REF): (slot, phased).
    pub hets: Vec<(u32, bool)>,
    /// Haplotypes carrying an ALT allele: (2 x slot + haplotype, allele).
    pub carriers: Vec<(u32, Allele)>,
    /// Alleles `.` (a lone `.` counts one).
    pub missing: u64,
}

impl SiteCalls {
    pub fn clear(&mut self) {
        self.odd_ploidy.clear();
        self.hets.clear();
        self.carriers.clear();
        self.missing = 0;
    }

    #[inline]
    pub fn push(&mut self, slot: usize, call: Call) {
        if call.ploidy == 2 && call.alleles == [0, 0] {
            return;
        }
        let slot = slot as u32;
        if call.ploidy != 2 {
            self.odd_ploidy.push((slot, call.ploidy));
        }
        if call.het() {
            self.hets.push((slot, call.phased));
        }
        if call.ploidy == 0 {
            self.missing += 1;
        }
        for h in 0..call.ploidy as usize {
            match call.alleles[h] {
                MISSING => self.missing += 1,
                0 => {}
                a => self.carriers.push((2 * slot + h as u32, a)),
            }
        }
    }

    /// The het entry of `slot`, if it is heterozygous here.
    pub fn het(&self, slot: usize) -> Option<(u32, bool)> {
        self.hets.iter().copied().find(|&(s, _)| s as usize == slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Call {
        fn het_unphased(&self) -> bool {
            self.het() && !self.phased
        }
    }

    /// A seeded xorshift: `rnd(n)` is uniform-ish in `0..n`.
    fn xorshift(mut x: u64) -> impl FnMut(u64) -> u64 {
        move |n| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        }
    }

    #[test]
    fn parses_phase_ploidy_and_missing() {
        assert_eq!(parse_gt("0|1", 1).unwrap(), Call { alleles: [0, 1], ploidy: 2, phased: true });
        assert_eq!(parse_gt("1/0", 1).unwrap(), Call { alleles: [1, 0], ploidy: 2, phased: false });
        assert!(parse_gt("1/0", 1).unwrap().het_unphased());
        assert!(!parse_gt("1/1", 1).unwrap().het_unphased());
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
        assert!(parse_gt("0|1", 1).unwrap().het() && !parse_gt("0|1", 1).unwrap().het_unphased());
        assert!(parse_gt("./1", 1).unwrap().het_unphased());
        assert!(!parse_gt("./0", 1).unwrap().het());
    }

    #[test]
    fn reads_gt_wherever_format_puts_it() {
        let mut out = Vec::new();
        let cols = |c: &[usize]| Columns::new(c);
        calls("1\t5\t.\tA\tG\t.\t.\t.\tGT:AD\t0|1:3,4\t1/1:0,7", &cols(&[1, 0]), 1, &mut out).unwrap();
        assert_eq!(out.iter().map(|c| c.alleles).collect::<Vec<_>>(), [[1, 1], [0, 1]]);
        calls("1\t5\t.\tA\tG\t.\t.\t.\tAD:GT\t3,4:0|1", &cols(&[0]), 1, &mut out).unwrap();
        assert_eq!(out[0].alleles, [0, 1]);
        calls("1\t5\t.\tA\tG\t.\t.\t.\tGT:AD\t0|1:3,4\t.", &cols(&[1]), 1, &mut out).unwrap();
        assert_eq!(out[0], NO_CALL);
        assert!(calls("1\t5\t.\tA\tG\t.\t.\t.\tAD\t3,4", &cols(&[0]), 1, &mut out).unwrap_err().to_string().contains("has no GT"));
        assert!(calls("1\t5\t.\tA\tG\t.\t.\t.", &cols(&[0]), 1, &mut out).is_err());
        assert!(calls("1\t5\t.\tA\tG\t.\t.\t.\tGT\t0|1", &cols(&[1]), 1, &mut out).unwrap_err().to_string().contains("sample column 11 is missing"));
    }

    /// The walk over bytes equals splitting the line into fields, on random lines (GT at
    /// any FORMAT position, fields cut short, any column choice and order).
    #[test]
    fn the_byte_walk_equals_splitting() {
        let mut rnd = xorshift(0x2545_f491_4f6c_dd1du64);
        let gts = ["0|1", "1/0", ".", "./.", "1", "2|0", "0|0", "0/0", "0|0", "0/0"];
        for round in 0..1000 {
            let n = 1 + rnd(12) as usize;
            let gt_at = rnd(3) as usize;
            // half the lines have GT alone (the hom-ref fields are then stepped over)
            let mut keys = if round % 2 == 0 { vec![] } else { vec!["AD", "DP"] };
            keys.insert(gt_at.min(keys.len()), "GT");
            let samples: Vec<String> = (0..n)
                .map(|_| {
                    let gt = gts[rnd(gts.len() as u64) as usize];
                    let mut f: Vec<String> = keys.iter().map(|k| if *k == "GT" { gt.to_string() } else { "3".to_string() }).collect();
                    f.truncate(1 + rnd(3) as usize); // trailing fields dropped
                    f.join(":")
                })
                .collect();
            let line = format!("1\t5\t.\tA\tG,T\t.\t.\t.\t{}\t{}", keys.join(":"), samples.join("\t"));
            let chosen: Vec<usize> = (0..n).filter(|_| round % 4 < 2 || rnd(2) == 0).collect();
            let mut order = chosen.clone();
            order.reverse();
            let mut got = Vec::new();
            calls(&line, &Columns::new(&order), 2, &mut got).unwrap();
            let key = keys.iter().position(|k| *k == "GT").unwrap();
            let want: Vec<Call> = order.iter().map(|&c| samples[c].split(':').nth(key).map_or(NO_CALL, |g| parse_gt(g, 2).unwrap())).collect();
            assert_eq!(got, want, "{line} {order:?}");
            // the sparse calls, stepping over hom-ref fields, equal those of every call
            let columns = Columns::new(&order);
            let (mut all, mut skipped) = (SiteCalls::default(), SiteCalls::default());
            visit_calls(&line, &columns, 2, false, |slot, c| all.push(slot, c)).unwrap();
            visit_calls(&line, &columns, 2, true, |slot, c| skipped.push(slot, c)).unwrap();
            assert_eq!(all, skipped, "{line} {order:?}");
        }
    }

    /// BCF GT bytes: the word-skipping and per-sample paths give the calls of the general
    /// rule, for one-byte diploid arrays with any mix of REF/REF, hets, haploid and missing.
    #[test]
    fn bcf_fast_paths_equal_the_general_rule() {
        let mut rnd = xorshift(0x9e37_79b9_7f4a_7c15u64);
        // (allele + 1) << 1 | phased; 0 `.`, 0x81 vector end
        let values: [[u8; 2]; 9] = [[2, 3], [2, 2], [2, 3], [2, 2], [2, 5], [4, 3], [4, 0x81], [0, 0], [0, 0x81]];
        for round in 0..400 {
            let n = 1 + rnd(23) as usize;
            let bytes: Vec<u8> = (0..n).flat_map(|_| if rnd(3) > 0 { values[rnd(4) as usize] } else { values[rnd(9) as usize] }).collect();
            let gt = BcfGenotypes { width: 1, per_sample: 2, bytes };
            let order: Vec<usize> = if round % 2 == 0 { (0..n).rev().collect() } else { (0..n).filter(|_| rnd(2) == 0).collect() };
            let columns = Columns::new(&order);
            let mut want = Vec::new();
            for &c in &order {
                want.push(bcf_call(&gt, c, 1).unwrap());
            }
            let mut got = Vec::new();
            bcf_calls(&gt, &columns, 1, &mut got).unwrap();
            assert_eq!(got, want, "{:?}", gt.bytes);
            let (mut all, mut skipped) = (SiteCalls::default(), SiteCalls::default());
            visit_bcf_calls(&gt, &columns, 1, false, |slot, c| all.push(slot, c)).unwrap();
            visit_bcf_calls(&gt, &columns, 1, true, |slot, c| skipped.push(slot, c)).unwrap();
            let sorted = |s: &mut SiteCalls| {
                s.odd_ploidy.sort_unstable();
                s.hets.sort_unstable();
                s.carriers.sort_unstable();
            };
            sorted(&mut all);
            sorted(&mut skipped);
            assert_eq!(all, skipped, "{:?} {order:?}", gt.bytes);
        }
    }
}
