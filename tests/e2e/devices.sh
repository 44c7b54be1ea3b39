#!/usr/bin/env bash
# devices.sh — coupled inductors (K), switches (S, W) and random sources
# (TRNOISE, TRRANDOM):
#   K: a coupled RL step against its closed-form solution, the gradient with
#      respect to k against finite differences and the closed form's derivative,
#      the open-secondary ratio v(s) = k sqrt(L2/L1) v(p) for k = 1 and k = -0.5,
#      Xyce's K of three inductors against the three pairwise K cards and its
#      gradient against finite differences, ngspice (check; the three-inductor
#      K goes to ngspice as pairs);
#   S/W: an RC charged through a switch a PULSE closes against the exponential,
#      the hysteresis states, a relaxation oscillator's period, ngspice (check),
#      the gradient through R and C (adjoint = finite differences, and the
#      closed form);
#   noise: 10,000 samples of each distribution from a circuit, memspice's and
#      ngspice's alike, within the confidence bounds of mean and sigma; NA = 0
#      equals the DC source; the same seed gives the same waveforms, another
#      seed others; the order of the cards, --threads and --inputs change
#      nothing; a sample grid past the breakpoint bound is refused.
# Fixtures: tests/devices/, netlists/coupled_inductors.cir, switch_hysteresis.cir,
# current_switch.cir.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
FIX=tests/devices
sim() { "$MEMSPICE" run -q "$@" 2>"$tmp/err" && ! grep -q 'Sanitizer\|runtime error:' "$tmp/err"; }
# py NAME SCRIPT ARGS...: a python check that prints its figures and exits 0 on success
py() { local what=$1; shift; if python3 - "$@" >"$tmp/py" 2>&1; then ok "$what: $(tr '\n' ' ' <"$tmp/py")"; else bad "$what"; sed 's/^/     py| /' "$tmp/py"; fi; }
CSV='
import csv, math, sys
def load(path):
    rows = list(csv.DictReader(open(path)))
    return {k: [float(r[k]) for r in rows] for k in rows[0]}
'

# ---- K: coupled RL step, closed form ----
if sim netlists/coupled_inductors.cir -o "$tmp/k.csv"; then
    py "coupled RL step vs closed form" "$tmp/k.csv" <<PY
$CSV
d = load(sys.argv[1])
L1, L2, k, R1, R2 = 1e-3, 4e-3, 0.9, 10.0, 20.0
M = k * math.sqrt(L1 * L2); det = L1 * L2 - M * M
# [L1 M; M L2] x' = -diag(R1, R2) x + (1, 0):  x' = A x + b, A = -L^-1 R, b = L^-1 (1, 0)
A = [[-L2 * R1 / det, M * R2 / det], [M * R1 / det, -L1 * R2 / det]]
b = [L2 / det, -M / det]
da = A[0][0] * A[1][1] - A[0][1] * A[1][0]
xs = [-(A[1][1] * b[0] - A[0][1] * b[1]) / da, -(-A[1][0] * b[0] + A[0][0] * b[1]) / da]   # -A^-1 b
tr = A[0][0] + A[1][1]; disc = math.sqrt(tr * tr - 4 * da); l1, l2 = (tr + disc) / 2, (tr - disc) / 2
def expm_apply(t, v):   # e^{At} v for distinct real eigenvalues (Sylvester)
    e1, e2 = math.exp(l1 * t), math.exp(l2 * t)
    r = []
    for i in range(2):
        a1 = sum((A[i][j] - (l2 if i == j else 0)) * v[j] for j in range(2))
        a2 = sum((A[i][j] - (l1 if i == j else 0)) * v[j] for j in range(2))
        r.append((e1 * a1 - e2 * a2) / (l1 - l2))
    return r
