#!/usr/bin/env python3
"""report.py — turn bench/out/<case>/ directories into results.md and results.csv.

usage: report.py --md FILE --csv FILE [--quick] [--memspice BIN] [--ngspice BIN] CASEDIR...

Each CASEDIR holds what bench/run.sh left there: case.txt (name, steps =
tstop / tstep, mode: fixed or adaptive), net.cir, ms.json and ng.json
(bench/measure.py), ms.stderr (memspice's summary line), ng_steps.txt, ng.raw,
cmp.json (bench/compare.py), load_before_*.txt.  Exit status 1 when a case
failed (simulator error, missing comparison, or difference > 1e-3).
"""
import argparse
import csv
import datetime
import json
import os
import platform
import re
import subprocess
import sys

TOL = 1e-3


def read(path, default=None):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def read_json(path):
    t = read(path)
    return json.loads(t) if t else None


def _elem_nodes(t, subckts):
    """The nodes of one element card (tokens, lower case) and its subcircuit, if any."""
    k = t[0][0]
    if k == "x":
        toks = [x for x in t[1:] if "=" not in x and x != "params:"]
        if toks and toks[-1] in subckts:
            return toks[:-1], toks[-1]
        return toks[:-1], None
    if k in "eg" and len(t) > 4 and not any(x.startswith("value") or x.startswith("{") for x in t[3:5]):
        return t[1:5], None
    return t[1:3], None


def unknowns(netlist):
    """Nodes other than ground plus one branch current per V/E/H/L element,
    with subcircuit instances flattened (their internal nodes and branches)."""
    top, subckts, stack = [], {}, []
    with open(netlist) as f:
        f.readline()   # title
        for line in f:
            t = line.lower().split()
            if not t or t[0][0] in "*+":
                continue
            if t[0] == ".subckt" and len(t) > 2:
                stack.append((t[1], [x for x in t[2:] if "=" not in x and x != "params:"], []))
                continue
            if t[0] == ".ends" and stack:
                name, ports, body = stack.pop()
                subckts[name] = (ports, body)
                continue
            if t[0][0] == ".":
                continue
            (stack[-1][2] if stack else top).append(t)

    memo = {}

    def count(name):   # (internal nodes, branches) of one instance of subcircuit `name`
        if name not in memo:
            ports, body = subckts[name]
            memo[name] = (0, 0)   # recursion guard
            inner, br, sub_n, sub_b = set(), 0, 0, 0
            for t in body:
                ns, sub = _elem_nodes(t, subckts)
                inner.update(n for n in ns if n not in ports)
                if sub:
                    a, b = count(sub)
                    sub_n, sub_b = sub_n + a, sub_b + b
                elif t[0][0] in "vehl":
                    br += 1
            inner.discard("0")
            inner.discard("gnd")
            memo[name] = (len(inner) + sub_n, br + sub_b)
        return memo[name]

    nodes, extra = set(), 0
    for t in top:
        ns, sub = _elem_nodes(t, subckts)
        nodes.update(ns)
        if sub:
            extra += sum(count(sub))
        elif t[0][0] in "vehl":
            extra += 1
    nodes.discard("0")
    nodes.discard("gnd")
    return len(nodes) + extra


def ms_summary(path):
    """memspice's summary line in ms.stderr: points, steps accepted, rejected, Newton iterations."""
    m = re.search(r"transient: (\d+) points, (\d+) steps accepted, (\d+) rejected, "
                  r"(\d+) Newton iterations", read(path, "") or "")
    return tuple(int(x) for x in m.groups()) if m else (None, None, None, None)


def compile_flags(ms_bin):
    """The optimisation flags memspice was compiled with (DW_AT_producer of its debug info)."""
    for line in cmd_out(["readelf", "--debug-dump=info", ms_bin]).splitlines():
        if "DW_AT_producer" in line and "GNU C" in line:
            return " ".join(x for x in line.split() if x.startswith("-O") or x.startswith("-march"))
    return "?"


def raw_points(path):
    try:
        with open(path, "rb") as f:
            for _ in range(20):
                line = f.readline().decode("latin-1")
                if line.lower().startswith("no. points:"):
                    return int(line.split(":")[1])
    except (OSError, ValueError):
        pass
    return None


