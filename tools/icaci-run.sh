#!/usr/bin/env bash
# tools/icaci-run.sh: the seeds' small case (Zhang et al., ICACI 2022: a two-layer
# memristive SNN on 6x5 digits) with its noise and stuck-at table (`make icaci`,
# about a minute).  Trains netlists/digits6x5.cir plainly and fault-aware (--fault-aware
# 0.1, the same epochs), then bench/robustness.py evaluates both under input noise x
# stuck cells and programming noise, 5 seeds a cell: bench/results-icaci.{md,csv,png}.
set -euo pipefail
cd "$(dirname "$0")/.."
M=${MEMSPICE:-build/memspice}
out=build/icaci
mkdir -p "$out"
for mode in plain fault-aware; do
    extra=()
    [ "$mode" = fault-aware ] && extra=(--fault-aware 0.1)
    "$M" train netlists/digits6x5.cir --data netlists/digits6x5 --epochs 30 --batch 8 --no-plots -q \
        "${extra[@]}" -o "$out/$mode"
done
python3 bench/robustness.py --memspice "$M" --data netlists/digits6x5 \
    --net plain="$out/plain/trained.cir" --net fault-aware="$out/fault-aware/trained.cir" \
    --input-noise 0,0.05,0.1,0.2 --stuck 0,0.05,0.1,0.2 --program-noise 0.01,0.02,0.05 --seeds 5 \
    -o bench/results-icaci
