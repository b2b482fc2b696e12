//! How much of a window is N. A window that is mostly N (an assembly gap, a TSS near a
//! chromosome end, a short `predict` record padded to 10.5 kb) still gets a prediction, and
//! nothing about the number says so: 1,207 of 1,263 rows of the chr22 quickstart are the
//! all-N window's -0.173832. Every row of annotate and predict carries its window's N
//! fraction, and runs warn with the count of windows above `MOSTLY_N`.

/// A window with more N than this share is counted as mostly N.
pub const MOSTLY_N: f32 = 0.5;

/// The share of bases that are not A, C, G or T (either case).
pub fn n_fraction(window: &[u8]) -> f32 {
    if window.is_empty() {
        return 0.0;
    }
    let n = window.iter().filter(|b| !matches!(b, b'A' | b'C' | b'G' | b'T' | b'a' | b'c' | b'g' | b't')).count();
    n as f32 / window.len() as f32
}

/// Counts windows, and those mostly N, for the end-of-run warning.
#[derive(Clone, Copy, Debug, Default)]
pub struct NTally {
    pub windows: u64,
    pub mostly_n: u64,
}

impl NTally {
    pub fn add(&mut self, fraction: f32) {
        self.windows += 1;
        self.mostly_n += u64::from(fraction > MOSTLY_N);
    }

    /// `what`: the kind of window (`TSS windows`, `tiles`); `None` when none is mostly N.
    pub fn warning(&self, what: &str) -> Option<String> {
        (self.mostly_n > 0).then(|| {
            format!(
                "{} of {} {what} are more than {:.0}% N (assembly gaps, chromosome ends, short records): their predictions mostly reflect the N bases (see the n_fraction column)",
                self.mostly_n,
                self.windows,
                MOSTLY_N * 100.0
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_what_is_not_a_base() {
        assert_eq!(n_fraction(b"ACGTacgt"), 0.0);
        assert_eq!(n_fraction(b"ACNN"), 0.5);
        assert_eq!(n_fraction(b"NNNn"), 1.0);
        let mut t = NTally::default();
        for f in [0.0, 0.5, 0.51, 1.0] {
            t.add(f);
        }
        assert_eq!((t.windows, t.mostly_n), (4, 2));
        assert!(t.warning("TSS windows").unwrap().starts_with("2 of 4 TSS windows are more than 50% N"));
        assert!(NTally::default().warning("x").is_none());
    }
}
