#!/usr/bin/env bash
# plot_mif.sh — run a netlist of a memristive integrate-and-fire (MIF)
# neuron with memspice and plot its membrane voltage, its input current and
# the states of its memristors against time.
#
# usage: tools/plot_mif.sh NETLIST OUT.png [MEMBRANE [INPUT]]
#
#   MEMBRANE   the membrane voltage vector, default v(mem)
#   INPUT      the input current vector, default the first i(...) vector
#              (a 0 V source in series with the input: i(vin)); none: "-"
#   The states are every saved x(...) vector (native memristors) and every
#   v(....x) vector (the state node x of a memr_* subcircuit).
#
# Top panel: membrane voltage (mV, left axis) and input current (uA, right
# axis); middle: the membrane voltage again, zoomed to 0 .. 3x its median
# (about the resting level), where hyperpolarisation (the dip below rest
# after a spike) and repolarisation (the return) show; bottom: the
# memristor states (dimensionless, 0 = off).
# Time in us or ms.  Needs python3 and gnuplot; memspice is $MEMSPICE or
# build/memspice.
set -euo pipefail
usage() { sed -n '6,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] && [ $# -le 4 ] || usage
net=$1 out=$2 mvec=${3:-v(mem)} ivec=${4:-}
root=$(cd "$(dirname "$0")/.." && pwd)
MEMSPICE=${MEMSPICE:-$root/build/memspice}
for tool in python3 gnuplot; do
    command -v "$tool" >/dev/null || { echo "plot_mif: $tool not found (make deps installs it)" >&2; exit 1; }
done
[ -x "$MEMSPICE" ] || { echo "plot_mif: no memspice at $MEMSPICE (run make)" >&2; exit 1; }
[ -f "$net" ] || { echo "plot_mif: no netlist $net" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$MEMSPICE" run "$net" -q -o "$tmp/run.csv"

# columns -> $tmp/mif.dat (t, v, i, states...) and the plot commands -> $tmp/plot.gp
python3 - "$tmp/run.csv" "$tmp" "$mvec" "$ivec" "$(basename "$net")" <<'PY'
import csv, re, sys
path, tmp, mname, iname, title = sys.argv[1:6]
rows = list(csv.reader(open(path, newline="")))
names = [n.strip().lower() for n in rows[0]]
data = [[float(x) for x in r] for r in rows[1:] if r]
have = ", ".join(names)
if not data:
    sys.exit("plot_mif: the result has no time points")
if mname.lower() not in names:
    sys.exit("plot_mif: no membrane vector %s in the result (have: %s)" % (mname, have))
jm = names.index(mname.lower())
ji = None
if iname == "":
    ji = next((j for j, n in enumerate(names) if n.startswith("i(")), None)
elif iname != "-":
    if iname.lower() not in names:
        sys.exit("plot_mif: no input vector %s in the result (have: %s)" % (iname, have))
    ji = names.index(iname.lower())
js = [j for j, n in enumerate(names) if n.startswith("x(") or re.match(r"v\(.*\.x\)$", n)]
if not js:
    sys.exit("plot_mif: no state vector x(...) or v(....x) in the result (have: %s); save them with .save" % have)
t = [r[0] for r in data]
tscale, tunit = (1e3, "ms") if t[-1] >= 2e-3 else (1e6, "us")
cur = [r[ji] for r in data] if ji is not None else None
if cur and max(cur) < -min(cur):   # a source whose + node is the membrane side: show the input
    cur = [-c for c in cur]
with open(tmp + "/mif.dat", "w") as f:
    for k, r in enumerate(data):
        cols = [r[0] * tscale, r[jm] * 1e3, (cur[k] * 1e6 if cur else 0.0)] + [r[j] for j in js]
        f.write(" ".join("%.9g" % c for c in cols) + "\n")
def lab(s):
    return s.replace('"', "'").replace("_", "\\\\_")
with open(tmp + "/plot.gp", "w") as f:
    f.write('set multiplot layout 3,1 title "%s: MIF neuron" font ",13"\n' % lab(title))
    f.write('set xlabel "time [%s]"\nset ylabel "membrane %s [mV]"\n' % (tunit, lab(names[jm])))
    f.write("set lmargin 12\nset rmargin 12\n")
    if cur:
        f.write('set y2label "input current %s [uA]"\nset y2tics\nset ytics nomirror\n' % lab(names[ji]))
        f.write('plot "%s/mif.dat" using 1:2 with lines lw 2 lc rgb "#1f4e9a" title "membrane %s", '
                '"" using 1:3 axes x1y2 with lines lw 1.5 lc rgb "#d95f02" title "input %s"\n'
                % (tmp, lab(names[jm]), lab(names[ji])))
    else:
        f.write('plot "%s/mif.dat" using 1:2 with lines lw 2 title "membrane %s"\n' % (tmp, lab(names[jm])))
    f.write('unset y2label\nunset y2tics\nset ytics mirror\n')
    vs = sorted(r[jm] * 1e3 for r in data)
    top = 3 * abs(vs[len(vs) // 2]) or 1.0
    f.write('set yrange [%g:%g]\nset ylabel "membrane, zoomed [mV]"\n' % (min(0.0, vs[0]), top))
    f.write('plot "%s/mif.dat" using 1:2 with lines lw 2 lc rgb "#1f4e9a" title "membrane %s (zoom)"\n'
            % (tmp, lab(names[jm])))
    f.write('set autoscale y\n')
    f.write('set ylabel "memristor state x (1 = on)"\n')
    f.write("plot " + ", ".join('"%s/mif.dat" using 1:%d with lines lw 2 title "%s"' % (tmp, 4 + k, lab(names[j]))
                                for k, j in enumerate(js)) + "\n")
    f.write("unset multiplot\n")
PY

gnuplot <<GP
set terminal pngcairo size 1000,1050 enhanced font ",11"
set output "$out"
set grid
set key top right
load "$tmp/plot.gp"
GP
[ -s "$out" ] || { echo "plot_mif: gnuplot wrote nothing to $out" >&2; exit 1; }