def cmd_out(args):
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info(ms_bin, ng_bin):
    cpu = "?"
    for line in (read("/proc/cpuinfo", "") or "").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = "?"
    for line in (read("/proc/meminfo", "") or "").splitlines():
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) / 1048576:.1f} GiB"
    ngv = "?"
    for line in cmd_out([ng_bin, "-v"]).splitlines():
        if "ngspice-" in line:
            ngv = line.strip().strip("*").strip()
            break
    commit = cmd_out(["git", "rev-parse", "--short", "HEAD"]).strip() or "?"
    if cmd_out(["git", "status", "--porcelain", "--untracked-files=no", "--", "src"]).strip():
        commit += " (src/ modified)"
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": str(os.cpu_count()), "cpu": cpu, "mem": mem,
        "kernel": platform.release(), "ngspice": ngv, "commit": commit,
        "cc": cmd_out(["cc", "--version"]).splitlines()[0] if cmd_out(["cc", "--version"]) else "?",
        "flags": compile_flags(ms_bin),
    }


def case_row(d):
    lines = (read(os.path.join(d, "case.txt"), "") or "").splitlines()
    name = lines[0] if lines else os.path.basename(d)
    steps = int(lines[1]) if len(lines) > 1 else 0
    mode = lines[2] if len(lines) > 2 else "fixed"
    ms_pts, ms_acc, ms_rej, ms_newton = ms_summary(os.path.join(d, "ms.stderr"))
    ms, ng = read_json(os.path.join(d, "ms.json")), read_json(os.path.join(d, "ng.json"))
    cmp_ = read_json(os.path.join(d, "cmp.json"))
    ng_steps = int(read(os.path.join(d, "ng_steps.txt"), "0") or 0)
    pts = raw_points(os.path.join(d, "ng.raw"))
    row = {"case": name, "unknowns": unknowns(os.path.join(d, "net.cir")), "steps": steps,
           "mode": mode, "ms_timepoints": ms_pts, "ms_rejected": ms_rej, "ms_newton": ms_newton,
           "ms_wall_s": None, "ms_us_per_step": None, "ms_rss_mb": None,
           "ng_steps": ng_steps, "ng_timepoints": pts, "ng_wall_s": None, "ng_us_per_step": None,
           "ng_rss_mb": None, "ratio_ng_over_ms": None, "max_rel_diff": None,
           "worst_vector": "", "compared_points": None, "compared_t_end": None,
           "load_ms": read(os.path.join(d, "load_before_ms.txt"), ""),
           "load_ng": read(os.path.join(d, "load_before_ng.txt"), ""), "status": "FAIL", "why": ""}
    if ms:
        row["ms_wall_s"] = ms["wall_s"]
        row["ms_rss_mb"] = round(ms["maxrss_kb"] / 1024, 1)
        if steps:
            row["ms_us_per_step"] = round(1e6 * ms["wall_s"] / steps, 3)
    if ng:
        row["ng_wall_s"] = ng["wall_s"]
        row["ng_rss_mb"] = round(ng["maxrss_kb"] / 1024, 1)
        if ng_steps:
            row["ng_us_per_step"] = round(1e6 * ng["wall_s"] / ng_steps, 3)
    if row["ms_us_per_step"] and row["ng_us_per_step"]:
        row["ratio_ng_over_ms"] = round(row["ng_us_per_step"] / row["ms_us_per_step"], 2)
    if cmp_:
        row["max_rel_diff"] = cmp_["max_rel_err"]
        row["worst_vector"] = cmp_["worst_vector"]
        row["compared_points"] = cmp_["points"]
        row["compared_t_end"] = cmp_["t_end"]
        row["vectors"] = cmp_["vectors"]
    why = []
    if not ms or ms["rc"] != 0:
        why.append(f"memspice exit {ms['rc'] if ms else '?'} (see ms.stderr)")
    if not ng or ng["rc"] != 0:
        why.append(f"ngspice exit {ng['rc'] if ng else '?'} (see ng.stdout)")
    if not cmp_:
        why.append("no waveform comparison (see cmp.err)")
    elif not cmp_["max_rel_err"] <= TOL:
        why.append(f"waveform difference {cmp_['max_rel_err']:.3g} > {TOL:g} in {cmp_['worst_vector']}")
    row["why"] = "; ".join(why)
    row["status"] = "PASS" if not why else "FAIL"
    return row


def f(x, spec):
    return "—" if x is None else format(x, spec)


