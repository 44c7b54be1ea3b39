#!/usr/bin/env bash
# ngspice_netlists.sh — every netlist in netlists/ runs in ngspice (-b: exit
# 0, no "error" in its output; a network of native memristor cells in its
# ngspice form, tools/mknet --ngspice-of) and in memspice (exit 0), and the results
# agree: a transient's node voltages within 1e-3 of their range on a common
# time axis, a DC sweep's vectors within 1e-3 of their range point by point,
# an AC sweep's phasors within 1e-3 of their largest magnitude point by point,
# an operating point's values within 1e-6 relative
# (tests/tools/wavecmp.py reads ngspice's raw file and memspice's CSV).
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
NGSPICE=${NGSPICE:-ngspice}
cd "$(dirname "$0")/../.."
command -v "$NGSPICE" >/dev/null || { echo "FAIL: $NGSPICE not found (make deps installs it)"; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 not found"; exit 1; }
# the interpreter itself, not a version-manager shim that costs 0.3 s a call
PY=$(python3 -c 'import sys; print(sys.executable)')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0 ntran=0
for f in netlists/*.cir; do
    n=$((n + 1))
    name=$(basename "$f" .cir)
    problems=()
    ngf=$PWD/$f   # native memristor cells: ngspice simulates the same network in its ngspice form
    if grep -qi '^ *ymemristor' "$f"; then
        ngf=$tmp/$name.ngspice.cir
        tools/mknet --ngspice-of "$f" -o "$ngf" >"$tmp/$name.ng.log" 2>&1 || problems+=("mknet --ngspice-of failed")
    fi
    (cd "$tmp" && "$NGSPICE" -b -r "$tmp/$name.raw" "$ngf") >>"$tmp/$name.ng.log" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] || problems+=("ngspice exit code $rc")
    grep -qi 'error' "$tmp/$name.ng.log" && problems+=("ngspice printed an error")
    "$MEMSPICE" run "$f" -q -o "$tmp/$name.csv" >"$tmp/$name.ms.log" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] || problems+=("memspice exit code $rc")
    if [ ${#problems[@]} -eq 0 ]; then
        if grep -qi '^[[:space:]]*\.tran' "$f"; then
            plot=Transient
            ntran=$((ntran + 1))
        elif grep -qi '^[[:space:]]*\.dc' "$f"; then
            plot=DC
        elif grep -qi '^[[:space:]]*\.ac' "$f"; then
            plot=AC
        else
            plot=Operating
        fi
        "$PY" tests/tools/wavecmp.py "$tmp/$name.csv" "$tmp/$name.raw" --plot "$plot" --tol 1e-3 \
            >"$tmp/$name.cmp" 2>&1 || problems+=("results differ")
    fi
    if [ ${#problems[@]} -gt 0 ]; then
        fail=$((fail + 1))
        echo "FAIL $f: $(IFS=';'; echo "${problems[*]}")"
        for log in ng.log ms.log cmp; do
            [ -s "$tmp/$name.$log" ] && sed "s/^/     $log| /" "$tmp/$name.$log" | grep -v '^ *ng.log| *$' | tail -15
        done
    else
        echo "ok   $f ($plot)"
        sed 's/^/       /' "$tmp/$name.cmp"
    fi
done
echo "ngspice_netlists: $n netlists ($ntran transient), $((n - fail)) passed, $fail failed"
[ "$n" -gt 0 ] && [ "$fail" -eq 0 ]
