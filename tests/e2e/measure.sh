#!/usr/bin/env bash
# measure.sh — .meas / .measure end to end: `memspice run` prints every
# measure as ngspice does ("name = value", "name = failed" with the reason
# and the card's file:line on stderr, exit code still 0) and writes OUT.meas
# (CSV name,value,error) beside -o; the RC deck's rise time against RC ln 9;
# signals a .save list leaves out are measured anyway; memristor states
# x(m1); .meas dc (run, check against ngspice, nested and current-source
# sweeps, a deck with both analyses); `memspice check` against ngspice on netlists/rc_measure.cir (13
# measures of every kind) with the report's JSON parsed, a measure that fails
# in both simulators (agreement), a variant whose measures differ while the
# compared signals do not (exit 1 naming the measures), and card errors.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
RC=$PWD/netlists/rc_measure.cir
# near A B RTOL: |A - B| <= RTOL |B|
near() { awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(a != "" && d <= r * m) }'; }

# ---- run: printout, OUT.meas, the analytic rise time ----
if run 0 "run rc_measure" run "$RC" -o "$tmp/rc.csv"; then
    names="rise_time fall_time t_half delay50 v_1ms i_half vin_avg vout_rms vout_max vout_min vout_pp charge ln9"
    missing=()
    for k in $names; do [ -n "$(value "$k" "$tmp/out")" ] || missing+=("$k"); done
    [ ${#missing[@]} -eq 0 ] && ok "run prints every measure" || bad "run: no 'name = value' for ${missing[*]}"
    grep -q "Measurements for Transient Analysis" "$tmp/out" && ok "run: ngspice's heading" || bad "run: no heading"
    # tau = 1 ms: 10-90 % rise = tau ln 9, fall the same, 50 % delay = tau ln 2
    near "$(value rise_time "$tmp/out")" 2.1972246e-3 1e-4 && ok "rise time = RC ln 9" ||
        bad "rise time $(value rise_time "$tmp/out"), want 2.1972e-3"
    near "$(value delay50 "$tmp/out")" 6.931472e-4 2e-3 && ok "50 % delay = RC ln 2 (to the edge's 1 us)" ||
        bad "delay50 $(value delay50 "$tmp/out")"
    near "$(value ln9 "$tmp/out")" 2.1972246 1e-4 && ok "PARAM with .params: rise_time/(rval*cval) = ln 9" ||
        bad "ln9 $(value ln9 "$tmp/out")"
    if [ -f "$tmp/rc.meas" ] && [ "$(head -1 "$tmp/rc.meas")" = "name,value,error" ] &&
        [ "$(wc -l <"$tmp/rc.meas")" -eq 14 ]; then
        # the file holds the printed values (to the printout's 7 digits)
        f=$(awk -F, '$1 == "rise_time" {print $2}' "$tmp/rc.meas")
        near "$f" "$(value rise_time "$tmp/out")" 1e-6 && ok "rc.meas beside rc.csv (header, 13 rows, values)" ||
            bad "rc.meas rise_time $f"
    else
        bad "rc.meas missing or malformed: $(head -3 "$tmp/rc.meas" 2>/dev/null)"
    fi
    ls "$tmp" | grep -q 'tmp\.' && bad "a temporary file was left" || ok "no temporary file left"
fi

# ---- failed measures: exit 0, "failed" on stdout, the reason on stderr ----
sed -e '/^\.end/i .meas tran never WHEN v(out)=2 RISE=1\n.meas tran late FIND v(out) AT=1\n.meas tran uses PARAM='"'"'never*2'"'"'' \
    "$RC" >"$tmp/fails.cir"
if run 0 "run with failing measures (exit 0, as ngspice)" run "$tmp/fails.cir" -o "$tmp/f.h5"; then
    grep -Eq '^never +=  failed' "$tmp/out" && grep -Eq '^uses +=  failed' "$tmp/out" &&
        [ -n "$(value rise_time "$tmp/out")" ] && ok "failed measures print 'failed', the others their values" ||
        bad "failed measures: $(grep -E 'never|late|uses' "$tmp/out")"
    grep -q "fails.cir:[0-9]*: measure 'never' failed: WHEN v(out)=2 RISE=1: no such crossing" "$tmp/err" &&
        grep -q "measure 'late' failed: FIND v(out) at 1: outside the result" "$tmp/err" &&
        grep -q "measure 'uses' failed: .*measure 'never' failed" "$tmp/err" &&
        ok "stderr says which measure failed, where and why" || bad "failure reasons: $(grep failed "$tmp/err")"
    awk -F, '$1 == "never" && $2 == "" && $3 ~ /no such crossing/' "$tmp/f.meas" | grep -q . &&
        ok "f.meas: empty value and the reason" || bad "f.meas: $(grep never "$tmp/f.meas")"
fi

# ---- -o -: the CSV on stdout stays clean, the measures go to stderr ----
if run 0 "run -o - --format csv" run "$RC" -o - --format csv; then
    head -1 "$tmp/out" | grep -q '^time,' && ! grep -q rise_time "$tmp/out" && grep -q '^rise_time' "$tmp/err" &&
        ok "-o -: CSV on stdout, measures on stderr" || bad "-o -: measures mixed into the CSV"
fi

# ---- a .save subset: measured signals are saved anyway (as ngspice does) ----
sed -e '/^\.end/i .save v(in)' "$RC" >"$tmp/save.cir"
if run 0 "run with .save v(in)" run "$tmp/save.cir" -o "$tmp/s.csv"; then
    near "$(value rise_time "$tmp/out")" 2.1972246e-3 1e-4 && head -1 "$tmp/s.csv" | grep -q 'v(out)' && ok ".save v(in): v(out) saved for the measures" ||
        bad ".save subset: $(head -1 "$tmp/s.csv")"
fi

# ---- memristor state x(m1) and v(a,b) (memspice only: ngspice has neither) ----
cat >"$tmp/mem.cir" <<'EOF'
memristor state measures
Vin in 0 SIN(0 1.2 0.5)
R1 in a 10
YMEMRISTOR m1 a 0 mb
.model mb MEMRISTOR level=1 ron=100 roff=16k d=10n uv=1e-14 p=1 window=2 x0=0.1
.tran 2m 2 0 2m uic
.meas tran xmax MAX x(m1)
.meas tran xmin MIN x(m1)
.meas tran x_half WHEN x(m1)=0.5 RISE=1
.meas tran vr_pp PP v(in,a)
.end
EOF
if run 0 "run memristor measures" run "$tmp/mem.cir"; then
    awk '$1 == "xmax" && $3 > 0.5 && $3 <= 1 {f = 1} $1 == "xmin" && $3 >= 0.0999 && $3 <= 0.1001 {g = 1}
         $1 == "x_half" && $3 > 0 && $3 < 1 {h = 1} $1 == "vr_pp" && $3 > 0 {p = 1} END {exit !(f && g && h && p)}' "$tmp/out" &&
        ok "x(m1): MAX, MIN (= x0), WHEN; v(in,a) PP" || bad "memristor measures: $(grep -E 'x|vr' "$tmp/out")"
fi

# ---- memspice check: agreement with ngspice, report JSON ----
if run 0 "check rc_measure.cir (exit 0)" check "$RC" --report "$tmp/rep"; then
    grep -q "13 of 13 measures" "$tmp/err" && ok "check: 13 of 13 measures agree" || bad "check summary: $(cat "$tmp/err")"
    python3 - "$tmp/rep/report.json" <<'EOF' && ok "report.json: measures with both values, pass" || bad "report.json measures"
import json, sys
r = json.load(open(sys.argv[1]))["measures"]
res = r["results"]
assert r["rtol"] == 1e-3 and len(res) == 13, r
for m in res:
    assert m["pass"] and m["memspice"] is not None and m["ngspice"] is not None, m
    # the relative rule with its absolute floor for values near 0
    assert abs(m["memspice"] - m["ngspice"]) <= max(1e-3 * max(abs(m["memspice"]), abs(m["ngspice"])), 1e-3 * m["scale"])
rt = [m for m in res if m["name"] == "rise_time"][0]
assert abs(rt["ngspice"] - 2.1972246e-3) < 1e-7, rt
EOF
    grep -Eq '^  rise_time +trig/targ .* pass$' "$tmp/rep/report.txt" && ok "report.txt: the measure table" ||
        bad "report.txt: $(grep -A3 measures "$tmp/rep/report.txt")"
fi

# a measure both simulators fail agrees; ngspice's "Error: measure" lines are no simulation failure
sed -e '/^\.end/i .meas tran never WHEN v(out)=2 RISE=1' "$RC" >"$tmp/bothfail.cir"
if run 0 "check: a measure failing in both simulators" check "$tmp/bothfail.cir" --report "$tmp/rep2"; then
    python3 -c "
import json,sys
m=[x for x in json.load(open('$tmp/rep2/report.json'))['measures']['results'] if x['name']=='never'][0]
assert m['pass'] and m['ngspice_result']=='failed' and m['memspice'] is None, m" && ok "both failed: agree" ||
        bad "both failed: $(grep never "$tmp/rep2/report.txt")"
fi

# ngspice simulates R1 = 1.1k: v(in) still agrees, the measures of v(out) do not
sed -e 's/{rval}/1.1k/' "$RC" >"$tmp/r11.cir"
if run 1 "check --against R1 = 1.1k: exit 1" check "$RC" --against "$tmp/r11.cir" --signals 'v(in)'; then
    grep -q "MISMATCH, 0 of 1 signals differ, [0-9]* of 13 measures: .meas rise_time" "$tmp/err" &&
        grep -Eq '^  rise_time .* FAIL$' "$tmp/out" && grep -Eq '^  vin_avg .* pass$' "$tmp/out" &&
        ok "a measure mismatch alone fails the check, and is named" || bad "mismatch: $(cat "$tmp/err")"
fi
if run 0 "check --meas-rtol 0.2 lets a 10 % change pass" check "$RC" --against "$tmp/r11.cir" --signals 'v(in)' --meas-rtol 0.2 -q; then
    ok "--meas-rtol"
fi

# ---- .meas dc: measures of the DC sweep, printed under ngspice's heading, checked against ngspice ----
DCM=$PWD/netlists/dc_measure.cir
if run 0 "run dc_measure" run "$DCM" -o "$tmp/iv.csv"; then
    grep -q "Measurements for DC Analysis" "$tmp/out" && ! grep -q "Transient Analysis" "$tmp/out" &&
        ok "run .meas dc: ngspice's DC heading" || bad "dc heading: $(head -5 "$tmp/out")"
    # the 100 ohm + diode slope between 1 and 5 mA is 100 + rs + N Vt ln(5)/4m, about 118.7 ohm
    near "$(value r_dyn "$tmp/out")" 118.7 2e-3 && ok "dc PARAM of a TRIG/TARG over the sweep (dynamic resistance)" ||
        bad "r_dyn $(value r_dyn "$tmp/out")"
    [ "$(wc -l <"$tmp/iv.meas" 2>/dev/null)" -eq 13 ] && ok "iv.meas: 12 dc measures" || bad "iv.meas: $(cat "$tmp/iv.meas")"
fi
if run 0 "check dc_measure.cir" check "$DCM" --report "$tmp/rep3"; then
    grep -q "12 of 12 measures" "$tmp/err" && ok "check .meas dc: 12 of 12 agree with ngspice" || bad "check dc: $(cat "$tmp/err")"
    python3 -c "
import json
r=json.load(open('$tmp/rep3/report.json'))['measures']['results']
assert len(r)==12 and all(m['pass'] and m['analysis']=='dc' and m['ngspice'] is not None for m in r), r" &&
        ok "report.json: analysis dc, both values" || bad "report.json dc measures"
fi
# nested sweep: ngspice measures the one concatenated vector (the scale jumps back), memspice too
sed -e '/^\.end/i .meas dc vmx MAX v(k)\n.meas dc vlast WHEN v(k)=0.5 CROSS=LAST\n.meas dc vavg AVG v(k)\n.meas dc vint INTEG v(k)' \
    tests/check/dc_nested.cir >"$tmp/nest.cir"
if run 0 "check nested .meas dc" check "$tmp/nest.cir"; then
    grep -q "4 of 4 measures" "$tmp/err" && ok "nested sweep: measures over the concatenated sweep agree" ||
        bad "nested: $(cat "$tmp/err")"
fi
# ngspice 39 has no result for window measures of a current-source sweep, nor for
# any .meas dc of a netlist with a .tran: not compared, said so, no failure
sed -e '/^\.end/i .meas dc vf FIND v(k) AT=0.55m\n.meas dc vmx MAX v(k)' tests/check/dc_isource.cir >"$tmp/isrc.cir"
if run 0 "check I-source .meas dc" check "$tmp/isrc.cir"; then
    grep -q "1 of 1 measures, 1 measure not compared" "$tmp/err" && grep -q "fails AVG/RMS/MIN/MAX/PP/INTEG on a current-source" "$tmp/out" &&
        ok "I-source sweep: FIND compared, MAX not (ngspice 39 cannot)" || bad "isrc: $(cat "$tmp/err")"
fi
printf 'dc and tran\nV1 a 0 PULSE(0 1 0 1u 1u 1 2)\nR1 a b 1k\nC1 b 0 1u\n.dc V1 0 1 0.1\n.tran 10u 3m\n.meas dc vb FIND v(b) AT=0.55\n.meas tran t50 WHEN v(b)=0.5\n.end\n' >"$tmp/both.cir"
if run 0 "run .meas dc and .meas tran" run "$tmp/both.cir" -o "$tmp/both.csv"; then
    awk '/DC Analysis/ {d = NR} /Transient Analysis/ {t = NR} END {exit !(d && t && d < t)}' "$tmp/out" &&
        near "$(value vb "$tmp/out")" 0.55 1e-9 && near "$(value t50 "$tmp/out")" 6.931e-4 2e-3 &&
        [ "$(cut -d, -f1 "$tmp/both.meas" | tr '\n' ' ')" = "name vb t50 " ] &&
        ok "both analyses: DC measures, then the transient's, one .meas file" || bad "both: $(cat "$tmp/out")"
fi
if run 0 "check .meas dc beside .tran" check "$tmp/both.cir"; then
    grep -q "1 of 1 measures, 1 measure not compared" "$tmp/err" && ok "check: the dc measure not compared when a .tran follows" ||
        bad "both check: $(cat "$tmp/err")"
fi

# ---- card errors: exit 1 with file:line:col ----
printf 'bad\nV1 a 0 1\nR1 a 0 1\n.tran 1u 1m\n.meas tran x AVG v(a) TD=1u\n.end\n' >"$tmp/td.cir"
run 1 "TD= on AVG refused" run "$tmp/td.cir" && grep -q "td.cir:5:23: .*use FROM=" "$tmp/err" &&
    ok "AVG TD= refused at its column" || bad "AVG TD=: $(cat "$tmp/err")"
printf 'bad\nV1 a 0 1\nR1 a 0 1\n.op\n.meas tran x AVG v(a)\n.end\n' >"$tmp/notran.cir"
run 1 ".meas tran without .tran" run "$tmp/notran.cir" && grep -q "notran.cir:5:1: .*no .tran analysis" "$tmp/err" &&
    ok ".meas tran without .tran refused" || bad "no .tran: $(cat "$tmp/err")"

summary measure
