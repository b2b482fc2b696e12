//! Personal expression: each sample's haplotypes of each TSS window, built from a cohort
//! VCF's genotypes, predicted once per distinct sequence and fanned out to every carrier.
//! `genotype` reads GT and `sites` buffers the VCF records near the current TSS while the
//! TSSs go by in genome order; a haplotype's alleles are applied by score-variants' own
//! window rule (`variants::alt_window::haplotype_window`, for any number of alleles).

pub mod genotype;
pub mod sites;
pub mod transpose;
