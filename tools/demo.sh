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
