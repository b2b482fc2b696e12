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
