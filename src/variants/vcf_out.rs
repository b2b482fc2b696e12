//! The annotated VCF: input records unchanged except for three INFO keys (VEP/SnpEff style),
//! declared in the header with a provenance line. An input that was annotated before has its
//! old keys replaced, not duplicated.

use super::score::{Scored, Status};
use super::tss_index::TssIndex;
use crate::annotation::Strand;
use crate::precompute::calibration::Calibration;

pub const KEY: &str = "XPRESSO";
pub const KEY_MAXABS: &str = "XPRESSO_MAXABS";
pub const KEY_MISMATCH: &str = "XPRESSO_REF_MISMATCH";
const OWN_KEYS: [&str; 3] = [KEY, KEY_MAXABS, KEY_MISMATCH];

/// The fields of one `XPRESSO` entry, in order.
pub const ENTRY_FIELDS: &str = "Allele|Gene_id|Gene_name|Strand|TSS_distance|Ref_prediction|Alt_prediction|Delta";

/// With a calibration table each entry also holds these.
pub const CALIBRATED_FIELDS: &str = "|Percentile|PHRED";

/// The last field of every entry. `bcftools +split-vep` refuses a key without a
/// `Consequence` field (the name is hard-wired there for its `-s` severity filter); the
/// Sequence Ontology term says what every entry is: a change inside the promoter window
/// the model reads.
pub const CONSEQUENCE_FIELD: &str = "|Consequence";
pub const CONSEQUENCE: &str = "regulatory_region_variant";

/// The input header with our INFO lines and provenance inserted before `#CHROM`.
pub fn header(input: &[String], provenance: &[String], calibrated: bool) -> Vec<String> {
    let own = |l: &str| OWN_KEYS.iter().any(|k| l.starts_with(&format!("##INFO=<ID={k},")));
    let (chrom_line, rest) = input.split_last().expect("a VCF header ends with #CHROM");
    let mut out: Vec<String> = rest.iter().filter(|l| !own(l)).cloned().collect();
    let (fields, ranks) = match calibrated {
        true => (format!("{ENTRY_FIELDS}{CALIBRATED_FIELDS}{CONSEQUENCE_FIELD}"), "; Percentile: of |Delta| among every SNV of the calibration table (0-100); PHRED: -10 log10 of the share of those SNVs with |Delta| at least as large"),
        false => (format!("{ENTRY_FIELDS}{CONSEQUENCE_FIELD}"), ""),
    };
    out.push(format!(
        "##INFO=<ID={KEY},Number=.,Type=String,Description=\"Xpresso predicted expression change (model units; Delta = Alt - Ref) per ALT allele and TSS whose 10.5 kb window the allele changes; TSS_distance is bp from the TSS to POS on the gene's strand, negative upstream{ranks}; Consequence: always {CONSEQUENCE} (SO:0001566). Format: {fields}\">"
    ));
    out.push(format!("##INFO=<ID={KEY_MAXABS},Number=A,Type=Float,Description=\"Xpresso: per ALT allele, the largest |Delta| over the TSSs it touches (. when it touches none or was not scored)\">"));
    out.push(format!("##INFO=<ID={KEY_MISMATCH},Number=0,Type=Flag,Description=\"Xpresso: REF differs from the reference genome, so the record was not scored\">"));
    out.extend(provenance.iter().map(|p| format!("##{p}")));
    out.push(chrom_line.clone());
    out
}

/// Gene distance from the TSS to 1-based `pos`, on the gene's strand (negative upstream).
pub fn tss_distance(tss: u64, strand: Strand, pos: u64) -> i64 {
    let g = pos as i64 - 1;
    match strand {
        Strand::Plus => g - tss as i64,
        Strand::Minus => tss as i64 - g,
    }
}

/// The record's VCF line with our INFO keys set (or just removed, when nothing was scored).
pub fn annotate_line(s: &Scored, index: &TssIndex, cal: Option<&Calibration>) -> String {
    let mut added: Vec<String> = Vec::new();
    if !s.pairs.is_empty() {
        let entries: Vec<String> = s
            .pairs
            .iter()
            .map(|p| {
                let e = index.get(p.tss);
                let delta = p.delta();
                let ranked = cal.map_or(String::new(), |c| format!("|{:.3}|{:.2}", c.percentile(delta), c.phred(delta)));
                format!(
                    "{}|{}|{}|{}|{}|{:.6}|{:.6}|{:.6}{ranked}|{CONSEQUENCE}",
                    escape(&s.record.alts[p.allele]),
                    escape(&e.tss.gene_id),
                    escape(&e.tss.gene_name),
                    e.tss.strand,
                    tss_distance(e.tss.pos, e.tss.strand, s.record.pos),
                    p.reference,
                    p.alt,
                    delta
                )
            })
            .collect();
        added.push(format!("{KEY}={}", entries.join(",")));
        let maxabs: Vec<String> = (0..s.record.alts.len())
            .map(|a| {
                s.pairs.iter().filter(|p| p.allele == a).map(|p| p.delta().abs()).reduce(f32::max).map_or(".".into(), |m| format!("{m:.6}"))
            })
            .collect();
        added.push(format!("{KEY_MAXABS}={}", maxabs.join(",")));
    }
    if matches!(s.status, Status::RefMismatch { .. }) {
        added.push(KEY_MISMATCH.to_string());
    }
    splice_info(&s.record.line, &added)
}

/// Replaces our keys in column 8 of `line` by `added`; every other byte stays as it was.
fn splice_info(line: &str, added: &[String]) -> String {
    let mut cols: Vec<&str> = line.splitn(9, '\t').collect();
    if cols.len() < 8 {
        return line.to_string(); // noodles accepted it, so INFO is absent only in odd files
    }
    let has_own = |f: &str| OWN_KEYS.contains(&f.split('=').next().unwrap_or(""));
    if added.is_empty() && !cols[7].split(';').any(has_own) {
        return line.to_string();
    }
    let mut info: Vec<&str> = cols[7].split(';').filter(|f| *f != "." && !f.is_empty() && !has_own(f)).collect();
    info.extend(added.iter().map(String::as_str));
    let joined = if info.is_empty() { ".".to_string() } else { info.join(";") };
    cols[7] = &joined;
    cols.join("\t")
}

/// Percent-encodes what would break an INFO value or the `|` layout (VCF 4.3 section 1.2).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ':' | ';' | '=' | '%' | ',' | '|' | '\t' | '\n' | '\r' | ' ' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_info_and_keeps_the_rest() {
        let line = "22\t10\trs1\tA\tG\t50\tPASS\tDP=3;XPRESSO=old\tGT:AD\t0/1:1,2";
        let out = splice_info(line, &["XPRESSO=new".into()]);
        assert_eq!(out, "22\t10\trs1\tA\tG\t50\tPASS\tDP=3;XPRESSO=new\tGT:AD\t0/1:1,2");
        assert_eq!(splice_info("22\t10\t.\tA\tG\t.\t.\t.", &["F".into()]), "22\t10\t.\tA\tG\t.\t.\tF");
        assert_eq!(splice_info("22\t10\t.\tA\tG\t.\t.\tXPRESSO_MAXABS=1", &[]), "22\t10\t.\tA\tG\t.\t.\t.");
        assert_eq!(escape("a b,c|d"), "a%20b%2Cc%7Cd");
    }
}
