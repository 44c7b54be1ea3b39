#!/usr/bin/env python3
"""hysteresis.py — check the pinched hysteresis of a memristor's i-v curve.

usage: hysteresis.py RESULT V I [--ref NGSPICE.raw] [--pinch 1e-3]
                     [--area 0.02] [--area-rtol 0.02] [--lobes 3]

RESULT is a memspice CSV (or an ngspice raw file: .raw).  V and I name the
voltage across the device and the current through it (a source current
i(vname) may carry either sign).  Checks, on the samples as written:
  pinched   at every sign change of V (linear interpolation to V = 0) and at
            every sample with V = 0, |I| <= pinch x max|I|: no current
            without voltage (a capacitor or an inductor fails this);
  loop      the curve between two consecutive zero crossings of V starts
            and ends at (0, 0), so it is a closed lobe; each complete lobe
            (at least --lobes of them) encloses an area |sum of I dV|
            >= area x max|V| x max|I| (a resistor's lobes have none);
  --ref     the lobes computed from an ngspice raw file of the same
            netlist (matched by their time spans, at least two) agree in
            area within area-rtol (relative).
Prints the numbers; exits 1 if a check fails, 2 on unusable input."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wavecmp  # noqa: E402  (its raw and CSV readers)


def load(path, v, i):
    if path.endswith(".raw"):
        _, cols, _ = wavecmp.read_raw(path, "Transient")
    else:
        cols, _ = wavecmp.read_csv(path)
    for n in ("time", v, i):
        if n not in cols:
            raise KeyError("%s: no vector %s (have: %s)" % (path, n, ", ".join(sorted(cols))))
    return cols["time"], cols[v], cols[i]


def crossings(t, v, i):
    """(time, interpolated current) where v changes sign or is 0."""
    out = []
    for k in range(len(v)):
        if v[k] == 0:
            out.append((t[k], i[k]))
        elif k + 1 < len(v) and v[k] * v[k + 1] < 0:
            s = v[k] / (v[k] - v[k + 1])
            out.append((t[k] + s * (t[k + 1] - t[k]), i[k] + s * (i[k + 1] - i[k])))
    return out


def lobes(t, v, i, zs):
    """Areas |sum I dV| of the closed pieces between consecutive crossings."""
    areas = []
    for (ta, ia), (tb, ib) in zip(zs, zs[1:]):
        # the piece: (0, ia) at ta, the samples strictly inside, (0, ib) at tb
        pts = [(0.0, ia)] + [(v[k], i[k]) for k in range(len(t)) if ta < t[k] < tb] + [(0.0, ib)]
        if len(pts) < 4:
            continue
        a = sum(0.5 * (p[1] + q[1]) * (q[0] - p[0]) for p, q in zip(pts, pts[1:]))
        areas.append((ta, tb, abs(a)))
    return areas


def main(argv):
    args, opts = [], {"--ref": None, "--pinch": "1e-3", "--area": "0.02", "--area-rtol": "0.02", "--lobes": "3"}
    k = 1
    while k < len(argv):
        if argv[k] in opts and k + 1 < len(argv):
            opts[argv[k]] = argv[k + 1]
            k += 2
        else:
            args.append(argv[k])
            k += 1
    if len(args) != 3:
        print(__doc__)
        return 2
    path, vname, iname = args[0], args[1].lower(), args[2].lower()
    try:
        t, v, i = load(path, vname, iname)
        ref = load(opts["--ref"], vname, iname) if opts["--ref"] else None
    except (OSError, ValueError, KeyError, IndexError) as e:
        print("hysteresis: cannot read input: %s" % e)
        return 2
    vmax, imax = max(abs(x) for x in v), max(abs(x) for x in i)
    if vmax == 0 or imax == 0:
        print("FAIL no signal: max|V| = %g, max|I| = %g" % (vmax, imax))
        return 1
    bad = 0
    zs = crossings(t, v, i)
    worst = max((abs(c[1]) for c in zs), default=0.0)
    ok = len(zs) >= 2 and worst <= float(opts["--pinch"]) * imax
    print("%s pinched: %d zero crossings of %s, largest |%s| there %.3g = %.2g of max|I| %.3g" %
          ("ok  " if ok else "FAIL", len(zs), vname, iname, worst, worst / imax, imax))
    bad += not ok
    ls = lobes(t, v, i, zs)
    need = float(opts["--area"]) * vmax * imax
    ok = len(ls) >= int(opts["--lobes"]) and all(a >= need for _, _, a in ls)
    print("%s loop: %d lobes, areas %s (each must be >= %.3g = %s x max|V| x max|I|)" %
          ("ok  " if ok else "FAIL", len(ls), ", ".join("%.4g" % a for _, _, a in ls), need, opts["--area"]))
    bad += not ok
    if ref:
        # the same lobe spans the same time (ngspice writes no t = 0 point
        # with uic, so its first lobe may be missing)
        rl = lobes(ref[0], ref[1], ref[2], crossings(*ref))
        rtol = float(opts["--area-rtol"])
        pairs = [(a, b) for a in ls for b in rl
                 if abs(a[0] - b[0]) <= 0.01 * (a[1] - a[0]) and abs(a[1] - b[1]) <= 0.01 * (a[1] - a[0])]
        ok = len(pairs) >= 2 and len(pairs) == len(rl) and all(abs(a[2] - b[2]) <= rtol * b[2] for a, b in pairs)
        print("%s ngspice: %d lobes in common, areas %s vs %s (relative tolerance %s)" %
              ("ok  " if ok else "FAIL", len(pairs), ", ".join("%.4g" % a[2] for a, _ in pairs),
               ", ".join("%.4g" % b[2] for _, b in pairs), opts["--area-rtol"]))
        bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