CASE_DOC = {
    "rc_ladder": "`rc_ladder` = bench/gen_rc_ladder.py N STEPS 1e-9 (N sections of 1 kΩ / C, PULSE "
                 "input; saved: input, middle, end)",
    "rc_mesh": "`rc_mesh` = bench/gen_rc_mesh.py NODES STEPS 1 (grid of random R plus NODES/50 random "
               "long-range R, random C to ground, three sources through 10 kΩ; six saved nodes)",
    "crossbar": "`crossbar_RxC` = bench/gen_crossbar.py R C --tstop T --tstep 1e-7 --seed 1 (R×C HP "
                "memristors with a Biolek window, each an ngspice subcircuit of two behavioral "
                "current sources, a 1 F state capacitor and a 1 TΩ leak; rows driven by PULSE trains "
                "of ±0.8–1.2 V, period 200 µs, delays staggered over 100 µs; columns loaded by "
                "100 Ω ‖ 10 nF; initial states from the seed via .ic; `.tran 100n T`, so both "
                "simulators use adaptive steps with maximum step 100 ns; saved: every column and "
                "six states); `_native`: memspice runs native `YMEMRISTOR level=1` devices (the same "
                "equations; `--native`), ngspice the subcircuits; `_newton`: memspice with "
                "`.options chord=0` (a factorization on every Newton iteration, as ngspice "
                "iterates; `--newton`) instead of its default chord iterations",
}
GOALS = [("crossbar_50x20", 20.0, "issue 3"),          # behavioral subcircuits
         ("crossbar_50x20_native", 50.0, "issue 5")]   # native memristors


