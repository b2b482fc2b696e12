//! Forward-pass throughput of the native CPU model: windows/s on 1 and 2 threads, on random
//! windows (no criterion: plain timing of a fixed batch, repeated, best of N).
//! Run: `cargo bench --bench forward` (XPRESSO_SHARED overrides ../shared).

use std::path::PathBuf;
use std::time::Instant;

use xpresso::model::{ModelInput, NativeModel, Predictor, Weights};

fn main() {
    let shared = std::env::var_os("XPRESSO_SHARED").map(PathBuf::from).unwrap_or_else(|| "../shared".into());
    let weights = Weights::from_h5(&shared.join("models/xpresso/human_trainepoch.11-0.426.h5")).expect("model");
    let model = NativeModel::new(weights);
    let windows: Vec<Vec<u8>> = (0..256u64).map(random_window).collect();
    let inputs: Vec<ModelInput> = windows.iter().map(|w| ModelInput { seq: w, features: [0.0; 6] }).collect();
    let mut out = vec![0f32; inputs.len()];
    println!("native forward pass, {} windows per batch", inputs.len());
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let best = (0..3)
            .map(|_| {
                let t = Instant::now();
                pool.install(|| model.predict_batch(&inputs, &mut out));
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        println!("threads={threads}\twindows/s={:.1}", inputs.len() as f64 / best);
    }
}

fn random_window(seed: u64) -> Vec<u8> {
    let mut x = (seed + 1).wrapping_mul(0x9E3779B97F4A7C15) | 1;
    (0..10_500)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b"ACGT"[(x >> 33) as usize % 4]
        })
        .collect()
}
