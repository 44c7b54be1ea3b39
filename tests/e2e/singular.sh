#!/usr/bin/env bash
# singular.sh — structurally singular circuits: memspice must exit with 1,
# say "singular matrix", name the node or branch at fault, and write no
# output file.  Cases: a node connected only through a capacitor (floating
# at DC), also inside a subcircuit; two and three voltage sources in a
# loop; an inductor across a voltage source (a loop at DC); a voltage-source
# loop met only in the transient (uic skips the operating point).
set -u
: "${MEMSPICE:?set MEMSPICE to the memspice binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0

# check NAME EXPECTED-REGEX (the name in the message), netlist on stdin
check() {
    local name=$1 want=$2
    n=$((n + 1))
    cat >"$tmp/$name.cir"
    "$MEMSPICE" run "$tmp/$name.cir" -o "$tmp/$name.csv" >"$tmp/out" 2>"$tmp/err"
    local rc=$? problems=()
    [ "$rc" -eq 1 ] || problems+=("exit code $rc, want 1")
    grep 'memspice: error:' "$tmp/err" | grep -q 'singular matrix' || problems+=("no 'singular matrix' error")
    grep 'memspice: error:' "$tmp/err" | grep -Eq "$want" || problems+=("message does not name $want")
    grep -q "$name.cir" "$tmp/err" || problems+=("message does not name the netlist")
    grep -q 'Sanitizer\|runtime error:' "$tmp/err" && problems+=("sanitizer report")
    ls "$tmp" | grep -q "^$name.csv" && problems+=("an output file was left behind")
    if [ ${#problems[@]} -gt 0 ]; then
        fail=$((fail + 1))
        echo "FAIL $name: $(IFS=';'; echo "${problems[*]}")"
        sed 's/^/     stderr| /' "$tmp/err" | head -10
    else
        echo "ok   $name: $(grep 'memspice: error:' "$tmp/err")"
    fi
}

check floating_cap "node 'b'" <<'N'
capacitor-only node at DC
V1 a 0 DC 1
R1 a 0 1k
C1 a b 1u
.op
.end
N

check floating_cap_tran "node 'float'" <<'N'
capacitor-only node before a transient
V1 in 0 PULSE(0 1 1u 1u 1u 5u 10u)
R1 in mid 1k
C1 mid 0 1n
C2 mid float 1u
.tran 1u 20u
.end
N

check floating_in_subckt "node 'x1\.n3'" <<'N'
floating internal node of a subcircuit instance
.subckt blk p
R1 p 0 1k
C1 p n3 1u
.ends
V1 a 0 1
X1 a blk
.tran 1u 10u
.end
N

check floating_first_unknown "node 'b'" <<'N'
the floating node is the first unknown created
C1 b a 1u
R2 c a 1k
R3 c d 1k
R4 d 0 1k
V1 a 0 1
R1 a 0 1k
.op
.end
N

check floating_island "node '[cd]'" <<'N'
two nodes joined by resistors, tied to the rest only by a capacitor
V1 a 0 1
R1 a b 1k
C1 b c 1u
R2 c d 1k
R3 d c 1k
.op
.end
N

check two_vsources "branch 'v[12]#branch'" <<'N'
two voltage sources in parallel
V1 a 0 DC 1
V2 a 0 DC 2
R1 a 0 1k
.op
.end
N

check three_vsource_loop "branch 'v[123]#branch'" <<'N'
three voltage sources in a loop (consistent values: still singular)
V1 a 0 1
V2 b a 2
V3 b 0 3
R1 a 0 1k
R2 b 0 1k
.op
.end
N

check inductor_across_vsource "branch '(v1|l1)#branch'" <<'N'
an inductor across a voltage source is a loop at DC
V1 a 0 1
L1 a 0 1m
R1 a 0 1k
.tran 1u 10u
.end
N

check vloop_in_transient "singular matrix in transient.*branch 'v[12]#branch'" <<'N'
voltage-source loop met in the first transient step (uic)
V1 a 0 1
V2 a 0 PULSE(0 1 1u 1u 1u 5u 10u)
R1 a 0 1k
.tran 1u 20u uic
.end
N

echo "singular: $n cases, $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
