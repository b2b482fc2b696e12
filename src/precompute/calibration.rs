//! The background distribution of |delta| over every SNV of a precompute run, as a small
//! conversion table (CADD's PHRED idea): a variant's |delta| becomes the percentile of the
//! table's SNVs below it and a PHRED-like -10 log10(fraction at or above). |delta| is binned
//! by the top 16 bits of its f32 (8 exponent and 7 mantissa bits): 128 bins per doubling,
//! each 0.8% wide in |delta| wherever it lies, so the tails are as finely resolved as the
//! bulk (the top 0.01% of a table of millions of SNVs spans dozens of bins). Within a bin
//! the percentile is interpolated linearly. Memory: 65,536 counters.

use std::io::{BufRead, Write};

use std::path::Path;

use anyhow::Result;

use crate::input::{InputError, OrInput};
use crate::output::Output;

const BINS: usize = 1 << 16;

/// Counts of |delta| per bin.
#[derive(Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    pub total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: vec![0; BINS], total: 0 }
    }
}

fn bin_of(x: f32) -> usize {
    (x.abs().to_bits() >> 16) as usize
}

/// The lower edge of bin `b` (and the upper edge of `b - 1`).
fn edge(b: usize) -> f64 {
    f32::from_bits((b as u32) << 16) as f64
}

impl Histogram {
    pub fn add(&mut self, delta: f32) {
        self.counts[bin_of(delta)] += 1;
        self.total += 1;
    }

    /// Writes the table: `##` provenance lines, then one row per non-empty bin.
    pub fn write(&self, path: &Path, provenance: &[String]) -> Result<()> {
        let mut out = Output::create(path)?;
        writeln!(out, "##xpresso calibration: the distribution of |delta| over every SNV x TSS row of a precompute run")?;
        for line in provenance {
            writeln!(out, "##{line}")?;
        }
        writeln!(out, "##snvs={}", self.total)?;
        writeln!(out, "##columns: the bin [abs_delta_from, abs_delta_to) of |delta|, its SNVs, and the SNVs below it")?;
        writeln!(out, "#abs_delta_from\tabs_delta_to\tsnvs\tsnvs_below")?;
        let mut below = 0u64;
        for (b, &n) in self.counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            writeln!(out, "{:e}\t{:e}\t{n}\t{below}", edge(b) as f32, edge(b + 1) as f32)?;
            below += n;
        }
        out.finish()
    }
}

/// A calibration table read back: its provenance and bins.
pub struct Calibration {
    /// The `##key=value` lines.
    pub meta: Vec<(String, String)>,
    bins: Vec<(f64, f64, u64, u64)>,
    pub total: u64,
}

