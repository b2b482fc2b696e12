#!/usr/bin/env bash
# How personal scales with the cohort: the same 7 genes (hg38 chr2:240,001-340,000, a
# stretch of the shared piece) with cohorts of 2,504 and 50,000 individuals simulated under
# stdpopsim HomSap OutOfAfrica_2T12 (bench/popsim_cohort.py with START END), 2 threads.
# Per cohort, in one run: bcftools view -R reading the TSS windows +- 10.5 kb (VCF.gz, BCF),
# personal on each (wall, peak RSS, per-TSS time, values/s), and the distinct whole windows
# and distinct local pieces per TSS (personal's summary line).
# Needs target/popsim-venv (see bench/personal_popsim.sh), bcftools, bgzip, tabix; the
# 50,000 cohort takes a few minutes to simulate and ~2 GB of VCF text before bgzip.
# Usage: bench/personal_scaling.sh [INDIVIDUALS...]   (default: 2504 50000)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${XPRESSO_SHARED:-../shared}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2504 50000)
cargo build --release --quiet --bin xpresso
genome="$shared/data/genome/chr2_1-2333275.fa.gz"
source bench/measure.sh
printf 'individuals\twhat\twall_s\tpeak_rss_MiB\tper_TSS_ms\tvalues_per_s\tsummary\n'
for n in "${sizes[@]}"; do
  work=target/bench/popsim_region_$n
  mkdir -p "$work"
  if [ ! -s "$work/cohort.bcf.csi" ]; then
    [ -s "$work/cohort.vcf" ] || target/popsim-venv/bin/python bench/popsim_cohort.py "$work" "$shared" "$n" 1 240001 340000
    bgzip -f -@ 2 "$work/cohort.vcf" && tabix -f -p vcf "$work/cohort.vcf.gz"
    bcftools view --no-version --threads 2 -Ob -o "$work/cohort.bcf" "$work/cohort.vcf.gz" && bcftools index -f "$work/cohort.bcf"
  fi
  genes=$(wc -l < "$work/genes.gtf")
  for kind in vcf.gz bcf; do
    read -r wall _ < <(measure bcftools view --threads 1 -R "$work/windows.bed" -Ou -o /dev/null "$work/cohort.$kind")
    printf '%s\tbcftools view -R (%s)\t%s\t\t\t\t\n' "$n" "$kind" "$wall"
    read -r wall rss < <(measure target/release/xpresso personal -t 2 -g "$genome" --gtf "$work/genes.gtf" --vcf "$work/cohort.$kind" -o "$work/matrix.tsv" 2> "$work/run.log")
    line=$(grep -o '[0-9]* TSSs x [0-9]* samples.*' "$work/run.log" | head -1)
    python3 - "$n" "$kind" "$wall" "$rss" "$genes" "$line" <<'PY'
import sys
n, kind, wall, rss, genes, line = sys.argv[1:]
wall, n, genes = float(wall), int(n), int(genes)
print(f"{n}\tpersonal ({kind})\t{wall:.2f}\t{rss}\t{1000 * wall / genes:.0f}\t{genes * n / wall:,.0f}\t{line}")
PY
  done
done
