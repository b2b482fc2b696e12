//! Generates the genome for the annotate benchmark: for every chromosome of a GTF, a bgzip
//! FASTA as long as its last TSS + 20 kb, random bases within 11 kb of every transcript TSS
//! and N elsewhere (so every window the model sees is real sequence, and the file stays small).
//! Usage: cargo run --release --example bench_genome -- GTF OUT.fa.gz

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use noodles::bgzf;
use xpresso::annotation::gtf::{GtfOptions, GtfTssReader, TssLevel};

const FLANK: u64 = 11_000;

fn main() -> anyhow::Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [gtf, out] = &args[..] else { anyhow::bail!("usage: bench_genome GTF OUT.fa.gz") };
    let mut tss: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for t in GtfTssReader::open(gtf, GtfOptions::new(TssLevel::Transcript), Default::default())? {
        let t = t?;
        tss.entry(t.chrom).or_default().push(t.pos);
    }
    let mut w = bgzf::io::multithreaded_writer::Builder::default()
        .set_compression_level(bgzf::io::writer::CompressionLevel::FAST)
        .build_from_writer(std::fs::File::create(out)?);
    let mut x = 0x9E3779B97F4A7C15u64;
    for (chrom, mut positions) in tss {
        positions.sort_unstable();
        let len = positions.last().unwrap() + 2 * FLANK;
        writeln!(w, ">{chrom}")?;
        let mut line = Vec::with_capacity(61);
        let mut next = 0usize;
        for pos in 0..len {
            while next < positions.len() && positions[next] + FLANK < pos {
                next += 1;
            }
            let near = next < positions.len() && positions[next].saturating_sub(FLANK) <= pos;
            line.push(if near {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b"ACGT"[(x >> 62) as usize]
            } else {
                b'N'
            });
            if line.len() == 60 || pos + 1 == len {
                line.push(b'\n');
                w.write_all(&line)?;
                line.clear();
            }
        }
    }
    w.finish()?;
    Ok(())
}
