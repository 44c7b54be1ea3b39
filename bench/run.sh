#!/usr/bin/env bash
# bench/run.sh — memspice vs ngspice on large linear RC transients.
#
# usage: bench/run.sh [--quick]      (normally through `make bench`)
#
# Cases (full / --quick):
#   rc_ladder  1000 sections x 1,000,000 fixed steps  /  100 x 10,000
#   rc_mesh    10,000-node random RC mesh x 10,000 steps  /  1,000 x 1,000
# For each case: generate the netlist into bench/out/<case>/, run
#   build/memspice run net.cir --fixed-step -q -o ms.csv
#   ngspice -b -r ng.raw net.cir
# one after the other (never both at once), each under bench/measure.py
# (wall time, peak RSS), then compare the waveforms (bench/compare.py): the
# case FAILS when the largest difference exceeds 1e-3 of a signal's range.
#
# ngspice time budget: a short calibration run (1 % of the steps) estimates
# ngspice's full run; if that exceeds BENCH_NG_BUDGET seconds (default 1200),
# ngspice simulates only the first part of the run (same circuit, earlier
# tstop) sized to about half the budget, and times are compared per step.
#
# Other sizes: BENCH_LADDER="N STEPS TSTEP" and/or BENCH_MESH="NODES STEPS SEED"
# replace the cases' arguments (the calibration still applies unless --quick).
#
# Results: bench/results.md and bench/results.csv (full run), or
# bench/out/results-quick.{md,csv} with --quick, bench/out/results-custom.*
# when BENCH_LADDER / BENCH_MESH are set.  Exit status 1 if a case
# fails or a simulator errors.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for a in "$@"; do
    case $a in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$a' (use --quick)" >&2; exit 2 ;;
    esac
done

MS=build/memspice
NG=${NGSPICE:-ngspice}
OUT=bench/out
BUDGET=${BENCH_NG_BUDGET:-1200}
PY=${PYTHON:-python3}
[ -x "$MS" ] || { echo "bench/run.sh: $MS not built (run 'make' or 'make bench')" >&2; exit 2; }
command -v "$NG" >/dev/null || { echo "bench/run.sh: ngspice not found" >&2; exit 2; }
mkdir -p "$OUT"

if [ $quick = 1 ]; then
    LADDER=(100 10000 1e-9); MESH=(1000 1000 1)
    RES_MD=$OUT/results-quick.md; RES_CSV=$OUT/results-quick.csv
else
    LADDER=(1000 1000000 1e-9); MESH=(10000 10000 1)
    RES_MD=bench/results.md; RES_CSV=bench/results.csv
fi
if [ -n "${BENCH_LADDER:-}${BENCH_MESH:-}" ]; then
    [ -n "${BENCH_LADDER:-}" ] && read -r -a LADDER <<< "$BENCH_LADDER"
    [ -n "${BENCH_MESH:-}" ] && read -r -a MESH <<< "$BENCH_MESH"
    RES_MD=$OUT/results-custom.md; RES_CSV=$OUT/results-custom.csv
fi

# what was measured: recorded now, as src/ and the binary may change during a long run
{
    echo "date=$(date '+%Y-%m-%d %H:%M %Z')"
    c=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
    git diff --quiet HEAD -- src 2>/dev/null || c="$c + uncommitted src/ changes"
    echo "commit=$c"
    echo "binary=$MS built $(date -r "$MS" '+%Y-%m-%d %H:%M %Z')"
} > "$OUT/run_info.txt"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# run_case NAME GENERATOR STEPS ARGS...: generate, simulate with both, compare.
run_case() {
    local name=$1 gen=$2 steps=$3; shift 3
    local d=$OUT/$name
    rm -rf "$d"; mkdir -p "$d"
    log "$name: generating ($gen $*)"
    $PY "bench/$gen" "$@" -o "$d/net.cir"
    cut -d' ' -f1-3 /proc/loadavg > "$d/load_before_ms.txt"
    log "$name: memspice, $steps fixed steps"
    $PY bench/measure.py --out "$d/ms.json" --stdout "$d/ms.stdout" --stderr "$d/ms.stderr" -- \
        "$MS" run "$d/net.cir" --fixed-step -q -o "$d/ms.csv" || true
    log "$name: memspice $(cat "$d/ms.json")"

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
    log "$name: ngspice, $ng_steps steps (max step = tstep)"
    $PY bench/measure.py --out "$d/ng.json" --stdout "$d/ng.stdout" --stderr "$d/ng.stderr" -- \
        "$NG" -b -r "$d/ng.raw" "$ng_net" || true
    log "$name: ngspice $(cat "$d/ng.json")"

    log "$name: comparing waveforms"
    if ! $PY bench/compare.py "$d/ms.csv" "$d/ng.raw" --json "$d/cmp.json" > /dev/null 2> "$d/cmp.err"; then
        log "$name: comparison failed: $(cat "$d/cmp.err")"
        rm -f "$d/cmp.json"
    fi
    printf '%s\n' "$name" "$steps" > "$d/case.txt"
}

run_case rc_ladder gen_rc_ladder.py "${LADDER[1]}" "${LADDER[@]}"
run_case rc_mesh   gen_rc_mesh.py   "${MESH[1]}"   "${MESH[@]}"

log "writing $RES_MD and $RES_CSV"
$PY bench/report.py --md "$RES_MD" --csv "$RES_CSV" --memspice "$MS" --ngspice "$NG" \
    --run-info "$OUT/run_info.txt" \
    $([ $quick = 1 ] && echo --quick) "$OUT/rc_ladder" "$OUT/rc_mesh"
