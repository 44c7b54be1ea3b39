#!/usr/bin/env bash
# noise_colored.sh — TRNOISE's 1/f and random telegraph parts through the
# simulator (tests/devices/noise_colored.cir, tests/tools/noise_colored_stats.py):
#   - memspice: the periodogram of 4 x 65,536 1/f samples per exponent (1,
#     1.5) has Kasdin's slope and level; the telegraph dwell means are
#     RTSCAPT and RTSEMT within their confidence bounds, its levels 0 and RTSAM;
#   - ngspice on the same deck against its own (circular) definition, by the
#     same statistics (its random streams differ from memspice's);
#   - the same seed gives the same waveforms, another seed others; --inputs
#     with --threads 1 and 3 agree, and equal the edited netlist; grad with
#     checkpoints (a replay) equals grad without;
#   - a 1/f table past MS_MAX_NOISE_TABLE is refused before the run.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
FIX=tests/devices
STATS=tests/tools/noise_colored_stats.py
sim() { "$MEMSPICE" run -q "$@" 2>"$tmp/err" && ! sanitizer; }
stats() { if python3 $STATS "$@" >"$tmp/py" 2>&1; then ok "$(tr '\n' ' ' <"$tmp/py")"; else bad "statistics"; cat "$tmp/py"; fi; }

if sim $FIX/noise_colored.cir -o "$tmp/m.csv"; then
    echo "memspice:"; stats "$tmp/m.csv" csv
else bad "noise_colored.cir did not run"; fi

if command -v ngspice >/dev/null; then
    V="v(a1) v(a2) v(a3) v(a4) v(b1) v(b2) v(b3) v(b4) v(c)"
    # rndseed fixes ngspice's telegraph stream; its 1/f drives (a Wallace
    # generator) change from run to run all the same: statistics with bounds
    sed "s|^\.end\$|.control\nset rndseed=1\nrun\nwrdata $tmp/ng.txt $V\n.endc\n.end|" $FIX/noise_colored.cir >"$tmp/ng.cir"
    timeout 300 ngspice -b "$tmp/ng.cir" >"$tmp/ng.log" 2>&1   # (exit code 1 in batch mode with a .control block)
    M=$(sed -n 's/^\([0-9][0-9]*\) 1\/f noise values.*/\1/p' "$tmp/ng.log" | head -1)
    if [ -s "$tmp/ng.txt" ] && [ -n "$M" ]; then
        echo "ngspice (its 1/f buffer: $M samples):"; stats "$tmp/ng.txt" wrdata --circular "$M"
    else bad "ngspice did not run noise_colored.cir"; fi
else bad "ngspice not found"; fi

# ---- seeds ----
sed 's/^Vb1 .*/Vb1 b1 0 DC 0.2 TRNOISE(0.1 1u 1.5 1m 2m 20u 50u)/; s/^\.tran .*/.tran 1u 2m/' $FIX/noise_colored.cir >"$tmp/s1.cir"
sed 's/^\.options seed=1$/.options seed=2/' "$tmp/s1.cir" >"$tmp/s2.cir"
if sim "$tmp/s1.cir" -o "$tmp/s1a.csv" && sim "$tmp/s1.cir" -o "$tmp/s1b.csv" && sim "$tmp/s2.cir" -o "$tmp/s2.csv"; then
    cmp -s "$tmp/s1a.csv" "$tmp/s1b.csv" && ok "the same seed: the same waveforms" || bad "two runs with seed 1 differ"
    python3 - "$tmp/s1a.csv" "$tmp/s2.csv" >"$tmp/py" 2>&1 <<'PY' && ok "another seed: $(cat "$tmp/py")" || bad "seed 2 = seed 1"
import csv, sys
a, b = (list(csv.DictReader(open(p))) for p in sys.argv[1:])
cols = [k for k in a[0] if k != 'time']
diff = {k: max(abs(float(x[k]) - float(y[k])) for x, y in zip(a, b)) for k in cols}
print(' '.join(f"{k}: {v * 1e3:.2f} mV" for k, v in diff.items()))
sys.exit(min(diff.values()) < 1e-4)
PY
else bad "seed runs"; fi

# ---- --inputs and --threads; the edited netlist ----
mkdir -p "$tmp/in"
for i in 1 2 3; do
    printf 'v1 dc 0.5 trnoise(0.0%s 1u 1 1m 1m 3u 5u)\n' "$i" >"$tmp/in/s$i.txt"
done
if "$MEMSPICE" run -q $FIX/noise_rc.cir --inputs "$tmp/in" -o "$tmp/o1" --format csv --threads 1 2>"$tmp/err" &&
   "$MEMSPICE" run -q $FIX/noise_rc.cir --inputs "$tmp/in" -o "$tmp/o3" --format csv --threads 3 2>"$tmp/err"; then
    same=1
    for i in 1 2 3; do cmp -s "$tmp/o1/s$i.csv" "$tmp/o3/s$i.csv" || same=0; done
    [ $same = 1 ] && ok "--inputs: --threads 1 = --threads 3" || bad "--threads changed the noise"
    sed "s/^V1 a 0 .*/V1 a 0 dc 0.5 trnoise(0.02 1u 1 1m 1m 3u 5u)/" $FIX/noise_rc.cir >"$tmp/edited.cir"
    sim "$tmp/edited.cir" -o "$tmp/edited.csv" && cmp -s "$tmp/edited.csv" "$tmp/o1/s2.csv" &&
        ok "--inputs file = the edited netlist (same streams and tables)" || bad "--inputs differs from the edited netlist"
else bad "--inputs run"; fi

# ---- the adjoint's replay sees the same values ----
{ sed '/^\.end$/d' $FIX/noise_rc.cir | sed 's/^V1 a 0 .*/V1 a 0 DC 0.5 TRNOISE(0.05 1u 1 5m 5m 3u 5u)/'
  printf '.trainable r1 c1\n.loss value v(m) at=80u\n.end\n'; } >"$tmp/grad.cir"
"$MEMSPICE" grad "$tmp/grad.cir" >"$tmp/g1" 2>"$tmp/err" && "$MEMSPICE" grad "$tmp/grad.cir" --checkpoint 7 >"$tmp/g2" 2>>"$tmp/err" &&
    cmp -s "$tmp/g1" "$tmp/g2" && grep -q r1 "$tmp/g1" && ok "grad with checkpoints (a replay of the noise) = without" ||
    bad "grad --checkpoint 7 differs or failed"

# ---- the table bound ----
sed 's/^V1 a 0 .*/V1 a 0 TRNOISE(0 1n 1 1m)/; s/^\.tran .*/.tran 1n 10m/' $FIX/noise_rc.cir >"$tmp/big.cir"
"$MEMSPICE" run -q "$tmp/big.cir" -o "$tmp/big.csv" 2>"$tmp/err"
[ $? = 1 ] && grep -q 'big.cir:3.*MS_MAX_NOISE_TABLE' "$tmp/err" && [ ! -e "$tmp/big.csv" ] &&
    ok "a 1/f table past the bound: error naming the card, no output" || bad "huge 1/f table not refused"

summary noise_colored
