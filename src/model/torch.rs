//! The libtorch backend (cargo feature `torch`): the same weights, read from the `.h5` by
//! `Weights`, loaded into tensors on a CPU or CUDA device, and run as the Keras graph with
//! torch ops. Batches are one-hot encoded on the CPU (in parallel), pinned when the device is
//! a GPU and copied without blocking. Tensors are not `Sync`, so the module sits behind a
//! mutex: batches reach it one at a time from the pipeline anyway.

use std::sync::Mutex;

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use tch::{Device, Kind, Tensor};

use super::arch::*;
use super::{ModelInput, Predictor, Weights};
use crate::window::onehot::base_code;

/// Parses `cpu`, `cuda`, `cuda:N` or `auto` (CUDA if libtorch sees a GPU, else CPU).
pub fn parse_device(spec: &str) -> Result<Device> {
    Ok(match spec {
        "cpu" => Device::Cpu,
        "auto" => Device::cuda_if_available(),
        "cuda" => Device::Cuda(0),
        _ => match spec.strip_prefix("cuda:") {
            Some(n) => Device::Cuda(n.parse().with_context(|| format!("device '{spec}': bad GPU index"))?),
            None => bail!("device '{spec}' is not cpu, cuda, cuda:N or auto"),
        },
    })
}

struct Net {
    conv1_w: Tensor,
    conv1_b: Tensor,
    conv2_w: Tensor,
    conv2_b: Tensor,
    dense: [(Tensor, Tensor); 3],
}

/// The Xpresso model on a libtorch device.
pub struct TorchModel {
    net: Mutex<Net>,
    device: Device,
}

impl TorchModel {
    pub fn new(w: &Weights, device: Device) -> Result<Self> {
        if let Device::Cuda(i) = device {
            let n = tch::Cuda::device_count();
            if i as i64 >= n {
                bail!("device cuda:{i} requested but libtorch sees {n} CUDA device(s)");
            }
        }
        let t = |v: &[f32], shape: &[i64]| Tensor::from_slice(v).view(shape).to_device(device);
        // Keras kernels are (k, in, out); torch wants (out, in, k).
        let conv = |v: &[f32], k: usize, cin: usize, cout: usize| {
            t(v, &[k as i64, cin as i64, cout as i64]).permute([2, 1, 0]).contiguous()
        };
        let net = Net {
            conv1_w: conv(&w.conv1_kernel, K1, ALPHABET, C1),
            conv1_b: t(&w.conv1_bias, &[C1 as i64]),
            conv2_w: conv(&w.conv2_kernel, K2, C1, C2),
            conv2_b: t(&w.conv2_bias, &[C2 as i64]),
            dense: [
                (t(&w.dense1_kernel, &[DENSE_IN as i64, D1 as i64]), t(&w.dense1_bias, &[D1 as i64])),
                (t(&w.dense2_kernel, &[D1 as i64, D2 as i64]), t(&w.dense2_bias, &[D2 as i64])),
                (t(&w.dense3_kernel, &[D2 as i64, 1]), t(&w.dense3_bias, &[1])),
            ],
        };
        Ok(TorchModel { net: Mutex::new(net), device })
    }

    pub fn device(&self) -> Device {
        self.device
    }
}

impl Net {
    /// x: [B, 4, SEQ_LEN] one-hot, f: [B, 6] -> [B].
    fn forward(&self, x: &Tensor, f: &Tensor) -> Tensor {
        // TF `same` for an even kernel pads 2 left, 3 right: pad explicitly, then no padding.
        let h = x.constant_pad_nd([PAD1 as i64, (K1 - 1 - PAD1) as i64]);
        let h = h.conv1d(&self.conv1_w, Some(&self.conv1_b), [1], [0], [1], 1).relu();
        let h = h.max_pool1d([POOL1 as i64], [POOL1 as i64], [0], [1], false);
        let h = h.conv1d(&self.conv2_w, Some(&self.conv2_b), [1], [PAD2 as i64], [1], 1).relu();
        let h = h.max_pool1d([POOL2 as i64], [POOL2 as i64], [0], [1], false);
        // Keras flattens (position, channel): [B, 32, 35] -> [B, 35, 32] -> [B, 1120]
        let h = h.permute([0, 2, 1]).reshape([-1, FLAT as i64]);
        let mut h = Tensor::cat(&[h, f.shallow_clone()], 1);
        for (i, (w, b)) in self.dense.iter().enumerate() {
            h = h.matmul(w) + b;
            if i < 2 {
                h = h.relu();
            }
        }
        h.view([-1])
    }
}

impl Predictor for TorchModel {
    fn predict_batch(&self, inputs: &[ModelInput<'_>], out: &mut [f32]) {
        let n = inputs.len();
        // one byte per base goes to the device (16x less than f32 one-hot); it is one-hot
        // encoded there: code 4 (N, any other base) is the all-zero fifth class, dropped
        let mut codes = vec![0u8; n * SEQ_LEN];
        codes.par_chunks_mut(SEQ_LEN).zip(inputs).for_each(|(o, i)| {
            for (c, &b) in o.iter_mut().zip(i.seq) {
                *c = base_code(b);
            }
        });
        let features: Vec<f32> = inputs.iter().flat_map(|i| i.features).collect();
        let to_device = |t: Tensor, kind: Kind| match self.device {
            Device::Cpu => t,
            d => t.pin_memory(d).to_device_(d, kind, true, false),
        };
        let codes = to_device(Tensor::from_slice(&codes).view([n as i64, SEQ_LEN as i64]), Kind::Uint8);
        let x = codes.to_kind(Kind::Int64).one_hot(ALPHABET as i64 + 1).narrow(2, 0, ALPHABET as i64).permute([0, 2, 1]).to_kind(Kind::Float).contiguous();
        let f = to_device(Tensor::from_slice(&features).view([n as i64, N_FEATURES as i64]), Kind::Float);
        let net = self.net.lock().expect("torch model lock");
        let y = tch::no_grad(|| net.forward(&x, &f)).to_device(Device::Cpu);
        y.copy_data(out, n);
    }
}
