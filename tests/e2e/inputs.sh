#!/usr/bin/env bash
# inputs.sh — `memspice run|grad NETLIST --inputs DIR -o OUTDIR` in one process
# (src/cli/sweep.c, src/netlist/source_spec.c; the MPI split is in mpi.sh):
#   1. every input file's output equals a run of the netlist with that file's
#      sources written into it (CSV waveforms, grad tables, to 1e-12), for DC,
#      PWL (continuation lines, r=), PULSE, SIN, {expressions}, upper case;
#      hidden files and folders are skipped; h5 (default), raw and csv outputs;
#   1b. .ac: an input file's AC phasor replaces the netlist's, else it stays;
#   2. grad: summary.csv (file, loss, gradient) in file order, equal to the
#      per-file results, and the loss table on stdout;
#   3. the outputs do not depend on the thread count (byte-identical CSV);
#   3b. .meas cards: each input's measures in OUTDIR/<file>.meas, equal to a
#      single run's .meas file; a measure failing on one file is reported;
#   4. errors: a bad input file (unknown source, bad syntax, a source twice, ...)
#      names file:line:col, exits 1 and writes nothing; clashing output names,
#      an empty or missing folder; a file that fails to simulate names the
#      file (the other outputs are complete, no temporary files, no
#      summary.csv); usage errors exit 2.
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0

ok()  { n=$((n + 1)); echo "ok   $1"; }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"; [ -s "$tmp/err" ] && sed 's/^/     stderr| /' "$tmp/err" | head -8; }
# run EXPECTED-EXIT DESCRIPTION memspice-args...: stdout in $tmp/out, stderr in $tmp/err
run() {
    local want=$1 what=$2; shift 2
    timeout 120 "$MEMSPICE" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if grep -q 'Sanitizer\|runtime error:' "$tmp/err"; then bad "$what: sanitizer report"; return 1; fi
    if [ "$rc" -ne "$want" ]; then bad "$what: exit code $rc, want $want"; return 1; fi
    return 0
}
has() { grep -q -- "$2" "$1"; }
# close A B: same header and shape, every number equal to 1e-12 relative
close() {
    awk -F, 'NR == FNR { a[FNR] = $0; na = FNR; next }
        { nb = FNR; if (!(FNR in a)) { bad = 1; exit }
          k = split(a[FNR], x, ","); if (k != NF) { bad = 1; exit }
          for (i = 1; i <= NF; i++) {
              if (x[i] == $i) continue
              if (x[i] !~ /^[-+0-9.eE]+$/ || $i !~ /^[-+0-9.eE]+$/) { bad = 1; exit }
              d = x[i] - $i; if (d < 0) d = -d
              s = x[i] < 0 ? -x[i] : x[i]; t = $i < 0 ? -$i : $i; if (t > s) s = t
              if (d > 1e-12 * s) { bad = 1; exit } } }
        END { exit bad || na != nb }' "$1" "$2"
}

bash tests/tools/input_sets.sh "$tmp" || { echo "FAIL cannot write the fixture"; exit 1; }
NET=$tmp/net.cir IN=$tmp/in
# inline FILE: net.cir with FILE's source lines written into the netlist's V cards
inline() {
    awk 'NR == FNR { if ($0 ~ /^[ \t]*(\*|$)/) next
                     if ($0 ~ /^\+/) { spec[cur] = spec[cur] "\n" $0; next }
                     cur = tolower($1); sub(/^[ \t]*[^ \t]+/, ""); spec[cur] = $0; next }
         { s = tolower($1) } (s in spec) && ($2 == "a" || $2 == "b") { print $1, $2, $3 spec[s]; next }
         { print }' "$1" "$NET"
}
STEMS="a b c d e"
NAMES="a.txt b.txt c.inp d e.txt"

# ---- help ----
for cmd in run grad; do
    run 0 "$cmd --help" $cmd --help && { has "$tmp/out" --inputs && has "$tmp/out" --threads &&
        ok "$cmd --help mentions --inputs and --threads" || bad "$cmd --help does not mention --inputs/--threads"; }
done

