#!/usr/bin/env python3
"""mif_check.py — check a simulated MIF neuron (models/mif.lib) against what it
should do, and against the discrete model of the authors' code.

usage: mif_check.py RESULT.csv [--v v(mem)] [--i i(vin)]
                    [--x1 v(x1.x1.x)] [--x2 v(x1.x2.x)] [--no-discrete]

RESULT is a memspice CSV of a netlist like netlists/mif_neuron.cir: the
neuron starts at rest, and the input current (a 0 V source in series, any
sign) is a few rectangular pulses.  The pulses are found in the input.

behaviour (each printed, exit 1 if one fails):
  rest          before the first pulse v stays at the rest value (+-0.1 mV)
  depolarise    the weakest pulse raises v by > 20 mV but keeps it below
                E1 + Von = 110 mV
  spike         every pulse that takes v past 110 mV peaks within its first
                10 us, then M1 pulls v down by > 50 mV before the pulse ends
                while x1 at least triples
  hyperpolarise after each spike v falls > 5 mV below rest before the next
                pulse (or the end)
  repolarise    after the last pulse v climbs back > 5 mV from its minimum,
                to within 1 mV of rest by the end
discrete (unless --no-discrete): the recursion of the authors' code
(github.com/allzp/snntorch, snntorch/_neurons/mif.py), in their units (mV,
ohm, mA, steps), with one step = 1 us, C = 100e-6 (= Cm / 1 us), started
from the circuit's first point and fed the input current at each step's
midpoint:
    v  <- v + (I - G1 (v - E1) - G2 (v - E2)) / C
    xk <- xk + ((1 - xk) sig((v - Ek - Von)/kT) - xk sig((Voff - v + Ek)/kT)) / tau
    Gk  = xk / Ron + (1 - xk) / Roff
compared at every step while forward Euler is stable for the membrane
(dt (G1 + G2) / C < 2; the step where that fails is reported): x1 and x2
within 0.01 (absolute) everywhere; x1, x2 within 0.003 and v within 1.5 mV
where the run is settled: 10 us or more after an input edge (the discrete
spike runs a step ahead of the circuit's and peaks higher, so the states
differ most just after an edge) and dt (G1 + G2)/C < 1.5 (beyond, forward
Euler's membrane factor 1 - dt G/C < -0.5 makes the discrete v ring).
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wavecmp  # noqa: E402  (its CSV reader)

RON, ROFF, VON, VOFF, KT, TAU, E1, E2, C = 1e3, 1e5, 110.0, 5.0, 15.0, 100.0, 0.0, 50.0, 100e-6
V_REST = 18.31   # mV, the fixed point (models/mif.lib)


def interp(t, y, tt):
    import bisect
    k = bisect.bisect_left(t, tt)
    if k <= 0:
        return y[0]
    if k >= len(t):
        return y[-1]
    w = (tt - t[k - 1]) / (t[k] - t[k - 1])
    return y[k - 1] + w * (y[k] - y[k - 1])


def pulses(t, i):
    """[(start, end, amplitude)] of the rectangular pulses of |i| (times in s):
    start = the first point of the rising edge, end = the last point of the
    plateau (|i| >= 0.9 amplitude)."""
    peak = max(abs(a) for a in i) or 1.0
    out, k, n = [], 0, len(t)
    while k < n:
        if abs(i[k]) <= 1e-3 * peak:
            k += 1
            continue
        start = max(k - 1, 0)
        e = k
        while e < n and abs(i[e]) > 1e-3 * peak:
            e += 1
        amp = max(abs(a) for a in i[k:e])
        last = max(j for j in range(k, e) if abs(i[j]) >= 0.9 * amp)
        out.append((t[start], t[last], amp))
        k = e
    return out


def sig(s):
    return 0.0 if s < -700 else 1.0 / (1.0 + math.exp(-s))


def main(argv):
    args = {"--v": "v(mem)", "--i": "i(vin)", "--x1": "v(x1.x1.x)", "--x2": "v(x1.x2.x)"}
    discrete = True
    path = None
    k = 0
    while k < len(argv):
        a = argv[k]
        if a in args and k + 1 < len(argv):
            args[a] = argv[k + 1].lower()
            k += 2
            continue
        if a == "--no-discrete":
            discrete = False
        elif a.startswith("-") or path:
            print(__doc__.split("\n\n")[1], file=sys.stderr)
            return 2
        else:
            path = a
        k += 1
    if not path:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        cols, _ = wavecmp.read_csv(path)
        t = cols["time"]
        v = [a * 1e3 for a in cols[args["--v"]]]
        i = cols[args["--i"]]
        x1 = cols[args["--x1"]]
        x2 = cols[args["--x2"]]
    except (OSError, KeyError, ValueError) as e:
        print("mif_check: %s" % e, file=sys.stderr)
        return 2
    if sum(i) < 0:
        i = [-a for a in i]
    ps = pulses(t, i)
    if not ps:
        print("mif_check: no input pulses in %s" % args["--i"], file=sys.stderr)
        return 2
    fails = 0

    def report(ok, what):
        nonlocal fails
        fails += not ok
        print("%s %s" % ("ok  " if ok else "FAIL", what))

    def window(a, b):
        return [k for k in range(len(t)) if a <= t[k] <= b]

    pre = window(0, ps[0][0] - 1e-9)
    dev = max(abs(v[k] - V_REST) for k in pre) if pre else 0.0
    report(dev < 0.1, "rest: v within %.3f mV of %.2f mV before the first pulse" % (dev, V_REST))
    weakest = min(range(len(ps)), key=lambda n: ps[n][2])
    s, e, amp = ps[weakest]
    w = window(s, e)
    vmax = max(v[k] for k in w)
    report(V_REST + 20 < vmax < E1 + VON,
           "depolarise: %.3g uA pulse at %.0f us: v peaks at %.1f mV (rest + 20 < peak < 110)"
           % (amp * 1e6, s * 1e6, vmax))
    spikes = []
    for n, (s, e, amp) in enumerate(ps):
        w = window(s, e)
        kp = max(w, key=lambda k: v[k])
        if v[kp] <= E1 + VON:
            continue
        spikes.append(n)
        kend = max(w)
        ks = min(w)
        ok = t[kp] - s <= 10e-6 and v[kend] < v[kp] - 50 and x1[kend] >= 3 * x1[ks]
        report(ok, "spike: %.3g uA pulse at %.0f us: peak %.1f mV %.1f us after its start, "
               "%.1f mV at its end; x1 %.4f -> %.4f" % (amp * 1e6, s * 1e6, v[kp], (t[kp] - s) * 1e6,
                                                         v[kend], x1[ks], x1[kend]))
        nxt = ps[n + 1][0] if n + 1 < len(ps) else t[-1]
        after = window(e + 2e-6, nxt - 1e-9)
        km = min(after, key=lambda k: v[k])
        report(v[km] < V_REST - 5, "hyperpolarise: after it v falls to %.2f mV at %.0f us (rest %.2f)"
               % (v[km], t[km] * 1e6, V_REST))
    report(bool(spikes), "spike: %d of %d pulses spike" % (len(spikes), len(ps)))
    after = window(ps[-1][1] + 2e-6, t[-1])
    km = min(after, key=lambda k: v[k])
    report(v[-1] > v[km] + 5 and abs(v[-1] - V_REST) < 1,
           "repolarise: from %.2f mV at %.0f us back to %.2f mV at the end (rest %.2f)"
           % (v[km], t[km] * 1e6, v[-1], V_REST))

    if discrete:
        dv, dx1, dx2 = v[0], x1[0], x2[0]
        nsteps = int(t[-1] / 1e-6 + 1e-9)
        err = {"x1": [0.0, 0], "x2": [0.0, 0], "x1s": [0.0, 0], "x2s": [0.0, 0], "vs": [0.0, 0]}
        edges = [a for s, e, _ in ps for a in (s, e)]
        stop = None

        def note(key, d, tt):
            if d > err[key][0]:
                err[key][:] = [d, tt]
        for n in range(nsteps):
            g1 = dx1 / RON + (1 - dx1) / ROFF
            g2 = dx2 / RON + (1 - dx2) / ROFF
            if (g1 + g2) / C >= 2:
                stop = n
                break
            cur = interp(t, i, (n + 0.5) * 1e-6) * 1e3          # mA
            dv = dv + (cur - g1 * (dv - E1) - g2 * (dv - E2)) / C
            dx1 = dx1 + ((1 - dx1) * sig((dv - E1 - VON) / KT) - dx1 * sig((VOFF - dv + E1) / KT)) / TAU
            dx2 = dx2 + ((1 - dx2) * sig((dv - E2 - VON) / KT) - dx2 * sig((VOFF - dv + E2) / KT)) / TAU
            tt = (n + 1) * 1e-6
            # settled: 10 us after an input edge, and forward Euler not ringing
            # (its membrane factor 1 - dt G/C > -0.5 before this step)
            settled = (min((tt - a for a in edges if a <= tt + 1e-6), default=tt) >= 10e-6
                       and (g1 + g2) / C < 1.5)
            d1, d2 = abs(dx1 - interp(t, x1, tt)), abs(dx2 - interp(t, x2, tt))
            note("x1", d1, tt)
            note("x2", d2, tt)
            if settled:
                note("x1s", d1, tt)
                note("x2s", d2, tt)
                note("vs", abs(dv - interp(t, v, tt)), tt)
        span = "steps 1..%d" % (stop if stop is not None else nsteps)
        if stop is not None:
            print("note the discrete recursion leaves forward Euler's stability region at step %d "
                  "(dt (G1 + G2)/C = %.2f >= 2, x1 = %.3f): compared up to there" % (stop, (g1 + g2) / C, dx1))
        for k in ("x1", "x2"):
            report(err[k][0] <= 0.01, "discrete: %s within %.2e of the circuit (at %.0f us; <= 0.01), %s"
                   % (k, err[k][0], err[k][1] * 1e6, span))
            report(err[k + "s"][0] <= 0.003, "discrete: %s within %.2e where settled "
                   "(at %.0f us; <= 0.003)" % (k, err[k + "s"][0], err[k + "s"][1] * 1e6))
        report(err["vs"][0] <= 1.5, "discrete: v within %.3f mV where settled (at %.0f us; <= 1.5 mV)"
               % (err["vs"][0], err["vs"][1] * 1e6))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
