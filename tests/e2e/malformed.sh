#!/usr/bin/env bash
# malformed.sh — every tests/malformed/*.cir holds one error.  memspice run
# must exit with exactly 1 (not 0, not 2, not a crash), print
# "memspice: error:" and point at <name>.cir:<line>, where the line is the
# one the file's first line announces ("* expect-line: N"), and, where the
# second line says "* expect-message: TEXT", with TEXT in the error (line
# ends may be \r alone: the lines are read as memspice reads them).  Run under the
# sanitizer build too (tests/run.sh), so leaks and UB on error paths show.
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
cd "$(dirname "$0")/../malformed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for f in *.cir; do
    n=$((n + 1))
    name=${f%.cir}
    line=$(sed -n '1s/^\* expect-line: *\([0-9][0-9]*\).*/\1/p' "$f")
    message=$(tr '\r' '\n' <"$f" | sed -n '2s/^\* expect-message: *//p')
    if [ -z "$line" ]; then
        echo "FAIL $f: first line must be '* expect-line: N'"
        fail=$((fail + 1)); continue
    fi
    "$MEMSPICE" run "$f" -o "$tmp/out.csv" >"$tmp/stdout" 2>"$tmp/stderr"
    rc=$?
    problems=()
    [ "$rc" -eq 1 ] || problems+=("exit code $rc, want 1")
    grep -q 'memspice: error:' "$tmp/stderr" || problems+=("no 'memspice: error:' on stderr")
    # only the error line counts (notes also carry file:line)
    grep 'memspice: error:' "$tmp/stderr" | grep -Eq "(^|[^A-Za-z0-9_])${name}\.cir:${line}([^0-9]|\$)" ||
        problems+=("no '${name}.cir:${line}' on stderr")
    [ -z "$message" ] || grep 'memspice: error:' "$tmp/stderr" | grep -qF -- "$message" ||
        problems+=("no '$message' in the error")
    grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error:' "$tmp/stderr" && problems+=("sanitizer report")
    [ -e "$tmp/out.csv" ] && problems+=("an output file was written")
    if [ ${#problems[@]} -gt 0 ]; then
        fail=$((fail + 1))
        echo "FAIL $f: $(IFS=';'; echo "${problems[*]}")"
        sed 's/^/     stderr| /' "$tmp/stderr" | head -20
    fi
    rm -f "$tmp/out.csv"
done
echo "malformed: $n netlists, $((n - fail)) passed, $fail failed"
[ "$n" -ge 30 ] || { echo "FAIL: fewer than 30 malformed netlists"; exit 1; }
[ "$fail" -eq 0 ]
