# Sourced by the bench scripts: `measure CMD...` runs CMD and prints wall seconds and the
# child's peak RSS in MiB, tab-separated: the best wall of MEASURE_RUNS runs (default 1;
# this 2-core VM's speed drifts by +-20% between minutes, so ratios want best-of-3).
measure() {
  python3 - "$@" <<'PY'
import os, resource, subprocess, sys, time
walls = []
for _ in range(int(os.environ.get("MEASURE_RUNS", "1"))):
    t = time.time()
    subprocess.run(sys.argv[1:], check=True)
    walls.append(time.time() - t)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{min(walls):.2f}\t{rss:.1f}")
PY
}