worst = 0
for t, i1, i2 in zip(d['time'], d['i(l1)'], d['i(l2)']):
    te = max(t - 1e-9, 0)   # the 1 ns edge taken as a step at 1 ns (1e-9 of the range)
    e = expm_apply(te, [-xs[0], -xs[1]])
    x = [xs[0] + e[0], xs[1] + e[1]]
    worst = max(worst, abs(i1 - x[0]) / 0.1, abs(i2 - x[1]) / 0.1)
print(f"max error {worst:.2e} of 0.1 A")
sys.exit(worst > 2e-3)
PY
else bad "coupled_inductors.cir did not run"; fi

# ---- K: the coupling factor is trainable: adjoint = FD = the closed form's derivative ----
{ grep -v '^\.end$' netlists/coupled_inductors.cir; printf '.trainable k1\n.loss value v(b) at=50u\n.end\n'; } >"$tmp/kg.cir"
if "$MEMSPICE" grad "$tmp/kg.cir" --check-fd >"$tmp/kg" 2>"$tmp/err"; then
    py "dv(b)/dk: adjoint = FD = closed form" "$tmp/kg" <<'PY'
import math, sys
def vb(k, t=50e-6 - 1e-9, L1=1e-3, L2=4e-3, R1=10.0, R2=20.0):
    M = k * math.sqrt(L1 * L2); det = L1 * L2 - M * M
    A = [[-L2 * R1 / det, M * R2 / det], [M * R1 / det, -L1 * R2 / det]]; b = [L2 / det, -M / det]
    da = A[0][0] * A[1][1] - A[0][1] * A[1][0]
    xs = [-(A[1][1] * b[0] - A[0][1] * b[1]) / da, -(-A[1][0] * b[0] + A[0][0] * b[1]) / da]
    tr = A[0][0] + A[1][1]; disc = math.sqrt(tr * tr - 4 * da); l1, l2 = (tr + disc) / 2, (tr - disc) / 2
    v = [-xs[0], -xs[1]]; e1, e2 = math.exp(l1 * t), math.exp(l2 * t)
    a1 = (A[1][0] * v[0] + (A[1][1] - l2) * v[1]); a2 = (A[1][0] * v[0] + (A[1][1] - l1) * v[1])
    return -R2 * (xs[1] + (e1 * a1 - e2 * a2) / (l1 - l2))   # v(b) = -R2 i(l2)
want = (vb(0.9 + 1e-6) - vb(0.9 - 1e-6)) / 2e-6
row = [l.split() for l in open(sys.argv[1]) if l.split()[:1] == ['k1'] and len(l.split()) == 4][0]
adj, rel = float(row[1]), float(row[3])
cf = abs(adj / want - 1)
print(f"adjoint {adj:.6g}, closed form {want:.6g} (rel {cf:.1e}), FD rel {rel:.1e}")
sys.exit(cf > 2e-3 or rel > 1e-5)
PY
else bad "grad .trainable k1"; fi

# ---- K of three inductors (Xyce's form) = the three pairwise K cards; its k trainable; ngspice ----
sed 's/^K1 L1 L2 L3 0.5$/Ka L1 L2 0.5\nKb L1 L3 0.5\nKc L2 L3 0.5/' $FIX/coupled3.cir >"$tmp/c3p.cir"
if grep -q '^Kc ' "$tmp/c3p.cir" && sim $FIX/coupled3.cir -o "$tmp/c3.csv" && sim "$tmp/c3p.cir" -o "$tmp/c3p.csv"; then
    py "K L1 L2 L3 = three pairwise K" "$tmp/c3.csv" "$tmp/c3p.csv" <<PY
