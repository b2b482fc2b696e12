//! Is this VCF of this genome's assembly? Two cheap checks: the `##contig` lengths of its
//! header against the genome's `.fai` (GRCh37's chr1 is 249,250,621 bp, GRCh38's
//! 248,956,422: a GRCh37 VCF against an hg38 genome would otherwise give "outside every TSS
//! window" or REF mismatches, exit 0), and, after the run, whether any record lay on a
//! chromosome of the genome at all.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use noodles::vcf;

use crate::genome::Genome;
use crate::input::InputError;

/// Refuses a VCF whose `##contig` lengths differ from the genome's for a chromosome both
/// name (through aliases); returns a warning when the header gives no length to compare.
pub fn check_lengths(header: &vcf::Header, path: &Path, genome: &Genome) -> Result<Option<String>> {
    let mut compared = 0;
    let mut wrong = Vec::new();
    for (name, contig) in header.contigs() {
        let Some(len) = contig.length() else { continue };
        let Some(id) = genome.resolve(name) else { continue };
        compared += 1;
        let ours = genome.contig(id);
        if ours.len != len as u64 {
            wrong.push(format!("{name} is {len} bp in the VCF, {} ({}) {} bp in the genome", ours.name, genome.path().display(), ours.len));
        }
    }
    if !wrong.is_empty() {
        let n = wrong.len();
        wrong.truncate(3);
        return Err(InputError::msg(format!(
            "{}: its ##contig lengths are of another assembly than the genome's ({n} chromosomes differ: {}): use the genome the VCF was called on, or lift the VCF over",
            path.display(),
            wrong.join("; ")
        )));
    }
    Ok((compared == 0 && header.contigs().values().all(|c| c.length().is_none())).then(|| {
        format!("{} has no ##contig lengths: its assembly cannot be checked against the genome's (REF bases still are)", path.display())
    }))
}

/// Refuses a run whose every record lay on chromosomes the genome lacks (`unknown`: records
/// per such chromosome, `records`: all records read).
pub fn check_some_known(records: u64, unknown: &BTreeMap<String, u64>, path: &Path, genome: &Genome) -> Result<()> {
    let missed: u64 = unknown.values().sum();
    if records == 0 || missed < records {
        return Ok(());
    }
    let theirs: Vec<&str> = unknown.keys().map(String::as_str).take(5).collect();
    let ours: Vec<&str> = genome.contigs().iter().map(|c| c.name.as_str()).take(5).collect();
    Err(InputError::msg(format!(
        "none of the {records} records of {} lies on a chromosome of the genome {} (VCF: {}; genome: {}): a naming or assembly mismatch?",
        path.display(),
        genome.path().display(),
        theirs.join(", "),
        ours.join(", ")
    )))
}
