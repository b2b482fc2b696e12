//! Variant effect scoring (`score-variants`): VCF/BCF input, allele classification and
//! trimming, the alt-haplotype window rule, the TSS window index, the chunked scorer with its
//! reference cache, and the annotated VCF and TSV outputs.

pub mod allele;
pub mod alt_window;
pub mod bcf_gt;
pub mod contigs;
pub mod prefetch;
pub mod reader;
pub mod score;
pub mod tss_index;
pub mod tsv_out;
pub mod vcf_out;
pub mod vcf_writer;
