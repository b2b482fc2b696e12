#!/usr/bin/env python3
"""A generated cohort for bench/personal.sh: a random chr22 of hg38's length, the TSSs of
the chr22 genes of the shared GENCODE GTF, and a phased VCF of SAMPLES samples whose
haplotypes are copies of FOUNDERS founder haplotypes, switching founder every BLOCK bp
(haplotype blocks, as real cohorts share them; default 100 kb, so most windows hold a few
dozen distinct haplotypes). Sites lie only near TSS windows (what
`personal` reads), one every ~SPACING bp, 10% of them short indels.

    bench/personal_cohort.py OUT_DIR SHARED [SAMPLES] [FOUNDERS] [SPACING] [BLOCK]
"""
import gzip
import os
import random
import sys

out, shared = sys.argv[1], sys.argv[2]
samples = int(sys.argv[3]) if len(sys.argv) > 3 else 2504
founders = int(sys.argv[4]) if len(sys.argv) > 4 else 40
spacing = int(sys.argv[5]) if len(sys.argv) > 5 else 200
block = int(sys.argv[6]) if len(sys.argv) > 6 else 100_000
os.makedirs(out, exist_ok=True)
rng = random.Random(22)
length = 50_818_468

# genes and their windows (with the 10.5 kb margins personal reads)
gtf_lines, tss = [], []
with gzip.open(os.path.join(shared, "data/annotation/hg38_gencode_genes_transcripts.gtf.gz"), "rt") as f:
    for line in f:
        c = line.split("\t")
        if len(c) > 8 and c[0] == "chr22" and c[2] == "gene":
            gtf_lines.append(line)
            tss.append(int(c[4]) - 1 if c[6] == "-" else int(c[3]) - 1)
with open(os.path.join(out, "genes.gtf"), "w") as f:
    f.writelines(gtf_lines)
spans = sorted((max(0, t - 7000 - 3500), min(length, t + 7000 + 3500)) for t in tss)
merged = []
for a, b in spans:
    if merged and a <= merged[-1][1]:
        merged[-1][1] = max(merged[-1][1], b)
    else:
        merged.append([a, b])

# the genome: random bases (one chromosome, 60 per line)
genome = bytearray(rng.choices(b"ACGT", k=length))
with open(os.path.join(out, "genome.fa"), "wb") as f:
    f.write(b">chr22\n")
    for i in range(0, length, 60):
        f.write(genome[i:i + 60] + b"\n")

# each sample haplotype copies one founder per 20 kb block; founders drawn unevenly
weights = [1.0 / (k + 1) for k in range(founders)]
haps = 2 * samples
templates = {}


def template(b):
    """The sample columns of block b with founder k written as byte 128 + k."""
    if b not in templates:
        pick = rng.choices(range(founders), weights=weights, k=haps)
        templates[b] = bytes(x for s in range(samples) for x in (128 + pick[2 * s], ord("|"), 128 + pick[2 * s + 1], ord("\t")))[:-1]
    return templates[b]


names = "\t".join(f"S{i + 1}" for i in range(samples))
with open(os.path.join(out, "cohort.vcf"), "wb") as f:
    f.write(b"##fileformat=VCFv4.2\n##contig=<ID=chr22,length=%d>\n" % length)
    f.write(b'##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
    f.write(("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + names + "\n").encode())
    n = 0
    for a, b in merged:
        pos = a + rng.randint(1, spacing)
        while pos < b - 10:
            ref = chr(genome[pos])
            kind = rng.random()
            if kind < 0.05:  # deletion
                k = rng.randint(1, 5)
                ref, alt = genome[pos:pos + k + 1].decode(), ref
            elif kind < 0.10:  # insertion
                alt = ref + "".join(rng.choices("ACGT", k=rng.randint(1, 5)))
            else:
                alt = rng.choice([x for x in "ACGT" if x != ref])
            freq = rng.choice([0.02, 0.05, 0.1, 0.3, 0.5])
            carriers = [rng.random() < freq for _ in range(founders)]
            table = bytes(range(128)) + bytes(ord("1") if carriers[k] else ord("0") for k in range(founders)) + bytes(128 - founders)
            line = b"chr22\t%d\t.\t%s\t%s\t50\tPASS\t.\tGT\t" % (pos + 1, ref.encode(), alt.encode())
            f.write(line + template(pos // block).translate(table) + b"\n")
            n += 1
            pos += len(ref) + rng.randint(1, 2 * spacing)
print(f"{len(tss)} TSSs, {n} sites, {samples} samples, {founders} founders", file=sys.stderr)
