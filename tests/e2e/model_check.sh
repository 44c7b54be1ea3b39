#!/usr/bin/env bash
# memspice check --model: every native device model against its reference
# subcircuit in models/, simulated by ngspice (exit 0 = every signal agrees).
set -u
MEMSPICE=${MEMSPICE:-build/memspice}
cd "$(dirname "$0")/../.."
out=$("$MEMSPICE" check --model all 2>&1); rc=$?
echo "$out" | grep -E "^memspice check|result:" | head -40
if [ "$rc" -ne 0 ]; then
    echo "FAIL: memspice check --model all exited $rc"
    exit 1
fi
n=$("$MEMSPICE" check --model list | wc -l)
[ "$n" -ge 7 ] || { echo "FAIL: expected at least 7 model cases, found $n"; exit 1; }
echo "model_check: $n model cases agree with ngspice"
