#!/usr/bin/env python3
"""Train a memristive spiking network netlist as a PyTorch layer.

    python3 python/examples/train_mnist.py                       # digits6x5 (bundled)
    python3 python/examples/train_mnist.py --net net.cir --data ~/.cache/memspice/mnist \
        --train-limit 2000 --test-limit 500                       # an MNIST subset

A standard PyTorch loop: CircuitLayer (the circuit's trainable cell states
are its nn.Parameter), cross-entropy, Adam, the bounds applied after each
step, as `memspice train NET --data DIR --epochs E --batch B --lr LR` does.
The data are IDX files (the MNIST format) read with NumPy, pixels / 255.
(`memspice train` shuffles with its own hash-based generator, so the
per-epoch numbers are alike, not equal.)
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
import memspice.torch as mt  # noqa: E402


def read_idx(path):
    """An IDX file (plain or .gz): a NumPy array of its shape."""
    for p in (path, path + ".gz"):
        if os.path.exists(p):
            with open(p, "rb") as f:
                raw = f.read()
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            rank = raw[3]
            dims = np.frombuffer(raw, dtype=">u4", count=rank, offset=4).astype(int)
            return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)
    raise FileNotFoundError(path)


def load(data, split, limit):
    pre = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(data, f"{pre}-images-idx3-ubyte"))
    y = read_idx(os.path.join(data, f"{pre}-labels-idx1-ubyte"))
    x = x.reshape(len(y), -1).astype(np.float64) / 255.0
    if limit:
        x, y = x[:limit], y[:limit]
    return torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))


def evaluate(layer, x, y, batch):
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            s = layer(x[i:i + batch])
            loss += torch.nn.functional.cross_entropy(s, y[i:i + batch], reduction="sum").item()
            correct += (s.argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(y), loss / len(y)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--net", default=os.path.join(ROOT, "netlists/digits6x5.cir"))
    ap.add_argument("--data", default=os.path.join(ROOT, "netlists/digits6x5"))
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--engine", default="auto", choices=["auto", "batched", "per-sample"])
    ap.add_argument("--train-limit", type=int, default=0)
    ap.add_argument("--test-limit", type=int, default=0)
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    xtr, ytr = load(a.data, "train", a.train_limit)
    xte, yte = load(a.data, "test", a.test_limit)
    layer = mt.CircuitLayer(a.net, engine=a.engine, threads=a.threads, seed=a.seed)
    if layer.n_inputs != xtr.shape[1]:
        sys.exit(f"{a.net}: {layer.n_inputs} inputs, the data have {xtr.shape[1]} features")
    print(f"{layer}  train {len(ytr)}  test {len(yte)}")
    opt = torch.optim.Adam(layer.parameters(), lr=a.lr)
    layer.clamp_after(opt)   # the cells' states stay in their bounds, as in memspice train
    for epoch in range(1, a.epochs + 1):
        t0, lsum, correct = time.time(), 0.0, 0
        perm = torch.randperm(len(ytr))
        for i in range(0, len(ytr), a.batch):
            idx = perm[i:i + a.batch]
            scores = layer(xtr[idx])
            loss = torch.nn.functional.cross_entropy(scores, ytr[idx])   # mean over the batch, as memspice train
            opt.zero_grad()
            loss.backward()
            opt.step()
            lsum += loss.item() * len(idx)
            correct += (scores.argmax(1) == ytr[idx]).sum().item()
        acc, tl = evaluate(layer, xte, yte, 256)
        print(f"epoch {epoch}: train loss {lsum / len(ytr):.4f} acc {100 * correct / len(ytr):.1f} %  "
              f"test loss {tl:.4f} test acc {100 * acc:.1f} %  ({time.time() - t0:.2f} s)", flush=True)


if __name__ == "__main__":
    main()
