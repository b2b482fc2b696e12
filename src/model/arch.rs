//! The published Xpresso architecture, as fixed numbers. Both published models share it
//! (read from their `model_config`); every weight shape is checked against these on load.

/// Bases in one promoter window.
pub const SEQ_LEN: usize = 10_500;
/// One-hot alphabet, in model order A, C, G, T.
pub const ALPHABET: usize = 4;
/// conv1d_1: kernel width, filters, and the TF `same` left padding ((k-1)/2).
pub const K1: usize = 6;
pub const C1: usize = 128;
pub const PAD1: usize = 2;
/// max_pooling1d_1 width (= stride) and the pooled length.
pub const POOL1: usize = 30;
pub const L1: usize = SEQ_LEN / POOL1;
/// conv1d_2: kernel width, filters, `same` left padding.
pub const K2: usize = 9;
pub const C2: usize = 32;
pub const PAD2: usize = 4;
/// max_pooling1d_2 width (= stride) and the pooled length.
pub const POOL2: usize = 10;
pub const L2: usize = L1 / POOL2;
/// Flattened conv output (position-major, channel-minor, as Keras flattens).
pub const FLAT: usize = L2 * C2;
/// Half-life features appended after the flattened conv output.
pub const N_FEATURES: usize = 6;
/// Dense layers: input width and units.
pub const DENSE_IN: usize = FLAT + N_FEATURES;
pub const D1: usize = 64;
pub const D2: usize = 2;

/// Every weight tensor: Keras layer name, dataset, expected shape.
pub const TENSORS: [(&str, &str, &[usize]); 10] = [
    ("conv1d_1", "kernel:0", &[K1, ALPHABET, C1]),
    ("conv1d_1", "bias:0", &[C1]),
    ("conv1d_2", "kernel:0", &[K2, C1, C2]),
    ("conv1d_2", "bias:0", &[C2]),
    ("dense_1", "kernel:0", &[DENSE_IN, D1]),
    ("dense_1", "bias:0", &[D1]),
    ("dense_2", "kernel:0", &[D1, D2]),
    ("dense_2", "bias:0", &[D2]),
    ("dense_3", "kernel:0", &[D2, 1]),
    ("dense_3", "bias:0", &[1]),
];
