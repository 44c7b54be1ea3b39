#!/usr/bin/env bash
# input_sets.sh DIR — the fixture of tests/e2e/inputs.sh and mpi.sh for
# `memspice run|grad --inputs`: DIR/net.cir (two DC sources vin0, vin1 into an
# RC node with a diode; .loss and .trainable for grad) and DIR/in/ with five
# input files, one per source syntax (DC, PWL with '+' continuation and r=,
# PULSE, SIN, an {expression}, upper case, comments), plus a hidden file and
# a folder that must be skipped.
set -eu
d=$1
mkdir -p "$d/in/sub"
cat >"$d/net.cir" <<'NET'
two inputs into an RC node with a diode (memspice run/grad --inputs tests)
vin0 a 0 dc 0
vin1 b 0 dc 0
r1 a out 1k
r2 b out 2k
c1 out 0 100n
d1 out 0 dmod
.model dmod d is=1e-14
.tran 1u 500u
.loss integral v(out)
.loss value v(out) at=250u
.trainable r1 r2 c1
.end
NET
printf '* DC and PWL\nvin0 dc 0.3\nvin1 pwl(0 0 100u 1 200u 1 300u 0)\n' >"$d/in/a.txt"
printf 'vin0 pulse(0 1 10u 5u 5u 100u 250u)\n' >"$d/in/b.txt"
printf 'vin1 sin(0 0.5 5k)\nVIN0 0.2 ; an inline comment\n' >"$d/in/c.inp"
printf 'vin0 pwl(0 0 50u 0.5\n+ 100u 0.8 r=0)\n' >"$d/in/d"
printf 'vin0 dc {2*0.15}\nvin1 -0.1\n' >"$d/in/e.txt"
printf 'vin0 dc 9\n' >"$d/in/.hidden"
printf 'vin0 dc 9\n' >"$d/in/sub/f.txt"
