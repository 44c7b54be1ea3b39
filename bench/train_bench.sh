#!/usr/bin/env bash
# bench/train_bench.sh — training speed: `memspice train` on a 784-100-10
# memristive spiking network next to the PyTorch anchor (issues 11 and 12).
#
# usage: bench/train_bench.sh [--quick]   (normally through `make bench`, at the
#        end of bench/run.sh, or alone: `make bench-train`)
#
# In one run, one job at a time:
#   1. the anchor, ../shared/anchors/mif_torch.py --bench --T 25 --bs 128
#      --threads 2: training and inference samples/s, peak RSS; and one epoch
#      of it on the same MNIST subset sizes for its test accuracy;
#   2. memspice train on tools/mknet --layers 784,100,10 --steps 25 --tstep 1u
#      (virtual-ground columns): training samples/s (the epoch's own clock,
#      metrics.csv) for 1 and 2 threads with the default engine (auto: the
#      batched one), inference samples/s (--eval-only, the evaluation's own
#      clock), peak RSS; the per-sample engine and the --columns direct
#      network (per-sample only) on a handful of samples; the ratios to the
#      anchor;
#   3. load + setup of the 80k-device netlist: memspice (libmemspice:
#      ms_circuit_load + ms_work_new) and ngspice (its ngspice form, a deck
#      without analysis) to the point where the analysis would start;
#   4. MNIST test accuracy after one epoch on the subset;
#   5. a perf profile of the batched engine (single thread) and the
#      arithmetic limit of the crossbar products at the machine's measured
#      dgemm rate: bench/profile.md, section "C. Training (batched engine)"
#      (replaced on each full run).
# Results: bench/results-train.md (--quick: bench/out/results-train-quick.md,
# smaller runs, no ngspice, no profile).  Logs of the last run:
# bench/out/train/.  Everything else happens in a temporary folder, removed
# at the end (BENCH_TRAIN_KEEP=1 keeps it).
#
# Prerequisites (checked): the memspice binary and libmemspice.so beside it,
# cc and OpenBLAS headers, /usr/bin/python3 with torch and numpy (Debian
# python3-torch, installed with apt-get if missing), MNIST
# (tools/fetch-data.sh mnist, run if missing), script (util-linux), GNU time;
# optional: ngspice (section 3), perf and binutils (section 5).
#
# Environment: MEMSPICE (default build/memspice), NGSPICE (ngspice),
# ANCHOR (../shared/anchors/mif_torch.py), TORCH_PYTHON (/usr/bin/python3),
# MNIST_DIR (~/.cache/memspice/mnist), BENCH_TRAIN_REPEAT (2: memspice
# training and inference runs per setting, the fastest counts),
# BENCH_ANCHOR_REPEAT (3: runs of the anchor's --bench, the fastest counts).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

quick=0
for a in "$@"; do
    case $a in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,42p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/train_bench.sh: unknown argument '$a' (use --quick)" >&2; exit 2 ;;
    esac
done

MS=${MEMSPICE:-build/memspice}
NG=${NGSPICE:-ngspice}
ANCHOR=${ANCHOR:-$ROOT/../shared/anchors/mif_torch.py}
TPY=${TORCH_PYTHON:-/usr/bin/python3}
MNIST_DIR=${MNIST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/memspice/mnist}
REPEAT=${BENCH_TRAIN_REPEAT:-2}
A_REPEAT=${BENCH_ANCHOR_REPEAT:-3}
BATCH=128
STEPS=25
if [ $quick = 1 ]; then
    TRAIN_N=1024 TEST_N=200 EVAL_N=1000 PS_N=2 PS_B=2 PERF_N=0
    RES_MD=bench/out/results-train-quick.md
else
    TRAIN_N=8192 TEST_N=1000 EVAL_N=5000 PS_N=8 PS_B=4 PERF_N=4096
    RES_MD=bench/results-train.md
fi
PROFILE_MD=bench/profile.md
LOGS=bench/out/train

