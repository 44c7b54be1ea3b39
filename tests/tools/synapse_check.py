#!/usr/bin/env python3
"""synapse_check.py — check the reads of tests/models/synapse_read.cir
(models/synapse.lib: Yakopcic crossbar cells).

usage: synapse_check.py RESULT.csv

  no disturbance  cells 1 and 2 (0.14 V and 0.15 V reads, inside the window
                  -Vn <= v <= Vp) and both cells of the pair (0.1 V) keep
                  their state: max |x - x(0)| <= 1e-12
  drift           cells 3 and 4 (0.2 V and 0.3 V, above Vp) move by what the
                  Yakopcic equation gives for the applied waveform, integrated
                  here independently (RK4, 1 ns steps, on v(r3), v(r4) as
                  simulated): within 0.5 %
  weight          the pair's column current difference i(vcp) - i(vcn) at
                  60 us equals a1 (x+ - x-) sinh(b v) (1e-6) and the linear
                  gmax (x+ - x-) v, gmax = a1 b, to 1e-5
Prints the numbers; exits 1 if a check fails, 2 on unusable input."""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wavecmp  # noqa: E402  (its CSV reader and interpolation)

A1, B, AP, AN, VP, VN, ALPHAP, ALPHAN, XP, XN, ETA = 0.17, 0.05, 4000, 4000, 0.16, 0.15, 1, 5, 0.3, 0.5, 1


def g(v, x):
    """dx/dt of memristor level 3 (src/devices/memristor_models.h)."""
    if v > VP:
        G = AP * (math.exp(v) - math.exp(VP))
    elif v < -VN:
        G = -AN * (math.exp(-v) - math.exp(VN))
    else:
        return 0.0
    if G > 0 and x >= XP:
        F = math.exp(-ALPHAP * (x - XP)) * ((XP - x) / (1 - XP) + 1)
    elif G < 0 and x <= 1 - XN:
        F = math.exp(ALPHAN * (x + XN - 1)) * x / (1 - XN)
    else:
        F = 1.0
    return ETA * G * F


def main(argv):
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        cols, _ = wavecmp.read_csv(argv[0])
        t = cols["time"]
        need = ["v(r3)", "v(r4)", "v(rp)", "i(vcp)", "i(vcn)"] + \
            ["v(x%d.xm.x)" % k for k in range(1, 5)] + ["v(xp.xp.x)", "v(xp.xn.x)"]
        for n in need:
            cols[n]
    except (OSError, KeyError, ValueError) as e:
        print("synapse_check: %s" % e, file=sys.stderr)
        return 2
    fails = 0

    def report(ok, what):
        nonlocal fails
        fails += not ok
        print("%s %s" % ("ok  " if ok else "FAIL", what))

    for name, what in (("v(x1.xm.x)", "cell 1, 0.14 V read"), ("v(x2.xm.x)", "cell 2, 0.15 V read"),
                       ("v(xp.xp.x)", "pair +, 0.1 V read"), ("v(xp.xn.x)", "pair -, 0.1 V read")):
        x = cols[name]
        d = max(abs(a - x[0]) for a in x)
        report(d <= 1e-12, "no disturbance: %s: max |x - x(0)| = %.1e (x = %g)" % (what, d, x[0]))
    for k, what in ((3, "0.2 V"), (4, "0.3 V")):
        x = cols["v(x%d.xm.x)" % k]
        vr = cols["v(r%d)" % k]
        # RK4 on the simulated drive, from its first to its last point
        h, xx, tt = 1e-9, x[0], 0.0
        n = int(round(t[-1] / h))

        def vat(s):
            return wavecmp.interp(t, vr, s)
        for _ in range(n):
            k1 = g(vat(tt), xx)
            k2 = g(vat(tt + h / 2), xx + h / 2 * k1)
            k3 = g(vat(tt + h / 2), xx + h / 2 * k2)
            k4 = g(vat(tt + h), xx + h * k3)
            xx += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            tt += h
        dsim, dref = x[-1] - x[0], xx - x[0]
        rel = abs(dsim - dref) / abs(dref) if dref else float("inf")
        report(dref > 0 and rel <= 5e-3, "drift: cell %d, %s read: dx = %.5e simulated, %.5e integrated here "
               "(%.1e relative)" % (k, what, dsim, dref, rel))
    ta = 60e-6
    v = wavecmp.interp(t, cols["v(rp)"], ta)
    xpos, xneg = cols["v(xp.xp.x)"][0], cols["v(xp.xn.x)"][0]
    di = wavecmp.interp(t, cols["i(vcp)"], ta) - wavecmp.interp(t, cols["i(vcn)"], ta)
    exact = A1 * (xpos - xneg) * math.sinh(B * v)
    linear = A1 * B * (xpos - xneg) * v
    r1, r2 = abs(di - exact) / abs(exact), abs(di - linear) / abs(linear)
    report(r1 <= 1e-6 and r2 <= 1e-5, "weight: pair w = x+ - x- = %g read at %g V: i(vcp) - i(vcn) = %.6e A; "
           "a1 w sinh(b v) %.6e (%.1e), gmax w v %.6e (%.1e)" % (xpos - xneg, v, di, exact, r1, linear, r2))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
