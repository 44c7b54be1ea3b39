#!/usr/bin/env bash
# dialect.sh — the parts of the ngspice/PSpice dialect that need more than a
# comparison with ngspice (netlists/ngspice_dialect.cir is compared with
# ngspice by check.sh and ngspice_netlists.sh): PSpice "optional:" ports
# (ngspice 39 rejects them), '//' comments that must not cut paths, the
# notices of ignored cards, .temp with diodes (refused), the column of an
# unknown option, and the functions in .param values.
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
ok()  { n=$((n + 1)); echo "ok   $1"; }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"; sed 's/^/     stderr| /' "$tmp/err" | head -6; }
# run EXIT DESCRIPTION netlist-text: memspice run on the text, stdout in $tmp/out
run() {
    local want=$1 what=$2
    printf '%b' "$3" >"$tmp/net.cir"
    "$MEMSPICE" run "$tmp/net.cir" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if grep -q 'Sanitizer\|runtime error:' "$tmp/err"; then bad "$what: sanitizer report"; return 1; fi
    if [ $rc -ne "$want" ]; then bad "$what: exit code $rc, want $want"; return 1; fi
    return 0
}
# value NAME: the operating-point value printed for NAME
value() { awk -v n="$1" '$1 == n { print $3 }' "$tmp/out"; }
near() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(abs(a - b) > 1e-9 * max(1, abs(b)))" "$1" "$2"; }

# optional ports: X1 leaves c (default 0) and d (default vdd) out, X2 leaves d out
run 0 "PSpice optional: ports" 't\n.subckt s a b optional: c=0 d=vdd\nR1 a b 1k\nR2 a c 1k\nR3 a d 1k\n.ends\nV1 a 0 1\nVdd vdd 0 2\nX1 a 0 s\nX2 a 0 vdd s\n.op\n' &&
    { near "$(value 'i(v1)')" 0 && near "$(value 'i(vdd)')" -3e-3 && ok "  ... defaults connected (i(v1) = 0, i(vdd) = -3 mA)" ||
        bad "  ... wrong currents: $(cat "$tmp/out")"; }
run 1 "too few nodes for the required ports" 't\n.subckt s a b optional: c=0\nR1 a b 1k\n.ends\nV1 a 0 1\nX1 a s\n.op\n' &&
    { grep -q "has 3 ports (some optional)" "$tmp/err" && ok "  ... named" || bad "  ... message"; }

# '//' starts a comment after a blank only: an include path keeps its '//'
mkdir -p "$tmp/lib"
printf 'R2 a 0 1k\n' >"$tmp/lib/r2.inc"
run 0 "'//' comments, and a path with '//'" "t // title\nV1 a 0 1 // the source\n// a whole-line comment\n.include $tmp//lib/r2.inc\nR1 a 0 1k\n.op\n" &&
    { near "$(value 'i(v1)')" -2e-3 && ok "  ... both resistors (i(v1) = -2 mA)" || bad "  ... $(cat "$tmp/out")"; }

# ignored cards say so, once each, with their line
run 0 "ignored cards" 't\nV1 a 0 1\nR1 a 0 1k\n.plot tran v(a)\n.probe v(a)\n.csparam x=1\n.width out=80\n.op\n' &&
    { [ "$(grep -c 'ignored' "$tmp/err")" -eq 4 ] && grep -q 'net.cir:4: .plot ignored' "$tmp/err" && ok "  ... four notices" ||
        bad "  ... notices"; }

# .temp: resistors follow their tc1/tc2; diodes are refused rather than silently at 27 C
run 0 ".temp with a tc1 resistor" 't\n.temp 77\nV1 a 0 1\nR1 a 0 r1k 1k\n.model r1k r(tc1=0.01)\n.op\n' &&
    { near "$(value 'i(v1)')" -6.666666666666667e-04 && ok "  ... R = 1k (1 + 0.01 x 50)" || bad "  ... $(cat "$tmp/out")"; }
run 1 ".temp with a diode" 't\n.temp 50\nV1 a 0 1\nD1 a 0 dm\n.model dm d(is=1e-14)\n.op\n' &&
    { grep -q 'net.cir:4:1: d1: diodes are simulated at 27 C only' "$tmp/err" && ok "  ... refused at the diode" || bad "  ... message"; }
run 0 "temper follows .temp" 't\n.temp 40\n.param rt={1k*temper/40}\nV1 a 0 1\nR1 a 0 {rt}\n.op\n' &&
    { near "$(value 'i(v1)')" -1e-3 && ok "  ... temper = 40" || bad "  ... $(cat "$tmp/out")"; }

# an unknown option: the error points at its name; ngspice's no-op options pass
run 1 "unknown option" 't\nV1 a 0 1\nR1 a 0 1k\n.options reltol=1e-3 foo=1\n.op\n' &&
    { grep -q 'net.cir:4:22: unknown option .foo.' "$tmp/err" && ok "  ... column of its name" || bad "  ... column"; }
run 0 "ngspice options that change nothing" 't\nV1 a 0 1\nR1 a 0 1k\n.options bypass=1 warn=1 seed=5 nomod\n.op\n' && ok "  ... accepted"

# the added functions in .param values (evaluated, not compiled)
run 0 "asinh acosh atanh arctan ternary_fcn in .param" \
    't\n.param r={1k*(asinh(0.5)+acosh(2)+atanh(0.5)+arctan(1)+ternary_fcn(1,1,0))}\nV1 a 0 1\nR1 a 0 {r}\n.op\n' &&
    { near "$(value 'i(v1)')" "$(python3 -c 'import math; print(-1/(1000*(math.asinh(0.5)+math.acosh(2)+math.atanh(0.5)+math.atan(1)+1)))')" &&
        ok "  ... values" || bad "  ... $(cat "$tmp/out")"; }
run 1 "acosh below 1 in a .param" 't\n.param r={acosh(0.5)}\nV1 a 0 1\nR1 a 0 {r}\n.op\n' &&
    { grep -q 'not a finite number' "$tmp/err" && ok "  ... named" || bad "  ... message"; }

echo "dialect: $n checks, $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
