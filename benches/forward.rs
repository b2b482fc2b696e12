//! Forward-pass throughput, windows/s, all measured in one run on the same random windows:
//! the float64 oracle of the test suite, the native kernel on 1 and 2 threads, and (with
//! `--features torch`) libtorch on the CPU with 2 threads. Best of 3 timed passes each.
//! Run: `cargo bench --bench forward [--features torch]` (XPRESSO_SHARED overrides ../shared).

#[path = "../tests/common/mod.rs"]
mod common;

use common::{oracle, random_bases};

use std::path::PathBuf;
use std::time::Instant;

use xpresso::model::{ModelInput, NativeModel, Predictor, Weights};

const WINDOWS: usize = 512;

fn main() {
    let shared = std::env::var_os("XPRESSO_SHARED").map(PathBuf::from).unwrap_or_else(|| "../shared".into());
    let weights = Weights::from_h5(&shared.join("models/xpresso/human_trainepoch.11-0.426.h5")).expect("model");
    let windows: Vec<Vec<u8>> = (0..WINDOWS as u64).map(|seed| random_bases(10_500, seed + 1)).collect();
    let inputs: Vec<ModelInput> = windows.iter().map(|w| ModelInput { seq: w, features: [0.0; 6] }).collect();

    let oracle_n = 4;
    let t = Instant::now();
    for w in &windows[..oracle_n] {
        std::hint::black_box(oracle::predict(&weights, w, &[0.0; 6]));
    }
    let oracle_rate = oracle_n as f64 / t.elapsed().as_secs_f64();
    println!("implementation\tthreads\twindows/s\tx oracle");
    println!("oracle (f64, plain loops)\t1\t{oracle_rate:.2}\t1");

    let native = NativeModel::new(weights.clone());
    for threads in [1, 2] {
        let rate = rate(&native, &inputs, threads);
        println!("native kernel\t{threads}\t{rate:.1}\t{:.0}", rate / oracle_rate);
    }
    #[cfg(feature = "torch")]
    {
        let torch = xpresso::model::torch::TorchModel::new(&weights, tch::Device::Cpu).expect("torch model");
        tch::set_num_threads(2);
        let rate = rate(&torch, &inputs, 2);
        println!("libtorch CPU (tch)\t2\t{rate:.1}\t{:.0}", rate / oracle_rate);
    }
}

/// Windows/s of `model` over `inputs` in batches of 256 on a pool of `threads`.
fn rate(model: &dyn Predictor, inputs: &[ModelInput], threads: usize) -> f64 {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let mut out = vec![0f32; inputs.len()];
    let best = (0..3)
        .map(|_| {
            let t = Instant::now();
            pool.install(|| {
                for (batch, o) in inputs.chunks(256).zip(out.chunks_mut(256)) {
                    model.predict_batch(batch, o);
                }
            });
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    inputs.len() as f64 / best
}
