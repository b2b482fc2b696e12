//! What one ALT allele does to the reference: classified (sequence, `*`, symbolic, missing),
//! and reduced to a minimal edit by trimming the bases REF and ALT share (VCF pads indels with
//! an anchor base; `AT>GT` is the SNV `A>G`). The alt haplotype is the same either way; the
//! minimal edit decides which windows change and whether the incremental cone applies.

/// Why an ALT allele is not scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// `*`: the allele is a deletion described by another record.
    Star,
    /// `<DEL>`, `<CN0>`, breakends...: no sequence to put in a window.
    Symbolic,
    /// `.`: no ALT allele.
    Missing,
    /// ALT with characters other than A, C, G, T, N.
    NotBases,
    /// ALT equal to REF.
    NoChange,
}

impl SkipReason {
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::Star => "`*` (overlapping deletion) alleles",
            SkipReason::Symbolic => "symbolic or breakend alleles (<DEL>, <CN0>, ...)",
            SkipReason::Missing => "missing ALT (`.`)",
            SkipReason::NotBases => "ALT alleles with characters other than ACGTN",
            SkipReason::NoChange => "ALT alleles equal to REF",
        }
    }
}

/// The minimal change of an allele, in 0-based forward-strand genome coordinates: the
/// `ref_len` bases from `start` are replaced by `alt` (either may be empty, not both).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub start: u64,
    pub ref_len: u64,
    /// Uppercase bases.
    pub alt: Vec<u8>,
}

impl Edit {
    /// A single-base substitution by A, C, G or T: what the incremental cone scores.
    pub fn is_snv(&self) -> bool {
        self.ref_len == 1 && self.alt.len() == 1 && self.alt[0] != b'N'
    }

    /// Length change of the haplotype (ALT minus REF).
    pub fn shift(&self) -> i64 {
        self.alt.len() as i64 - self.ref_len as i64
    }

    /// Whether the alt haplotype differs from the reference inside `[start, end)`: replaced
    /// bases overlap it, or bases are inserted strictly inside it (an insertion at either
    /// edge leaves the window as it was, whichever way the window is anchored).
    pub fn touches(&self, start: i64, end: i64) -> bool {
        let s = self.start as i64;
        if self.ref_len == 0 {
            s > start && s < end
        } else {
            s < end && s + self.ref_len as i64 > start
        }
    }
}

/// Classifies `alt` against `reference` at 1-based `pos`, returning the minimal edit.
pub fn edit(pos: u64, reference: &str, alt: &str) -> Result<Edit, SkipReason> {
    match alt {
        "*" => return Err(SkipReason::Star),
        "." | "" => return Err(SkipReason::Missing),
        _ => {}
    }
    if alt.starts_with('<') || alt.contains(['[', ']']) || alt.starts_with('.') || alt.ends_with('.') {
        return Err(SkipReason::Symbolic);
    }
    let alt = alt.as_bytes().to_ascii_uppercase();
    if !alt.iter().all(|b| b"ACGTN".contains(b)) {
        return Err(SkipReason::NotBases);
    }
    let r = reference.as_bytes().to_ascii_uppercase();
    let suffix = r.iter().rev().zip(alt.iter().rev()).take_while(|(a, b)| a == b).count();
    let (r, a) = (&r[..r.len() - suffix], &alt[..alt.len() - suffix]);
    let prefix = r.iter().zip(a).take_while(|(a, b)| a == b).count();
    let (r, a) = (&r[prefix..], &a[prefix..]);
    if r.is_empty() && a.is_empty() {
        return Err(SkipReason::NoChange);
    }
    Ok(Edit { start: pos - 1 + prefix as u64, ref_len: r.len() as u64, alt: a.to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_anchor_bases_and_shared_suffixes() {
        assert_eq!(edit(10, "A", "G"), Ok(Edit { start: 9, ref_len: 1, alt: b"G".to_vec() }));
        assert_eq!(edit(10, "A", "AT"), Ok(Edit { start: 10, ref_len: 0, alt: b"T".to_vec() }));
        assert_eq!(edit(10, "ATT", "A"), Ok(Edit { start: 10, ref_len: 2, alt: vec![] }));
        assert_eq!(edit(10, "AT", "GT"), Ok(Edit { start: 9, ref_len: 1, alt: b"G".to_vec() }));
        assert_eq!(edit(10, "acg", "TCA"), Ok(Edit { start: 9, ref_len: 3, alt: b"TCA".to_vec() }));
        assert!(edit(10, "A", "G").unwrap().is_snv());
        assert!(!edit(10, "A", "N").unwrap().is_snv());
    }

    #[test]
    fn skips_what_has_no_sequence() {
        assert_eq!(edit(1, "A", "*"), Err(SkipReason::Star));
        assert_eq!(edit(1, "A", "<DEL>"), Err(SkipReason::Symbolic));
        assert_eq!(edit(1, "A", "A]2:10]"), Err(SkipReason::Symbolic));
        assert_eq!(edit(1, "A", ".A"), Err(SkipReason::Symbolic));
        assert_eq!(edit(1, "A", "."), Err(SkipReason::Missing));
        assert_eq!(edit(1, "A", "R"), Err(SkipReason::NotBases));
        assert_eq!(edit(1, "A", "a"), Err(SkipReason::NoChange));
    }

    #[test]
    fn insertions_at_a_window_edge_change_nothing() {
        let ins = Edit { start: 100, ref_len: 0, alt: b"T".to_vec() };
        assert!(!ins.touches(100, 200) && !ins.touches(0, 100) && ins.touches(99, 200));
        let del = Edit { start: 95, ref_len: 5, alt: vec![] };
        assert!(!del.touches(100, 200) && del.touches(99, 200));
    }
}