# ---- 1. run: each output = the netlist with the file's sources written in ----
if run 0 "run --inputs --format csv" run "$NET" --inputs "$IN" -o "$tmp/rc" --format csv; then
    got=$(cd "$tmp/rc" && ls -A | tr '\n' ' ')
    [ "$got" = "a.csv b.csv c.csv d.csv e.csv " ] && ok "run --inputs: one CSV per input file, hidden file and folder skipped" ||
        bad "run --inputs wrote '$got', want a.csv ... e.csv"
    set -- $NAMES
    for s in $STEMS; do
        inline "$IN/$1" >"$tmp/$s.cir"
        if run 0 "run $s.cir" run "$tmp/$s.cir" -o "$tmp/$s.ref.csv"; then
            close "$tmp/$s.ref.csv" "$tmp/rc/$s.csv" && ok "run --inputs $1: waveforms = the netlist with $1 written in ($(wc -l <"$tmp/$s.ref.csv") rows, 1e-12)" ||
                bad "run --inputs $1: waveforms differ from $s.cir's"
        fi
        shift
    done
    cmp -s "$tmp/rc/a.csv" "$tmp/rc/b.csv" && bad "run --inputs: a.csv and b.csv are equal (the overrides had no effect)"
fi
if run 0 "run --inputs (default h5)" run "$NET" --inputs "$IN" -o "$tmp/rh" -q; then
    got=$(cd "$tmp/rh" && ls -A | tr '\n' ' ')
    [ "$got" = "a.h5 b.h5 c.h5 d.h5 e.h5 " ] && ok "run --inputs: .h5 by default" || bad "run --inputs (h5) wrote '$got'"
    [ -s "$tmp/err" ] && bad "run --inputs -q: stderr not empty"
    [ -s "$tmp/out" ] && bad "run --inputs: stdout not empty"
    if command -v h5dump >/dev/null && run 0 "run a.cir -o a.h5" run "$tmp/a.cir" -o "$tmp/a.ref.h5"; then
        cmp -s <(h5dump "$tmp/a.ref.h5" | sed 1d) <(h5dump "$tmp/rh/a.h5" | sed 1d) && ok "run --inputs: a.h5 holds what a.cir -o a.h5 holds (h5dump)" ||
            bad "run --inputs: a.h5 differs from a.cir's (h5dump)"
    fi
fi
if run 0 "run --inputs --format raw" run "$NET" --inputs "$IN" -o "$tmp/rr/" --format raw -q; then
    [ "$(ls "$tmp/rr" | tr '\n' ' ')" = "a.raw b.raw c.raw d.raw e.raw " ] && head -c 200 "$tmp/rr/c.raw" | grep -q '^Plotname: Transient' &&
        ok "run --inputs --format raw: ngspice raw files" || bad "run --inputs --format raw: $(ls "$tmp/rr")"
fi

# ---- 1b. .ac: a file's `ac MAG PHASE` is the source's phasor; without one, the netlist's ----
mkdir -p "$tmp/ac_in"
printf 'rc low-pass\nv1 in 0 dc 0 ac 1\nr1 in out 1k\nc1 out 0 1u\n.ac lin 3 100 300\n.end\n' >"$tmp/ac.cir"
sed 's/^v1 in 0 dc 0 ac 1$/v1 in 0 dc 0.5 ac 2 90/' "$tmp/ac.cir" >"$tmp/ac_p.cir"
printf 'v1 dc 0.5 ac 2 90\n' >"$tmp/ac_in/p.txt"
printf 'v1 dc 0.5\n' >"$tmp/ac_in/q.txt"
if run 0 "run --inputs (.ac)" run "$tmp/ac.cir" --inputs "$tmp/ac_in" -o "$tmp/ac_out" --format csv -q &&
        run 0 "run ac_p.cir" run "$tmp/ac_p.cir" -o "$tmp/ac_p.csv" && run 0 "run ac.cir" run "$tmp/ac.cir" -o "$tmp/ac.csv"; then
    close "$tmp/ac_p.csv" "$tmp/ac_out/p.csv" && ! close "$tmp/ac.csv" "$tmp/ac_out/p.csv" &&
        ok "run --inputs .ac: 'ac 2 90' in the file = the netlist with AC 2 90 written in" ||
        bad "run --inputs .ac: the file's AC phasor was not used"
    close "$tmp/ac.csv" "$tmp/ac_out/q.csv" && ok "run --inputs .ac: a file without AC keeps the netlist's phasor" ||
        bad "run --inputs .ac: a file without AC changed the phasor"
