#!/usr/bin/env bash
# train_hetero.sh — heterogeneous neurons end to end (tools/mknet
# --trainable-cm: every MIF neuron's membrane capacitor an element of the
# netlist, trainable per neuron), on the bundled 6x5 digits:
#   1. mknet: the homogeneous --trainable-cm network computes exactly what the
#      plain one does (memspice run --fixed-step: the same CSV, byte for byte);
#      --cm-spread gives different capacitances in the range, the same x0;
#   2. training picks the batched engine, moves the capacitances and keeps them
#      in --cm-range; the per-sample engine gives the same losses;
#   3. trained.cir carries the trained capacitances; --eval-only on it gives the
#      last epoch's test accuracy and loss; --fault-sweep runs on it;
#   4. the ngspice form (mif_nocm) agrees with memspice (when ngspice is installed).
# Short: it also runs under the sanitizer build.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
ROOT=$PWD
DATA=$ROOT/netlists/digits6x5
caps() { grep -i '^cm[0-9]' "$1" | awk '{print $4}'; }   # the membrane capacitances of a netlist, in order

# ---- 1. mknet ----
echo "0 1 1 1 0 1 0 0 0 1 1 0 0 0 1 1 1 1 1 1 1 0 0 0 1 1 0 0 0 1" >"$tmp/x.txt"
tools/mknet --preset digits6x5 --sample "$tmp/x.txt" -o "$tmp/plain.cir" &&
    tools/mknet --preset digits6x5 --sample "$tmp/x.txt" --trainable-cm -o "$tmp/homo.cir" &&
    tools/mknet --preset digits6x5 --trainable-cm --cm-spread 0.3 -o "$tmp/hetero.cir" ||
    { echo "FAIL tools/mknet"; exit 1; }
if run 0 "run plain" run --fixed-step "$tmp/plain.cir" -o "$tmp/plain.csv" &&
    run 0 "run --trainable-cm" run --fixed-step "$tmp/homo.cir" -o "$tmp/homo.csv"; then
    cmp -s "$tmp/plain.csv" "$tmp/homo.csv" && ok "--trainable-cm (homogeneous): the same waveforms as the plain network" ||
        bad "--trainable-cm changes the homogeneous network's waveforms"
fi
if grep -q '^\.trainable cm1_\* min=5e-11 max=2e-10 scale=1.5e-10$' "$tmp/hetero.cir" &&
    diff -q <(grep -i '^ymemristor' "$tmp/plain.cir") <(grep -i '^ymemristor' "$tmp/hetero.cir") >/dev/null &&
    caps "$tmp/hetero.cir" | awk '$1 < 5e-11 || $1 > 2e-10 {e = 1} {u[$1]} END {exit e || length(u) < 10}'; then
    ok "--cm-spread 0.3: ten different capacitances in [50p, 200p], the same x0, the .trainable card"
else bad "--cm-spread: capacitances, x0 or the .trainable card not as expected"; fi

# ---- 2. training: the batched engine, the capacitances move within their range ----
OPTS=(--data "$DATA" --epochs 2 --batch 8 --no-plots)
# (--engine batched: an error if the engine refused the network)
if run 0 "train (batched engine)" train "$tmp/hetero.cir" "${OPTS[@]}" --engine batched -o "$tmp/A"; then
    ok "heterogeneous network: the batched engine compiles it"
    if [ -f "$tmp/A/trained.cir" ] && ! diff -q <(caps "$tmp/hetero.cir") <(caps "$tmp/A/trained.cir") >/dev/null &&
        caps "$tmp/A/trained.cir" | awk '$1 < 5e-11 || $1 > 2e-10 {e = 1} END {exit e || NR != 10}'; then
        ok "trained.cir: ten trained capacitances, within [50p, 200p]"
    else bad "trained.cir: the capacitances did not move, or left their range"; fi
fi
if run 0 "train (per-sample)" train "$tmp/hetero.cir" "${OPTS[@]}" --engine per-sample -o "$tmp/P"; then
    python3 - "$tmp/A/metrics.csv" "$tmp/P/metrics.csv" <<'PY' && ok "batched and per-sample engines: the same losses" || bad "the engines differ"
import csv, sys
a, b = (list(csv.DictReader(open(f))) for f in sys.argv[1:])
assert len(a) == len(b) == 2, (len(a), len(b))
for x, y in zip(a, b):
    for k in ("train_loss", "test_loss"):
        assert abs(float(x[k]) - float(y[k])) <= 1e-6 * abs(float(y[k])), (k, x[k], y[k])
PY
fi

# ---- 3. trained.cir: --eval-only reproduces the last epoch; --fault-sweep ----
if [ -f "$tmp/A/trained.cir" ] && run 0 "--eval-only" train "$tmp/A/trained.cir" --data "$DATA" --eval-only; then
    got=$(tail -1 "$tmp/out")
    want=$(awk -F, 'END {printf "accuracy %.2f %% on 200 samples", 100 * $5}' "$tmp/A/metrics.csv")
    wloss=$(awk -F, 'END {printf "loss %.4f", $4}' "$tmp/A/metrics.csv")
    if [ "$got" != "$want" ]; then bad "--eval-only: '$got', want '$want'"
    elif ! grep -qx "$wloss" "$tmp/out"; then bad "--eval-only: no '$wloss' line"
    else ok "--eval-only trained.cir: '$got', '$wloss' as in the last epoch"; fi
    if run 0 "--fault-sweep" train "$tmp/A/trained.cir" --data "$DATA" --eval-only --fault-sweep 0,0.1 \
        --fault-seeds 2 --no-plots -o "$tmp/F"; then
        [ "$(wc -l <"$tmp/F/faults.csv")" -eq 3 ] && ok "--fault-sweep on the trained heterogeneous network" ||
            bad "--fault-sweep: faults.csv"
    fi
fi

# ---- 3b. direct columns: the batched engine has no dL/dC there and says so ----
tools/mknet --layers 30,8,10 --columns direct --trainable-cm -o "$tmp/dcm.cir" &&
    if run 1 "direct + trainable C, batched" train "$tmp/dcm.cir" --data "$DATA" --epochs 1 --engine batched --no-plots \
        -o "$tmp/dcm"; then
        grep -q "trainable membrane capacitance on direct columns" "$tmp/err" && ok "direct + trainable C: refused by the batched engine" ||
            bad "direct + trainable C: no reason given"
    fi

# ---- 4. the ngspice form ----
if command -v ngspice >/dev/null 2>&1 || [ -n "${MS_NGSPICE_LIB:-}" ]; then
    tools/mknet --layers 6,4,3 --trainable-cm --cm-spread 0.5 --tmax 0.05u --sample <(echo 0.1 0.9 0.5 0.3 1 0) \
        -o "$tmp/s.cir" && tools/mknet --ngspice-of "$tmp/s.cir" -o "$tmp/s_ng.cir"
    if grep -q ' mif_nocm$' "$tmp/s_ng.cir" && run 0 "check --against" check "$tmp/s.cir" --against "$tmp/s_ng.cir" &&
        grep -q 'result: pass' "$tmp/out"; then
        ok "ngspice form (mif_nocm): memspice check passes"
    else bad "ngspice form of a heterogeneous network"; fi
fi

summary train_hetero
