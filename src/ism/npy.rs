//! A NumPy `.npy` (format 1.0) writer for one float32 matrix, so Python users load an ISM
//! result with `numpy.load(path)`.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::output::Output;

/// Writes a C-order little-endian float32 array of shape (rows, cols), atomically.
pub fn write_f32_matrix(path: &Path, rows: usize, cols: usize, values: &[f32]) -> Result<()> {
    assert_eq!(values.len(), rows * cols);
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // magic (6) + version (2) + header length (2) + header + '\n' is a multiple of 64
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut out = Output::create(path)?;
    out.write_all(b"\x93NUMPY\x01\x00")?;
    out.write_all(&(header.len() as u16).to_le_bytes())?;
    out.write_all(header.as_bytes())?;
    for v in values {
        out.write_all(&v.to_le_bytes())?;
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn header_is_aligned_and_data_follows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.npy");
        super::write_f32_matrix(&path, 2, 4, &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, -1.5]).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
        assert!(header.contains("'shape': (2, 4)") && header.ends_with('\n'));
        let last = f32::from_le_bytes(bytes[bytes.len() - 4..].try_into().unwrap());
        assert_eq!(last, -1.5);
        assert_eq!(bytes.len(), 10 + header_len + 32);
    }
}
