#!/usr/bin/env bash
# The modules' nf-test inputs, from the shared data (read-only) into DIR:
#   tests/make-test-data.sh SHARED DIR
# chr22.fa (+ .fai): GRCh37 chr22, the shared 20-21 Mb piece at its true place in N;
# chr22.GRCh37.75.gtf.gz: Ensembl 75 genes; dropseq.vcf.gz (+ .tbi): 10 donors' calls in the
# piece; windows.fa: three 10,500 bp promoter windows cut from the piece (for predict).
set -euo pipefail
shared=${1:?usage: make-test-data.sh SHARED DIR}
dir=${2:?usage: make-test-data.sh SHARED DIR}
mkdir -p "$dir"
python3 - "$shared" "$dir" <<'PY'
import sys
shared, out = sys.argv[1], sys.argv[2]
piece = "".join(open(f"{shared}/data/genome/GRCh37_22_20-21M.fa").read().split("\n", 1)[1].split())
body = "N" * 20_000_000 + piece + "N" * (51_304_566 - 21_000_000)
with open(f"{out}/chr22.fa", "w") as f:
    f.write(">chr22\n")
    for i in range(0, len(body), 60):
        f.write(body[i:i + 60] + "\n")
# samtools faidx's line for one sequence: name, length, offset of its first base, bases and bytes per line
with open(f"{out}/chr22.fa.fai", "w") as f:
    f.write(f"chr22\t{len(body)}\t7\t60\t61\n")
with open(f"{out}/windows.fa", "w") as f:
    for k, start in enumerate([100_000, 400_000, 700_000]):
        f.write(f">window{k + 1}\n{piece[start:start + 10_500]}\n")
PY
install -m 644 "$shared/data/annotation/chr22.GRCh37.75.gtf.gz" "$dir/"
install -m 644 "$shared/data/variants/dropseq_10donors_22_20-21M.b37.vcf.gz" "$dir/dropseq.vcf.gz"
install -m 644 "$shared/data/variants/dropseq_10donors_22_20-21M.b37.vcf.gz.tbi" "$dir/dropseq.vcf.gz.tbi"
# the indexes are newer than what they index, as the tools expect
touch "$dir/chr22.fa.fai" "$dir/dropseq.vcf.gz.tbi"
