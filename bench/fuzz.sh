#!/usr/bin/env bash
# Mutation fuzzing for longer than the CI run: repeats tests/fuzz.rs (proptest, every parser,
# library and binary) with fresh random seeds until SECONDS (default 600) have passed.
# Usage: bench/fuzz.sh [SECONDS] [CASES_PER_ROUND]
set -euo pipefail
cd "$(dirname "$0")/.."
budget="${1:-600}"
cases="${2:-2000}"
export XPRESSO_SHARED="${XPRESSO_SHARED:-$(cd .. && pwd)/shared}"
cargo test --release --test fuzz --no-run -q
start=$(date +%s)
rounds=0
while (( $(date +%s) - start < budget )); do
  FUZZ_CASES="$cases" cargo test --release --test fuzz -q 2>&1 | grep -E "test result|panicked|FAILED" || true
  rounds=$((rounds + 1))
done
# library targets: 11 x cases per round; binary targets: 6 x cases/6
echo "fuzz: $rounds rounds of $cases cases per library target in $(( $(date +%s) - start )) s"
