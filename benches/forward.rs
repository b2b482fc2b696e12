//! Forward-pass throughput, windows/s, all measured in one run on the same random windows:
//! the float64 oracle of the test suite, the native kernel on 1 and 2 threads, and (with
//! `--features torch`) libtorch on the CPU with 2 threads. Best of 3 timed passes each.
//! Run: `cargo bench --bench forward [--features torch]` (XPRESSO_SHARED overrides ../shared).
//! `XPRESSO_BENCH_WINDOWS=FASTA` measures on that file's 10,500 bp records instead (the first
//! 2,048): `bench/predict_gap.sh` puts `predict` beside the kernel on the same real windows.

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
    let windows: Vec<Vec<u8>> = match std::env::var_os("XPRESSO_BENCH_WINDOWS") {
        Some(path) => {
            let text = std::fs::read_to_string(&path).expect("the windows FASTA");
            let records: Vec<Vec<u8>> = text.split('>').skip(1).map(|r| r.lines().skip(1).flat_map(|l| l.trim().bytes()).collect()).filter(|r: &Vec<u8>| r.len() == 10_500).take(2048).collect();
            println!("# windows: {} records of {}", records.len(), std::path::Path::new(&path).display());
            records
        }
        None => (0..WINDOWS as u64).map(|seed| random_bases(10_500, seed + 1)).collect(),
    };
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
    let peak = [1, 2].map(fma_peak);
    xpresso::model::conv2::use_portable(true);
    let before = [1, 2].map(|threads| rate(&native, &inputs, threads));
    xpresso::model::conv2::use_portable(false);
    for (i, threads) in [1, 2].into_iter().enumerate() {
        let r = before[i];
        println!("native, conv2 by matrixmultiply (packing)\t{threads}\t{r:.1}\t{:.0}\t{:.1}% of peak", r / oracle_rate, 100.0 * r * CONV2_FLOP / peak[i]);
    }
    for (i, threads) in [1, 2].into_iter().enumerate() {
        let r = rate(&native, &inputs, threads);
        println!("native kernel\t{threads}\t{r:.1}\t{:.0}\t{:.1}% of peak ({:.2}x matrixmultiply)", r / oracle_rate, 100.0 * r * CONV2_FLOP / peak[i], r / before[i]);
    }
    for (i, threads) in [1, 2].into_iter().enumerate() {
        println!("# FMA peak, {threads} thread(s): {:.1} GFLOP/s (one window's conv2 = {:.1} MFLOP)", peak[i] / 1e9, CONV2_FLOP / 1e6);
    }
    #[cfg(feature = "torch")]
    {
        let torch = xpresso::model::torch::TorchModel::new(&weights, tch::Device::Cpu).expect("torch model");
        tch::set_num_threads(2);
        let rate = rate(&torch, &inputs, 2);
        println!("libtorch CPU (tch)\t2\t{rate:.1}\t{:.0}", rate / oracle_rate);
    }
}

/// FLOPs of conv2 per window (2 per multiply-add): what "% of peak" counts.
const CONV2_FLOP: f64 = 2.0 * 350.0 * 1152.0 * 32.0;

/// The machine's FMA throughput on `threads` threads, FLOP/s: 12 independent ymm FMA chains
/// per thread (enough to cover the FMA latency on current x86 cores), best of 3 runs.
fn fma_peak(threads: usize) -> f64 {
    const ITERS: u64 = 50_000_000;
    let best = (0..3)
        .map(|_| {
            let t = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| std::hint::black_box(fma_chains(ITERS)));
                }
            });
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    (threads as u64 * ITERS * 12 * 8 * 2) as f64 / best
}

#[cfg(target_arch = "x86_64")]
fn fma_chains(iters: u64) -> f32 {
    if !(std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")) {
        return 0.0;
    }
    // SAFETY: AVX2 and FMA are present (checked above).
    unsafe { fma_chains_avx2(iters) }
}

#[cfg(not(target_arch = "x86_64"))]
fn fma_chains(_iters: u64) -> f32 {
    0.0
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fma_chains_avx2(iters: u64) -> f32 {
    use std::arch::x86_64::*;
    let (a, b) = (_mm256_set1_ps(0.999_999), _mm256_set1_ps(1e-7));
    let mut acc = [_mm256_set1_ps(1.0); 12];
    for _ in 0..iters {
        for v in acc.iter_mut() {
            *v = _mm256_fmadd_ps(*v, a, b);
        }
    }
    let mut sum = _mm256_setzero_ps();
    for v in acc {
        sum = _mm256_add_ps(sum, v);
    }
    let mut out = [0f32; 8];
    _mm256_storeu_ps(out.as_mut_ptr(), sum);
    out.iter().sum()
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