log() { printf '[train-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 2; }
SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo

# ---- prerequisites ----
case $MS in /*) ;; *) MS=$ROOT/$MS ;; esac
[ -x "$MS" ] || die "$MS not built (make all, or MEMSPICE=path)"
MSLIB=$(dirname "$MS")/libmemspice.so
[ -f "$MSLIB" ] || die "$MSLIB missing (make all builds it beside the binary)"
command -v cc >/dev/null || die "cc not found (tools/install-deps.sh)"
command -v script >/dev/null || die "script (util-linux) not found: it gives memspice a terminal for its progress figures"
[ -x "$TPY" ] || die "$TPY not found (TORCH_PYTHON=path)"
[ -f "$ANCHOR" ] || die "the anchor $ANCHOR is missing (ANCHOR=path)"
apt_install() {
    log "installing $* (Debian)"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
        { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}
if ! "$TPY" -c 'import torch, numpy' 2>/dev/null; then
    apt_install python3-torch python3-numpy || die "apt-get install python3-torch python3-numpy failed"
    "$TPY" -c 'import torch, numpy' 2>/dev/null || die "$TPY still cannot import torch and numpy"
fi
[ -x /usr/bin/time ] || apt_install time || die "GNU time (/usr/bin/time) missing and not installable"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    if [ ! -s "$MNIST_DIR/$f" ]; then
        log "MNIST missing in $MNIST_DIR: tools/fetch-data.sh mnist"
        tools/fetch-data.sh mnist
        [ -s "$MNIST_DIR/$f" ] || die "no $MNIST_DIR/$f after tools/fetch-data.sh mnist (MNIST_DIR=path)"
        break
    fi
done
have_ng=0; [ $quick = 0 ] && command -v "$NG" >/dev/null && have_ng=1
have_perf=0
if [ $quick = 0 ] && command -v perf >/dev/null && command -v addr2line >/dev/null && command -v nm >/dev/null; then
    perf record -q -o /dev/null -- true >/dev/null 2>&1 && have_perf=1
fi
BLAS_CFLAGS=$(pkg-config --cflags openblas 2>/dev/null || echo -I/usr/include/x86_64-linux-gnu/openblas-pthread)
BLAS_LIBS=$(pkg-config --libs openblas 2>/dev/null || echo -L/usr/lib/x86_64-linux-gnu/openblas-pthread -lopenblas)

W=$(mktemp -d "${TMPDIR:-/tmp}/memspice-train-bench.XXXXXX")
cleanup() {
    mkdir -p "$LOGS"
    rm -f "$LOGS"/*
    # the small files: logs, JSON, metrics; not the netlists, checkpoints, perf data
    find "$W" -maxdepth 2 -type f \( -name '*.log' -o -name '*.json' -o -name '*.out' -o -name '*.err' \
        -o -name '*.txt' -o -name '*.env' -o -name 'metrics.csv' \) -size -2M -print0 2>/dev/null |
        while IFS= read -r -d '' f; do
            rel=${f#"$W"/}; cp "$f" "$LOGS/${rel//\//__}"
        done
    if [ "${BENCH_TRAIN_KEEP:-0}" = 1 ]; then log "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

RES=$W/res.env        # key=value: every figure, for the report
CMDS=$W/commands.txt  # the exact commands, in order
: > "$RES"; : > "$CMDS"
res() { printf '%s=%s\n' "$1" "$2" >> "$RES"; }
# show a command with the temp folder as $W and the repository as .
showcmd() {
    local s='' a
    for a in "$@"; do
        if [[ $a =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then s+="$a "; else s+="$(printf '%q' "$a") "; fi
    done
    s=${s//"$W"/\$W}; s=${s//"$ROOT"\//}; echo "${s% }"
}
jget() { "$TPY" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# CPU time of the whole machine so far (busy, steal) in clock ticks: what other
# processes used during a run = busy - the run's own user + sys time
HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $9}' /proc/stat; }
others() {   # others NAME "BUSY0 STEAL0": record the other processes' CPU seconds and the steal during NAME
    local b0 s0 b1 s1
    read -r b0 s0 <<< "$2"; read -r b1 s1 <<< "$(cpu_ticks)"
    [ -s "$W/$1.json" ] || return 0
    res "${1}_other_cpu" "$("$TPY" -c 'import json, sys; m = json.load(open(sys.argv[1])); hz = float(sys.argv[4])
print(round(max(0.0, (int(sys.argv[3]) - int(sys.argv[2])) / hz - m["user_s"] - m["sys_s"]), 2))' "$W/$1.json" "$b0" "$b1" "$HZ")"
    res "${1}_steal" "$(( (s1 - s0) / HZ ))"
}
# measure NAME CMD...: wall time and peak RSS (bench/measure.py), output to NAME.out/.err
measure() {
    local name=$1 t0; shift
    echo "$name: $(showcmd "$@")" >> "$CMDS"
    t0=$(cpu_ticks)
    "$TPY" bench/measure.py --out "$W/$name.json" --stdout "$W/$name.out" --stderr "$W/$name.err" -- "$@" || true
    others "$name" "$t0"
}
# ptyrun NAME CMD...: the same on a terminal (script), so memspice shows its
# engine line and progress figures; the screen goes to NAME.log, cleaned
ptyrun() {
    local name=$1 t0; shift
    echo "$name: $(showcmd "$@")" >> "$CMDS"
    t0=$(cpu_ticks)
    script -qefc "$(printf '%q ' "$TPY" "$ROOT/bench/measure.py" --out "$W/$name.json" -- "$@")" /dev/null \
        < /dev/null > "$W/$name.raw" 2>&1 || true
    tr '\r' '\n' < "$W/$name.raw" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | grep -v '^[[:space:]]*$' > "$W/$name.log" || true
    rm -f "$W/$name.raw"
    others "$name" "$t0"
}
rc_of() { [ -s "$W/$1.json" ] && jget "$W/$1.json" rc || echo 127; }
metric() {   # metric DIR COLUMN: epoch 1's value from DIR/metrics.csv
    "$TPY" -c 'import csv, sys; r = list(csv.DictReader(open(sys.argv[1]))); print(r[-1][sys.argv[2]])' "$1/metrics.csv" "$2"
}
fmt() { "$TPY" -c 'import sys; print(f"{float(sys.argv[1]):,.{int(sys.argv[2])}f}")' "$1" "${2:-1}"; }

# ---- what is measured ----
commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
git diff --quiet HEAD -- src 2>/dev/null || commit="$commit + uncommitted src/ changes"
res date "$(date '+%Y-%m-%d %H:%M %Z')"
res commit "$commit"
res binary "$(showcmd "$MS") built $(date -r "$MS" '+%Y-%m-%d %H:%M %Z')"
res flags "$(readelf --debug-dump=info "$MS" 2>/dev/null | grep -m1 'DW_AT_producer.*GNU C' | grep -o ' -O[0-9a-z]*\| -march=[^ ]*' | tr -d '\n' | sed 's/^ //')"
res cc "$(cc --version | head -1)"
res nproc "$(nproc)"
res cpu "$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
res mem "$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
res kernel "$(uname -r)"
res torch "$("$TPY" -c 'import torch, numpy, sys; print(f"torch {torch.__version__}, numpy {numpy.__version__}, Python {sys.version.split()[0]} ({sys.executable})")')"
res openblas "$(dpkg-query -W -f='${Version}' libopenblas0-pthread 2>/dev/null || echo '?')"
res ngspice "$([ $have_ng = 1 ] && "$NG" -v 2>/dev/null | grep -m1 -o 'ngspice-[0-9.]*' || echo 'not run')"
res quick "$quick"
res batch "$BATCH"; res steps "$STEPS"; res train_n "$TRAIN_N"; res test_n "$TEST_N"; res eval_n "$EVAL_N"
res ps_n "$PS_N"; res ps_b "$PS_B"; res repeat "$REPEAT"; res a_repeat "$A_REPEAT"; res perf_n "$PERF_N"
res anchor_path "$(realpath --relative-to="$ROOT" "$ANCHOR")"
res mnist_dir "$MNIST_DIR"
log "temporary folder $W; results will go to $RES_MD"

# ---- networks ----
log "networks: tools/mknet --layers 784,100,10 --steps $STEPS --tstep 1u (virtual-ground; direct; ngspice form)"
for v in "net:" "netd:--columns direct"; do
    n=${v%%:*}; extra=${v#*:}
    echo "mknet_$n: $(showcmd tools/mknet --layers 784,100,10 --steps $STEPS --tstep 1u $extra -o "$W/$n.cir")" >> "$CMDS"
    # shellcheck disable=SC2086
    tools/mknet --layers 784,100,10 --steps $STEPS --tstep 1u $extra -o "$W/$n.cir"
done
# cells per layer: rows x columns of each crossbar (ymemristor m<l>..._<i>_<j> ROW COL)
layers=$(awk 'tolower($1) == "ymemristor" && $2 ~ /^m[0-9]+/ {
        l = $2; sub(/^m/, "", l); sub(/[^0-9].*/, "", l)
        if (!((l SUBSEP $3) in R)) { R[l, $3] = 1; r[l]++ }
        if (!((l SUBSEP $4) in C)) { C[l, $4] = 1; c[l]++ }
        n[l]++ }
    END { for (l = 1; l in n; l++) printf "%s%dx%dx%d", (l > 1 ? "," : ""), r[l], c[l], n[l] }' "$W/net.cir")
res layers "$layers"
res encoding "$(grep -m1 -io '^\.input .*encoding=[a-z]*' "$W/net.cir" | sed 's/.*encoding=//')"
res neurons "$(grep -c '^xn[0-9]' "$W/net.cir")"
res cells "$(grep -ic '^ymemristor m' "$W/net.cir")"
log "crossbars (rows x columns x cells per layer): $layers"

# ---- 1. the anchor ----
log "anchor: $(showcmd "$TPY" "$ANCHOR" --bench --T $STEPS --bs $BATCH --threads 2 --mnist_dir "$MNIST_DIR")"
res load_anchor "$(loadavg)"
# its --bench times only 10 training batches, so its figure varies from run to run: the best of A_REPEAT runs counts
a_train=; a_inf=; a_inf1000=; a_rss=0
for k in $(seq "$A_REPEAT"); do
    name=anchor_bench_r$k
    measure $name "$TPY" "$ANCHOR" --bench --T $STEPS --bs $BATCH --threads 2 --mnist_dir "$MNIST_DIR"
    [ "$(rc_of $name)" = 0 ] || die "the anchor failed: $(tail -3 "$W/$name.err")"
    t=$(sed -n 's/^TRAIN .*: \([0-9.]*\) samples\/s.*/\1/p' "$W/$name.out")
    i=$(sed -n "s/^INFER .*bs=$BATCH: \([0-9.]*\) samples\/s.*/\1/p" "$W/$name.out")
    i1=$(sed -n 's/^INFER .*bs=1000: \([0-9.]*\) samples\/s.*/\1/p' "$W/$name.out")
    [ -n "$t" ] && [ -n "$i" ] && [ -n "$i1" ] || die "no TRAIN/INFER lines in the anchor's output ($W/$name.out)"
    res "${name}_train" "$t"; res "${name}_inf" "$i"; res "${name}_inf1000" "$i1"
    rss=$(jget "$W/$name.json" maxrss_kb); res "${name}_rss_kb" "$rss"
    log "anchor run $k: training $(fmt "$t") samples/s, inference $(fmt "$i") samples/s (batch $BATCH), $(fmt "$i1") (batch 1000), peak RSS $(( rss / 1024 )) MB"
    a_train=$(printf '%s\n' "$t" $a_train | sort -g | tail -1)
    a_inf=$(printf '%s\n' "$i" $a_inf | sort -g | tail -1)
    a_inf1000=$(printf '%s\n' "$i1" $a_inf1000 | sort -g | tail -1)
    if [ "$rss" -gt "$a_rss" ]; then a_rss=$rss; fi
done
res a_train "$a_train"; res a_inf "$a_inf"; res a_inf1000 "$a_inf1000"; res a_rss_kb "$a_rss"
log "anchor, best of $A_REPEAT: training $(fmt "$a_train") samples/s, inference $(fmt "$a_inf") (batch $BATCH), $(fmt "$a_inf1000") (batch 1000)"

# one epoch on the subset (the anchor's own loop: its load_dataset cut to the subset)
cat > "$W/anchor_subset.py" <<'EOF'
"""Run mif_torch.py's own training loop for one epoch on the first N training and M test samples."""
import importlib.util, sys
sys.dont_write_bytecode = True
anchor, mnist, ntr, nte, bs, T = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
spec = importlib.util.spec_from_file_location("mif_torch", anchor)
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
full = m.load_dataset
def subset(*a, **k):
    xtr, ytr, xte, yte = full(*a, **k)
    return xtr[:ntr], ytr[:ntr], xte[:nte], yte[:nte]
m.load_dataset = subset
sys.argv = [anchor, "--T", T, "--bs", bs, "--threads", "2", "--epochs", "1", "--mnist_dir", mnist,
            "--log_every", "1000000000", "--time_budget", "1e12"]
