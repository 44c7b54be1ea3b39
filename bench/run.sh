#!/usr/bin/env bash
# bench/run.sh — memspice vs ngspice: large linear RC transients and
# memristor crossbars.
#
# usage: bench/run.sh [--quick]      (normally through `make bench`)
#
# Cases (full / --quick):
#   rc_ladder        1000 sections x 1,000,000 fixed steps  /  100 x 10,000
#   rc_mesh          10,000-node random RC mesh x 10,000 steps  /  1,000 x 1,000
#   crossbar_RxC     R x C crossbar of behavioral HP/Biolek memristor subcircuits
#                    (bench/gen_crossbar.py), 1 ms with tstep = max step 100 ns,
#                    adaptive steps in both simulators: 20x10, 50x20, 100x50
#                    /  8x4 over 0.2 ms
#   crossbar_RxC_native  the same, memspice with native YMEMRISTOR devices (same
#                    equations), ngspice with the subcircuits: 50x20 / 8x4
#   crossbar_RxC[_native]_newton  both again, memspice with `.options chord=0`
#                    (a factorization on every Newton iteration, as ngspice
#                    iterates, instead of chord iterations): 50x20 / 8x4
# For each case: generate the netlist into bench/out/<case>/, run
#   build/memspice run net.cir [--fixed-step] -o ms.raw    (--fixed-step: RC cases)
#   ngspice -b -r ng.raw net.cir
# one after the other (never both at once), each under bench/measure.py
# (wall time, peak RSS), then compare the waveforms (bench/compare.py): the
# case FAILS when the largest difference exceeds 1e-3 of a signal's range.
#
# ngspice time budget: a short calibration run (1 % of the steps, i.e. of
# tstop / tstep) estimates ngspice's full run; if that exceeds
# BENCH_NG_BUDGET seconds (default 1200), ngspice simulates only the first
# part of the run (same circuit, earlier tstop) sized to about half the
# budget, and times are compared per step.
#
# memspice runs BENCH_MS_REPEAT times per case (default 3) and the fastest
# run counts; ngspice runs once.
#
# MEMSPICE=path and NGSPICE=path choose the binaries (default build/memspice
# and ngspice on PATH): e.g. a copy of build/memspice, so that a rebuild by
# someone else during a long run cannot change the binary between cases.
#
# Other sizes: BENCH_LADDER="N STEPS TSTEP", BENCH_MESH="NODES STEPS SEED"
# and/or BENCH_CROSSBAR="ROWSxCOLS ..." (e.g. "50x20") replace the cases'
# arguments (the calibration still applies unless --quick); with one of them
# set, BENCH_NATIVE and BENCH_NEWTON choose the native and chord=0 crossbars
# (the chord=0 ones: none unless given).
#
# Results: bench/results.md and bench/results.csv (full run), or
# bench/out/results-quick.{md,csv} with --quick, bench/out/results-custom.*
# when BENCH_LADDER / BENCH_MESH / BENCH_CROSSBAR are set.  Exit status 1 if
# a case fails or a simulator errors.
#
# Then bench/grad_bench.py (memspice grad) and bench/train_bench.sh (memspice
# train vs the PyTorch anchor: bench/results-train.md; --quick is passed on).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for a in "$@"; do
    case $a in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,51p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$a' (use --quick)" >&2; exit 2 ;;
    esac
done

MS=${MEMSPICE:-build/memspice}
NG=${NGSPICE:-ngspice}
OUT=bench/out
BUDGET=${BENCH_NG_BUDGET:-1200}
PY=${PYTHON:-python3}
[ -x "$MS" ] || { echo "bench/run.sh: $MS not built (run 'make' or 'make bench')" >&2; exit 2; }
command -v "$NG" >/dev/null || { echo "bench/run.sh: ngspice not found" >&2; exit 2; }
mkdir -p "$OUT"

if [ $quick = 1 ]; then
    LADDER=(100 10000 1e-9); MESH=(1000 1000 1)
    CROSSBARS=(8x4); NATIVE_CROSSBARS=(8x4); NEWTON_CROSSBARS=(8x4); XB_TSTOP=2e-4
    RES_MD=$OUT/results-quick.md; RES_CSV=$OUT/results-quick.csv
else
    LADDER=(1000 1000000 1e-9); MESH=(10000 10000 1)
    CROSSBARS=(20x10 50x20 100x50); NATIVE_CROSSBARS=(50x20); NEWTON_CROSSBARS=(50x20); XB_TSTOP=1e-3
    RES_MD=bench/results.md; RES_CSV=bench/results.csv
