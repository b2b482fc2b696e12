//! Helpers shared by the integration tests: where `../shared` is, the plain oracle forward
//! pass, and small generated genomes.
#![allow(dead_code)]

pub mod case;
pub mod chr2;
pub mod mutate;
pub mod oracle;

use std::path::{Path, PathBuf};

/// `$XPRESSO_SHARED`, else `../shared` beside the checkout.
pub fn shared() -> PathBuf {
    std::env::var_os("XPRESSO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

pub fn human_model() -> PathBuf {
    shared().join("models/xpresso/human_trainepoch.11-0.426.h5")
}

pub fn mouse_model() -> PathBuf {
    shared().join("models/xpresso/mouse_trainepoch.05-0.278.h5")
}

/// One row of `reference_io.tsv`.
pub struct ReferenceCase {
    pub id: String,
    pub features: [f32; 6],
    pub expected: f64,
    pub sequence: Vec<u8>,
}

pub fn reference_cases() -> Vec<ReferenceCase> {
    let text = std::fs::read_to_string(shared().join("models/xpresso/reference_io.tsv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let mut features = [0f32; 6];
            for (i, v) in features.iter_mut().enumerate() {
                *v = f[1 + i].parse().unwrap();
            }
            ReferenceCase { id: f[0].into(), features, expected: f[7].parse().unwrap(), sequence: f[8].as_bytes().to_vec() }
        })
        .collect()
}

/// Deterministic pseudo-random bases (xorshift), with the given seed.
pub fn random_bases(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b"ACGT"[(x >> 33) as usize % 4]
        })
        .collect()
}

/// Writes a FASTA with the given records, lines of `width` bases.
pub fn write_fasta(path: &Path, records: &[(&str, &[u8])], width: usize) {
    let mut s = Vec::new();
    for (name, seq) in records {
        s.extend_from_slice(format!(">{name}\n").as_bytes());
        for chunk in seq.chunks(width) {
            s.extend_from_slice(chunk);
            s.push(b'\n');
        }
    }
    std::fs::write(path, s).unwrap();
}

/// Writes a bgzip-compressed FASTA (BGZF blocks through noodles).
pub fn write_bgzf_fasta(path: &Path, records: &[(&str, &[u8])], width: usize) {
    use std::io::Write;
    let mut w = noodles::bgzf::io::Writer::new(std::fs::File::create(path).unwrap());
    for (name, seq) in records {
        w.write_all(format!(">{name}\n").as_bytes()).unwrap();
        for chunk in seq.chunks(width) {
            w.write_all(chunk).unwrap();
            w.write_all(b"\n").unwrap();
        }
    }
    w.finish().unwrap();
}

/// Reverse complement (independent of the crate's own).
pub fn revcomp(seq: &[u8]) -> Vec<u8> {
    seq.iter()
        .rev()
        .map(|b| match b.to_ascii_uppercase() {
            b'A' => b'T',
            b'C' => b'G',
            b'G' => b'C',
            b'T' => b'A',
            _ => b'N',
        })
        .collect()
}

