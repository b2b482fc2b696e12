#!/usr/bin/env bash
# personal's memory on the worst case of one TSS: every sample haplotype distinct (300
# phased SNV sites in the window, each haplotype carrying a random half of them), for
# several cohort sizes. Peak RSS per size; XPRESSO_BIN times another build on the same
# inputs (before/after in one run).
# Usage: bench/personal_memory.sh [SAMPLES...]   (default 2500 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(2500 20000)
cargo build --release --quiet --bin xpresso
xp=${XPRESSO_BIN:-target/release/xpresso}
source bench/measure.sh
for n in "${sizes[@]}"; do
  work=target/bench/personal_memory_$n
  mkdir -p "$work"
  if [ ! -s "$work/cohort.vcf" ]; then
    python3 - "$work" "$n" <<'PY'
import random, sys
work, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
seq = "".join(rng.choice("ACGT") for _ in range(40_000))
with open(f"{work}/genome.fa", "w") as f:
    f.write(">chr1\n" + "\n".join(seq[i:i + 60] for i in range(0, len(seq), 60)) + "\n")
with open(f"{work}/genes.gtf", "w") as f:
    f.write('chr1\tb\tgene\t20001\t21000\t.\t+\t.\tgene_id "G";\n')
with open(f"{work}/cohort.vcf", "w") as f:
    f.write("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=40000>\n")
    f.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
    f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(f"S{i}" for i in range(n)) + "\n")
    for k in range(300):
        pos = 13_100 + 35 * k  # inside the window [13001, 23501)
        ref = seq[pos - 1]
        alt = "C" if ref == "A" else "A"
        gts = "\t".join(f"{rng.getrandbits(1)}|{rng.getrandbits(1)}" for _ in range(n))
        f.write(f"chr1\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t{gts}\n")
PY
  fi
  "$xp" annotate -q -g "$work/genome.fa" --tss-bed /dev/null -o /dev/null 2>/dev/null || [ $? -eq 3 ]
  read -r wall rss < <(measure "$xp" personal -q -t 2 -g "$work/genome.fa" --gtf "$work/genes.gtf" --vcf "$work/cohort.vcf" -o "$work/matrix.tsv")
  echo "personal_memory: $n samples, one TSS, every haplotype distinct: ${wall} s, peak RSS ${rss} MiB"
done