m.main()
EOF
log "anchor: one epoch on $TRAIN_N training samples, test on $TEST_N"
measure anchor_epoch "$TPY" "$W/anchor_subset.py" "$ANCHOR" "$MNIST_DIR" $TRAIN_N $TEST_N $BATCH $STEPS
if [ "$(rc_of anchor_epoch)" = 0 ] && grep -q '^EPOCH 1 ' "$W/anchor_epoch.out"; then
    l=$(grep -m1 '^EPOCH 1 ' "$W/anchor_epoch.out")
    res a_ep_acc "$(sed 's/.* test_acc \([0-9.]*\).*/\1/' <<< "$l")"
    res a_ep_trainacc "$(sed 's/.* train_acc \([0-9.]*\).*/\1/' <<< "$l")"
    res a_ep_sps "$(sed 's/.* train_sps \([0-9.]*\).*/\1/' <<< "$l")"
    res a_ep_samples "$(sed 's/.* samples \([0-9]*\).*/\1/' <<< "$l")"
    log "anchor: one epoch: test accuracy $(sed 's/.* test_acc \([0-9.]*\).*/\1/' <<< "$l"), $(sed 's/.* train_sps \([0-9.]*\).*/\1/' <<< "$l") samples/s in its epoch loop"
else
    log "anchor: the one-epoch run failed (see $LOGS/anchor_epoch.err)"
fi

# ---- 2. memspice train ----
TRAIN_ARGS=(--data mnist --epochs 1 --train-limit "$TRAIN_N" --test-limit "$TEST_N" --batch "$BATCH" --no-plots)
best_train=()   # per thread count: the best run's name
for T in 1 2; do
    best=
    for k in $(seq "$REPEAT"); do
        name=ms_train_T${T}_r$k
        res "load_$name" "$(loadavg)"
        ptyrun $name "$MS" train "$W/net.cir" "${TRAIN_ARGS[@]}" --threads $T -o "$W/$name"
        [ "$(rc_of $name)" = 0 ] && [ -f "$W/$name/metrics.csv" ] || die "memspice train failed: $(tail -3 "$W/$name.log")"
        sps=$(metric "$W/$name" samples_per_s)
        res "${name}_sps" "$sps"
        res "${name}_engine" "$(grep -m1 -o '[a-z-]* engine;' "$W/$name.log" | sed 's/ engine;//')"
        res "${name}_rss_kb" "$(jget "$W/$name.json" maxrss_kb)"
        res "${name}_wall" "$(jget "$W/$name.json" wall_s)"
        res "${name}_epoch_s" "$(metric "$W/$name" seconds)"
        res "${name}_test_acc" "$(metric "$W/$name" test_acc)"
        res "${name}_train_acc" "$(metric "$W/$name" train_acc)"
        res "${name}_train_loss" "$(metric "$W/$name" train_loss)"
        log "memspice train, $T thread(s), run $k: $(fmt "$sps") samples/s ($(grep -m1 -o '[a-z-]* engine;' "$W/$name.log" | sed 's/;//'), epoch of $TRAIN_N in $(fmt "$(metric "$W/$name" seconds)" 2) s, test accuracy $(metric "$W/$name" test_acc), peak RSS $(( $(jget "$W/$name.json" maxrss_kb) / 1024 )) MB)"
        if [ -z "$best" ] || "$TPY" -c 'import sys; sys.exit(not float(sys.argv[1]) > float(sys.argv[2]))' "$sps" "$(grep "^${best}_sps=" "$RES" | cut -d= -f2)"; then
            best=$name
        fi
    done
    res "best_train_T$T" "$best"
    best_train+=("$best")
done
# thread independence: the trained netlists of 1 and 2 threads
if cmp -s "$W/ms_train_T1_r1/trained.cir" "$W/ms_train_T2_r1/trained.cir"; then res same_threads yes; else res same_threads no; fi
log "memspice: trained.cir of 1 and 2 threads identical: $(grep '^same_threads=' "$RES" | cut -d= -f2)"

# inference: the trained network of the 2-thread run, --eval-only
trained=$W/ms_train_T2_r1/trained.cir
for T in 1 2; do
    best=
    for k in $(seq "$REPEAT"); do
        name=ms_eval_T${T}_r$k
        ptyrun $name "$MS" train "$trained" --data mnist --eval-only --test-limit $EVAL_N --threads $T
        [ "$(rc_of $name)" = 0 ] || die "memspice train --eval-only failed: $(tail -3 "$W/$name.log")"
        sps=$(grep "^test .* $EVAL_N/$EVAL_N " "$W/$name.log" | tail -1 | sed 's/.* \([0-9.]*\) samples\/s.*/\1/')
        [ -n "$sps" ] || die "no progress figure in $W/$name.log"
        res "${name}_sps" "$sps"
        res "${name}_wall" "$(jget "$W/$name.json" wall_s)"
        res "${name}_rss_kb" "$(jget "$W/$name.json" maxrss_kb)"
        res "${name}_acc" "$(sed -n 's/^accuracy \([0-9.]*\) % on.*/\1/p' "$W/$name.log")"
        log "memspice inference, $T thread(s), run $k: $(fmt "$sps") samples/s ($EVAL_N test samples, accuracy $(sed -n 's/^accuracy \([0-9.]*\) % on.*/\1/p' "$W/$name.log") %, wall $(jget "$W/$name.json" wall_s) s)"
        if [ -z "$best" ] || "$TPY" -c 'import sys; sys.exit(not float(sys.argv[1]) > float(sys.argv[2]))' "$sps" "$(grep "^${best}_sps=" "$RES" | cut -d= -f2)"; then
            best=$name
        fi
    done
    res "best_eval_T$T" "$best"
done

# start-up of the training command: load, compile for the batched engine, MNIST test set, one sample
best=
for k in $(seq "$REPEAT"); do
    name=ms_startup_r$k
    measure $name "$MS" train "$W/net.cir" --data mnist --eval-only --test-limit 1 --threads 1
    w=$(jget "$W/$name.json" wall_s)
    res "${name}_wall" "$w"
    if [ -z "$best" ] || "$TPY" -c 'import sys; sys.exit(not float(sys.argv[1]) < float(sys.argv[2]))' "$w" "$best"; then best=$w; fi
done
res ms_startup "$best"
log "memspice train start-up (load, batched compile, test set, 1 sample): $best s"

