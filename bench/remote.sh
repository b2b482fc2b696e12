#!/usr/bin/env bash
# Remote inputs against local ones, in one run (issue 24): the same commands on the same
# files, once from disk and once over HTTP from a loopback range server
# (tests/servers/range_server.py, which logs every request and the bytes it sent):
#  1. annotate of all 62,703 genes of the shared hg38 GTF over the served bench genome
#     (bench/annotate.sh's: random bases within 11 kb of every TSS, N elsewhere);
#  2. score-variants of one region of the bench VCF (bench/score_variants.sh's) through its
#     served .tbi, against the region's compressed bytes (its records, bgzip-compressed).
# Prints wall seconds local and remote and their ratio, bytes fetched (-v) and
# bytes the server sent, each over the file's size, and requests. Outputs must be equal.
# Loopback has no latency: the wall ratio is the cost of the remote path, not of a WAN.
# Usage: bench/remote.sh [THREADS]   (needs python3, bgzip, tabix; XPRESSO_SHARED overrides ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${XPRESSO_SHARED:-../shared}
threads=${1:-2}
gtf=$shared/data/annotation/hg38_gencode_genes_transcripts.gtf.gz
model=$shared/models/xpresso/human_trainepoch.11-0.426.h5
work=target/bench
mkdir -p "$work/remote/served"
cargo build --release --quiet --features remote --bin xpresso --example bench_genome --example bench_variants
xp=target/release/xpresso
if [ ! -s "$work/hg38_tss.fa.gz.gzi" ]; then
  echo "generating $work/hg38_tss.fa.gz (once)..." >&2
  target/release/examples/bench_genome "$gtf" "$work/hg38_tss.fa.gz"
  "$xp" annotate -q --genome "$work/hg38_tss.fa.gz" --tss-bed /dev/null -m "$model" -o /dev/null 2>/dev/null || [ $? -eq 3 ]
fi
vdir=$work/variants_400
[ -s "$vdir/variants_100000.vcf.gz" ] || target/release/examples/bench_variants "$vdir" 400 100000
[ -s "$vdir/genome.fa.gz.gzi" ] || { bgzip -c "$vdir/genome.fa" > "$vdir/genome.fa.gz"; "$xp" annotate -q -g "$vdir/genome.fa.gz" --tss-bed /dev/null -m "$model" -o /dev/null 2>/dev/null || [ $? -eq 3 ]; }
[ -s "$vdir/variants_100000.vcf.gz.tbi" ] || tabix -f -p vcf "$vdir/variants_100000.vcf.gz"

served=$work/remote/served
for f in hg38_tss.fa.gz hg38_tss.fa.gz.fai hg38_tss.fa.gz.gzi; do ln -sfn "$(pwd)/$work/$f" "$served/$f"; done
for f in variants_100000.vcf.gz variants_100000.vcf.gz.tbi; do ln -sfn "$(pwd)/$vdir/$f" "$served/$f"; done
log=$work/remote/requests.log
: > "$log"
coproc SERVER { exec python3 tests/servers/range_server.py "$served"; }
trap 'kill $SERVER_PID 2>/dev/null' EXIT
read -r port <&"${SERVER[0]}"
url=http://127.0.0.1:$port

source bench/measure.sh
# requests and bytes the server sent for paths starting with $1, since the log was emptied
served_stats() { awk -v p="/$1" '$2 ~ "^"p { n++; b += $4 } END { printf "%d\t%.0f\n", n, b }' "$log"; }
# bytes htslib handed to xpresso, from -v
read_bytes() { sed -n 's/.*remote inputs: \([0-9]*\) bytes.*/\1/p' "$1"; }
body() { grep -v 'command=' "$1"; }

printf 'job\tlocal_s\tremote_s\tratio\tfile_bytes\tread_bytes\tread/file\tsent_bytes\tsent/file\trequests\n'
row() { # job local remote file_bytes read sent requests
  awk -v j="$1" -v l="$2" -v r="$3" -v f="$4" -v rd="$5" -v s="$6" -v n="$7" \
    'BEGIN { printf "%s\t%s\t%s\t%.2f\t%.0f\t%.0f\t%.3f\t%.0f\t%.3f\t%d\n", j, l, r, r / l, f, rd, rd / f, s, s / f, n }'
}

# 1. annotate genome-wide
read -r lwall _ < <(measure "$xp" annotate -q -t "$threads" -g "$work/hg38_tss.fa.gz" --gtf "$gtf" -m "$model" -o "$work/remote/local.tsv")
: > "$log"
read -r rwall _ < <(measure "$xp" annotate -v -t "$threads" -g "$url/hg38_tss.fa.gz" --gtf "$gtf" -m "$model" -o "$work/remote/remote.tsv" 2> "$work/remote/annotate.err")
cmp <(body "$work/remote/local.tsv") <(body "$work/remote/remote.tsv") >&2 && echo "annotate: remote output = local" >&2
read -r n sent < <(served_stats hg38_tss.fa.gz)
row annotate_genome "$lwall" "$rwall" "$(stat -Lc %s "$work/hg38_tss.fa.gz")" "$(read_bytes "$work/remote/annotate.err")" "$sent" "$n"

# 2. score-variants of one region through the served index
chrom=$(cut -f1 "$vdir/genome.fa.gz.fai" | head -1)
region=$chrom:2000001-3000000
region_bytes=$(tabix "$vdir/variants_100000.vcf.gz" "$region" | bgzip -c | wc -c)
sv=(score-variants -t "$threads" -g "$vdir/genome.fa.gz" --gtf "$vdir/genes.gtf" --region "$region" -m "$model" -o /dev/null)
read -r lwall _ < <(measure "$xp" "${sv[@]}" -q --vcf "$vdir/variants_100000.vcf.gz" --tsv "$work/remote/sv_local.tsv")
: > "$log"
read -r rwall _ < <(measure "$xp" "${sv[@]}" -v --vcf "$url/variants_100000.vcf.gz" --tsv "$work/remote/sv_remote.tsv" 2> "$work/remote/sv.err")
cmp <(body "$work/remote/sv_local.tsv") <(body "$work/remote/sv_remote.tsv") >&2 && echo "score-variants: remote output = local" >&2
read -r n sent < <(served_stats variants_100000.vcf.gz)
row score_variants_region "$lwall" "$rwall" "$region_bytes" "$(read_bytes "$work/remote/sv.err")" "$sent" "$n"
echo "(score-variants: file_bytes is the region's records bgzip-compressed, of a $(stat -Lc %s "$vdir/variants_100000.vcf.gz")-byte VCF)" >&2
