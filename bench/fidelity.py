#!/usr/bin/python3
"""fidelity.py — is a trained network a circuit result, or a training-step artefact?

    bench/fidelity.py --net build/train-mnist/run/trained.cir --data ~/.cache/memspice/mnist --n 200

For the first N test images it compares the class the training forward pass
predicts (memspice.Network: the batched engine, fixed trapezoidal steps, as
`memspice train` evaluates) with the class the trained netlist predicts when
simulated by `memspice run` with adaptive steps at default tolerances (one
input file per image, `--inputs`, each setting the .input sources' DC levels).
The adaptive readout is the .readout's own reduction of the simulated
waveforms: reduce=mean is gain x (1/tstop) x the trapezoidal integral over
every accepted point.  With --ngspice M, the first M images also run in
ngspice (the netlist's ngspice form, tools/mknet --ngspice-of, one ngspice -b
per image).  Prints the agreement, the disagreement rate and the accuracies,
and writes them to --json if given.
"""
import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
import memspice  # noqa: E402


def idx(path):
    """An IDX file (optionally .gz) as a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def test_set(folder):
    def find(stem):
        for name in (stem, stem + ".gz"):
            if os.path.exists(os.path.join(folder, name)):
                return os.path.join(folder, name)
        raise SystemExit("fidelity: no %s in %s" % (stem, folder))
    return idx(find("t10k-images-idx3-ubyte")), idx(find("t10k-labels-idx1-ubyte"))


def cards(path):
    """The .input scale and the .readout signals, gain and reduction of a network netlist."""
    text = (gzip.open(path, "rt") if path.endswith(".gz") else open(path)).read().lower()
    inp = re.search(r"^\.input\s.*$", text, re.M).group(0)
    out = re.search(r"^\.readout\s.*$", text, re.M).group(0)
    scale = float(re.search(r"scale=([^\s]+)", inp).group(1)) if "scale=" in inp else 1.0
    if "encoding=" in inp and "encoding=analog" not in inp:
        raise SystemExit("fidelity: analog inputs only (DC levels per image)")
    signals = re.findall(r"v\([^)]*\)", out)
    gain = float(re.search(r"gain=([^\s]+)", out).group(1)) if "gain=" in out else 1.0
    reduce = re.search(r"reduce=(\w+)", out).group(1) if "reduce=" in out else "mean"
    if reduce not in ("mean", "integral"):
        raise SystemExit("fidelity: reduce=%s not handled (mean, integral)" % reduce)
    tran = re.search(r"^\.tran\s+(\S+)\s+(\S+)", text, re.M)
    return scale, signals, gain, reduce, spice_number(tran.group(2))


def spice_number(s):
    m = re.match(r"([-+]?[0-9.]+(?:e[-+]?[0-9]+)?)(meg|[fpnumkgt])?", s)
    scale = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "meg": 1e6, "g": 1e9, "t": 1e12}
    return float(m.group(1)) * scale.get(m.group(2), 1.0)


def readout(t, cols, gain, reduce, tstop):
    """The .readout scores of one waveform set: gain x integral (/ tstop for mean)."""
    s = np.array([np.trapz(v, t) for v in cols])
    return gain * (s / tstop if reduce == "mean" else s)


def read_csv(path, signals):
    with open(path) as f:
        head = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    col = {name.lower(): k for k, name in enumerate(head)}
    return data[:, 0], [data[:, col[s]] for s in signals]


def adaptive(args, net, sources, x, scale, signals, gain, reduce, tstop, work):
    """memspice run --inputs: one file per image; the scores from the CSVs."""
    inputs, outs = os.path.join(work, "inputs"), os.path.join(work, "adaptive")
    os.makedirs(inputs)
    for b in range(len(x)):
        with open(os.path.join(inputs, "s%05d.txt" % b), "w") as f:
            f.writelines("%s dc %.17g\n" % (src, scale * v) for src, v in zip(sources, x[b]))
    t0 = time.time()
    cmd = [args.memspice, "run", net, "--inputs", inputs, "--format", "csv", "-o", outs, "--threads", str(args.threads)]
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode:
        raise SystemExit("fidelity: %s failed:\n%s" % (" ".join(cmd), r.stderr[-2000:]))
    seconds = time.time() - t0
    scores = []
    for b in range(len(x)):
        t, cols = read_csv(os.path.join(outs, "s%05d.csv" % b), signals)
        scores.append(readout(t, cols, gain, reduce, tstop))
    return np.array(scores), seconds


def ngspice_scores(args, net, sources, x, scale, signals, gain, reduce, tstop, work):
    """ngspice -b on the network's ngspice form, one deck per image."""
    form = os.path.join(work, "ngspice_form.cir")
    subprocess.run([os.path.join(ROOT, "tools/mknet"), "--ngspice-of", net, "-o", form], check=True,
                   stdout=subprocess.DEVNULL)
    base = open(form).read()   # mknet --ngspice-of writes plain text
    scores, t0 = [], time.time()
    for b in range(len(x)):
        deck = base
        for src, v in zip(sources, x[b]):   # the source card's DC level, as the input file sets it
            deck = re.sub(r"(?im)^(%s\s+\S+\s+\S+\s+)dc\s+\S+" % re.escape(src), r"\g<1>DC %.17g" % (scale * v), deck,
                          count=1)
        path, raw = os.path.join(work, "ng%05d.cir" % b), os.path.join(work, "ng%05d.raw" % b)
        open(path, "w").write(deck)
        r = subprocess.run(["ngspice", "-b", "-r", raw, path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, cwd=work)
        if r.returncode:
            raise SystemExit("fidelity: ngspice failed on image %d:\n%s" % (b, r.stderr[-2000:]))
        sys.path.insert(0, os.path.join(ROOT, "tests/tools"))
        import wavecmp
        _, cols, _ = wavecmp.read_raw(raw)
        scores.append(readout(np.array(cols["time"]), [np.array(cols[s]) for s in signals], gain, reduce, tstop))
        os.remove(raw)
    return np.array(scores), time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--net", required=True, help="a trained network netlist (trained.cir)")
    ap.add_argument("--data", required=True, help="folder with t10k-images-idx3-ubyte[.gz] and labels")
    ap.add_argument("--n", type=int, default=200, help="test images (the first N)")
    ap.add_argument("--ngspice", type=int, default=0, help="also run the first M in ngspice")
    ap.add_argument("--memspice", default=os.path.join(ROOT, "build/memspice"))
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    images, labels = test_set(args.data)
    x = images[:args.n].reshape(args.n, -1).astype(np.float32) / np.float32(255)
    y = labels[:args.n].astype(int)
    scale, signals, gain, reduce, tstop = cards(args.net)
    net = memspice.Network(args.net)
    sources = list(net.input_names)
    train = net.forward(x.astype(np.float64), 1)
    pred_train = train.argmax(1)
    work = tempfile.mkdtemp(prefix="fidelity.")
    try:
        ad, ad_s = adaptive(args, args.net, sources, x, scale, signals, gain, reduce, tstop, work)
        pred_ad = ad.argmax(1)
        out = {"net": args.net, "n": args.n, "train_step_accuracy": float((pred_train == y).mean()),
               "adaptive_accuracy": float((pred_ad == y).mean()),
               "adaptive_agreement": float((pred_ad == pred_train).mean()),
               "adaptive_disagreements": int((pred_ad != pred_train).sum()), "adaptive_seconds": ad_s,
               "max_score_diff": float(np.abs(ad - train).max())}
        if args.ngspice:
            m = min(args.ngspice, args.n)
            ng, ng_s = ngspice_scores(args, args.net, sources, x[:m], scale, signals, gain, reduce, tstop, work)
            pred_ng = ng.argmax(1)
            out.update({"ngspice_n": m, "ngspice_agreement": float((pred_ng == pred_train[:m]).mean()),
                        "ngspice_disagreements": int((pred_ng != pred_train[:m]).sum()),
                        "ngspice_accuracy": float((pred_ng == y[:m]).mean()), "ngspice_seconds": ng_s,
                        "ngspice_max_score_diff": float(np.abs(ng - train[:m]).max())})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for k, v in out.items():
        print("%-26s %s" % (k, v))
    if args.json:
        json.dump(out, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
