#!/usr/bin/env bash
# python.sh — the Python package (python/memspice) and its PyTorch layer:
# tests/python/test_*.py under Debian's /usr/bin/python3 with pytest, over the
# libmemspice.so next to $MEMSPICE (and that memspice for the CLI
# comparisons).  A sanitizer build's library is loaded with its sanitizer
# runtimes preloaded (python3 itself is not instrumented, so ASan must come
# first); the RSS tests are left out there (ASan's quarantine holds freed
# memory) and so is the pip check.  pytest's exit 5 (no tests collected)
# counts as a skip, not a failure.  Then `pip install -e python/` into a
# throw-away venv, offline (skipped without python3-pip).
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
dir=$(cd "$(dirname "$MEMSPICE")" && pwd)
lib=$dir/libmemspice.so
[ -f "$lib" ] || { echo "FAIL: no $lib (make all builds it)"; exit 1; }
preload="" select=()
san=$(ldd "$lib" 2>/dev/null | awk '/lib(asan|ubsan)\.so/ {print $3}' | sort | tr '\n' ' ')
if [ -n "$san" ]; then
    preload=$san select=(-k "not memory_does_not_grow")
    # no leak check: python and torch keep their allocations at exit (thousands of reports);
    # memspice's own leaks are the C and CLI tests' job.  Appended: the last setting wins.
    export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
    echo "sanitizer build: preloading $san"
fi
for m in numpy pytest; do
    "$PY" -c "import $m" 2>/dev/null || { echo "FAIL: $PY has no $m (make deps installs python3-$m)"; exit 1; }
done
export MEMSPICE MEMSPICE_LIB=$lib PYTHONDONTWRITEBYTECODE=1
LD_PRELOAD=$preload "$PY" -m pytest -q -p no:cacheprovider "${select[@]}" tests/python
rc=$?
if [ $rc -eq 5 ]; then echo "skip: no Python tests collected"; rc=0; fi

# `pip install -e python/` (pyproject.toml, setuptools >= 64), offline: into a
# throw-away venv that sees Debian's pip and setuptools (python3-pip), no
# index, no build isolation; the installed package must be this tree's.
pip_editable() {
    local tmp v out
    tmp=$(mktemp -d) v=$tmp/venv
    "$PY" -m venv --without-pip --system-site-packages "$v" || { rm -rf "$tmp"; echo "FAIL: $PY -m venv"; return 1; }
    if ! "$v/bin/python" -m pip --version >/dev/null 2>&1; then
        rm -rf "$tmp"; echo "skip: pip install -e: no pip for $PY (make deps installs python3-pip)"; return 0
    fi
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$v/bin/python" -m pip install -q --no-index --no-cache-dir \
        --no-build-isolation --no-deps -e python/ || { rm -rf "$tmp"; echo "FAIL: pip install -e python/"; return 1; }
    # a memspice installed for another tree (`make python` there: a symlink in
    # dist-packages) would shadow the editable install: leave such entries out
    out=$(tree=$(pwd -P) && cd "$tmp" && PYTHONPATH= TREE=$tree ROOT=$tree "$v/bin/python" -c '
import importlib.metadata as md, os, sys
mine = os.path.join(os.environ["TREE"], "python", "memspice")
sys.path = [p for p in sys.path if not (os.path.isdir(os.path.join(p, "memspice")) and
                                        os.path.realpath(os.path.join(p, "memspice")) != mine)]
import memspice
n = memspice.Network(os.path.join(os.environ["ROOT"], "tests/python/data/tiny.cir"))
print(os.path.realpath(memspice.__file__), md.version("memspice"), n.n_inputs)' 2>&1)
    rm -rf "$tmp"
    if [ "$out" != "$(pwd -P)/python/memspice/__init__.py 0.1.0 3" ]; then
        echo "FAIL: pip install -e python/: the venv's memspice: $out"; return 1
    fi
    echo "ok: pip install -e python/ (offline venv): memspice from python/memspice"
}
if [ -n "$san" ]; then echo "skip: pip install -e: sanitizer build"; exit $rc; fi
ROOT=$PWD pip_editable || rc=1
exit $rc
