#!/usr/bin/env bash
# precompute against its floor, `ism` scoring the same SNVs (the same TSS windows of the
# shared hg38 chr2 piece with the genome-wide GENCODE GTF, whole windows, 2 threads), in one
# run: rows/s of each (ism writes its long TSV bgzipped; precompute also sorts across
# windows and writes the tabix index), best of 3 runs each, peak RSS, and the table's bytes
# per row (for the genome-wide size).
# Usage: bench/precompute.sh [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${XPRESSO_SHARED:-../shared}
threads=${1:-2}
work=target/bench/precompute
mkdir -p "$work"
cargo build --release --quiet --bin xpresso
genome="$shared/data/genome/chr2_1-2333275.fa.gz"
gtf="$shared/data/annotation/hg38_gencode_genes_transcripts.gtf.gz"
region=chr2:7002-2326274
source bench/measure.sh
export MEASURE_RUNS=${MEASURE_RUNS:-3}
read -r iwall irss < <(measure target/release/xpresso ism -q -t "$threads" -g "$genome" --gtf "$gtf" --region "$region" -o "$work/ism.tsv.gz")
read -r pwall prss < <(measure target/release/xpresso precompute -q -t "$threads" -g "$genome" --gtf "$gtf" --region "$region" -o "$work/table.tsv.gz" --calibration "$work/calibration.tsv")
irows=$(zcat "$work/ism.tsv.gz" | grep -vc '^#\|^id	')
prows=$(zcat "$work/table.tsv.gz" | grep -vc '^#')
bytes=$(stat -c %s "$work/table.tsv.gz")
python3 - "$irows" "$iwall" "$irss" "$prows" "$pwall" "$prss" "$bytes" <<'PY'
import sys
ir, iw, irss, pr, pw, prss, b = sys.argv[1:]
ir, iw, pr, pw, b = int(ir), float(iw), int(pr), float(pw), int(b)
print("what\trows\twall_s\trows_per_s\tpeak_rss_MiB")
print(f"ism (bgzip TSV)\t{ir}\t{iw:.2f}\t{ir / iw:.0f}\t{irss}")
print(f"precompute (table + .tbi + calibration)\t{pr}\t{pw:.2f}\t{pr / pw:.0f}\t{prss}")
print(f"precompute / ism rate\t\t\t{(pr / pw) / (ir / iw):.2f}\t")
print(f"table bytes per row\t{b / pr:.1f}")
PY
