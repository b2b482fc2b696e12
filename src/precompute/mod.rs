//! Precomputed promoter-variant tables: every SNV of every TSS window as one row per (SNV,
//! TSS), sorted and bgzip-compressed with a tabix index (`table`), and the background
//! distribution of their |delta| as a calibration table (`calibration`), the way CADD,
//! SpliceAI and PromoterAI ship scores that variant interpreters look up.

pub mod calibration;
pub mod lookup;
pub mod table;

use sha2::{Digest, Sha256};

use crate::model::arch::N_FEATURES;

/// The window rule, as the `##window=` line of tables and calibration files states it.
pub const WINDOW_RULE: &str = "10500 bp on the gene's strand: 7000 upstream, the TSS at index 7000, 3499 downstream; N past chromosome ends";

/// The table's columns (its `#` header line).
pub const COLUMNS: &str = "#chrom\tpos\tref\talt\tgene_id\tgene_name\ttranscript_id\tstrand\ttss_pos\tref_prediction\talt_prediction\tdelta\tcheck";

/// The `check` column of a TSS's rows: the first 64 bits (hex) of the sha256 of what its
/// values depend on: the model (its file's sha256), the window rule, the window's bases as the
/// model sees them (upper case) and the TSS's 6 features. Every row carries it, so a reader
/// that computes the same for its own run knows the row was made from the same model, the
/// same sequence in that window and the same features, wherever the row came from (joined
/// shards, a table made on a masked or patched genome, another features file).
pub fn tss_check(model_sha256: &str, window: &[u8], features: &[f32; N_FEATURES]) -> String {
    let mut h = Sha256::new();
    h.update(model_sha256.as_bytes());
    h.update(b"\n");
    h.update(WINDOW_RULE.as_bytes());
    h.update(b"\n");
    h.update(window.to_ascii_uppercase());
    for f in features {
        h.update(f.to_bits().to_le_bytes());
    }
    h.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect()
}
