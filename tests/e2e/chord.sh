#!/usr/bin/env bash
# chord.sh — chord iterations (transient Newton reuses factorizations; the
# default, `.options chord=0` turns them off).
# For every nonlinear transient netlist in netlists/ and an 8x4 crossbar of
# native memristors: memspice with chord iterations agrees with ngspice
# within 1e-3 of each node voltage's range (tests/tools/wavecmp.py), and with
# its own full-Newton run (chord=0) within 1e-6 (the threshold memristor:
# 1e-3); on the crossbar it factors at
# most half as often.  `memspice grad` takes full Newton steps either way (its
# adjoint replays them): gradients are identical with and without the option.
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
NGSPICE=${NGSPICE:-ngspice}
cd "$(dirname "$0")/../.."
PY=$(python3 -c 'import sys; print(sys.executable)')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

newton_only() {   # netlist -> the same with ".options chord=0" before .tran
    sed 's/^\.tran/.options chord=0\n.tran/' "$1"
}
mkdir "$tmp/nl"                      # the copies: ../models/ must resolve as from netlists/
ln -s "$PWD/models" "$tmp/models"
factorizations() { sed -n 's/.* \([0-9][0-9]*\) factorizations.*/\1/p' "$1"; }

"$PY" bench/gen_crossbar.py 8 4 --native --tstop 2e-4 -o "$tmp/xbar.cir" >/dev/null
for f in netlists/memristor_biolek.cir netlists/memristor_threshold.cir netlists/crossbar_small.cir \
         netlists/diode_rect.cir netlists/mif_neuron.cir "$tmp/xbar.cir"; do
    n=$((n + 1))
    name=$(basename "$f" .cir)
    newton_only "$f" >"$tmp/nl/$name.cir"
    "$MEMSPICE" run "$tmp/nl/$name.cir" -o "$tmp/$name.full.raw" 2>"$tmp/$name.full.log" ||
        { bad "$f: full Newton run failed"; continue; }
    "$MEMSPICE" run "$f" -o "$tmp/$name.chord.csv" 2>"$tmp/$name.chord.log" ||
        { bad "$f: chord run failed"; sed 's/^/     | /' "$tmp/$name.chord.log"; continue; }
    # the threshold memristor's state stops at a bound checked once per step,
    # where it overshoots by up to 0.14 % of its range (see the netlist): any
    # two solvers differ there by that much, as memspice and ngspice do
    self=1e-6; [ "$name" = memristor_threshold ] && self=1e-3
    "$PY" tests/tools/wavecmp.py "$tmp/$name.chord.csv" "$tmp/$name.full.raw" --plot Transient --tol "$self" \
        >"$tmp/$name.self" 2>&1 || { bad "$f: chord and full Newton differ"; sed 's/^/     | /' "$tmp/$name.self"; continue; }
    against="full Newton"
    if [ "$name" != xbar ]; then   # xbar has native devices: ngspice cannot run it
        (cd "$tmp" && "$NGSPICE" -b -r "$tmp/$name.ng.raw" "$OLDPWD/$f") >"$tmp/$name.ng.log" 2>&1
        "$PY" tests/tools/wavecmp.py "$tmp/$name.chord.csv" "$tmp/$name.ng.raw" --plot Transient --tol 1e-3 \
            >"$tmp/$name.ng" 2>&1 || { bad "$f: chord run and ngspice differ"; sed 's/^/     | /' "$tmp/$name.ng"; continue; }
        against="full Newton and ngspice"
    fi
    full=$(factorizations "$tmp/$name.full.log") chord=$(factorizations "$tmp/$name.chord.log")
    if [ "$name" = xbar ] && ! [ $((2 * ${chord:-0})) -le "${full:-0}" ] || [ -z "$chord" ]; then
        bad "$f: chord run factored ${chord:-?} times, full Newton ${full:-?} (want at most half)"
        continue
    fi
    echo "ok   $f: factorizations $full -> $chord; agrees with $against ($self, 1e-3)"
done

# grad: the option must not change the gradients
for g in rc_grad biolek_grad; do
    n=$((n + 1))
    newton_only "tests/grad/$g.cir" >"$tmp/nl/$g.cir"
    if "$MEMSPICE" grad "tests/grad/$g.cir" -o "$tmp/$g.full.csv" >/dev/null 2>&1 &&
        "$MEMSPICE" grad "$tmp/nl/$g.cir" -o "$tmp/$g.chord.csv" >/dev/null 2>&1 &&
        cmp -s "$tmp/$g.full.csv" "$tmp/$g.chord.csv"; then
        echo "ok   grad $g: identical gradients with and without .options chord=0"
    else
        bad "grad $g: gradients differ (or a run failed) with .options chord=0"
    fi
done

echo "chord: $n checks, $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
