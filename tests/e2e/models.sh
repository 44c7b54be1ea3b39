#!/usr/bin/env bash
# models.sh — the device model libraries of models/ (issue 5).
#
# Memristors, per level (tests/models/<name>_native.cir, <name>_ngspice.cir):
#   native    memspice runs each native level (YMEMRISTOR) next to its
#             reference subcircuit of models/memristors.lib, pair by pair
#             on one ideal source, under a sine and a triangular drive;
#             states, currents (and device voltages) agree to 1e-9 of the
#             reference's peak (tests/tools/native_ref.py).  The equations
#             are identical and both see the same time steps, so only the
#             Newton tolerance and the reference's 1e12 ohm state leak
#             separate them (measured: 3e-11 for HP over 4 s, <= 4e-14 for
#             the others).  A level memspice reports as "not implemented
#             yet" is skipped with a notice (its reference still runs);
#   loops     both drives give pinched hysteresis loops
#             (tests/tools/hysteresis.py; TEAM's offset drive has small
#             negative lobes: --area 5e-4 there);
#   ngspice   `memspice check` on the reference-only netlist: ngspice and
#             memspice agree within the checker's default tolerances;
#   twins     the reference-only netlist is the reference half of the
#             native one (same drive and instance lines).
# MIF neuron:
#   netlists/mif_neuron.cir (behavioral, memr_mms): the behaviour (rest,
#   depolarisation, spike, hyperpolarisation, repolarisation) and the
#   authors' discrete model (tests/tools/mif_check.py); against ngspice
#   (memspice check); tests/models/mif_native.cir (native level 5, same
#   drive) against it to 1e-9, and the same behaviour.
# Synapses: tests/models/synapse_read.cir (tests/tools/synapse_check.py:
#   reads inside the window leave the state untouched, reads above it drift
#   as the equation says, the pair's current gives the signed weight), and
#   against ngspice.
# Plot: tools/plot_mif.sh writes a PNG (skipped without gnuplot) and
#   refuses an unknown vector.
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null || { echo "FAIL: python3 not found"; exit 1; }
PY=$(python3 -c 'import sys; print(sys.executable)')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0 nskip=0
ok()   { n=$((n + 1)); echo "ok   $1"; }
bad()  { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"; }
skip() { nskip=$((nskip + 1)); echo "skip $1"; }
indent() { sed 's/^/       /' "$1"; }
# sim NETLIST OUT.csv: memspice run; 0 ok, 3 "not implemented yet", 1 other failure
sim() {
    "$MEMSPICE" run "$1" -q -o "$2" >"$tmp/log" 2>&1 && return 0
    grep -q 'not implemented yet' "$tmp/log" && return 3
    return 1
}
# check NETLIST: memspice check against ngspice, with the worst figures
check() {
    if "$MEMSPICE" check "$1" >"$tmp/chk" 2>&1; then
        ok "$1: memspice and ngspice agree ($("$PY" - "$tmp/chk" <<'PY'
import sys
sig = []   # (name, err/range) from the transient table: name, max|error|, unit, at, s, err/range, ...
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 12 and f[0][:2] in ("v(", "i(") and f[-1] in ("pass", "FAIL"):
        sig.append((f[0], float(f[5])))
def worst(pred):
    s = [x for x in sig if pred(x[0])]
    return "%s %.1e" % max(s, key=lambda x: x[1]) if s else None
parts = [worst(lambda n: n.startswith("v(") and n.endswith(".x)")), worst(lambda n: n.startswith("i(")),
         worst(lambda n: n.startswith("v(") and not n.endswith(".x)"))]
print("worst err/range: " + ", ".join(p for p in parts if p) + "; allowed 1e-3 (v), 1e-2 (i)")
PY
))"
    else
        bad "$1: memspice check failed"
        grep -E 'FAIL|result|error' "$tmp/chk" | head -12 | sed 's/^/     | /'
    fi
}

