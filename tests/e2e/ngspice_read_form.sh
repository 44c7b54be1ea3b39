#!/usr/bin/env bash
# ngspice_read_form.sh — tools/mknet --cells read, the ngspice form in which
# each synapse cell is a B source at its fixed state (the form bench/fidelity.py
# runs MNIST networks in): in ngspice it gives the same waveforms as the full
# memr_yakopcic form while every cell stays in its read window, and memspice
# agrees with it; a row driven out of the window makes the two forms differ
# (the comparison can fail, and it says where the read form stops being
# exact); bad requests are clear errors.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
command -v ngspice >/dev/null || { echo "ngspice_read_form: ngspice not installed"; exit 1; }
PY=/usr/bin/python3

# largest difference between the saved vectors of two ngspice raw files,
# relative to each vector's range (the time grids are interpolated)
rawdiff() {
    "$PY" - "$1" "$2" <<'EOF'
import sys
sys.path.insert(0, "tests/tools")
import numpy as np
import wavecmp
_, a, _ = wavecmp.read_raw(sys.argv[1])
_, b, _ = wavecmp.read_raw(sys.argv[2])
worst = 0.0
for k in b:
    if k == "time":
        continue
    d = np.abs(np.interp(b["time"], a["time"], a[k]) - np.array(b[k])).max()
    worst = max(worst, d / max(np.ptp(b[k]), 1e-3))
print("%.3g" % worst)
EOF
}
ngraw() { (cd "$tmp" && ngspice -b -r "$2" "$1" >"$tmp/ng.log" 2>&1) && [ -s "$tmp/$2" ]; }

printf '0.2 0.9 0.5 0 1 0.3\n' >"$tmp/sample.txt"
# (tight tolerances in both simulators, so that the check compares circuits, not step control)
if ! "$PY" tools/mknet --layers 6,4,3 --steps 25 --tstep 1u --seed 3 --sample "$tmp/sample.txt" \
        --options "reltol=1e-6 abstol=1e-12 vntol=1e-9" -o "$tmp/net.cir" >"$tmp/err" 2>&1; then
    bad "tools/mknet --layers 6,4,3"; summary ngspice_read_form; exit
fi
for c in read full; do
    "$PY" tools/mknet --ngspice-of "$tmp/net.cir" --cells $c -o "$tmp/$c.cir" 2>"$tmp/err" ||
        bad "mknet --ngspice-of --cells $c"
done

# ---- the read form: one B source per cell, no subcircuit, the trained state in it ----
cells=$(grep -c '^ *ymemristor' "$tmp/net.cir")
nb=$(grep -c '^bm[0-9]*[pn]_.* I={.*sinh(' "$tmp/read.cir")
if [ "$cells" -gt 0 ] && [ "$nb" -eq "$cells" ] && ! grep -q 'memr_yakopcic [^ ]*x0' "$tmp/read.cir"; then
    ok "read form: $nb B-source cells for $cells YMEMRISTOR cells, no memr_yakopcic instance"
else bad "read form: $nb B sources for $cells cells"; fi
# the first cell's gain is a1 * x0 (a1 = 0.17 in models/synapse.lib's syn model)
x0=$(grep -m1 -i '^ *ymemristor m1p_0_0 ' "$tmp/net.cir" | sed -E 's/.*x0=([^ ]+).*/\1/')
gain=$(grep -m1 '^bm1p_0_0 ' "$tmp/read.cir" | sed -E 's/.*I=\{([^*]+)\*.*/\1/')
"$PY" -c "import sys; sys.exit(abs(0.17 * $x0 - $gain) > 1e-15)" && ok "m1p_0_0: gain a1 x0 = $gain" ||
    bad "m1p_0_0: gain $gain, want 0.17 x $x0"

# ---- in ngspice, the read form and the full form give the same waveforms ----
if ngraw "$tmp/read.cir" read.raw && ngraw "$tmp/full.cir" full.raw; then
    d=$(rawdiff "$tmp/read.raw" "$tmp/full.raw")
    "$PY" -c "import sys; sys.exit($d > 1e-6)" && ok "ngspice: read form = full form (largest difference $d of range)" ||
        bad "ngspice: read and full forms differ by $d of range"
else bad "ngspice failed on a form"; fi

# ---- memspice (native cells) against ngspice on the read form ----
if run 0 "check net.cir --against read.cir" check "$tmp/net.cir" --against "$tmp/read.cir"; then
    grep -q '^result: pass' "$tmp/out" && ok "memspice check against the read form: pass" ||
        bad "memspice check against the read form: no 'result: pass'"
fi

# ---- outside the read window the state moves: the forms differ, and the test sees it ----
for c in read full; do
    sed -E 's/^(vin1 r1_1 0 )DC [^ ]+/\1DC 0.5/' "$tmp/$c.cir" >"$tmp/${c}_hot.cir"
done
if grep -q '^vin1 r1_1 0 DC 0.5' "$tmp/read_hot.cir" && ngraw "$tmp/read_hot.cir" rh.raw &&
        ngraw "$tmp/full_hot.cir" fh.raw; then
    d=$(rawdiff "$tmp/rh.raw" "$tmp/fh.raw")
    "$PY" -c "import sys; sys.exit($d < 1e-3)" && ok "a 0.5 V row (outside the window): the forms differ by $d of range" ||
        bad "a 0.5 V row: the forms still agree ($d): the comparison cannot fail"
else bad "the out-of-window decks did not run"; fi

# ---- bad requests ----
sed -E '0,/^ *ymemristor m1p_0_0 /s/x0=[^ ]+/x0={xs}/' "$tmp/net.cir" >"$tmp/expr.cir"
if "$PY" tools/mknet --ngspice-of "$tmp/expr.cir" --cells read -o "$tmp/x.cir" >"$tmp/out" 2>"$tmp/err"; then
    bad "an expression x0 in the read form: exit 0"
else
    grep -q 'YMEMRISTOR m1p_0_0: --cells read needs numeric a1, a2, b and x0' "$tmp/err" && [ ! -e "$tmp/x.cir" ] &&
        ok "an expression x0: a clear error naming the cell, no output" || bad "an expression x0: message or output"
fi
if "$PY" tools/mknet --ngspice-of "$tmp/net.cir" --cells half -o "$tmp/x.cir" >"$tmp/out" 2>"$tmp/err"; then
    bad "--cells half: exit 0"
else
    grep -q "invalid choice: 'half'" "$tmp/err" && ok "--cells half: refused with the choices" || bad "--cells half: message"
fi
summary ngspice_read_form