/// Runs the built binary; returns (status, stdout, stderr).
pub fn xpresso(args: &[&str]) -> (std::process::ExitStatus, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xpresso")).args(args).output().unwrap();
    (out.status, String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Data rows of an xpresso TSV (comment lines dropped), split on tabs, header first.
pub fn tsv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines().filter(|l| !l.starts_with("##")).map(|l| l.split('\t').map(String::from).collect()).collect()
}

/// Sequence of a one-record FASTA piece, read with plain std (no xpresso code).
pub fn read_piece(path: &Path) -> Vec<u8> {
    let text = std::fs::read(path).unwrap();
    let body = &text[text.iter().position(|&b| b == b'\n').unwrap() + 1..];
    body.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect()
}

/// The window of `tss` (0-based) cut from a piece that starts at `offset`, or None if it
/// leaves the piece: + [tss-7000, tss+3500); - reverse complement of [tss-3499, tss+7001).
pub fn piece_window(piece: &[u8], offset: usize, tss: usize, minus: bool) -> Option<Vec<u8>> {
    let (a, b) = if minus { (tss.checked_sub(3499)?, tss + 7001) } else { (tss.checked_sub(7000)?, tss + 3500) };
    let (a, b) = (a.checked_sub(offset)?, b.checked_sub(offset)?);
    let fwd = piece.get(a..b)?.to_vec();
    Some(if minus { revcomp(&fwd) } else { fwd })
}

/// The hg38 piece (chr22:32,000,001-32,300,000, local coordinates).
pub fn hg38_piece() -> Vec<u8> {
    read_piece(&shared().join("data/genome/hg38_chr22_32000000_32300000.fa"))
}

/// The window of 0-based `p` cut independently of the crate from a whole chromosome:
/// + [p-7000, p+3500); - reverse complement of [p-3499, p+7001); N outside.
pub fn window_of(seq: &[u8], p: i64, minus: bool) -> Vec<u8> {
    let (a, b) = if minus { (p - 3499, p + 7001) } else { (p - 7000, p + 3500) };
    let fwd: Vec<u8> = (a..b).map(|i| if i < 0 || i >= seq.len() as i64 { b'N' } else { seq[i as usize] }).collect();
    if minus { revcomp(&fwd) } else { fwd }
}

/// Writes `name` of `chrom_len` bases: N, then `piece` at 0-based `offset`, then N (bgzip, 60 per line).
pub fn place_piece(dest: &Path, name: &str, chrom_len: usize, offset: usize, piece: &[u8]) {
    use std::io::Write;
    let mut w = noodles::bgzf::io::Writer::new(std::fs::File::create(dest).unwrap());
    writeln!(w, ">{name} placed test piece").unwrap();
    let n_line = [b'N'; 60];
    let mut pos = 0;
    while pos < chrom_len {
        let end = (pos + 60).min(chrom_len);
        let line: Vec<u8> = (pos..end)
            .map(|i| if i >= offset && i < offset + piece.len() { piece[i - offset] } else { b'N' })
            .collect();
        w.write_all(if line == n_line[..line.len()] { &n_line[..line.len()] } else { &line }).unwrap();
        w.write_all(b"\n").unwrap();
        pos = end;
    }
    w.finish().unwrap();
}

/// GRCh37 chr22 as far as the shared piece goes: its 20-21 Mb placed in N (bgzip), named `chr22`
/// (the Ensembl 75 GTF and the HapMap VCF say `22`: the alias trap).
pub fn grch37_chr22(dest: &Path) {
    let piece = read_piece(&shared().join("data/genome/GRCh37_22_20-21M.fa"));
    place_piece(dest, "chr22", 51_304_566, 20_000_000, &piece);
}

/// The shared `ref.bcf.gz` with both gzip layers removed (raw BCF bytes), or None (with a
/// note) when the shared data are not there. Its header's `##contig` length of chromosome 1
/// is set to the corpus genome's 30,000 bp (written in as many digits, so the header's
/// length field stays right): the GRCh37 length would be refused as another assembly before
/// any record is read.
pub fn shared_bcf() -> Option<Vec<u8>> {
    use std::io::Read;
    let Ok(bytes) = std::fs::read(shared().join("data/variants/ref.bcf.gz")) else {
        eprintln!("skipped: no shared BCF at {}", shared().display());
        return None;
    };
    let mut layer = Vec::new();
    flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut layer).ok()?;
    let mut bcf = Vec::new();
    flate2::read::MultiGzDecoder::new(&layer[..]).read_to_end(&mut bcf).ok()?;
    assert!(bcf.starts_with(b"BCF\x02"));
    let (from, to) = (b"length=249250621".as_slice(), b"length=000030000".as_slice());
    let at = bcf.windows(from.len()).position(|w| w == from).expect("the shared BCF names chromosome 1's GRCh37 length");
    bcf[at..at + from.len()].copy_from_slice(to);
    Some(bcf)
}

/// Compresses the VCF `src` to BGZF at `dst` (through noodles) and writes its tabix index.
pub fn bgzip_and_index(src: &str, dst: &Path) {
    use std::io::Write;
    let mut w = noodles::bgzf::io::Writer::new(std::fs::File::create(dst).unwrap());
    w.write_all(&std::fs::read(src).unwrap()).unwrap();
    w.finish().unwrap();
    let index = noodles::vcf::fs::index(dst).unwrap();
    let noodles::vcf::Index::Tabix(index) = index else { panic!("a tabix index") };
    noodles::tabix::fs::write(std::path::PathBuf::from(format!("{}.tbi", dst.display())), &index).unwrap();
}

/// An output's text without the provenance lines that name the command (`##...command=`,
/// `##xpressoCommand=`), which differ between runs that must otherwise agree.
pub fn strip_commands(text: &str) -> String {
    text.lines().filter(|l| !l.contains("ommand=")).map(|l| format!("{l}\n")).collect()
}
