//! Choosing what runs the model: the native CPU kernel (the default on CPU) or libtorch
//! (`torch` feature) on a CPU or CUDA device.

use anyhow::{bail, Result};

use super::{NativeModel, Predictor, Weights};

/// Which implementation runs the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// native on `cpu`, libtorch on a GPU
    Auto,
    /// the native CPU kernel (CPU only)
    Native,
    /// libtorch through tch (needs a build with `--features torch`)
    Torch,
}

/// Builds the predictor for `device` (`cpu`, `cuda`, `cuda:N`, `auto`) and `backend`.
pub fn load(weights: Weights, device: &str, backend: Backend) -> Result<Box<dyn Predictor>> {
    let gpu_requested = device.starts_with("cuda");
    match backend {
        Backend::Native if device != "cpu" && device != "auto" => {
            bail!("the native backend runs on the CPU only; use --device cpu or --backend torch")
        }
        Backend::Native => Ok(Box::new(NativeModel::new(weights))),
        Backend::Auto if device == "cpu" => Ok(Box::new(NativeModel::new(weights))),
        Backend::Auto if !gpu_requested && !cfg!(feature = "torch") => Ok(Box::new(NativeModel::new(weights))),
        _ => torch(weights, device),
    }
}

#[cfg(feature = "torch")]
fn torch(weights: Weights, device: &str) -> Result<Box<dyn Predictor>> {
    let device = super::torch::parse_device(device)?;
    if device == tch::Device::Cpu {
        tch::set_num_threads(rayon::current_num_threads() as i32);
    }
    Ok(Box::new(super::torch::TorchModel::new(&weights, device)?))
}

#[cfg(not(feature = "torch"))]
fn torch(_weights: Weights, device: &str) -> Result<Box<dyn Predictor>> {
    let what = if device == "cpu" { "--backend torch".to_string() } else { format!("device '{device}'") };
    bail!(
        "{what} needs the libtorch backend (the `torch` feature), and this xpresso was built without it; \
         rebuild with `cargo install --features torch` (see docs/performance.md)"
    )
}
