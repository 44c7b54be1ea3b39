#!/usr/bin/env python3
"""Accuracy of trained networks under input noise, stuck cells and programming noise.

    bench/robustness.py --memspice build/memspice --data netlists/digits6x5 \
        --net plain=run1/trained.cir --net fault-aware=run2/trained.cir \
        --input-noise 0,0.05,0.1,0.2 --stuck 0,0.05,0.1,0.2 --seeds 5 -o bench/out/icaci

Every cell of the table is `memspice train NET --eval-only` on the whole test set, over
--seeds seeds: seed s draws the input noise (--seed s) and the stuck cells or the
programming noise (--fault-seed s).  Stuck cells are sa0/sa1 half and half.  Writes
OUT.md (tables: mean, min-max), OUT.csv (one row per evaluation) and, when gnuplot is
installed, OUT.png (accuracy against the stuck fraction, a line per network and input
noise level).  --program-noise S,S,... adds a table of accuracy against the programming
noise (Gaussian, sigma S of the state range).
"""
import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import time


def floats(text):
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}")
    return values


def positive(text):
    n = int(text)  # argparse reports a ValueError as an invalid value
    if n < 1:
        raise argparse.ArgumentTypeError(f"needs a whole number ≥ 1, not {text!r}")
    return n


def evaluate(a, net, extra):
    cmd = [a.memspice, "train", net, "--data", a.data, "--eval-only", "-q"] + extra
    if a.test_limit:
        cmd += ["--test-limit", str(a.test_limit)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    m = re.search(r"accuracy ([0-9.]+) %", out.stdout + out.stderr)
    if out.returncode != 0 or not m:
        sys.exit(f"robustness: {' '.join(cmd)} failed:\n{out.stderr.strip()}")
    return float(m.group(1))


def stats(values):
    return sum(values) / len(values), min(values), max(values)


def cell(values):
    mean, lo, hi = stats(values)
    return f"{mean:.2f} ({lo:.2f}–{hi:.2f})" if hi > lo else f"{mean:.2f}"


def plot(path, rows, nets, noises):
    gp = shutil.which("gnuplot")
    if not gp:
        return False
    data = path + ".dat"
    with open(data, "w") as f:   # one block per (net, input noise): stuck fraction, mean
        for name in nets:
            for noise in noises:
                f.write(f"# {name} input noise {noise}\n")
                for stuck in sorted({r["stuck"] for r in rows}):
                    acc = [r["accuracy"] for r in rows if r["net"] == name and r["input_noise"] == noise
                           and r["stuck"] == stuck and r["program_noise"] == 0]
                    if acc:
                        f.write(f"{stuck * 100:g} {stats(acc)[0]:.4f}\n")
                f.write("\n\n")
    curves, index = [], 0
    for name in nets:
        for noise in noises:
            dash = "dt 1" if index < len(noises) else "dt 2"
            curves.append(f"'{data}' index {index} with linespoints lw 2 {dash} title '{name}, input noise {noise * 100:g} %'")
            index += 1
    script = (f"set terminal pngcairo size 900,600; set output '{path}.png'; set grid;"
              "set xlabel 'stuck cells (%)'; set ylabel 'test accuracy (%)'; set key bottom left;"
              "plot " + ", ".join(curves))
    ok = subprocess.run([gp, "-e", script], capture_output=True).returncode == 0
    os.remove(data)
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--memspice", default="build/memspice", help="the memspice binary (default: %(default)s)")
    ap.add_argument("--data", required=True, help="data set folder or name, as memspice train --data")
    ap.add_argument("--net", action="append", required=True, metavar="NAME=NETLIST",
                    help="a trained network and its name in the tables; repeat for each network")
    ap.add_argument("--input-noise", type=floats, default=[0.0], metavar="S,S,...",
                    help="input noise levels, table rows (default: 0)")
    ap.add_argument("--stuck", type=floats, default=[0.0], metavar="F,F,...",
                    help="stuck-cell fractions, table columns (default: 0)")
    ap.add_argument("--program-noise", type=floats, default=[], metavar="S,S,...",
                    help="programming-noise sigmas, fraction of the state range (default: none)")
    ap.add_argument("--seeds", type=positive, default=5, help="seeds per cell with anything random (default: 5)")
    ap.add_argument("--test-limit", type=int, default=0, metavar="N",
                    help="evaluate on the first N test images (default: 0, the whole test set)")
    ap.add_argument("-o", "--output", required=True, metavar="OUT", help="writes OUT.md, OUT.csv, OUT.png")
    a = ap.parse_args()
    nets = {}
    for spec in a.net:
        name, sep, path = spec.rpartition("=")
        if not sep or not os.path.isfile(path):
            sys.exit(f"robustness: --net {spec}: expected NAME=NETLIST of an existing file")
        nets[name] = path
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)

    rows, t0 = [], time.time()
    jobs = [(n, noise, stuck, 0.0) for n in nets for noise in a.input_noise for stuck in a.stuck]
    jobs += [(n, 0.0, 0.0, sigma) for n in nets for sigma in a.program_noise]
    for i, (name, noise, stuck, sigma) in enumerate(jobs):
        seeds = range(1, a.seeds + 1) if (noise or stuck or sigma) else [1]   # nothing random: one run
        for s in seeds:
            extra = ["--seed", str(s), "--fault-seed", str(s)]
            extra += ["--input-noise", str(noise)] if noise else []
            extra += ["--faults", str(stuck)] if stuck else []
            extra += ["--program-noise", str(sigma)] if sigma else []
            rows.append({"net": name, "input_noise": noise, "stuck": stuck, "program_noise": sigma, "seed": s,
                         "accuracy": evaluate(a, nets[name], extra)})
        print(f"[{i + 1}/{len(jobs)}] {name} input noise {noise} stuck {stuck} program noise {sigma}: "
              f"{cell([r['accuracy'] for r in rows[-len(seeds):]])} %  ({time.time() - t0:.0f} s)", flush=True)

    tmp = a.output + ".csv.tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, a.output + ".csv")

    def pick(name, noise, stuck, sigma):
        return [r["accuracy"] for r in rows if (r["net"], r["input_noise"], r["stuck"], r["program_noise"])
                == (name, noise, stuck, sigma)]

    lines = [f"Test accuracy (%), mean (min–max) over {a.seeds} seeds; data {a.data}.", ""]
    for name in nets:
        lines += [f"**{name}** (`{nets[name]}`): input noise (rows) × stuck cells (columns)", "",
                  "| input noise | " + " | ".join(f"{s * 100:g} % stuck" for s in a.stuck) + " |",
                  "|---|" + "---:|" * len(a.stuck)]
        for noise in a.input_noise:
            lines.append(f"| {noise * 100:g} % | " + " | ".join(cell(pick(name, noise, s, 0.0)) for s in a.stuck) + " |")
        lines.append("")
    if a.program_noise:
        lines += ["Programming noise (Gaussian, σ of the state range):", "",
                  "| network | " + " | ".join(f"σ = {s * 100:g} %" for s in a.program_noise) + " |",
                  "|---|" + "---:|" * len(a.program_noise)]
        for name in nets:
            lines.append(f"| {name} | " + " | ".join(cell(pick(name, 0.0, 0.0, s)) for s in a.program_noise) + " |")
        lines.append("")
    if len(a.stuck) > 1 and plot(a.output, rows, list(nets), a.input_noise):
        lines.append(f"![accuracy against stuck cells]({os.path.basename(a.output)}.png)")
    lines.append(f"\n{len(rows)} evaluations, {time.time() - t0:.0f} s.")
    with open(a.output + ".md.tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(a.output + ".md.tmp", a.output + ".md")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
