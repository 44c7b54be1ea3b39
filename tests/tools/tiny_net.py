#!/usr/bin/env python3
"""tiny_net.py MODELS NIN OUT: the small training network of the e2e tests
(tests/e2e/train.sh, mpi.sh): NIN analog inputs, a NIN x 10 crossbar of
single Yakopcic cells (x0 seeded in 0.3..0.7), virtual-ground columns
mirrored into 10 MIF neurons, 20 steps of 1 us.  It learns the 6x5 digits
(netlists/digits6x5) to 100 % in 3 epochs of batch 8."""
import random
import sys

models, nin, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
random.seed(1)
nout = 10
L = ["tiny digits net", f".lib {models}/mif.lib mif_native", ".model syn memristor level=3"]
for i in range(nin):
    L.append(f"vin{i} in{i} 0 0")
for j in range(nout):
    L.append(f"vc{j} c{j} 0 0")
    for i in range(nin):
        L.append(f"ymemristor m1_{i}_{j} in{i} c{j} syn x0={random.uniform(0.3, 0.7):.4f}")
    L.append(f"f{j} 0 o{j} vc{j} 3e-3")
    L.append(f"xn{j} o{j} mif_native")
L += [".input vin* scale=0.1", ".trainable m1_*:x0",
      ".readout " + " ".join(f"v(o{j})" for j in range(nout)) + " reduce=mean gain=100",
      ".save " + " ".join(f"v(o{j})" for j in range(nout)), ".tran 1u 20u uic", ".end"]
open(out, "w").write("\n".join(L) + "\n")
