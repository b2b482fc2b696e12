//! The model's weights, read from a published Keras 2 `.h5` file with a pure-Rust HDF5
//! reader (no libhdf5). Layouts are kept exactly as Keras stores them (see `arch`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use hdf5_reader::Hdf5File;

use super::arch::TENSORS;

/// All weights of one Xpresso model, each in Keras layout, flattened row-major.
#[derive(Clone, Debug)]
pub struct Weights {
    /// (6, 4, 128): [k][base][filter].
    pub conv1_kernel: Vec<f32>,
    pub conv1_bias: Vec<f32>,
    /// (9, 128, 32): [k][in][out].
    pub conv2_kernel: Vec<f32>,
    pub conv2_bias: Vec<f32>,
    /// (1126, 64): [in][unit].
    pub dense1_kernel: Vec<f32>,
    pub dense1_bias: Vec<f32>,
    pub dense2_kernel: Vec<f32>,
    pub dense2_bias: Vec<f32>,
    pub dense3_kernel: Vec<f32>,
    pub dense3_bias: Vec<f32>,
    /// Where the weights came from, for provenance lines in outputs.
    pub source: PathBuf,
}

impl Weights {
    /// Reads and shape-checks every tensor; a wrong, truncated or foreign file is refused
    /// with a message naming the file and what is wrong.
    pub fn from_h5(path: &Path) -> Result<Self> {
        // the HDF5 decoder meets untrusted bytes: a panic of it is an error about the file
        let shown = path.display().to_string();
        crate::input::contain(|| Self::read_h5(path))
            .map_err(|e| if format!("{e:#}").contains(&shown) { e } else { e.context(format!("model file {shown}")) })
    }

    fn read_h5(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        if !path.exists() {
            bail!("model file {shown} does not exist");
        }
        let file = Hdf5File::open(path).map_err(|e| {
            anyhow::anyhow!("model file {shown} is not a readable HDF5 file ({e}); is it truncated?")
        })?;
        let len = std::fs::metadata(path)?.len();
        Self::read_file(&file, len, &format!("model file {shown}"), path.to_path_buf())
    }

    /// Reads a model held in memory (the published models built into the binary); `label`
    /// names it in messages and provenance.
    pub fn from_h5_bytes(bytes: &[u8], label: &str) -> Result<Self> {
        crate::input::contain(|| {
            let file = Hdf5File::from_bytes(bytes).map_err(|e| anyhow::anyhow!("model {label} is not readable HDF5 ({e})"))?;
            Self::read_file(&file, bytes.len() as u64, &format!("model {label}"), PathBuf::from(label))
        })
    }

    fn read_file(file: &Hdf5File, actual_len: u64, shown: &str, source: PathBuf) -> Result<Self> {
        let expected_len = file.superblock().base_address + file.superblock().eof_address;
        if actual_len < expected_len {
            bail!("{shown} is truncated: {actual_len} bytes, its HDF5 superblock says {expected_len}");
        }
        let mut tensors = Vec::with_capacity(TENSORS.len());
        for (layer, name, shape) in TENSORS {
            tensors.push(read_tensor(file, layer, name, shape).with_context(|| format!("{shown} does not hold the Xpresso architecture"))?);
        }
        let mut it = tensors.into_iter();
        let mut next = || it.next().expect("one tensor per TENSORS entry");
        Ok(Weights {
            conv1_kernel: next(),
            conv1_bias: next(),
            conv2_kernel: next(),
            conv2_bias: next(),
            dense1_kernel: next(),
            dense1_bias: next(),
            dense2_kernel: next(),
            dense2_bias: next(),
            dense3_kernel: next(),
            dense3_bias: next(),
            source,
        })
    }
}

/// Reads `model_weights/<layer>/<layer>/<name>` as f32 and checks its shape.
fn read_tensor(file: &Hdf5File, layer: &str, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
    let path = format!("model_weights/{layer}/{layer}/{name}");
    let dataset = file
        .dataset(&path)
        .map_err(|e| anyhow::anyhow!("missing weight tensor {path} ({e})"))?;
    let found: Vec<usize> = dataset.shape().iter().map(|&d| d as usize).collect();
    if found != shape {
        bail!("weight tensor {path} has shape {found:?}, expected {shape:?}");
    }
    let mut values = vec![0f32; shape.iter().product()];
    dataset
        .read_into(&mut values)
        .map_err(|e| anyhow::anyhow!("cannot read weight tensor {path} ({e}); is the file truncated?"))?;
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        bail!("weight tensor {path} holds a non-finite value at flat index {i}");
    }
    Ok(values)
}
