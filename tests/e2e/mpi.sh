#!/usr/bin/env bash
# mpi.sh — data-parallel `memspice train` under MPI (src/train/train_mpi.c), on
# the small 30 inputs x 10 classes network of train.sh and netlists/digits6x5:
#   1. `mpirun -np 2` gives the trained.cir, checkpoint /params and metrics
#      losses/accuracies of one process, bit for bit, on both engines (and -np 3
#      with --fault-aware);
#   2. --resume of a 1-epoch one-process run with -np 2 to 2 epochs equals the
#      uninterrupted 2-epoch run;
#   3. --eval-only (the evaluation split over the ranks) prints what one process prints;
#   4. failures end the job, no hang (each run under `timeout 60`): a bad --data
#      and a usage error (exit non-zero, one message from rank 0), a bad data path
#      on rank 1 only (rank 0's message names rank 1), rank 0 unable to write its
#      checkpoint during training (MPI_Abort), a rank killed with kill -9.
#   5. `memspice run|grad --inputs DIR` split over the ranks (src/cli/sweep.c):
#      -np 2 and -np 3 write byte-identical CSV outputs and summary.csv to one
#      process (h5: the same h5dump), rank 0 alone prints; a bad input file, a
#      file that does not converge on rank 1, a folder that differs on rank 1
#      and a usage error: non-zero exit, one message from rank 0 naming the
#      file, no hang.
# Skipped (exit 0) only when mpirun is not installed (tools/install-deps.sh installs it).
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
cd "$(dirname "$0")/../.."
ROOT=$PWD
DATA=$ROOT/netlists/digits6x5
if ! command -v mpirun >/dev/null; then
    echo "skipped: mpirun not installed (Open MPI: tools/install-deps.sh installs openmpi-bin libopenmpi-dev)"
    exit 0
