#!/usr/bin/env python3
"""native_ref.py — how closely memspice's native memristors agree with their
reference subcircuits (models/memristors.lib).

usage: native_ref.py RESULT.csv [--tol 1e-9]
       native_ref.py A.csv B.csv --pair A_NAME=B_NAME [--pair ...] [--tol 1e-9]

One result (the tests/models/<model>_native.cir form): every native state
x(m<tag>) is paired with the reference state v(x<tag>.x), the current
i(vn<tag>) with i(vr<tag>), and, where saved, the device voltage v(n<tag>)
with v(r<tag>).  Two results: the named pairs, B interpolated linearly onto
A's time points (two runs of the same equations take the same steps, up to
rounding).

For each pair: max |a - b| / max |b| over the run (the reference's peak
magnitude as the scale).  Prints one line per pair and the worst; exits 1
if any exceeds tol, 2 on unusable input."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wavecmp  # noqa: E402  (its CSV reader and interpolation)


def figure(a, b):
    scale = max(abs(x) for x in b)
    err = max(abs(x - y) for x, y in zip(a, b))
    return err / scale if scale > 0 else err


def main(argv):
    files, pairs, tol = [], [], 1e-9
    k = 0
    try:
        while k < len(argv):
            if argv[k] == "--tol":
                tol = float(argv[k + 1])
                k += 2
            elif argv[k] == "--pair":
                a, b = argv[k + 1].lower().split("=")
                pairs.append((a, b))
                k += 2
            elif argv[k].startswith("-"):
                raise ValueError("unknown option %s" % argv[k])
            else:
                files.append(argv[k])
                k += 1
        if len(files) not in (1, 2) or (len(files) == 2) != bool(pairs):
            raise ValueError("one result, or two results with --pair")
    except (ValueError, IndexError) as e:
        print("native_ref: %s\n%s" % (e, __doc__.split("\n\n")[1]), file=sys.stderr)
        return 2
    try:
        cols_a, names_a = wavecmp.read_csv(files[0])
        cols_b = wavecmp.read_csv(files[1])[0] if len(files) == 2 else cols_a
    except (OSError, ValueError, IndexError) as e:
        print("native_ref: %s" % e, file=sys.stderr)
        return 2
    if len(files) == 1:
        for n in names_a:
            m = re.match(r"x\(m(\w+)\)$", n)
            if not m:
                continue
            tag = m.group(1)
            for a, b in (("x(m%s)" % tag, "v(x%s.x)" % tag), ("i(vn%s)" % tag, "i(vr%s)" % tag),
                         ("v(n%s)" % tag, "v(r%s)" % tag)):
                if a in cols_a and b in cols_a:
                    pairs.append((a, b))
        if not pairs:
            print("native_ref: %s has no native/reference pairs x(m<tag>) / v(x<tag>.x)" % files[0],
                  file=sys.stderr)
            return 2
    ta = cols_a["time"]
    worst = (0.0, "")
    for a, b in pairs:
        if a not in cols_a or b not in cols_b:
            print("native_ref: no vector %s" % (a if a not in cols_a else b), file=sys.stderr)
            return 2
        vb = cols_b[b]
        if len(files) == 2:
            vb = [wavecmp.interp(cols_b["time"], vb, t) for t in ta]
        e = figure(cols_a[a], vb)
        print("%s %-12s vs %-14s max|diff|/max|ref| = %.2e" % ("ok  " if e <= tol else "FAIL", a, b, e))
        worst = max(worst, (e, a))
    print("worst %.2e (%s), tolerance %.0e" % (worst[0], worst[1], tol))
    return 1 if worst[0] > tol else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
