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

/// `x` in millionths, as it is printed with 6 decimals (`{:.6}`).
pub fn micros(x: f32) -> i64 {
    parse_micros(&format!("{x:.6}")).unwrap_or(0)
}

/// A number written with exactly 6 decimals (`-0.011423`) in millionths; `None` for any
/// other text.
pub fn parse_micros(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.')?;
    if whole.is_empty() || whole.len() > 12 || fraction.len() != 6 || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let m = whole.parse::<i64>().ok()? * 1_000_000 + fraction.parse::<i64>().ok()?;
    Some(if negative { -m } else { m })
}

/// Millionths written with 6 decimals.
pub fn format_micros(m: i64) -> String {
    format!("{}{}.{:06}", if m < 0 { "-" } else { "" }, m.unsigned_abs() / 1_000_000, m.unsigned_abs() % 1_000_000)
}

/// `alt - reference` as every output writes it: the difference of the two predictions as
/// printed (6 decimals), exactly, so a table's three columns agree to the last digit and a
/// reader can hold each row to it.
pub fn printed_delta(alt: f32, reference: f32) -> f32 {
    format_micros(micros(alt) - micros(reference)).parse().unwrap_or(alt - reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millionths_round_trip_as_printed() {
        for x in [0.0f32, -0.0, 1.0, -0.011423, 0.958507, 1.0006, -7.999999, 1e-7, -4e-7, 123.456789] {
            let m = micros(x);
            assert_eq!(format_micros(m).parse::<f32>().map(|v| format!("{v:.6}")).unwrap(), format_micros(m).replace("-0.000000", "0.000000"), "{x}");
            assert_eq!(parse_micros(&format_micros(m)), Some(m));
        }
        assert_eq!(parse_micros("0.5"), None);
        assert_eq!(parse_micros("nan"), None);
        assert_eq!(parse_micros("1e-3"), None);
        assert_eq!(parse_micros("-0.011423"), Some(-11_423));
        assert_eq!(printed_delta(0.947014, 0.958507), -0.011493);
    }
}
