#!/usr/bin/env bash
# fidelity.sh — bench/fidelity.py on a 6-4-3 network and a 2x3-pixel test set:
# the training forward, adaptive memspice and ngspice (diode cells) classes and
# the figures in --json; several images in one ngspice give the scores of one
# ngspice per image; an ngspice that stops early, writes garbage or crashes is
# a clear error; --resume keeps every image's scores and a second run reuses
# them (no simulator runs, the same figures), goes on with the images it lacks,
# keeps another network's scores apart and refuses a damaged score file.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
command -v ngspice >/dev/null || { echo "fidelity: ngspice not installed"; exit 1; }
PY=/usr/bin/python3

# six test images of 2x3 pixels (IDX files, as the data sets are) and their labels
"$PY" - "$tmp/data" <<'EOF'
import os, sys
import numpy as np
d = sys.argv[1]
os.makedirs(d)
img = np.random.default_rng(5).integers(0, 256, size=(6, 2, 3), dtype=np.uint8)
with open(os.path.join(d, "t10k-images-idx3-ubyte"), "wb") as f:
    f.write(bytes([0, 0, 8, 3]) + b"".join(int(n).to_bytes(4, "big") for n in img.shape) + img.tobytes())
with open(os.path.join(d, "t10k-labels-idx1-ubyte"), "wb") as f:
    f.write(bytes([0, 0, 8, 1]) + (6).to_bytes(4, "big") + bytes([0, 1, 2, 0, 1, 2]))
EOF
"$PY" tools/mknet --layers 6,4,3 --steps 25 --tstep 1u --seed 3 -o "$tmp/net.cir" >/dev/null 2>"$tmp/err" ||
    { bad "tools/mknet --layers 6,4,3"; summary fidelity; exit; }

