# Source this to build and run xpresso with `--features torch` against the libtorch that
# .ci/run installs into target/torch-venv (or set LIBTORCH yourself beforehand).
_xpresso_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LIBTORCH="${LIBTORCH:-$_xpresso_root/target/torch-venv/lib/python3.11/site-packages/torch}"
export LD_LIBRARY_PATH="$LIBTORCH/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
unset LIBTORCH_USE_PYTORCH
