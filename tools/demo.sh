#!/usr/bin/env bash
# make demo: simulate the bundled examples, write every output format and a plot.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/demo
mkdir -p "$out"
ms=build/memspice
echo "== operating point: netlists/divider.cir"
$ms run netlists/divider.cir
echo
echo "== transient: netlists/rc_pulse.cir -> $out/rc_pulse.{raw,csv,h5}"
$ms run netlists/rc_pulse.cir -o "$out/rc_pulse.raw"
$ms run netlists/rc_pulse.cir -q -o "$out/rc_pulse.csv"
$ms run netlists/rc_pulse.cir -q -o "$out/rc_pulse.h5"
if command -v gnuplot >/dev/null; then
    gnuplot <<GP
set terminal pngcairo size 900,500 noenhanced
set output "$out/rc_pulse.png"
set datafile separator ","
set title "netlists/rc_pulse.cir (memspice)"
set xlabel "time (ms)"; set ylabel "voltage (V)"; set grid; set key top right
plot "$out/rc_pulse.csv" using (\$1*1e3):2 with lines lw 2 title "v(in)", \
     "" using (\$1*1e3):3 with lines lw 2 title "v(out)"
GP
    echo "plot: $out/rc_pulse.png"
fi
echo "demo done: outputs in $out/"

# ---- memristor models and the MIF neuron (issue 5; appended block) ----
# Pinched hysteresis of every native memristor level (the first device of
# tests/models/<model>_native.cir, under its sine drive) and the MIF
# neuron's response to three input pulses: build/demo/hysteresis_<model>.png,
# build/demo/mif_neuron.png.  A level memspice cannot simulate is reported
# and skipped.
if command -v gnuplot >/dev/null; then
    for m in hp team yakopcic vteam mms pku; do
        v='v(s)'
        [ "$m" = team ] && v='v(ns1)'   # TEAM is fed through 10 kohm: the device voltage
        if MEMSPICE=$ms tools/plot_hysteresis.sh "tests/models/${m}_native.cir" "$out/hysteresis_$m.png" "$v" 'i(vns1)'; then
            echo "plot: $out/hysteresis_$m.png"
        else
            echo "skipped: hysteresis of $m (tests/models/${m}_native.cir did not run)"
        fi
    done
    MEMSPICE=$ms tools/plot_mif.sh netlists/mif_neuron.cir "$out/mif_neuron.png" && echo "plot: $out/mif_neuron.png"
fi

# ---- training (issue 11): the seeds' small case, Zhang et al. (ICACI 2022) ----
# netlists/digits6x5.cir (tools/mknet --preset digits6x5): the ten digits on a
# 6x5 grid, a 30x10 crossbar of one-memristor synapses, ten MIF neurons and a
# winner-take-all readout, trained through the circuit; then evaluated, as
# the paper does, under random pixel noise and stuck-at cells.
echo
echo "== training: netlists/digits6x5.cir on netlists/digits6x5 -> $out/digits6x5/"
rm -rf "$out/digits6x5"
$ms train netlists/digits6x5.cir --data netlists/digits6x5 --epochs 10 --batch 8 -q -o "$out/digits6x5"
trained="$out/digits6x5/trained.cir"
echo
echo "pixel noise (flip probability)   test accuracy (200 samples)"
for p in 0 0.05 0.1 0.2; do
    acc=$($ms train "$trained" --data netlists/digits6x5 --eval-only --input-noise "$p" --seed 7 -q | tail -1)
    printf '%-32s %s\n' "$p" "${acc#accuracy }"
done
echo
echo "stuck-at cells (sa0/sa1 mixed), 5 fault seeds:"
$ms train "$trained" --data netlists/digits6x5 --eval-only --fault-sweep 0,0.05,0.1,0.2 --fault-seeds 5 -q \
    -o "$out/digits6x5"
echo "plots: $out/digits6x5/accuracy.png $out/digits6x5/loss.png $out/digits6x5/faults.png"
