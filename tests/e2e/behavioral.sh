#!/usr/bin/env bash
# behavioral.sh — B sources, E/G value=, behavioral resistors in whole runs.
#
# Runtime evaluation errors: a source drives an expression out of its
# domain at a time t* known in closed form (ln(V(a) - 5) with V(a) ramping
# from 10 V to 0 in 1 ms: t* = 0.5 ms, ...).  memspice must exit with 1,
# print "memspice: error:" with the netlist's file:line of the element, the
# instance name (x1.b1 inside a subcircuit), the expression text and a time
# within the tolerance of t*, write no output file and raise no sanitizer
# report.  Also inside a batch of instances that share their code (the one
# that fails is named), through I(), and in fixed-step mode.
#
# Results in closed form: algebraic relations that hold at every output
# point (v(b) = v(a)^2, G driven by time, behavioral R as a divider, I()),
# the ODE dx/dt = -x^2 (x = 1/(1 + t)), an operating point whose starting
# point lies outside an expression's domain (ngspice solves these too),
# and 70 instances of one expression (two batches of lanes).
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0 xfail=0

ok()  { n=$((n + 1)); echo "ok   $1"; }
bad() {
    n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"
    [ -s "$tmp/err" ] && sed 's/^/     stderr| /' "$tmp/err" | head -8
}

