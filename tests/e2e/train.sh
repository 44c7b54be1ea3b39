#!/usr/bin/env bash
# train.sh — `memspice train` end to end, on a small hand-written network
# (30 inputs x 10 classes of native memristor cells into mif_native neurons,
# generated below) and the bundled 6x5 digits set netlists/digits6x5
# (200 training, 200 test samples):
#   1. learning: 3 epochs reach 100 % test accuracy, the training loss falls,
#      metrics.csv (header, one row per epoch), checkpoint.h5, trained.cir,
#      loss.png / accuracy.png (PNG signature; when gnuplot is installed);
#   2. --threads 1 and --threads 2 give the same trained.cir and metrics, on both
#      engines, and the batched and per-sample engines the same losses;
#   3. --resume after a kill -9 in the middle of the run gives the trained.cir
#      and /params of an uninterrupted run; resuming a finished run is harmless;
#   4. trained.cir is an ordinary netlist (memspice run --fixed-step), and
#      --eval-only on it gives the last epoch's test accuracy and loss;
#   5. --faults (not better, reproducible), --fault-sweep (table, faults.csv),
#      --fault-aware training;
#   5b. --augment shift=1: --threads 1 and 2 the same on both engines, the engines
#      the same losses, not the unaugmented result (shift=0 is), --resume (also
#      after kill -9) equal to an uninterrupted run, evaluation never shifted,
#      an HDF5 set of samples x rows x cols accepted;
#   6. errors: exit 1 or 2, a message naming the file (or option), and no
#      trained.cir / checkpoint.h5 / metrics.csv written (--augment on flat
#      features or out of range: exit 2).
# Keep it short: it also runs under the ASan/UBSan build (tests/run.sh).
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
cd "$(dirname "$0")/../.."
ROOT=$PWD
DATA=$ROOT/netlists/digits6x5
tmp=$(mktemp -d)
bgpid=
cleanup() { [ -n "$bgpid" ] && kill -9 "$bgpid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0 n=0

ok()  { n=$((n + 1)); echo "ok   $1"; }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"; [ -s "$tmp/err" ] && sed 's/^/     stderr| /' "$tmp/err" | head -8; }
sanitizer() { grep -q 'Sanitizer\|runtime error:' "$1"; }
# run EXPECTED-EXIT DESCRIPTION memspice-args...: stdout in $tmp/out, stderr in $tmp/err
run() {
    local want=$1 what=$2; shift 2
    "$MEMSPICE" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if sanitizer "$tmp/err"; then bad "$what: sanitizer report"; return 1; fi
    if [ "$rc" -ne "$want" ]; then bad "$what: exit code $rc, want $want"; sed 's/^/     stdout| /' "$tmp/out" | tail -5; return 1; fi
    return 0
}
has() { grep -q -- "$2" "$1"; }
png() { [ "$(od -An -tx1 -N8 "$1" 2>/dev/null | tr -d ' \n')" = 89504e470d0a1a0a ]; }
rows() { [ -f "$1" ] && echo $(($(wc -l <"$1") - 1)) || echo 0; }   # metrics.csv rows after the header
col() { awk -F, -v r="$2" -v c="$3" 'NR == r + 1 {print $c}' "$1"; }  # file row(1-based, after header) column
params() { h5dump -d /params "$1" 2>&1 | sed 1d; }                   # /params without the file name line
lastepoch() { grep '^epoch [0-9]*/[0-9]*  train loss' "$1" | tail -1; }

# ---- the network: 30 inputs x 10 classes ----
mknet() { python3 tests/tools/tiny_net.py "$ROOT/models" "$1" "$2"; }   # NIN OUT
NET=$tmp/net.cir
mknet 30 "$NET" && mknet 20 "$tmp/net20.cir" || { echo "FAIL cannot generate the test networks (python3)"; exit 1; }
[ -f "$DATA/train-images-idx3-ubyte" ] || { echo "FAIL $DATA: no data set"; exit 1; }
# the training of checks 1, 3, 4: 3 epochs of 200 samples, batch 8
# the per-sample engine: an epoch takes about half a second, long enough to kill run B in the middle
OPTS=(--data "$DATA" --epochs 3 --batch 8 --engine per-sample)

# ---- help ----
if run 0 "train --help" train --help; then
    missing=()
    for w in usage --data --train-limit --test-limit --output --resume --epochs --batch --lr --threads --eval-only \
        --faults --fault-seed --fault-sweep --fault-seeds --fault-aware --augment --no-plots; do
        has "$tmp/out" "$w" || missing+=("$w")
    done
    [ ${#missing[@]} -eq 0 ] && ok "train --help" || bad "train --help does not mention: ${missing[*]}"
fi

# ---- 1. learning ----
A=$tmp/A
if run 0 "train 3 epochs" train "$NET" "${OPTS[@]}" -o "$A"; then
    cp "$tmp/out" "$tmp/A.out"
    last=$(lastepoch "$tmp/A.out")
    acc=$(echo "$last" | sed -n 's/.*test acc \([0-9.]*\) %.*/\1/p')
    header=$(head -1 "$A/metrics.csv" 2>/dev/null)
    if [ "$(grep -c '^epoch [0-9]*/3  train loss' "$tmp/A.out")" -ne 3 ]; then bad "learning: not 3 epoch lines"; cat "$tmp/A.out"
    elif [ "$acc" != "100.00" ]; then bad "learning: last epoch's test accuracy '$acc' %, want 100.00 ('$last')"
    else ok "learning: 3 epochs, test accuracy $acc %"; fi
    if [ "$header" != "epoch,train_loss,train_acc,test_loss,test_acc,seconds,samples_per_s,lr,val_loss,val_acc" ]; then
        bad "metrics.csv header '$header'"
    elif [ "$(rows "$A/metrics.csv")" -ne 3 ] || [ "$(cut -d, -f1 "$A/metrics.csv" | sed 1d | tr '\n' ' ')" != "1 2 3 " ]; then
        bad "metrics.csv: not one row per epoch (1 2 3)"; cat "$A/metrics.csv"
    elif [ "$(col "$A/metrics.csv" 3 5)" != 1 ]; then bad "metrics.csv: last test_acc '$(col "$A/metrics.csv" 3 5)', want 1"
    else
        l1=$(col "$A/metrics.csv" 1 2) l3=$(col "$A/metrics.csv" 3 2)
        awk -v a="$l1" -v b="$l3" 'BEGIN {exit !(a + 0 > 0 && b + 0 < a + 0)}' &&
            ok "metrics.csv: header, 3 rows, training loss falls $l1 -> $l3" || bad "training loss does not fall: $l1 -> $l3"
    fi
    missing=()
    for f in checkpoint.h5 trained.cir; do [ -s "$A/$f" ] || missing+=("$f"); done
    [ ${#missing[@]} -eq 0 ] && ok "checkpoint.h5 and trained.cir written" || bad "not written: ${missing[*]}"
    if command -v gnuplot >/dev/null || [ -n "${MEMSPICE_GNUPLOT:-}" ]; then
        png "$A/loss.png" && png "$A/accuracy.png" && ok "loss.png and accuracy.png (PNG)" ||
            bad "loss.png / accuracy.png missing or not PNG"
    else
        echo "skip loss.png / accuracy.png: gnuplot not installed"
    fi
    ls "$A" | grep -q '\.tmp' && bad "temporary files left in the output folder: $(ls "$A" | grep '\.tmp' | tr '\n' ' ')"
    if command -v h5dump >/dev/null; then
        params "$A/checkpoint.h5" | grep -q 'DATASET "/params"' && ok "checkpoint.h5 has /params" ||
            bad "checkpoint.h5: no /params"
    else
        bad "h5dump not found (hdf5-tools; make deps installs it)"
    fi
fi

# ---- 2. --threads 1 and 2: the same result, on both engines ----
# (batches of 40 are three chunks of the batched engine: the threads share them)
small=(--data "$DATA" --train-limit 80 --test-limit 16 --epochs 2 --batch 40 --no-plots)
for engine in batched per-sample; do
    [ "$engine" = per-sample ] && small=(--data "$DATA" --train-limit 16 --test-limit 8 --epochs 2 --batch 8 --no-plots)
    if run 0 "--threads 1 ($engine)" train "$NET" "${small[@]}" --engine $engine --threads 1 -o "$tmp/t1$engine" &&
        run 0 "--threads 2 ($engine)" train "$NET" "${small[@]}" --engine $engine --threads 2 -o "$tmp/t2$engine"; then
        t1=$tmp/t1$engine t2=$tmp/t2$engine
        if ! cmp -s "$t1/trained.cir" "$t2/trained.cir"; then bad "--threads 1 / 2 ($engine): trained.cir differs"
        elif ! cmp -s <(cut -d, -f1-5 "$t1/metrics.csv") <(cut -d, -f1-5 "$t2/metrics.csv"); then
            bad "--threads 1 / 2 ($engine): losses or accuracies in metrics.csv differ"; paste -d'\n' "$t1/metrics.csv" "$t2/metrics.csv"
        elif cmp -s "$NET" "$t1/trained.cir"; then bad "--threads ($engine): trained.cir equals the untrained netlist"
        else ok "--threads 1 and 2 ($engine engine): identical trained.cir and metrics"; fi
    fi
done
# the two engines compute the same system: the same losses to 1e-6 (the per-sample path stops Newton at its tolerances)
if [ -f "$tmp/t1per-sample/metrics.csv" ]; then
    run 0 "batched, as per-sample" train "$NET" --data "$DATA" --train-limit 16 --test-limit 8 --epochs 2 --batch 8 \
        --no-plots --engine batched -o "$tmp/tb" &&
        python3 - "$tmp/tb/metrics.csv" "$tmp/t1per-sample/metrics.csv" <<'PY' && ok "batched and per-sample engines: the same losses" || bad "batched and per-sample engines differ"
import csv, sys
a, b = (list(csv.DictReader(open(f))) for f in sys.argv[1:3])
assert len(a) == len(b) == 2
for x, y in zip(a, b):
    for k in ("train_loss", "test_loss"):
        assert abs(float(x[k]) - float(y[k])) <= 1e-6 * abs(float(y[k])), (k, x[k], y[k])
PY
fi

# ---- 2b. a medium network of tools/mknet (differential pairs, bias rows, tanh buffers between
# layers): the batched engine against the per-sample path (tight Newton tolerances, so that the
# per-sample path is exact too): the same losses and the same trained states to 1e-10 ----
if python3 tools/mknet --layers 30,16,10 --steps 10 --options "reltol=1e-10 vntol=1e-13 abstol=1e-16" \
    -o "$tmp/med.cir" >/dev/null; then
    for engine in batched per-sample; do
        run 0 "medium network ($engine)" train "$tmp/med.cir" --data "$DATA" --train-limit 32 --test-limit 16 \
            --epochs 1 --batch 16 --no-plots --engine $engine -o "$tmp/med_$engine"
    done
    python3 - "$tmp/med_batched" "$tmp/med_per-sample" <<'PY' && ok "medium network: batched = per-sample (losses, trained x0 to 1e-10)" || bad "medium network: the engines differ"
import csv, re, sys
a, b = sys.argv[1:3]
ra, rb = (list(csv.DictReader(open(f + "/metrics.csv")))[0] for f in (a, b))
for k in ("train_loss", "test_loss"):
    assert abs(float(ra[k]) - float(rb[k])) <= 1e-10 * abs(float(rb[k])), (k, ra[k], rb[k])
xa, xb = (re.findall(r"x0=([-0-9.e+]+)", open(f + "/trained.cir").read()) for f in (a, b))
assert len(xa) == len(xb) > 1000, (len(xa), len(xb))
worst = max(abs(float(p) - float(q)) for p, q in zip(xa, xb))
assert worst <= 1e-10, worst
print("     worst trained x0 difference", worst)
PY
else
    bad "tools/mknet --layers 30,16,10 failed"
fi

# ---- 2c. a direct-column network of tools/mknet (fully memristive: the columns are the
# membranes, the second layer's cells load the first layer's membranes): --engine auto takes the
# batched engine, and it gives the per-sample path's losses and trained states to 1e-10 ----
if python3 tools/mknet --layers 30,8,10 --columns direct --steps 10 \
    --options "reltol=1e-10 vntol=1e-13 abstol=1e-16" -o "$tmp/dir.cir" >/dev/null; then
    for engine in auto batched per-sample; do
        run 0 "direct network ($engine)" train "$tmp/dir.cir" --data "$DATA" --train-limit 32 --test-limit 16 \
            --epochs 1 --batch 16 --no-plots --engine $engine -o "$tmp/dir_$engine"
    done
    # (the engine line is printed only to a terminal: auto's result is the batched engine's, bit for bit)
    cmp -s "$tmp/dir_auto/trained.cir" "$tmp/dir_batched/trained.cir" &&
        ok "direct network: --engine auto = --engine batched (trained.cir)" ||
        bad "direct network: --engine auto did not take the batched engine"
    python3 - "$tmp/dir_auto" "$tmp/dir_per-sample" <<'PY' && ok "direct network: batched (auto) = per-sample (losses, trained x0 to 1e-10)" || bad "direct network: the engines differ"
import csv, re, sys
a, b = sys.argv[1:3]
ra, rb = (list(csv.DictReader(open(f + "/metrics.csv")))[0] for f in (a, b))
for k in ("train_loss", "test_loss", "test_acc"):
    assert abs(float(ra[k]) - float(rb[k])) <= 1e-10 * abs(float(rb[k])), (k, ra[k], rb[k])
xa, xb = (re.findall(r"x0=([-0-9.e+]+)", open(f + "/trained.cir").read()) for f in (a, b))
assert len(xa) == len(xb) > 600, (len(xa), len(xb))
worst = max(abs(float(p) - float(q)) for p, q in zip(xa, xb))
assert worst <= 1e-10, worst
print("     worst trained x0 difference", worst)
PY
else
    bad "tools/mknet --columns direct failed"
fi
# more neurons than one dense membrane system may hold: refused with the reason, nothing written
if python3 tools/mknet --layers 30,4100,10 --columns direct --steps 2 -o "$tmp/dirbig.cir" >/dev/null &&
    run 1 "direct network of 4110 neurons, batched" train "$tmp/dirbig.cir" --data "$DATA" --train-limit 8 --epochs 1 \
        --engine batched --no-plots -o "$tmp/dirbig"; then
    has "$tmp/err" "4110 neurons: the batched engine solves at most 4096" && [ ! -e "$tmp/dirbig/trained.cir" ] &&
        ok "direct network of 4110 neurons: refused by the batched engine (bounded dense system)" ||
        bad "direct network of 4110 neurons: no reason given, or output written"
fi

# ---- 3. resume after kill -9 ----
B=$tmp/B
if [ -f "$A/trained.cir" ]; then
    "$MEMSPICE" train "$NET" "${OPTS[@]}" --no-plots -o "$B" >"$tmp/B.out" 2>"$tmp/B.err" &
    bgpid=$!
    t0=$SECONDS r=0
    while [ $((SECONDS - t0)) -lt 120 ] && kill -0 "$bgpid" 2>/dev/null; do
        r=$(rows "$B/metrics.csv")
        [ "$r" -ge 1 ] && break
        sleep 0.02
    done
    killed=no
    if kill -9 "$bgpid" 2>/dev/null; then killed=yes; fi
    wait "$bgpid" 2>/dev/null
    bgpid=
    r=$(rows "$B/metrics.csv")
    if sanitizer "$tmp/B.err"; then cp "$tmp/B.err" "$tmp/err"; bad "run B: sanitizer report"
    elif [ "$killed" != yes ]; then cp "$tmp/B.err" "$tmp/err"; bad "run B: ended before it could be killed ($r epochs in metrics.csv)"
    elif [ "$r" -lt 1 ] || [ "$r" -gt 2 ] || [ ! -f "$B/checkpoint.h5" ]; then
        bad "run B: killed after $r epochs (want 1 or 2, with a checkpoint.h5)"
    else
        ok "run B killed with kill -9 after $r of 3 epochs"
        if run 0 "--resume after kill -9" train "$NET" "${OPTS[@]}" --no-plots --resume "$B"; then
            # the checkpoint may be one epoch ahead of metrics.csv if the kill fell between the two
            k=$(sed -n 's/^resuming .* after epoch \([0-9]*\) of 3$/\1/p' "$tmp/out")
            if [ -z "$k" ] || [ "$k" -lt "$r" ] || [ "$k" -gt 2 ]; then
                bad "--resume: no 'resuming ... after epoch $r of 3' line"; cat "$tmp/out"
            elif [ "$(grep -c '^epoch [0-9]*/3  train loss' "$tmp/out")" -ne $((3 - k)) ]; then
                bad "--resume after epoch $k: not $((3 - k)) epoch lines"; cat "$tmp/out"
            else ok "--resume: 'resuming ... after epoch $k of 3', $((3 - k)) more epochs"; fi
            if ! cmp -s "$A/trained.cir" "$B/trained.cir"; then bad "--resume: trained.cir differs from the uninterrupted run"
            elif command -v h5dump >/dev/null && ! cmp -s <(params "$A/checkpoint.h5") <(params "$B/checkpoint.h5"); then
                bad "--resume: checkpoint.h5 /params differ from the uninterrupted run"
            elif ! cmp -s <(cut -d, -f1-5 "$A/metrics.csv") <(cut -d, -f1-5 "$B/metrics.csv"); then
                bad "--resume: metrics.csv losses/accuracies differ from the uninterrupted run"
                paste -d'\n' "$A/metrics.csv" "$B/metrics.csv"
            else ok "--resume: trained.cir, /params and metrics equal the uninterrupted run"; fi
        fi
    fi
    # resuming a finished run: exit 0, nothing changes
    cp -r "$A" "$tmp/A.before"
    if run 0 "--resume of a finished run" train "$NET" "${OPTS[@]}" --resume "$A"; then
        if grep -q '^epoch ' "$tmp/out"; then bad "--resume of a finished run trained more epochs"
        elif ! cmp -s "$A/trained.cir" "$tmp/A.before/trained.cir" || ! cmp -s "$A/checkpoint.h5" "$tmp/A.before/checkpoint.h5" ||
            ! cmp -s "$A/metrics.csv" "$tmp/A.before/metrics.csv"; then
            bad "--resume of a finished run changed trained.cir, checkpoint.h5 or metrics.csv"
        else ok "--resume of a finished run: exit 0, nothing changed"; fi
    fi
    # ... and a lost trained.cir comes back from the checkpoint, the same bytes
    rm -f "$A/trained.cir"
    if run 0 "--resume of a finished run without trained.cir" train "$NET" "${OPTS[@]}" --resume "$A"; then
        cmp -s "$A/trained.cir" "$tmp/A.before/trained.cir" && ok "--resume of a finished run writes a lost trained.cir again" ||
            bad "--resume of a finished run: trained.cir not written again (or different)"
    fi
fi

# ---- 3b. resume on the batched engine: 2 epochs, then --resume to 3 = 3 epochs ----
bopts=(--data "$DATA" --batch 40 --train-limit 120 --test-limit 16 --no-plots --engine batched)
if run 0 "batched 3 epochs" train "$NET" "${bopts[@]}" --epochs 3 -o "$tmp/b3" &&
    run 0 "batched 2 epochs" train "$NET" "${bopts[@]}" --epochs 2 -o "$tmp/b2" &&
    run 0 "batched --resume to 3" train "$NET" "${bopts[@]}" --epochs 3 --resume "$tmp/b2"; then
    cmp -s "$tmp/b3/trained.cir" "$tmp/b2/trained.cir" && ok "batched: 2 epochs + resume = 3 epochs (trained.cir)" ||
        bad "batched: resumed run differs from the uninterrupted one"
fi

# ---- 4. trained.cir: an ordinary netlist, and --eval-only ----
if [ -f "$A/trained.cir" ]; then
    (cd "$tmp" && "$MEMSPICE" run --fixed-step "$A/trained.cir" >"$tmp/out" 2>"$tmp/err")
    rc=$?
    if sanitizer "$tmp/err"; then bad "run trained.cir: sanitizer report"
    elif [ "$rc" -ne 0 ]; then bad "memspice run --fixed-step trained.cir: exit code $rc"
    else ok "memspice run --fixed-step trained.cir: exit 0"; fi
    if run 0 "--eval-only trained.cir" train "$A/trained.cir" --data "$DATA" --eval-only; then
        cp "$tmp/out" "$tmp/eval0"
        got=$(tail -1 "$tmp/out")
        want=$(awk -F, 'END {printf "accuracy %.2f %% on 200 samples", 100 * $5}' "$A/metrics.csv")
        wloss=$(awk -F, 'END {printf "loss %.4f", $4}' "$A/metrics.csv")
        if [ "$got" != "$want" ]; then bad "--eval-only: '$got', want '$want' (the last epoch's test accuracy)"
        elif ! grep -qx "$wloss" "$tmp/out"; then bad "--eval-only: no '$wloss' line (the last epoch's test loss)"; cat "$tmp/out"
        else ok "--eval-only trained.cir: '$got', '$wloss' as in the last epoch"; fi
        has "$tmp/err" ' engine; ' && ok "--eval-only: the set-up line (which engine) on stderr, also in a log" ||
            bad "--eval-only: no set-up line on stderr"
    fi
    if run 0 "--eval-only -q" train "$A/trained.cir" --data "$DATA" --eval-only -q; then
        ! has "$tmp/err" ' engine; ' && ok "--eval-only -q: no set-up line" || bad "--eval-only -q: a set-up line"
    fi
fi

# ---- 5. faults ----
if [ -f "$tmp/eval0" ]; then
    acc0=$(sed -n 's/^accuracy \([0-9.]*\) %.*/\1/p' "$tmp/eval0")
    if run 0 "--faults 0.2" train "$A/trained.cir" --data "$DATA" --eval-only --faults 0.2 --fault-seed 3; then
        cp "$tmp/out" "$tmp/f1"
        acc1=$(sed -n 's/^accuracy \([0-9.]*\) %.*/\1/p' "$tmp/f1")
        if ! has "$tmp/f1" '^stuck cells 0.200 (seed 3)'; then bad "--faults: no 'stuck cells 0.200 (seed 3)' line"; cat "$tmp/f1"
        elif [ -z "$acc1" ] || ! awk -v a="$acc1" -v b="$acc0" 'BEGIN {exit !(a + 0 <= b + 0)}'; then
            bad "--faults 0.2: accuracy '$acc1' %, more than without faults ($acc0 %)"
        else ok "--faults 0.2 --fault-seed 3: accuracy $acc1 % <= $acc0 %"; fi
        if run 0 "--faults 0.2 again" train "$A/trained.cir" --data "$DATA" --eval-only --faults 0.2 --fault-seed 3 --threads 1; then
            cmp -s "$tmp/f1" "$tmp/out" && ok "--faults 0.2 --fault-seed 3: reproducible" ||
                { bad "--faults 0.2 --fault-seed 3: a second run differs"; diff "$tmp/f1" "$tmp/out"; }
        fi
    fi
    if run 0 "--fault-sweep" train "$A/trained.cir" --data "$DATA" --eval-only --test-limit 50 \
        --fault-sweep 0,0.1 --fault-seeds 2 -o "$tmp/sweep"; then
        tab=$(awk '/^stuck fraction +accuracy/ {on = 1; next} on && NF >= 4 && $1 ~ /^[0-9.]+$/ {print $1, $2}' "$tmp/out")
        if [ "$(echo "$tab" | awk '{print $1}' | tr '\n' ' ')" != "0.000 0.100 " ]; then
            bad "--fault-sweep: table rows '$tab', want 0.000 and 0.100"; cat "$tmp/out"
        elif [ "$(echo "$tab" | awk 'NR == 1 {print $2}')" != "100.00" ]; then bad "--fault-sweep: no faults, but accuracy is not 100.00"; cat "$tmp/out"
        elif [ "$(head -1 "$tmp/sweep/faults.csv" 2>/dev/null)" != "fraction,mean_acc,min_acc,max_acc,seeds" ] ||
            [ "$(rows "$tmp/sweep/faults.csv")" -ne 2 ] || [ "$(cut -d, -f5 "$tmp/sweep/faults.csv" | sed 1d | tr '\n' ' ')" != "2 2 " ]; then
            bad "--fault-sweep: faults.csv"; cat "$tmp/sweep/faults.csv" 2>/dev/null
        else ok "--fault-sweep 0,0.1 --fault-seeds 2: a table and faults.csv"; fi
        if command -v gnuplot >/dev/null; then
            png "$tmp/sweep/faults.png" && ok "--fault-sweep: faults.png" || bad "--fault-sweep: no faults.png"
        fi
    fi
fi
# --fault-aware: a fresh stuck set per batch, the same in both engines; the stuck cells'
# trained values survive (restored after each batch): not plain training's result
fa=(--data "$DATA" --train-limit 16 --test-limit 8 --epochs 2 --batch 8 --no-plots --fault-aware 0.2)
if run 0 "--fault-aware 0.2 (per-sample)" train "$NET" "${fa[@]}" --engine per-sample -o "$tmp/fa" &&
    run 0 "--fault-aware 0.2 (batched)" train "$NET" "${fa[@]}" --engine batched -o "$tmp/fab"; then
    [ -s "$tmp/fa/trained.cir" ] && [ "$(rows "$tmp/fa/metrics.csv")" -eq 2 ] &&
        ok "--fault-aware 0.2: trains (trained.cir, two metrics rows)" || bad "--fault-aware 0.2: no trained.cir or metrics rows"
    python3 - "$tmp/fab/metrics.csv" "$tmp/fa/metrics.csv" "$tmp/t1per-sample/metrics.csv" <<'PY' &&
import csv, sys
a, b, plain = (list(csv.DictReader(open(f))) for f in sys.argv[1:4])
for x, y in zip(a, b):
    for k in ("train_loss", "test_loss"):
        assert abs(float(x[k]) - float(y[k])) <= 1e-6 * abs(float(y[k])), (k, x[k], y[k])
assert any(abs(float(x["train_loss"]) - float(p["train_loss"])) > 1e-6 for x, p in zip(b, plain)), "equals plain training"
PY
        ok "--fault-aware: batched and per-sample engines the same losses, not plain training's" ||
        bad "--fault-aware: the engines differ, or it equals plain training"
    # the stuck cells are released after each batch: every cell's x0 stays inside (0, 1), not pinned at 0/1
    python3 - "$tmp/fa/trained.cir" <<'PY' && ok "--fault-aware: no cell left at its stuck value" || bad "--fault-aware: cells left stuck at 0 or 1"
import re, sys
xs = [float(v) for v in re.findall(r"x0=([-+0-9.eE]+)", open(sys.argv[1]).read())]
assert xs and sum(1 for x in xs if x in (0.0, 1.0)) == 0, sum(1 for x in xs if x in (0.0, 1.0))
PY
fi

# ---- 5b. --augment shift=1: training images shifted by a hash of (seed, epoch, row) ----
aug=(--augment shift=1)
for engine in batched per-sample; do
    if [ "$engine" = batched ]; then small=(--data "$DATA" --train-limit 80 --test-limit 16 --epochs 2 --batch 40 --no-plots)
    else small=(--data "$DATA" --train-limit 16 --test-limit 8 --epochs 2 --batch 8 --no-plots); fi
    a1=$tmp/a1$engine a2=$tmp/a2$engine
    if run 0 "--augment, --threads 1 ($engine)" train "$NET" "${small[@]}" "${aug[@]}" --engine $engine --threads 1 -o "$a1" &&
        run 0 "--augment, --threads 2 ($engine)" train "$NET" "${small[@]}" "${aug[@]}" --engine $engine --threads 2 -o "$a2"; then
        if ! cmp -s "$a1/trained.cir" "$a2/trained.cir"; then bad "--augment, --threads 1 / 2 ($engine): trained.cir differs"
        elif ! cmp -s <(cut -d, -f1-5 "$a1/metrics.csv") <(cut -d, -f1-5 "$a2/metrics.csv"); then
            bad "--augment, --threads 1 / 2 ($engine): metrics differ"; paste -d'\n' "$a1/metrics.csv" "$a2/metrics.csv"
        elif cmp -s "$a1/trained.cir" "$tmp/t1$engine/trained.cir"; then bad "--augment ($engine): trained.cir equals the unaugmented run's"
        else ok "--augment shift=1, --threads 1 and 2 ($engine engine): identical trained.cir, not the unaugmented one"; fi
    fi
done
# both engines shift the same way: the same losses (as in 2)
if [ -f "$tmp/a1per-sample/metrics.csv" ] &&
    run 0 "--augment, batched as per-sample" train "$NET" --data "$DATA" --train-limit 16 --test-limit 8 --epochs 2 \
        --batch 8 --no-plots --engine batched "${aug[@]}" -o "$tmp/ab"; then
    python3 - "$tmp/ab/metrics.csv" "$tmp/a1per-sample/metrics.csv" <<'PY' && ok "--augment: batched and per-sample engines, the same losses" || bad "--augment: the engines differ"
import csv, sys
a, b = (list(csv.DictReader(open(f))) for f in sys.argv[1:3])
assert len(a) == len(b) == 2
for x, y in zip(a, b):
    for k in ("train_loss", "test_loss"):
        assert abs(float(x[k]) - float(y[k])) <= 1e-6 * abs(float(y[k])), (k, x[k], y[k])
PY
fi
if [ -f "$tmp/t1per-sample/trained.cir" ] &&
    run 0 "--augment shift=0" train "$NET" --data "$DATA" --train-limit 16 --test-limit 8 --epochs 2 --batch 8 --no-plots \
        --engine per-sample --threads 1 --augment shift=0 -o "$tmp/a0"; then
    cmp -s "$tmp/a0/trained.cir" "$tmp/t1per-sample/trained.cir" && ok "--augment shift=0: the unaugmented trained.cir" ||
        bad "--augment shift=0 differs from no --augment"
fi
# resume (batched): 2 epochs + 1 = 3; resuming with other --augment warns, as other options do
bopts=(--data "$DATA" --batch 40 --train-limit 120 --test-limit 16 --no-plots --engine batched "${aug[@]}")
if run 0 "--augment, 3 epochs" train "$NET" "${bopts[@]}" --epochs 3 -o "$tmp/ab3" &&
    run 0 "--augment, 2 epochs" train "$NET" "${bopts[@]}" --epochs 2 -o "$tmp/ab2" && cp -r "$tmp/ab2" "$tmp/ab2x" &&
    run 0 "--augment, --resume to 3" train "$NET" "${bopts[@]}" --epochs 3 --resume "$tmp/ab2"; then
    cmp -s "$tmp/ab3/trained.cir" "$tmp/ab2/trained.cir" && ok "--augment (batched): 2 epochs + resume = 3 epochs" ||
        bad "--augment (batched): resumed run differs from the uninterrupted one"
    if run 0 "--resume without --augment" train "$NET" "${bopts[@]:0:${#bopts[@]}-2}" --epochs 3 --resume "$tmp/ab2x"; then
        if ! grep -q 'written with other training options' "$tmp/err"; then bad "--resume without --augment: no warning"
        elif cmp -s "$tmp/ab3/trained.cir" "$tmp/ab2x/trained.cir"; then bad "--resume without --augment: still augmented"
        else ok "--resume without --augment: a warning, the last epoch not augmented"; fi
    fi
fi
# kill -9 in the middle, resume (per-sample, 3 epochs of 200 samples as in 3)
U=$tmp/augU K=$tmp/augK
if run 0 "--augment, uninterrupted" train "$NET" "${OPTS[@]}" "${aug[@]}" --no-plots -o "$U"; then
    "$MEMSPICE" train "$NET" "${OPTS[@]}" "${aug[@]}" --no-plots -o "$K" >/dev/null 2>"$tmp/K.err" &
    bgpid=$!
    t0=$SECONDS
    while [ $((SECONDS - t0)) -lt 120 ] && kill -0 "$bgpid" 2>/dev/null && [ "$(rows "$K/metrics.csv")" -lt 1 ]; do sleep 0.02; done
    killed=no
    kill -9 "$bgpid" 2>/dev/null && killed=yes
    wait "$bgpid" 2>/dev/null
    bgpid=
    r=$(rows "$K/metrics.csv")
    if [ "$killed" != yes ] || [ "$r" -gt 2 ] || [ ! -f "$K/checkpoint.h5" ]; then
        cp "$tmp/K.err" "$tmp/err"; bad "--augment: run not killed in the middle ($killed, $r epochs)"
    elif run 0 "--augment, --resume after kill -9" train "$NET" "${OPTS[@]}" "${aug[@]}" --no-plots --resume "$K"; then
        if ! cmp -s "$U/trained.cir" "$K/trained.cir"; then bad "--augment: resumed after kill -9, trained.cir differs"
        elif ! cmp -s <(cut -d, -f1-5 "$U/metrics.csv") <(cut -d, -f1-5 "$K/metrics.csv"); then
            bad "--augment: resumed after kill -9, metrics differ"; paste -d'\n' "$U/metrics.csv" "$K/metrics.csv"
        else ok "--augment: killed after $r epochs, --resume = uninterrupted (trained.cir, metrics)"; fi
    fi
    # the test evaluation of every epoch is not shifted: --eval-only of trained.cir gives its accuracy and loss
    if run 0 "--eval-only of an augmented run" train "$U/trained.cir" --data "$DATA" --eval-only; then
        want=$(awk -F, 'END {printf "loss %.4f accuracy %.2f", $4, 100 * $5}' "$U/metrics.csv")
        got=$(awk '/^loss/ {l = $0} /^accuracy/ {a = $1 " " $2} END {print l, a}' "$tmp/out")
        [ "$got" = "$want" ] && ok "--augment: the epochs' test evaluation unshifted ('$got')" ||
            bad "--augment: --eval-only '$got', metrics.csv '$want'"
    fi
fi
# evaluation ignores --augment
if [ -f "$tmp/eval0" ] && run 0 "--eval-only --augment" train "$A/trained.cir" --data "$DATA" --eval-only --augment shift=2; then
    cmp -s "$tmp/eval0" "$tmp/out" && ok "--eval-only --augment shift=2: the same accuracy and loss" ||
        { bad "--eval-only: --augment changed the evaluation"; diff "$tmp/eval0" "$tmp/out"; }
fi
# HDF5: /x of samples x rows x cols is an image set; samples x features is flat (refused in 6)
h5set() {   # FILE RANK DIMS...: 4 samples of 30 binary features, labels 0..3, the same as the test split
    local f=$1 rank=$2; shift 2
    python3 -c 'import random; random.seed(1); print("\n".join(" ".join(random.choice("01") for _ in range(30)) for _ in range(4)))' >"$tmp/h5x.txt"
    echo "0 1 2 3" >"$tmp/h5y.txt"
    for p in x x_test; do printf 'PATH %s\nINPUT-CLASS TEXTFP\nRANK %s\nDIMENSION-SIZES %s\nOUTPUT-CLASS FP\nOUTPUT-SIZE 32\n' $p "$rank" "$*" >"$tmp/c$p"; done
    for p in y y_test; do printf 'PATH %s\nINPUT-CLASS TEXTIN\nRANK 1\nDIMENSION-SIZES 4\nOUTPUT-CLASS IN\nOUTPUT-SIZE 32\n' $p >"$tmp/c$p"; done
    h5import "$tmp/h5x.txt" -c "$tmp/cx" "$tmp/h5x.txt" -c "$tmp/cx_test" "$tmp/h5y.txt" -c "$tmp/cy" \
        "$tmp/h5y.txt" -c "$tmp/cy_test" -o "$f" >/dev/null 2>&1
}
if command -v h5import >/dev/null && h5set "$tmp/flat.h5" 2 4 30 && h5set "$tmp/img.h5" 3 4 6 5; then
    run 0 "--augment on HDF5 images" train "$NET" --data "$tmp/img.h5" --epochs 1 --batch 4 --no-plots "${aug[@]}" -o "$tmp/h5img" &&
        ok "--augment shift=1 on an HDF5 set of 4 x 6 x 5 images: trains"
else
    echo "skip --augment on HDF5 sets: h5import (hdf5-tools) not installed"
fi

# ---- 5c. a gzip-compressed netlist: trained.cir is plain text and evaluates as the last epoch ----
gzip -c "$NET" >"$tmp/netgz.cir.gz"
if run 0 "train NET.cir.gz" train "$tmp/netgz.cir.gz" --data "$DATA" --train-limit 32 --test-limit 16 --epochs 1 --batch 8 \
    --no-plots -o "$tmp/gz" && run 0 "--eval-only of its trained.cir" train "$tmp/gz/trained.cir" --data "$DATA" \
    --test-limit 16 --eval-only; then
    want=$(awk -F, 'END {printf "accuracy %.2f %%", 100 * $5}' "$tmp/gz/metrics.csv")
    if ! grep -q '^\.trainable' "$tmp/gz/trained.cir"; then bad "train NET.cir.gz: trained.cir is not the netlist's text"
    elif ! grep -q "^$want" "$tmp/out"; then bad "train NET.cir.gz: --eval-only of trained.cir: $(tail -1 "$tmp/out"), want $want"
    else ok "train NET.cir.gz: a plain-text trained.cir that evaluates as the last epoch ($want)"; fi
fi

# ---- 6. errors: exit 1 or 2, the file named, nothing written ----
# fails WHAT PATTERN memspice-train-args...: the command must fail
fails() {
    local what=$1 pat=$2; shift 2
    rm -rf "$tmp/eo"
    "$MEMSPICE" train "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    local msg
    frc=$rc
    msg=$(grep -m1 '^memspice\( train\)\?: error:\|^memspice train:' "$tmp/err")
    if sanitizer "$tmp/err"; then bad "$what: sanitizer report"
    elif [ "$rc" -ne 1 ] && [ "$rc" -ne 2 ]; then bad "$what: exit code $rc, want 1 or 2"
    elif [ -z "$msg" ]; then bad "$what: no 'memspice: error:' message"
    elif ! echo "$msg" | grep -q -- "$pat"; then bad "$what: the message does not name '$pat'"
    elif [ -n "$(ls -A "$tmp/eo" 2>/dev/null)" ]; then bad "$what: files written: $(ls -A "$tmp/eo" | tr '\n' ' ')"
    else ok "$what: exit $rc, '$(echo "$msg" | cut -c1-110)'"; fi
}
fails "missing data folder" "no_such_data" "$NET" --data "$tmp/no_such_data" -o "$tmp/eo"
cp -r "$DATA" "$tmp/trunc"
truncate -s 3000 "$tmp/trunc/train-images-idx3-ubyte"
fails "truncated IDX images" "train-images-idx3-ubyte" "$NET" --data "$tmp/trunc" -o "$tmp/eo"
cp -r "$DATA" "$tmp/mism"
python3 - "$tmp/mism/train-labels-idx1-ubyte" <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
n = struct.unpack(">I", b[4:8])[0]
b[4:8] = struct.pack(">I", n - 1)
open(sys.argv[1], "wb").write(bytes(b[:-1]))   # a consistent labels file of n - 1 labels
EOF
fails "labels/images count mismatch" "train-labels-idx1-ubyte" "$NET" --data "$tmp/mism" -o "$tmp/eo"
fails "20 .input sources, 30 features" "net20.cir" "$tmp/net20.cir" "${OPTS[@]}" -o "$tmp/eo"
fails "20 .input sources, 30 features (--eval-only)" "net20.cir" "$tmp/net20.cir" --data "$DATA" --eval-only
variant() {   # NAME SED-EXPR: a copy of the net
    sed "$2" "$NET" >"$tmp/$1.cir"
    cmp -s "$NET" "$tmp/$1.cir" && echo "warning: $1.cir: the sed did not change the net"
}
variant noreadout '/^\.readout/d'
variant noinput '/^\.input/d'
variant notrainable '/^\.trainable/d'
variant oneclass 's/^\.readout .*/.readout v(o0)/'
variant inputnomatch 's/^\.input .*/.input nomatch*/'
variant trainnomatch 's/^\.trainable .*/.trainable nomatch*:x0/'
variant badencoding 's/^\.input .*/.input vin* encoding=foo/'
for v in noreadout noinput notrainable oneclass inputnomatch trainnomatch badencoding; do
    fails "$v.cir" "$v.cir" "$tmp/$v.cir" "${OPTS[@]}" -o "$tmp/eo"
done
# a resistor on a row: not a network the batched engine compiles; --engine batched refuses it
sed 's/^\.input/rextra in0 0 1meg\n.input/' "$NET" >"$tmp/resistor.cir"
fails "--engine batched on a network it cannot compile" "not a layered network" "$tmp/resistor.cir" "${OPTS[@]}" \
    --engine batched -o "$tmp/eo"
mkdir -p "$tmp/empty"
fails "--resume of an empty folder" "checkpoint.h5" "$NET" "${OPTS[@]}" --resume "$tmp/empty"
[ -z "$(ls -A "$tmp/empty")" ] || bad "--resume of an empty folder: files written: $(ls -A "$tmp/empty" | tr '\n' ' ')"
fails "--resume of a missing folder" "no_such_run" "$NET" "${OPTS[@]}" --resume "$tmp/no_such_run"
[ -e "$tmp/no_such_run" ] && bad "--resume of a missing folder: the folder was created"
fails "--lr -1" "--lr" "$NET" "${OPTS[@]}" --lr -1 -o "$tmp/eo"
fails "--batch 0" "--batch" "$NET" "${OPTS[@]}" --batch 0 -o "$tmp/eo"
[ "$(grep -c 'batch' "$tmp/err")" -eq 1 ] || bad "--batch 0: the message is printed $(grep -c 'batch' "$tmp/err") times"
fails "--epochs 1.5" "--epochs" "$NET" "${OPTS[@]}" --epochs 1.5 -o "$tmp/eo"
fails "--faults 2" "--faults" "$NET" --data "$DATA" --eval-only --faults 2
fails "no --data" "data" "$NET" -o "$tmp/eo"
# --augment: a usage error (exit 2), before anything is written
augfails() { fails "$@"; [ "$frc" -eq 2 ] || bad "$1: exit code $frc, want 2"; }
[ -f "$tmp/flat.h5" ] && augfails "--augment on flat HDF5 features" "no image shape" "$NET" --data "$tmp/flat.h5" "${aug[@]}" -o "$tmp/eo"
augfails "--augment shift=3 on 6x5 images" "out of range 0..2" "$NET" "${OPTS[@]}" --augment shift=3 -o "$tmp/eo"
augfails "--augment shift=-1" "--augment" "$NET" "${OPTS[@]}" --augment shift=-1 -o "$tmp/eo"
augfails "--augment shift=x" "--augment" "$NET" "${OPTS[@]}" --augment shift=x -o "$tmp/eo"
augfails "--augment rotate=1" "--augment" "$NET" "${OPTS[@]}" --augment rotate=1 -o "$tmp/eo"

echo "train: $n checks, $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
