#!/usr/bin/env bash
# How example/ was made (run once; its outputs are committed, so users and CI need none of
# this): the real hg38 chr22:32,000,001-32,300,000 (kipoiseq's test piece) placed at its
# true coordinates in an all-N chr22 of hg38's length, bgzip-compressed, and the GENCODE
# gene and transcript records of the shared hg38 GTF that lie inside the piece.
# Needs ../shared, python3 and bgzip (htslib).
set -euo pipefail
cd "$(dirname "$0")"
shared=${XPRESSO_SHARED:-../../shared}
python3 - "$shared/data/genome/hg38_chr22_32000000_32300000.fa" <<'PY' | bgzip -c > hg38_chr22_example.fa.gz
import sys
seq = ''.join(l.strip() for l in open(sys.argv[1]) if not l.startswith('>'))
assert len(seq) == 300_000
chrom_len, offset = 50_818_468, 32_000_000  # hg38 chr22 length; piece base 1 = chr22:32,000,001
out = sys.stdout
out.write('>chr22 hg38 chr22, real bases 32,000,001-32,300,000 only (N elsewhere)\n')
for start in range(0, chrom_len, 60):
    end = min(start + 60, chrom_len)
    out.write(''.join(seq[i - offset] if offset <= i < offset + 300_000 else 'N' for i in range(start, end)) + '\n')
PY
zcat "$shared/data/annotation/hg38_gencode_genes_transcripts.gtf.gz" \
  | awk -F'\t' '$1 == "chr22" && ($3 == "gene" || $3 == "transcript") && $4 > 32000000 && $5 <= 32300000' \
  | gzip -n -9 > hg38_chr22_example.gtf.gz
echo "$(zcat hg38_chr22_example.gtf.gz | awk -F'\t' '$3 == "gene"' | wc -l) genes" >&2
