#!/usr/bin/env python3
"""compare.py — compare two waveform files on a common time axis.

usage: compare.py TEST REF [--json FILE]

TEST and REF are ngspice raw files or CSV files (by extension).  Vectors are
matched by name ("out" and "v(out)" are the same).  REF is linearly
interpolated onto TEST's time points that lie inside both runs (so a
reference run over a prefix of the time span is compared on that prefix).
For each vector: max |TEST - REF| over the compared window divided by the
signal's range, taken as the larger of REF's range (max - min) over the window
and TEST's range over its whole run.  The two agree when REF covers the whole
run; when REF covers only a prefix, the signal may hardly have moved yet in
it, and TEST's full run is the only measure of the signal's range there is.
(A TEST blow-up inside the window still fails: |difference| ~ range then.)
Prints a JSON object:
  {"max_rel_err": worst over vectors, "worst_vector": ..., "t_end": ...,
   "points": compared points, "vectors": {name: {"max_abs": .., "range": ..,
   "ref_window_range": .., "test_full_range": .., "rel": .., "at_t": ..}}}
"""
import json
import sys
from bisect import bisect_left

from rawread import norm_name, read_any


def compare(test_path, ref_path):
    tn, tc = read_any(test_path)
    rn, rc = read_any(ref_path)
    if not tn or tn[0] != "time" or not rn or rn[0] != "time":
        raise ValueError("both files need a first vector 'time'")
    tt, rt = tc[0], rc[0]
    if len(tt) < 2 or len(rt) < 2:
        raise ValueError("too few points to compare")
    ref = {norm_name(n): c for n, c in zip(rn[1:], rc[1:])}
    lo, hi = max(tt[0], rt[0]), min(tt[-1], rt[-1])
    eps = 1e-9 * (hi - lo)
    i0 = bisect_left(tt, lo - eps)
    i1 = bisect_left(tt, hi + eps)
    # points of TEST inside the window, and where they fall in REF
    idx = []
    j = 0
    nr = len(rt)
    for i in range(i0, i1):
        t = tt[i]
        while j + 2 < nr and rt[j + 1] <= t:
            j += 1
        idx.append(j)
    out = {"points": i1 - i0, "t_start": lo, "t_end": hi, "vectors": {}}
    worst, worst_name = 0.0, None
    for name, col in zip(tn[1:], tc[1:]):
        key = norm_name(name)
        if key not in ref:
            continue
        r = ref[key]
        maxabs, at = 0.0, lo
        for k, i in enumerate(range(i0, i1)):
            t = tt[i]
            j = idx[k]
            ta, tb = rt[j], rt[j + 1]
            if tb > ta:
                u = (t - ta) / (tb - ta)
                u = 0.0 if u < 0 else 1.0 if u > 1 else u
                v = r[j] + u * (r[j + 1] - r[j])
            else:
                v = r[j + 1]
            d = abs(col[i] - v)
            if d > maxabs:
                maxabs, at = d, t
        # REF's range over the window
        ja = max(0, bisect_left(rt, lo) - 1)
        jb = min(nr, bisect_left(rt, hi) + 1)
        seg = r[ja:jb]
        ref_rng = max(seg) - min(seg)
        test_rng = max(col) - min(col)
        rng = max(ref_rng, test_rng)
        rel = maxabs / rng if rng > 0 else (0.0 if maxabs == 0 else float("inf"))
        out["vectors"][key] = {"max_abs": maxabs, "range": rng, "ref_window_range": ref_rng,
                               "test_full_range": test_rng, "rel": rel, "at_t": at}
        if rel >= worst:
            worst, worst_name = rel, key
    if not out["vectors"]:
        raise ValueError(f"no vector names in common: {tn[1:]} vs {rn[1:]}")
    out["max_rel_err"] = worst
    out["worst_vector"] = worst_name
    return out


def main(argv):
    if len(argv) not in (3, 5) or (len(argv) == 5 and argv[3] != "--json"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        res = compare(argv[1], argv[2])
    except (OSError, ValueError) as e:
        print(f"compare.py: {e}", file=sys.stderr)
        return 1
    text = json.dumps(res, indent=1)
    if len(argv) == 5:
        with open(argv[4], "w") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
