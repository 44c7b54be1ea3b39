#!/usr/bin/env python3
"""grad_bench.py — cost of `memspice grad`: the backward sweep against the
forward run, and peak memory with and without checkpointing.

usage: grad_bench.py [--quick] [--out bench/results-grad.md]

Cases (fixed steps, so both runs take the same N steps):
  crossbar_20x10  bench/gen_crossbar.py 20 10, tstep 10 ns over 1 ms = 100,000
                  steps; .loss on two columns, .trainable column loads and two
                  row sources; uic start from the netlist's .ic
  mif_16          16 MIF neurons (models/mif.lib, native MMS memristors) under
                  pulse trains, 100,000 steps of 0.1 us; .loss on a membrane and a
                  state, .trainable memristor parameters, a capacitor, a source
  rc_ladder_100   bench/gen_rc_ladder.py 100 sections, 100,000 steps; .loss on
                  the end node, .trainable three resistors and a capacitor
Each runs `memspice grad --fixed-step` with --checkpoint 0 (every step stored)
and --checkpoint auto (about sqrt(N)); the report gives forward and backward
seconds (as memspice measures them), backward/forward, the trajectory memory
memspice reports, the process's peak RSS, and whether the two gradients are
bit-identical.  --quick: 10,000 steps.
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MS = os.path.join(ROOT, "build", "memspice")
OUT = os.path.join(HERE, "out", "grad")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def crossbar(steps):
    tstep = 1e-3 / steps
    net = sh([sys.executable, os.path.join(HERE, "gen_crossbar.py"), "20", "10", "--tstep", repr(tstep)]).stdout
    net = re.sub(r"(?m)^(\.tran .*)$", r"\1 uic", net)
    extra = ".loss integral v(c0)\n.loss sqerr v(c3) target=pwl(0 0 1m 0.05)\n.trainable rl0 rl3 cl5 v0 v1\n"
    return add_cards(net, extra)


def add_cards(net, extra):
    """Insert cards before the final .end line (not into .ends)."""
    return re.sub(r"(?m)^\.end\s*$", extra + ".end", net)


def ladder(steps):
    net = sh([sys.executable, os.path.join(HERE, "gen_rc_ladder.py"), "100", str(steps), "1e-9"]).stdout
    extra = ".loss integral v(n100)\n.trainable r1 r50 r100 c50\n"
    return add_cards(net, extra)


def mif(steps):
    """16 MIF neurons (models/mif.lib, native MMS) driven by pulse trains of
    different amplitudes, 10 ms."""
    tstep = 10e-3 / steps
    lines = ["16 MIF neurons for the gradient benchmark",
             ".lib %s mif_native" % os.path.join(ROOT, "models", "mif.lib")]
    for k in range(16):
        amp = 2e-6 + 1.2e-6 * k
        lines.append("I%d 0 m%d PULSE(0 %g %gu 1u 1u 50u 400u)" % (k, k, amp, 20 + 10 * k))
        lines.append("X%d m%d mif_native x01=7.52e-3 x02=8.59e-5 vm0=18.31m" % (k, k))
    lines += [".tran %r 10m uic" % tstep,
              ".loss sqerr v(m3) target=pwl(0 18m 10m 18m)",
              ".loss integral x(x7.m1)",
              ".trainable x3.m1:tau x3.m2:von x7.m1:kt x3.cm i3",
              ".end"]
    return "\n".join(lines) + "\n"


def run(net_path, ckpt):
    out_csv = net_path + ".ckpt-%s.csv" % ckpt
    cmd = [sys.executable, os.path.join(HERE, "measure.py"), "--", MS, "grad", net_path, "--fixed-step",
           "--checkpoint", ckpt, "-o", out_csv]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("grad_bench: memspice grad failed on %s:\n%s" % (net_path, p.stderr))
    meas = json.loads(p.stdout.strip().splitlines()[-1])
    m = re.search(r"grad: (\d+) time points, forward ([\d.]+) s, backward ([\d.]+) s, trajectory ([\d.]+) MB", p.stderr)
    if not m:
        sys.exit("grad_bench: cannot read memspice's summary:\n" + p.stderr)
    return {"points": int(m.group(1)), "fwd": float(m.group(2)), "bwd": float(m.group(3)),
            "traj_mb": float(m.group(4)), "rss_mb": meas["maxrss_kb"] / 1024, "csv": open(out_csv).read()}


def max_rel_diff(a, b):
    """Largest relative difference between two `memspice grad -o x.csv` tables."""
    def table(text):
        rows = [r.split(",") for r in text.strip().splitlines()[1:]]
        return {r[0]: float(r[2] or r[1]) for r in rows}
    ta, tb = table(a), table(b)
    return max(abs(ta[k] - tb[k]) / max(abs(ta[k]), abs(tb[k]), 1e-300) for k in ta)


def main():
    quick = "--quick" in sys.argv
    out_md = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else os.path.join(HERE, "results-grad.md")
    steps = 10000 if quick else 100000
    os.makedirs(OUT, exist_ok=True)
    rows = []
    for name, gen in (("crossbar_20x10", crossbar), ("mif_16", mif), ("rc_ladder_100", ladder)):
        path = os.path.join(OUT, name + ".cir")
        with open(path, "w") as f:
            f.write(gen(steps))
        print("grad_bench: %s, %d steps ..." % (name, steps), file=sys.stderr)
        full, ck = run(path, "0"), run(path, "auto")
        rows.append((name, full, ck, max_rel_diff(full["csv"], ck["csv"])))
    lines = ["# memspice grad: backward sweep and checkpointing",
             "",
             "Measured %s by `bench/grad_bench.py%s` (run by `make bench`), %d fixed steps per case, "
             "on a %s-core machine shared with other jobs." % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                                                " --quick" if quick else "", steps, os.cpu_count()),
             "",
             "| case | time points | forward | backward | backward/forward | trajectory memory | peak RSS | "
             "with checkpoints: backward (incl. replay) | trajectory memory | memory vs full | peak RSS | max rel. gradient difference |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, f, c, same in rows:
        lines.append("| %s | %d | %.3f s | %.3f s | %.2f | %.1f MB | %.0f MB | %.3f s | %.2f MB | %.1f %% | %.0f MB | %s |" % (
            name, f["points"], f["fwd"], f["bwd"], f["bwd"] / f["fwd"], f["traj_mb"], f["rss_mb"], c["bwd"],
            c["traj_mb"], 100 * c["traj_mb"] / f["traj_mb"], c["rss_mb"], "%.1e" % same))
    lines += ["",
              "Backward = the adjoint sweep after the forward run (one device evaluation, one factorisation and one "
              "transposed solve per step, plus the parameter terms); with checkpoints it also replays every segment "
              "forward once.  Trajectory memory = what memspice stores for the sweep (every solution vector, or the "
              "checkpoints plus one segment); peak RSS also holds the circuit, KLU factors and the saved waveforms.  "
              "The checkpointed gradients may differ from the stored ones in the last bits (a replayed segment "
              "starts with a fresh KLU factorisation); the bench fails above 1e-12."]
    with open(out_md, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    if any(r[3] > 1e-12 for r in rows):
        sys.exit("grad_bench: checkpointed gradients differ by more than 1e-12")


main()
