//! `-R/--regions-file` and `-T/--targets-file`, as bcftools reads them: a BED (`.bed`,
//! `.bed.gz`: 0-based, half-open) or a tab-separated CHROM POS [END] file (1-based,
//! inclusive); `#` lines and blank lines skipped. Chromosomes resolve against the genome
//! through its aliases (`22` = `chr22`). Kept merged and sorted per contig, so a test of a
//! position is a binary search, whatever the file's size.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::genome::{ContigId, Genome};
use crate::input::{open_text, InputError, OrInput};

/// Intervals of the genome a run is restricted to.
#[derive(Clone, Debug)]
pub struct Regions {
    /// 1-based inclusive, merged, per contig.
    by_contig: BTreeMap<ContigId, Vec<(u64, u64)>>,
    /// Every name an input may give a contig with intervals (its name and its aliases).
    names: HashMap<String, ContigId>,
    pub path: PathBuf,
}

impl Regions {
    /// Reads `path` and places it on `genome`; chromosomes the genome lacks are skipped with
    /// a warning naming them.
    pub fn read(path: &Path, genome: &Genome) -> Result<Self> {
        let name = path.to_string_lossy().to_lowercase();
        let bed = name.ends_with(".bed") || name.ends_with(".bed.gz") || name.ends_with(".bed.bgz");
        let reader = open_text(path, "regions file").input()?;
        let mut by_contig: BTreeMap<ContigId, Vec<(u64, u64)>> = BTreeMap::new();
        let mut missing: BTreeMap<String, u64> = BTreeMap::new();
        let bad = |n: usize, what: String| InputError::msg(format!("regions file {} line {n}: {what}", path.display()));
        for (i, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| bad(i + 1, crate::input::read_error(&e)))?;
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') || line.starts_with("track ") || line.starts_with("browser ") {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let num = |k: usize| -> Result<u64> {
                let v = f.get(k).ok_or_else(|| bad(i + 1, format!("{} columns: expected CHROM, POS [, END]{}", f.len(), if bed { " (BED: CHROM, START, END)" } else { "" })))?;
                v.trim().parse::<u64>().ok().filter(|&n| n <= super::select::MAX_POSITION).ok_or_else(|| bad(i + 1, format!("'{v}' is not a position")))
            };
            let (start, end) = if bed {
                let (s, e) = (num(1)?, num(2)?);
                if e < s {
                    return Err(bad(i + 1, format!("BED interval {s}-{e} ends before it starts")));
                }
                if e == s {
                    continue; // an empty BED interval holds no base
                }
                (s + 1, e)
            } else {
                let s = num(1)?;
                let e = if f.len() > 2 && !f[2].trim().is_empty() { num(2)? } else { s };
                if s == 0 || e < s {
                    return Err(bad(i + 1, format!("{s}-{e} is not a 1-based interval (BED files are read as BED when named .bed)")));
                }
                (s, e)
            };
            match genome.resolve(f[0]) {
                Some(id) => by_contig.entry(id).or_default().push((start, end)),
                None => *missing.entry(f[0].to_string()).or_default() += 1,
            }
        }
        for list in by_contig.values_mut() {
            list.sort_unstable();
            let mut merged: Vec<(u64, u64)> = Vec::with_capacity(list.len());
            for &(s, e) in list.iter() {
                match merged.last_mut() {
                    Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            *list = merged;
        }
        for line in super::missing::warnings(&missing, &format!("of regions file {} ", path.display()), "lines", "ignored") {
            log::warn!("{line}");
        }
        let mut names = HashMap::new();
        for &id in by_contig.keys() {
            for name in genome.names_of(id) {
                names.insert(name, id);
            }
        }
        Ok(Regions { by_contig, names, path: path.to_path_buf() })
    }

    /// Whether 1-based inclusive `[start, end]` on `chrom` (as an input names it) overlaps.
    pub fn contains(&self, chrom: &str, start: u64, end: u64) -> bool {
        let Some(list) = self.names.get(chrom).and_then(|id| self.by_contig.get(id)) else { return false };
        // the first interval ending at or after `start` overlaps when it begins by `end`
        let i = list.partition_point(|&(_, e)| e < start);
        list.get(i).is_some_and(|&(s, _)| s <= end)
    }

    /// The merged intervals on a contig (for reading a VCF through its index).
    pub fn of(&self, contig: ContigId) -> Vec<(u64, u64)> {
        self.by_contig.get(&contig).cloned().unwrap_or_default()
    }

    /// Bases covered, all contigs together.
    pub fn bases(&self) -> u64 {
        self.by_contig.values().flatten().map(|(s, e)| e - s + 1).sum()
    }
}
