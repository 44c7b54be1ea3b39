#!/usr/bin/env python3
"""gen_digits6x5.py — the seeds' small data set: the digits 0-9 as 6x5
black-and-white images (Zhang et al., ICACI 2022: a 30x10 memristor
crossbar learns them), written as MNIST-style IDX files.

    tools/gen_digits6x5.py [-o netlists/digits6x5]

Writes train-images-idx3-ubyte, train-labels-idx1-ubyte,
t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (uncompressed; pixels 0
or 255, 6 rows x 5 columns):
  train: the 10 clean glyphs, then 190 noisy copies (seed 1),
  test:  the 10 clean glyphs, then 190 noisy copies (seed 2);
sample i (i >= 10) is digit i % 10 with every pixel flipped with
probability 0.05.  The output is the same bytes on every run (Python's
random.Random is a seeded Mersenne Twister), so the files in the
repository are exactly what this script writes.  Standard library only.
"""
import argparse
import os
import random
import struct

ROWS, COLS = 6, 5
FLIP = 0.05
N_SAMPLES = 200

# The ten glyphs, '#' = ink (255).  Any two differ in at least 5 pixels.
GLYPHS = [
    [".###.", "#...#", "#...#", "#...#", "#...#", ".###."],  # 0
    ["..#..", ".##..", "..#..", "..#..", "..#..", ".###."],  # 1
    [".###.", "#...#", "...#.", "..#..", ".#...", "#####"],  # 2
    ["####.", "....#", ".###.", "....#", "....#", "####."],  # 3
    ["...#.", "..##.", ".#.#.", "#####", "...#.", "...#."],  # 4
    ["#####", "#....", "####.", "....#", "#...#", ".###."],  # 5
    ["..##.", ".#...", "####.", "#...#", "#...#", ".###."],  # 6
    ["#####", "....#", "...#.", "..#..", "..#..", "..#.."],  # 7
    [".###.", "#...#", ".###.", "#...#", "#...#", ".###."],  # 8
    [".###.", "#...#", "#...#", ".####", "...#.", ".##.."],  # 9
]


def glyph_pixels(d):
    rows = GLYPHS[d]
    assert len(rows) == ROWS and all(len(r) == COLS for r in rows)
    return [255 if ch == "#" else 0 for r in rows for ch in r]


def min_distance():
    px = [glyph_pixels(d) for d in range(10)]
    return min(sum(a != b for a, b in zip(px[i], px[j]))
               for i in range(10) for j in range(i + 1, 10))


def make_set(seed, n=N_SAMPLES):
    """n samples: the 10 clean glyphs, then noisy copies of digit i % 10."""
    rng = random.Random(seed)
    images, labels = [], []
    for i in range(n):
        d = i % 10
        px = glyph_pixels(d)
        if i >= 10:
            px = [255 - p if rng.random() < FLIP else p for p in px]
        images.append(bytes(px))
        labels.append(d)
    return images, labels


def write_atomic(path, data):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def write_idx(outdir, prefix, images, labels):
    n = len(images)
    write_atomic(os.path.join(outdir, prefix + "-images-idx3-ubyte"),
                 struct.pack(">IIII", 0x803, n, ROWS, COLS) + b"".join(images))
    write_atomic(os.path.join(outdir, prefix + "-labels-idx1-ubyte"),
                 struct.pack(">II", 0x801, n) + bytes(labels))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--outdir", default=os.path.join(here, "..", "netlists", "digits6x5"))
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    write_idx(args.outdir, "train", *make_set(seed=1))
    write_idx(args.outdir, "t10k", *make_set(seed=2))
    print("digits6x5: %d train + %d test samples of %dx%d in %s (glyphs differ in >= %d pixels)"
          % (N_SAMPLES, N_SAMPLES, ROWS, COLS, os.path.normpath(args.outdir), min_distance()))


if __name__ == "__main__":
    main()
