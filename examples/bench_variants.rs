//! Generates the score-variants benchmark inputs: one chromosome of random bases with a gene
//! every 15 kb (strands alternating), its GTF, and a bgzip VCF of `RECORDS` variants spread
//! evenly over it (90% SNVs, 5% insertions, 5% deletions, REF taken from the genome), so a
//! variant touches ~0.7 TSS windows on average.
//! Usage: cargo run --release --example bench_variants -- OUT_DIR GENES RECORDS

use std::io::Write;
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, genes, records] = &args[..] else { anyhow::bail!("usage: bench_variants OUT_DIR GENES RECORDS") };
    let (dir, genes, records): (PathBuf, u64, u64) = (dir.into(), genes.parse()?, records.parse()?);
    std::fs::create_dir_all(&dir)?;
    let len = genes * 15_000;
    let mut x = 0x9E3779B97F4A7C15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x >> 33
    };
    let seq: Vec<u8> = (0..len).map(|_| b"ACGT"[next() as usize % 4]).collect();
    let mut fa = std::io::BufWriter::new(std::fs::File::create(dir.join("genome.fa"))?);
    writeln!(fa, ">chrB")?;
    for line in seq.chunks(60) {
        fa.write_all(line)?;
        fa.write_all(b"\n")?;
    }
    let mut gtf = std::io::BufWriter::new(std::fs::File::create(dir.join("genes.gtf"))?);
    for g in 0..genes {
        let tss = g * 15_000 + 7_500 + 1;
        let (start, end, strand) = if g % 2 == 0 { (tss, tss + 1000, '+') } else { (tss - 1000, tss, '-') };
        writeln!(gtf, "chrB\tbench\tgene\t{start}\t{end}\t.\t{strand}\t.\tgene_id \"G{g}\"; gene_name \"GENE{g}\";")?;
    }
    let out = std::fs::File::create(dir.join(format!("variants_{records}.vcf.gz")))?;
    let mut vcf = noodles::bgzf::io::Writer::new(std::io::BufWriter::new(out));
    writeln!(vcf, "##fileformat=VCFv4.2\n##contig=<ID=chrB,length={len}>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")?;
    let step = (len - 100) / records;
    for r in 0..records {
        let pos = 50 + r * step + next() % step.max(1);
        let b = seq[pos as usize - 1];
        let (reference, alt) = match next() % 20 {
            0 => (String::from(b as char), format!("{}{}", b as char, ["A", "CT", "GGA"][next() as usize % 3])),
            1 => (String::from_utf8_lossy(&seq[pos as usize - 1..pos as usize + 1 + next() as usize % 4]).into_owned(), String::from(b as char)),
            _ => (String::from(b as char), String::from(*b"ACGT".iter().filter(|&&c| c != b).nth(next() as usize % 3).unwrap() as char)),
        };
        writeln!(vcf, "chrB\t{pos}\tv{r}\t{reference}\t{alt}\t.\tPASS\t.")?;
    }
    vcf.finish()?;
    Ok(())
}
