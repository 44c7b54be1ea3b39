#!/usr/bin/env python3
"""printcmp.py — compare the .print tables memspice printed with ngspice's.

usage: printcmp.py MEMSPICE.out NGSPICE.out [--plot WORD] [--rtol 2e-5]
                   [--forms FORM:K,...]

Both files are the stdout of a run (memspice run / ngspice -b).  A table is
a header line starting with "Index", a rule, and rows "index scale v1 v2
..." where a complex value is "re, im" (ngspice: "re,<tab>im").  ngspice
splits a wide .print into several tables of the same points (80 columns
each), so every table whose scale column starts with WORD (frequency,
v-sweep / v(v-sweep), time; ngspice's header may truncate) is read in
order and their columns are put side by side; memspice prints one.  Each
point's numbers (a complex value gives two) must agree:
|ms - ng| <= rtol max(|ms|, |ng|) + 1e-12 (ngspice prints 6-7 significant
digits).  --forms checks memspice's AC forms against ngspice's complex
columns instead: FORM:K is one of m db p r i applied to ngspice's K-th
(0-based) complex column, one per memspice column, in order.
Exits 1 on a mismatch, 2 on unusable input."""
import math
import sys

from cmdline import split_options


def numbers(tokens):
    """Row tokens to values: "re," followed by "im" is a complex pair."""
    vals, i = [], 0
    while i < len(tokens):
        t = tokens[i]
        if t.endswith(","):
            vals.append(complex(float(t[:-1]), float(tokens[i + 1])))
            i += 2
        else:
            vals.append(float(t))
            i += 1
    return vals


def read_tables(path, word):
    lines = open(path, errors="replace").read().split("\n")
    tables, i = [], 0
    while i < len(lines):
        head = lines[i].split()
        if head and head[0] == "Index" and len(head) > 1 and head[1].startswith(word):
            rows = []
            i += 2  # the rule under the header
            while i < len(lines) and lines[i].strip() and not lines[i].startswith("-"):
                rows.append(numbers(lines[i].split()[1:]))  # "re," "im" for a complex value
                i += 1
            tables.append((head[2:], rows))
        i += 1
    return tables


def side_by_side(tables):
    if not tables:
        return [], []
    n = len(tables[0][1])
    if any(len(rows) != n for _, rows in tables):
        raise ValueError("tables of different lengths")
    # the scale is real (ngspice prints an AC table's frequency as "f, 0.0")
    labels, out = [], [[r[0].real if isinstance(r[0], complex) else r[0]] for r in tables[0][1]]
    for lab, rows in tables:
        labels += lab
        for k in range(n):
            out[k] += rows[k][1:]
    return labels, out


def flat(row):
    v = []
    for x in row:
        v += [x.real, x.imag] if isinstance(x, complex) else [x]
    return v


FORMS = {"m": abs, "db": lambda z: 20 * math.log10(abs(z)), "p": lambda z: math.atan2(z.imag, z.real),
         "r": lambda z: z.real, "i": lambda z: z.imag}


def main(argv):
    args, opts = split_options(argv, {"--plot": "", "--rtol": "2e-5", "--forms": None})
    word, rtol = opts["--plot"], float(opts["--rtol"])
    forms = [f.split(":") for f in opts["--forms"].split(",")] if opts["--forms"] else None
    if len(args) != 2:
        print(__doc__)
        return 2
    try:
        ms_lab, ms = side_by_side(read_tables(args[0], word))
        ng_lab, ng = side_by_side(read_tables(args[1], word))
    except (OSError, ValueError, IndexError) as e:
        print(f"printcmp: {e}")
        return 2
    if not ms or not ng:
        print(f"printcmp: no table ({len(ms)} memspice rows, {len(ng)} ngspice rows)")
        return 2
    if len(ms) != len(ng):
        print(f"printcmp: {len(ms)} memspice rows, {len(ng)} ngspice rows")
        return 1
    worst, where, npts = 0.0, "", 0
    for k, (a, b) in enumerate(zip(ms, ng)):
        if forms:
            want = [b[0].real if isinstance(b[0], complex) else b[0]]
            want += [FORMS[f](complex(b[1 + int(c)])) for f, c in forms]
            a, b = flat(a), want
        else:
            a, b = flat(a), flat(b)
        if len(a) != len(b):
            print(f"printcmp: row {k}: {len(a)} memspice numbers, {len(b)} ngspice")
            return 1
        for j, (x, y) in enumerate(zip(a, b)):
            e = abs(x - y) / (rtol * max(abs(x), abs(y)) + 1e-12)
            npts += 1
            if not e <= worst:
                worst, where = e, f"row {k} number {j}: memspice {x!r}, ngspice {y!r}"
    print(f"printcmp: {len(ms)} rows, {npts} numbers, memspice columns {' '.join(ms_lab)}; "
          f"worst {worst:.3g} of the tolerance ({where})")
    return 0 if worst <= 1 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
