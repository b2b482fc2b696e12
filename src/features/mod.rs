//! The half-life feature table: a TSV with a header whose first column is the key (a gene_id,
//! gene name, transcript id or FASTA record id) and whose next 6 columns are the model's
//! numeric features, already z-scored, in model order. Missing rows get zeros (the training
//! mean, what the original scripts pass) unless the policy says otherwise.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::annotation::strip_version;
use crate::input::{open_text, read_error};
use crate::model::arch::N_FEATURES;

/// What to do for a TSS whose key has no row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum MissingFeatures {
    /// Use zeros (the training mean) and count it in a warning.
    #[default]
    Zero,
    /// Leave the TSS out of the output, counted in a warning.
    Skip,
    /// Stop with an error naming the first key without a row.
    Error,
}

/// Features by key. Keys are stored without an Ensembl version suffix and looked up the same way.
#[derive(Debug, Default)]
pub struct FeatureTable {
    rows: HashMap<String, [f32; N_FEATURES]>,
    /// The file, for messages.
    path: std::path::PathBuf,
}

impl FeatureTable {
    /// Reads a table (plain or gzip), checking every row: exactly 1 + 6 columns, numbers only.
    pub fn load(path: &Path) -> Result<Self> {
        let reader = open_text(path, "features table")?;
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(b'\t')
            .has_headers(true)
            .flexible(true)
            .comment(Some(b'#'))
            .from_reader(reader);
        let shown = path.display();
        let header = csv.headers().map_err(|e| anyhow::anyhow!("features table {shown} line 1: {}", csv_error(&e)))?.clone();
        let header_len = header.len();
        if header_len == N_FEATURES + 1 && header.iter().skip(1).all(|f| f.trim().parse::<f64>().is_ok()) {
            bail!(
                "features table {shown} line 1: its feature columns are numbers, so it looks like data, not a header; \
                 add a header line (key, then {N_FEATURES} feature names)"
            );
        }
        if header_len != N_FEATURES + 1 {
            bail!("features table {shown} line 1: header has {header_len} columns, expected {} (key + {N_FEATURES} features)", N_FEATURES + 1);
        }
        let mut rows = HashMap::new();
        for record in csv.records() {
            let record = record.map_err(|e| anyhow::anyhow!("features table {shown}: {}", csv_error(&e)))?;
            let line = record.position().map_or(0, |p| p.line());
            let (key, values) = parse_row(&record).with_context(|| format!("features table {shown} line {line}"))?;
            if rows.insert(strip_version(&key).to_string(), values).is_some() {
                bail!("features table {shown} line {line}: key '{key}' appears twice");
            }
        }
        Ok(FeatureTable { rows, path: path.to_path_buf() })
    }

    pub fn get(&self, key: &str) -> Option<&[f32; N_FEATURES]> {
        self.rows.get(strip_version(key))
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// sha256 of the table's content as the model sees it: every key (version removed) with
    /// its 6 values as f32, sorted by key. The same table compressed, reordered, with other
    /// comments or under another path has the same digest; any changed value does not.
    pub fn sha256(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut keys: Vec<&String> = self.rows.keys().collect();
        keys.sort();
        let mut h = Sha256::new();
        for k in keys {
            h.update(k.as_bytes());
            h.update(b"\t");
            for v in &self.rows[k] {
                h.update(v.to_bits().to_le_bytes());
            }
            h.update(b"\n");
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

fn parse_row(record: &csv::StringRecord) -> Result<(String, [f32; N_FEATURES])> {
    if record.len() != N_FEATURES + 1 {
        bail!("{} columns, expected {} (key + {N_FEATURES} features)", record.len(), N_FEATURES + 1);
    }
    let mut values = [0f32; N_FEATURES];
    for (i, v) in values.iter_mut().enumerate() {
        let text = &record[i + 1];
        *v = text.trim().parse().ok().filter(|x: &f32| x.is_finite()).with_context(|| {
            format!("column {} ('{text}') is not a finite number", i + 2)
        })?;
    }
    Ok((record[0].to_string(), values))
}

fn csv_error(e: &csv::Error) -> String {
    let line = e.position().map(|p| format!("line {}: ", p.line())).unwrap_or_default();
    match e.kind() {
        csv::ErrorKind::Io(io) => format!("{line}{}", read_error(io)),
        _ => format!("{line}{e}"),
    }
}

/// The join of TSSs (or records) with an optional table under a missing-row policy; counts
/// the misses for the end-of-run warning.
pub struct FeatureJoin {
    table: Option<FeatureTable>,
    policy: MissingFeatures,
    pub missing: u64,
    pub first_missing: Option<String>,
}

impl FeatureJoin {
    /// The table's content digest (`FeatureTable::sha256`), `none` without a table.
    pub fn sha256(&self) -> String {
        self.table.as_ref().map_or_else(|| "none".to_string(), FeatureTable::sha256)
    }

    pub fn new(table: Option<FeatureTable>, policy: MissingFeatures) -> Self {
        FeatureJoin { table, policy, missing: 0, first_missing: None }
    }

    /// Features for `key`: the table row, zeros without a table, or per the policy when the
    /// table has no row (`Ok(None)` means leave this one out).
    pub fn lookup(&mut self, key: &str) -> Result<Option<[f32; N_FEATURES]>> {
        let Some(table) = &self.table else { return Ok(Some([0.0; N_FEATURES])) };
        if let Some(row) = table.get(key) {
            return Ok(Some(*row));
        }
        self.missing += 1;
        self.first_missing.get_or_insert_with(|| key.to_string());
        match self.policy {
            MissingFeatures::Zero => Ok(Some([0.0; N_FEATURES])),
            MissingFeatures::Skip => Ok(None),
            MissingFeatures::Error => bail!("{}: no features row for '{key}' (--missing-features error)", table.path.display()),
        }
    }

    /// Keys left out because they had no row (under `skip`).
    pub fn skipped(&self) -> u64 {
        if self.policy == MissingFeatures::Skip { self.missing } else { 0 }
    }

    /// The end-of-run warning, if any row was missing.
    pub fn warning(&self) -> Option<String> {
        let first = self.first_missing.as_deref()?;
        let action = match self.policy {
            MissingFeatures::Zero => "predicted with zero features",
            MissingFeatures::Skip => "left out",
            MissingFeatures::Error => "refused",
        };
        Some(format!("{} keys had no features row (first: '{first}'); {action}", self.missing))
    }
}
