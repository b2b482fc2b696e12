//! `--range -1000:+500`: the part of the window to mutate, in bases relative to the TSS
//! (window index 7000), upstream negative, both ends included.

use std::ops::Range;
use std::str::FromStr;

use anyhow::{bail, Context, Result};

use crate::model::arch::SEQ_LEN;
use crate::window::TSS_INDEX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TssRange {
    pub from: i64,
    pub to: i64,
}

impl TssRange {
    /// The whole window: -7000:+3499.
    pub fn whole() -> Self {
        TssRange { from: -(TSS_INDEX as i64), to: (SEQ_LEN - TSS_INDEX - 1) as i64 }
    }

    /// Window indices covered.
    pub fn indices(&self) -> Range<usize> {
        (TSS_INDEX as i64 + self.from) as usize..(TSS_INDEX as i64 + self.to + 1) as usize
    }
}

impl FromStr for TssRange {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Self> {
        let (a, b) = s.split_once(':').with_context(|| format!("range '{s}' is not FROM:TO, e.g. -1000:+500"))?;
        let num = |x: &str| x.trim_start_matches('+').parse::<i64>().with_context(|| format!("range '{s}': '{x}' is not an integer"));
        let (from, to) = (num(a)?, num(b)?);
        let whole = TssRange::whole();
        if from > to || from < whole.from || to > whole.to {
            bail!("range '{s}' must satisfy {} <= FROM <= TO <= +{} (bases from the TSS)", whole.from, whole.to);
        }
        Ok(TssRange { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_maps_to_window_indices() {
        assert_eq!("-1000:+500".parse::<TssRange>().unwrap().indices(), 6000..7501);
        assert_eq!("0:0".parse::<TssRange>().unwrap().indices(), 7000..7001);
        assert_eq!(TssRange::whole().indices(), 0..10_500);
        assert!("-7001:0".parse::<TssRange>().is_err());
        assert!("5:-5".parse::<TssRange>().is_err());
        assert!("1000".parse::<TssRange>().is_err());
    }
}
