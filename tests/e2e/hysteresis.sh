#!/usr/bin/env bash
# hysteresis.sh — the memristor of netlists/memristor_biolek.cir shows a
# pinched hysteresis loop (tests/tools/hysteresis.py): its current is zero
# whenever its voltage is (|i| <= 1e-3 max|i| at every zero crossing of
# v(in)), every lobe of the i-v curve encloses an area (>= 2 % of
# max|v| max|i|), and the lobes have the areas ngspice gives them (0.5 %).
# The checker must reject a resistor (no area) and an RC (current at zero
# voltage), so that it can fail.  tools/plot_hysteresis.sh draws the loop
# into a PNG (skipped without gnuplot).
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
NGSPICE=${NGSPICE:-ngspice}
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null || { echo "FAIL: python3 not found"; exit 1; }
PY=$(python3 -c 'import sys; print(sys.executable)')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
ok()  { n=$((n + 1)); echo "ok   $1"; }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"; }
NET=netlists/memristor_biolek.cir

if "$MEMSPICE" run "$NET" -q -o "$tmp/mb.csv" >"$tmp/log" 2>&1; then
    ref=()
    if command -v "$NGSPICE" >/dev/null && (cd "$tmp" && "$NGSPICE" -b -r "$tmp/mb.raw" "$OLDPWD/$NET") >"$tmp/ng.log" 2>&1; then
        ref=(--ref "$tmp/mb.raw" --area-rtol 0.005)
    else
        bad "ngspice $NGSPICE did not run $NET"
    fi
    if "$PY" tests/tools/hysteresis.py "$tmp/mb.csv" 'v(in)' 'i(vin)' "${ref[@]}" >"$tmp/h.out" 2>&1; then
        ok "$NET: pinched hysteresis"
    else
        bad "$NET: pinched hysteresis"
    fi
    sed 's/^/       /' "$tmp/h.out"
else
    bad "memspice failed on $NET"
    sed 's/^/     | /' "$tmp/log"
fi

# negative controls: the checker fails a resistor and an RC
cat >"$tmp/r.cir" <<'N'
resistor
Vin in 0 SIN(0 1.2 0.5)
R1 in 0 8k
.tran 2m 4 0 2m
.end
N
cat >"$tmp/rc.cir" <<'N'
RC
Vin in 0 SIN(0 1.2 0.5)
R1 in a 8k
C1 a 0 20u
.tran 2m 4 0 2m
.end
N
for c in r rc; do
    if ! "$MEMSPICE" run "$tmp/$c.cir" -q -o "$tmp/$c.csv" >"$tmp/log" 2>&1; then
        bad "memspice failed on the $c control"
        continue
    fi
    "$PY" tests/tools/hysteresis.py "$tmp/$c.csv" 'v(in)' 'i(vin)' >"$tmp/h.out" 2>&1
    rc=$?
    if [ "$rc" -eq 1 ]; then
        ok "the checker rejects the $c control: $(grep FAIL "$tmp/h.out" | head -1)"
    else
        bad "the checker accepts the $c control (exit $rc)"
        sed 's/^/       /' "$tmp/h.out"
    fi
done

# the plot
if command -v gnuplot >/dev/null; then
    if MEMSPICE="$MEMSPICE" tools/plot_hysteresis.sh "$NET" "$tmp/loop.png" >"$tmp/plot.log" 2>&1 &&
        [ "$(head -c 8 "$tmp/loop.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
        [ "$(wc -c <"$tmp/loop.png")" -gt 10000 ]; then
        ok "tools/plot_hysteresis.sh wrote a PNG ($(wc -c <"$tmp/loop.png") bytes)"
    else
        bad "tools/plot_hysteresis.sh: no PNG"
        sed 's/^/     | /' "$tmp/plot.log"
    fi
    if MEMSPICE="$MEMSPICE" tools/plot_hysteresis.sh "$NET" "$tmp/x.png" 'v(nosuch)' >"$tmp/plot.log" 2>&1; then
        bad "tools/plot_hysteresis.sh accepts an unknown vector"
    elif [ -e "$tmp/x.png" ]; then
        bad "tools/plot_hysteresis.sh wrote a PNG for an unknown vector"
    else
        ok "tools/plot_hysteresis.sh refuses an unknown vector: $(tail -1 "$tmp/plot.log")"
    fi
else
    echo "skip tools/plot_hysteresis.sh: gnuplot not found"
fi

echo "hysteresis: $n checks, $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
