#!/usr/bin/env bash
# python.sh — the Python package (python/memspice) and its PyTorch layer:
# tests/python/test_*.py under Debian's /usr/bin/python3 with pytest, over the
# libmemspice.so next to $MEMSPICE (and that memspice for the CLI
# comparisons).  The sanitizer build is skipped: an ASan library cannot be
# loaded into an uninstrumented python3.  pytest's exit 5 (no tests
# collected) counts as a skip, not a failure.
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
dir=$(cd "$(dirname "$MEMSPICE")" && pwd)
lib=$dir/libmemspice.so
case "$(basename "$dir")" in *san*) echo "skip: sanitizer build ($dir): not loadable into python3"; exit 0 ;; esac
[ -f "$lib" ] || { echo "FAIL: no $lib (make all builds it)"; exit 1; }
for m in numpy pytest; do
    "$PY" -c "import $m" 2>/dev/null || { echo "FAIL: $PY has no $m (make deps installs python3-$m)"; exit 1; }
done
export MEMSPICE MEMSPICE_LIB=$lib PYTHONDONTWRITEBYTECODE=1
"$PY" -m pytest -q -p no:cacheprovider tests/python
rc=$?
if [ $rc -eq 5 ]; then echo "skip: no Python tests collected"; exit 0; fi
exit $rc