# the per-sample engine, and the direct-column network (per-sample only)
for v in "ms_persample:net:--engine per-sample" "ms_direct:netd:"; do
    name=${v%%:*}; rest=${v#*:}; n=${rest%%:*}; extra=${rest#*:}
    log "memspice train $n.cir ${extra:-(engine auto)}: $PS_N samples, batch $PS_B, 2 threads"
    # shellcheck disable=SC2086
    ptyrun $name "$MS" train "$W/$n.cir" --data mnist --epochs 1 --train-limit $PS_N --test-limit 1 --batch $PS_B \
        --no-plots --threads 2 $extra -o "$W/$name"
    if [ "$(rc_of $name)" = 0 ] && [ -f "$W/$name/metrics.csv" ]; then
        res "${name}_sps" "$(metric "$W/$name" samples_per_s)"
        res "${name}_epoch_s" "$(metric "$W/$name" seconds)"
        res "${name}_wall" "$(jget "$W/$name.json" wall_s)"
        res "${name}_rss_kb" "$(jget "$W/$name.json" maxrss_kb)"
        res "${name}_engine" "$(grep -m1 -o '[a-z-]* engine;' "$W/$name.log" | sed 's/ engine;//')"
        res "${name}_why" "$(grep -m1 '^memspice train: per-sample engine:' "$W/$name.log" | sed 's/^memspice train: per-sample engine: //')"
        log "  $(fmt "$(metric "$W/$name" samples_per_s)" 3) samples/s ($(grep -m1 -o '[a-z-]* engine;' "$W/$name.log" | sed 's/;//'), peak RSS $(( $(jget "$W/$name.json" maxrss_kb) / 1024 )) MB)"
    else
        res "${name}_sps" "failed"
        log "  failed: $(tail -2 "$W/$name.log")"
    fi
done
# the batched engine on the direct network: refused (the message is the figure)
measure ms_direct_batched "$MS" train "$W/netd.cir" --data mnist --eval-only --test-limit 1 --threads 1 --engine batched
res ms_direct_batched_rc "$(rc_of ms_direct_batched)"
res ms_direct_batched_msg "$(tail -1 "$W/ms_direct_batched.err")"
log "batched engine on the direct network: exit $(rc_of ms_direct_batched): $(tail -1 "$W/ms_direct_batched.err")"

# ---- 3. load + setup ----
cat > "$W/ms_load.c" <<'EOF'
/* Load a netlist through libmemspice and print when the analysis could start
 * (CLOCK_REALTIME, comparable with `date +%s.%N` before the exec), then run
 * its .tran with fixed steps and print that time. */
#include "memspice.h"
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
static double rt(void) { struct timespec t; clock_gettime(CLOCK_REALTIME, &t); return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec; }
static long rss(void) { struct rusage r; getrusage(RUSAGE_SELF, &r); return r.ru_maxrss; }
int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: ms_load NETLIST\n"); return 2; }
    MsError err = {0}; MsCircuit *c = NULL; MsWork *w = NULL;
    double t0 = rt();
    if (ms_circuit_load(argv[1], &c, &err) || ms_work_new(c, &w, &err)) { fprintf(stderr, "ms_load: %s\n", err.msg); return 1; }
    double t1 = rt();
    printf("main=%.6f\nready=%.6f\nrss_ready_kb=%ld\nunknowns=%d\n", t0, t1, rss(), ms_circuit_num_unknowns(c));
    fflush(stdout);
    MsTranSpec spec; memset(&spec, 0, sizeof spec);
    if (!ms_circuit_has_tran(c, &spec)) { fprintf(stderr, "ms_load: no .tran\n"); return 1; }
    memset(&spec, 0, sizeof spec);   /* the netlist's .tran, fixed steps */
    spec.fixed_step = 1;
    MsResult res; memset(&res, 0, sizeof res);
    if (ms_run_tran(w, &spec, &res, &err)) { fprintf(stderr, "ms_load: %s\n", err.msg); return 1; }
    printf("tran_s=%.6f\nsteps=%ld\nnewton=%ld\nfactorizations=%ld\nrss_end_kb=%ld\n", rt() - t1, res.steps_accepted,
           res.newton_iters, res.factorizations, rss());
    ms_result_free(&res); ms_work_free(&w); ms_circuit_free(&c);
    return 0;
}
EOF
if cc -O2 -I"$ROOT/src" -o "$W/ms_load" "$W/ms_load.c" -L"$(dirname "$MSLIB")" -lmemspice \
        -Wl,-rpath,"$(dirname "$MSLIB")" 2> "$W/ms_load_cc.err"; then
    best=
    for k in $(seq "$REPEAT"); do
        name=ms_load_r$k
        echo "$name: $(showcmd "$W/ms_load" "$W/net.cir")  (a C program: ms_circuit_load + ms_work_new, then the .tran)" >> "$CMDS"
        ( date +%s.%N > "$W/$name.start"; exec /usr/bin/time -f '%e %M' -o "$W/$name.time" "$W/ms_load" "$W/net.cir" > "$W/$name.out" 2> "$W/$name.err" ) || true
        if grep -q '^tran_s=' "$W/$name.out"; then
            t=$("$TPY" -c 'import sys; print(round(float(sys.argv[1]) - float(sys.argv[2]), 4))' \
                "$(sed -n 's/^ready=//p' "$W/$name.out")" "$(cat "$W/$name.start")")
            res "${name}_ready" "$t"
            log "memspice load + setup (exec to ready for the analysis), run $k: $t s; the 25-step .tran then: $(sed -n 's/^tran_s=//p' "$W/$name.out") s"
            if [ -z "$best" ] || "$TPY" -c 'import sys; sys.exit(not float(sys.argv[1]) < float(sys.argv[2]))' "$t" "$(grep "^${best}_ready=" "$RES" | cut -d= -f2)"; then best=$name; fi
        else
            log "ms_load failed: $(tail -2 "$W/$name.err")"
        fi
    done
    if [ -n "$best" ]; then
        res ms_load_ready "$(grep "^${best}_ready=" "$RES" | cut -d= -f2)"
        res ms_load_rss_ready_kb "$(sed -n 's/^rss_ready_kb=//p' "$W/$best.out")"
        res ms_load_unknowns "$(sed -n 's/^unknowns=//p' "$W/$best.out")"
        res ms_load_tran_s "$(sed -n 's/^tran_s=//p' "$W/$best.out")"
        res ms_load_tran_newton "$(sed -n 's/^newton=//p' "$W/$best.out")"
        res ms_load_total "$(cut -d' ' -f1 "$W/$best.time")"
        res ms_load_rss_kb "$(cut -d' ' -f2 "$W/$best.time")"
    fi
else
    log "could not build the load helper: $(head -3 "$W/ms_load_cc.err")"
fi
if [ $have_ng = 1 ]; then
    log "ngspice form of the network (tools/mknet --ngspice) and its load"
    echo "mknet_ng: $(showcmd tools/mknet --layers 784,100,10 --steps $STEPS --tstep 1u --ngspice -o "$W/net_ng.cir")" >> "$CMDS"
    tools/mknet --layers 784,100,10 --steps $STEPS --tstep 1u --ngspice -o "$W/net_ng.cir"
    # the same deck without its analysis: a .control block stamps the time when ngspice is ready for it
    sed 's/^\.tran .*/* (.tran removed: load only)/; /^\.end[[:space:]]*$/d' "$W/net_ng.cir" > "$W/ng_load.cir"
    printf '.control\nshell date +%%s.%%N\nrusage netloadtime netparsetime space\nquit\n.endc\n.end\n' >> "$W/ng_load.cir"
    echo "ng_load: $(showcmd "$NG" -b "$W/ng_load.cir")  (net_ng.cir with .tran removed and .control: shell date +%s.%N; rusage netloadtime netparsetime space; quit)" >> "$CMDS"
    res load_ng "$(loadavg)"
    ( date +%s.%N > "$W/ng_load.start"; exec /usr/bin/time -f '%e %M' -o "$W/ng_load.time" "$NG" -b "$W/ng_load.cir" > "$W/ng_load.out" 2> "$W/ng_load.err" ) || true
    ready=$(grep -m1 -E '^[0-9]{9,}\.[0-9]+$' "$W/ng_load.out" || true)
    if [ -n "$ready" ]; then
        t=$("$TPY" -c 'import sys; print(round(float(sys.argv[1]) - float(sys.argv[2]), 4))' "$ready" "$(cat "$W/ng_load.start")")
        res ng_ready "$t"
        res ng_netload "$(sed -n 's/^Netlist loading time= *//p' "$W/ng_load.out")"
        res ng_netparse "$(sed -n 's/^Netlist parsing time= *//p' "$W/ng_load.out")"
        res ng_total "$(cut -d' ' -f1 "$W/ng_load.time")"
        res ng_rss_kb "$(cut -d' ' -f2 "$W/ng_load.time")"
        log "ngspice load (exec to ready for the analysis): $t s (its own counters: loading $(sed -n 's/^Netlist loading time= *//p' "$W/ng_load.out") s, parsing $(sed -n 's/^Netlist parsing time= *//p' "$W/ng_load.out") s), process $(cut -d' ' -f1 "$W/ng_load.time") s, peak RSS $(( $(cut -d' ' -f2 "$W/ng_load.time") / 1024 )) MB"
    else
        log "ngspice load: no time stamp in its output (see $LOGS/ng_load.out)"
    fi
fi

