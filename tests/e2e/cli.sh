#!/usr/bin/env bash
# cli.sh — the memspice command line: help texts, the three output formats
# (and that they hold the same points), CSV on stdout, exit codes (0 ok,
# 1 bad input, 2 usage), and no file left behind when writing fails.
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
cd "$(dirname "$0")/../.."
NET=$PWD/netlists/rc_pulse.cir
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0

ok()  { n=$((n + 1)); echo "ok   $1"; }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"; [ -s "$tmp/err" ] && sed 's/^/     stderr| /' "$tmp/err" | head -8; }
# run EXPECTED-EXIT DESCRIPTION memspice-args...: stdout in $tmp/out, stderr in $tmp/err
run() {
    local want=$1 what=$2; shift 2
    "$MEMSPICE" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if grep -q 'Sanitizer\|runtime error:' "$tmp/err"; then bad "$what: sanitizer report"; return 1; fi
    if [ "$rc" -ne "$want" ]; then bad "$what: exit code $rc, want $want"; return 1; fi
    return 0
}
has() { grep -q -- "$2" "$1"; }

# ---- help ----
if run 0 "memspice --help" --help; then
    missing=()
    for w in run --help --version; do has "$tmp/out" "$w" || missing+=("$w"); done
    [ ${#missing[@]} -eq 0 ] && ok "memspice --help" || bad "memspice --help does not mention: ${missing[*]}"
fi
if run 0 "memspice run --help" run --help; then
    missing=()
    for w in --output --format --ascii --fixed-step --uic --progress --quiet --help csv h5 raw; do
        has "$tmp/out" "$w" || missing+=("$w")
    done
    [ ${#missing[@]} -eq 0 ] && ok "memspice run --help" || bad "memspice run --help does not mention: ${missing[*]}"
fi
run 0 "memspice --version" --version && { has "$tmp/out" 'memspice [0-9]' && ok "--version" || bad "--version: no version"; }
run 2 "memspice (no arguments)" && { has "$tmp/err" 'usage' && ok "no arguments: usage, exit 2" || bad "no arguments: no usage"; }
run 2 "unknown command" frobnicate && ok "unknown command: exit 2"

# ---- output files ----
if run 0 "run -o out.csv" run "$NET" -o "$tmp/out.csv"; then
    if [ -s "$tmp/out.csv" ] && head -1 "$tmp/out.csv" | grep -q '^time,' && head -1 "$tmp/out.csv" | grep -q 'v(out)'; then
        ok "run -o out.csv"
    else bad "out.csv: missing or header not 'time,...v(out)...'"; fi
fi
rows=$(($(wc -l <"$tmp/out.csv") - 1))
if run 0 "run -o out.raw" run "$NET" -o "$tmp/out.raw"; then
    if [ -s "$tmp/out.raw" ] && head -c 2000 "$tmp/out.raw" | grep -aq '^Binary:' &&
        head -c 2000 "$tmp/out.raw" | grep -aq "^No. Points: *$rows\b" && head -c 2000 "$tmp/out.raw" | grep -aq 'v(out)'; then
        ok "run -o out.raw ($rows points, as in the CSV)"
    else bad "out.raw: missing, not binary raw, or not $rows points"; fi
fi
if run 0 "run -o out.raw --ascii" run "$NET" -o "$tmp/outa.raw" --ascii; then
    head -c 2000 "$tmp/outa.raw" | grep -aq '^Values:' && ok "run --ascii writes ASCII raw" || bad "--ascii: no 'Values:'"
fi
if run 0 "run -o out.h5" run "$NET" -o "$tmp/out.h5"; then
    if ! command -v h5dump >/dev/null; then
        bad "h5dump not found (hdf5-tools; make deps installs it)"
    elif h5dump -n "$tmp/out.h5" >"$tmp/h5n" 2>&1 && has "$tmp/h5n" 'group *[/]signals$' &&
        has "$tmp/h5n" 'dataset *[/]time$' && has "$tmp/h5n" 'dataset */signals/v(out)$' &&
        h5dump -H -d /time "$tmp/out.h5" | grep -q "( $rows )"; then
        ok "run -o out.h5 (/signals, /time of $rows points)"
    else bad "out.h5: no /signals, /time, /signals/v(out) or not $rows points"; sed 's/^/     h5dump| /' "$tmp/h5n"; fi
fi
# the same run a second later writes the same bytes (no modification times in the objects)
sleep 1.1
if run 0 "run -o again.h5" run "$NET" -o "$tmp/again.h5"; then
    cmp -s "$tmp/out.h5" "$tmp/again.h5" && ok "run -o .h5 twice, a second apart: byte-identical files" ||
        bad "run -o .h5 twice: the files differ (time stamps?)"
fi
for f in out.csv out.raw out.h5; do ls "$tmp" | grep -q "^$f\.tmp" && bad "a temporary file of $f was left behind"; done

# ---- CSV on stdout ----
if run 0 "-o - --format csv" run "$NET" -o - --format csv -q; then
    if head -1 "$tmp/out" | grep -q '^time,' && [ "$(($(wc -l <"$tmp/out") - 1))" -eq "$rows" ]; then
        cmp -s "$tmp/out" "$tmp/out.csv" && ok "-o - --format csv: same CSV on stdout" ||
            bad "-o - --format csv: stdout differs from the CSV file"
    else bad "-o - --format csv: stdout does not start with 'time,' or has not $rows rows"; head -3 "$tmp/out"; fi
fi
run 2 "-o - without --format" run "$NET" -o - && ok "-o - without --format: exit 2"
run 2 "-o - --format h5" run "$NET" -o - --format h5 && ok "binary format to stdout refused: exit 2"
run 2 "unknown extension" run "$NET" -o "$tmp/out.xyz" && { [ -e "$tmp/out.xyz" ] && bad "out.xyz written" || ok "unknown extension: exit 2, no file"; }

# ---- bad input and usage ----
if run 1 "missing netlist" run "$tmp/no_such_netlist.cir"; then
    grep 'memspice: error:' "$tmp/err" | grep -q "$tmp/no_such_netlist.cir" && ok "missing netlist: exit 1, path in the message" ||
        bad "missing netlist: path not in the error message"
fi
run 2 "unknown option" run "$NET" --frobnicate && { has "$tmp/err" 'frobnicate' && ok "unknown option: exit 2" || bad "unknown option not named"; }
run 2 "-o without a file" run "$NET" -o && ok "-o without a file name: exit 2"
run 2 "two netlists" run "$NET" "$tmp/b.cir" && { has "$tmp/err" "('$NET', '$tmp/b.cir')" && ok "two netlists: exit 2, both named" || bad "two netlists: not named"; }
run 2 "run without a netlist" run && ok "run without a netlist: exit 2"
# grad shares these options and their errors
run 2 "grad: unknown option" grad "$NET" --frobnicate && { has "$tmp/err" "memspice grad: error: unknown or incomplete option '--frobnicate'" && ok "grad: unknown option named: exit 2" || bad "grad: unknown option not named"; }
run 2 "grad: two netlists" grad "$NET" "$tmp/b.cir" && { has "$tmp/err" "memspice grad: error: more than one netlist given ('$NET', '$tmp/b.cir')" && ok "grad: two netlists: exit 2, both named" || bad "grad: two netlists: not named"; }
run 2 "grad: --threads 0" grad "$NET" --threads 0 && { has "$tmp/err" "memspice grad: error: --threads needs a count" && ok "grad: --threads 0: exit 2" || bad "grad: --threads 0: message"; }
run 2 "grad: --format raw" grad "$NET" --format raw && { has "$tmp/err" "h5 or csv, not 'raw'" && ok "grad: --format raw refused: exit 2" || bad "grad: --format raw: message"; }

# ---- writing into a missing directory ----
for f in out.csv out.raw out.h5; do
    if run 1 "write into a missing directory ($f)" run "$NET" -o "$tmp/no_dir/$f"; then
        if [ -e "$tmp/no_dir" ]; then bad "$f: the missing directory was created"
        elif ls "$tmp" | grep -q 'tmp\.[0-9]'; then bad "$f: a temporary file was left in $tmp"
        elif ! grep 'memspice: error:' "$tmp/err" | grep -q "no_dir/$f"; then bad "$f: error does not name the file"
        else ok "write into a missing directory ($f): exit 1, nothing left"; fi
    fi
done
# an unwritable place that exists: a file where a directory should be
: >"$tmp/plainfile"
run 1 "write below a plain file" run "$NET" -o "$tmp/plainfile/x.csv" && ok "write below a plain file: exit 1"

echo "cli: $n checks, $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
