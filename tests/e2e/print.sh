#!/usr/bin/env bash
# print.sh — `.print dc` and `.print ac` end to end.  memspice's printed
# tables against ngspice's (`ngspice -b` prints the same decks' .print
# tables; tests/tools/printcmp.py reads both): ngspice's AC forms vdb vp vm
# vr of nodes and of node pairs and plain complex vectors (tests/print/
# ac_forms.cir), a nested .dc sweep of every controlled source
# (dc_controlled.cir), the forms ngspice 39 cannot print itself (vi, ir, ii,
# im, idb, ip: against its complex v() and i() columns); the RC low-pass's
# vdb and vp against -10 log10(1 + (wRC)^2) and -atan(wRC); a 0.1 % change
# of R1 is caught; ngspice's own .print ac decks (tests/filters/lowpass.cir,
# tests/resistance/res_partition.cir, from its repository when
# NGSPICE_REPO or /work/.mirror/ngspice+ngspice/repo has it) printed and
# checked; with `-o -` the tables go to stderr and stdout stays CSV; the
# tables come in the order the analyses run; `.plot ac` is ignored with a
# notice.  Malformed .print cards are tests/malformed/print_*.cir.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
command -v ngspice >/dev/null || { echo "FAIL: ngspice not found (make deps installs it)"; exit 1; }
BAD_SHOW="$tmp/err $tmp/cmp"
CMP=tests/tools/printcmp.py

# compare NAME MS-DECK NG-DECK PLOTWORD [printcmp options]: both run, tables agree
compare() {
    local name=$1 ms=$2 ng=$3 word=$4; shift 4
    : >"$tmp/cmp"
    if ! "$MEMSPICE" run "$ms" -q >"$tmp/ms.out" 2>"$tmp/err" || sanitizer; then bad "$name: memspice run"; return; fi
    case $ng in /*) ;; *) ng=$PWD/$ng ;; esac
    (cd "$tmp" && ngspice -b "$ng" >"$tmp/ng.out" 2>&1) || { bad "$name: ngspice -b"; return; }
    if python3 $CMP "$tmp/ms.out" "$tmp/ng.out" --plot "$word" "$@" >"$tmp/cmp" 2>&1; then
        ok "$name: $(sed 's/^printcmp: //; s/, memspice columns.*;/;/' "$tmp/cmp")"
    else bad "$name"; fi
}

compare ".print ac vdb vp vm vr, of pairs, complex v() i()" tests/print/ac_forms.cir tests/print/ac_forms.cir freq
compare ".print dc, nested sweep, E F G H, v(a,b)" tests/print/dc_controlled.cir tests/print/dc_controlled.cir v
sed 's/^\.print ac .*/.print ac v(bp) i(v1) i(l1)/' tests/print/ac_current_forms.cir >"$tmp/ng_forms.cir"
compare ".print ac vi ir ii im idb ip against ngspice's complex v(), i()" tests/print/ac_current_forms.cir \
    "$tmp/ng_forms.cir" freq --forms i:0,r:1,i:1,m:1,db:1,p:1,r:2,p:2

# ---- a 0.1 % different R1 must not pass ----
sed 's/^R1 in out 1k/R1 in out 1.001k/' tests/print/ac_forms.cir >"$tmp/off.cir"
"$MEMSPICE" run "$tmp/off.cir" -q >"$tmp/ms.out" 2>"$tmp/err"
(cd "$tmp" && ngspice -b "$OLDPWD/tests/print/ac_forms.cir" >"$tmp/ng.out" 2>&1)
python3 $CMP "$tmp/ms.out" "$tmp/ng.out" --plot freq >"$tmp/cmp" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "R1 0.1 % off: printcmp finds the difference (exit 1)" || bad "R1 0.1 % off: printcmp exit $rc"

# ---- the RC low-pass's vdb(out), vp(out) against the closed form ----
"$MEMSPICE" run tests/print/ac_forms.cir -q >"$tmp/ms.out" 2>"$tmp/err"
python3 - "$tmp/ms.out" >"$tmp/cmp" 2>&1 <<'EOF' && ok "vdb(out), vp(out): -10 log10(1+(wRC)^2), -atan(wRC) within 1e-8 at 41 frequencies" || bad "RC closed form"
import math, sys
sys.path.insert(0, "tests/tools")
from printcmp import read_tables, side_by_side
labels, rows = side_by_side(read_tables(sys.argv[1], "freq"))
assert labels[:2] == ["vdb(out)", "vp(out)"], labels
assert len(rows) == 41
for r in rows:
    wrc = 2 * math.pi * r[0] * 1e3 * 1e-6
    assert abs(r[1] + 10 * math.log10(1 + wrc * wrc)) < 1e-8, r
    assert abs(r[2] + math.atan(wrc)) < 1e-8, r
EOF

# ---- ngspice's own decks with .print ac ----
repo=${NGSPICE_REPO:-/work/.mirror/ngspice+ngspice/repo}
if git --git-dir="$repo" rev-parse -q --verify HEAD >/dev/null 2>&1; then
    for deck in tests/filters/lowpass.cir tests/resistance/res_partition.cir; do
        git --git-dir="$repo" show "HEAD:$deck" >"$tmp/$(basename "$deck")" 2>/dev/null || { bad "$deck: not in $repo"; continue; }
        f=$tmp/$(basename "$deck")
        if "$MEMSPICE" check "$f" >"$tmp/out" 2>"$tmp/err" && ! sanitizer; then ok "ngspice's $deck: memspice check passes"
        else bad "ngspice's $deck: memspice check"; fi
        compare "ngspice's $deck: .print ac table" "$f" "$f" freq
    done
else
    echo "skip ngspice's own decks: no ngspice repository at $repo (set NGSPICE_REPO)"
fi

# ---- -o -: stdout is the CSV alone, the table on stderr ----
"$MEMSPICE" run tests/print/ac_forms.cir -o - --format csv -q >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && head -1 "$tmp/out" | grep -q '^frequency,' && ! grep -q 'Index' "$tmp/out" &&
    grep -q '^Index *frequency *vdb(out)' "$tmp/err" && ! sanitizer; then
    ok "-o -: CSV alone on stdout, the .print table on stderr"
else bad "-o - (exit $rc)"; fi

# ---- one deck, three analyses: the tables in the order they run (dc, tran, ac) ----
printf 'three\nV1 1 0 DC 1 AC 1\nR1 1 2 1k\nC1 2 0 1u\n.dc V1 0 1 0.5\n.tran 0.1m 0.5m\n.ac dec 1 10 100\n' >"$tmp/three.cir"
printf '.print ac vdb(2)\n.print tran v(2)\n.print dc i(v1)\n.plot ac vdb(2)\n.end\n' >>"$tmp/three.cir"
"$MEMSPICE" run "$tmp/three.cir" -q >"$tmp/out" 2>"$tmp/err"
rc=$?
order=$(grep -E '^(DC transfer characteristic|Transient Analysis|AC Analysis)$' "$tmp/out" | tr '\n' '/')
if [ $rc -eq 0 ] && [ "$order" = "DC transfer characteristic/Transient Analysis/AC Analysis/" ] &&
    grep -q '^Index *v(v-sweep) *i(v1)' "$tmp/out" && grep -q '^Index *time *v(2)' "$tmp/out" &&
    grep -q 'three.cir:11: .plot ignored' "$tmp/err" && ! sanitizer; then
    ok ".print dc, tran, ac in one deck: three tables in analysis order; .plot ac ignored with a notice"
else bad "three analyses (exit $rc, order '$order')"; fi

summary print
