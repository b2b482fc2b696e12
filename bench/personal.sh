#!/usr/bin/env bash
# personal benchmark: the chr22 genes of the shared GENCODE GTF x a generated phased cohort
# (bench/personal_cohort.py: haplotype blocks copied from founders) on a generated genome,
# on 2 threads: sample-gene values per second, distinct haplotype windows per TSS, wall time
# and peak RSS; and the naive route (every sample haplotype its own forward pass),
# extrapolated from `predict` on 2,000 windows measured in the same run.
# Usage: bench/personal.sh [SAMPLES] [FOUNDERS] [SPACING_BP] [BLOCK_BP]
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${XPRESSO_SHARED:-../shared}
samples=${1:-2504}
founders=${2:-40}
spacing=${3:-200}
block=${4:-100000}
work=target/bench/personal_${samples}_${founders}_${spacing}_${block}
cargo build --release --quiet --bin xpresso
if [ ! -s "$work/cohort.vcf.gz.tbi" ]; then
  python3 bench/personal_cohort.py "$work" "$shared" "$samples" "$founders" "$spacing" "$block"
  bgzip -f -@ 2 "$work/cohort.vcf" && tabix -f -p vcf "$work/cohort.vcf.gz"
fi
xp=${XPRESSO_BIN:-target/release/xpresso}
# the .fai outside the timings (an empty TSS list then stops with exit 3)
"$xp" annotate -q -g "$work/genome.fa" --tss-bed /dev/null -o /dev/null 2>/dev/null || [ $? -eq 3 ]
source bench/measure.sh

read -r wall rss < <(measure "$xp" personal -t 2 -g "$work/genome.fa" --gtf "$work/genes.gtf" \
    --vcf "$work/cohort.vcf.gz" -o "$work/matrix.tsv.gz" 2> "$work/personal.log")
line=$(grep -o '[0-9]* TSSs x [0-9]* samples.*' "$work/personal.log" | head -1)
tsss=$(echo "$line" | awk '{print $1}')
per_tss=$(echo "$line" | grep -o '([0-9.]* per TSS)' | tr -d '()' | awk '{print $1}')

# the naive route: 2,000 windows through predict, one forward pass each
python3 - "$work" <<'PY'
import random, sys
work = sys.argv[1]
seq = "".join(l.strip() for l in open(f"{work}/genome.fa") if not l.startswith(">"))
rng = random.Random(5)
with open(f"{work}/naive.fa", "w") as f:
    for i in range(2000):
        a = rng.randrange(0, len(seq) - 10500)
        f.write(f">w{i}\n{seq[a:a + 10500]}\n")
PY
read -r nwall _ < <(measure "$xp" predict -q -t 2 --fasta "$work/naive.fa" -o /dev/null)

printf 'block_bp\tsamples\tTSSs\tsample_gene_values\twall_s\tvalues_per_s\tdistinct_per_TSS\tpeak_rss_MiB\tnaive_windows_per_s\tnaive_wall_s_extrapolated\tspeedup\n'
awk -v b="$block" -v s="$samples" -v t="$tsss" -v w="$wall" -v r="$rss" -v d="$per_tss" -v nw="$nwall" 'BEGIN {
  rate = 2000 / nw; naive = t * 2 * s / rate
  printf "%d\t%d\t%d\t%d\t%s\t%.0f\t%s\t%s\t%.0f\t%.0f\t%.1f\n", b, s, t, t * s, w, t * s / w, d, r, rate, naive, naive / w }'