$CSV
a, b = load(sys.argv[1]), load(sys.argv[2])
worst = max(abs(x - y) for k in a for x, y in zip(a[k], b[k]))
print(f"{len(a['time'])} points, max difference {worst:.1e}, i(l3) peak {max(map(abs, a['i(l3)'])):.3g} A")
sys.exit(len(a['time']) != len(b['time']) or worst > 1e-12 or max(map(abs, a['i(l3)'])) < 1e-4)
PY
else bad "coupled3.cir or its pairwise form did not run"; fi
{ grep -v '^\.end$' $FIX/coupled3.cir; printf '.trainable k1\n.loss value v(c) at=100u\n.end\n'; } >"$tmp/c3g.cir"
if "$MEMSPICE" grad "$tmp/c3g.cir" --check-fd >"$tmp/c3g" 2>"$tmp/err"; then
    rel=$(awk '$1 == "k1" && NF == 4 {print $4}' "$tmp/c3g")
    python3 -c "import sys; sys.exit(not float('$rel') < 1e-5)" 2>/dev/null &&
        ok "dv(c)/dk of the three-inductor K: adjoint = FD (rel $rel)" || bad "three-inductor K gradient: rel '$rel'"
else bad "grad of the three-inductor K"; fi

# ---- K: transformer-like ratio, k = 1 and a reversed dot ----
for k in 1 -0.5; do
    sed "s/^K1 L1 L2 1\$/K1 L1 L2 $k/" $FIX/transformer.cir >"$tmp/tr.cir"
    if sim "$tmp/tr.cir" -o "$tmp/tr.csv"; then
        py "open secondary, k=$k: v(s) = k sqrt(L2/L1) v(p)" "$tmp/tr.csv" "$k" <<PY
$CSV
d = load(sys.argv[1]); r = float(sys.argv[2]) * 2
worst = max(abs(s - r * p) for s, p in zip(d['v(s)'], d['v(p)']))
print(f"max |v(s) - {r:g} v(p)| = {worst:.2e} V")
sys.exit(worst > 1e-3)
PY
    else bad "transformer k=$k did not run"; fi
done

# ---- agreement with ngspice ----
for f in netlists/coupled_inductors.cir netlists/switch_hysteresis.cir netlists/current_switch.cir $FIX/transformer.cir \
         $FIX/rc_switch.cir $FIX/coupled3.cir; do
    if "$MEMSPICE" check "$f" >"$tmp/out" 2>"$tmp/err"; then
        ok "check $f: $(grep -c ' pass$' "$tmp/out") signals pass"
    else bad "check $f"; grep -E 'FAIL|result' "$tmp/out" | head -5; fi
done

# ---- S: RC through a switch, closed form; hysteresis states ----
if sim $FIX/rc_switch.cir -o "$tmp/sw.csv"; then
    py "RC through a switch vs closed form" "$tmp/sw.csv" <<PY
$CSV
d = load(sys.argv[1])
ton, tau = 2e-6 + 0.6e-9, 1001 * 1e-9
worst = max(abs(v - (0 if t < ton else 1 - math.exp(-(t - ton) / tau))) for t, v in zip(d['time'], d['v(x)']))
on = [t for t, s in zip(d['time'], d['x(s1)']) if s > 0.5]
print(f"max error {worst:.2e} V, switched on at {on[0]:.6e} s")
sys.exit(worst > 1e-3 or abs(on[0] - ton) > 0.1e-9 or any(s not in (0, 1) for s in d['x(s1)']))
PY
else bad "rc_switch.cir did not run"; fi
sed 's/^\.save .*/.save v(c) x(s1)/' netlists/switch_hysteresis.cir >"$tmp/hy.cir"
sed 's/^\.save .*/.save v(c) x(w1)/' netlists/current_switch.cir >"$tmp/hw.cir"
for f in hy hw; do
    if sim "$tmp/$f.cir" -o "$tmp/$f.csv"; then
        py "hysteresis states ($f)" "$tmp/$f.csv" <<PY
$CSV
d = load(sys.argv[1]); s = [k for k in d if k.startswith('x(')][0]
# control 0, 0.6, 1, 0.4, 0, 0.6 on 5 us intervals: off, off (band), on, on (band), off, off (band)
want = [0, 0, 1, 1, 0, 0]
got = []
for j in range(6):
    mid = [x for t, x in zip(d['time'], d[s]) if 5e-6 * j + 1e-6 < t < 5e-6 * (j + 1) - 1e-7]
    got.append(sorted(set(mid)))
