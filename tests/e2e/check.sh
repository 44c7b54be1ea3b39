#!/usr/bin/env bash
# check.sh — `memspice check` against ngspice (libngspice): every netlist in
# netlists/ passes (exit 0); a deliberately different pair fails (exit 1);
# netlists one simulator rejects, a missing library, an ngspice crash and an
# ngspice hang cannot be compared (exit 2, with a clear message); --report
# writes report.txt, report.json (parsed with python3) and one PNG per
# transient signal, atomically; --model runs the model cases; usage errors
# exit 2.  The fixtures are in tests/check/.
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
cd "$(dirname "$0")/../.."
FIX=tests/check
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
command -v python3 >/dev/null || { echo "FAIL: python3 not found"; exit 1; }
PY=$(python3 -c 'import sys; print(sys.executable)')

ok()  { n=$((n + 1)); echo "ok   $1"; }
bad() {
    n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"
    [ -s "$tmp/err" ] && sed 's/^/     stderr| /' "$tmp/err" | head -12
}
# run EXPECTED-EXIT DESCRIPTION args...: stdout in $tmp/out, stderr in $tmp/err
run() {
    local want=$1 what=$2; shift 2
    "$MEMSPICE" check "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if grep -q 'Sanitizer\|runtime error:' "$tmp/err"; then bad "$what: sanitizer report"; return 1; fi
    if [ "$rc" -ne "$want" ]; then bad "$what: exit code $rc, want $want"; return 1; fi
    return 0
}
has() { grep -q -- "$2" "$1"; }

