#!/usr/bin/env bash
# grad.sh — `memspice grad`: help, the loss and gradient table on stdout,
# --check-fd (relative errors parsed, < 1e-5 with --fixed-step), -o g.h5
# (/gradient with the loss attribute and one dataset per parameter) and
# -o g.csv (name,value,gradient), --checkpoint (same table), and the exit
# codes: 1 for a netlist without .loss or with a bad .trainable, 2 for usage
# errors; a .trainable .param (param_grad.cir: --check-fd, --checkpoint: the
# same printed gradients, -o g.csv); .loss meas (meas_grad.cir: --check-fd,
# the rise time against C ln 9, --checkpoint, a failing measure).  Netlists: tests/grad/ (.loss/.trainable are
# memspice-only cards).
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
cd "$(dirname "$0")/../.."
RC=$PWD/tests/grad/rc_grad.cir
MEM=$PWD/tests/grad/biolek_grad.cir
PARAM=$PWD/tests/grad/param_grad.cir
MEAS=$PWD/tests/grad/meas_grad.cir
NOLOSS=$PWD/netlists/rc_pulse.cir
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
# the gradient table of a `memspice grad` stdout: "name value gradient" lines
# between the header and the first blank line after it
table() { awk '/^parameter +value +dloss\/dvalue/ {on = 1; next} on && NF == 0 {exit} on {print $1, $2, $3}' "$1"; }
NUM='[-+]?[0-9]\.[0-9]+e[-+][0-9]+'

