"""A cohort shaped like 1000 Genomes on real sequence, for `personal` benchmarks: stdpopsim's
HomSap OutOfAfrica_2T12 model (Tennessen et al. 2012: recent explosive growth) simulated with
msprime over chr2:1-2,333,275 of hg38 (the shared piece, true coordinates, with its real
recombination-free length; the model's own mutation rate, 2.36e-8, which gives ~265 variant
sites per 10.5 kb window at 2,504 individuals as 1000 Genomes phase 3 has; recombination
1.19e-8, stdpopsim's chr2 mean), AFR:EUR = 661:1,843 per 2,504 individuals as in phase 3. Biallelic SNVs only; REF is
the genome's base (N and soft-masked lower case upper-cased; sites on N dropped), ALT one of
the other three; genotypes phased. Writes cohort.vcf (plain), genes.gtf (the chr2 genes of the
shared GENCODE GTF that lie in the piece) and windows.bed (each TSS window +- 10.5 kb).

With START END (1-based, inclusive), only that stretch of the piece is simulated (its own
length, positions placed at their true coordinates) and only its genes are kept: the
50,000-individual cohort is simulated on a 100 kb stretch so that its VCF stays a few GB.

Usage: popsim_cohort.py OUT_DIR SHARED INDIVIDUALS [SEED [START END]]"""
import gzip
import random
import sys

import msprime
import stdpopsim

out, shared, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
import numpy as np

seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
length = 2_333_275
seq = "".join(l.strip() for l in gzip.open(f"{shared}/data/genome/chr2_1-2333275.fa.gz", "rt") if not l.startswith(">")).upper()
assert len(seq) == length
first, last = (int(sys.argv[5]), int(sys.argv[6])) if len(sys.argv) > 6 else (1, length)

species = stdpopsim.get_species("HomSap")
model = species.get_demographic_model("OutOfAfrica_2T12")
contig = species.get_contig(length=last - first + 1, mutation_rate=model.mutation_rate, recombination_rate=1.19e-8)
afr = round(n * 661 / 2504)
samples = {"AFR": afr, "EUR": n - afr}
ts = stdpopsim.get_engine("msprime").simulate(model, contig, samples, seed=seed)
rng = random.Random(seed)

names = [f"{pop}{i}" for pop, k in samples.items() for i in range(k)]
written = 0
with open(f"{out}/cohort.vcf", "w") as f:
    f.write("##fileformat=VCFv4.2\n##source=stdpopsim HomSap OutOfAfrica_2T12 (msprime)\n")
    f.write(f"##contig=<ID=chr2,length={length}>\n")  # the piece is the genome
    f.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
    f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(names) + "\n")
    previous = 0
    # one GT line as bytes: "a|b\t" per sample, the last tab a newline (numpy, not a join)
    cells = np.empty((n, 4), dtype=np.uint8)
    cells[:, 1], cells[:, 3] = ord("|"), ord("\t")
    for var in ts.variants():
        pos = int(var.site.position) + first
        if pos <= previous or pos > last or len(var.alleles) != 2 or seq[pos - 1] not in "ACGT":
            continue
        previous = pos
        ref = seq[pos - 1]
        alt = rng.choice([b for b in "ACGT" if b != ref])
        g = var.genotypes.astype(np.uint8)
        cells[:, 0], cells[:, 2] = g[0::2] + 48, g[1::2] + 48
        line = cells.tobytes()
        f.write(f"chr2\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t")
        f.flush()
        f.buffer.write(line[:-1] + b"\n")
        written += 1

genes = 0
with gzip.open(f"{shared}/data/annotation/hg38_gencode_genes_transcripts.gtf.gz", "rt") as gtf, open(f"{out}/genes.gtf", "w") as g, open(f"{out}/windows.bed", "w") as bed:
    for line in gtf:
        f = line.split("\t")
        if len(f) < 9 or f[0] != "chr2" or f[2] != "gene":
            continue
        start, end = int(f[3]), int(f[4])
        tss = start if f[6] == "+" else end
        if tss < first + 12_000 or tss > last - 12_000:
            continue
        g.write(line)
        genes += 1
        lo, hi = (tss - 7000, tss + 3500) if f[6] == "+" else (tss - 3500, tss + 7000)
        bed.write(f"chr2\t{max(0, lo - 10_500)}\t{hi + 10_500}\n")
print(f"popsim_cohort: {n} individuals (AFR {afr}, EUR {n - afr}), {written} biallelic SNVs on chr2:{first}-{last}, {genes} genes", file=sys.stderr)
