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
ngspice (the netlist's ngspice form, tools/mknet --ngspice-of --cells
diode|read|full; one ngspice -b per --batch images, parsing the netlist once and
altering the input sources between runs, --jobs at a time; --full-check K runs
the first K again with the full cells to show the read forms change nothing).
Prints the agreement, the disagreement rate, the accuracies and the wall time per
image (*_s_per_image: all the --jobs/--threads at once), and writes them to
--json if given.  With --resume DIR every image's scores are kept in DIR as they
come (adaptive ones --chunk images at a time), and a run that stopped goes on
from where it was: runs of the headline networks take hours.  The scores are
kept by the network's digest only: after a change of memspice, tools/mknet or
ngspice, use a new DIR (or empty it) to simulate again.
"""
import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "tests/tools"))
import memspice  # noqa: E402
import wavecmp  # noqa: E402  (ngspice raw files)


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


class Scores:
    """One kind of per-image scores (adaptive, ngspice with some cells) of one network,
    kept in DIR/<kind>-<digest of the network>.json when resuming (so one folder serves
    several networks, and a retrained one starts afresh): each image's scores with a
    digest of its inputs and the seconds it took."""

    def __init__(self, folder, kind, net_digest):
        self.path = os.path.join(folder, "%s-%s.json" % (kind, net_digest)) if folder else None
        self.net = net_digest
        self.done = {}
        if self.path and os.path.exists(self.path):
            try:
                saved = json.load(open(self.path))
                done = {int(b): e for b, e in saved["images"].items()}
                for e in done.values():
                    e["x"], e["s"], e["t"]   # every entry whole
                same_net = saved["net"] == net_digest
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                raise SystemExit("fidelity: %s: not a fidelity score file (%s)" % (self.path, e))
            if not same_net:
                raise SystemExit("fidelity: %s holds scores of another network" % self.path)
            self.done = done

    def get(self, b, xb):
        e = self.done.get(b)
        if e is not None and e["x"] != digest(xb.tobytes()):
            raise SystemExit("fidelity: %s: image %d is not the image scored before (another data set?)"
                             % (self.path, b))
        return None if e is None else np.array(e["s"])

    def put(self, b, xb, scores, seconds):
        self.done[b] = {"x": digest(xb.tobytes()), "s": [float(v) for v in scores], "t": seconds}

    def save(self):
        if self.path:   # written whole under a temporary name, then renamed
            tmp = self.path + ".tmp"
            with open(tmp, "w") as f:
                json.dump({"net": self.net, "images": {str(k): e for k, e in sorted(self.done.items())}}, f)
            os.replace(tmp, self.path)

    def seconds_per_image(self, n):
        """The run's wall time per image (with --jobs/--threads > 1 several run at once)."""
        return sum(self.done[b]["t"] for b in range(n)) / max(1, n)


def digest(data):
    return hashlib.sha256(data).hexdigest()[:16]


def adaptive(args, net, sources, x, scale, signals, gain, reduce, tstop, work, cache):
    """memspice run --inputs: one file per image, --chunk images a run; the scores from the CSVs."""
    todo = [b for b in range(len(x)) if cache.get(b, x[b]) is None]
    t0 = time.time()
    for start in range(0, len(todo), args.chunk):
        chunk = todo[start:start + args.chunk]
        inputs, outs = os.path.join(work, "inputs"), os.path.join(work, "adaptive")
        shutil.rmtree(inputs, ignore_errors=True)
        shutil.rmtree(outs, ignore_errors=True)
        os.makedirs(inputs)
        for b in chunk:
            with open(os.path.join(inputs, "s%05d.txt" % b), "w") as f:
                f.writelines("%s dc %.17g\n" % (src, scale * v) for src, v in zip(sources, x[b]))
        t1 = time.time()
        cmd = [args.memspice, "run", net, "--inputs", inputs, "--format", "csv", "-o", outs, "-q"]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode:
            raise SystemExit("fidelity: %s failed:\n%s" % (" ".join(cmd), r.stderr[-2000:]))
        each = (time.time() - t1) / len(chunk)
        for b in chunk:
            t, cols = read_csv(os.path.join(outs, "s%05d.csv" % b), signals)
            cache.put(b, x[b], readout(t, cols, gain, reduce, tstop), each)
        cache.save()   # once a chunk
        progress("adaptive memspice", start + len(chunk), len(todo), time.time() - t0)
    return np.array([cache.get(b, x[b]) for b in range(len(x))])


def progress(what, done, n, elapsed):
    sys.stderr.write("fidelity: %s %d/%d images, %.1f s/image, ETA %.0f s\n"
                     % (what, done, n, elapsed / done, elapsed / done * (n - done)))