# ---- memristor levels ----
for spec in hp:1 team:2 yakopcic:3 vteam:7 mms:5 pku:6; do
    name=${spec%%:*} level=${spec##*:}
    nat=tests/models/${name}_native.cir ref=tests/models/${name}_ngspice.cir
    # the reference-only netlist is the reference half of the native one
    missing=$(grep -v '^\*' "$ref" | tail -n +2 | grep -v '^\.save\|^+\|^\.end\|^\.include' |
        while IFS= read -r line; do grep -qxF -- "$line" "$nat" || echo "$line"; done)
    [ -z "$missing" ] && ok "$ref: the reference half of $nat" ||
        { bad "$ref: lines not in $nat:"; echo "$missing" | head -5 | sed 's/^/     | /'; }
    vs='v(s)' vt='v(t)'
    [ "$name" = team ] && vs='v(ns1)' vt='v(nt1)'
    area=()
    [ "$name" = team ] && area=(--area 5e-4)
    sim "$nat" "$tmp/$name.csv"
    rc=$?
    if [ $rc -eq 0 ]; then
        if "$PY" tests/tools/native_ref.py "$tmp/$name.csv" --tol 1e-9 >"$tmp/nr" 2>&1; then
            ok "level $level ($name): native = reference, sine and triangle, $(grep -c '^ok' "$tmp/nr") pairs; $(tail -1 "$tmp/nr")"
        else
            bad "level $level ($name): native and reference differ"
            indent "$tmp/nr"
        fi
        hcsv=$tmp/$name.csv is=i\(vns1\) it=i\(vnt1\) who=native
    elif [ $rc -eq 3 ]; then
        skip "level $level ($name): memspice: $(grep -o 'memristor level.*' "$tmp/log" | head -1 | cut -c1-150) -- $nat runs once the level exists"
        if sim "$ref" "$tmp/$name.csv"; then
            hcsv=$tmp/$name.csv is=i\(vrs1\) it=i\(vrt1\) who=reference
            [ "$name" = team ] && vs='v(rs1)' vt='v(rt1)'
        else
            bad "memspice failed on $ref"
            indent "$tmp/log"
            hcsv=
        fi
    else
        bad "memspice failed on $nat"
        indent "$tmp/log"
        hcsv=
    fi
    if [ -n "$hcsv" ]; then
        for d in s t; do
            if [ $d = s ]; then V=$vs I=$is drive=sine; else V=$vt I=$it drive=triangle; fi
            if "$PY" tests/tools/hysteresis.py "$hcsv" "$V" "$I" "${area[@]}" >"$tmp/h" 2>&1; then
                ok "level $level ($name, $who): pinched hysteresis under the $drive ($(grep -o '[0-9]* lobes' "$tmp/h"))"
            else
                bad "level $level ($name, $who): no pinched hysteresis under the $drive"
                indent "$tmp/h"
            fi
        done
    fi
    check "$ref"
done

# ---- MIF neuron ----
MIF=netlists/mif_neuron.cir
if sim "$MIF" "$tmp/mif.csv"; then
    if "$PY" tests/tools/mif_check.py "$tmp/mif.csv" >"$tmp/mc" 2>&1; then
        ok "$MIF: behaves as described and follows the authors' discrete model ($(grep -c '^ok' "$tmp/mc") checks)"
    else
        bad "$MIF: tests/tools/mif_check.py"
    fi
    indent "$tmp/mc"
else
    bad "memspice failed on $MIF"
    indent "$tmp/log"
fi
check "$MIF"
NMIF=tests/models/mif_native.cir
sim "$NMIF" "$tmp/mifn.csv"
rc=$?
if [ $rc -eq 0 ]; then
    if "$PY" tests/tools/native_ref.py "$tmp/mifn.csv" "$tmp/mif.csv" --tol 1e-9 --pair 'v(mem)=v(mem)' \
        --pair 'i(vin)=i(vin)' --pair 'x(x1.m1)=v(x1.x1.x)' --pair 'x(x1.m2)=v(x1.x2.x)' >"$tmp/nr" 2>&1; then
        ok "$NMIF: native MIF = behavioral MIF; $(tail -1 "$tmp/nr")"
    else
        bad "$NMIF: native and behavioral MIF differ"
        indent "$tmp/nr"
    fi
    if "$PY" tests/tools/mif_check.py "$tmp/mifn.csv" --x1 'x(x1.m1)' --x2 'x(x1.m2)' --no-discrete >"$tmp/mc" 2>&1; then
        ok "$NMIF: behaves as described ($(grep -c '^ok' "$tmp/mc") checks)"
    else
        bad "$NMIF: tests/tools/mif_check.py"
        indent "$tmp/mc"
    fi
elif [ $rc -eq 3 ]; then
    skip "$NMIF: memspice: level 5 not implemented yet"
else
    bad "memspice failed on $NMIF"
    indent "$tmp/log"
fi

# ---- synapses ----
SYN=tests/models/synapse_read.cir
if sim "$SYN" "$tmp/syn.csv"; then
    if "$PY" tests/tools/synapse_check.py "$tmp/syn.csv" >"$tmp/sc" 2>&1; then
        ok "$SYN: read window, drift above it, signed weight ($(grep -c '^ok' "$tmp/sc") checks)"
    else
        bad "$SYN: tests/tools/synapse_check.py"
    fi
    indent "$tmp/sc"
else
    bad "memspice failed on $SYN"
    indent "$tmp/log"
fi
check "$SYN"

# ---- the MIF plot ----
if command -v gnuplot >/dev/null; then
    if MEMSPICE="$MEMSPICE" tools/plot_mif.sh "$MIF" "$tmp/mif.png" >"$tmp/plot.log" 2>&1 &&
        [ "$(head -c 8 "$tmp/mif.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
        [ "$(wc -c <"$tmp/mif.png")" -gt 20000 ]; then
        ok "tools/plot_mif.sh wrote a PNG ($(wc -c <"$tmp/mif.png") bytes)"
    else
        bad "tools/plot_mif.sh: no PNG"
        indent "$tmp/plot.log"
    fi
    if MEMSPICE="$MEMSPICE" tools/plot_mif.sh "$MIF" "$tmp/x.png" 'v(nosuch)' >"$tmp/plot.log" 2>&1; then
        bad "tools/plot_mif.sh accepts an unknown vector"
    elif [ -e "$tmp/x.png" ]; then
        bad "tools/plot_mif.sh wrote a PNG for an unknown vector"
    else
        ok "tools/plot_mif.sh refuses an unknown vector: $(tail -1 "$tmp/plot.log")"
    fi
else
    echo "skip tools/plot_mif.sh: gnuplot not found"
fi

echo "models: $n checks, $((n - fail)) passed, $fail failed, $nskip skipped"
[ "$fail" -eq 0 ]
