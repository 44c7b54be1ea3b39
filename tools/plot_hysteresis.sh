#!/usr/bin/env bash
# plot_hysteresis.sh — run a netlist with memspice and plot its current
# against its voltage (the pinched hysteresis loop of a memristor).
#
# usage: tools/plot_hysteresis.sh NETLIST OUT.png [VOLTAGE [CURRENT]]
#
#   VOLTAGE, CURRENT   vector names as memspice writes them, e.g. v(in) and
#                      i(vin); default: the first v(...) and the first i(...)
#                      vector of the result (save them with .save).
#
# A source's current i(vname) runs from its + node through the source, so
# for the source that drives the device it is minus the device current; when
# the current mostly flows against the voltage (the mean of v*i is
# negative) the plot shows -i, labelled so.  The current axis is scaled to
# A, mA, uA or nA.  Needs python3 and gnuplot; memspice is $MEMSPICE or
# build/memspice.
set -euo pipefail
usage() { sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] && [ $# -le 4 ] || usage
net=$1 out=$2 vvec=${3:-} ivec=${4:-}
root=$(cd "$(dirname "$0")/.." && pwd)
MEMSPICE=${MEMSPICE:-$root/build/memspice}
for tool in python3 gnuplot; do
    command -v "$tool" >/dev/null || { echo "plot_hysteresis: $tool not found (make deps installs it)" >&2; exit 1; }
done
[ -x "$MEMSPICE" ] || { echo "plot_hysteresis: no memspice at $MEMSPICE (run make)" >&2; exit 1; }
[ -f "$net" ] || { echo "plot_hysteresis: no netlist $net" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$MEMSPICE" run "$net" -q -o "$tmp/run.csv"

# columns -> $tmp/iv.dat (v, scaled i) and gnuplot settings -> $tmp/labels.gp
python3 - "$tmp/run.csv" "$tmp" "$vvec" "$ivec" "$(basename "$net")" <<'PY'
import csv, sys
path, tmp, vname, iname, title = sys.argv[1:6]
rows = list(csv.reader(open(path, newline="")))
names = [n.strip().lower() for n in rows[0]]
data = [[float(x) for x in r] for r in rows[1:] if r]
def pick(name, prefix):
    if name:
        if name.lower() not in names:
            sys.exit("plot_hysteresis: no vector %s in the result (have: %s)" % (name, ", ".join(names)))
        return names.index(name.lower())
    for j, n in enumerate(names):
        if n.startswith(prefix):
            return j
    sys.exit("plot_hysteresis: no %s...) vector in the result (have: %s); save one with .save" % (prefix, ", ".join(names)))
jv, ji = pick(vname, "v("), pick(iname, "i(")
v = [r[jv] for r in data]
i = [r[ji] for r in data]
ilabel = names[ji]
if sum(a * b for a, b in zip(v, i)) < 0:   # a driving source's current: show the device's
    i = [-x for x in i]
    ilabel = "-" + ilabel
peak = max(abs(x) for x in i) or 1.0
for scale, unit in ((1, "A"), (1e3, "mA"), (1e6, "uA"), (1e9, "nA")):
    if peak * scale >= 1:
        break
with open(tmp + "/iv.dat", "w") as f:
    for a, b in zip(v, i):
        f.write("%.9g %.9g\n" % (a, b * scale))
def lab(s):   # a literal text for gnuplot's enhanced mode (_ is a subscript there)
    return s.replace('"', "'").replace("_", "\\\\_")
with open(tmp + "/labels.gp", "w") as f:
    f.write('set xlabel "voltage %s [V]"\n' % lab(names[jv]))
    f.write('set ylabel "current %s [%s]"\n' % (lab(ilabel), unit))
    f.write('set title "%s: current against voltage"\n' % lab(title))
PY

gnuplot <<GP
set terminal pngcairo size 800,600 enhanced font ",11"
set output "$out"
set grid
set key off
set xzeroaxis lt -1
set yzeroaxis lt -1
load "$tmp/labels.gp"
plot "$tmp/iv.dat" using 1:2 with lines lw 2
GP
[ -s "$out" ] || { echo "plot_hysteresis: gnuplot wrote nothing to $out" >&2; exit 1; }
