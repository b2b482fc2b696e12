//! Which part of a genome a run covers, so a workflow engine can scatter one genome or VCF
//! over many jobs: a region (`--chrom`, `--region`) and a shard (`--shard K/N`). Shards are
//! contiguous blocks (of TSSs in annotation order, or of VCF regions in index order), so the
//! shards' outputs concatenated in order equal one run.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use anyhow::Result;

use super::tss_windows::{TssSource, TssStream};
use crate::annotation::{Notes, Tss};
use crate::genome::Genome;
use crate::input::InputError;
use crate::variants::reader::Visit;

/// Block `index` (1-based) of `count` equal blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The half-open range of the items (of `total`) that this shard takes.
    pub fn block(&self, total: u64) -> std::ops::Range<u64> {
        let at = |k: u64| (total as u128 * k as u128 / self.count as u128) as u64; // no overflow for any K/N
        at(self.index - 1)..at(self.index)
    }

    /// Whether this shard writes the header lines (only the first one, so `cat` joins them).
    pub fn writes_header(shard: Option<Shard>) -> bool {
        shard.is_none_or(|s| s.index == 1)
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}': expected K/N with 1 <= K <= N (e.g. 3/8)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (k.trim().parse::<u64>().map_err(|_| bad())?, n.trim().parse::<u64>().map_err(|_| bad())?);
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Largest coordinate a region may name (2^48, far beyond any chromosome): arithmetic on
/// positions can then never overflow.
pub const MAX_POSITION: u64 = 1 << 48;

/// A chromosome, or 1-based inclusive bases of one (`chr22`, `chr22:32,000,001-32,100,000`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenomeRegion {
    pub chrom: String,
    pub start: u64,
    pub end: u64,
}

impl FromStr for GenomeRegion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}': expected CHROM or CHROM:START-END (1-based, inclusive, at most {MAX_POSITION})");
        let Some((chrom, span)) = s.rsplit_once(':') else {
            return Ok(GenomeRegion { chrom: s.to_string(), start: 1, end: u64::MAX });
        };
        let (a, b) = span.split_once('-').ok_or_else(bad)?;
        let num = |x: &str| x.replace(',', "").trim().parse::<u64>().ok().filter(|&n| n <= MAX_POSITION).ok_or_else(bad);
        let (start, end) = (num(a)?, num(b)?);
        if chrom.is_empty() || start == 0 || end < start {
            return Err(bad());
        }
        Ok(GenomeRegion { chrom: chrom.to_string(), start, end })
    }
}

impl GenomeRegion {
    /// Whether 1-based inclusive `[start, end]` overlaps the region.
    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        start <= self.end && end >= self.start
    }
}

/// A region with the names (as written in a GTF, BED or VCF) that resolve to its genome
/// contig, so streams can be filtered without holding the genome.
#[derive(Clone, Debug)]
pub struct PlacedRegion {
    pub region: GenomeRegion,
    names: HashSet<String>,
}

impl PlacedRegion {
    /// Resolves the region's chromosome in `genome` (aliases allowed); an error names it.
    pub fn place(region: &GenomeRegion, genome: &Genome) -> Result<Self> {
        let Some(id) = genome.resolve(&region.chrom) else {
            let names: Vec<&str> = genome.contigs().iter().map(|c| c.name.as_str()).take(8).collect();
            let more = if genome.contigs().len() > names.len() { format!(", ... ({} in all)", genome.contigs().len()) } else { String::new() };
            return Err(InputError::msg(format!(
                "region {}: chromosome not in the genome {} (nor an alias); it has {}{more}",
                region.chrom,
                genome.path().display(),
                names.join(", ")
            )));
        };
        // a name resolves to this contig if it is its name, or an alias of it that is not
        // itself a contig (aliases are symmetric: chr1 <-> 1, chrM <-> MT ...)
        let names: HashSet<String> = genome.names_of(id).into_iter().collect();
        Ok(PlacedRegion { region: region.clone(), names })
    }

    /// Whether 1-based inclusive `[start, end]` on `chrom` (as written in an input: aliases
    /// of the contig count) overlaps the region.
    pub fn contains(&self, chrom: &str, start: u64, end: u64) -> bool {
        self.names.contains(chrom) && self.region.overlaps(start, end)
    }
}

/// The TSSs a run takes: those whose TSS base lies in the region, and of those (after any
/// `keep` filter) the shard's block in annotation order.
#[derive(Clone, Debug, Default)]
pub struct TssSelection {
    pub region: Option<PlacedRegion>,
    pub shard: Option<Shard>,
    /// `-R`/`-T`: only TSSs whose TSS base lies in one of these intervals.
    pub regions: Option<std::sync::Arc<super::regions::Regions>>,
}

impl TssSelection {
    /// Whether part of the genome was chosen (so an empty result may be legitimate).
    pub fn is_partial(&self) -> bool {
        self.region.is_some() || self.shard.is_some() || self.regions.is_some()
    }

