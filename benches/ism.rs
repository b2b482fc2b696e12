//! ISM of one whole window (31,500 substitutions) on 2 threads: the incremental cone versus
//! brute force (every mutated window through the native forward pass, batched), in one run,
//! on a real hg38 promoter (SLC5A1) from ../shared. Run: `cargo bench --bench ism`.

use std::path::PathBuf;
use std::time::Instant;

use xpresso::ism::{saturate_batched, saturate_native};
use xpresso::model::{NativeModel, Weights};

fn main() {
    let shared = std::env::var_os("XPRESSO_SHARED").map(PathBuf::from).unwrap_or_else(|| "../shared".into());
    let model = NativeModel::new(Weights::from_h5(&shared.join("models/xpresso/human_trainepoch.11-0.426.h5")).expect("model"));
    let text = std::fs::read(shared.join("data/genome/hg38_chr22_32000000_32300000.fa")).expect("hg38 piece");
    let piece: Vec<u8> = text.split(|&b| b == b'\n').skip(1).flatten().copied().collect();
    let window = &piece[43_260 - 7000..43_260 + 3500]; // SLC5A1, + strand, local coordinates
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let features = [0.0; 6];
    let (cone_s, cone) = pool.install(|| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                let r = saturate_native(&model, window, &features, 0..10_500);
                (t.elapsed().as_secs_f64(), r)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap()
    });
    let t = Instant::now();
    let brute = pool.install(|| saturate_batched(&model, window, &features, 0..10_500, 256));
    let brute_s = t.elapsed().as_secs_f64();
    let variants: usize = cone.positions.iter().map(|p| p.alts().count()).sum();
    let max_diff = cone
        .positions
        .iter()
        .zip(&brute.positions)
        .flat_map(|(a, b)| (0..4).map(move |c| (a.delta[c] - b.delta[c]).abs()))
        .fold(0f32, f32::max);
    println!("method\tthreads\tseconds\tvariants/s");
    println!("cone\t2\t{cone_s:.3}\t{:.0}", variants as f64 / cone_s);
    println!("brute force (native forward)\t2\t{brute_s:.2}\t{:.0}", variants as f64 / brute_s);
    println!("speed-up {:.0}x, {variants} variants, max |cone - brute| = {max_diff:.2e}", brute_s / cone_s);
}