def ngspice_form(net, cells, work, sources):
    """The network's ngspice form (tools/mknet --ngspice-of) as a list of lines; every
    input source must be one of its voltage sources."""
    form = os.path.join(work, "ngspice_form_%s.cir" % cells)
    r = subprocess.run([os.path.join(ROOT, "tools/mknet"), "--ngspice-of", net, "--cells", cells, "-o", form],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode:
        raise SystemExit("fidelity: no ngspice form with --cells %s:\n%s" % (cells, r.stderr.strip()))
    lines = open(form).read().split("\n")   # mknet --ngspice-of writes plain text
    vsources = {ln.split(None, 1)[0].lower() for ln in lines if ln[:1] in ("v", "V")}
    for src in sources:
        if src.lower() not in vsources:
            raise SystemExit("fidelity: the ngspice form has no source %s" % src)
    return lines


def ngspice_deck(lines, sources, batch, raws):
    """The form with a .control block that simulates each image of the batch in turn
    and writes its waveforms to raws[k]: the netlist is parsed once and the input
    sources' DC levels altered between runs, as an input file would set them."""
    end = max(k for k, ln in enumerate(lines) if ln.strip().lower() == ".end")
    control, now = [".control"], {}
    for levels, raw in zip(batch, raws):
        for src, v in zip(sources, levels):
            if now.get(src) != v:
                control.append("alter %s dc = %.17g" % (src, v))
                now[src] = v
        control += ["run", "write %s" % raw, "destroy all"]
    control += ["quit", ".endc"]
    return "\n".join(lines[:end] + control + lines[end:])


def ngspice_batch(path, raws, work, signals, gain, reduce, tstop):
    """Run one batch deck in ngspice -b (in work, where it writes the raws); return each
    image's .readout scores."""
    r = subprocess.run(["ngspice", "-b", os.path.basename(path)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, cwd=work)
    if r.returncode:
        raise RuntimeError("ngspice failed on %s (exit code %d):\n%s" % (path, r.returncode, r.stderr[-2000:]))
    scores = []
    for raw in raws:
        try:
            _, cols, _ = wavecmp.read_raw(os.path.join(work, raw))
        except (OSError, ValueError, IndexError, KeyError, struct.error):
            cols = {}
        t = np.asarray(cols.get("time", []))
        # a run that stopped early in a .control block leaves a short plot (or none) and exit code 0
        if t.size == 0 or t[-1] < tstop * (1 - 1e-9) or any(s not in cols for s in signals):
            raise RuntimeError("ngspice failed on %s (%s: no complete waveforms):\n%s" % (path, raw, r.stderr[-2000:]))
        scores.append(readout(t, [np.array(cols[s]) for s in signals], gain, reduce, tstop))
        os.remove(os.path.join(work, raw))
    os.remove(path)
    return scores


def ngspice_scores(args, net, cells, sources, x, scale, signals, gain, reduce, tstop, work, cache):
    """ngspice -b on the network's ngspice form, --batch images per deck, --jobs decks at a time."""
    from concurrent.futures import ThreadPoolExecutor, as_completed
    if not shutil.which("ngspice"):
        raise SystemExit("fidelity: --ngspice needs ngspice on PATH (Debian package ngspice)")
    todo = [b for b in range(len(x)) if cache.get(b, x[b]) is None]
    if not todo:
        return np.array([cache.get(b, x[b]) for b in range(len(x))])
    lines = ngspice_form(net, cells, work, sources)
    # at most --batch images a process, as many processes as make the --jobs finish together
    n_batches = -(-len(todo) // args.batch)
    n_batches = -(-n_batches // args.jobs) * args.jobs
    batches = [[int(b) for b in bs] for bs in np.array_split(todo, n_batches) if len(bs)]
    t0 = time.time()

    def job(bs):
        path = os.path.join(work, "ng_%s_%05d.cir" % (cells, bs[0]))
        raws = ["ng_%s_%05d.raw" % (cells, b) for b in bs]
        with open(path, "w") as f:
            f.write(ngspice_deck(lines, sources, [scale * x[b] for b in bs], raws))
        return bs, ngspice_batch(path, raws, work, signals, gain, reduce, tstop)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(job, bs) for bs in batches]
        try:
            last, done = t0, 0
            for fut in as_completed(futures):   # each batch kept as soon as it is done
                bs, scs = fut.result()
                now = time.time()
                for b, sc in zip(bs, scs):   # the increments add up to the wall time
                    cache.put(b, x[b], sc, (now - last) / len(bs))
                cache.save()
                last, done = now, done + len(bs)
                progress("ngspice (%s cells)" % cells, done, len(todo), now - t0)
        except RuntimeError as e:
            pool.shutdown(wait=False, cancel_futures=True)   # the batches not started
            raise SystemExit("fidelity: %s" % e)
    return np.array([cache.get(b, x[b]) for b in range(len(x))])


def positive(s):
    v = int(s)
    if v < 1:
        raise argparse.ArgumentTypeError("must be at least 1, not %s" % s)
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--net", required=True, help="a trained network netlist (trained.cir)")
    ap.add_argument("--data", required=True, help="folder with t10k-images-idx3-ubyte[.gz] and labels")
    ap.add_argument("--n", type=positive, default=200, help="test images (the first N), default 200")
    ap.add_argument("--ngspice", type=int, default=0, metavar="M", help="also run the first M in ngspice")
    ap.add_argument("--cells", choices=["diode", "read", "full"], default="diode",
                    help="the ngspice form's cells (tools/mknet --cells): diode (default; the read form as "
                         "two antiparallel diodes, a1 = a2 only), read (a B source per cell at its state; "
                         "both exact in the read window) or full (memr_yakopcic subcircuits)")
    ap.add_argument("--full-check", type=int, default=0, metavar="K",
                    help="also run the first K images with --cells full and report the largest score "
                         "difference between the two forms")
    ap.add_argument("--jobs", type=positive, default=1, help="ngspice processes at a time, default 1")
    ap.add_argument("--batch", type=positive, default=8,
                    help="images per ngspice process, default 8 (the netlist is parsed once per process; "
                         "each batch's scores are kept as it ends: a stopped --resume run redoes the batches "
                         "that were running)")
    ap.add_argument("--skip-adaptive", action="store_true", help="no memspice run (ngspice only)")
    ap.add_argument("--memspice", default=os.path.join(ROOT, "build/memspice"),
                    help="the memspice binary, default this checkout's build/memspice")
    ap.add_argument("--threads", type=positive, help="memspice run --threads (default: memspice's own)")
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--resume", metavar="DIR", help="keep every image's scores in DIR and reuse those "
                    "found there (a run that stopped goes on)")
    ap.add_argument("--chunk", type=positive, default=20, help="images per memspice run (adaptive), default 20")
    args = ap.parse_args()
    images, labels = test_set(args.data)
    x = images[:args.n].reshape(args.n, -1).astype(np.float32) / np.float32(255)
    y = labels[:args.n].astype(int)
    scale, signals, gain, reduce, tstop = cards(args.net)
    net = memspice.Network(args.net)
    sources = list(net.input_names)
    train = net.forward(x.astype(np.float64), 1)
    pred_train = train.argmax(1)
    if args.resume:
        os.makedirs(args.resume, exist_ok=True)
    net_digest = digest(open(args.net, "rb").read())

    def scores(kind):
        return Scores(args.resume, kind, net_digest)
    work = tempfile.mkdtemp(prefix="fidelity.")
    try:
        out = {"net": args.net, "n": args.n, "train_step_accuracy": float((pred_train == y).mean())}
        if not args.skip_adaptive:
            cache = scores("adaptive")
            ad = adaptive(args, args.net, sources, x, scale, signals, gain, reduce, tstop, work, cache)
            ad_s = cache.seconds_per_image(args.n)
            pred_ad = ad.argmax(1)
            out.update({"adaptive_accuracy": float((pred_ad == y).mean()),
                        "adaptive_agreement": float((pred_ad == pred_train).mean()),
                        "adaptive_disagreements": int((pred_ad != pred_train).sum()), "adaptive_s_per_image": ad_s,
                        "max_score_diff": float(np.abs(ad - train).max())})
        if args.ngspice:
            m = min(args.ngspice, args.n)
            cache = scores("ngspice-" + args.cells)
            ng = ngspice_scores(args, args.net, args.cells, sources, x[:m], scale, signals, gain, reduce,
                                tstop, work, cache)
            ng_s = cache.seconds_per_image(m)
            pred_ng = ng.argmax(1)
            out.update({"ngspice_n": m, "ngspice_cells": args.cells,
                        "ngspice_agreement": float((pred_ng == pred_train[:m]).mean()),
                        "ngspice_disagreements": int((pred_ng != pred_train[:m]).sum()),
                        "ngspice_accuracy": float((pred_ng == y[:m]).mean()),
                        "ngspice_s_per_image": ng_s, "ngspice_jobs": args.jobs,
                        "ngspice_max_score_diff": float(np.abs(ng - train[:m]).max())})
            if not args.skip_adaptive:
                out["ngspice_adaptive_agreement"] = float((pred_ng == pred_ad[:m]).mean())
            k = min(args.full_check, m)
            if k and args.cells != "full":
                cache = scores("ngspice-full")
                full = ngspice_scores(args, args.net, "full", sources, x[:k], scale, signals, gain,
                                      reduce, tstop, work, cache)
                full_s = cache.seconds_per_image(k)
                out.update({"full_check_n": k, "full_check_s_per_image": full_s,
                            "full_check_same_class": int((full.argmax(1) == pred_ng[:k]).sum()),
                            "full_check_max_score_diff": float(np.abs(full - ng[:k]).max())})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for k, v in out.items():
        print("%-26s %s" % (k, v))
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump(out, f, indent=1)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
