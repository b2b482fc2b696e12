//! The end-of-run warning about an input's chromosomes the genome lacks: one line per
//! chromosome when there are few, one summary line when there are many (an annotation of
//! the whole genome run against a piece of it names dozens), each still listed with -v.

use std::collections::BTreeMap;

/// Chromosomes named one per line up to this many; past it, one summary line.
const LISTED: usize = 3;

/// `what` names the input's side ("", "of the VCF "), `unit` the counted records ("TSSs"),
/// `fate` what happened to them ("skipped").
pub fn warnings(missing: &BTreeMap<String, u64>, what: &str, unit: &str, fate: &str) -> Vec<String> {
    if missing.len() <= LISTED {
        return missing.iter().map(|(chrom, n)| format!("chromosome {chrom} {what}is not in the genome (nor an alias): {n} {unit} {fate}")).collect();
    }
    for (chrom, n) in missing {
        log::debug!("chromosome {chrom} {what}is not in the genome (nor an alias): {n} {unit} {fate}");
    }
    let total: u64 = missing.values().sum();
    let mut largest: Vec<(&String, &u64)> = missing.iter().collect();
    largest.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let shown: Vec<String> = largest.iter().take(LISTED).map(|(c, n)| format!("{c} {n}")).collect();
    vec![format!(
        "{} chromosomes {what}are not in the genome (nor an alias): {total} {unit} {fate} ({}, ...; -v lists each)",
        missing.len(),
        shown.join(", ")
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_are_listed_many_are_summarised() {
        let few: BTreeMap<String, u64> = [("chrUn".to_string(), 12)].into();
        assert_eq!(warnings(&few, "", "TSSs", "skipped"), ["chromosome chrUn is not in the genome (nor an alias): 12 TSSs skipped"]);
        let many: BTreeMap<String, u64> = (1..=25u64).map(|i| (format!("chr{i}"), i)).collect();
        let lines = warnings(&many, "of the VCF ", "records", "not scored");
        assert_eq!(lines, ["25 chromosomes of the VCF are not in the genome (nor an alias): 325 records not scored (chr25 25, chr24 24, chr23 23, ...; -v lists each)"]);
    }
}
