#!/usr/bin/env python3
"""Train a memristive spiking network netlist as a PyTorch layer.

    python3 python/examples/train_mnist.py                       # digits6x5 (bundled)
    python3 python/examples/train_mnist.py --net net.cir --data ~/.cache/memspice/mnist \
        --train-limit 2000 --test-limit 500                       # an MNIST subset

A standard PyTorch loop: CircuitLayer (the circuit's trainable cell states
are its nn.Parameter), cross-entropy, Adam, the bounds applied after each
step, as `memspice train NET --data DIR --epochs E --batch B --lr LR --seed S`
does.  The data are IDX files (the MNIST format) read with NumPy, pixels /
255 in float32 as the trainer reads them.  By default (--order memspice) the
epochs visit the samples in the trainer's order (its counter-based shuffle of
(seed, epoch), whole batches only), so with the same netlist, options and
seed this loop computes what `memspice train` does: the same parameters to
rounding and the same accuracy (tests/python/test_torch.py checks it);
--order torch shuffles with torch.randperm instead.
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
    x = (x.reshape(len(y), -1).astype(np.float32) / np.float32(255)).astype(np.float64)   # as the trainer reads
    if limit:
        x, y = x[:limit], y[:limit]
    return torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))


M64 = (1 << 64) - 1


def _mix64(z):
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def trainer_order(n, seed, epoch):
    """The order `memspice train` visits n samples in an epoch (1, 2, ...):
    Fisher-Yates with draw i = uniform(hash(seed, stream 1, epoch << 32 | i))
    (src/train/trainer.c shuffle, src/train/rng.h)."""
    idx = list(range(n))
    s = _mix64(_mix64(seed & M64) ^ 1)
    for i in range(n - 1, 0, -1):
        u = (_mix64(s ^ ((epoch << 32) | i)) >> 11) * 2.0 ** -53
        j = int(u * (i + 1))
        idx[i], idx[j] = idx[j], idx[i]
    return torch.tensor(idx, dtype=torch.int64)


def evaluate(layer, x, y, batch):
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            s = layer(x[i:i + batch])
            loss += torch.nn.functional.cross_entropy(s, y[i:i + batch], reduction="sum").item()
            correct += (s.argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(y), loss / len(y)


def parse_args(argv=None):
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
    ap.add_argument("--order", default="memspice", choices=["memspice", "torch"],
                    help="memspice: the trainer's sample order, whole batches (default); torch: torch.randperm")
    return ap.parse_args(argv)


def train(a):
    """Train as the options say; returns the layer and one dict per epoch."""
    torch.manual_seed(a.seed)
    xtr, ytr = load(a.data, "train", a.train_limit)
    xte, yte = load(a.data, "test", a.test_limit)
    layer = mt.CircuitLayer(a.net, engine=a.engine, threads=a.threads, seed=a.seed)
    if layer.n_inputs != xtr.shape[1]:
        sys.exit(f"{a.net}: {layer.n_inputs} inputs, the data have {xtr.shape[1]} features")
    print(f"{layer}  train {len(ytr)}  test {len(yte)}")
    opt = torch.optim.Adam(layer.parameters(), lr=a.lr)
    layer.clamp_after(opt)   # the cells' states stay in their bounds, as in memspice train
    history, n = [], len(ytr)
    B = min(a.batch, n)
    for epoch in range(1, a.epochs + 1):
        t0, lsum, correct = time.time(), 0.0, 0
        perm = trainer_order(n, a.seed, epoch) if a.order == "memspice" else torch.randperm(n)
        stop = n - n % B if a.order == "memspice" else n   # the trainer takes whole batches only
        for i in range(0, stop, B):
            idx = perm[i:i + B]
            scores = layer(xtr[idx])
            loss = torch.nn.functional.cross_entropy(scores, ytr[idx])   # mean over the batch, as memspice train
            opt.zero_grad()
            loss.backward()
            opt.step()
            lsum += loss.item() * len(idx)
            correct += (scores.argmax(1) == ytr[idx]).sum().item()
        acc, tl = evaluate(layer, xte, yte, 256)
        history.append(dict(epoch=epoch, train_loss=lsum / stop, train_acc=correct / stop, test_loss=tl,
                            test_acc=acc))
        print(f"epoch {epoch}: train loss {lsum / stop:.4f} acc {100 * correct / stop:.1f} %  "
              f"test loss {tl:.4f} test acc {100 * acc:.1f} %  ({time.time() - t0:.2f} s)", flush=True)
    return layer, history


def main():
    train(parse_args())


if __name__ == "__main__":
    main()
