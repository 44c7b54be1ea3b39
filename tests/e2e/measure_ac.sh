#!/usr/bin/env bash
# measure_ac.sh — .meas ac end to end: `memspice run` prints the measures of
# the AC sweep under ngspice's "Measurements for AC Analysis" and writes them
# to OUT.meas; the RC low-pass's -3 dB frequency and 1 kHz gain against the
# closed form; the band-pass's Q against sqrt(L/C)/R; `memspice check` on
# netlists/ac_measure.cir (18 measures, every one compared with ngspice 39);
# a .meas ac beside a .tran (ngspice takes none there: not compared); refusals.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
AC=$PWD/netlists/ac_measure.cir
# near A B ATOL: |A - B| <= ATOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= t) }'; }

if run 0 "run ac_measure" run "$AC" -o "$tmp/ac.raw"; then
    grep -q "Measurements for AC Analysis" "$tmp/out" && ok "run: ngspice's AC heading" || bad "no AC heading"
    # fc = 1/(2 pi 1k 1u); -3 dB is at fc sqrt(10^0.3 - 1) = 158.75 Hz; 50 points
    # per decade, linearly interpolated in f, err by < 0.1 Hz there
    near "$(value f3db "$tmp/out")" 158.7471 0.1 && ok "f3db = fc sqrt(10^0.3 - 1) (within the sweep's interpolation)" ||
        bad "f3db $(value f3db "$tmp/out")"
    # |H(1k)| in dB = -10 log10(1 + (1k/fc)^2)
    near "$(value gain1k "$tmp/out")" -16.07224 1e-4 && ok "gain at 1 kHz = -10 log10(1 + (f/fc)^2)" ||
        bad "gain1k $(value gain1k "$tmp/out")"
    # series RLC: Q = sqrt(L/C)/R = 3.1623, peak 1 at f0 = 5.033 kHz
    near "$(value q "$tmp/out")" 3.1623 0.02 && near "$(value peak "$tmp/out")" 1 1e-3 &&
        ok "band-pass: Q = sqrt(L/C)/R, peak |H| = 1" || bad "q $(value q "$tmp/out") peak $(value peak "$tmp/out")"
    [ "$(wc -l <"$tmp/ac.meas" 2>/dev/null)" -eq 19 ] && grep -q "^f3db,158\." "$tmp/ac.meas" &&
        ok "ac.meas: 18 ac measures" || bad "ac.meas: $(head -3 "$tmp/ac.meas")"
fi
if run 0 "check ac_measure.cir" check "$AC" --report "$tmp/rep"; then
    grep -q "18 of 18 measures" "$tmp/err" && ok "check .meas ac: 18 of 18 agree with ngspice" || bad "check: $(cat "$tmp/err")"
    python3 -c "
import json
r=json.load(open('$tmp/rep/report.json'))['measures']['results']
assert len(r)==18 and all(m['pass'] and m['analysis']=='ac' and m['ngspice'] is not None for m in r), r" &&
        ok "report.json: analysis ac, both values" || bad "report.json ac measures"
fi
printf 'ac and tran\nV1 a 0 DC 0 AC 1 PULSE(0 1 0 1u 1u 1 2)\nR1 a b 1k\nC1 b 0 1u\n.tran 10u 3m\n.ac dec 10 1 10k\n.meas tran t50 WHEN v(b)=0.5\n.meas ac f3 WHEN vdb(b)=-3\n.end\n' >"$tmp/both.cir"
if run 0 "run .meas tran and .meas ac" run "$tmp/both.cir" -o "$tmp/both.csv"; then
    awk '/Transient Analysis/ {t = NR} /AC Analysis/ {a = NR} END {exit !(t && a && t < a)}' "$tmp/out" &&
        [ "$(cut -d, -f1 "$tmp/both.meas" | tr '\n' ' ')" = "name t50 f3 " ] &&
        ok "both: the transient's measures, then the AC sweep's, one .meas file" || bad "both: $(cat "$tmp/out")"
fi
if run 0 "check .meas ac beside .tran" check "$tmp/both.cir"; then
    grep -q "1 of 1 measures, 1 measure not compared" "$tmp/err" && grep -q "takes no .meas ac" "$tmp/out" &&
        ok "check: the ac measure not compared when a .tran is there too" || bad "both check: $(cat "$tmp/err")"
fi
# a grad of a .meas ac is refused (no AC adjoint)
printf 'g\nV1 a 0 DC 0 AC 1\nR1 a b 1k\nC1 b 0 1u\n.ac dec 10 1 10k\n.meas ac g FIND vdb(b) AT=1k\n.loss meas g\n.trainable r1\n.end\n' >"$tmp/loss.cir"
run 1 "grad of a .meas ac" grad "$tmp/loss.cir" -o "$tmp/g.csv" && grep -q "loss.cir:7:.*no DC or AC adjoint" "$tmp/err" &&
    ok ".loss meas of a .meas ac refused" || bad "loss: $(cat "$tmp/err")"
summary measure_ac
