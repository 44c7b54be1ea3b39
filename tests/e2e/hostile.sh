#!/usr/bin/env bash
# hostile.sh — inputs a hostile user would try (issue 14), generated here
# because they are large or binary; tests/malformed holds the small ones.
# Each must end within its time limit (a hang is a failure) with exit 1 and a
# clear message, or succeed where the input is only big, never crash; and
# `memspice check` must never run a command a netlist smuggles in (a title
# "*ng_script" makes ngspice run the deck as a script; gnuplot runs
# `commands` inside double-quoted strings).  Run with the normal and the
# sanitizer build (tests/run.sh).
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
ok()  { n=$((n + 1)); echo "ok   $1"; }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"; sed 's/^/     stderr| /' "$tmp/err" | head -8; }
# expect EXIT SECONDS MESSAGE DESCRIPTION command...: exit code, a time
# limit, and MESSAGE (fixed string, "" for none) on stderr
expect() {
    local want=$1 secs=$2 msg=$3 what=$4; shift 4
    timeout "$secs" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if grep -q 'Sanitizer\|runtime error:' "$tmp/err"; then bad "$what: sanitizer report"
    elif [ $rc -eq 124 ]; then bad "$what: still running after $secs s (a hang)"
    elif [ $rc -ne "$want" ]; then bad "$what: exit code $rc, want $want"
    elif [ -n "$msg" ] && ! grep -qF -- "$msg" "$tmp/err"; then bad "$what: no '$msg' on stderr"
    else ok "$what"; fi
}
gen() { python3 -c "$1" >"$2" || { echo "FAIL cannot generate $2"; exit 1; }; }

# ---- the lexer's loops ----
printf 't\r' >"$tmp/cr_title.cir"
expect 1 20 "no elements: nothing to simulate" "a two-byte file 't\\r' (no newline)" "$MEMSPICE" run "$tmp/cr_title.cir"
printf 't\rV1 a 0 1\rR1 a 0 1k\r.op\r' >"$tmp/cr_only.cir"
expect 0 20 "" "a netlist with \\r-only line ends runs" "$MEMSPICE" run "$tmp/cr_only.cir"
grep -q 'v(a) *= *1.0*e+00' "$tmp/out" && ok "  ... and reads every line (v(a) = 1)" || bad "  ... v(a) not 1: $(cat "$tmp/out")"
printf 't\n;\n   $ c\n' >"$tmp/comments.cir"
expect 1 20 "no elements: nothing to simulate" "lines holding only ';' or ' \$ ' comments" "$MEMSPICE" run "$tmp/comments.cir"
expect 1 20 "not a text file" "/dev/zero as the netlist" "$MEMSPICE" run /dev/zero
head -c 100000 /dev/urandom >"$tmp/random.cir"
expect 1 20 "" "100 kB of random bytes" "$MEMSPICE" run "$tmp/random.cir"

# ---- gzip-compressed netlists: read as the plain text; truncated, corrupt or bombs refused ----
gzip -c netlists/rc_pulse.cir >"$tmp/rc.cir.gz"
expect 0 20 "" "a .cir.gz netlist" "$MEMSPICE" run "$tmp/rc.cir.gz" -o "$tmp/rc_gz.csv"
"$MEMSPICE" run netlists/rc_pulse.cir -o "$tmp/rc.csv" 2>/dev/null
cmp -s "$tmp/rc.csv" "$tmp/rc_gz.csv" && ok "  ... the same waveforms as the plain netlist" || bad "  ... waveforms differ"
head -c 150 "$tmp/rc.cir.gz" >"$tmp/trunc.cir.gz"
expect 1 20 "unexpected end of file" "a truncated .cir.gz" "$MEMSPICE" run "$tmp/trunc.cir.gz"
{ printf 't\n'; head -c 300000000 /dev/zero | tr '\0' ' '; } | gzip -1 >"$tmp/bomb.cir.gz"
expect 1 60 "larger than 256 MB" "a gzip bomb (300 MB of blanks in $(($(wc -c <"$tmp/bomb.cir.gz") / 1024)) kB)" "$MEMSPICE" run "$tmp/bomb.cir.gz"

# ---- recursion and size limits ----
gen 'print("t\nV1 a 0 1\nR1 a 0 {" + "("*10000 + "1k" + ")"*10000 + "}\n.op")' "$tmp/parens.cir"
expect 1 20 "nested more than 256 deep" "10,000 nested parentheses" "$MEMSPICE" run "$tmp/parens.cir"
gen 'print("t\nV1 a 0 1\nR1 a 0 {" + "+".join(["1"]*200000) + "}\n.op")' "$tmp/terms.cir"
expect 1 20 "more than 4096 operations in a chain" "a 200,000-term expression" "$MEMSPICE" run "$tmp/terms.cir"
gen 'print("t\nV1 a 0 1\nR1 a 0 {" + "-"*100000 + "1k}\n.op")' "$tmp/unary.cir"
expect 1 20 "nested more than 256 deep" "100,000 unary minus signs" "$MEMSPICE" run "$tmp/unary.cir"

