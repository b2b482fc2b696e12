//! The oracle: a plain, obviously-correct float64 forward pass of the Keras graph, layer by
//! layer, with the full one-hot multiply. Slow on purpose; faster paths are tested against it.

use xpresso::model::Weights;

fn one_hot(seq: &[u8]) -> Vec<[f64; 4]> {
    seq.iter()
        .map(|b| match b.to_ascii_uppercase() {
            b'A' => [1.0, 0.0, 0.0, 0.0],
            b'C' => [0.0, 1.0, 0.0, 0.0],
            b'G' => [0.0, 0.0, 1.0, 0.0],
            b'T' => [0.0, 0.0, 0.0, 1.0],
            _ => [0.0; 4],
        })
        .collect()
}

/// Keras Conv1D, padding `same` (left (k-1)/2), ReLU. x: [len][cin], kernel [k][cin][cout].
fn conv_same_relu(x: &[Vec<f64>], kernel: &[f32], bias: &[f32], k: usize, cout: usize) -> Vec<Vec<f64>> {
    let (len, cin) = (x.len(), x[0].len());
    let pad = (k - 1) / 2;
    (0..len)
        .map(|i| {
            (0..cout)
                .map(|o| {
                    let mut s = bias[o] as f64;
                    for t in 0..k {
                        let j = i as isize + t as isize - pad as isize;
                        if j < 0 || j >= len as isize {
                            continue;
                        }
                        for c in 0..cin {
                            s += x[j as usize][c] * kernel[(t * cin + c) * cout + o] as f64;
                        }
                    }
                    s.max(0.0)
                })
                .collect()
        })
        .collect()
}

fn max_pool(x: &[Vec<f64>], size: usize) -> Vec<Vec<f64>> {
    (0..x.len() / size)
        .map(|b| (0..x[0].len()).map(|c| (0..size).map(|i| x[b * size + i][c]).fold(f64::MIN, f64::max)).collect())
        .collect()
}

fn dense(x: &[f64], kernel: &[f32], bias: &[f32], relu: bool) -> Vec<f64> {
    let units = bias.len();
    (0..units)
        .map(|u| {
            let s = bias[u] as f64 + x.iter().enumerate().map(|(i, v)| v * kernel[i * units + u] as f64).sum::<f64>();
            if relu { s.max(0.0) } else { s }
        })
        .collect()
}

/// Predicts one 10,500-bp window with its 6 features.
pub fn predict(w: &Weights, seq: &[u8], features: &[f32; 6]) -> f64 {
    assert_eq!(seq.len(), 10_500);
    let x: Vec<Vec<f64>> = one_hot(seq).iter().map(|r| r.to_vec()).collect();
    let c1 = conv_same_relu(&x, &w.conv1_kernel, &w.conv1_bias, 6, 128);
    let p1 = max_pool(&c1, 30);
    let c2 = conv_same_relu(&p1, &w.conv2_kernel, &w.conv2_bias, 9, 32);
    let p2 = max_pool(&c2, 10);
    let mut flat: Vec<f64> = p2.into_iter().flatten().collect();
    flat.extend(features.iter().map(|&f| f as f64));
    let h1 = dense(&flat, &w.dense1_kernel, &w.dense1_bias, true);
    let h2 = dense(&h1, &w.dense2_kernel, &w.dense2_bias, true);
    dense(&h2, &w.dense3_kernel, &w.dense3_bias, false)[0]
}