impl Calibration {
    /// Reads a table (plain, gzip or bgzip, as `precompute --calibration` writes it), checking
    /// every bin: finite edges with 0 <= from < to, bins in increasing order without overlap,
    /// counts that add up (`snvs_below` is the sum of the bins before), and a total equal to the
    /// header's `##snvs=`. Each failure names the file and line.
    pub fn read(path: &Path) -> Result<Self> {
        let shown = path.display();
        let reader = crate::input::open_text(path, "calibration table").input()?;
        let (mut meta, mut bins, mut header) = (Vec::new(), Vec::<(f64, f64, u64, u64)>::new(), false);
        let mut lines = 0;
        for (i, line) in reader.lines().enumerate() {
            lines = i + 1;
            let line = line.map_err(|e| InputError::msg(format!("{shown}: line {}: {}", i + 1, crate::input::read_error(&e))))?;
            let line = line.trim_end_matches('\r'); // a copy that went through Windows
            let bad = |why: String| InputError::msg(format!("{shown}: line {}: {why} (an xpresso calibration table, from precompute --calibration, has 4 columns: abs_delta_from, abs_delta_to, snvs, snvs_below)", i + 1));
            if let Some(m) = line.strip_prefix("##") {
                if let Some((k, v)) = m.split_once('=') {
                    meta.push((k.to_string(), v.to_string()));
                }
                continue;
            }
            if line.starts_with('#') {
                if line != "#abs_delta_from\tabs_delta_to\tsnvs\tsnvs_below" {
                    return Err(bad("unexpected column header".into()));
                }
                header = true;
                continue;
            }
            if !header {
                return Err(bad("a bin before the column header".into()));
            }
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 4 {
                return Err(bad(format!("{} columns", f.len())));
            }
            let edge = |s: &str, what: &str| s.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0).ok_or_else(|| bad(format!("{what} '{s}' is not a finite |delta| >= 0")));
            let count = |s: &str, what: &str| s.parse::<u64>().map_err(|_| bad(format!("{what} '{s}' is not a count")));
            let bin = (edge(f[0], "abs_delta_from")?, edge(f[1], "abs_delta_to")?, count(f[2], "snvs")?, count(f[3], "snvs_below")?);
            if bin.0 >= bin.1 {
                return Err(bad(format!("the bin [{}, {}) is empty or reversed", f[0], f[1])));
            }
            if let Some(last) = bins.last() {
                if last.1 > bin.0 {
                    return Err(bad(format!("the bin from {} starts before the previous bin ends ({}): bins must increase", f[0], last.1)));
                }
            }
            let below = bins.last().map_or(0, |&(_, _, n, b)| b + n);
            if bin.3 != below {
                return Err(bad(format!("snvs_below is {}, but the bins before hold {below}", bin.3)));
            }
            if bin.2 == 0 {
                return Err(bad("a bin with no SNVs (the writer leaves those out)".into()));
            }
            bins.push(bin);
        }
        let total = bins.last().map_or(0, |&(_, _, n, b)| b + n);
        let stated = meta.iter().find(|(k, _)| k == "snvs").map(|(_, v)| v.as_str());
        match stated.map(str::parse::<u64>) {
            Some(Ok(n)) if n == total && total > 0 => {}
            Some(Ok(n)) => return Err(InputError::msg(format!("{shown}: line {lines}: truncated or empty calibration table: its bins hold {total} SNVs, its ##snvs= line says {n}"))),
            Some(Err(_)) => return Err(InputError::msg(format!("{shown}: its ##snvs= line ('{}') is not a count", stated.unwrap_or_default()))),
            None => return Err(InputError::msg(format!("{shown}: no ##snvs= line: not an xpresso calibration table (xpresso precompute --calibration)"))),
        }
        Ok(Calibration { meta, bins, total })
    }

    /// `read`, refusing a table made with another model (its `model_sha256` line) or window.
    pub fn read_for(path: &Path, model_sha256: &str) -> Result<Self> {
        let cal = Self::read(path)?;
        let shown = path.display();
        match cal.meta("model_sha256") {
            Some(m) if m == model_sha256 => {}
            Some(m) => return Err(InputError::msg(format!("{shown}: calibration table made with another model (sha256 {m}); this run's model has sha256 {model_sha256}: make one with this model (xpresso precompute --calibration)"))),
            None => return Err(InputError::msg(format!("{shown}: calibration table without a model_sha256 line: cannot tell which model made it"))),
        }
        if cal.meta("window") != Some(crate::precompute::WINDOW_RULE) {
            return Err(InputError::msg(format!("{shown}: calibration table made with another window rule ({}); this xpresso uses: {}", cal.meta("window").unwrap_or("none stated"), crate::precompute::WINDOW_RULE)));
        }
        Ok(cal)
    }

    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The percentile (0-100) of `|delta|` among the table's SNVs: those below it, counting
    /// the part of its bin below it by linear interpolation.
    pub fn percentile(&self, delta: f32) -> f64 {
        100.0 * self.below(delta) / self.total as f64
    }

    /// -10 log10 of the fraction of the table's SNVs at or above `|delta|` (10: the top 10%,
    /// 20: the top 1%), capped where no SNV of the table is as large.
    pub fn phred(&self, delta: f32) -> f64 {
        let above = (self.total as f64 - self.below(delta)).max(0.5);
        -10.0 * (above / self.total as f64).log10()
    }

    fn below(&self, delta: f32) -> f64 {
        let x = delta.abs() as f64;
        let i = self.bins.partition_point(|b| b.1 <= x);
        match self.bins.get(i) {
            None => self.total as f64,
            Some(&(from, to, n, below)) if x > from => below as f64 + n as f64 * (x - from) / (to - from),
            Some(&(_, _, _, below)) => below as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Percentiles read back from the table equal the empirical distribution of what went in.
    #[test]
    fn percentiles_follow_the_values_binned() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut values = Vec::new();
        let mut h = Histogram::default();
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // a heavy-tailed, signed delta, as ISM deltas are
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            let v = (if state & 1 == 0 { -1.0 } else { 1.0 }) * (1e-4 * (1.0 / (1.0 - u)).powf(1.5)) as f32;
            values.push(v.abs());
            h.add(v);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cal.tsv");
        h.write(&path, &["model_sha256=x".to_string()]).unwrap();
        let cal = Calibration::read(&path).unwrap();
        assert_eq!(cal.total, 200_000);
        assert_eq!(cal.meta("model_sha256"), Some("x"));
        values.sort_by(f32::total_cmp);
        for q in [0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999] {
            let x = values[(q * values.len() as f64) as usize];
            let p = cal.percentile(x);
            assert!((p - 100.0 * q).abs() < 0.05, "q {q}: |delta| {x} read as percentile {p}");
        }
        assert_eq!(cal.percentile(0.0), 0.0);
        assert_eq!(cal.percentile(1e9), 100.0);
        assert!((cal.phred(values[(0.99 * values.len() as f64) as usize]) - 20.0).abs() < 0.1);
    }
}