print('states per interval', got)
sys.exit(got != [[w] for w in want])
PY
    else bad "$f did not run"; fi
done

# ---- S: a switch that moves its own control (relaxation oscillator), closed-form period ----
if sim $FIX/relaxation_osc.cir -o "$tmp/osc.csv"; then
    py "relaxation oscillator: first turn-on and period" "$tmp/osc.csv" <<PY
$CSV
d = load(sys.argv[1]); t, s = d['time'], d['x(s1)']
ons = [t[i] for i in range(1, len(t)) if s[i] > s[i - 1]]
# C charges through 10k toward 1 V (0 -> 0.7, then 0.3 -> 0.7) and discharges through
# 101 ohm || 10k toward 0.01 V from 0.7 to 0.3
first = 10e-6 * math.log(1 / 0.3)
period = 10e-6 * math.log(0.7 / 0.3) + 1e-9 * (101 * 1e4 / 10101) * math.log(0.69 / 0.29)
got = (ons[-1] - ons[0]) / (len(ons) - 1)
print(f"{len(ons)} turn-ons, first at {ons[0] * 1e6:.4f} us ({first * 1e6:.4f}), period {got * 1e6:.4f} us ({period * 1e6:.4f})")
sys.exit(len(ons) != 11 or abs(ons[0] - first) > 0.01e-6 or abs(got / period - 1) > 0.005)
PY
else bad "relaxation_osc.cir did not run"; fi

# ---- S: gradients (the switch's conductance is piecewise constant in the control) ----
if "$MEMSPICE" grad $FIX/rc_switch.cir --check-fd >"$tmp/g" 2>"$tmp/err"; then
    py "gradient through R1, C1 with a switch: adjoint = FD = closed form" "$tmp/g" <<'PY'
import math, sys
rows = [l.split() for l in open(sys.argv[1]) if l.split() and l.split()[0] in ('r1', 'c1') and len(l.split()) == 4]
R, C, ton, t = 1001, 1e-9, 2e-6 + 0.6e-9, 5e-6
tau = R * C; e = math.exp(-(t - ton) / tau)
want = {'r1': -e * (t - ton) / tau ** 2 * C, 'c1': -e * (t - ton) / tau ** 2 * R}
bad = 0
for name, adj, fd, rel in rows:
    a, f = float(adj), float(fd)
    cf = abs(a - want[name]) / abs(want[name])
    print(f"{name}: fd rel {float(rel):.1e}, closed form rel {cf:.1e}")
    bad |= float(rel) > 1e-5 or cf > 1e-3
sys.exit(bad or len(rows) != 2)
PY
else bad "grad rc_switch.cir"; fi
"$MEMSPICE" grad $FIX/rc_switch.cir >"$tmp/g1" 2>/dev/null && "$MEMSPICE" grad $FIX/rc_switch.cir --checkpoint 7 >"$tmp/g2" 2>/dev/null &&
    cmp -s "$tmp/g1" "$tmp/g2" && ok "grad with checkpoints (replayed switch states) = without" || bad "grad --checkpoint 7 differs"

# ---- noise: distributions, memspice and ngspice ----
STATS='
import sys
def check(name, xs, mean, sd, kurt, lo=None, hi=None):
    n = len(xs); m = sum(xs) / n; s = (sum((x - m) ** 2 for x in xs) / (n - 1)) ** 0.5
    tm, ts = 4 * sd / n ** 0.5, 4 * sd * ((kurt - 1) / (4 * n)) ** 0.5
    good = n >= 9990 and abs(m - mean) <= tm and abs(s - sd) <= ts
    if lo is not None: good = good and min(xs) >= lo and max(xs) < hi
    print(f"{name}: n={n} mean {m:.4f} ({mean}+-{tm:.4f}) sd {s:.4f} ({sd:.4f}+-{ts:.4f})" + ("" if good else " BAD"))
    return good