fi
XB_TSTEP=100e-9     # = ngspice's and memspice's maximum step (no TMAX given)
MS_REPEAT=${BENCH_MS_REPEAT:-3}   # memspice runs per case; the fastest counts
if [ -n "${BENCH_LADDER:-}${BENCH_MESH:-}${BENCH_CROSSBAR:-}" ]; then
    [ -n "${BENCH_LADDER:-}" ] && read -r -a LADDER <<< "$BENCH_LADDER"
    [ -n "${BENCH_MESH:-}" ] && read -r -a MESH <<< "$BENCH_MESH"
    [ -n "${BENCH_CROSSBAR:-}" ] && read -r -a CROSSBARS <<< "$BENCH_CROSSBAR"
    [ -n "${BENCH_NATIVE:-}" ] && read -r -a NATIVE_CROSSBARS <<< "$BENCH_NATIVE"
    NEWTON_CROSSBARS=(); [ -n "${BENCH_NEWTON:-}" ] && read -r -a NEWTON_CROSSBARS <<< "$BENCH_NEWTON"
    RES_MD=$OUT/results-custom.md; RES_CSV=$OUT/results-custom.csv
fi

# what was measured: recorded now, as src/ and the binary may change during a long run
{
    echo "date=$(date '+%Y-%m-%d %H:%M %Z')"
    c=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
    git diff --quiet HEAD -- src 2>/dev/null || c="$c + uncommitted src/ changes"
    echo "commit=$c"
    echo "binary=$MS built $(date -r "$MS" '+%Y-%m-%d %H:%M %Z')"
    echo "ms_repeat=$MS_REPEAT"
} > "$OUT/run_info.txt"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# run_case NAME GENERATOR MODE STEPS ARGS...: generate, simulate with both, compare.
# MODE: fixed (memspice --fixed-step) or adaptive (both simulators' own step
# control); STEPS = tstop / tstep, the unit of the calibration and of time/step.
run_case() {
    local name=$1 gen=$2 mode=$3 steps=$4; shift 4
    local msopt=()
    [ "$mode" = fixed ] && msopt=(--fixed-step)
    local d=$OUT/$name
    rm -rf "$d"; mkdir -p "$d"
    log "$name: generating ($gen $*)"
    $PY "bench/$gen" "$@" -o "$d/net.cir"
    # MS_GEN_EXTRA: memspice gets its own variant of the netlist (e.g. --native
    # devices), ngspice the plain one
    local ms_net=$d/net.cir
    if [ -n "${MS_GEN_EXTRA:-}" ]; then
        $PY "bench/$gen" "$@" $MS_GEN_EXTRA -o "$d/ms_net.cir"
        ms_net=$d/ms_net.cir
    fi
    cut -d' ' -f1-3 /proc/loadavg > "$d/load_before_ms.txt"
    log "$name: memspice, $steps $mode steps, fastest of $MS_REPEAT runs"
    # no -q: the one-line summary (points, steps, Newton iterations) goes to ms.stderr.
    # memspice's runs are short, so another job's burst can double one of them:
    # the fastest of MS_REPEAT runs counts (ngspice's long runs average it out)
    local k
    for k in $(seq "$MS_REPEAT"); do
        $PY bench/measure.py --out "$d/ms.try.json" --stdout "$d/ms.stdout" --stderr "$d/ms.stderr" -- \
            "$MS" run "$ms_net" "${msopt[@]}" -o "$d/ms.raw" || true
        log "$name: memspice run $k: $(cat "$d/ms.try.json")"
        if [ "$k" = 1 ] || $PY -c 'import json, sys; a, b = (json.load(open(f)) for f in sys.argv[1:])
sys.exit(not (a["rc"] == 0 and a["wall_s"] < b["wall_s"]))' "$d/ms.try.json" "$d/ms.json"; then
            mv "$d/ms.try.json" "$d/ms.json"
        fi
    done
    rm -f "$d/ms.try.json"

    # ngspice: calibrate on 1 % of the run, scale down if over budget
    local ng_steps=$steps ng_net=$d/net.cir
    local cal=$(( steps / 100 )); [ $cal -lt 10 ] && cal=10
    if [ $quick = 0 ] && [ $cal -lt "$steps" ]; then
        $PY "bench/$gen" "$@" --run-steps $cal -o "$d/ng_cal.cir"
        log "$name: ngspice calibration, $cal steps"
        $PY bench/measure.py --out "$d/ng_cal.json" --stdout /dev/null --stderr /dev/null -- \
            "$NG" -b -r "$d/ng_cal.raw" "$d/ng_cal.cir" || true
        local verdict
        verdict=$($PY - "$d/ng_cal.json" "$cal" "$steps" "$BUDGET" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1])); cal, steps, budget = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