fid() {   # fidelity.py ARGS..., stdout in $tmp/out, stderr in $tmp/err
    "$PY" bench/fidelity.py --net "$tmp/net.cir" --data "$tmp/data" --memspice "$MEMSPICE" --threads 1 \
        "$@" >"$tmp/out" 2>"$tmp/err"
}
field() { "$PY" -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

# ---- a first run: 4 images, 3 of them also in ngspice ----
if fid --n 4 --ngspice 3 --chunk 3 --resume "$tmp/keep" --json "$tmp/a.json"; then
    ad=$(field "$tmp/a.json" adaptive_agreement) ng=$(field "$tmp/a.json" ngspice_agreement)
    ta=$(field "$tmp/a.json" adaptive_s_per_image) tn=$(field "$tmp/a.json" ngspice_s_per_image)
    "$PY" -c "import sys; sys.exit(not (0 < $ta < 60 and 0 < $tn < 60))" &&
        ok "wall time per image: adaptive $ta s, ngspice $tn s" || bad "times per image '$ta' '$tn'"
    cells=$(field "$tmp/a.json" ngspice_cells) nng=$(field "$tmp/a.json" ngspice_n)
    [ "$cells" = diode ] && [ "$nng" = 3 ] && "$PY" -c "import sys; sys.exit(not (0 <= $ad <= 1 and 0 <= $ng <= 1))" &&
        ok "4 images: adaptive agreement $ad, ngspice ($cells cells, $nng images) $ng" ||
        bad "4 images: cells '$cells', n '$nng', agreements '$ad' '$ng'"
    grep -q 'adaptive memspice 3/4 images' "$tmp/err" && grep -q 'adaptive memspice 4/4 images' "$tmp/err" &&
        grep -q 'ngspice (diode cells) 3/3 images' "$tmp/err" && ok "progress: adaptive in chunks of 3, ngspice 3 images" ||
        bad "progress lines"
else bad "fidelity.py --n 4 --ngspice 3: exit code $?"; fi

# ---- one ngspice per image and three images in one ngspice (sources altered between runs): same scores ----
if fid --n 3 --ngspice 3 --batch 1 --skip-adaptive --resume "$tmp/one" && fid --n 3 --ngspice 3 --batch 3 \
        --skip-adaptive --resume "$tmp/three"; then
    if "$PY" - "$tmp/one" "$tmp/three" <<'EOF'
import glob, json, sys
one, three = (json.load(open(glob.glob(d + "/ngspice-diode-*.json")[0]))["images"] for d in sys.argv[1:])
diff = max(abs(a - b) for k in one for a, b in zip(one[k]["s"], three[k]["s"]))
sys.exit(len(one) != 3 or one.keys() != three.keys() or diff > 1e-12)
EOF
    then ok "--batch 3 gives the scores of --batch 1"; else bad "--batch 3 and --batch 1 differ"; fi
else bad "--batch 1 / --batch 3: exit code $?"; fi

# ---- an ngspice that fails: a clear error naming the deck, nothing kept ----
fake_ngspice() {   # fake_ngspice NAME SCRIPT-BODY: $tmp/NAME/ngspice, which says "ngspice says: NAME" on stderr
    mkdir -p "$tmp/$1" && printf '#!/bin/sh\necho "ngspice says: %s" >&2\n%s\n' "$1" "$2" >"$tmp/$1/ngspice" &&
        chmod +x "$tmp/$1/ngspice"
}
fake_ngspice quiet 'exit 0'                       # no waveforms, exit code 0 (a run that stopped early)
fake_ngspice garbage 'for f in $(sed -n "s/^write //p" "$2"); do echo garbage >"$f"; done'
fake_ngspice crash 'exit 139'
for fake in quiet:'ng_diode_00000.raw: no complete waveforms' garbage:'ng_diode_00000.raw: no complete waveforms' \
        crash:'exit code 139'; do
    name=${fake%%:*} want=${fake#*:}
    if PATH="$tmp/$name:$PATH" fid --n 2 --ngspice 2 --skip-adaptive --resume "$tmp/fail-$name"; then
        bad "ngspice ($name): exit 0"
    else
        grep -q "ngspice failed on .*ng_diode_00000.cir ($want" "$tmp/err" && grep -q "ngspice says: $name" "$tmp/err" &&
            ! grep -q Traceback "$tmp/err" &&
            ! ls "$tmp/fail-$name"/ngspice-*.json >/dev/null 2>&1 &&
            ok "ngspice ($name): a clear error ($want, ngspice's message), no scores kept" ||
            bad "ngspice ($name): message or kept scores"
    fi
done
if fid --n 2 --ngspice 2 --batch 0 --skip-adaptive; then bad "--batch 0: exit 0"
else grep -q "batch: must be at least 1" "$tmp/err" && ok "--batch 0 refused" || bad "--batch 0: message"; fi

# ---- again: every score from --resume, nothing simulated, the same figures ----
if fid --n 4 --ngspice 3 --chunk 3 --resume "$tmp/keep" --json "$tmp/b.json"; then
    if grep -q 'images, ' "$tmp/err"; then bad "the second run simulated again"
    elif "$PY" - "$tmp/a.json" "$tmp/b.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
sys.exit(any(a[k] != b[k] for k in a))
EOF
    then ok "resumed: no simulator run, the same figures"
    else bad "resumed: the figures changed"; fi
else bad "the resumed run: exit code $?"; fi

# ---- two more images: only those two run ----
if fid --n 6 --ngspice 3 --chunk 3 --resume "$tmp/keep"; then
    grep -q 'adaptive memspice 2/2 images' "$tmp/err" && ! grep -q 'ngspice (diode cells)' "$tmp/err" &&
        ok "--n 6 after 4: the adaptive run of the 2 new images only" || bad "--n 6: what ran"
else bad "--n 6: exit code $?"; fi

# ---- a network the diode form cannot hold (a1 != a2): the reason, and what to use ----
sed -E 's/^(\.model syn memristor .*)a2=[^ ]+/\1a2=0.2/' "$tmp/net.cir" >"$tmp/asym.cir"
if "$PY" bench/fidelity.py --net "$tmp/asym.cir" --data "$tmp/data" --memspice "$MEMSPICE" --n 1 --ngspice 1 \
        --skip-adaptive >"$tmp/out" 2>"$tmp/err"; then bad "a1 != a2 with diode cells: exit 0"
else
    grep -q 'no ngspice form with --cells diode' "$tmp/err" && grep -q 'use --cells read' "$tmp/err" &&
        ! grep -q Traceback "$tmp/err" && ok "a1 != a2 with diode cells: refused, pointing to --cells read" ||
        bad "a1 != a2 with diode cells: message"
fi

# ---- another network in the same folder (memspice's own thread count): its own scores; a damaged score file: a clear error ----
sed -E '0,/x0=0\.[0-9]+/s//x0=0.9/' "$tmp/net.cir" >"$tmp/other.cir"
first=$(ls "$tmp"/keep/adaptive-*.json)
before=$(md5sum <"$first")
if "$PY" bench/fidelity.py --net "$tmp/other.cir" --data "$tmp/data" --memspice "$MEMSPICE" --n 2 \
        --resume "$tmp/keep" >"$tmp/out" 2>"$tmp/err"; then
    [ "$(ls "$tmp"/keep/adaptive-*.json | wc -l)" -eq 2 ] && grep -q 'adaptive memspice 2/2 images' "$tmp/err" &&
        [ "$(md5sum <"$first")" = "$before" ] &&
        ok "another network: simulated afresh into its own score file, the first one's untouched" ||
        bad "another network: score files"
else bad "another network in the same --resume folder: exit code $?"; fi
head -c 40 "$first" >"$tmp/cut" && mv "$tmp/cut" "$first"
if fid --n 2 --resume "$tmp/keep"; then bad "a damaged score file: exit 0"
else
    grep -q "$(basename "$first"): not a fidelity score file" "$tmp/err" && ok "a damaged score file: a clear error" ||
        bad "a damaged score file: message"
fi
summary fidelity