    /// Opens `source` with the selection applied; returns the stream, whether TSSs are per
    /// transcript, and how many TSSs it holds when that is known. With a shard, the source is
    /// read once first to count the TSSs (a bad line stops every shard there, naming the file
    /// and line).
    pub fn open<F>(&self, source: &TssSource, keep: F, notes: &Notes) -> Result<(TssStream, bool, Option<u64>)>
    where
        F: Fn(&Tss) -> bool + Clone + Send + 'static,
    {
        let block = match self.shard {
            Some(shard) if source.path().as_os_str() == "-" => {
                return Err(InputError::msg(format!("--shard {shard} reads the annotation twice (to count, then to run): give a file, not standard input")));
            }
            Some(shard) => {
                let mut total = 0;
                for tss in self.filtered(source, keep.clone(), &Notes::default())?.0 {
                    tss?;
                    total += 1;
                }
                let block = shard.block(total);
                log::debug!("shard {shard}: TSSs {}..{} of {total} (annotation order)", block.start + 1, block.end);
                Some(block)
            }
            None => None,
        };
        let (stream, per_transcript) = self.filtered(source, keep, notes)?;
        let Some(block) = block else { return Ok((stream, per_transcript, None)) };
        // the counting pass has read every line without error, so items are TSSs
        let stream = stream.skip(block.start as usize).take((block.end - block.start) as usize);
        Ok((Box::new(stream), per_transcript, Some(block.end - block.start)))
    }

    fn filtered<F>(&self, source: &TssSource, keep: F, notes: &Notes) -> Result<(TssStream, bool)>
    where
        F: Fn(&Tss) -> bool + Send + 'static,
    {
        let (stream, per_transcript) = source.open(notes)?;
        let (region, regions) = (self.region.clone(), self.regions.clone());
        let stream = stream.filter(move |t| match t {
            Ok(tss) => {
                region.as_ref().is_none_or(|r| r.contains(&tss.chrom, tss.pos + 1, tss.pos + 1))
                    && regions.as_ref().is_none_or(|r| r.contains(&tss.chrom, tss.pos + 1, tss.pos + 1))
                    && keep(tss)
            }
            Err(_) => true,
        });
        Ok((Box::new(stream), per_transcript))
    }
}

/// The index visits a run takes: those overlapping the region (clipped to it), then the
/// shard's group of about equal total length, in index order.
pub fn select_visits(visits: Vec<Visit>, region: Option<&PlacedRegion>, shard: Option<Shard>) -> Vec<Visit> {
    let mut kept: Vec<Visit> = Vec::new();
    let mut previous_kept = true;
    for mut v in visits {
        if let Some(r) = region {
            if !r.contains(&v.name, v.start, v.end) {
                previous_kept = false;
                continue;
            }
            let weighed_end = v.end.min(v.start.saturating_add(v.weight - 1));
            (v.start, v.end) = (v.start.max(r.region.start), v.end.min(r.region.end));
            v.weight = weighed_end.min(v.end).saturating_sub(v.start) + 1;
            if !previous_kept {
                v.prev_end = 0; // nobody reads the region before it: records reaching in from it belong here
            }
        }
        previous_kept = true;
        kept.push(v);
    }
    let Some(shard) = shard else { return kept };
    let lengths: Vec<u64> = kept.iter().map(|v| v.weight).collect();
    let mine = balanced_block(&lengths, shard);
    kept.into_iter().zip(mine).filter_map(|(v, m)| m.then_some(v)).collect()
}

/// Splits `lengths` (in order) into `shard.count` contiguous groups of about equal total
/// length; returns whether each item falls in `shard`'s group. An item goes to the group
/// where its first base falls.
pub fn balanced_block(lengths: &[u64], shard: Shard) -> Vec<bool> {
    let total: u64 = lengths.iter().sum();
    let mut before = 0u64;
    lengths
        .iter()
        .map(|len| {
            let group = if total == 0 { 0 } else { (before as u128 * shard.count as u128 / total as u128) as u64 };
            before += len;
            group + 1 == shard.index
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_everything_once() {
        for total in [0u64, 1, 5, 17, 100] {
            let mut next = 0;
            for k in 1..=7 {
                let b = Shard { index: k, count: 7 }.block(total);
                assert_eq!(b.start, next);
                next = b.end;
            }
            assert_eq!(next, total);
        }
    }

    #[test]
    fn parse_shard_and_region() {
        assert_eq!("2/5".parse::<Shard>().unwrap(), Shard { index: 2, count: 5 });
        assert!("0/5".parse::<Shard>().is_err());
        assert!("6/5".parse::<Shard>().is_err());
        assert!("5".parse::<Shard>().is_err());
        let r: GenomeRegion = "chr22:32,000,001-32,100,000".parse().unwrap();
        assert_eq!((r.chrom.as_str(), r.start, r.end), ("chr22", 32_000_001, 32_100_000));
        assert_eq!("chr22".parse::<GenomeRegion>().unwrap().end, u64::MAX);
        assert!("chr22:10-5".parse::<GenomeRegion>().is_err());
        assert!("chr22:0-5".parse::<GenomeRegion>().is_err());
        assert!("chr22:18446744073709551610-18446744073709551615".parse::<GenomeRegion>().is_err());
        // any K/N, however large, splits without overflow
        let huge = Shard { index: u64::MAX - 1, count: u64::MAX - 1 };
        assert_eq!(huge.block(1000), 999..1000);
        assert_eq!(Shard { index: 1, count: u64::MAX }.block(u64::MAX), 0..1);
    }

    #[test]
    fn balanced_blocks_partition_in_order() {
        let lengths = [10, 10, 80, 10, 10, 10];
        let groups: Vec<Vec<bool>> = (1..=3).map(|k| balanced_block(&lengths, Shard { index: k, count: 3 })).collect();
        for i in 0..lengths.len() {
            assert_eq!(groups.iter().filter(|g| g[i]).count(), 1, "item {i} in exactly one group");
        }
        // group of each item never decreases along the list
        let group_of = |i: usize| groups.iter().position(|g| g[i]).unwrap();
        assert!((1..lengths.len()).all(|i| group_of(i) >= group_of(i - 1)));
    }
}
