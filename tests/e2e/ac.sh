#!/usr/bin/env bash
# ac.sh — the .ac analysis end to end: `memspice check` agrees with ngspice
# on the AC decks (netlists/rc_lowpass_ac.cir, tests/ac/*.cir: every linear
# kind with source phases, diodes and behavioral sources at a bias, a linear
# sweep), and a deliberately different pair fails; `memspice run` writes
# raw files as ngspice does (the header lines compared with `ngspice -b -r`,
# the values to 1e-12 of ngspice's, the binary file loaded by ngspice
# itself), CSV checked against |H| = 1/sqrt(1 + (wRC)^2) and its phase,
# HDF5 as a complex compound, and .tran with .ac writes both results; a deck
# with .op, .dc, .tran and .ac (tests/ac/all_analyses.cir) is checked in all
# four analyses and -o follows README's one rule (OUT, OUT_dc.EXT, OUT_ac.EXT;
# each file compared with ngspice's plot), for raw, stdout and --inputs too.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash

# ---- memspice check agrees with ngspice ----
for f in netlists/rc_lowpass_ac.cir tests/ac/*.cir; do
    "$MEMSPICE" check "$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 0 ] && grep -q '^ac: memspice' "$tmp/out" && ! sanitizer; then ok "check $f"; else bad "check $f (exit $rc)"; fi
done

# ---- a different circuit is a mismatch (exit 1), naming the AC rows ----
sed 's/^R1 in out 1k/R1 in out 1.01k/' netlists/rc_lowpass_ac.cir >"$tmp/other.cir"
"$MEMSPICE" check netlists/rc_lowpass_ac.cir --against "$tmp/other.cir" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q 'v(out) (ac)' "$tmp/err"; then ok "check: R 1% off is an AC mismatch"; else bad "check --against (exit $rc)"; fi

# ---- raw files as ngspice writes them ----
net=netlists/rc_lowpass_ac.cir
(cd "$tmp" && SPICE_ASCIIRAWFILE=1 ngspice -b -r ng.raw "$OLDPWD/$net" >/dev/null 2>&1)
"$MEMSPICE" run "$net" -o "$tmp/ms.raw" --ascii -q 2>"$tmp/err"
if [ -s "$tmp/ng.raw" ] && [ -s "$tmp/ms.raw" ]; then
    for key in 'Plotname:' 'Flags:' 'No. Variables:' 'No. Points:'; do
        a=$(grep "^$key" "$tmp/ng.raw" | sed 's/ *$//'); b=$(grep "^$key" "$tmp/ms.raw")
        if [ "$a" = "$b" ]; then ok "raw header '$b'"; else bad "raw header: ngspice '$a', memspice '$b'"; fi
    done
    a=$(grep -P '^\t0\t' "$tmp/ng.raw"); b=$(grep -P '^\t0\t' "$tmp/ms.raw")
    if [ "$a" = "$b" ]; then ok "raw scale line (frequency, grid=3)"; else bad "raw scale line: '$a' vs '$b'"; fi
    python3 - "$tmp/ng.raw" "$tmp/ms.raw" >"$tmp/cmp" 2>&1 <<'EOF'
import sys
def read(path):
    lines = open(path).read().split('\n')
    names, i = [], lines.index('Variables:') + 1
    while not lines[i].startswith('Values:'):
        names.append(lines[i].split()[1]); i += 1
    toks = ' '.join(lines[i + 1:]).split()
    n, pts = len(names), []
    for k in range(0, len(toks), n + 1):
        pts.append([complex(*map(float, t.split(','))) for t in toks[k + 1:k + 1 + n]])
    return names, pts
na, a = read(sys.argv[1]); nb, b = read(sys.argv[2])
assert len(a) == len(b) and len(a) > 10, (len(a), len(b))
worst = 0
for name in na:
    if name not in nb: continue
    i, j = na.index(name), nb.index(name)
    for pa, pb in zip(a, b):
        worst = max(worst, abs(pa[i] - pb[j]) if name != 'frequency' else abs(pa[i].real - pb[j].real) / pa[i].real)
print('worst', worst)
sys.exit(0 if worst < 1e-12 else 1)
EOF
    if [ $? -eq 0 ]; then ok "raw values equal ngspice's ($(cat "$tmp/cmp"))"; else bad "raw values: $(cat "$tmp/cmp")"; fi
else
    bad "no raw file from ngspice or memspice"
fi
# the binary raw file loads in ngspice
"$MEMSPICE" run "$net" -o "$tmp/msb.raw" -q 2>"$tmp/err"
printf 'load\n.control\nload %s\nprint v(out)[20]\n.endc\n.end\n' "$tmp/msb.raw" >"$tmp/load.cir"
ngspice -b "$tmp/load.cir" >"$tmp/load.out" 2>&1
if grep -q 'v(out)\[20\] = 9.96067.e-01,-6.2584.e-02' "$tmp/load.out"; then ok "ngspice loads the binary raw file"; else bad "ngspice load: $(grep -i 'v(out)\|error' "$tmp/load.out" | head -3)"; fi

# ---- CSV: re/im columns against the closed form ----
"$MEMSPICE" run "$net" -o "$tmp/ms.csv" -q 2>"$tmp/err"
python3 - "$tmp/ms.csv" >"$tmp/cmp" 2>&1 <<'EOF'
import csv, math, sys
rows = list(csv.reader(open(sys.argv[1])))
head = rows[0]
assert head[0] == 'frequency' and 're(v(out))' in head and 'im(v(out))' in head, head
i, j = head.index('re(v(out))'), head.index('im(v(out))')
worst = 0
for r in rows[1:]:
    f, h = float(r[0]), complex(float(r[i]), float(r[j]))
    wrc = 2 * math.pi * f * 1e3 * 1e-6
    worst = max(worst, abs(abs(h) - 1 / math.sqrt(1 + wrc * wrc)), abs(math.atan2(h.imag, h.real) + math.atan(wrc)))
print('points', len(rows) - 1, 'worst', worst)
sys.exit(0 if worst < 1e-12 and len(rows) == 102 else 1)
EOF
if [ $? -eq 0 ]; then ok "CSV magnitude and phase ($(cat "$tmp/cmp"))"; else bad "CSV: $(cat "$tmp/cmp")"; fi

# ---- HDF5: /frequency and complex compounds {r, i} ----
"$MEMSPICE" run "$net" -o "$tmp/ms.h5" -q 2>"$tmp/err"
if command -v h5dump >/dev/null; then
    h5dump -H "$tmp/ms.h5" >"$tmp/h5" 2>&1
    if grep -q 'DATASET "frequency"' "$tmp/h5" && grep -q 'H5T_IEEE_F64LE "r";' "$tmp/h5" && grep -q 'H5T_IEEE_F64LE "i";' "$tmp/h5"; then
        ok "HDF5 complex layout"
    else
        bad "HDF5 layout: $(head -20 "$tmp/h5")"
    fi
fi

# ---- .tran and .ac in one netlist: both results, the AC beside the transient ----
{ grep -v '^\.end' "$net"; echo '.tran 10u 5m'; echo '.end'; } >"$tmp/both.cir"
"$MEMSPICE" run "$tmp/both.cir" -o "$tmp/both.csv" -q 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && head -1 "$tmp/both.csv" | grep -q '^time,' && head -1 "$tmp/both_ac.csv" | grep -q '^frequency,'; then
    ok ".tran + .ac: both.csv and both_ac.csv"
else
    bad ".tran + .ac (exit $rc)"
fi
# ---- .op + .dc + .tran + .ac: check compares all four; -o's one rule ----
all=tests/ac/all_analyses.cir
"$MEMSPICE" check "$all" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^transient: memspice' "$tmp/out" && grep -q '^DC sweep: ' "$tmp/out" &&
    grep -q '^ac: memspice' "$tmp/out" && grep -q '^operating point:' "$tmp/out"; then
    ok "check compares op, dc, tran and ac of one deck"
else
    bad "check of all four analyses (exit $rc)"
fi
(cd "$tmp" && ngspice -b -r all_ng.raw "$OLDPWD/$all" >/dev/null 2>&1)
"$MEMSPICE" run "$all" -o "$tmp/all.csv" -q >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && head -1 "$tmp/all.csv" | grep -q '^time,' && head -1 "$tmp/all_dc.csv" | grep -q '^v(v-sweep),' &&
    head -1 "$tmp/all_ac.csv" | grep -q '^frequency,' && grep -q 'Operating point' "$tmp/out"; then
    ok "run -o all.csv: transient in all.csv, sweep in all_dc.csv, AC in all_ac.csv"
else
    bad "run -o with four analyses (exit $rc)"
fi
for pair in "all.csv Transient" "all_dc.csv DC" "all_ac.csv AC"; do
    set -- $pair
    if python3 tests/tools/wavecmp.py "$tmp/$1" "$tmp/all_ng.raw" --plot "$2" --tol 1e-3 >"$tmp/cmp" 2>&1; then
        ok "$1 agrees with ngspice's $2 plot"
    else
        bad "$1 vs ngspice's $2 plot: $(grep -v '^ok' "$tmp/cmp" | head -3)"
    fi
done
# the same rule for raw files, and for a deck without .tran: the sweep in OUT, the AC beside it
grep -v '^\.tran' "$all" >"$tmp/dcac.cir"
"$MEMSPICE" run "$tmp/dcac.cir" -o "$tmp/dcac.raw" -q >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -aq '^Plotname: DC transfer characteristic' "$tmp/dcac.raw" &&
    grep -aq '^Plotname: AC Analysis' "$tmp/dcac_ac.raw" && [ ! -e "$tmp/dcac_dc.raw" ]; then
    ok ".dc + .ac: the sweep in dcac.raw, the AC in dcac_ac.raw"
else
    bad ".dc + .ac outputs (exit $rc)"
fi
# -o -: every result to stdout, the main one first
"$MEMSPICE" run "$all" -o - --format csv -q >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(grep -n '^time,\|^v(v-sweep),\|^frequency,' "$tmp/out" | cut -d, -f1 | cut -d: -f2 | tr '\n' ' ')" = "time v(v-sweep) frequency " ]; then
    ok "-o -: transient, sweep and AC tables in that order"
else
    bad "-o - with four analyses (exit $rc)"
fi
# --inputs: the same rule per input file; stems that would collide are refused
mkdir -p "$tmp/in"
echo 'v1 sin(0.8 0.1 1k)' >"$tmp/in/a.txt"
"$MEMSPICE" run "$all" --inputs "$tmp/in" -o "$tmp/res" --format csv -q 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && head -1 "$tmp/res/a.csv" | grep -q '^time,' && head -1 "$tmp/res/a_dc.csv" | grep -q '^v(v-sweep),' &&
    head -1 "$tmp/res/a_ac.csv" | grep -q '^frequency,'; then
    ok "--inputs: a.csv, a_dc.csv, a_ac.csv"
else
    bad "--inputs with four analyses (exit $rc)"
fi
echo 'v1 sin(0.8 0.2 1k)' >"$tmp/in/a_ac.txt"
rm -rf "$tmp/res2"
"$MEMSPICE" run "$all" --inputs "$tmp/in" -o "$tmp/res2" --format csv -q 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "a_ac.txt" "$tmp/err" && [ ! -e "$tmp/res2/a.csv" ]; then
    ok "--inputs: a and a_ac refused before any run"
else
    bad "--inputs stem collision (exit $rc)"
fi

# ---- a run without -o still runs (and an .ac-only deck computes no printed .op) ----
"$MEMSPICE" run "$net" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && ! grep -q 'Operating point' "$tmp/out" && grep -q 'ac: 101 frequencies' "$tmp/err"; then ok "run without -o"; else bad "run without -o (exit $rc)"; fi

summary ac
