#!/usr/bin/env python3
"""ship-trained.py — a trained network, made fit to keep in the repository.

    tools/ship-trained.py build/train-mnist/run/trained.cir bench/trained/mnist.cir.gz

trained.cir (memspice train's output) names its libraries by absolute paths
and, from older runs, writes values with 17 digits.  This writes it again with
the .include/.lib paths relative to the destination's folder, every x0= value
in its shortest round-trip form (Python's repr: the same double), gzip-
compressed (memspice reads .cir.gz directly).  Nothing else changes: the
network is the same netlist, value for value.
"""
import gzip
import os
import re
import sys


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    src, dest = argv[1], argv[2]
    dest_dir = os.path.dirname(os.path.abspath(dest))
    out = []
    with open(src) as f:
        for line in f:
            m = re.match(r"(?i)(\.(?:include|inc|lib)\s+)(\S+)(.*)", line)
            if m and os.path.isabs(m.group(2)):
                line = m.group(1) + os.path.relpath(m.group(2), dest_dir) + m.group(3) + "\n"
            else:
                line = re.sub(r"(?i)\bx0=([-+0-9.eE]+)", lambda v: "x0=" + repr(float(v.group(1))), line)
            out.append(line)
    tmp = dest + ".tmp"
    with gzip.open(tmp, "wt", compresslevel=9) as g:
        g.writelines(out)
    os.replace(tmp, dest)
    print("%s: %d lines, %d bytes" % (dest, len(out), os.path.getsize(dest)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
