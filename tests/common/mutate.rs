//! Mutations of valid seed inputs, shared by the fuzz targets (tests/fuzz.rs,
//! tests/fuzz_lookups.rs): byte flips and sets, inserts, deletes, duplicated spans and
//! truncation, drawn by proptest.

use proptest::prelude::*;

/// Cases per target: `FUZZ_CASES`, 48 by default (`bench/fuzz.sh` runs more).
pub fn cases() -> u32 {
    std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
}

/// One edit of a byte string.
#[derive(Clone, Debug)]
pub enum Edit {
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![any::<u8>(), Just(b'\n'), Just(b'\t'), Just(b'\r'), Just(b'>'), Just(b'-'), Just(b'0'), Just(b'9'), Just(0xff), Just(0)]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), 0u8..8).prop_map(|(p, b)| Edit::Flip(p, 1 << b)),
        3 => (any::<usize>(), interesting_byte()).prop_map(|(p, b)| Edit::Set(p, b)),
        2 => (any::<usize>(), prop::collection::vec(interesting_byte(), 1..12)).prop_map(|(p, v)| Edit::Insert(p, v)),
        2 => (any::<usize>(), 1usize..64).prop_map(|(p, n)| Edit::Delete(p, n)),
        1 => (any::<usize>(), 1usize..200).prop_map(|(p, n)| Edit::Duplicate(p, n)),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

pub fn mutate(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for e in edits {
        let len = v.len().max(1);
        match e {
            Edit::Flip(p, m) if !v.is_empty() => v[p % len] ^= m,
            Edit::Set(p, b) if !v.is_empty() => v[p % len] = *b,
            Edit::Insert(p, bytes) => {
                let at = p % (v.len() + 1);
                v.splice(at..at, bytes.iter().copied());
            }
            Edit::Delete(p, n) if !v.is_empty() => {
                let at = p % len;
                let end = (at + n).min(v.len());
                v.drain(at..end);
            }
            Edit::Duplicate(p, n) if !v.is_empty() => {
                let at = p % len;
                let span: Vec<u8> = v[at..(at + n).min(v.len())].to_vec();
                v.splice(at..at, span);
            }
            Edit::Truncate(p) => v.truncate(p % (v.len() + 1)),
            _ => {}
        }
    }
    v
}

pub fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..6)
}

