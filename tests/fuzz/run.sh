#!/usr/bin/env bash
# run.sh — the netlist fuzzer (tests/fuzz/fuzz_netlist.c, libFuzzer).
#   tests/fuzz/run.sh SECONDS [FUZZER]
# First every input in tests/fuzz/regressions (crashers found so far) runs
# once, then libFuzzer mutates the corpus for SECONDS: the seeds (every
# netlist under netlists/, tests/ and models/) plus what earlier runs kept in
# build-fuzz/corpus.  Fails on any crash, hang (> 10 s on one input),
# sanitizer report or an error without a message; a new crasher is copied
# to tests/fuzz/regressions/ so that it stays a test.
set -u
cd "$(dirname "$0")/../.."
secs=${1:?usage: tests/fuzz/run.sh SECONDS [FUZZER]}
fuzzer=${2:-build-fuzz/fuzz_netlist}
[ -x "$fuzzer" ] || { echo "FAIL: no $fuzzer (make fuzz-build builds it with clang)"; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
corpus=build-fuzz/corpus seeds=build-fuzz/seeds art=build-fuzz/artifacts
mkdir -p "$corpus" "$seeds" "$art"
# the seeds' .include/.lib paths made absolute: the fuzzer names its input fuzz.cir
root=$PWD
find netlists tests models -type f \( -name '*.cir' -o -name '*.sp' -o -name '*.lib' -o -name '*.inc' \) -size -64k |
    while read -r f; do sed -E "s#(\.\./)+models/#$root/models/#g" "$f" >"$seeds/$(echo "$f" | tr / _)"; done
opts=(-timeout=10 -rss_limit_mb=3072 -max_len=8192 -dict=tests/fuzz/netlist.dict -close_fd_mask=3
      -artifact_prefix="$art/")
regs=(tests/fuzz/regressions/*)
if [ -e "${regs[0]}" ]; then
    "$fuzzer" "${opts[@]}" "${regs[@]}" >"$art/regressions.log" 2>&1 ||
        { echo "FAIL: a regression input crashes again"; tail -40 "$art/regressions.log"; exit 1; }
    echo "ok   ${#regs[@]} regression inputs"
fi
rm -f "$art"/crash-* "$art"/timeout-* "$art"/oom-* "$art"/leak-*
"$fuzzer" "${opts[@]}" -max_total_time="$secs" -print_final_stats=1 "$corpus" "$seeds" >"$art/fuzz.log" 2>&1
rc=$?
grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov: ' "$art/fuzz.log" | tail -3
found=$(ls "$art" | grep -E '^(crash|timeout|oom|leak)-' || true)
if [ $rc -ne 0 ] || [ -n "$found" ]; then
    for f in $found; do cp "$art/$f" tests/fuzz/regressions/; done
    echo "FAIL: the fuzzer found ${found:-a failure} (copied to tests/fuzz/regressions/)"
    grep -E 'ERROR|SUMMARY|runtime error|fuzz:' "$art/fuzz.log" | head -10
    exit 1
fi
echo "ok   fuzzed for $secs s, no crash, hang or silent error"