# ---- name lookups stay linear: 100,000 .params, 100,000 .trainable names ----
gen 'print("t\n.param p0=1\n" + "".join(".param p%d={p%d+1}\n" % (i, i - 1) for i in range(1, 100001)) + "V1 a 0 1\nR1 a 0 {p100000}\n.op")' "$tmp/params.cir"
expect 0 60 "" "100,000 chained .params" "$MEMSPICE" run "$tmp/params.cir"
grep -q 'i(v1) *= *-9.99990000' "$tmp/out" && ok "  ... their value (R = 100001)" || bad "  ... wrong current: $(cat "$tmp/out")"
gen 'print("t\nV1 a 0 1\n" + "".join("R%d a 0 1meg\n" % i for i in range(100000)) + "".join(".trainable r%d\n" % i for i in range(100000)) + ".tran 1n 10n\n.loss value v(a) at=5n")' "$tmp/trainables.cir"
expect 0 60 "" "100,000 .trainable names" "$MEMSPICE" grad "$tmp/trainables.cir"

# ---- values that overflow: the loss, and waveform corners ----
printf 't\nV1 a 0 1\nR1 a 0 1k\n.tran 1n 10n\n.trainable r1\n.loss value v(a) at=5n weight=1e308\n.loss value v(a) at=5n weight=1e308\n' >"$tmp/loss.cir"
expect 1 20 "the loss is not a finite number" "a loss that overflows (no NaN with exit 0)" "$MEMSPICE" grad "$tmp/loss.cir"
printf 't\nV1 a 0 pulse(0 1 0 1p 1p 1p 4p)\nR1 a 0 1k\n.tran 1u 1\n' >"$tmp/pulse.cir"
expect 1 60 "corners" "a PULSE with 2.5e11 periods in the window" "$MEMSPICE" run "$tmp/pulse.cir" -o "$tmp/pulse.csv"
[ -e "$tmp/pulse.csv" ] && bad "  ... an output was written" || ok "  ... no output written"

# ---- memspice check runs no command a netlist holds ----
if [ -n "$(command -v ngspice)" ] || ls /usr/lib/x86_64-linux-gnu/libngspice.so* >/dev/null 2>&1; then
    mkdir -p "$tmp/chk"
    # ngspice runs a deck titled *ng_script as a script, with `...` substituted by the shell
    printf '*ng_script\nV1 a 0 sin(0 1 1k)\nR1 a b`id>%s/pwned1` 1k\nC1 b`id>%s/pwned1` 0 1u\n.tran 10u 2m\n.end\n' \
        "$tmp/chk" "$tmp/chk" >"$tmp/chk/ngscript.cir"
    expect 0 120 "pass" "check of a deck titled *ng_script" "$MEMSPICE" check "$tmp/chk/ngscript.cir" --report "$tmp/chk/r1"
    [ -e "$tmp/chk/pwned1" ] && bad "  ... ngspice ran the deck's command" || ok "  ... no command ran"
    # gnuplot titles: node names and the file name hold backquotes, a quote, a newline
    mkdir -p "$tmp/chk/x'y"
    printf 'bq\nV1 a 0 sin(0 1 1k)\nR1 a b`id>%s/pwned2` 1k\nC1 b`id>%s/pwned2` 0 1u\n.tran 10u 2m\n.end\n' \
        "$tmp/chk" "$tmp/chk" >"$tmp/chk/x'y/q\`id>pwned3\`.cir"
    expect 0 120 "pass" "check --report with backquotes in node and file names" \
        "$MEMSPICE" check "$tmp/chk/x'y/q\`id>pwned3\`.cir" --report "$tmp/chk/r2"
    ls "$tmp/chk/r2"/*.png >/dev/null 2>&1 && ok "  ... the plots were drawn" || echo "note: no plots drawn (gnuplot missing?)"
    if [ -e "$tmp/chk/pwned2" ] || [ -e pwned3 ] || [ -e "$tmp/chk/x'y/pwned3" ]; then bad "  ... gnuplot ran a command"; rm -f pwned3
    else ok "  ... no command ran"; fi
else
    echo "note: libngspice missing: the check cases are skipped (make deps installs it)"
fi

echo "hostile: $n checks, $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
