//! `--stats FILE.json`: what a run counted, warned about and how long it took, as a
//! machine-readable summary (bcftools stats, VEP's summary). The file is MultiQC custom
//! content (`plot_type: table`, one row per run), so a pipeline that names it `*_mqc.json`
//! gets a table in its MultiQC report with no plugin; the same numbers as the run's
//! summary line on stderr. Written with the run's other outputs (all or none).

use std::path::Path;
use std::sync::Mutex;

use anyhow::Result;
use serde_json::{json, Map, Value};

/// What the subcommand recorded while it ran.
#[derive(Default)]
struct Collected {
    counts: Vec<(String, Value)>,
    warnings: Vec<String>,
}

static COLLECTED: Mutex<Option<Collected>> = Mutex::new(None);

fn with(f: impl FnOnce(&mut Collected)) {
    let mut guard = COLLECTED.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(Collected::default));
}

/// Records a count (or any number) of the run, in the order the summary line gives them.
pub fn count(key: &str, value: impl Into<Value>) {
    let (key, value) = (key.to_string(), value.into());
    with(|c| match c.counts.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => c.counts.push((key, value)),
    });
}

/// Records the end-of-run warnings (as printed, one per line).
pub fn warnings(lines: &[String]) {
    with(|c| c.warnings.extend(lines.iter().map(|l| crate::input::remote::recorded(l))));
}

/// The row name: the main output's file name without its extensions (`genes` for
/// `genes.tsv.gz`), `xpresso` when it goes to stdout.
pub fn row_name(output: &Path) -> String {
    if output.as_os_str() == "-" {
        return "xpresso".to_string();
    }
    let name = output.file_name().map_or_else(|| "xpresso".to_string(), |n| n.to_string_lossy().to_string());
    let stem = name.split('.').next().unwrap_or(&name);
    if stem.is_empty() { name } else { stem.to_string() }
}

/// The JSON document of a finished run.
pub fn document(subcommand: &str, row: &str, seconds: f64) -> Value {
    let collected = COLLECTED.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_default();
    let mut data = Map::new();
    for (k, v) in &collected.counts {
        data.insert(k.clone(), v.clone());
    }
    data.insert("warnings".into(), json!(collected.warnings.len()));
    data.insert("seconds".into(), json!((seconds * 1000.0).round() / 1000.0));
    json!({
        "id": format!("xpresso_{}", subcommand.replace('-', "_")),
        "section_name": format!("xpresso {subcommand}"),
        "description": format!("Counts of `xpresso {subcommand}` runs (xpresso {}); the warnings are listed under xpresso.warnings of each file.", env!("CARGO_PKG_VERSION")),
        "plot_type": "table",
        "pconfig": { "id": format!("xpresso_{}_table", subcommand.replace('-', "_")), "title": format!("xpresso {subcommand}") },
        "data": { row: Value::Object(data) },
        "xpresso": {
            "version": env!("CARGO_PKG_VERSION"),
            "subcommand": subcommand,
            "command": crate::input::remote::command_line(),
            "warnings": collected.warnings,
            "seconds": seconds,
        },
    })
}

/// Writes the document to `path` (staged: it appears with the run's other outputs).
pub fn write(path: &Path, document: &Value) -> Result<()> {
    use std::io::Write;
    let mut out = crate::output::Output::create(path)?;
    serde_json::to_writer_pretty(&mut out, document)?;
    writeln!(out)?;
    out.finish()
}