# err_case NAME INSTANCE EXPR-TEXT T* TTOL LINE [memspice args], netlist on stdin
err_case() {
    local name=$1 inst=$2 text=$3 tstar=$4 ttol=$5 line=$6
    shift 6
    cat >"$tmp/$name.cir"
    "$MEMSPICE" run "$tmp/$name.cir" -o "$tmp/$name.csv" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$? problems=()
    local msg
    msg=$(grep 'memspice: error:' "$tmp/err" | head -1)
    [ "$rc" -eq 1 ] || problems+=("exit code $rc, want 1")
    [ -n "$msg" ] || problems+=("no 'memspice: error:'")
    grep -qF -- "$name.cir:$line:" <<<"$msg" || problems+=("no '$name.cir:$line:'")
    grep -qiF -- "$inst:" <<<"$msg" || problems+=("instance '$inst' not named")
    grep -qiF -- "'$text'" <<<"$msg" || problems+=("expression '$text' not quoted")
    local t
    t=$(sed -n 's/.* at t=\([-+0-9.eE]*\).*/\1/p' <<<"$msg")
    if [ -z "$t" ]; then
        problems+=("no 't=' in the message")
    elif ! awk -v t="$t" -v s="$tstar" -v d="$ttol" 'BEGIN { e = t - s; if (e < 0) e = -e; exit !(e <= d) }'; then
        problems+=("t=$t, want $tstar +- $ttol")
    fi
    grep -q 'Sanitizer\|runtime error:' "$tmp/err" && problems+=("sanitizer report")
    ls "$tmp" | grep -q "^$name.csv" && problems+=("an output file was left behind")
    if [ ${#problems[@]} -gt 0 ]; then
        bad "$name: $(IFS=';'; echo "${problems[*]}")"
    else
        ok "$name: ${msg#memspice: error: }"
    fi
}

# ---- evaluation errors during a transient ----
err_case ln_negative b1 'ln(v(a)-5)' 5e-4 1e-7 3 <<'N'
ln of V(a) - 5 with V(a) falling from 10 V to 0 in 1 ms: argument 0 at 0.5 ms
V1 a 0 PWL(0 10 1m 0)
B1 a 0 I={ln(V(a)-5)}
.tran 10u 1m
.end
N
err_case sqrt_negative e1 'sqrt(v(a))' 5e-4 1e-7 3 <<'N'
square root of a sine: negative from half a period on
V1 a 0 SIN(0 1 1k)
E1 o 0 value={sqrt(V(a))}
R1 o 0 1k
.tran 10u 1m
.end
N
err_case zero_resistance r1 'v(c)' 1e-3 1e-9 4 <<'N'
behavioral resistance V(c) reaching 0 at the 1 ms corner of a PWL
V1 c 0 PWL(0 1 1m 0 2m 1)
V2 a 0 1
R1 a 0 r={V(c)}
.tran 10u 2m
.end
N
err_case in_subckt x1.b1 'log10(v(p))*1m' 5e-4 1e-7 3 <<'N'
log10 inside a subcircuit instance: V(p) crosses 0 at 0.5 ms
.subckt lg p
B1 p 0 I={log10(V(p))*1m}
.ends
V1 a 0 PWL(0 1 1m -1)
X1 a lg
.tran 10u 1m
.end
N
err_case div_zero b1 '1/(v(a)-0.5)' 5e-4 1e-9 3 <<'N'
division by zero exactly at a PWL corner (0.5 ms)
V1 a 0 PWL(0 1 0.5m 0.5 1m 0)
B1 n 0 V={1/(V(a)-0.5)}
R1 n 0 1k
.tran 10u 1m
.end
N
# exp(1000 v) has the slope 1000 exp(1000 v), which overflows first, at
# v = (ln(DBL_MAX) - ln(1000)) / 1000 = 0.702875 V, reached at 0.702875 ms;
# chord iterations evaluate values only and may meet the slope at a later
# factorization, but before the value overflows (ln(DBL_MAX) / 1000: 0.709783 ms)
err_case exp_overflow b1 'exp(v(a)*1k)' 7.06329e-4 3.454e-6 3 <<'N'
exp overflow on a ramp
V1 a 0 PWL(0 0 1m 1)
B1 n 0 V={exp(V(a)*1k)}
R1 n 0 1k
.tran 10u 1m
.end
N
# fixed steps of 10 us: 0.70 ms is fine (exp(700) = 1e304), 0.71 ms is not
err_case exp_overflow_fixed b1 'exp(v(a)*1k)' 7.1e-4 1e-12 3 --fixed-step <<'N'
exp overflow on a ramp, fixed steps
V1 a 0 PWL(0 0 1m 1)
B1 n 0 V={exp(V(a)*1k)}
R1 n 0 1k
.tran 10u 1m
.end
N
err_case batch_lane b2 'ln(v(a2))' 5e-4 1e-7 6 <<'N'
three instances of the same code; only the second one's argument reaches 0
V1 a1 0 PWL(0 1 1m 0.5)
V2 a2 0 PWL(0 1 1m -1)
V3 a3 0 PWL(0 1 1m 0.2)
B1 n1 0 V={ln(V(a1))}
B2 n2 0 V={ln(V(a2))}
B3 n3 0 V={ln(V(a3))}
R1 n1 0 1k
R2 n2 0 1k
R3 n3 0 1k
.tran 10u 1m
.end
N
err_case branch_current b1 'sqrt(i(vs))' 5e-4 1e-7 5 <<'N'
square root of a branch current that changes sign at 0.5 ms
V1 a 0 PWL(0 1 1m -1)
Vs a m 0
R1 m 0 1k
B1 n 0 V={sqrt(I(vs))}
R2 n 0 1k
.tran 10u 1m
.end
N
err_case ternary_branch b1 'v(a) > 0.25 ? 1 : ln(v(a))' 5e-4 1e-7 3 <<'N'
the ln branch is taken from 0.375 ms on and fails at 0.5 ms
V1 a 0 PWL(0 1 1m -1)
B1 n 0 V={V(a) > 0.25 ? 1 : ln(V(a))}
R1 n 0 1k
.tran 10u 1m
.end
N

# ---- an error at the operating point: known to lose its message ----
cat >"$tmp/op_error.cir" <<'N'
ln of a negative DC voltage
V1 a 0 -1
B1 n 0 V={ln(V(a))}
R1 n 0 1k
.op
.end
N
"$MEMSPICE" run "$tmp/op_error.cir" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && grep 'memspice: error:' "$tmp/err" | grep -qi "b1:.*'ln(v(a))'.*t=0"; then
    ok "op_error: $(grep 'memspice: error:' "$tmp/err")"
elif [ "$rc" -eq 1 ] && ! grep -q 'Sanitizer\|runtime error:' "$tmp/err"; then
    xfail=$((xfail + 1))
    echo "xfail op_error (known bug: DC stepping replaces the evaluation error): $(grep 'memspice: error:' "$tmp/err")"
else
    bad "op_error: exit code $rc, want 1"
fi

# ---- results in closed form ----
# run NAME [args]: netlist on stdin, CSV in $tmp/NAME.csv
run() {
    local name=$1
    shift
    cat >"$tmp/$name.cir"
    "$MEMSPICE" run "$tmp/$name.cir" -q -o "$tmp/$name.csv" "$@" >"$tmp/out" 2>"$tmp/err"
}
# col NAME VECTOR: the CSV column number of VECTOR
col() { head -1 "$tmp/$1.csv" | tr ',' '\n' | grep -nx -- "$2" | cut -d: -f1; }

# algebraic relations, with chord iterations (the default) and with plain
# Newton (chord=0).  Newton stops once an update is within tolerance and
# leaves what is second order in that update (~1e-8 here); a chord iteration
# stops when its estimated error is 1e-4 of the tolerance, which is ~8e-4 V
# on v(f): ~8e-8 V (measured 4.0e-7: the estimate is not a bound).  ngspice
# leaves 1e-3 on v(b), v(c).
for mode in chord:1e-6 chord=0:1e-7; do
    opt=${mode%%:*} bound=${mode##*:}
    [ "$opt" = chord ] && opt=''
    if run algebraic <<N
relations that hold at every time point
V1 a 0 SIN(0 2 1k)
B1 b 0 V={V(a)*V(a)}
E1 c 0 value={pwr(V(a),3)/4}
G1 0 d value={sin(2*pi*1k*time)*1m}
Rd d 0 1k
B2 e 0 I={-V(a)*1m}
Re e 0 1k
R1 a f r={1k + 500*V(a)*V(a)}
Rf f 0 1k
Vs a g 0
Rg g 0 2k
B3 h 0 V={I(vs)*1k}
${opt:+.options $opt}
.tran 10u 2m
.end
N
    then
        worst=$(awk -F, -v A="$(col algebraic 'v(a)')" -v B="$(col algebraic 'v(b)')" -v C="$(col algebraic 'v(c)')" \
            -v D="$(col algebraic 'v(d)')" -v E="$(col algebraic 'v(e)')" -v F="$(col algebraic 'v(f)')" \
            -v H="$(col algebraic 'v(h)')" '
            function chk(got, want, what) { e = got - want; if (e < 0) e = -e; if (e > w) { w = e; ww = what "@t=" $1 } }
            NR > 1 { a = $A
                     chk($B, a * a, "v(b)"); chk($C, a * a * a / 4, "v(c)")
                     chk($D, sin(2 * 3.14159265358979324 * 1000 * $1), "v(d)"); chk($E, a, "v(e)")
                     chk($F, a * 1000 / (2000 + 500 * a * a), "v(f)"); chk($H, a / 2, "v(h)") }
            END { printf "%.3g %s %d\n", w, ww, NR - 1 }' "$tmp/algebraic.csv")
        set -- $worst
        if [ "${3:-0}" -ge 100 ] && awk -v w="$1" -v b="$bound" 'BEGIN { exit !(w <= b) }'; then
            ok "algebraic (${opt:-chord iterations}): B, E, G value=, behavioral R and I() hold at all ${3} points (largest error $1)"
        else
            bad "algebraic (${opt:-chord iterations}): largest error $1 ($2) over ${3:-0} points, want <= $bound"
        fi
    else
        bad "algebraic (${opt:-chord iterations}): memspice failed"
    fi
done

if run riccati <<'N'
dx/dt = -x^2, x(0) = 1: x = 1/(1 + t)
B1 x 0 I={V(x)*V(x)}
C1 x 0 1 IC=1
.tran 10m 2 uic
.end
N
then
    worst=$(awk -F, -v X="$(col riccati 'v(x)')" 'NR > 1 { e = ($X - 1 / (1 + $1)) * (1 + $1); if (e < 0) e = -e; if (e > w) w = e }
                                                   END { printf "%.3g %d\n", w, NR - 1 }' "$tmp/riccati.csv")
    set -- $worst
    if [ "$2" -ge 20 ] && awk -v w="$1" 'BEGIN { exit !(w <= 2e-3) }'; then
        ok "riccati: x = 1/(1+t) within $1 (relative) at $2 points"
    else
        bad "riccati: relative error $1 at $2 points, want <= 2e-3"
    fi
else
    bad "riccati: memspice failed"
fi

# operating points whose solve starts (at 0 V) outside the domain of an
# expression; ngspice -b solves each: v(n1) = 0.5, v(n2) = ln 5, v(n3) = 2/3,
# and v(m1) = 0, v(m2) = 1 (two instances of one code, batched)
if run op_domain <<'N'
starting points outside the domain
Vc c 0 2
B1 n1 0 V={1/V(c)}
R1 n1 0 1
Va a 0 10
B2 n2 0 V={ln(V(a) - 5)}
R2 n2 0 1
R3 c n3 r={V(c)*1k}
R4 n3 0 1k
Vk1 k1 0 1
Vk2 k2 0 2.718281828459045
B5 m1 0 V={ln(V(k1))}
B6 m2 0 V={ln(V(k2))}
R5 m1 0 1
R6 m2 0 1
.op
.end
N
then
    vals=$(awk -F, -v A="$(col op_domain 'v(n1)')" -v B="$(col op_domain 'v(n2)')" -v C="$(col op_domain 'v(n3)')" \
        -v D="$(col op_domain 'v(m1)')" -v E="$(col op_domain 'v(m2)')" 'NR == 2 { print $A, $B, $C, $D, $E }' "$tmp/op_domain.csv")
    if awk -v v="$vals" 'BEGIN { split(v, x, " "); e1 = x[1] - 0.5; e2 = x[2] - log(5); e3 = x[3] - 2 / 3; e4 = x[4]; e5 = x[5] - 1
                          exit !(e1 * e1 < 1e-20 && e2 * e2 < 1e-20 && e3 * e3 < 1e-20 && e4 * e4 < 1e-20 && e5 * e5 < 1e-20) }'; then
        ok "op_domain: 1/V(c), ln(V(a) - 5), r={V(c)*1k}, ln(V(k)) solved from 0 V ($vals)"
    else
        bad "op_domain: got '$vals', want 0.5 $(awk 'BEGIN { print log(5) }') 0.666667 0 1"
    fi
else
    bad "op_domain: $(grep 'error' "$tmp/err" | head -1)"
fi

# 70 instances of one expression on 70 different nodes: two batches of lanes
{
    echo "seventy instances"
    for k in $(seq 1 70); do
        echo "V$k n$k 0 $(awk -v k="$k" 'BEGIN { printf "%.2f", k / 10 - 3 }')"
        echo "B$k m$k 0 V={V(n$k)*V(n$k) + sin(V(n$k))}"
        echo "R$k m$k 0 1k"
    done
    echo ".op"
    echo ".end"
} | run seventy
if [ -s "$tmp/seventy.csv" ]; then
    worst=$(awk -F, 'NR == 1 { for (j = 1; j <= NF; j++) c[$j] = j }
        NR == 2 { w = 0; m = 0
                  for (k = 1; k <= 70; k++) { x = k / 10 - 3; e = $(c["v(m" k ")"]) - (x * x + sin(x)); if (e < 0) e = -e
                                              if (e > w) w = e; if ($(c["v(n" k ")"]) != "") m++ }
                  printf "%.3g %d\n", w, m }' "$tmp/seventy.csv")
    set -- $worst
    if [ "$2" -eq 70 ] && awk -v w="$1" 'BEGIN { exit !(w <= 1e-9) }'; then
        ok "seventy: x^2 + sin(x) at 70 instances (largest error $1)"
    else
        bad "seventy: largest error $1 over $2 instances"
    fi
else
    bad "seventy: memspice failed"
fi

echo "behavioral: $n checks, $((n - fail)) passed, $fail failed, $xfail known bugs (xfail)"
[ "$fail" -eq 0 ]
