#!/usr/bin/env bash
# `predict` and `annotate` end to end against their floor, the forward kernel, on the same
# real windows in one run: 8,192 windows of 10,500 bp tiled (every 250 bp) over the shared
# hg38 chr2 piece, not the kernel bench's random ones (annotate: the same TSSs as a BED, its
# windows cut from the bgzipped genome). Prints the kernel's rate (cargo bench --bench forward with
# XPRESSO_BENCH_WINDOWS, first 2,048 windows, best of 3 passes), predict's rate (wall of the
# whole command, model load included, best of 3 runs) on 1 and 2 threads, and their ratio.
# This 2-core VM's speed drifts by +-20% between minutes: both sides are best-of-3.
# Usage: bench/predict_gap.sh
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${XPRESSO_SHARED:-../shared}
work=target/bench/predict_gap
mkdir -p "$work"
cargo build --release --quiet --bin xpresso
genome="$shared/data/genome/chr2_1-2333275.fa.gz"
if [ ! -s "$work/tss.bed" ]; then
  python3 - "$genome" "$work/windows.fa" "$work/tss.bed" <<'PY'
import gzip, sys
seq = "".join(l.strip() for l in gzip.open(sys.argv[1], "rt") if not l.startswith(">")).upper()
with open(sys.argv[2], "w") as f, open(sys.argv[3], "w") as bed:
    n, at = 0, 100_000
    while n < 8192:
        w = seq[at:at + 10_500]
        if w.count("N") < 100:
            f.write(f">w{n}\n{w}\n")
            # the window of a TSS at 0-based p is [p - 7000, p + 3500) on +
            bed.write(f"chr2\t{at + 7000}\t{at + 7001}\tw{n}\t0\t+\n")
            n += 1
        at += 250
PY
fi
kernel=$(XPRESSO_BENCH_WINDOWS="$work/windows.fa" cargo bench --quiet --bench forward 2>/dev/null | grep -P '^native kernel\t')
source bench/measure.sh
printf 'command\tthreads\tkernel_windows_per_s\twindows_per_s\tratio\n'
for t in 1 2; do
  k=$(printf '%s\n' "$kernel" | awk -F'\t' -v t="$t" '$2 == t {print $3}')
  for cmd in predict annotate; do
    case $cmd in
      predict) args=(predict -q -t "$t" --fasta "$work/windows.fa" -o "$work/out.tsv") ;;
      annotate) args=(annotate -q -t "$t" --genome "$genome" --tss-bed "$work/tss.bed" -o "$work/annotated.tsv") ;;
    esac
    wall=$(for i in 1 2 3; do measure target/release/xpresso "${args[@]}" | cut -f1; done | sort -n | head -1)
    python3 -c "import sys; k, w = float(sys.argv[1]), float(sys.argv[2]); p = 8192 / w; print(f'{sys.argv[3]}\t{sys.argv[4]}\t{k:.0f}\t{p:.0f}\t{p / k:.2f}')" "$k" "$wall" "$cmd" "$t"
  done
done