fi

# ---- 2. grad: per-file tables and summary.csv ----
if run 0 "grad --inputs --format csv" grad "$NET" --inputs "$IN" -o "$tmp/gc" --format csv; then
    [ "$(awk 'NR > 1 {print $1}' "$tmp/out" | tr '\n' ' ')" = "$NAMES " ] && ok "grad --inputs: a loss table on stdout" ||
        { bad "grad --inputs: stdout table"; cat "$tmp/out"; }
    set -- $NAMES
    for s in $STEMS; do
        if run 0 "grad $s.cir" grad "$tmp/$s.cir" -o "$tmp/$s.ref.g.csv"; then
            close "$tmp/$s.ref.g.csv" "$tmp/gc/$s.csv" && ok "grad --inputs $1: loss and gradient = the netlist with $1 written in (1e-12)" ||
                bad "grad --inputs $1: differs from grad $s.cir"; diff "$tmp/$s.ref.g.csv" "$tmp/gc/$s.csv" | head -4
        fi
        shift
    done
    S=$tmp/gc/summary.csv
    if [ "$(head -1 "$S")" != "file,loss,dloss/d(r1),dloss/d(r2),dloss/d(c1)" ]; then bad "summary.csv header: $(head -1 "$S")"
    elif [ "$(cut -d, -f1 "$S" | sed 1d | tr '\n' ' ')" != "$NAMES " ]; then bad "summary.csv files: $(cut -d, -f1 "$S" | tr '\n' ' ')"
    else
        # each row: loss and the gradient column of that file's own CSV (name,value,gradient)
        okrows=1
        set -- $NAMES
        for s in $STEMS; do
            want=$(awk -F, -v f="$1" 'NR > 1 && $1 == "loss" {l = $2} NR > 1 && $1 != "loss" {g = g "," $3} END {print f "," l g}' "$tmp/gc/$s.csv")
            [ "$(grep "^$1," "$S")" = "$want" ] || { okrows=0; echo "     summary: $(grep "^$1," "$S") / want $want"; }
            shift
        done
        [ $okrows = 1 ] && ok "grad --inputs: summary.csv = file, loss, gradient of every file, in file order" || bad "grad --inputs: summary.csv rows differ"
    fi
fi
if run 0 "grad --inputs (h5)" grad "$NET" --inputs "$IN" -o "$tmp/gh" -q; then
    [ "$(ls "$tmp/gh" | tr '\n' ' ')" = "a.h5 b.h5 c.h5 d.h5 e.h5 summary.csv " ] && ok "grad --inputs: .h5 per file and summary.csv" ||
        bad "grad --inputs (h5) wrote $(ls "$tmp/gh" | tr '\n' ' ')"
    cmp -s "$tmp/gh/summary.csv" "$tmp/gc/summary.csv" && ok "grad --inputs: the same summary.csv for --format h5 and csv" ||
        bad "grad --inputs: summary.csv depends on --format"
fi

# ---- 3. threads ----
if run 0 "run --inputs --threads 1" run "$NET" --inputs "$IN" -o "$tmp/r1" --format csv --threads 1 -q &&
    run 0 "run --inputs --threads 3" run "$NET" --inputs "$IN" -o "$tmp/r3" --format csv --threads 3 -q &&
    run 0 "grad --inputs --threads 3" grad "$NET" --inputs "$IN" -o "$tmp/g3" --format csv --threads 3 -q; then
    diff -rq "$tmp/r1" "$tmp/r3" >/dev/null && diff -rq "$tmp/r1" "$tmp/rc" >/dev/null && diff -rq "$tmp/g3" "$tmp/gc" >/dev/null &&
        ok "--threads 1, 3 and the default: byte-identical outputs" || bad "outputs depend on --threads"