per = m["wall_s"] / cal            # includes set-up: an over-estimate
est = per * steps
if m["rc"] != 0 or est <= budget:
    print(steps, round(est))
else:
    n = int(0.5 * budget / per)
    mag = 10 ** (len(str(n)) - 2) if n >= 100 else 1
    n = max(cal, n // mag * mag)
    print(n, round(est))
EOF
)
        ng_steps=${verdict% *}
        log "$name: ngspice full run estimated at ${verdict#* } s (budget $BUDGET s): running $ng_steps of $steps steps"
        rm -f "$d/ng_cal.raw"
        if [ "$ng_steps" != "$steps" ]; then
            $PY "bench/$gen" "$@" --run-steps "$ng_steps" -o "$d/ng_net.cir"
            ng_net=$d/ng_net.cir
        fi
    fi
    echo "$ng_steps" > "$d/ng_steps.txt"
    cut -d' ' -f1-3 /proc/loadavg > "$d/load_before_ng.txt"
    log "$name: ngspice, $ng_steps tstep intervals (max step = tstep)"
    $PY bench/measure.py --out "$d/ng.json" --stdout "$d/ng.stdout" --stderr "$d/ng.stderr" -- \
        "$NG" -b -r "$d/ng.raw" "$ng_net" || true
    log "$name: ngspice $(cat "$d/ng.json")"

    log "$name: comparing waveforms"
    if ! $PY bench/compare.py "$d/ms.raw" "$d/ng.raw" --json "$d/cmp.json" > /dev/null 2> "$d/cmp.err"; then
        log "$name: comparison failed: $(cat "$d/cmp.err")"
        rm -f "$d/cmp.json"
    fi
    printf '%s\n' "$name" "$steps" "$mode" > "$d/case.txt"
}

cases=()
run_case rc_ladder gen_rc_ladder.py fixed "${LADDER[1]}" "${LADDER[@]}"; cases+=("$OUT/rc_ladder")
run_case rc_mesh   gen_rc_mesh.py   fixed "${MESH[1]}"   "${MESH[@]}"; cases+=("$OUT/rc_mesh")
xb_steps=$($PY -c "print(round($XB_TSTOP / $XB_TSTEP))")
for rc in "${CROSSBARS[@]}"; do
    r=${rc%x*} c=${rc#*x}
    run_case "crossbar_${r}x${c}" gen_crossbar.py adaptive "$xb_steps" "$r" "$c" \
        --tstop "$XB_TSTOP" --tstep "$XB_TSTEP" --seed 1
    cases+=("$OUT/crossbar_${r}x${c}")
done
# the same crossbars with memspice's native memristors (ngspice: the subcircuits)
for rc in "${NATIVE_CROSSBARS[@]}"; do
    r=${rc%x*} c=${rc#*x}
    MS_GEN_EXTRA=--native run_case "crossbar_${r}x${c}_native" gen_crossbar.py adaptive "$xb_steps" "$r" "$c" \
        --tstop "$XB_TSTOP" --tstep "$XB_TSTEP" --seed 1
    cases+=("$OUT/crossbar_${r}x${c}_native")
done
# both again with memspice's `.options chord=0` (plain Newton, for comparison)
for rc in "${NEWTON_CROSSBARS[@]}"; do
    r=${rc%x*} c=${rc#*x}
    for v in "" _native; do
        MS_GEN_EXTRA="${v:+--native }--newton" run_case "crossbar_${r}x${c}${v}_newton" gen_crossbar.py adaptive \
            "$xb_steps" "$r" "$c" --tstop "$XB_TSTOP" --tstep "$XB_TSTEP" --seed 1
        cases+=("$OUT/crossbar_${r}x${c}${v}_newton")
    done
done

log "writing $RES_MD and $RES_CSV"
$PY bench/report.py --md "$RES_MD" --csv "$RES_CSV" --memspice "$MS" --ngspice "$NG" \
    --run-info "$OUT/run_info.txt" \
    $([ $quick = 1 ] && echo --quick) "${cases[@]}"

# memspice grad: backward sweep vs forward, memory with and without checkpoints
log "gradient benchmark (bench/grad_bench.py)"
if [ $quick = 1 ]; then
    $PY bench/grad_bench.py --quick --out "$OUT/results-grad-quick.md" > /dev/null
else
    $PY bench/grad_bench.py --out bench/results-grad.md > /dev/null
fi

# memspice train vs the PyTorch anchor (installs python3-torch if missing)
log "training benchmark (bench/train_bench.sh)"
MEMSPICE=$MS NGSPICE=$NG bench/train_bench.sh $([ $quick = 1 ] && echo --quick)