# ---- every bundled netlist agrees with ngspice ----
# (a network netlist with native memristors goes to ngspice in its ngspice
# form: the same cells as subcircuits, written by tools/mknet --ngspice-of)
for f in netlists/*.cir; do
    against=()
    if grep -qi '^ *ymemristor' "$f"; then
        tools/mknet --ngspice-of "$f" -o "$tmp/ngspice_form.cir" || { bad "mknet --ngspice-of $f"; continue; }
        against=(--against "$tmp/ngspice_form.cir")
    fi
    if run 0 "check $f" "$f" "${against[@]}"; then
        has "$tmp/out" '^result: pass' && ok "check $f" || bad "check $f: no 'result: pass' table"
    else
        sed 's/^/     stdout| /' "$tmp/out" | grep -E 'FAIL|result' | head -8
    fi
done
# the operating point is compared too
run 0 "check divider.cir (.op)" netlists/divider.cir &&
    { has "$tmp/out" '^operating point:' && has "$tmp/out" 'v(mid) .*pass' && ok "operating point table" ||
        bad "divider.cir: no operating-point table with v(mid)"; }

# ---- the checker catches a difference: R1 1k vs 1.1k ----
if run 1 "rc_pulse against R1=1.1k" netlists/rc_pulse.cir --against $FIX/rc_pulse_r1_1k1.cir; then
    if has "$tmp/err" 'MISMATCH' && grep -q 'v(out) .*FAIL' "$tmp/out" && grep -q 'v(in) .*pass' "$tmp/out"; then
        ok "mismatch pair: exit 1, v(out) FAIL, v(in) pass"
    else bad "mismatch pair: table or message wrong"; sed 's/^/     stdout| /' "$tmp/out"; fi
fi
run 1 "R1=1.1k against rc_pulse" $FIX/rc_pulse_r1_1k1.cir --against netlists/rc_pulse.cir && ok "mismatch pair, reversed: exit 1"
# ... and the tolerance knob decides: a 10 % resistor is within 5 % of the range
run 0 "mismatch pair with --rtol 0.05" netlists/rc_pulse.cir --against $FIX/rc_pulse_r1_1k1.cir --rtol 0.05 &&
    ok "--rtol 0.05 lets the 1.1k pair pass"
# the operating point: a divider against itself with a changed gain is caught
sed 's/^E1 buf 0 mid 0 2$/E1 buf 0 mid 0 2.001/' netlists/divider.cir >"$tmp/divider_gain.cir"
run 1 "op mismatch (gain 2 vs 2.001)" netlists/divider.cir --against "$tmp/divider_gain.cir" &&
    { grep -q 'v(buf) .*FAIL' "$tmp/out" && ok "op mismatch: v(buf) FAIL, exit 1" || bad "op mismatch: v(buf) not FAIL"; }

# ---- memspice-only cards are removed, with a notice ----
if run 0 "fixedstep.cir" $FIX/fixedstep.cir; then
    has "$tmp/err" "fixedstep.cir:3: 'fixedstep' not given to ngspice" && ok "fixedstep stripped with a notice, pass" ||
        bad "fixedstep.cir: no notice naming the card"
fi

# the cards of `memspice grad` are left out too
if run 0 "grad_cards.cir" $FIX/grad_cards.cir; then
    has "$tmp/err" "grad_cards.cir:7: '.loss value v(out) at=2m' not given to ngspice" &&
        has "$tmp/err" "grad_cards.cir:8: '.trainable r1 c1' not given to ngspice" && ok ".loss and .trainable stripped, pass" ||
        bad "grad_cards.cir: no notices naming the cards"
fi

# ---- a uic start: ngspice leaves t = 0 out of its output; still the same span ----
if run 0 "rc_uic.cir" $FIX/rc_uic.cir; then
    grep -q 'v(out) .*pass' "$tmp/out" && ! has "$tmp/out" 'spans differ' && ok "uic start (ngspice without t = 0): pass" ||
        bad "rc_uic.cir: table"
fi

# ---- could not compare: exit 2 with a message ----
if run 2 "ngspice rejects" $FIX/ngspice_rejects.cir; then
    has "$tmp/err" 'ngspice rejected the netlist' && has "$tmp/err" 'uramp' && has "$tmp/err" 'ngspice_rejects.cir:3' &&
        ok "ngspice rejects: exit 2, its error quoted, mapped to the file line" || bad "ngspice rejects: message"
fi
if run 2 "memspice rejects" $FIX/memspice_rejects.cir; then
    has "$tmp/err" 'memspice could not simulate' && has "$tmp/err" 'memspice_rejects.cir:5' &&
        ok "memspice rejects: exit 2, file:line" || bad "memspice rejects: message"
fi
if run 2 "native Y device" $FIX/native_memristor.cir; then
    has "$tmp/err" "native_memristor.cir:4:1: 'ymemristor' is a native memspice device" && has "$tmp/err" -- '--model' &&
        ok "native Y device: exit 2, file:line, what to do instead" || bad "native Y device: message"
fi
if run 2 "missing library" netlists/rc_pulse.cir --ngspice-lib "$tmp/no/libngspice.so.0"; then
    has "$tmp/err" 'cannot load the ngspice shared library' && ok "missing libngspice: exit 2" || bad "missing library: message"
fi
MEMSPICE_NGSPICE_LIB=libm.so.6 run 2 "a library that is not ngspice" netlists/rc_pulse.cir &&
    { has "$tmp/err" 'ngSpice_Init' && ok "not ngspice's library: exit 2" || bad "wrong library: message"; }
MEMSPICE_CHECK_FAULT=crash run 2 "ngspice crash" netlists/rc_pulse.cir &&
    { has "$tmp/err" 'ngspice crashed (killed by signal' && ok "ngspice crash: exit 2" || bad "crash: message"; }
t0=$(date +%s)
if MEMSPICE_CHECK_FAULT=hang run 2 "ngspice hang" netlists/rc_pulse.cir --timeout 1; then
    t1=$(date +%s)
    has "$tmp/err" 'did not finish within 1 s' && [ $((t1 - t0)) -lt 10 ] && ok "ngspice hang: stopped at --timeout, exit 2" ||
        bad "hang: message or took $((t1 - t0)) s"
fi
run 2 "unknown signal" netlists/rc_pulse.cir --signals 'v(out),v(nowhere)' &&
    { has "$tmp/err" 'v(nowhere)' && ok "unknown signal: exit 2" || bad "unknown signal not named"; }
run 2 "missing netlist" "$tmp/none.cir" && ok "missing netlist: exit 2"

# ---- reports ----
R=$tmp/rep/deeper
if run 1 "--report (mismatch)" netlists/rc_pulse.cir --against $FIX/rc_pulse_r1_1k1.cir --report "$R"; then
    problems=()
    for f in report.txt report.json v_in.png v_out.png i_v1.png; do
        [ -s "$R/$f" ] || problems+=("no $f")
    done
    for f in v_in.png v_out.png i_v1.png; do
        [ -s "$R/$f" ] && [ "$(head -c 4 "$R/$f" | od -An -c | tr -d ' ')" = '211PNG' ] || problems+=("$f is not a PNG")
    done
    ls "$R" | grep -q 'tmp' && problems+=("a temporary file was left")
    cmp -s "$R/report.txt" "$tmp/out" || problems+=("report.txt differs from the table on stdout")
    "$PY" - "$R" <<'PYEOF' >"$tmp/py" 2>&1 || problems+=("report.json: $(tail -1 "$tmp/py")")
import json, os, sys
d = json.load(open(os.path.join(sys.argv[1], "report.json")))
assert d["result"] == "mismatch" and d["exit_code"] == 1, d["result"]
sig = {s["name"]: s for s in d["transient"]["signals"]}
assert set(sig) == {"v(in)", "v(out)", "i(v1)"}, sorted(sig)
assert sig["v(out)"]["pass"] is False and sig["v(in)"]["pass"] is True
assert 0.03 < sig["v(out)"]["max_rel_err"] < 0.05, sig["v(out)"]["max_rel_err"]
assert sig["v(out)"]["max_abs_err"] > sig["v(out)"]["allowed"]
assert sig["v(out)"]["unit"] == "V" and sig["i(v1)"]["unit"] == "A"
for s in sig.values():
    assert os.path.isfile(os.path.join(sys.argv[1], s["plot"])), s["plot"]
assert d["tolerances"]["rtol_voltage"] == 1e-3 and d["tolerances"]["rtol_current"] == 1e-2
assert d["operating_point"] is None and d["ngspice_version"].startswith("ngspice-")
PYEOF
    [ ${#problems[@]} -eq 0 ] && ok "--report: report.txt, report.json (parsed), 3 PNGs" ||
        bad "--report: $(IFS=';'; echo "${problems[*]}")"
fi
# a report that records why nothing could be compared
if run 2 "--report (error)" $FIX/ngspice_rejects.cir --report "$tmp/rep_err" -q; then
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["result"]=="error" and "uramp" in d["error"]' \
        "$tmp/rep_err/report.json" && ok "--report on a failed comparison: result 'error' in report.json" ||
        bad "--report (error): report.json"
fi
# several netlists: one directory each; --signals narrows the comparison
if run 0 "--report, two netlists, --signals" netlists/rl_step.cir netlists/rlc_step.cir --signals 'v(a),i(l1)' --report "$tmp/rep2" -q; then
    if [ -s "$tmp/rep2/rl_step/report.json" ] && [ -s "$tmp/rep2/rlc_step/v_a.png" ] && [ -s "$tmp/rep2/rlc_step/i_l1.png" ] &&
        [ ! -e "$tmp/rep2/rlc_step/v_b.png" ] &&
        "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [s["name"] for s in d["transient"]["signals"]]==["v(a)","i(l1)"]' \
            "$tmp/rep2/rlc_step/report.json"; then
        ok "two netlists: DIR/<name>/, only the --signals compared"
    else bad "two netlists with --signals: report layout"; ls -R "$tmp/rep2"; fi
fi
: >"$tmp/plainfile"
run 2 "--report below a plain file" netlists/rc_pulse.cir --report "$tmp/plainfile/x" -q && ok "--report into an impossible place: exit 2"

# ---- device models ----
run 0 "--model list" --model list && { has "$tmp/out" 'diode_rs' && ok "--model list" || bad "--model list: no diode_rs"; }
if run 0 "--model all" --model all --report "$tmp/rep_model"; then
    [ -s "$tmp/rep_model/diode_rs/report.json" ] && [ -s "$tmp/rep_model/diode_rs/i_v1.png" ] && ok "--model all: pass, report" ||
        bad "--model all: no report"
fi
run 2 "--model nosuch" --model nosuch && ok "unknown model: exit 2"

# ---- usage ----
run 0 "check --help" --help && { has "$tmp/out" '--against' && has "$tmp/out" '--report' && has "$tmp/out" '--rtol' &&
    ok "check --help" || bad "check --help: options missing"; }
run 2 "no netlist" && ok "no netlist: exit 2"
run 2 "bad --rtol" netlists/rc_pulse.cir --rtol -1 && ok "negative --rtol: exit 2"
run 2 "unknown option" netlists/rc_pulse.cir --frobnicate && ok "unknown option: exit 2"
run 2 "--against with two netlists" netlists/rc_pulse.cir netlists/rl_step.cir --against netlists/rc_pulse.cir &&
    ok "--against with two netlists: exit 2"
"$MEMSPICE" --help | grep -q 'check' && ok "memspice --help lists check" || bad "memspice --help does not list check"

echo "check: $n checks, $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
