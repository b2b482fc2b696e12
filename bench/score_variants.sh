#!/usr/bin/env bash
# score-variants benchmark: allele x TSS pairs scored per second, on a generated genome (one
# chromosome, a gene every 15 kb) with VCFs of two sizes (4x apart) to show that memory does
# not grow with the VCF, on 1 and 2 threads. Inputs are generated once under target/bench/
# by examples/bench_variants.rs. Usage: bench/score_variants.sh [GENES] [RECORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${XPRESSO_SHARED:-../shared}
genes=${1:-400}
records=${2:-100000}
model=$shared/models/xpresso/human_trainepoch.11-0.426.h5
work=target/bench/variants_$genes
cargo build --release --quiet --bin xpresso --example bench_variants
big=$((records * 4))
for n in $records $big; do
  [ -s "$work/variants_$n.vcf.gz" ] || target/release/examples/bench_variants "$work" "$genes" "$n"
done
# build the .fai outside the timings (an empty TSS list then stops with exit 3)
target/release/xpresso annotate -q -g "$work/genome.fa" --tss-bed /dev/null -m "$model" -o /dev/null 2>/dev/null || [ $? -eq 3 ]

source bench/measure.sh
# XPRESSO_BIN times another build (e.g. the previous commit's) on the same inputs
xp=${XPRESSO_BIN:-target/release/xpresso}

printf 'records\tthreads\tpairs\twall_s\tpairs_per_s\tpeak_rss_MiB\n'
for run in $records:1 $records:2 $big:2; do
  IFS=: read -r n threads <<<"$run"
  tsv=$work/scores_$n.tsv
  read -r wall rss < <(measure "$xp" score-variants -q -t "$threads" -g "$work/genome.fa" \
      --gtf "$work/genes.gtf" --vcf "$work/variants_$n.vcf.gz" -m "$model" -o /dev/null --tsv "$tsv")
  pairs=$(($(wc -l < "$tsv") - 1))
  awk -v n="$n" -v t="$threads" -v p="$pairs" -v w="$wall" -v m="$rss" 'BEGIN { printf "%d\t%s\t%d\t%s\t%.0f\t%s\n", n, t, p, w, p / w, m }'
done