fi

# ---- 4. errors ----
# bad FILE-TEXT WANT-IN-MESSAGE DESCRIPTION: exit 1, "memspice: error: DIR/z.txt:..." with WANT, no output folder
badfile() {
    rm -rf "$tmp/e" "$tmp/eo"; mkdir "$tmp/e"; cp "$IN/a.txt" "$tmp/e/"
    printf '%b' "$1" >"$tmp/e/z.txt"
    if run 1 "$3" run "$NET" --inputs "$tmp/e" -o "$tmp/eo"; then
        msg=$(grep -m1 '^memspice: error:' "$tmp/err")
        if ! echo "$msg" | grep -qF "$tmp/e/z.txt:$2"; then bad "$3: message '$msg' lacks 'z.txt:$2'"
        elif [ -e "$tmp/eo" ]; then bad "$3: the output folder was made"
        else ok "$3: exit 1, 'z.txt:${msg#*z.txt:}'"; fi
    fi
}
badfile 'vx dc 1\n' "1:1: 'vx' is not an independent source" "unknown source"
badfile '* c\nvin0 pwl(0 0 1n)\n' "2:9: PWL needs (time, value) pairs" "odd PWL"
badfile 'vin0 1\nvin1 2\nvin0 3\n' "3:1: source 'vin0' given twice (first on line 1)" "a source twice"
badfile 'vin0\n' "1:1: a value or waveform expected" "a name alone"
badfile 'vin0 dc {vamp}\n' "1:9: unknown parameter vamp" ".param names are not visible"
badfile 'vin0 dc 1 xyz\n' "1:11: unexpected 'xyz'" "a stray word"
badfile 'vin0 pwl(0 0 1n 1\n' "1:17: ')' expected" "an open parenthesis"
badfile 'vin1 sffm(0 1 2)\n' "1:6: source function 'sffm' is not supported" "an unsupported waveform"
badfile 'vin0 pwl(1n 0 0 1)\n' "1:1: vin0: PWL times must not decrease" "decreasing PWL times"

mkdir -p "$tmp/empty" "$tmp/clash" "$tmp/sum"
run 1 "an empty folder" run "$NET" --inputs "$tmp/empty" -o "$tmp/x1" && has "$tmp/err" "no input files" &&
    ok "an empty --inputs folder: exit 1, '$(head -1 "$tmp/err" | sed "s|$tmp/||g")'"
run 1 "a missing folder" run "$NET" --inputs "$tmp/nowhere" -o "$tmp/x1" && has "$tmp/err" "nowhere" &&
    ok "a missing --inputs folder: exit 1"
printf 'vin0 1\n' >"$tmp/clash/x.txt"; printf 'vin0 2\n' >"$tmp/clash/x.dat"
run 1 "two files, one output name" run "$NET" --inputs "$tmp/clash" -o "$tmp/x1" && has "$tmp/err" "would both write the output 'x'" &&
    ok "x.dat and x.txt: exit 1, '$(head -1 "$tmp/err" | sed "s|$tmp/||g")'"
printf 'vin0 1\n' >"$tmp/sum/summary.txt"
run 1 "an input named summary" grad "$NET" --inputs "$tmp/sum" -o "$tmp/x1" --format csv && has "$tmp/err" "would write over" &&
    ok "grad --format csv with an input file summary.txt: exit 1 (summary.csv is grad's)"
[ -e "$tmp/x1" ] && bad "an output folder was made by a failing set-up"

# a file that does not simulate (an absurd source): named, the others complete, no summary.csv
rm -rf "$tmp/sim"; mkdir "$tmp/sim"; cp "$IN/a.txt" "$IN/b.txt" "$tmp/sim/"; printf 'vin0 dc 1e30\n' >"$tmp/sim/c.txt"
if run 1 "a file that does not converge" grad "$NET" --inputs "$tmp/sim" -o "$tmp/so" --format csv --threads 2; then
    msg=$(grep -m1 '^memspice: error:' "$tmp/err")
    if ! echo "$msg" | grep -q "sim/c.txt: .*converge"; then bad "a file that does not converge: message '$msg'"
    elif [ -e "$tmp/so/summary.csv" ]; then bad "a failing file: summary.csv written"
    elif ls "$tmp/so" | grep -q 'tmp\.'; then bad "a failing file: a temporary file left: $(ls "$tmp/so")"
    elif ! cmp -s "$tmp/so/a.csv" "$tmp/gc/a.csv" || ! cmp -s "$tmp/so/b.csv" "$tmp/gc/b.csv"; then bad "a failing file: the other files' outputs differ"
    else ok "a file that does not converge: exit 1, '$(echo "$msg" | sed "s|$tmp/||g")', the others complete"; fi
