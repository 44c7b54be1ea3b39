#!/usr/bin/env python3
"""wavecmp.py — compare a memspice CSV result with an ngspice raw file.

usage: wavecmp.py MEMSPICE.csv NGSPICE.raw [--plot NAME] [--tol 1e-3]
                  [--vectors v(out),i(v1)] [--op-rtol 1e-6]

Reads the ngspice raw file itself (binary or ascii, real plots; the plot
whose Plotname starts with NAME, default: the last plot), so the check does
not depend on memspice's own reader.  Transient: every node voltage v(...)
present in both (or the --vectors given) is put on the union of both time
axes, on the span both cover, by linear interpolation; the largest
difference must stay below tol x the ngspice vector's range (1e-9 absolute
for a constant one).  DC sweep (plot "DC transfer characteristic", scale
v(v-sweep) or i(i-sweep) first in both files): the same swept values, then
every common vector point by point within tol x its range.  AC (plot "AC
Analysis", complex; memspice's CSV "frequency,re(x),im(x),..."): the same
frequencies, then every common vector's phasor point by point, |H_ms - H_ng|
within tol x max |H_ng| over the sweep.  Operating point: |a - b| <=
op_rtol |b| + 1e-9 for every common vector.
Prints one line per vector; exits 1 on any failure, 2 on unusable input."""
import bisect
import csv
import struct
import sys

from cmdline import split_options


def read_raw(path, plotname=None):
    data = open(path, "rb").read()
    plots, pos = [], 0
    while pos < len(data):
        hdr = {}
        names = []

        def next_line():
            nonlocal pos
            end = data.index(b"\n", pos)
            line = data[pos:end].decode("latin-1").rstrip("\r")
            pos = end + 1
            return line

        while True:
            line = next_line()
            if line.startswith("Variables:"):
                for _ in range(hdr["nvars"]):
                    names.append(next_line().split()[1].lower())
                continue
            if line.startswith("Binary:") or line.startswith("Values:"):
                kind = line.split(":")[0]
                break
            if ":" in line:
                k, v = line.split(":", 1)
                hdr[k.strip().lower()] = v.strip()
                if k.strip().lower() == "no. variables":
                    hdr["nvars"] = int(v)
                if k.strip().lower() == "no. points":
                    hdr["npts"] = int(v)
        cplx = "complex" in hdr.get("flags", "").lower()
        nv, npts = hdr["nvars"], hdr["npts"]
        if len(names) != nv:
            raise ValueError("%s: %d variable names for %d variables" % (path, len(names), nv))
        cols = [[] for _ in range(nv)]
        if kind == "Binary" and cplx:   # re, im pairs; the scale's imaginary part is dropped
            n = 2 * nv * npts
            vals = struct.unpack_from("<%dd" % n, data, pos)
            pos += 8 * n
            for k in range(npts):
                for j in range(nv):
                    re, im = vals[2 * (k * nv + j)], vals[2 * (k * nv + j) + 1]
                    cols[j].append(re if j == 0 else complex(re, im))
        elif kind == "Binary":
            n = nv * npts
            vals = struct.unpack_from("<%dd" % n, data, pos)
            pos += 8 * n
            for k in range(npts):
                for j in range(nv):
                    cols[j].append(vals[k * nv + j])
        else:
            toks = []
            while len(toks) < npts * (nv + 1) and pos < len(data):
                end = data.find(b"\n", pos)
                end = len(data) if end < 0 else end
                toks.extend(data[pos:end].decode("latin-1").split())
                pos = end + 1
            it = iter(toks)
            for k in range(npts):
                next(it)  # point index
                for j in range(nv):
                    parts = next(it).split(",")
                    cols[j].append(complex(float(parts[0]), float(parts[1])) if cplx and j > 0
                                   else float(parts[0]))
        plots.append((hdr.get("plotname", ""), dict(zip(names, cols)), names))
        while pos < len(data) and data[pos:pos + 1] in (b"\n", b"\r"):
            pos += 1
    if not plots:
        raise ValueError("%s: no plots" % path)
    if plotname:
        for p in plots:
            if p[0].lower().startswith(plotname.lower()):
                return p
        raise ValueError("%s: no plot named %s (have: %s)" % (path, plotname, ", ".join(p[0] for p in plots)))
    return plots[-1]


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    names = [n.strip().lower() for n in rows[0]]
    cols = {n: [float(r[j]) for r in rows[1:]] for j, n in enumerate(names)}
    return cols, names


