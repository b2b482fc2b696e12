//! Chromosome name aliases, so a GTF or VCF written with `chr1` finds `1` in the FASTA and
//! the reverse; the mitochondrion answers to `chrM`, `chrMT`, `MT` and `M`.

/// The chromosome-alias file of this run (`--chrom-alias`), set once by the CLI.
static FILE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Names an alias file for every genome this run opens: UCSC's `chromAlias.txt` (a `#`
/// header, then one row per sequence: `chr22  22  NC_000022.11  CM000684.2 ...`), or any
/// table of names that are the same sequence, tab- or space-separated.
pub fn set_file(path: std::path::PathBuf) {
    let _ = FILE.set(path);
}

pub fn file() -> Option<std::path::PathBuf> {
    FILE.get().cloned()
}

/// The rows of an alias file: (1-based line, names).
pub fn read_table(path: &std::path::Path) -> anyhow::Result<Vec<(usize, Vec<String>)>> {
    use std::io::BufRead;
    let mut rows = Vec::new();
    for (i, line) in crate::input::open_text(path, "chromosome alias file")?.lines().enumerate() {
        let line = line.map_err(|e| anyhow::anyhow!("chromosome alias file {} line {}: {}", path.display(), i + 1, crate::input::read_error(&e)))?;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let names: Vec<String> = line.split(['\t', ' ']).map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect();
        if names.len() >= 2 {
            rows.push((i + 1, names));
        }
    }
    Ok(rows)
}

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
