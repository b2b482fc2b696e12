//! The model's one-hot code: A, C, G, T in that order; lowercase (soft-masked) bases read
//! as uppercase; N and every IUPAC ambiguity code are all-zero.

/// Code for "no channel set" (N, IUPAC, anything that is not ACGT).
pub const NO_BASE: u8 = 4;

/// Channel of a base: 0..4 for A, C, G, T (any case), `NO_BASE` otherwise.
#[inline]
pub fn base_code(b: u8) -> u8 {
    match b {
        b'A' | b'a' => 0,
        b'C' | b'c' => 1,
        b'G' | b'g' => 2,
        b'T' | b't' => 3,
        _ => NO_BASE,
    }
}

/// Complement of a base, keeping case; non-ACGT bases become N (they are all-zero anyway).
#[inline]
pub fn complement(b: u8) -> u8 {
    match b {
        b'A' => b'T',
        b'C' => b'G',
        b'G' => b'C',
        b'T' => b'A',
        b'a' => b't',
        b'c' => b'g',
        b'g' => b'c',
        b't' => b'a',
        _ => b'N',
    }
}

/// Reverse complement in place.
pub fn reverse_complement(seq: &mut [u8]) {
    seq.reverse();
    for b in seq.iter_mut() {
        *b = complement(*b);
    }
}

/// Writes the one-hot code of `seq` channel-first (4 rows of `seq.len()`, A C G T) into `out`,
/// the layout of a PyTorch `Conv1d` input; non-ACGT bases are all-zero.
pub fn encode_channels_first(seq: &[u8], out: &mut [f32]) {
    let len = seq.len();
    assert_eq!(out.len(), 4 * len, "one-hot buffer must hold 4 x len values");
    out.fill(0.0);
    for (i, &b) in seq.iter().enumerate() {
        let c = base_code(b) as usize;
        if c < 4 {
            out[c * len + i] = 1.0;
        }
    }
}
