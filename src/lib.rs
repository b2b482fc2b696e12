//! xpresso: predict mRNA expression from promoter sequence with the published Xpresso CNN
//! (Agarwal & Shendure, Cell Reports 2020).
//!
//! Data flows one way: a TSS source (`annotation`) gives positions, `window` cuts the
//! 10.5 kb promoter from the `genome`, `features` joins the half-life inputs, `model` predicts,
//! and `output` writes atomically. `pipeline` is the one loop that ties them together; the
//! `cli` only parses arguments and builds that plan.

pub mod annotation;
pub mod cli;
pub mod features;
pub mod genome;
pub mod input;
pub mod ism;
pub mod model;
pub mod output;
pub mod personal;
pub mod pipeline;
pub mod precompute;
pub mod variants;
pub mod window;
