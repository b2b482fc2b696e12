//! The Xpresso model: its architecture, weights loaded from the published `.h5`, the native
//! forward pass, and where model files come from (`registry`).

pub mod arch;
pub mod backend;
pub mod cone;
pub mod conv2;
pub mod local;
pub mod native;
pub mod registry;
#[cfg(feature = "torch")]
pub mod torch;
mod weights;

pub use native::NativeModel;
pub use weights::Weights;

use arch::N_FEATURES;

/// One model input: a window of `arch::SEQ_LEN` ASCII bases and its half-life features.
#[derive(Clone, Copy, Debug)]
pub struct ModelInput<'a> {
    pub seq: &'a [u8],
    pub features: [f32; N_FEATURES],
}

/// Anything that turns a batch of windows into predictions (one per input, in order).
pub trait Predictor: Send + Sync {
    fn predict_batch(&self, inputs: &[ModelInput<'_>], out: &mut [f32]);

    /// The native model, when this is it: ISM and SNV scoring then use the incremental cone.
    fn as_native(&self) -> Option<&NativeModel> {
        None
    }
}
