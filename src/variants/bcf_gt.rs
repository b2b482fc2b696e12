//! A BCF record's GT series, found in the record's raw FORMAT bytes without decoding the
//! other keys or rendering the record as text (BCF 2.2, 6.3.3: per key a typed string-map
//! index, a type descriptor, then every sample's values). Values stay undecoded until
//! `personal::genotype` reads the chosen samples. Bytes are bounds-checked here: a corrupt
//! record is an error, never a panic or an allocation the record cannot hold.

use anyhow::{bail, Result};

/// The GT values of one record: `width` bytes per value (1, 2 or 4, little-endian signed),
/// `per_sample` values per sample (the largest ploidy of the record), samples in header order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BcfGenotypes {
    pub width: u8,
    pub per_sample: usize,
    pub bytes: Vec<u8>,
}

/// Reads a type descriptor at `src[*at]`: (type code, count), the count extended by a typed
/// integer when its nibble is 15.
fn descriptor(src: &[u8], at: &mut usize) -> Result<(u8, usize)> {
    let Some(&byte) = src.get(*at) else { bail!("FORMAT data cut short") };
    *at += 1;
    let (ty, count) = (byte & 0x0f, usize::from(byte >> 4));
    if count < 15 {
        return Ok((ty, count));
    }
    let n = typed_int(src, at)?;
    usize::try_from(n).map(|n| (ty, n)).map_err(|_| anyhow::anyhow!("FORMAT count {n} is negative"))
}

/// A typed scalar integer (descriptor with count 1, then the value).
fn typed_int(src: &[u8], at: &mut usize) -> Result<i64> {
    let (ty, count) = descriptor(src, at)?;
    let width = width(ty)?;
    if count != 1 || !(1..=3).contains(&ty) {
        bail!("a FORMAT key or count is not an integer (type {ty}, count {count})");
    }
    let v = value(src.get(*at..*at + width).ok_or_else(|| anyhow::anyhow!("FORMAT data cut short"))?);
    *at += width;
    Ok(v)
}

/// Bytes per value of a type code: 0 missing, 1/2/3 int8/16/32, 5 float, 7 char.
fn width(ty: u8) -> Result<usize> {
    Ok(match ty {
        0 => 0,
        1 | 7 => 1,
        2 => 2,
        3 | 5 => 4,
        _ => bail!("FORMAT value type {ty} is not a BCF type"),
    })
}

/// A little-endian signed value of 1, 2 or 4 bytes.
pub fn value(b: &[u8]) -> i64 {
    match *b {
        [x] => i64::from(x as i8),
        [x, y] => i64::from(i16::from_le_bytes([x, y])),
        [x, y, z, w] => i64::from(i32::from_le_bytes([x, y, z, w])),
        _ => unreachable!("widths are 1, 2 or 4"),
    }
}

/// The GT series of a record's FORMAT bytes (`samples` samples, `keys` FORMAT keys, `gt`:
/// GT's string-map index in the header), or `None` when FORMAT has no GT.
pub fn find(src: &[u8], samples: usize, keys: usize, gt: Option<usize>) -> Result<Option<BcfGenotypes>> {
    let mut at = 0;
    for _ in 0..keys {
        let key = typed_int(src, &mut at)?;
        let (ty, per_sample) = descriptor(src, &mut at)?;
        let width = width(ty)?;
        let len = samples.checked_mul(per_sample).and_then(|n| n.checked_mul(width)).filter(|&n| n <= src.len() - at);
        let Some(len) = len else { bail!("FORMAT data cut short ({samples} samples x {per_sample} values of {width} bytes)") };
        if gt.is_some_and(|g| key == g as i64) {
            if !(1..=3).contains(&ty) {
                bail!("GT values are not integers (type {ty})");
            }
            return Ok(Some(BcfGenotypes { width: width as u8, per_sample, bytes: src[at..at + len].to_vec() }));
        }
        at += len;
    }
    Ok(None)
}

impl BcfGenotypes {
    /// Sample `i`'s values, as signed integers.
    pub fn sample(&self, i: usize) -> impl Iterator<Item = i64> + '_ {
        let w = usize::from(self.width);
        let start = i * self.per_sample * w;
        self.bytes[start..start + self.per_sample * w].chunks_exact(w).map(value)
    }

    /// Samples the series holds.
    pub fn samples(&self) -> usize {
        if self.per_sample == 0 {
            0
        } else {
            self.bytes.len() / (self.per_sample * usize::from(self.width))
        }
    }

    /// Whether `v` (of this width) ends a sample's values: the vector-end or missing sentinel.
    pub fn is_sentinel(&self, v: i64) -> bool {
        let min = match self.width {
            1 => i64::from(i8::MIN),
            2 => i64::from(i16::MIN),
            _ => i64::from(i32::MIN),
        };
        v == min || v == min + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_gt_after_other_keys_and_refuses_cut_data() {
        // key 3 (int8 scalar), 2 samples x 1 int16 value; then key 0 (GT), 2 samples x 2 int8
        let src = [0x11, 3, 0x12, 5, 0, 6, 0, 0x11, 0, 0x21, 2, 5, 4, 0x81];
        let gt = find(&src, 2, 2, Some(0)).unwrap().unwrap();
        assert_eq!(gt, BcfGenotypes { width: 1, per_sample: 2, bytes: vec![2, 5, 4, 0x81] });
        assert_eq!(gt.sample(1).collect::<Vec<_>>(), [4, -127]);
        assert!(gt.is_sentinel(-127) && gt.is_sentinel(-128) && !gt.is_sentinel(0));
        assert_eq!(find(&src, 2, 2, Some(9)).unwrap(), None);
        assert_eq!(find(&src, 2, 2, None).unwrap(), None);
        for cut in 0..src.len() - 1 {
            assert!(find(&src[..cut], 2, 2, Some(0)).is_err(), "cut at {cut}");
        }
        // a count that overflows is an error, not an allocation
        assert!(find(&[0x11, 0, 0xf1, 0x13, 0xff, 0xff, 0xff, 0x7f], 1 << 40, 1, Some(0)).is_err());
        // a type that is not BCF's
        assert!(find(&[0x11, 0, 0x1c], 1, 1, Some(0)).is_err());
    }
}