# ---- help ----
if run 0 "grad --help" grad --help; then
    missing=()
    for w in usage --output --check-fd --fd-step --checkpoint --fixed-step --uic --quiet .h5 .csv; do
        has "$tmp/out" "$w" || missing+=("$w")
    done
    [ ${#missing[@]} -eq 0 ] && ok "grad --help" || bad "grad --help does not mention: ${missing[*]}"
fi

# ---- the loss and the table ----
if run 0 "grad rc_grad.cir" grad "$RC"; then
    loss=$(sed -n 's/^loss = *//p' "$tmp/out")
    table "$tmp/out" >"$tmp/table"
    names=$(cut -d' ' -f1 "$tmp/table" | tr '\n' ' ')
    if ! echo "$loss" | grep -Eq "^$NUM\$"; then bad "no 'loss = NUMBER' line"; cat "$tmp/out"
    elif [ "$names" != "r1 c1 r2 v1 " ]; then bad "table names '$names', want 'r1 c1 r2 v1'"; cat "$tmp/out"
    elif ! awk -v re="^$NUM\$" '!($2 ~ re && $3 ~ re) {exit 1}' "$tmp/table"; then bad "table values are not numbers"; cat "$tmp/table"
    elif [ "$(awk '$1 == "r1" {print $2}' "$tmp/table")" != "1.000000000e+03" ]; then bad "r1's value is not 1k"
    else ok "grad: loss $loss and a table of 4 parameters"; fi
    has "$tmp/err" 'time points' && ok "grad: timing summary on stderr" || bad "grad: no timing summary on stderr"
fi
run 0 "grad -q" grad "$RC" -q && { [ -s "$tmp/err" ] && bad "grad -q: stderr not empty" || ok "grad -q: quiet"; }

# ---- --check-fd: relative errors < 1e-5 ----
for net in "$RC" "$MEM" "$PARAM" "$MEAS"; do
    name=$(basename "$net")
    if run 0 "grad --check-fd --fixed-step $name" grad "$net" --check-fd --fixed-step -q; then
        awk '/^parameter +adjoint +finite diff\. +rel\. error/ {on = 1; next} on && NF == 4 {print $1, $4}' "$tmp/out" >"$tmp/fd"
        want=$(table "$tmp/out" | wc -l)
        got=$(wc -l <"$tmp/fd")
        worst=$(awk 'BEGIN {w = 0} {if ($2 + 0 > w) w = $2 + 0} END {printf "%.2e", w}' "$tmp/fd")
        if [ "$got" -ne "$want" ] || [ "$got" -eq 0 ]; then bad "--check-fd $name: $got rows of rel. errors, want $want"; cat "$tmp/out"
        elif ! awk '{if (!($2 ~ /^[0-9]\.[0-9]+e[-+][0-9]+$/) || $2 + 0 >= 1e-5) exit 1}' "$tmp/fd"; then
            bad "--check-fd $name: a rel. error >= 1e-5 (or not a number)"; cat "$tmp/fd"
        else ok "--check-fd --fixed-step $name: $got parameters, worst rel. error $worst"; fi
    fi
done
run 0 "grad --check-fd --fd-step 1e-4" grad "$RC" --check-fd --fd-step 1e-4 --fixed-step -q &&
    { has "$tmp/out" 'rel. error' && ok "--fd-step 1e-4" || bad "--fd-step: no FD table"; }
run 2 "--fd-step 0" grad "$RC" --check-fd --fd-step 0 && ok "--fd-step 0: exit 2"
run 2 "--fd-step abc" grad "$RC" --check-fd --fd-step abc && ok "--fd-step abc: exit 2"

# ---- checkpointing: the same table ----
if run 0 "grad --fixed-step" grad "$RC" --fixed-step -q; then
    table "$tmp/out" >"$tmp/t0"
    for k in 1 7 auto; do
        if run 0 "grad --checkpoint $k" grad "$RC" --fixed-step --checkpoint "$k" -q; then
            table "$tmp/out" >"$tmp/tk"
            cmp -s "$tmp/t0" "$tmp/tk" && ok "--checkpoint $k: same gradient table" ||
                { bad "--checkpoint $k: the table differs"; diff "$tmp/t0" "$tmp/tk" | head; }
        fi
    done
fi
run 2 "--checkpoint x" grad "$RC" --checkpoint x && ok "--checkpoint x: exit 2"

# ---- .trainable .params: names, checkpointing within 1e-12, CSV ----
if run 0 "grad param_grad.cir" grad "$PARAM" --fixed-step -q; then
    table "$tmp/out" >"$tmp/p0"
    names=$(cut -d' ' -f1 "$tmp/p0" | tr '\n' ' ')
    [ "$names" = "rval x0p r1 " ] && ok "param_grad.cir: table of rval x0p r1" || bad "param_grad.cir: table names '$names'"
    awk '$1 == "rval" && $2 == "1.000000000e+03" && $3 != 0 {f = 1} END {exit !f}' "$tmp/p0" &&
        ok "param_grad.cir: rval = 1k, nonzero gradient" || { bad "param_grad.cir: rval's row"; cat "$tmp/p0"; }
    for k in 1 7 auto; do
        if run 0 "grad param --checkpoint $k" grad "$PARAM" --fixed-step --checkpoint "$k" -q; then
            table "$tmp/out" >"$tmp/pk"
            awk 'NR == FNR {g[$1] = $3; next} {d = $3 - g[$1]; s = g[$1] < 0 ? -g[$1] : g[$1]; if (d * d > (1e-12 * s) ^ 2) bad = 1; n++}
                 END {exit bad || n != 3}' "$tmp/p0" "$tmp/pk" &&
                ok "param --checkpoint $k: the same gradients (as printed; 1e-12 in test_grad_param)" ||
                { bad "param --checkpoint $k: gradients differ"; paste "$tmp/p0" "$tmp/pk"; }
        fi
    done
    if run 0 "grad param -o g.csv" grad "$PARAM" --fixed-step -o "$tmp/p.csv" -q; then
        grep -q '^rval,1000,' "$tmp/p.csv" && grep -q '^x0p,0.2999' "$tmp/p.csv" &&
            ok "param -o g.csv: rows for the .params" || { bad "param -o g.csv"; cat "$tmp/p.csv"; }
    fi
fi

# ---- --uic: no operating point ----
printf 'dc or uic\nV1 in 0 DC 1\nR1 in out 1k\nC1 out 0 1u\n.tran 1u 0.5m\n.loss value v(out) at=0.5m\n.trainable r1\n.end\n' >"$tmp/dc.cir"
if run 0 "grad (DC start)" grad "$tmp/dc.cir" -q; then
    dc=$(sed -n 's/^loss = *//p' "$tmp/out")
    if run 0 "grad --uic" grad "$tmp/dc.cir" --uic -q; then
        uic=$(sed -n 's/^loss = *//p' "$tmp/out")
        # DC start: v(out) = 1 throughout; uic: 1 - exp(-0.5) = 0.3935
        awk -v a="$dc" -v b="$uic" 'BEGIN {exit !((a - 1) ^ 2 < 1e-12 && (b - 0.3935) ^ 2 < 1e-8)}' &&
            ok "--uic: loss $uic (from 0), DC start $dc" || bad "--uic: loss $uic, DC start $dc (want 0.3935, 1)"
    fi
fi

# ---- -o g.h5 ----
if run 0 "grad -o g.h5" grad "$RC" -o "$tmp/g.h5" -q; then
    loss=$(sed -n 's/^loss = *//p' "$tmp/out")
    if ! command -v h5dump >/dev/null; then
        bad "h5dump not found (hdf5-tools; make deps installs it)"
    elif h5dump -n "$tmp/g.h5" >"$tmp/h5n" 2>&1 && has "$tmp/h5n" 'group *[/]gradient$' &&
        has "$tmp/h5n" 'dataset */gradient/r1$' && has "$tmp/h5n" 'dataset */gradient/c1$' &&
        has "$tmp/h5n" 'dataset */gradient/v1$' && has "$tmp/h5n" 'dataset */signals/v(out)$'; then
        h5loss=$(h5dump -A -g /gradient "$tmp/g.h5" | awk '/ATTRIBUTE "loss"/ {on = 1} on && /\(0\):/ {print $2; exit}')
        r1=$(h5dump -d /gradient/r1 "$tmp/g.h5" | awk '/DATA \{/ {on = 1} on && /\(0\):/ {print $2; exit}')
        want_r1=$(awk '$1 == "r1" {print $3}' <(table "$tmp/out"))
        if awk -v a="$h5loss" -v b="$loss" 'BEGIN {exit !(a != "" && (a - b) ^ 2 <= (1e-5 * b) ^ 2)}' &&
            awk -v a="$r1" -v b="$want_r1" 'BEGIN {exit !(a != "" && (a - b) ^ 2 <= (1e-5 * b) ^ 2)}'; then
            ok "-o g.h5: /gradient (loss $h5loss, r1 $r1), /signals"
        else bad "-o g.h5: loss '$h5loss' or d/dr1 '$r1' differ from stdout ($loss, $want_r1)"; fi
    else bad "-o g.h5: no /gradient group or datasets"; sed 's/^/     h5dump| /' "$tmp/h5n"; fi
fi

# ---- -o g.csv ----
if run 0 "grad -o g.csv" grad "$RC" -o "$tmp/g.csv" -q; then
    table "$tmp/out" >"$tmp/table"
    if [ "$(head -1 "$tmp/g.csv")" != "name,value,gradient" ]; then bad "g.csv header '$(head -1 "$tmp/g.csv")'"
    elif ! grep -q '^loss,' "$tmp/g.csv"; then bad "g.csv: no loss row"
    elif [ "$(grep -vc '^name,\|^loss,' "$tmp/g.csv")" -ne 4 ]; then bad "g.csv: not 4 parameter rows"; cat "$tmp/g.csv"
    elif ! awk -F, 'NR == FNR {g[$1] = $3; next} $1 in g {d = $3 - g[$1]; if (d * d > (1e-8 * g[$1]) ^ 2) bad = 1; seen++}
                    END {exit bad || seen != 4}' "$tmp/g.csv" <(tr ' ' ',' <"$tmp/table"); then
        bad "g.csv gradients differ from the table"; cat "$tmp/g.csv"
    else ok "-o g.csv: name,value,gradient, loss and 4 parameters as on stdout"; fi
fi
for f in g.h5 g.csv; do ls "$tmp" | grep -q "^$f\.tmp" && bad "a temporary file of $f was left behind"; done
run 2 "-o g.txt" grad "$RC" -o "$tmp/g.txt" && { [ -e "$tmp/g.txt" ] && bad "g.txt written" || ok "-o g.txt: exit 2, no file"; }

# ---- errors ----
if run 1 "netlist without .loss" grad "$NOLOSS" -o "$tmp/noloss.csv"; then
    if ! grep 'memspice: error:' "$tmp/err" | grep -q '\.loss'; then bad "no .loss: the error does not mention .loss"
    elif [ -e "$tmp/noloss.csv" ]; then bad "no .loss: an output file was written"
    else ok "netlist without .loss: exit 1, '$(grep 'memspice: error:' "$tmp/err" | head -1 | cut -c1-90)'"; fi
fi
printf 'bad trainable\nV1 in 0 DC 1\nR1 in out 1k\nD1 out 0 dm\n.model dm d\n.tran 1u 1m\n.loss value v(out) at=1m\n.trainable r1 d1\n.end\n' >"$tmp/badtr.cir"
run 1 ".trainable on a diode" grad "$tmp/badtr.cir" &&
    { grep 'memspice: error:' "$tmp/err" | grep -q 'badtr.cir:8' && ok ".trainable on a diode: exit 1, names line 8" ||
        bad ".trainable on a diode: line 8 not named"; }
printf 'ic\nV1 in 0 DC 1\nR1 in out 1k\nC1 out 0 1u\n.ic v(out)=0.5\n.tran 1u 1m\n.loss value v(out) at=1m\n.trainable r1\n.end\n' >"$tmp/ic.cir"
if run 0 ".ic without uic" grad "$tmp/ic.cir" --check-fd --fixed-step -q; then
    awk '/rel\. error/ {on = 1; next} on && NF == 4 {n++; if ($4 + 0 >= 1e-5) bad = 1} END {exit bad || n != 1}' "$tmp/out" &&
        ok ".ic without uic: the operating point's adjoint, --check-fd < 1e-5" || { bad ".ic without uic: FD"; cat "$tmp/out"; }
fi
run 0 ".ic with --uic" grad "$tmp/ic.cir" --uic -q && ok ".ic with --uic: exit 0"
# ---- .loss meas: a rise time's gradient against d(RC ln 9)/dR = C ln 9, checkpointed the same ----
sed -e '/^\.loss meas rise_time$/!{/^\.loss/d;}' "$MEAS" >"$tmp/rise.cir"
if run 0 ".loss meas rise_time" grad "$tmp/rise.cir" --fixed-step -q; then
    table "$tmp/out" >"$tmp/t_full"
    awk '$1 == "r1" {d = $3 / (1e-6 * log(9)) - 1; if (d < 0) d = -d; f = d < 1e-3}
         $1 == "c1" {d = $3 / (1e3 * log(9)) - 1; if (d < 0) d = -d; g = d < 1e-3} END {exit !(f && g)}' "$tmp/t_full" &&
        ok ".loss meas rise_time: d/dR = C ln 9, d/dC = R ln 9 (to 1e-3)" || { bad ".loss meas rise_time closed form"; cat "$tmp/t_full"; }
    if run 0 ".loss meas --checkpoint 5" grad "$tmp/rise.cir" --fixed-step --checkpoint 5 -q; then
        table "$tmp/out" | awk 'NR == FNR {v[$1] = $3; next} {d = $3 - v[$1]; if (d < 0) d = -d; m = v[$1] < 0 ? -v[$1] : v[$1]; if (d > 1e-12 * m) bad = 1}
            END {exit bad}' "$tmp/t_full" - && ok ".loss meas with --checkpoint 5: the same gradients" || bad ".loss meas checkpointed differs"
    fi
fi
sed -e 's/^\.loss meas rise_time$/.loss meas never/' -e '/^\.trainable/i .meas tran never WHEN v(out)=2' "$MEAS" >"$tmp/never.cir"
run 1 ".loss meas on a failing measure" grad "$tmp/never.cir" --fixed-step -q &&
    { grep -q "never.cir:[0-9]*:1: '.loss meas never': the measure failed on this run: WHEN v(out)=2" "$tmp/err" &&
        ok ".loss meas of a measure that fails: exit 1 at the .loss card, with the reason" || bad "failing measure message"; }
run 1 "missing netlist" grad "$tmp/no_such.cir" && ok "missing netlist: exit 1"
run 2 "unknown option" grad "$RC" --frobnicate && { has "$tmp/err" 'frobnicate' && ok "unknown option: exit 2, named" || bad "unknown option not named"; }
run 2 "grad without a netlist" grad && ok "grad without a netlist: exit 2"
run 2 "two netlists" grad "$RC" "$RC" && ok "two netlists: exit 2"
run 2 "-o without a file" grad "$RC" -o && ok "-o without a file: exit 2"

echo "grad: $n checks, $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
