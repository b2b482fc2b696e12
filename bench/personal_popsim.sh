#!/usr/bin/env bash
# personal on a cohort shaped like 1000 Genomes (bench/popsim_cohort.py: stdpopsim HomSap
# OutOfAfrica_2T12 on the shared hg38 chr2:1-2.33 Mb piece, its GENCODE genes), 2 threads,
# against its floor measured in the same run: bcftools reading the same genotypes of the
# TSS windows +- 10.5 kb (`bcftools view -R windows.bed -Ou -o /dev/null`), for the VCF.gz
# and for the BCF. XPRESSO_BEFORE=BIN adds another build's rows (before/after in one run).
# Needs stdpopsim + msprime (target/popsim-venv: python3 -m venv target/popsim-venv &&
# target/popsim-venv/bin/pip install stdpopsim msprime), bcftools, bgzip, tabix.
# Every row is the best of 3 runs (MEASURE_RUNS).
# Usage: bench/personal_popsim.sh [INDIVIDUALS]   (default 2504)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${XPRESSO_SHARED:-../shared}
n=${1:-2504}
work=target/bench/popsim_$n
mkdir -p "$work"
cargo build --release --quiet --bin xpresso
if [ ! -s "$work/cohort.vcf.gz.tbi" ]; then
  [ -s "$work/cohort.vcf" ] || target/popsim-venv/bin/python bench/popsim_cohort.py "$work" "$shared" "$n"
  bgzip -f -@ 2 "$work/cohort.vcf" && tabix -f -p vcf "$work/cohort.vcf.gz"
  bcftools view --no-version -Ob -o "$work/cohort.bcf" "$work/cohort.vcf.gz" && bcftools index -f "$work/cohort.bcf"
fi
genome="$shared/data/genome/chr2_1-2333275.fa.gz"
source bench/measure.sh
export MEASURE_RUNS=${MEASURE_RUNS:-3}
row() { # label, binary, vcf
  read -r wall rss < <(measure "$2" personal -t 2 -g "$genome" --gtf "$work/genes.gtf" --vcf "$3" -o "$work/matrix.tsv" 2> "$work/run.log")
  local line; line=$(grep -o '[0-9]* TSSs x [0-9]* samples.*' "$work/run.log" | head -1)
  printf '%s\t%s\t%s\t%s\n' "$1" "$wall" "$rss" "$line"
}
printf 'what\twall_s\tpeak_rss_MiB\tsummary\n'
read -r vwall _ < <(measure bcftools view --threads 1 -R "$work/windows.bed" -Ou -o /dev/null "$work/cohort.vcf.gz")
read -r bwall _ < <(measure bcftools view --threads 1 -R "$work/windows.bed" -Ou -o /dev/null "$work/cohort.bcf")
# for context: bcftools decoding every genotype of the BCF (-Ou hands the records on undecoded)
read -r dwall _ < <(measure bcftools view --threads 1 -R "$work/windows.bed" -Ov -o /dev/null "$work/cohort.bcf")
printf 'bcftools view -R (VCF.gz)\t%s\t\t\nbcftools view -R (BCF)\t%s\t\t\nbcftools view -R -Ov (BCF, decoded)\t%s\t\t\n' "$vwall" "$bwall" "$dwall"
row "personal (VCF.gz)" target/release/xpresso "$work/cohort.vcf.gz"
row "personal (BCF)" target/release/xpresso "$work/cohort.bcf"
if [ -n "${XPRESSO_BEFORE:-}" ]; then
  row "before: personal (VCF.gz)" "$XPRESSO_BEFORE" "$work/cohort.vcf.gz"
  row "before: personal (BCF)" "$XPRESSO_BEFORE" "$work/cohort.bcf"
fi
