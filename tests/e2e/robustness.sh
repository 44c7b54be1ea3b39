#!/usr/bin/env bash
# robustness.sh — bench/robustness.py on the bundled 6x5-digit network: one
# evaluation where nothing is random, --seeds where something is; each cell is
# what `memspice train --eval-only` gives with the same seeds; OUT.csv and
# OUT.md written whole; bad arguments are clear errors.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
PY=/usr/bin/python3
NET=netlists/digits6x5.cir DATA=netlists/digits6x5

acc() {   # accuracy of memspice train --eval-only ARGS...
    "$MEMSPICE" train "$NET" --data "$DATA" --eval-only -q "$@" 2>&1 | sed -n 's/^accuracy \([0-9.]*\) %.*/\1/p'
}
col() {   # column $2 of the OUT.csv rows whose stuck is $1 and program_noise $3, one a line
    "$PY" - "$tmp/out.csv" "$@" <<'PYEOF'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if float(r["stuck"]) == float(sys.argv[2]) and float(r["program_noise"]) == float(sys.argv[4]):
        print(r[sys.argv[3]])
PYEOF
}

if "$PY" bench/robustness.py --memspice "$MEMSPICE" --data "$DATA" --net d="$NET" --stuck 0,0.3 \
        --program-noise 0.05 --seeds 2 -o "$tmp/out" >"$tmp/stdout" 2>"$tmp/err"; then
    rows=$(($(wc -l <"$tmp/out.csv") - 1))
    [ "$rows" = 5 ] && ok "1 + 2 + 2 evaluations in OUT.csv (nothing random: one seed)" || bad "$rows rows in OUT.csv, want 5"
    clean=$(col 0 accuracy 0) want=$(acc)
    [ -n "$want" ] && "$PY" -c "import sys; sys.exit(abs($clean - $want) > 1e-9)" &&
        ok "no faults: $clean %, as memspice train --eval-only" || bad "no faults: '$clean', eval-only '$want'"
    s2=$(col 0.3 accuracy 0 | sed -n 2p) want=$(acc --seed 2 --fault-seed 2 --faults 0.3)
    [ -n "$want" ] && "$PY" -c "import sys; sys.exit(abs($s2 - $want) > 1e-9)" &&
        ok "30 % stuck, seed 2: $s2 %, as --faults 0.3 --fault-seed 2" || bad "30 % stuck, seed 2: '$s2', eval-only '$want'"
    p1=$(col 0 accuracy 0.05 | sed -n 1p) want=$(acc --seed 1 --fault-seed 1 --program-noise 0.05)
    [ -n "$want" ] && "$PY" -c "import sys; sys.exit(abs($p1 - $want) > 1e-9)" &&
        ok "programming noise 5 %, seed 1: $p1 %, as --program-noise 0.05" || bad "noise seed 1: '$p1', eval-only '$want'"
    grep -q '^| 0 % | ' "$tmp/out.md" && grep -q 'σ = 5 %' "$tmp/out.md" && ! ls "$tmp"/*.tmp >/dev/null 2>&1 &&
        ok "OUT.md: the stuck table and the programming-noise table, no temporary files left" || bad "OUT.md tables"
else bad "robustness.py: exit code $?"; fi

bad_args() {   # WHAT MESSAGE ARGS...: a non-zero exit naming the problem
    local what=$1 msg=$2; shift 2
    if "$PY" bench/robustness.py --memspice "$MEMSPICE" --data "$DATA" -o "$tmp/x" "$@" >"$tmp/stdout" 2>"$tmp/err"; then
        bad "$what: exit code 0"
    elif grep -q -- "$msg" "$tmp/err" && [ ! -e "$tmp/x.csv" ]; then ok "$what: '$msg'"
    else bad "$what: no '$msg'"; fi
}
bad_args "a missing network" "expected NAME=NETLIST of an existing file" --net d=nowhere.cir
bad_args "--seeds 0" "needs a whole number ≥ 1" --net d="$NET" --seeds 0
bad_args "--stuck with no numbers" "not a list of numbers" --net d="$NET" --stuck ,
bad_args "a stuck fraction memspice refuses" "failed" --net d="$NET" --stuck 2
summary robustness
