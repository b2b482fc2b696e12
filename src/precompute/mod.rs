//! Precomputed promoter-variant tables: every SNV of every TSS window as one row per (SNV,
//! TSS), sorted and bgzip-compressed with a tabix index (`table`), and the background
//! distribution of their |delta| as a calibration table (`calibration`), the way CADD,
//! SpliceAI and PromoterAI ship scores that variant interpreters look up.

pub mod calibration;
pub mod lookup;
pub mod table;
