#!/usr/bin/env python3
"""rawread.py — read ngspice raw files and memspice CSV files (no numpy).

read_raw(path, plot="Transient") -> (names, columns)
    Binary or ASCII raw file (as written by `ngspice -b -r`, or memspice -o x.raw).
    Picks the first plot whose Plotname starts with `plot` (case-insensitive;
    None = the first).  Returns the vector names (as in the file, lower-cased)
    and one array('d') per vector; the first is normally "time".
    Real plots only.  The point count is taken from the data actually present
    (ngspice rewrites "No. Points" at the end; a run killed early leaves it wrong).

read_csv(path) -> (names, columns)
    A CSV file with a header row (memspice -o x.csv): names lower-cased.

norm_name(name) -> "v(out)" style key: lower case, "out" -> "v(out)".

usage: rawread.py FILE   prints the vectors, point count and ranges.
"""
import sys
from array import array


def norm_name(name):
    n = name.strip().lower()
    if "(" not in n and n != "time":
        n = f"v({n})"
    return n.replace(" ", "")


def _parse_header(f):
    """Read header lines up to 'Binary:' / 'Values:'; return dict and the data kind."""
    hdr = {"vars": []}
    in_vars = False
    while True:
        line = f.readline()
        if not line:
            return None, None
        s = line.decode("latin-1").rstrip("\r\n")
        low = s.strip().lower()
        if low.startswith("binary:"):
            return hdr, "binary"
        if low.startswith("values:"):
            return hdr, "values"
        if in_vars and (s.startswith("\t") or s.startswith(" ")) and s.strip():
            parts = s.split()
            hdr["vars"].append((parts[1], parts[2] if len(parts) > 2 else ""))
            continue
        in_vars = False
        key, _, val = s.partition(":")
        key = key.strip().lower()
        val = val.strip()
        if key == "variables":
            in_vars = True
        elif key:
            hdr[key] = val


def read_raw(path, plot="Transient"):
    with open(path, "rb") as f:
        while True:
            hdr, kind = _parse_header(f)
            if hdr is None:
                raise ValueError(f"{path}: no plot named '{plot}'")
            nvar = int(hdr.get("no. variables", "0"))
            npts_hdr = int(hdr.get("no. points", "0").split()[0] or 0)
            flags = hdr.get("flags", "real").lower()
            if "complex" in flags:
                raise ValueError(f"{path}: complex plot not supported")
            names = [v[0].lower() for v in hdr["vars"]]
            if len(names) != nvar:
                raise ValueError(f"{path}: header lists {len(names)} vectors, expected {nvar}")
            want = plot is None or hdr.get("plotname", "").lower().startswith(plot.lower())
            if kind == "binary":
                rowbytes = 8 * nvar
                if want:
                    data = f.read() if npts_hdr == 0 else f.read(npts_hdr * rowbytes)
                    # a truncated file: keep the whole rows present
                    npts = len(data) // rowbytes
                    a = array("d")
                    a.frombytes(data[: npts * rowbytes])
                    if sys.byteorder != "little":
                        a.byteswap()
                    return names, [a[j::nvar] for j in range(nvar)]
                f.seek(npts_hdr * rowbytes, 1)
            else:
                cols = [array("d") for _ in range(nvar)]
                for _ in range(npts_hdr):
                    vals = []
                    while len(vals) < nvar:
                        line = f.readline()
                        if not line:
                            break
                        toks = line.split()
                        if not toks:
                            continue
                        if len(vals) == 0 and len(toks) >= 2:
                            toks = toks[1:]   # the point index
                        vals.append(float(toks[0].split(b",")[0]))
                    if len(vals) < nvar:
                        break
                    if want:
                        for j in range(nvar):
                            cols[j].append(vals[j])
                if want:
                    return names, cols


def read_csv(path):
    with open(path, "r") as f:
        header = f.readline().strip().split(",")
        names = [h.strip().lower() for h in header]
        cols = [array("d") for _ in names]
        nc = len(names)
        for line in f:
            parts = line.split(",")
            if len(parts) != nc:
                continue
            for j in range(nc):
                cols[j].append(float(parts[j]))
    return names, cols


def read_any(path):
    if path.lower().endswith(".csv"):
        return read_csv(path)
    return read_raw(path)


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    names, cols = read_any(argv[1])
    print(f"{argv[1]}: {len(names)} vectors x {len(cols[0]) if cols else 0} points")
    for n, c in zip(names, cols):
        if len(c):
            print(f"  {n:20s} min {min(c): .6e}  max {max(c): .6e}  last {c[-1]: .6e}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
