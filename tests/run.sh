#!/usr/bin/env bash
# Runs every test: the unit-test binaries (normal and ASan/UBSan builds), the
# end-to-end scripts in tests/e2e (each run with the normal memspice and
# again with the sanitizer build) and the netlist fuzzer for FUZZ_SECONDS
# (60; tests/fuzz/run.sh).  Each test has a time limit (TEST_TIMEOUT, 900 s):
# a hang is a failure.  Closes with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
pass=0; fail=0; failed=()
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

run_one() {   # name, command...
    local name=$1; shift
    timeout "${TEST_TIMEOUT:-900}" "$@" >"$log/out" 2>&1
    local rc=$?
    if [ $rc -eq 0 ]; then
        pass=$((pass + 1)); echo "ok   $name"
    else
        fail=$((fail + 1)); failed+=("$name"); echo "FAIL $name"
        [ $rc -eq 124 ] && echo "     | still running after ${TEST_TIMEOUT:-900} s: a hang"
        sed 's/^/     | /' "$log/out" | tail -40
    fi
}

for build in build build-san; do
    for t in "$build"/tests/test_*; do
        [ -x "$t" ] || continue
        run_one "$build/$(basename "$t")" "$t"
    done
done
for s in tests/e2e/*.sh; do
    [ -f "$s" ] || continue
    for build in build build-san; do
        [ -x "$build/memspice" ] || continue
        run_one "$(basename "$s") [$build]" env MEMSPICE="$PWD/$build/memspice" bash "$s"
    done
done
if [ -x build-fuzz/fuzz_netlist ]; then
    run_one "fuzz (${FUZZ_SECONDS:-60} s)" tests/fuzz/run.sh "${FUZZ_SECONDS:-60}"
else
    fail=$((fail + 1)); failed+=("fuzz"); echo "FAIL fuzz: no build-fuzz/fuzz_netlist (make fuzz-build; needs clang)"
fi
[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[@]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
