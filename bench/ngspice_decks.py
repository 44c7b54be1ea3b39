#!/usr/bin/python3
"""ngspice_decks.py — ngspice's own decks through `memspice check`.

    bench/ngspice_decks.py REPO [--memspice build/memspice] [--out bench/results-decks.md]

REPO is a snapshot of ngspice's repository (its tests/ and examples/ are
read).  Every deck there (.cir .sp .spi .net) that ngspice runs in batch mode
(`ngspice -b`, exit 0, no "error" in its output) with a transient or an
operating point, DC sweep or AC analysis on its own cards is given to `memspice check` (memspice and
libngspice on the same deck, every saved signal compared within 1e-3 of its
range): pass, mismatch, or the reason memspice could not run it.  The reasons
are grouped (an unsupported device letter, analysis, card, ...) and ranked.
Each deck runs in its own folder copy of the snapshot's directory so that
relative .include paths resolve.  A deck whose only analysis is a plain
`tran ...`/`op`/`dc ...`/`ac ...` command in its .control block gets that command as a card
(both simulators run the copy; memspice skips .control blocks).  Time limits: --ngspice-timeout (20 s) for
ngspice alone, 150 s for check.
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

EXTS = (".cir", ".sp", ".spi", ".net")
DEVICES = {"m": "MOSFET (M)", "q": "BJT (Q)", "j": "JFET (J)", "z": "MESFET (Z)", "t": "transmission line (T)",
           "o": "lossy line (O)", "u": "uniform RC line (U)", "k": "coupled inductors (K)", "s": "switch (S)",
           "w": "switch (W)", "a": "XSPICE code model (A)", "n": "numerical device (N)", "p": "coupled line (P)",
           "y": "Y element"}


def cards(text):
    """(inside a .control block, the line's words) for every non-blank line."""
    inside = False
    for line in text.lower().splitlines():
        w = line.strip().split()
        if not w:
            continue
        if w[0] in (".control", ".endc"):
            inside = w[0] == ".control"
            continue
        yield inside, w, line


ANALYSES = ("tran", "op", "dc", "ac")


def has_analysis(text):
    """A .tran, .op, .dc or .ac card outside .control blocks."""
    return any(not inside and w[0] in tuple("." + a for a in ANALYSES) for inside, w, _ in cards(text))


def control_analysis(text):
    """The first plain `tran ...`, `op`, `dc ...` or `ac ...` command of a
    .control block, as a card (None if there is none, or its arguments are
    variables)."""
    for inside, w, line in cards(text):
        if inside and w[0] in ANALYSES:
            return None if any(c in line for c in "$&{}") else "." + " ".join(w)
    return None


# (pattern with one group, what it is, how the group is shown): the first match names the reason
REASONS = [
    (r"unsupported element '[^']*' \(no device for letter '(.)'\)", "device", lambda g: DEVICES.get(g.lower(), g)),
    (r"'(\.[a-z]+)' is not supported", "analysis or card", str),
    (r"unsupported control card '([^']*)'", "card", str),
    (r"unknown option '([^']*)'", "option", str),
    (r"unknown function ([a-z_0-9]+)", "function", str),
    (r"source function '([^']*)'", "source function", str.upper),
]


def reason(msg):
    """A short, groupable reason from memspice's error message."""
    for pattern, what, show in REASONS:
        m = re.search(pattern, msg)
        if m:
            return what + ": " + show(m.group(1))
    if "model" in msg and ("unknown parameter" in msg or "has no parameter" in msg):
        return "model parameter"
    m = re.search(r"model '[^']*' is of type '([^']*)'", msg)
    if m:
        return "model type: " + m.group(1)
    if "time step too small" in msg or "not converge" in msg:
        return "convergence"
    return "other: " + re.sub(r"^.*?:\d+:\d+: ", "", msg)[:70]


def run(cmd, cwd, timeout):
    try:
        r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           errors="replace", timeout=timeout)
        return r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired:
        return None, ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repo")
    ap.add_argument("--memspice", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../build/memspice"))
    ap.add_argument("--out", help="write a markdown table here")
    ap.add_argument("--label", default="memspice")
    ap.add_argument("--ngspice-timeout", type=float, default=20,
                    help="seconds ngspice -b may take on a deck (longer: counted as not run)")
    args = ap.parse_args()
    memspice = os.path.abspath(args.memspice)
    decks = []
    for top in ("tests", "examples"):
        for d, _, files in os.walk(os.path.join(args.repo, top)):
            decks += [os.path.join(d, f) for f in sorted(files) if f.lower().endswith(EXTS)]
    decks.sort()
    outcome, reasons, rows = collections.Counter(), collections.Counter(), []
    for path in decks:
        rel = os.path.relpath(path, args.repo)
        text = open(path, errors="replace").read()
        card = None
        if not has_analysis(text):
            card = control_analysis(text)
            if not card:
                outcome["no .tran/.op/.dc/.ac, not even in .control"] += 1
                continue
        work = tempfile.mkdtemp(prefix="decks.")
        try:
            shutil.copytree(os.path.dirname(path), os.path.join(work, "d"))
            cwd, deck = os.path.join(work, "d"), os.path.basename(path)
            if card:   # the .control block's analysis as a card, for both simulators
                deck = "memspice_decks_" + deck
                with open(os.path.join(cwd, deck), "w") as f:
                    f.write(re.sub(r"(?im)^\s*\.end\s*$", card + "\n.end", text, count=1) if
                            re.search(r"(?im)^\s*\.end\s*$", text) else text + "\n" + card + "\n")
            rc, out = run(["ngspice", "-b", deck], cwd, args.ngspice_timeout)
            if rc is None:
                outcome["ngspice takes longer than %g s" % args.ngspice_timeout] += 1
                continue
            if rc != 0 or re.search(r"^\s*error", out, re.I | re.M):
                outcome["ngspice does not run it"] += 1
                continue
            outcome["ngspice runs it"] += 1
            rc, out = run([memspice, "check", deck, "--timeout", "60"], cwd, 150)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if rc == 0:
            what = "pass"
        elif rc == 1:
            what = "mismatch"
        elif rc is None:
            what = "check timed out"
        else:
            m = re.search(r"memspice could not simulate [^:]*: (.*)", out)
            what = reason(m.group(1)) if m else "could not compare: " + \
                (re.search(r"could not compare: (.*)", out) or re.search(r"(.*)", out)).group(1)[:70]
        outcome["memspice: " + ("pass" if what == "pass" else "mismatch" if what == "mismatch" else "fails")] += 1
        if what not in ("pass",):
            reasons[what] += 1
        rows.append((rel, what))
        print("%-60s %s" % (rel, what), flush=True)
    ran = outcome["ngspice runs it"]
    lines = ["# ngspice's own decks through `memspice check` (%s)" % args.label, "",
             "%d decks in tests/ and examples/; %d with a .tran/.op/.dc/.ac card that ngspice runs; "
             "**%d agree** (%.0f %%), %d mismatch, %d memspice cannot run." %
             (len(decks), ran, outcome["memspice: pass"], 100.0 * outcome["memspice: pass"] / max(ran, 1),
              outcome["memspice: mismatch"], outcome["memspice: fails"]), "",
             "| outcome | decks |", "|---|---:|"]
    lines += ["| %s | %d |" % (k, v) for k, v in outcome.most_common()]
    lines += ["", "Reasons, ranked:", "", "| reason | decks |", "|---|---:|"]
    lines += ["| %s | %d |" % (k.replace("|", "/"), v) for k, v in reasons.most_common()]
    lines += ["", "Per deck:", "", "| deck | result |", "|---|---|"]
    lines += ["| %s | %s |" % (r, w.replace("|", "/")) for r, w in rows]
    print("\n".join(lines[:12 + len(outcome) + len(reasons) + 4]))
    if args.out:
        open(args.out, "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
