#!/usr/bin/env bash
# Gradients through the MIF neuron (native MMS memristors, models/mif.lib):
# every adjoint derivative within 1e-5 (relative) of central finite
# differences, and identical with checkpointing.
set -u
MEMSPICE=${MEMSPICE:-build/memspice}
cd "$(dirname "$0")/../grad"
out=$("$MEMSPICE" grad mif_grad.cir --check-fd --fixed-step -q 2>&1) || { echo "FAIL: memspice grad failed"; echo "$out"; exit 1; }
echo "$out" | tail -9
bad=$(echo "$out" | awk '/rel. error/ {t=1; next} t && NF == 4 && ($4 + 0 > 1e-5 || $4 !~ /e/) {print}')
n=$(echo "$out" | awk '/rel. error/ {t=1; next} t && NF == 4' | wc -l)
[ "$n" -ge 8 ] || { echo "FAIL: expected 8 parameters in the finite-difference table, found $n"; exit 1; }
[ -z "$bad" ] || { echo "FAIL: relative error above 1e-5:"; echo "$bad"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$MEMSPICE" grad mif_grad.cir --fixed-step -q -o "$tmp/full.csv" >/dev/null || exit 1
"$MEMSPICE" grad mif_grad.cir --fixed-step -q --checkpoint 25 -o "$tmp/ck.csv" >/dev/null || exit 1
python3 - "$tmp/full.csv" "$tmp/ck.csv" <<'PY' || exit 1
import csv, sys
a = {r[0]: r for r in csv.reader(open(sys.argv[1]))}
b = {r[0]: r for r in csv.reader(open(sys.argv[2]))}
for k in a:
    if k == "name":
        continue
    x, y = float(a[k][-1] or a[k][1]), float(b[k][-1] or b[k][1])
    if abs(x - y) > 1e-12 * max(abs(x), abs(y), 1e-300):
        sys.exit("FAIL: checkpointed gradient of %s differs: %r vs %r" % (k, x, y))
print("grad_mif: %d parameters agree with finite differences and with checkpointing" % (len(a) - 2))
PY