fi
# under mpirun no leak check (ASan build): Open MPI's own allocations at exit are not ours
MPIRUN=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && MPIRUN+=(--allow-run-as-root)
MPIRUN3=("${MPIRUN[@]}" -np 3)
MPIRUN+=(-np 2)
tmp=$(mktemp -d)
bgpid=
cleanup() { [ -n "$bgpid" ] && kill -9 "$bgpid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0 n=0
ok()  { n=$((n + 1)); echo "ok   $1"; }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"; [ -s "$tmp/err" ] && sed 's/^/     stderr| /' "$tmp/err" | head -12; }
sanitizer() { grep -q 'Sanitizer\|runtime error:' "$1"; }
# run EXPECTED-EXIT DESCRIPTION command...: stdout in $tmp/out, stderr in $tmp/err
run() {
    local want=$1 what=$2; shift 2
    timeout 60 "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if sanitizer "$tmp/err"; then bad "$what: sanitizer report"; return 1; fi
    if [ "$rc" -eq 124 ]; then bad "$what: still running after 60 s (a hang)"; return 1; fi
    if [ "$rc" -ne "$want" ]; then bad "$what: exit code $rc, want $want"; sed 's/^/     stdout| /' "$tmp/out" | tail -5; return 1; fi
    return 0
}
params() { h5dump -d /params "$1" 2>&1 | sed 1d; }   # /params without the file name line
# same A B WHAT: trained.cir, /params and metrics.csv columns 1-5 (epoch, losses, accuracies) identical
same() {
    if ! cmp -s "$1/trained.cir" "$2/trained.cir"; then bad "$3: trained.cir differs"
    elif command -v h5dump >/dev/null && ! cmp -s <(params "$1/checkpoint.h5") <(params "$2/checkpoint.h5"); then
        bad "$3: checkpoint.h5 /params differ"
    elif ! cmp -s <(cut -d, -f1-5 "$1/metrics.csv") <(cut -d, -f1-5 "$2/metrics.csv"); then
        bad "$3: losses or accuracies in metrics.csv differ"; paste -d'\n' "$1/metrics.csv" "$2/metrics.csv"
    elif [ "$(wc -l <"$1/metrics.csv")" -lt 2 ]; then bad "$3: no metrics rows"
    else ok "$3: identical trained.cir, /params and metrics losses/accuracies"; fi
}

# ---- the network (as in train.sh): 30 inputs x 10 classes ----
python3 tests/tools/tiny_net.py "$ROOT/models" 30 "$tmp/net.cir" || { echo "FAIL cannot generate the test network (python3)"; exit 1; }
NET=$tmp/net.cir
[ -f "$DATA/train-images-idx3-ubyte" ] || { echo "FAIL $DATA: no data set"; exit 1; }

# ---- 1. one process and two: the same result, on both engines ----
# batched: batches of 40 are 3 chunks of 16 (rank 0 takes chunks 0 and 2, rank 1 chunk 1);
# per-sample: batches of 8 are 8 chunks of one sample, 4 per rank
for engine in batched per-sample; do
    if [ $engine = batched ]; then opts=(--data "$DATA" --train-limit 80 --test-limit 40 --batch 40 --no-plots --engine batched)
    else opts=(--data "$DATA" --train-limit 16 --test-limit 12 --batch 8 --no-plots --engine per-sample); fi
    if run 0 "1 process ($engine)" "$MEMSPICE" train "$NET" "${opts[@]}" --epochs 2 -o "$tmp/one$engine" &&
        run 0 "mpirun -np 2 ($engine)" "${MPIRUN[@]}" "$MEMSPICE" train "$NET" "${opts[@]}" --epochs 2 -o "$tmp/two$engine"; then
        if [ "$(grep -c '^epoch [0-9]/2  train loss' "$tmp/out")" -ne 2 ] || [ "$(grep -c '^trained netlist:' "$tmp/out")" -ne 1 ]; then
            bad "mpirun -np 2 ($engine): not 2 epoch lines and one 'trained netlist' line (rank 0 alone prints)"; cat "$tmp/out"
        else ok "mpirun -np 2 ($engine): rank 0 alone prints"; fi
        same "$tmp/one$engine" "$tmp/two$engine" "1 process vs mpirun -np 2 ($engine engine)"
        cmp -s "$NET" "$tmp/two$engine/trained.cir" && bad "mpirun -np 2 ($engine): trained.cir equals the untrained net"
    fi
    # ---- 2. --resume with another number of processes ----
    if [ -f "$tmp/one$engine/trained.cir" ] &&
        run 0 "1 process, 1 epoch ($engine)" "$MEMSPICE" train "$NET" "${opts[@]}" --epochs 1 -o "$tmp/res$engine" &&
        run 0 "mpirun -np 2 --resume to 2 epochs ($engine)" "${MPIRUN[@]}" "$MEMSPICE" train "$NET" "${opts[@]}" --epochs 2 \
            --resume "$tmp/res$engine"; then
        grep -q '^resuming .* after epoch 1 of 2$' "$tmp/out" || { bad "--resume under mpirun: no 'resuming ... after epoch 1 of 2'"; cat "$tmp/out"; }
        same "$tmp/one$engine" "$tmp/res$engine" "1 epoch on 1 process + --resume on 2 ($engine engine) = 2 epochs"
    fi
done

# 3 ranks, batches of 10 samples (chunks 4/3/3 per rank), --fault-aware (a stuck set per batch)
fo=(--data "$DATA" --train-limit 30 --test-limit 12 --batch 10 --epochs 2 --no-plots --engine per-sample --fault-aware 0.1)
if run 0 "1 process, --fault-aware" "$MEMSPICE" train "$NET" "${fo[@]}" -o "$tmp/fa1" &&
    run 0 "mpirun -np 3, --fault-aware" "${MPIRUN3[@]}" "$MEMSPICE" train "$NET" "${fo[@]}" -o "$tmp/fa3"; then
    same "$tmp/fa1" "$tmp/fa3" "1 process vs mpirun -np 3 (--fault-aware, per-sample)"
fi

# ---- 3. --eval-only split over the ranks ----
if [ -f "$tmp/onebatched/trained.cir" ] &&
    run 0 "--eval-only, 1 process" "$MEMSPICE" train "$tmp/onebatched/trained.cir" --data "$DATA" --eval-only --faults 0.1 &&
    cp "$tmp/out" "$tmp/eval1" &&
    run 0 "--eval-only, mpirun -np 2" "${MPIRUN[@]}" "$MEMSPICE" train "$tmp/onebatched/trained.cir" --data "$DATA" --eval-only --faults 0.1; then
    cmp -s "$tmp/eval1" "$tmp/out" && ok "--eval-only --faults 0.1: mpirun -np 2 prints what 1 process prints ($(tail -1 "$tmp/out"))" ||
        { bad "--eval-only under mpirun differs"; diff "$tmp/eval1" "$tmp/out"; }
fi

# ---- 4. failures: non-zero exit, a message, no hang ----
if run 1 "bad --data under mpirun" "${MPIRUN[@]}" "$MEMSPICE" train "$NET" --data "$tmp/no_such_data" --epochs 1 -o "$tmp/eo"; then
    c=$(grep -c '^memspice: error:.*no_such_data' "$tmp/err")
    if [ "$c" -ne 1 ]; then bad "bad --data under mpirun: $c messages naming no_such_data, want one (from rank 0)"
    elif [ -n "$(ls -A "$tmp/eo" 2>/dev/null)" ]; then bad "bad --data under mpirun: files written: $(ls -A "$tmp/eo" | tr '\n' ' ')"
    else ok "bad --data under mpirun: exit 1, one message: '$(grep -m1 '^memspice: error:' "$tmp/err" | cut -c1-100)'"; fi
fi
if run 2 "usage error under mpirun" "${MPIRUN[@]}" "$MEMSPICE" train "$NET" --data "$DATA" --lr -1 -o "$tmp/eo"; then
    c=$(grep -c "^memspice train: --lr: bad value" "$tmp/err")
    [ "$c" -eq 1 ] && ok "usage error under mpirun: exit 2, printed once (rank 0)" || bad "usage error under mpirun: printed $c times, want once"
fi
# rank 1 alone has a bad data path (as on a node without the data)
cat >"$tmp/rank1bad.sh" <<EOF
#!/bin/sh
d="$DATA"; [ "\${OMPI_COMM_WORLD_RANK:-0}" = 1 ] && d="$tmp/missing_on_rank1"
exec "$MEMSPICE" train "$NET" --data "\$d" --train-limit 16 --batch 8 --epochs 1 --no-plots -o "$tmp/r1bad"
EOF
chmod +x "$tmp/rank1bad.sh"
if run 1 "bad data path on rank 1 only" "${MPIRUN[@]}" "$tmp/rank1bad.sh"; then
    msg=$(grep -m1 '^memspice: error:' "$tmp/err")
    if ! echo "$msg" | grep -q 'rank 1 of 2.*missing_on_rank1'; then bad "rank 1's bad data path: rank 0's message '$msg' does not name rank 1 and the path"
    elif [ -e "$tmp/r1bad/metrics.csv" ]; then bad "rank 1's bad data path: rank 0 trained anyway"
    else ok "bad data path on rank 1 only: exit non-zero, '$(echo "$msg" | cut -c1-110)'"; fi
fi
# rank 0 cannot write its checkpoint (a folder in the way) while rank 1 trains on: MPI_Abort ends the job
mkdir -p "$tmp/ab/checkpoint.h5/x"
if run 1 "rank 0 fails during training" "${MPIRUN[@]}" "$MEMSPICE" train "$NET" --data "$DATA" --train-limit 16 --batch 8 \
    --epochs 2 --engine per-sample --no-plots -o "$tmp/ab"; then
    msg=$(grep -m1 '^memspice: error:' "$tmp/err")
    echo "$msg" | grep -q 'rank 0 of 2.*checkpoint.h5.*MPI_Abort' && ok "rank 0 fails during training: MPI_Abort ends the job, exit 1, '$(echo "$msg" | cut -c1-100)'" ||
        bad "rank 0 fails during training: message '$msg'"
fi
# a rank killed with kill -9 in the middle of training: Open MPI ends the job
"${MPIRUN[@]}" "$MEMSPICE" train "$NET" --data "$DATA" --batch 8 --epochs 50 --engine per-sample --no-plots \
    -o "$tmp/kill" >"$tmp/kill.out" 2>"$tmp/kill.err" &
bgpid=$!
t0=$SECONDS victim=
while [ $((SECONDS - t0)) -lt 30 ] && kill -0 "$bgpid" 2>/dev/null; do
    if [ -s "$tmp/kill/metrics.csv" ]; then   # training: both ranks are in it
        victim=$(pgrep -P "$bgpid" -x memspice | tail -1)
        [ -n "$victim" ] && break
    fi
    sleep 0.05
done
if [ -z "$victim" ]; then bad "kill a rank: did not find a training rank of mpirun (pid $bgpid)"
else
    kill -9 "$victim"
    t1=$SECONDS
    while [ $((SECONDS - t1)) -lt 60 ] && kill -0 "$bgpid" 2>/dev/null; do sleep 0.1; done
    if kill -0 "$bgpid" 2>/dev/null; then bad "kill -9 of a rank: mpirun still running after 60 s (a hang)"
    else
        wait "$bgpid"; rc=$?
        [ "$rc" -ne 0 ] && ok "kill -9 of a rank: the job ends in $((SECONDS - t1)) s, exit $rc" ||
            bad "kill -9 of a rank: mpirun exit 0"
    fi
fi
bgpid=

# ---- 5. run and grad --inputs: the input files split over the ranks ----
bash tests/tools/input_sets.sh "$tmp/sw" || { echo "FAIL cannot write the --inputs fixture"; exit 1; }
SNET=$tmp/sw/net.cir SIN=$tmp/sw/in
for cmd in run grad; do
    if run 0 "$cmd --inputs, 1 process" "$MEMSPICE" $cmd "$SNET" --inputs "$SIN" -o "$tmp/s1$cmd" --format csv &&
        cp "$tmp/out" "$tmp/s1$cmd.out" &&
        run 0 "$cmd --inputs, mpirun -np 2" "${MPIRUN[@]}" "$MEMSPICE" $cmd "$SNET" --inputs "$SIN" -o "$tmp/s2$cmd" --format csv --threads 1; then
        files=$(ls "$tmp/s1$cmd" | wc -l)
        if [ "$files" -lt 5 ]; then bad "$cmd --inputs: $files outputs, want 5 or more"
        elif diff -r "$tmp/s1$cmd" "$tmp/s2$cmd" >/dev/null && cmp -s "$tmp/s1$cmd.out" "$tmp/out"; then
            ok "$cmd --inputs: mpirun -np 2 writes the $files files of one process, byte for byte, and prints the same stdout"
        else bad "$cmd --inputs: mpirun -np 2 differs from one process"; diff -r "$tmp/s1$cmd" "$tmp/s2$cmd" | head -5; fi
        c=$(grep -c "^memspice: $cmd: [0-9]* input files from" "$tmp/err")
        [ "$c" -eq 1 ] && grep -q "on 2 processes" "$tmp/err" && ok "$cmd --inputs under mpirun: rank 0 alone prints its progress" ||
            bad "$cmd --inputs under mpirun: $c header lines on stderr, want one saying '2 processes'"
    fi
done
if run 0 "grad --inputs, mpirun -np 3" "${MPIRUN3[@]}" "$MEMSPICE" grad "$SNET" --inputs "$SIN" -o "$tmp/s3grad" --format csv --threads 1 -q; then
    diff -r "$tmp/s1grad" "$tmp/s3grad" >/dev/null && ok "grad --inputs: mpirun -np 3 = one process, byte for byte" ||
        bad "grad --inputs: mpirun -np 3 differs from one process"
fi
if command -v h5dump >/dev/null &&
    run 0 "grad --inputs (h5), 1 process" "$MEMSPICE" grad "$SNET" --inputs "$SIN" -o "$tmp/h1" -q &&
    run 0 "grad --inputs (h5), mpirun -np 2" "${MPIRUN[@]}" "$MEMSPICE" grad "$SNET" --inputs "$SIN" -o "$tmp/h2" --threads 1 -q; then
    same=1   # HDF5 files carry their objects' times: compare the contents
    for f in "$tmp"/h1/*.h5; do
        cmp -s <(h5dump "$f" | sed 1d) <(h5dump "$tmp/h2/$(basename "$f")" | sed 1d) || same=0
    done
    [ $same = 1 ] && cmp -s "$tmp/h1/summary.csv" "$tmp/h2/summary.csv" && ok "grad --inputs (h5): mpirun -np 2 = one process (h5dump, summary.csv)" ||
        bad "grad --inputs (h5): mpirun -np 2 differs from one process"
fi
# a bad input file: every rank reads every file before simulating; one message, nothing written
mkdir -p "$tmp/sbad"; cp "$SIN"/a.txt "$SIN"/b.txt "$SIN"/c.inp "$tmp/sbad/"; printf 'vin0 dc 1\nvin9 pwl(0 0 1n 1)\n' >"$tmp/sbad/d.txt"
if run 1 "a bad input file under mpirun" "${MPIRUN[@]}" "$MEMSPICE" run "$SNET" --inputs "$tmp/sbad" -o "$tmp/sbo"; then
    c=$(grep -c '^memspice: error:.*sbad/d.txt:2:1:.*vin9' "$tmp/err")
    if [ "$c" -ne 1 ]; then bad "a bad input file under mpirun: $c messages naming d.txt:2:1, want one"; sed 's/^/     | /' "$tmp/err" | head -5
    elif [ -e "$tmp/sbo" ]; then bad "a bad input file under mpirun: the output folder was made"
    else ok "a bad input file under mpirun: exit 1, one message: '$(grep -m1 '^memspice: error:' "$tmp/err" | sed "s|$tmp/||g")'"; fi
fi
# a file that does not converge on rank 1 (file 1: b.txt), and another one later on rank 0
mkdir -p "$tmp/sfail"; cp "$SIN"/a.txt "$SIN"/c.inp "$tmp/sfail/"; printf 'vin0 dc 1e30\n' >"$tmp/sfail/b.txt"; printf 'vin0 dc 1e308\n' >"$tmp/sfail/e.txt"
if run 1 "a failing file on rank 1" "${MPIRUN[@]}" "$MEMSPICE" grad "$SNET" --inputs "$tmp/sfail" -o "$tmp/sfo"; then
    msg=$(grep -m1 '^memspice: error:' "$tmp/err")
    if ! echo "$msg" | grep -q 'rank 1 of 2.*sfail/b.txt: .*converge'; then bad "a failing file on rank 1: message '$msg' does not name rank 1 and b.txt"
    elif [ "$(grep -c '^memspice: error:' "$tmp/err")" -ne 1 ]; then bad "a failing file on rank 1: more than one message"
    elif [ -e "$tmp/sfo/summary.csv" ]; then bad "a failing file on rank 1: summary.csv written"
    else ok "a failing file on rank 1: exit 1, '$(echo "$msg" | sed "s|$tmp/||g")'"; fi
fi
# rank 1 sees another folder (not shared, and different)
rm -f "$tmp/sbad/d.txt"
cat >"$tmp/rank1dir.sh" <<EOS
#!/bin/sh
d="$SIN"; [ "\${OMPI_COMM_WORLD_RANK:-0}" = 1 ] && d="$tmp/sbad"
exec "$MEMSPICE" run "$SNET" --inputs "\$d" -o "$tmp/sdo" -q
EOS
chmod +x "$tmp/rank1dir.sh"
if run 1 "another folder on rank 1" "${MPIRUN[@]}" "$tmp/rank1dir.sh"; then
    msg=$(grep -m1 '^memspice: error:' "$tmp/err")
    echo "$msg" | grep -q 'rank 1 of 2.*other files here (3) than on rank 0 (5)' && ok "another folder on rank 1: exit 1, '$(echo "$msg" | sed "s|$tmp/||g")'" ||
        bad "another folder on rank 1: message '$msg'"
    [ -e "$tmp/sdo" ] && bad "another folder on rank 1: the output folder was made"
fi
if run 2 "run --inputs usage error under mpirun" "${MPIRUN[@]}" "$MEMSPICE" run "$SNET" --inputs "$SIN" -o "$tmp/x" --format xls; then
    c=$(grep -c "^memspice run: error: --format" "$tmp/err")
    [ "$c" -eq 1 ] && ok "run --inputs usage error under mpirun: exit 2, printed once" || bad "run --inputs usage error under mpirun: printed $c times"
fi

echo "mpi: $n checks, $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