def write_md(path, rows, info, quick):
    L = []
    L.append("# memspice vs ngspice: transient benchmark" + (" (--quick)" if quick else ""))
    L.append("")
    L.append(f"Measured {info['date']} by `bench/run.sh{' --quick' if quick else ''}` "
             f"(`make bench`).  Machine: {info['nproc']} cores (`nproc`), CPU {info['cpu']}, "
             f"{info['mem']} RAM, Linux {info['kernel']}.  memspice {info['commit']} "
             f"(built by the Makefile, {info['flags']}, {info['cc']}"
             + (f"; {info['binary']}" if info.get("binary") else "") + f"); {info['ngspice']}.")
    L.append("")
    L.append("| case | unknowns | steps | memspice time/step | ngspice time/step | ratio ngspice/memspice "
             "| memspice peak RSS | ngspice peak RSS | max waveform diff | result |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        ng_steps = r["ng_steps"]
        steps = f"{r['steps']:,}"
        if r["mode"] != "fixed":
            steps += " × tstep (adaptive)"
        if ng_steps and ng_steps != r["steps"]:
            steps += f" (ngspice: {ng_steps:,})"
        L.append(f"| {r['case']} | {r['unknowns']:,} | {steps} | {f(r['ms_us_per_step'], ',.2f')} µs "
                 f"| {f(r['ng_us_per_step'], ',.2f')} µs | {f(r['ratio_ng_over_ms'], '.1f')}× "
                 f"| {f(r['ms_rss_mb'], '.1f')} MB | {f(r['ng_rss_mb'], '.1f')} MB "
                 f"| {f(r['max_rel_diff'], '.2e')} | {r['status']} |")
    L.append("")
    rep = int(info.get("ms_repeat", "1"))
    L.append("Time/step = the whole run's wall time (parse, operating point, transient, writing "
             "the output) / the number of `tstep` intervals simulated (tstop / tstep)"
             + (f"; memspice: the fastest of {rep} runs (BENCH_MS_REPEAT), ngspice: one run" if rep > 1 else "")
             + ".  Fixed-step "
             "cases: memspice takes exactly `tstep` (`--fixed-step`), ngspice its own adaptive steps "
             "with maximum step = `tstep`.  Adaptive cases (crossbars): both simulators run their "
             "default adaptive step control on the identical netlist (maximum step = `tstep`), so "
             "the ratio is the ratio of wall times for the same simulated span; the time points "
             "each one took are listed below.  Peak RSS = the process's maximum resident "
             "set size.  Max waveform diff = max over the saved vectors of max |memspice − ngspice| "
             "/ (the signal's range: ngspice's over the compared window or memspice's over its whole "
             "run, whichever is larger), ngspice interpolated linearly onto memspice's time "
             f"points; a case FAILS above {TOL:g}.  Each simulator ran alone (one process at a time), "
             "but other users' jobs shared the 2-core machine: 1/5/15-min load averages before each "
             "run are listed.")
    L.append("")
    L.append("| case | memspice wall | ngspice wall | memspice time points (rejected steps, Newton iterations) "
             "| ngspice time points | compared points | worst vector | load before memspice / ngspice |")
    L.append("|---|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        msp = f(r["ms_timepoints"], ",")
        if r["ms_timepoints"] is not None:
            msp += f" ({r['ms_rejected']:,}, {r['ms_newton']:,})"
        L.append(f"| {r['case']} | {f(r['ms_wall_s'], '.2f')} s | {f(r['ng_wall_s'], '.2f')} s "
                 f"| {msp} | {f(r['ng_timepoints'], ',')} | {f(r['compared_points'], ',')} "
                 f"| {r['worst_vector']} | {r['load_ms']} / {r['load_ng']} |")
    L.append("")
    for case, goal, issue in GOALS:
        for r in rows:
            if r["case"] == case and r["ratio_ng_over_ms"] is not None:
                met = r["ratio_ng_over_ms"] >= goal and r["status"] == "PASS"
                L.append(f"**Goal ({issue}): memspice ≥ {goal:g}× faster than ngspice on {case} "
                         f"with matching waveforms — {'met' if met else 'not met'}: "
                         f"{r['ratio_ng_over_ms']:.1f}×.**")
                L.append("")
    scaled = [r for r in rows if r["ng_steps"] and r["ng_steps"] != r["steps"]]
    for r in scaled:
        frac = r["ng_steps"] / r["steps"]
        L.append(f"**{r['case']}: ngspice ran only the first {r['ng_steps']:,} of {r['steps']:,} steps** "
                 f"({100 * frac:.3g} % of the run, t ≤ {r['compared_t_end']:.4g} s: same circuit and "
                 f"sources, earlier tstop), because a calibration run on 1 % of the steps put its full "
                 f"run above the budget (BENCH_NG_BUDGET, 1200 s by default).  Its time/step is "
                 f"measured on that prefix (its set-up cost is spread over fewer steps, which "
                 f"slightly favours memspice), and the waveforms are compared on that prefix only.")
        L.append("")
    for r in rows:
        if r["why"]:
            L.append(f"**{r['case']} FAILED:** {r['why']}.")
            L.append("")
    L.append("Per-vector differences (max |Δ| / range of the signal):")
    L.append("")
    for r in rows:
        vs = r.get("vectors") or {}
        parts = [f"{k} {v['rel']:.2e} (range {v['range']:.3g} V)" for k, v in vs.items()]
        L.append(f"- {r['case']}: " + ("; ".join(parts) if parts else "—"))
    L.append("")
    kinds = []
    for r in rows:
        k = "crossbar" if r["case"].startswith("crossbar") else r["case"]
        if k in CASE_DOC and k not in kinds:
            kinds.append(k)
    L.append("Cases: " + "; ".join(CASE_DOC[k] for k in kinds)
             + ".  Files of the last run: bench/out/<case>/.")
    with open(path, "w") as fh:
        fh.write("\n".join(L) + "\n")


CSV_COLS = ["date", "case", "mode", "unknowns", "steps", "ms_timepoints", "ms_rejected", "ms_newton", "ms_wall_s", "ms_us_per_step", "ms_rss_mb",
            "ng_steps", "ng_timepoints", "ng_wall_s", "ng_us_per_step", "ng_rss_mb",
            "ratio_ng_over_ms", "max_rel_diff", "worst_vector", "compared_points", "status",
            "nproc", "cpu", "load_ms", "load_ng", "commit"]


def write_csv(path, rows, info):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLS)
        for r in rows:
            full = dict(r, date=info["date"], nproc=info["nproc"], cpu=info["cpu"], commit=info["commit"])
            w.writerow(["" if full.get(c) is None else full.get(c) for c in CSV_COLS])


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--md", required=True)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--memspice", default="build/memspice")
    ap.add_argument("--ngspice", default="ngspice")
    ap.add_argument("--run-info", default=None,
                    help="key=value lines (date, commit, binary) recorded when the run started")
    ap.add_argument("cases", nargs="+")
    a = ap.parse_args(argv[1:])
    info = machine_info(a.memspice, a.ngspice)
    info["binary"] = ""
    for line in (read(a.run_info, "") if a.run_info else "").splitlines():
        k, _, v = line.partition("=")
        if k in ("date", "commit", "binary", "ms_repeat") and v:
            info[k] = v
    rows = [case_row(d) for d in a.cases]
    write_md(a.md, rows, info, a.quick)
    write_csv(a.csv, rows, info)
    for r in rows:
        print(f"{r['case']:10s} memspice {f(r['ms_us_per_step'], '.2f')} us/step, "
              f"ngspice {f(r['ng_us_per_step'], '.2f')} us/step, ratio {f(r['ratio_ng_over_ms'], '.1f')}, "
              f"max diff {f(r['max_rel_diff'], '.2e')}: {r['status']}"
              + (f" ({r['why']})" if r["why"] else ""))
    return 0 if all(r["status"] == "PASS" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
