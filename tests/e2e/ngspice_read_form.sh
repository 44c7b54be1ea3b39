#!/usr/bin/env bash
# ngspice_read_form.sh — tools/mknet --cells read, the ngspice form in which
# each synapse cell is a B source at its fixed state, and --cells diode, the
# same current from two antiparallel diodes (the form bench/fidelity.py runs
# MNIST networks in): in ngspice they give the same waveforms as the full
# memr_yakopcic form while every cell stays in its read window, and memspice
# agrees with them; a row driven out of the window makes the forms differ
# (the comparison can fail, and it says where the read forms stop being
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
for c in read full diode; do
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

# ---- the diode form: two diodes per cell, IS area = a1 x0 / 2, same waveforms as the read form ----
nd=$(grep -c '^dm[0-9]*[pn]_[0-9b]*_[0-9]*_[fr] ' "$tmp/diode.cir")
area=$(grep -m1 '^dm1p_0_0_f r1_0 c1p_0 ' "$tmp/diode.cir" | sed -E 's/.*area=([^ ]+).*/\1/')
if [ "$nd" -eq $((2 * cells)) ] && grep -q '^dm1p_0_0_r c1p_0 r1_0 ' "$tmp/diode.cir" &&
        "$PY" -c "import sys; sys.exit(abs(0.17 * $x0 / 2 - $area) > 1e-15)"; then
    ok "diode form: $nd diodes for $cells cells, m1p_0_0 area a1 x0 / 2 = $area"
else bad "diode form: $nd diodes for $cells cells, m1p_0_0 area '$area' (x0 $x0)"; fi
if ngraw "$tmp/diode.cir" diode.raw && [ -s "$tmp/read.raw" ]; then
    d=$(rawdiff "$tmp/diode.raw" "$tmp/read.raw")
    "$PY" -c "import sys; sys.exit($d > 1e-6)" && ok "ngspice: diode form = read form (largest difference $d of range)" ||
        bad "ngspice: diode and read forms differ by $d of range"
else bad "ngspice failed on the diode form"; fi

# ---- memspice (native cells) against ngspice on the read form ----
if run 0 "check net.cir --against read.cir" check "$tmp/net.cir" --against "$tmp/read.cir"; then
    grep -q '^result: pass' "$tmp/out" && ok "memspice check against the read form: pass" ||
        bad "memspice check against the read form: no 'result: pass'"
fi

# ---- outside the read window the state moves: the forms differ, and the test sees it ----
for c in read full diode; do
    sed -E 's/^(vin1 r1_1 0 )DC [^ ]+/\1DC 0.5/' "$tmp/$c.cir" >"$tmp/${c}_hot.cir"
done
if grep -q '^vin1 r1_1 0 DC 0.5' "$tmp/read_hot.cir" && ngraw "$tmp/full_hot.cir" full_hot.raw; then
    for c in read diode; do
        if ngraw "$tmp/${c}_hot.cir" ${c}_hot.raw; then
            d=$(rawdiff "$tmp/${c}_hot.raw" "$tmp/full_hot.raw")
            "$PY" -c "import sys; sys.exit($d < 1e-3)" &&
                ok "a 0.5 V row (outside the window): the $c and full forms differ by $d of range" ||
                bad "a 0.5 V row: the $c form still agrees with the full one ($d): the comparison cannot fail"
        else bad "the out-of-window $c deck did not run"; fi
    done
else bad "the out-of-window full deck did not run"; fi

# ---- bad requests: a clear error on stderr, no output ----
refused() {   # refused FILE CELLS WHAT PATTERN
    if "$PY" tools/mknet --ngspice-of "$1" --cells "$2" -o "$tmp/x.cir" >"$tmp/out" 2>"$tmp/err"; then
        bad "$3: exit 0"
    else
        grep -q "$4" "$tmp/err" && [ ! -e "$tmp/x.cir" ] && ok "$3: refused, a clear error, no output" ||
            bad "$3: message or output"
    fi
}
sed -E '0,/^ *ymemristor m1p_0_0 /s/x0=[^ ]+/x0={xs}/' "$tmp/net.cir" >"$tmp/expr.cir"
refused "$tmp/expr.cir" read "an expression x0 in the read form" \
    'YMEMRISTOR m1p_0_0: --cells read needs numeric a1, a2, b and x0'
# a diode pair is symmetric: a1 != a2 is refused (the read form's ternary covers it)
sed -E 's/^(\.model syn memristor .*)a2=[^ ]+/\1a2=0.2/' "$tmp/net.cir" >"$tmp/asym.cir"
grep -q '^\.model syn memristor .*a2=0.2' "$tmp/asym.cir" || bad "could not write an a1 != a2 netlist"
refused "$tmp/asym.cir" diode "a1 != a2 in the diode form" 'YMEMRISTOR m1p_0_0: --cells diode needs a1 = a2'
# N is set for 27 C: a netlist at another temperature is refused
sed -E 's/^\.end$/.temp 50\n.end/' "$tmp/net.cir" >"$tmp/hot.cir"
refused "$tmp/hot.cir" diode ".temp 50 in the diode form" 'diode.*27 C.*\.temp 50'
refused "$tmp/net.cir" half "--cells half" "invalid choice: 'half'"
summary ngspice_read_form