def interp(ts, vs, t):
    k = bisect.bisect_right(ts, t)
    if k <= 0:
        return vs[0]
    if k >= len(ts):
        return vs[-1]
    t0, t1 = ts[k - 1], ts[k]
    if t1 == t0:
        return vs[k]
    return vs[k - 1] + (vs[k] - vs[k - 1]) * (t - t0) / (t1 - t0)


def read_csv_complex(cols, names):
    """memspice's AC CSV: frequency, then re(x), im(x) pairs -> {x: [complex]}."""
    out, onames = {"frequency": cols["frequency"]}, ["frequency"]
    for n in names[1::2]:
        x = n[3:-1]
        out[x] = [complex(a, b) for a, b in zip(cols[n], cols["im(%s)" % x])]
        onames.append(x)
    return out, onames


def worst_point(diffs, x0):
    """The largest of (x, |difference|) pairs (a NaN counts as largest) and its x."""
    worst, xw = 0.0, x0
    for x, d in diffs:
        if d > worst or d != d:
            worst, xw = d, x
    return worst, xw


def each_vector(wanted, mcols, mnames, ncols, nnames, check):
    """check(name) for each wanted vector both sides have (it prints its line
    and says whether it passed); a missing vector fails.  Exit status."""
    if not wanted:
        print("wavecmp: no vectors in common (memspice: %s; ngspice: %s)" % (mnames, nnames))
        return 1
    bad = 0
    for name in wanted:
        if name not in mcols or name not in ncols:
            print("FAIL %-12s missing in %s" % (name, "memspice" if name not in mcols else "ngspice"))
            bad += 1
            continue
        bad += not check(name)
    return 1 if bad else 0


def wanted_vectors(vectors, mcols, nnames):
    """--vectors, else every vector after ngspice's scale that memspice has."""
    return vectors.lower().split(",") if vectors else [n for n in nnames[1:] if n in mcols]


def compare_ac(mcols, mnames, ncols, nnames, tol, vectors):
    if mnames[0] != "frequency" or nnames[0] != "frequency":
        print("FAIL scale: memspice %s, ngspice %s (an AC result has frequency)" % (mnames[0], nnames[0]))
        return 1
    mcols, mnames = read_csv_complex(mcols, mnames)
    fm, fn = mcols["frequency"], ncols["frequency"]
    if len(fm) != len(fn) or any(abs(a - b) > 1e-9 * abs(b) for a, b in zip(fm, fn)):
        print("FAIL frequency: the sweeps differ (%d vs %d points)" % (len(fm), len(fn)))
        return 1

    def check(name):
        hm, hn = mcols[name], ncols[name]
        mag = max(abs(h) for h in hn)
        worst, fw = worst_point(((f, abs(a - b)) for f, a, b in zip(fm, hm, hn)), fm[0])
        ok = worst < (tol * mag if mag > 0 else 1e-9)
        print("%s %-12s max |diff| %.3g (%.3g of max |H| %.3g) at f=%.6g; %d points" %
              ("ok  " if ok else "FAIL", name, worst, worst / mag if mag > 0 else worst, mag, fw, len(fm)))
        return ok

    return each_vector(wanted_vectors(vectors, mcols, nnames), mcols, mnames, ncols, nnames, check)