def samples(t, v, ts=1e-6):   # the value at each grid time k ts, k = 1..10000
    out = {}
    for x, y in zip(t, v):
        k = round(x / ts)
        if 1 <= k <= 10000 and abs(x - k * ts) < 1e-4 * ts: out[k] = y
    return [out[k] for k in sorted(out)]
def all_checks(t, col):
    ok = check("TRNOISE 0.3", samples(t, col["a"]), 0, 0.3, 3)
    ok &= check("gauss(0.5, 1.5)", samples(t, col["b"]), 1.5, 0.5, 3)
    ok &= check("uniform 2*[-1,1)-1", samples(t, col["c"]), -1, 2 / 3 ** 0.5, 1.8, -3, 1)
    ok &= check("exponential 0.25 + 1", samples(t, col["d"]), 1.25, 0.25, 9, 1, 1e9)
    ok &= check("poisson 3.5", samples(t, col["e"]), 3.5, 3.5 ** 0.5, 3 + 1 / 3.5, 0, 1e9)
    sys.exit(not ok)
'
if sim $FIX/noise_stats.cir -o "$tmp/ns.csv"; then
    py "memspice noise statistics" "$tmp/ns.csv" <<PY
$CSV
$STATS
d = load(sys.argv[1])
all_checks(d['time'], {c: d[f'v({c})'] for c in 'abcde'})
PY
else bad "noise_stats.cir did not run"; fi
if command -v ngspice >/dev/null; then
    sed "s|^\.end\$|.control\nrun\nwrdata $tmp/ng.txt v(a) v(b) v(c) v(d) v(e)\n.endc\n.end|" $FIX/noise_stats.cir >"$tmp/ng.cir"
    timeout 120 ngspice -b "$tmp/ng.cir" >/dev/null 2>&1   # (exit code 1 in batch mode with a .control block)
    if [ -s "$tmp/ng.txt" ]; then
        py "ngspice noise statistics (same bounds)" "$tmp/ng.txt" <<PY
$STATS
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
all_checks([r[0] for r in rows], {c: [r[2 * i + 1] for r in rows] for i, c in enumerate('abcde')})
PY
    else bad "ngspice did not run noise_stats.cir"; fi
else bad "ngspice not found"; fi

# ---- noise: NA = 0 is the DC source ----
sed 's/^V1 a 0 DC 0.5 TRNOISE(0.1 1u 0 0)$/V1 a 0 DC 0.5 TRNOISE(0 1u 0 0)/; s/^I2 .*$//' $FIX/noise_rc.cir >"$tmp/na0.cir"
sed 's/^V1 a 0 DC 0.5 TRNOISE(0.1 1u 0 0)$/V1 a 0 DC 0.5/; s/^I2 .*$//' $FIX/noise_rc.cir >"$tmp/dc.cir"
sim "$tmp/na0.cir" -o "$tmp/na0.csv" && sim "$tmp/dc.cir" -o "$tmp/dc.csv" && cmp -s "$tmp/na0.csv" "$tmp/dc.csv" &&
    ok "TRNOISE with NA=0 = the DC source (byte for byte)" || bad "NA=0 differs from DC"

# ---- noise: seeds ----
sim $FIX/noise_rc.cir -o "$tmp/s1a.csv" && sim $FIX/noise_rc.cir -o "$tmp/s1b.csv" && cmp -s "$tmp/s1a.csv" "$tmp/s1b.csv" &&
    ok "the same seed: the same waveforms" || bad "two runs with seed 1 differ"
sed 's/^\.options seed=1$//' $FIX/noise_rc.cir >"$tmp/nodefault.cir"
sim "$tmp/nodefault.cir" -o "$tmp/def.csv" && cmp -s "$tmp/s1a.csv" "$tmp/def.csv" &&
    ok "the default seed is 1" || bad "no .options seed differs from seed=1"
