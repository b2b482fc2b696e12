#!/usr/bin/env bash
# Mutation fuzzing for longer than the CI run: repeats tests/fuzz.rs (proptest, every parser,
# library and binary) and tests/fuzz_lookups.rs (precompute tables against the computing
# oracle, calibration, -R, alias and sample files) with fresh random seeds until SECONDS
# (default 600) have passed. The test profile is optimised (Cargo.toml), so no release build.
# Usage: bench/fuzz.sh [SECONDS] [CASES_PER_ROUND]
set -euo pipefail
cd "$(dirname "$0")/.."
budget="${1:-600}"
cases="${2:-2000}"
export XPRESSO_SHARED="${XPRESSO_SHARED:-$(cd .. && pwd)/shared}"
# the tree is built with every feature, as the tests are (.ci/run installs libtorch for them)
source .ci/libtorch-env.sh
cargo test --all-features --test fuzz --test fuzz_lookups --no-run -q
start=$(date +%s)
rounds=0
while (( $(date +%s) - start < budget )); do
  FUZZ_CASES="$cases" cargo test --all-features --test fuzz --test fuzz_lookups -q 2>&1 | grep -E "test result|panicked|FAILED|minimal failing" || true
  rounds=$((rounds + 1))
done
# library targets: 12 x cases per round; binary targets: 6 x cases/6; lookups: cases/2 tables,
# 5 x cases/4 list files
echo "fuzz: $rounds rounds of $cases cases per library target in $(( $(date +%s) - start )) s"
