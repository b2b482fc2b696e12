//! Chromosome name aliases, so a GTF or VCF written with `chr1` finds `1` in the FASTA and
//! the reverse; the mitochondrion answers to `chrM`, `chrMT`, `MT` and `M`.

/// Other spellings of `name` to try when the exact name is absent, best first.
pub fn candidates(name: &str) -> Vec<String> {
    let bare = name.strip_prefix("chr").unwrap_or(name);
    if matches!(bare, "M" | "MT") {
        return ["chrM", "MT", "chrMT", "M"]
            .iter()
            .filter(|c| **c != name)
            .map(|c| c.to_string())
            .collect();
    }
    if bare.len() == name.len() {
        vec![format!("chr{name}")]
    } else {
        vec![bare.to_string()]
    }
}

#[cfg(test)]
mod tests {
    use super::candidates;

    #[test]
    fn chr_prefix_both_ways() {
        assert_eq!(candidates("chr1"), vec!["1"]);
        assert_eq!(candidates("22"), vec!["chr22"]);
        assert_eq!(candidates("chrX"), vec!["X"]);
    }

    #[test]
    fn mitochondrion() {
        assert!(candidates("chrM").contains(&"MT".to_string()));
        assert!(candidates("MT").contains(&"chrM".to_string()));
        assert!(!candidates("MT").contains(&"MT".to_string()));
    }
}
