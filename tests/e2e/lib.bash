# lib.bash — the start the newer e2e scripts share; sourced after they cd to
# the repository root (not named *.sh: tests/run.sh runs every tests/e2e/*.sh).
#   $tmp                 a scratch folder, removed on exit
#   ok TEXT              a passed check
#   bad TEXT             a failed check; shows the head of $tmp/err and of the
#                        files in $BAD_SHOW (default: $tmp/err)
#   sanitizer [FILE]     true when FILE ($tmp/err) holds a sanitizer report
#   run EXIT TEXT ARGS   memspice ARGS, stdout in $tmp/out, stderr in $tmp/err;
#                        a failed check unless it exits EXIT with no sanitizer report
#   value NAME FILE      X of the first line "NAME = X" in FILE (a .meas result
#                        or an .op value in memspice's or ngspice's printout)
#   summary NAME         the closing line; its status is the script's
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
BAD_SHOW=${BAD_SHOW:-$tmp/err}

ok() { n=$((n + 1)); echo "ok   $1"; }
bad() {
    n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"
    local f
    for f in $BAD_SHOW; do
        [ -s "$f" ] && sed "s/^/     $(basename "$f")| /" "$f" | head -12
    done
    return 0
}
sanitizer() { grep -q 'Sanitizer\|runtime error:' "${1:-$tmp/err}"; }
run() {
    local want=$1 what=$2; shift 2
    "$MEMSPICE" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if sanitizer; then bad "$what: sanitizer report"; return 1; fi
    if [ "$rc" -ne "$want" ]; then bad "$what: exit code $rc, want $want"; return 1; fi
    return 0
}
value() { awk -v k="$1" '$1 == k && $2 == "=" {print $3; exit}' "$2"; }
summary() {
    echo "$1: $n checks, $((n - fail)) passed, $fail failed"
    [ "$fail" -eq 0 ]
}