fi
# grad of a netlist without .loss: the first file names the problem
sed '/^\.loss/d' "$NET" >"$tmp/noloss.cir"
run 1 "grad --inputs without .loss" grad "$tmp/noloss.cir" --inputs "$IN" -o "$tmp/nl" -q && has "$tmp/err" "in/a.txt: .*loss" &&
    ok "grad --inputs of a netlist without .loss: exit 1, '$(head -1 "$tmp/err" | sed "s|$tmp/||g")'"

# ---- .meas cards: OUTDIR/<file>.meas per input, equal to a single run's .meas file ----
M=netlists/rc_measure.cir
mkdir "$tmp/mi"
printf 'v1 pulse(0 1 0.1m 1u 1u 3m 6m)\n' >"$tmp/mi/same.txt"   # the netlist's own source
printf 'v1 pulse(0 2 0.1m 1u 1u 3m 6m)\n' >"$tmp/mi/twice.txt"
printf 'v1 dc 0\n' >"$tmp/mi/flat.txt"
if run 0 "run --inputs with .meas" run "$M" --inputs "$tmp/mi" -o "$tmp/mo" --format csv &&
        "$MEMSPICE" run "$M" -o "$tmp/single.csv" -q >/dev/null 2>&1; then
    cmp -s "$tmp/single.meas" "$tmp/mo/same.meas" && ok "--inputs: same.meas = the single run's .meas file" ||
        bad "--inputs: same.meas differs from the single run's"
    # a linear circuit: twice the amplitude, twice the peak, the input's mean and the charge
    # (to the step control's tolerance: the two runs take their own steps)
    if awk -F, 'FNR == 1 {f++} f == 1 {a[$1] = $2} f == 2 {b[$1] = $2}
            function two(k) {r = b[k] / a[k]; return r > 2 - 1e-6 && r < 2 + 1e-6}
            END {exit !(two("vout_max") && two("vin_avg") && two("charge"))}' \
            "$tmp/mo/same.meas" "$tmp/mo/twice.meas"; then
        ok "--inputs: twice.meas has twice vout_max, vin_avg and charge"
    else bad "--inputs: twice.meas does not scale"; fi
    grep -q '^rise_time,,".*no such crossing' "$tmp/mo/flat.meas" &&
        has "$tmp/err" "flat.csv: measure 'rise_time' failed: TRIG v(out)=0.1 RISE=1: no such crossing" &&
        ok "--inputs: a measure that fails on one file: its reason in flat.meas and on stderr, exit 0" ||
        bad "--inputs: the failed measure of flat.txt"
fi

run 2 "--inputs without -o" run "$NET" --inputs "$IN" && has "$tmp/err" "needs -o OUTDIR" && ok "--inputs without -o: exit 2"
run 2 "run --format bad" run "$NET" --inputs "$IN" -o "$tmp/x2" --format xls && ok "run --inputs --format xls: exit 2"
run 2 "grad --format raw" grad "$NET" --inputs "$IN" -o "$tmp/x2" --format raw && ok "grad --format raw: exit 2"
run 2 "grad --inputs --check-fd" grad "$NET" --inputs "$IN" -o "$tmp/x2" --check-fd && ok "grad --inputs --check-fd: exit 2"
run 2 "--threads 0" run "$NET" --inputs "$IN" -o "$tmp/x2" --threads 0 && ok "--threads 0: exit 2"
[ -e "$tmp/x2" ] && bad "a usage error made the output folder"

echo "inputs: $n checks, $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
