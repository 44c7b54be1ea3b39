#!/usr/bin/env bash
# dc.sh — the .dc analysis end to end: `memspice run` writes the sweep with
# ngspice's scale name in every format (the raw header is compared with the
# one ngspice 39 writes for the same deck: plot name, points, scale
# variable); `memspice check` agrees with ngspice on a diode I-V, a nested
# sweep, an I-source sweep and a memristor's quasi-static I-V, and catches a
# different circuit; a deck with .op and .dc prints the operating point and
# writes the sweep; bad .dc cards are errors (the cards themselves are in
# tests/malformed/dc_*.cir, run by malformed.sh).
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
FIX=tests/check

# ---- memspice run: every format names the scale as ngspice does ----
deck=netlists/diode_iv_dc.cir
if "$MEMSPICE" run "$deck" -o "$tmp/iv.csv" >"$tmp/out" 2>"$tmp/err" && ! sanitizer; then
    head -1 "$tmp/iv.csv" | grep -qx 'v(v-sweep),v(k),i(v1)' && [ "$(wc -l <"$tmp/iv.csv")" -eq 252 ] &&
        ok "run -o csv: scale column v(v-sweep), 251 points" || bad "run -o csv: header or point count"
else bad "run $deck -o csv"; fi

# the raw header as ngspice writes it for the same deck (ngspice -b -r)
if command -v ngspice >/dev/null; then
    (cd "$tmp" && ngspice -b -r ng.raw "$OLDPWD/$deck" >/dev/null 2>&1)
    for fmt in raw rawascii; do
        if "$MEMSPICE" run "$deck" -o "$tmp/ms.raw" --format $fmt -q >"$tmp/out" 2>"$tmp/err" && ! sanitizer; then
            hdr() { LC_ALL=C grep -a -E '^(Plotname|No\. Points):|^	0	' "$1" | tr -s ' \t' ' ' | sed 's/ *$//'; }
            if [ -s "$tmp/ng.raw" ] && [ "$(hdr "$tmp/ms.raw")" = "$(hdr "$tmp/ng.raw")" ]; then
                ok "$fmt header = ngspice's (DC transfer characteristic, 251 points, v(v-sweep) voltage)"
            else
                bad "$fmt header differs from ngspice's"
                diff <(hdr "$tmp/ms.raw") <(hdr "$tmp/ng.raw") | sed 's/^/     /'
            fi
        else bad "run --format $fmt"; fi
    done
else
    bad "ngspice not found (needed to compare the raw header)"
fi

# HDF5: the scale is a root dataset named like the raw file's, and an attribute
if "$MEMSPICE" run "$deck" -o "$tmp/iv.h5" -q 2>"$tmp/err" && ! sanitizer; then
    if python3 -c 'import h5py' 2>/dev/null; then
        python3 - "$tmp/iv.h5" <<'EOF' && ok "h5: /v(v-sweep) (V), scale attribute, 251 points" || bad "h5 layout"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert f.attrs["scale"] == "v(v-sweep)", f.attrs["scale"]
assert f.attrs["plotname"] == "DC transfer characteristic"
s = f["v(v-sweep)"]
assert s.attrs["units"] == "V" and s.shape == (251,) and abs(s[0] + 1) < 1e-15 and abs(s[-1] - 1.5) < 1e-15
assert f["signals"]["v(k)"].shape == (251,)
EOF
    else
        ok "h5 written (h5py not installed: layout not inspected)"
    fi
else bad "run -o h5"; fi

# ---- .op and .dc in one deck: the operating point printed, -o holds the sweep ----
printf 'op and dc\nv1 a 0 2\nr1 a b 1k\nr2 b 0 1k\n.op\n.dc v1 0 1 0.5\n.end\n' >"$tmp/opdc.cir"
if "$MEMSPICE" run "$tmp/opdc.cir" -o "$tmp/opdc.csv" >"$tmp/out" 2>"$tmp/err" && ! sanitizer; then
    grep -q 'v(b) *= *1.0*e+00' "$tmp/out" && head -1 "$tmp/opdc.csv" | grep -q '^v(v-sweep),' &&
        [ "$(sed -n 4p "$tmp/opdc.csv" | cut -d, -f3)" = "0.5" ] &&
        ok ".op + .dc: op printed (v(b) = 1), sweep written (v(b) = 0.5 at v1 = 1)" ||
        { bad ".op + .dc output"; cat "$tmp/out" "$tmp/opdc.csv" | sed 's/^/     /'; }
else bad ".op + .dc deck"; fi

# ---- memspice check: agreement with ngspice ----
check() {   # check WANT-EXIT DESCRIPTION args...
    local want=$1 what=$2; shift 2
    "$MEMSPICE" check "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if sanitizer; then bad "$what: sanitizer report"; return 1; fi
    if [ "$rc" -ne "$want" ]; then
        bad "$what: exit $rc, want $want"; sed 's/^/     stdout| /' "$tmp/out" | grep -E 'FAIL|result|DC' | head -8
        return 1
    fi
    return 0
}
# expect DESCRIPTION PATTERN-IN-STDOUT: after a check that exited as wanted
expect() { if grep -q -- "$2" "$tmp/out"; then ok "$1"; else bad "$1: no '$2' in the table"; fi; }
check 0 "check diode I-V" "$deck" && expect "check $deck: pass, 251 points each" '^DC sweep: 251 points (ngspice 251)'
check 0 "check nested" $FIX/dc_nested.cir && expect "check nested sweep (31 x 3 points): pass" '^DC sweep: 93 points (ngspice 93)'
check 0 "check I-source sweep" $FIX/dc_isource.cir &&
    expect "check descending I-source sweep: pass" 'i(i-sweep) 0.001 .. -0.001 A'
check 0 "check memristor quasi-static I-V" $FIX/dc_memristor.cir --against $FIX/dc_memristor_ng.cir &&
    expect "check native memristor at x0 against sinh I-V in ngspice: pass" '^result: pass (2 of 2'
# a different circuit (R1 1.1k instead of 1k) must fail, naming the DC rows
check 1 "check nested against R1=1.1k" $FIX/dc_nested.cir --against $FIX/dc_nested_r1_1k1.cir &&
    grep -q 'v(k) (dc)' "$tmp/err" && expect "mismatch found (exit 1, v(k) (dc) FAIL)" 'v(k) .*FAIL'
# --report: report.json carries the DC rows
if check 0 "check --report" "$deck" --report "$tmp/rep"; then
    python3 - "$tmp/rep/report.json" <<'EOF' && ok "report.json: dc_sweep section" || bad "report.json dc_sweep"
import json, sys
r = json.load(open(sys.argv[1]))
d = r["dc_sweep"]
assert d["scale"] == "v(v-sweep)" and d["memspice_points"] == 251 and d["ngspice_points"] == 251
assert all(s["pass"] for s in d["signals"]) and len(d["signals"]) == 2
EOF
fi

# ---- a bad .dc card: exit 1, file:line, no output file ----
printf 'bad\nv1 a 0 1\nr1 a 0 1k\n.dc v1 0 1 0\n.end\n' >"$tmp/bad.cir"
"$MEMSPICE" run "$tmp/bad.cir" -o "$tmp/bad.csv" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q 'bad.cir:4:.*INCR must not be 0' "$tmp/err" && [ ! -e "$tmp/bad.csv" ] && ! sanitizer &&
    ok "INCR = 0: exit 1 at bad.cir:4, nothing written" || bad "INCR = 0: exit $rc"

summary dc
