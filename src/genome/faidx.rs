//! Building, reading and writing `.fai` files as samtools faidx does, so every FASTA that
//! samtools indexes is indexed here too, and every `.fai` samtools writes is read:
//! - a sequence's lines all hold the same number of bases, except its last line, which may
//!   be shorter; `\r\n` line ends count in the line width;
//! - blank lines after a sequence's last line (before the next `>` or the end of the file,
//!   as `zcat` of a padded file or an editor leaves) are allowed and ignored;
//! - a blank or short line followed by more bases of the same sequence is refused (its
//!   bases could not be found by offset), naming the line;
//! - an empty sequence (a header followed by a header) has length 0 and `0 0` line fields.

use std::io::{BufRead, Write};

use anyhow::{bail, Context, Result};

use super::layout::Layout;

/// Indexes a FASTA read from `reader` (the uncompressed bytes).
pub fn build<R: BufRead>(mut reader: R) -> Result<Vec<Layout>> {
    let mut layouts: Vec<Layout> = Vec::new();
    let mut line = Vec::new();
    let (mut offset, mut line_no) = (0u64, 0u64);
    // the open sequence: its layout, and whether a short or blank line ended its lines
    let mut open: Option<(Layout, bool)> = None;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).context("cannot read the FASTA")? as u64;
        if n == 0 {
            break;
        }
        line_no += 1;
        let start = offset;
        offset += n;
        let content = line.strip_suffix(b"\n").unwrap_or(&line);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if let Some(header) = line.strip_prefix(b">") {
            layouts.extend(open.take().map(|(l, _)| l));
            let header = header.strip_suffix(b"\n").unwrap_or(header);
            let header = header.strip_suffix(b"\r").unwrap_or(header);
            let name = header.split(|b| b.is_ascii_whitespace()).next().unwrap_or(b"");
            if name.is_empty() {
                bail!("line {line_no}: a header without a sequence name");
            }
            open = Some((
                Layout { name: String::from_utf8_lossy(name).into_owned(), len: 0, offset, line_bases: 0, line_width: 0 },
                false,
            ));
            continue;
        }
        let Some((layout, ended)) = open.as_mut() else {
            if content.iter().all(u8::is_ascii_whitespace) {
                continue; // blank lines before the first header
            }
            bail!("line {line_no}: sequence before the first '>' header");
        };
        let bases = content.len() as u64;
        if bases == 0 {
            *ended = true; // blank: only more blank lines or a header may follow
            continue;
        }
        if *ended {
            bail!(
                "line {line_no}: sequence {} goes on after a shorter or blank line; each line but its last must hold {} bases \
                 (re-wrap it, e.g. `seqkit seq -w 60`)",
                layout.name,
                layout.line_bases
            );
        }
        if layout.len == 0 {
            layout.offset = start;
            layout.line_bases = bases;
            // a one-line sequence at the end of the file may lack its newline
            layout.line_width = if line.ends_with(b"\n") { n } else { n + 1 };
        } else if bases > layout.line_bases || (bases == layout.line_bases && n != layout.line_width) {
            bail!(
                "line {line_no}: sequence {} has a line of {bases} bases after lines of {}; each line but its last must hold the same",
                layout.name,
                layout.line_bases
            );
        } else if bases < layout.line_bases || n < layout.line_width {
            *ended = true; // the short last line (or one without its newline)
        }
        layout.len += bases;
    }
    layouts.extend(open.map(|(l, _)| l));
    if layouts.is_empty() {
        bail!("no FASTA records found (no '>' header line)");
    }
    Ok(layouts)
}

/// Reads a `.fai` (5 tab-separated columns; a 6th, FASTQ's quality offset, is ignored).
pub fn read(text: &str) -> Result<Vec<Layout>> {
    let mut layouts = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 5 {
            bail!("line {}: {} columns, a .fai line has 5 (name, length, offset, bases per line, bytes per line)", i + 1, f.len());
        }
        let num = |k: usize, what: &str| -> Result<u64> {
            f[k].trim().parse().with_context(|| format!("line {}: {what} '{}' is not a whole number", i + 1, f[k]))
        };
        layouts.push(Layout {
            name: f[0].to_string(),
            len: num(1, "length")?,
            offset: num(2, "offset")?,
            line_bases: num(3, "bases per line")?,
            line_width: num(4, "bytes per line")?,
        });
    }
    if layouts.is_empty() {
        bail!("the index is empty");
    }
    Ok(layouts)
}

/// Writes a `.fai` as samtools does.
pub fn write(out: &mut impl Write, layouts: &[Layout]) -> std::io::Result<()> {
    for l in layouts {
        writeln!(out, "{}\t{}\t{}\t{}\t{}", l.name, l.len, l.offset, l.line_bases, l.line_width)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(text: &str) -> Result<Vec<Layout>> {
        build(text.as_bytes())
    }

    #[test]
    fn samtools_rules() {
        let l = index(">a x\nACGT\nACGT\nAC\n\n\n>b\nAC\r\nA\r\n>e\n>c\nACG").unwrap();
        let rows: Vec<(&str, u64, u64, u64, u64)> = l.iter().map(|l| (l.name.as_str(), l.len, l.offset, l.line_bases, l.line_width)).collect();
        assert_eq!(rows, [("a", 10, 5, 4, 5), ("b", 3, 23, 2, 4), ("e", 0, 33, 0, 0), ("c", 3, 36, 3, 4)]);
        assert!(index(">a\nACGT\nAC\nACGT\n").unwrap_err().to_string().contains("line 4"));
        assert!(index(">a\nACGT\n\nACGT\n").unwrap_err().to_string().contains("goes on after"));
        assert!(index(">a\nAC\nACGT\n").unwrap_err().to_string().contains("line 3"));
        assert!(index("ACGT\n").is_err());
        assert!(index("").is_err());
        let mut out = Vec::new();
        write(&mut out, &l).unwrap();
        assert_eq!(read(std::str::from_utf8(&out).unwrap()).unwrap(), l);
        assert!(read("a\t1\t2\n").unwrap_err().to_string().contains("line 1"));
    }
}
