//! Personal expression: each sample's haplotypes of each TSS window, built from a cohort
//! VCF's genotypes, predicted once per distinct sequence and fanned out to every carrier.
//! `genotype` reads GT, `haplotype` applies a haplotype's alleles to a window (the same
//! allele trimming and TSS anchoring as `score-variants`, for any number of alleles), and
//! `sites` buffers the VCF records near the current TSS while the TSSs go by in genome order.

pub mod genotype;
pub mod haplotype;
pub mod sites;