sed 's/^\.options seed=1$/.options seed=2/' $FIX/noise_rc.cir >"$tmp/seed2.cir"
if sim "$tmp/seed2.cir" -o "$tmp/s2.csv"; then
    py "another seed: other waveforms" "$tmp/s1a.csv" "$tmp/s2.csv" <<PY
$CSV
a, b = load(sys.argv[1]), load(sys.argv[2])
diff = max(abs(x - y) for x, y in zip(a['v(a)'], b['v(a)']))
print(f"max |v(a) seed 1 - seed 2| = {diff:.3f} V")
sys.exit(diff < 0.05)
PY
else bad "seed=2 did not run"; fi
# the order of the cards changes nothing but rounding (streams come from the names)
{ head -2 $FIX/noise_rc.cir; grep '^I2' $FIX/noise_rc.cir; grep -v '^I2' $FIX/noise_rc.cir | tail -n +3; } >"$tmp/order.cir"
if sim "$tmp/order.cir" -o "$tmp/order.csv"; then
    py "sources in another order: the same waveforms" "$tmp/s1a.csv" "$tmp/order.csv" <<PY
$CSV
a, b = load(sys.argv[1]), load(sys.argv[2])
# the unknowns are numbered in another order, so the solver's rounding differs
worst = max(max(abs(x - y) for x, y in zip(a[k], b[k])) / (max(map(abs, a[k])) or 1) for k in a) if sorted(a) == sorted(b) else 1
print(f"vector by vector within {worst:.1e} of their magnitude")
sys.exit(worst > 1e-12 or len(a['time']) != len(b['time']))
PY
else bad "reordered netlist did not run"; fi

# ---- noise: --inputs and --threads ----
mkdir -p "$tmp/in"
for i in 1 2 3 4; do
    printf 'v1 dc 0.5 trnoise(%s 1u 0 0)\ni2 trrandom(2 5u %su 0.1m 0)\n' "0.0$i" "$i" >"$tmp/in/s$i.txt"
done
if "$MEMSPICE" run -q $FIX/noise_rc.cir --inputs "$tmp/in" -o "$tmp/o1" --format csv --threads 1 2>"$tmp/err" &&
   "$MEMSPICE" run -q $FIX/noise_rc.cir --inputs "$tmp/in" -o "$tmp/o2" --format csv --threads 3 2>"$tmp/err"; then
    same=1
    for i in 1 2 3 4; do cmp -s "$tmp/o1/s$i.csv" "$tmp/o2/s$i.csv" || same=0; done
    [ $same = 1 ] && ok "--inputs: --threads 1 = --threads 3" || bad "--threads changed the noise"
    sed "s/^V1 a 0 .*/V1 a 0 dc 0.5 trnoise(0.03 1u 0 0)/; s/^I2 0 m .*/I2 0 m trrandom(2 5u 3u 0.1m 0)/" $FIX/noise_rc.cir >"$tmp/edited.cir"
    sim "$tmp/edited.cir" -o "$tmp/edited.csv" && cmp -s "$tmp/edited.csv" "$tmp/o1/s3.csv" &&
        ok "--inputs file = the edited netlist (same streams)" || bad "--inputs differs from the edited netlist"
else bad "--inputs run"; fi

# ---- noise: a sample grid beyond the breakpoint bound ----
sed 's/^V1 a 0 .*/V1 a 0 TRNOISE(0.1 1p 0 0)/; s/^\.tran .*/.tran 1u 1/' $FIX/noise_rc.cir >"$tmp/grid.cir"
"$MEMSPICE" run -q "$tmp/grid.cir" -o "$tmp/grid.csv" 2>"$tmp/err"
[ $? = 1 ] && grep -q 'corners' "$tmp/err" && [ ! -e "$tmp/grid.csv" ] &&
    ok "a noise grid past the breakpoint bound: error, no output" || bad "huge noise grid not refused"

summary devices