# ---- 5. dgemm at the engine's shapes, and the profile ----
chunk=$(sed -n 's/^#define MS_BATCH_CHUNK \([0-9]*\).*/\1/p' src/train/batch_net.h)
res chunk "${chunk:-16}"
cat > "$W/dgemm_rate.c" <<'EOF'
/* dgemm_rate TA,TB,M,N,K ...: seconds per cblas_dgemm call (row-major, one
 * thread, the product C = op(A) op(B) of M x K by K x N) and GFLOP/s. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec; }
int main(int argc, char **argv)
{
    openblas_set_num_threads(1);
    for (int a = 1; a < argc; a++) {
        int ta, tb, M, N, K;
        if (sscanf(argv[a], "%d,%d,%d,%d,%d", &ta, &tb, &M, &N, &K) != 5) return 2;
        double *A = malloc(sizeof(double) * (size_t)M * K), *B = malloc(sizeof(double) * (size_t)K * N),
               *C = malloc(sizeof(double) * (size_t)M * N);
        for (size_t i = 0; i < (size_t)M * K; i++) A[i] = 0.5 + 1e-3 * (double)(i % 97);
        for (size_t i = 0; i < (size_t)K * N; i++) B[i] = 0.25 + 1e-3 * (double)(i % 89);
        int lda = ta ? M : K, ldb = tb ? K : N;
        long n = 1;
        double dt = 0;
        for (int w = 0; w < 3; w++)
            cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1, A, lda, B, ldb, 0, C, N);
        for (;;) {
            double t0 = now();
            for (long i = 0; i < n; i++)
                cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1, A, lda, B, ldb, 0, C, N);
            dt = now() - t0;
            if (dt > 0.3) break;
            n *= 2;
        }
        printf("%d,%d,%d,%d,%d %.6e %.3f\n", ta, tb, M, N, K, dt / n, 2.0 * M * N * K * n / dt / 1e9);
        free(A), free(B), free(C);
    }
    return 0;
}
EOF
# shellcheck disable=SC2086
if cc -O2 $BLAS_CFLAGS -o "$W/dgemm_rate" "$W/dgemm_rate.c" $BLAS_LIBS -lpthread -lm 2> "$W/dgemm_cc.err"; then
    # the engine's products per chunk of S samples (src/train/batch_run.c), P = S (N + 1) points:
    # static layer (analog inputs): I = H X: S x C x R; dX = H^T dI: R x C x S
    # dynamic layer: I: P x C x R; dX: R x C x P; dH = dI X^T: P x R x C
    shapes=$("$TPY" - "$layers" "${chunk:-16}" $STEPS "$(grep '^encoding=' "$RES" | cut -d= -f2)" <<'EOF'
import sys
layers, S, N, enc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
P = S * (N + 1)
out = []
for l, t in enumerate(layers.split(",")):
    R, C, _ = (int(x) for x in t.split("x"))
    if l == 0 and enc == "analog":
        out += [f"0,0,{S},{C},{R}", f"1,0,{R},{C},{S}"]
    else:
        out += [f"0,0,{P},{C},{R}", f"1,0,{R},{C},{P}", f"0,1,{P},{R},{C}"]
print(" ".join(out + ["0,0,1024,1024,1024"]))
EOF
)
    echo "dgemm: $(showcmd "$W/dgemm_rate") $shapes  (a C program: single-threaded OpenBLAS cblas_dgemm, each shape timed >= 0.3 s)" >> "$CMDS"
    # shellcheck disable=SC2086
    OPENBLAS_NUM_THREADS=1 "$W/dgemm_rate" $shapes > "$W/dgemm.txt" || true
    while read -r shape sec gf; do
        log "dgemm $shape (ta,tb,M,N,K): $sec s per call, $gf GFLOP/s"
    done < "$W/dgemm.txt"
else
    log "could not build the dgemm timer: $(head -3 "$W/dgemm_cc.err")"
fi

if [ $have_perf = 1 ] && [ "$PERF_N" -gt 0 ]; then
    name=perf_train
    log "profile: perf record of a $PERF_N-sample epoch, 1 thread"
    echo "$name: $(showcmd perf record -F 2999 -o "$W/perf.data" -- "$MS" train "$W/net.cir" --data mnist --epochs 1 \
        --train-limit $PERF_N --test-limit 1 --batch $BATCH --threads 1 --no-plots -o "$W/$name")" >> "$CMDS"
    perf record -F 2999 -o "$W/perf.data" -- "$MS" train "$W/net.cir" --data mnist --epochs 1 --train-limit $PERF_N \
        --test-limit 1 --batch $BATCH --threads 1 --no-plots -o "$W/$name" > "$W/$name.out" 2> "$W/$name.err" || true
    if [ -f "$W/$name/metrics.csv" ]; then
        res perf_sps "$(metric "$W/$name" samples_per_s)"
        perf script -i "$W/perf.data" -F time,ip,sym,symoff,dso 2> /dev/null > "$W/perf.script" || true
    fi
fi

# ---- the report ----
"$TPY" - "$W" "$RES_MD" "$PROFILE_MD" "$MS" "$ROOT" <<'PYEOF'
import collections, csv, json, os, re, subprocess, sys

W, RES_MD, PROFILE_MD, MS, ROOT = sys.argv[1:6]
R = {}
for line in open(os.path.join(W, "res.env")):
    k, _, v = line.rstrip("\n").partition("=")
    R[k] = v
quick = R["quick"] == "1"
cmds = [l.rstrip("\n") for l in open(os.path.join(W, "commands.txt"))]


def f(x, d=1):
    try:
        return f"{float(x):,.{d}f}"
    except (TypeError, ValueError):
        return "—"


def fl(k, default=None):
    try:
        return float(R[k])
    except (KeyError, ValueError):
        return default


def mb(kb):
    try:
        return f"{float(kb) / 1024:,.0f} MB"
    except (TypeError, ValueError):
        return "—"


def oc(name):
    v = R.get(name + "_other_cpu")
    return f"{float(v):.1f}" if v not in (None, "") else "?"


def cmd(name):
    for c in cmds:
        if c.startswith(name + ": "):
            return c[len(name) + 2:]
    return "?"


steps, B, S = int(R["steps"]), int(R["batch"]), int(R.get("chunk", "16"))
layers = [tuple(int(x) for x in t.split("x")) for t in R["layers"].split(",")]
static0 = R["encoding"] == "analog"
# multiply-adds of the crossbar products per sample
fwd = sum(r * c if (l == 0 and static0) else steps * r * c for l, (r, c, _) in enumerate(layers))
wgrad = fwd
igrad = sum(0 if (l == 0) else steps * r * c for l, (r, c, _) in enumerate(layers))
train_mac = fwd + wgrad + igrad

a_train, a_inf, a_inf1000 = fl("a_train"), fl("a_inf"), fl("a_inf1000")
bt = {T: R["best_train_T%d" % T] for T in (1, 2)}
be = {T: R["best_eval_T%d" % T] for T in (1, 2)}
tr = {T: fl(bt[T] + "_sps") for T in (1, 2)}
ev = {T: fl(be[T] + "_sps") for T in (1, 2)}

# dgemm
dg = {}
p = os.path.join(W, "dgemm.txt")
if os.path.exists(p):
    for line in open(p):
        shape, sec, gf = line.split()
        dg[shape] = (float(sec), float(gf))
peak = dg.get("0,0,1024,1024,1024", (None, None))[1]
prods = []   # (what, shape, MACs per sample, seconds per sample)
P = S * (steps + 1)
for l, (r, c, _) in enumerate(layers):
    if l == 0 and static0:
        items = [("forward I = H X", f"0,0,{S},{c},{r}"), ("weight gradient dX = H^T dI", f"1,0,{r},{c},{S}")]
    else:
        items = [("forward I = H X", f"0,0,{P},{c},{r}"), ("weight gradient dX = H^T dI", f"1,0,{r},{c},{P}"),
                 ("row gradient dH = dI X^T", f"0,1,{P},{r},{c}")]
    for what, sh in items:
        ta, tb, m, n, k = (int(x) for x in sh.split(","))
        sec = dg.get(sh, (None, None))[0]
        prods.append((f"layer {l + 1}: {what}", sh, m * n * k / S, sec / S if sec else None, dg.get(sh, (None, None))[1]))
t_prod = sum(x[3] for x in prods) if prods and all(x[3] for x in prods) else None
fwd_prod = sum(x[3] for x in prods if "forward" in x[0]) if t_prod else None

# ---- the profile ----
prof = None
ps = os.path.join(W, "perf.script")
if os.path.exists(ps) and os.path.getsize(ps) > 0:
    rx = re.compile(r"^\s*([\d.]+):\s+([0-9a-f]+)\s+(.*?)(?:\+0x([0-9a-f]+))?\s+\((.*)\)\s*$")
    samples = []
    for line in open(ps, errors="replace"):
        m = rx.match(line)
        if m:
            samples.append((float(m.group(1)), m.group(3), int(m.group(4) or "0", 16), m.group(5)))
    engine_sym = re.compile(r"^(ms_batch_run|ms_neuron_lanes|lanes_|neuron)")
    eng = [t for t, s, _, d in samples if d == MS and engine_sym.match(s)]
    if eng:
        t0, t1 = min(eng), max(eng)
        win = [x for x in samples if t0 <= x[0] <= t1]
        symaddr = {}
        for line in subprocess.run(["nm", MS], capture_output=True, text=True).stdout.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                symaddr.setdefault(parts[2], int(parts[0], 16))
        addrs = sorted({symaddr[s] + o for _, s, o, d in win if d == MS and s in symaddr})
        inl = {}
        if addrs:
            out = subprocess.run(["addr2line", "-a", "-f", "-i", "-e", MS], input="\n".join(hex(a) for a in addrs),
                                 capture_output=True, text=True).stdout.splitlines()
            cur = None
            i = 0
            while i < len(out):
                if out[i].startswith("0x"):
                    cur = int(out[i], 16)
                    inl[cur] = []
                    i += 1
                    continue
                if cur is not None and i + 1 < len(out):
                    inl[cur].append((out[i], out[i + 1]))
                i += 2
        rows_f = {"rows_forward", "buffer_rows", "input_value", "ms_tape_eval_batch", "op_eval"}
        NEURON, ADJ = re.compile(r"neuron|lane"), re.compile(r"adjoint|backward")
        by_func, by_cat, by_line = collections.Counter(), collections.Counter(), collections.Counter()
        for _, s, o, d in win:
            base = os.path.basename(d)
            chain = inl.get(symaddr.get(s, -1) + o, []) if d == MS else []
            funcs = [fn for fn, _ in chain] or [re.sub(r"\.(avx2|default|resolver)$", "", s)]
            func, src = funcs[0], (chain[0][1] if chain else "")
            neuron = any(NEURON.search(x) for x in funcs) or "batch_neuron.c" in src
            if "openblas" in base:
                cat = "crossbar products (OpenBLAS dgemm)"
            elif neuron and any(ADJ.search(x) for x in funcs):
                cat = "neurons: adjoint sweep"
            elif neuron or (base.startswith("libm") and re.match(r"^(__ieee754_exp|__exp|exp)(_fma|@|$)", s)):
                cat = "neurons: forward Newton steps"
            elif func in rows_f or (base.startswith("libm") and re.match(r"^_*(sinh|cosh|tanh|expm1)", s)):
                cat = "rows: h = a sinh(b v), the tanh buffers (compiled expressions), their derivatives"
            elif func == "columns_forward":
                cat = "column currents to neurons (mirror taps)"
            elif "batch_run.c" in src or func in ("ms_batch_run", "batch_run"):
                cat = "the engine's own loops in batch_run.c (readout, loss, taps, gradient scatter, buffer chain rule)"
                by_line[src.split(" ")[0]] += 1
            elif func in ("ms_optim_step",):
                cat = "optimizer (Adam)"
            elif d == MS:
                cat = "other memspice (parameter write-back after each update, ...)"
            elif base.startswith("libc"):
                cat = "libc (memset, memcpy, malloc)"
            elif "kernel" in base:
                cat = "kernel"
            else:
                cat = "other"
            by_cat[cat] += 1
            by_func[(func if d == MS else s, base)] += 1
        n = len(win)
        # name the biggest functions of the catch-all memspice bucket
        other = "other memspice (parameter write-back after each update, ...)"
        if other in by_cat:
            top = [fn for (fn, obj), _ in by_func.most_common() if obj == os.path.basename(MS) and not NEURON.search(fn)
                   and fn not in rows_f and fn not in ("columns_forward", "ms_batch_run", "batch_run", "ms_optim_step")][:4]
            by_cat[f"other memspice (top: {', '.join(top)})"] = by_cat.pop(other)
        # the source text of ms_batch_run's own hottest lines, when the source is what the binary was built from
        src_path = os.path.join(ROOT, "src/train/batch_run.c")
        src_ok = os.path.exists(src_path) and os.path.getmtime(src_path) <= os.path.getmtime(MS)
        src_lines = open(src_path).read().splitlines() if src_ok else []
        lines = []
        for k, v in by_line.most_common(5):
            m = re.search(r":(\d+)$", k)
            txt = src_lines[int(m.group(1)) - 1].strip() if m and src_lines and int(m.group(1)) <= len(src_lines) else ""
            lines.append((os.path.basename(k), v, txt))
        prof = dict(n=n, secs=t1 - t0, cat=by_cat.most_common(), func=by_func.most_common(18), lines=lines)

# ---- results-train.md ----
L = []
w = L.append
w("# memspice train vs the PyTorch anchor: training benchmark" + (" (quick)" if quick else ""))
w("")
w(f"Measured {R['date']} by `bench/train_bench.sh` (`make bench` runs it after bench/run.sh; `make bench-train` alone), "
  f"one job at a time.  Machine: {R['nproc']} cores (`nproc`), CPU {R['cpu']}, {R['mem']} RAM, Linux {R['kernel']}.  "
  f"memspice {R['commit']} ({R['binary']}, {R['flags']}, {R['cc']}); OpenBLAS {R['openblas']} (Debian); "
  f"{R['torch']}; {R['ngspice']}.  Load averages (1/5/15 min) before the anchor: {R.get('load_anchor', '?')}; "
  f"before the memspice training runs: " + "; ".join(R.get(f"load_ms_train_T{T}_r{k}", "?") for T in (1, 2)
                                                       for k in range(1, int(R['repeat']) + 1)) + ".")
w("")
w("The network: `tools/mknet --layers 784,100,10 --steps 25 --tstep 1u` — 784 analog inputs (DC sources), "
  f"{int(R['cells']):,} Yakopcic synapse cells (`YMEMRISTOR level=3`, differential pairs) in two crossbars "
  + " and ".join(f"{r}×{c}" for r, c, _ in layers) + " (rows × columns, bias row included), virtual-ground columns "
  f"mirrored into {R['neurons']} `mif_native` neurons, 25 fixed steps of 1 µs; every cell's `x0` trainable "
  f"({int(R['cells']):,} values).  The anchor: `{R['anchor_path']}`, the same 784-100-10 shape as a discretised "
  "MIF ODE in PyTorch (BPTT by autograd, Adam), one weight per synapse.")
w("")
if a_train and tr[2]:
    r2 = tr[2] / a_train
    w(f"**Training (issue 12's goal: ≥ 1.0× the anchor): memspice {f(tr[2])} samples/s with 2 threads (batched engine) "
      f"vs the anchor's {f(a_train)} samples/s (2 threads): ratio memspice/anchor = {r2:.2f}× — goal "
      + ("met" if r2 >= 1 else "not met") + f".**  With 1 thread: {f(tr[1])} samples/s ({tr[1] / a_train:.2f}× the 2-thread anchor)."
      + (f"  Against the anchor's own epoch loop on the same {int(R['train_n']):,} samples ({f(R['a_ep_sps'])} samples/s, "
         f"section 4): {tr[2] / fl('a_ep_sps'):.2f}×." if fl("a_ep_sps") else ""))
    w("")
if a_inf and ev[2]:
    w(f"**Inference: memspice {f(ev[2])} samples/s (2 threads) vs the anchor's {f(a_inf)} samples/s at batch {B}: "
      f"ratio {ev[2] / a_inf:.2f}×** ({ev[2] / a_inf1000:.2f}× its {f(a_inf1000)} samples/s at batch 1000).")
    w("")

w("## 1. The anchor (PyTorch, 2 threads)")
w("")
w("| figure | value |")
w("|---|---:|")
ar = range(1, int(R["a_repeat"]) + 1)
w(f"| training (forward + BPTT + Adam, batch {B}, T = {steps}) | **{f(a_train)}** samples/s (runs: "
  + ", ".join(f(R[f"anchor_bench_r{k}_train"]) for k in ar) + ") |")
w(f"| inference, batch {B} | **{f(a_inf)}** samples/s (runs: " + ", ".join(f(R[f"anchor_bench_r{k}_inf"]) for k in ar) + ") |")
w(f"| inference, batch 1000 | **{f(a_inf1000)}** samples/s (runs: " + ", ".join(f(R[f"anchor_bench_r{k}_inf1000"]) for k in ar) + ") |")
w(f"| peak RSS of the `--bench` process (MNIST loaded as float32: 188 MB of it) | {mb(R.get('a_rss_kb'))} |")
w("| other processes' CPU during each run | " + ", ".join(oc(f"anchor_bench_r{k}") + " s" for k in ar) + " |")
w(f"| its one-epoch loop on {R.get('a_ep_samples', '?')} samples (section 4; others' CPU {oc('anchor_epoch')} s) | {f(R.get('a_ep_sps'))} samples/s |")
w("")
w(f"`--bench` times 10 batches of {B} after 2 warm-up batches (training) and 5 s of forward passes per batch size "
  f"(inference); it excludes loading the data.  Its training figure is a 0.3–0.5 s measurement and varies by tens of "
  f"percent from run to run on this machine: the fastest of {R['a_repeat']} runs counts (BENCH_ANCHOR_REPEAT), as the "
  f"fastest of {R['repeat']} counts for memspice.")
w("")

w(f"## 2. memspice train (same shape, batch {B})")
w("")
w("| run | engine | threads | samples | training samples/s | ratio to anchor | epoch time | run wall | peak RSS | others' CPU |")
w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for T in (1, 2):
    n = bt[T]
    allv = ", ".join(f(R[f"ms_train_T{T}_r{k}_sps"]) for k in range(1, int(R['repeat']) + 1))
    w(f"| virtual-ground, `--engine auto` | {R[n + '_engine']} | {T} | {int(R['train_n']):,} | **{f(tr[T])}** "
      f"(runs: {allv}) | {tr[T] / a_train:.3f}× | {f(R[n + '_epoch_s'], 2)} s | {f(R[n + '_wall'], 1)} s | {mb(R[n + '_rss_kb'])} | "
      + ", ".join(oc(f"ms_train_T{T}_r{k}") for k in range(1, int(R['repeat']) + 1)) + " s |")
for key, label in (("ms_persample", "virtual-ground, `--engine per-sample`"), ("ms_direct", "`--columns direct`, `--engine auto`")):
    if fl(key + "_sps") is not None:
        s = fl(key + "_sps")
        w(f"| {label} | {R[key + '_engine']} | 2 | {int(R['ps_n'])} (batch {R['ps_b']}) | {s:.3f} | {s / a_train:.1e}× | "
          f"{f(R[key + '_epoch_s'], 1)} s | {f(R[key + '_wall'], 1)} s | {mb(R[key + '_rss_kb'])} | {oc(key)} s |")
    else:
        w(f"| {label} | — | 2 | {R['ps_n']} | failed | | | | | |")
w("")
w(f"Training samples/s = the epoch's samples / the epoch's own clock (`metrics.csv` `samples_per_s`, the same figure as "
  f"the epoch line): forward, readout and loss, adjoint, gradient reduction, Adam step and writing the new states back, "
  f"for the {int(R['train_n']) // B} whole batches; not the start-up (below) nor the test pass.  Batched runs: the fastest of "
  f"{R['repeat']} (BENCH_TRAIN_REPEAT).  `--train-limit N` takes the first N of the 60,000 "
  "training samples (shuffled each epoch with the seed).  Peak RSS includes the 60,000 training images as float32 (188 MB).")
w("")
w(f"- Thread independence: the trained netlists of the 1- and 2-thread runs are "
  + ("**identical** (byte for byte)." if R.get("same_threads") == "yes" else "**different** (they should not be)."))
if R.get("ms_direct_why"):
    w(f"- `--columns direct` under `--engine auto` falls back to the per-sample engine: \"{R['ms_direct_why']}\".  "
      f"With `--engine batched` (`--eval-only`) memspice refuses it (exit {R.get('ms_direct_batched_rc')}): "
      f"\"{R.get('ms_direct_batched_msg', '')}\".")
w("")
steal = sum(int(v) for k, v in R.items() if k.endswith("_steal") and v.lstrip("-").isdigit())
w("Others' CPU = the machine's busy CPU time during the run (`/proc/stat`) minus the run's own user + system time: "
  "what other processes (and this script's own tools, about 0.1 s) took from the 2 cores meanwhile; a figure of "
  f"seconds next to a run of a few seconds means that run was disturbed.  Steal time reported by the kernel over all "
  f"measured runs: {steal} s.")
w("")
w("Inference (`--eval-only` on the trained network of the 2-thread run, the first "
  f"{int(R['eval_n']):,} test samples; samples/s from the evaluation's own clock, the progress figure at the end):")
w("")
w("| threads | inference samples/s | ratio to anchor (batch 128 / 1000) | run wall | peak RSS | accuracy | others' CPU |")
w("|---:|---:|---:|---:|---:|---:|---:|")
for T in (1, 2):
    n = be[T]
    allv = ", ".join(f(R[f"ms_eval_T{T}_r{k}_sps"]) for k in range(1, int(R['repeat']) + 1))
    w(f"| {T} | **{f(ev[T])}** (runs: {allv}) | {ev[T] / a_inf:.2f}× / {ev[T] / a_inf1000:.2f}× | {f(R[n + '_wall'], 2)} s | "
      f"{mb(R[n + '_rss_kb'])} | {R[n + '_acc']} % | "
      + ", ".join(oc(f"ms_eval_T{T}_r{k}") for k in range(1, int(R['repeat']) + 1)) + " s |")
w("")

w("## 3. Load + setup of the 80k-device netlist")
w("")
w("Same definition for both: wall time from the exec of the process (a `date +%s.%N` stamp just before it) to the "
  "moment the analysis could start.  memspice: a small C program on libmemspice that calls `ms_circuit_load` "
  "(read, parse, elaborate, the matrix pattern and KLU's symbolic analysis) and `ms_work_new`, then stamps the time; "
  "it then runs the netlist's `.tran` (25 fixed steps) for the record.  ngspice: its form of the same network "
  "(`tools/mknet ... --ngspice`: subcircuit cells of models/memristors.lib, `mif` neurons) with the `.tran` line removed "
  "and a `.control` block that stamps the time (`shell date +%s.%N`) — ngspice has read, parsed and expanded the "
  "netlist and created the devices; its matrix set-up and ordering happen later, in the analysis, so its figure "
  "leaves out work that memspice's includes.")
w("")
if not R.get("ng_ready"):
    w(f"ngspice: not run ({'--quick' if quick else 'not installed, or its run failed: see bench/out/train/ng_load.*'}).")
    w("")
w("| | memspice | ngspice |")
w("|---|---:|---:|")
w(f"| exec → ready for the analysis | **{f(R.get('ms_load_ready'), 2)} s** | **{f(R.get('ng_ready'), 2)} s** |")
w(f"| its own counters | — | loading {R.get('ng_netload', '—')} s, parsing {R.get('ng_netparse', '—')} s |")
w(f"| peak RSS at that point | {mb(R.get('ms_load_rss_ready_kb'))} | {mb(R.get('ng_rss_kb'))} (whole process) |")
w(f"| whole process | {f(R.get('ms_load_total'), 2)} s (with the 25-step `.tran`: {f(R.get('ms_load_tran_s'), 3)} s, "
  f"{R.get('ms_load_tran_newton', '?')} Newton iterations) | {f(R.get('ng_total'), 2)} s (no analysis; exit included) |")
w(f"| unknowns | {int(R['ms_load_unknowns']):,} |  |" if R.get("ms_load_unknowns") else "| unknowns | ? | |")
w("")
if fl("ms_load_ready") and fl("ng_ready"):
    w(f"ngspice / memspice: {fl('ng_ready') / fl('ms_load_ready'):.1f}×.  Issue 12 asks memspice for ≤ 1 s: "
      + ("met" if fl("ms_load_ready") <= 1 else f"not met ({f(R['ms_load_ready'], 2)} s)") + ".")
w(f"The training command's own start-up (`memspice train net.cir --data mnist --eval-only --test-limit 1 --threads 1`: "
  f"load, compile for the batched engine, the MNIST test set, one sample; fastest of {R['repeat']}): "
  f"{f(R.get('ms_startup'), 2)} s.")
w("")

w(f"## 4. MNIST test accuracy after one epoch on a subset")
w("")
w("| | training samples | test samples | train accuracy (during the epoch) | test accuracy |")
w("|---|---:|---:|---:|---:|")
n1 = R["best_train_T1"].rsplit("_r", 1)[0] + "_r1"
w(f"| memspice (batched, seed 1, Adam lr 0.01) | {int(R['train_n']):,} (the first) | {int(R['test_n']):,} (first) | "
  f"{100 * float(R[n1 + '_train_acc']):.2f} % | **{100 * float(R[n1 + '_test_acc']):.2f} %** |")
if R.get("a_ep_acc"):
    w(f"| anchor (its own loop, seed 0, Adam lr 1e-3) | {int(R['a_ep_samples']):,} (first) | {int(R['test_n']):,} (first) | "
      f"{100 * float(R['a_ep_trainacc']):.2f} % | **{100 * float(R['a_ep_acc']):.2f} %** |")
else:
    w("| anchor | — | — | — | not measured (its run failed) |")
w("")
w("Each with its own default learning rate and initialisation; one epoch of 64 updates is a smoke test of learning, "
  "not a comparison of the two models.")
w("")

w("## 5. The arithmetic limit")
w("")
w(f"Multiply-adds of the crossbar products per sample, from the netlist (rows × columns of each crossbar, bias row "
  f"included; {steps} steps): with analog inputs the first crossbar's rows are constant, so its product is computed "
  "once per sample, the second one's at every step.")
w("")
w("| | multiply-adds per sample |")
w("|---|---:|")
for l, (r, c, _) in enumerate(layers):
    k = 1 if (l == 0 and static0) else steps
    w(f"| layer {l + 1}: {r} × {c}" + (" (once)" if k == 1 else f" × {k} steps") + f" | {r * c * k:,} |")
w(f"| forward (inference) | {fwd:,} |")
w(f"| + weight gradients (the same products transposed) | {wgrad:,} |")
w(f"| + gradients into the rows of layers fed by neurons | {igrad:,} |")
w(f"| **training** | **{train_mac:,}** ({2 * train_mac / 1e6:.2f} MFLOP) |")
w("")
w(f"The anchor's products for comparison: 784×100 once + 100×10 per step = {784 * 100 + steps * 1000:,} forward "
  f"(one weight per synapse; memspice's differential pairs double the columns).")
w("")
if t_prod:
    w(f"Measured single-thread dgemm (OpenBLAS, the engine's calls on chunks of S = {S} samples, "
      f"P = S × {steps + 1} points):")
    w("")
    w("| product | M × N × K | GFLOP/s | µs per sample |")
    w("|---|---|---:|---:|")
    for what, sh, macs, sec, gf in prods:
        _, _, m_, n_, k_ = sh.split(",")
        w(f"| {what} | {m_} × {n_} × {k_} | {gf:.1f} | {sec * 1e6:.2f} |")
    w(f"| a large square product (peak) | 1024 × 1024 × 1024 | {peak:.1f} | |")
    w("")
    lim1 = 1 / t_prod
    limpk = peak * 1e9 / (2 * train_mac)
    w(f"Crossbar products alone at these rates: {t_prod * 1e6:.1f} µs per training sample per core, i.e. a limit of "
      f"**{f(lim1, 0)} samples/s per core** ({f(2 * lim1, 0)} on 2 cores); at the peak rate, {f(limpk, 0)} samples/s per core.  "
      f"Measured: {f(tr[1])} samples/s on 1 thread = **{100 * tr[1] / lim1:.1f} % of the products' limit** "
      f"({100 * tr[2] / (2 * lim1):.1f} % with 2 threads).  Inference: products {fwd_prod * 1e6:.1f} µs per sample, "
      f"limit {f(1 / fwd_prod, 0)} samples/s per core; measured {f(ev[1])} on 1 thread ({100 * ev[1] * fwd_prod:.1f} %).")
    w("")
if prof:
    tot = prof["n"]
    cat = dict(prof["cat"])
    blas = sum(v for k, v in cat.items() if k.startswith("crossbar")) / tot
    neur = sum(v for k, v in cat.items() if k.startswith("neurons")) / tot
    w(f"Where the time goes (perf, 1 thread, {R['perf_n']} samples, bench/profile.md section C): crossbar products "
      f"**{100 * blas:.1f} %**, neuron Newton solves and their adjoint **{100 * neur:.1f} %**, the rest {100 * (1 - blas - neur):.1f} %.  "
      + (f"Per sample on 1 thread ({f(fl('perf_sps'))} samples/s in that run) the neurons take "
         f"{neur / fl('perf_sps') * 1e6:.0f} µs for {int(R['neurons'])} neurons × {steps} steps, "
         f"{neur / fl('perf_sps') / (int(R['neurons']) * steps) * 1e9:.0f} ns per neuron-step (forward Newton and adjoint)."
         if fl("perf_sps") else ""))
    w("")

w("## Commands (in the order run; `$W` = the temporary folder)")
w("")
for c in cmds:
    w(f"- {c.split(': ', 1)[0]}: `{c.split(': ', 1)[1]}`")
w("")
w("Ratios are memspice / anchor (above 1: memspice faster).  Logs of this run: bench/out/train/.")
os.makedirs(os.path.dirname(RES_MD) or ".", exist_ok=True)
with open(RES_MD + ".tmp", "w") as fo:
    fo.write("\n".join(L).replace(W, "$W") + "\n")
os.replace(RES_MD + ".tmp", RES_MD)

# ---- bench/profile.md, section C (replaced on each full run) ----
if prof and not quick:
    P = []
    p_ = P.append
    p_("<!-- train_bench.sh: begin (written by bench/train_bench.sh; replaced on each run) -->")
    p_(f"# C. Training (batched engine), measured {R['date']}")
    p_("")
    p_(f"memspice {R['commit']}, {R['flags']}; `{cmd('perf_train')}` "
       f"(self time, no call graphs; {prof['n']:,} samples at 2999 Hz over the training epoch only: the window from the "
       f"first to the last sample in the engine, {prof['secs']:.2f} s; start-up excluded).  Inlined functions are "
       "attributed with addr2line.  That run: " + f"{f(R.get('perf_sps'))} samples/s.")
    p_("")
    p_("| where | share |")
    p_("|---|---:|")
    for k, v in prof["cat"]:
        p_(f"| {k} | {100 * v / prof['n']:.1f} % |")
    p_("")
    p_("Top functions (inlined ones by name):")
    p_("")
    p_("| function | object | share |")
    p_("|---|---|---:|")
    for (fn, obj), v in prof["func"]:
        p_(f"| `{fn}` | {obj} | {100 * v / prof['n']:.1f} % |")
    p_("")
    if prof["lines"]:
        p_("The hottest lines of batch_run.c's own loops: " + "; ".join(f"{k} {100 * v / prof['n']:.1f} %" + (f" (`{t}`)" if t else "")
                                                        for k, v, t in prof["lines"]) + ".")
        p_("")
    if t_prod:
        blas = sum(v for k, v in prof["cat"] if k.startswith("crossbar")) / prof["n"]
        neur = sum(v for k, v in prof["cat"] if k.startswith("neurons")) / prof["n"]
        sps = fl("perf_sps")
        cats = [(k, v / prof["n"]) for k, v in prof["cat"]]
        rest = [(k, v) for k, v in cats if not k.startswith(("crossbar", "neurons"))][:3]
        p_(f"Reading: the crossbar products, the part the batched engine hands to BLAS, are {100 * blas:.1f} % of the time; "
           f"the neurons' implicit steps (Newton) and their adjoint {100 * neur:.1f} %"
           + (f", {neur / sps / (int(R['neurons']) * steps) * 1e9:.0f} ns per neuron-step per sample "
              f"({int(R['neurons'])} neurons × {steps} steps, forward and adjoint)" if sps else "")
           + "; then " + ", ".join(f"{k} {100 * v:.1f} %" for k, v in rest) + ".  The anchor takes one "
           "explicit (semi-implicit) update per neuron-step as tensor operations over the batch; memspice solves "
           "each trapezoidal step to rounding (exactness), so the neurons cost more per step by construction.")
        p_("")
        p_(f"Arithmetic limit: {train_mac:,} crossbar multiply-adds per training sample (forward {fwd:,}: "
           + " + ".join(f"{r}×{c}" + ("" if (l == 0 and static0) else f"×{steps}") for l, (r, c, _) in enumerate(layers))
           + "; weight gradients the same; row gradients of the second layer "
           f"{igrad:,}).  At the measured single-thread dgemm rates of the engine's shapes (chunks of {S}) they take "
           f"{t_prod * 1e6:.1f} µs per sample: {f(1 / t_prod, 0)} samples/s per core; at the peak ({peak:.1f} GFLOP/s, "
           f"1024³) {f(peak * 1e9 / (2 * train_mac), 0)}.  Measured {f(tr[1])} samples/s on 1 thread: "
           f"{100 * tr[1] * t_prod:.1f} % of the products' limit: the crossbar products are not what limits the "
           f"speed ({100 * blas:.1f} % of the time).")
        p_("")
    p_("<!-- train_bench.sh: end -->")
    text = open(PROFILE_MD).read() if os.path.exists(PROFILE_MD) else ""
    block = "\n".join(P) + "\n"
    m = re.search(r"<!-- train_bench\.sh: begin.*?<!-- train_bench\.sh: end -->\n?", text, re.S)
    text = text[:m.start()] + block + text[m.end():] if m else text.rstrip("\n") + "\n\n" + block
    with open(PROFILE_MD + ".tmp", "w") as fo:
        fo.write(text)
    os.replace(PROFILE_MD + ".tmp", PROFILE_MD)
    print("profile section written to " + PROFILE_MD)
PYEOF
log "results: $RES_MD$([ $quick = 0 ] && [ $have_perf = 1 ] && echo ", profile: $PROFILE_MD (section C)"); logs: $LOGS/"
