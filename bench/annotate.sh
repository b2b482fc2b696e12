#!/usr/bin/env bash
# End-to-end annotate benchmark on the largest shared annotation (hg38 GENCODE-derived GTF,
# 62,703 genes): genes/s and peak RSS, plus the same genome with a GTF 1/40 the size, to show
# that memory does not grow with the GTF. The genome is generated once (random bases within
# 11 kb of every TSS, N elsewhere; see examples/bench_genome.rs) under target/bench/.
# Usage: bench/annotate.sh [THREADS]   (XPRESSO_SHARED overrides ../shared; XPRESSO_BIN times another binary)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${XPRESSO_SHARED:-../shared}
threads=${1:-2}
gtf=$shared/data/annotation/hg38_gencode_genes_transcripts.gtf.gz
model=$shared/models/xpresso/human_trainepoch.11-0.426.h5
work=target/bench
mkdir -p "$work"
cargo build --release --quiet --bin xpresso --example bench_genome
if [ ! -s "$work/hg38_tss.fa.gz.gzi" ]; then
  echo "generating $work/hg38_tss.fa.gz (once)..." >&2
  target/release/examples/bench_genome "$gtf" "$work/hg38_tss.fa.gz"
  # an empty TSS list opens the genome once, so its .fai/.gzi are built outside the timings
  # (then it stops: nothing to predict is an input error, exit 3)
  target/release/xpresso annotate -q --genome "$work/hg38_tss.fa.gz" --tss-bed /dev/null -m "$model" -o /dev/null 2>/dev/null || [ $? -eq 3 ]
fi
zcat "$gtf" | awk -F'\t' '$1=="chr22"' > "$work/chr22.gtf"

source bench/measure.sh
# XPRESSO_BIN times another build (e.g. the previous commit's) on the same inputs
xp=${XPRESSO_BIN:-target/release/xpresso}

printf 'run\tthreads\tTSSs\twall_s\tTSSs_per_s\tpeak_rss_MiB\n'
for run in chr22_gene:gene:$work/chr22.gtf genome_gene:gene:$gtf genome_transcript:transcript:$gtf; do
  IFS=: read -r name level file <<<"$run"
  out=$work/$name.tsv
  read -r wall rss < <(measure "$xp" annotate -q -t "$threads" --genome "$work/hg38_tss.fa.gz" \
      --gtf "$file" --tss "$level" -m "$model" -o "$out")
  n=$(grep -vc '^#' "$out"); n=$((n - 1))
  awk -v r="$name" -v t="$threads" -v n="$n" -v w="$wall" -v m="$rss" 'BEGIN { printf "%s\t%s\t%d\t%s\t%.0f\t%s\n", r, t, n, w, n / w, m }'
done

# Scatter: the genome-wide gene run as 4 shards, one after the other. Each shard reads the GTF
# twice (count, then run), so the shards' total is one run plus 3 extra GTF passes; the
# joined output must equal the one run.
for k in 1 2 3 4; do
  out=$work/genome_gene.shard$k.tsv
  read -r wall rss < <(measure "$xp" annotate -q -t "$threads" --genome "$work/hg38_tss.fa.gz" \
      --gtf "$gtf" --shard "$k/4" -m "$model" -o "$out")
  n=$(grep -vc '^#' "$out" || true); [ "$k" = 1 ] && n=$((n - 1))
  awk -v r="genome_gene_shard$k/4" -v t="$threads" -v n="$n" -v w="$wall" -v m="$rss" 'BEGIN { printf "%s\t%s\t%d\t%s\t%.0f\t%s\n", r, t, n, w, n / w, m }'
done
cat "$work"/genome_gene.shard{1,2,3,4}.tsv | grep -v '^##xpresso' | cmp - <(grep -v '^##xpresso' "$work/genome_gene.tsv") \
  && echo "4 shards joined = one run" >&2
