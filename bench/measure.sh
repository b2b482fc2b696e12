# Sourced by the bench scripts: `measure CMD...` runs CMD and prints wall seconds and the
# child's peak RSS in MiB, tab-separated.
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.time()
subprocess.run(sys.argv[1:], check=True)
wall = time.time() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{wall:.2f}\t{rss:.1f}")
PY
}