def compare_dc(mcols, mnames, ncols, nnames, tol, vectors):
    scale = nnames[0]
    if mnames[0] != scale:
        print("FAIL scale: memspice %s, ngspice %s" % (mnames[0], scale))
        return 1
    xm, xn = mcols[scale], ncols[scale]
    span = max(abs(x) for x in xm + xn) or 1.0
    if len(xm) != len(xn) or any(abs(a - b) > 1e-9 * span for a, b in zip(xm, xn)):
        print("FAIL %s: the swept values differ (%d vs %d points)" % (scale, len(xm), len(xn)))
        return 1

    def check(name):
        vm, vn = mcols[name], ncols[name]
        rng = max(vn) - min(vn)
        worst, xw = worst_point(((x, abs(a - b)) for x, a, b in zip(xm, vm, vn)), xm[0])
        ok = worst < (tol * rng if rng > 0 else 1e-9)
        print("%s %-12s max diff %.3g (%.3g of range %.3g) at %s=%.6g; %d points" %
              ("ok  " if ok else "FAIL", name, worst, worst / rng if rng > 0 else worst, rng, scale, xw, len(xm)))
        return ok

    return each_vector(wanted_vectors(vectors, mcols, nnames), mcols, mnames, ncols, nnames, check)


def main(argv):
    args, opts = split_options(argv, {"--plot": None, "--tol": "1e-3", "--vectors": None, "--op-rtol": "1e-6"})
    if len(args) != 2:
        print(__doc__)
        return 2
    try:
        mcols, mnames = read_csv(args[0])
        pname, ncols, nnames = read_raw(args[1], opts["--plot"])
    except (OSError, ValueError, KeyError, IndexError, struct.error) as e:
        print("wavecmp: cannot read input: %s" % e)
        return 2
    tol, op_rtol = float(opts["--tol"]), float(opts["--op-rtol"])
    if pname.lower().startswith("dc transfer"):
        return compare_dc(mcols, mnames, ncols, nnames, tol, opts["--vectors"])
    if pname.lower().startswith("ac analysis"):
        return compare_ac(mcols, mnames, ncols, nnames, tol, opts["--vectors"])
    is_tran = "time" in ncols and "time" in mcols
    # default: node voltages of a transient (currents through switching
    # diodes are spikes that two time grids sample differently), and
    # everything of an operating point
    wanted = opts["--vectors"].lower().split(",") if opts["--vectors"] else \
        [n for n in nnames if n != "time" and n in mcols and (not is_tran or n.startswith("v("))]

    def check_op(name):
        a, b = mcols[name][0], ncols[name][0]
        ok = abs(a - b) <= op_rtol * abs(b) + 1e-9
        print("%s %-12s memspice %.9g ngspice %.9g" % ("ok  " if ok else "FAIL", name, a, b))
        return ok

    def check_tran(name):
        tm, vm, tn, vn = mcols["time"], mcols[name], ncols["time"], ncols[name]
        t_end = min(tm[-1], tn[-1])
        if abs(tm[-1] - tn[-1]) > 1e-9 * max(abs(tn[-1]), 1e-30):
            print("FAIL %-12s runs end at %g (memspice) and %g (ngspice)" % (name, tm[-1], tn[-1]))
            return False
        # on the span both cover: with uic ngspice writes no point at t = 0,
        # and holding its first value back to 0 is not a difference
        t_start = max(tm[0], tn[0])
        grid = sorted(set(t for t in tm + tn if t_start <= t <= t_end))
        rng = max(vn) - min(vn)
        worst, tw = worst_point(((t, abs(interp(tm, vm, t) - interp(tn, vn, t))) for t in grid), 0.0)
        ok = worst < (tol * rng if rng > 0 else 1e-9)
        print("%s %-12s max diff %.3g (%.3g of range %.3g) at t=%.6g; %d vs %d points" %
              ("ok  " if ok else "FAIL", name, worst, worst / rng if rng > 0 else worst, rng, tw, len(tm), len(tn)))
        return ok

    return each_vector(wanted, mcols, mnames, ncols, nnames, check_tran if is_tran else check_op)

if __name__ == "__main__":
    sys.exit(main(sys.argv))
