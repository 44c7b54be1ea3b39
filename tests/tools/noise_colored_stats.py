#!/usr/bin/env python3
"""noise_colored_stats.py — statistics of tests/devices/noise_colored.cir's
sources from a memspice CSV or an ngspice `wrdata v(a) v(b) v(c)` file,
checked against TRNOISE's definitions (Kasdin 1/f, as ngspice):

- v(a1..a4), v(b1..b4): 1/f noise NAMP = 1 mV, NALPHA = 1 and 1.5, NT =
  1 us.  The Hann-windowed periodogram of the 65,536 samples (the values
  at k NT), averaged over the 4 sources and in 24 log-spaced bins for f in
  [32/n, 0.02] cycles per sample, must have a log-log slope (least squares
  weighted by the points in each bin) within 0.1 of the theory's and a
  level within 15 % of it.  The theory is Kasdin's
  NAMP^2 / (2 sin(pi f))^NALPHA (memspice: a linear convolution); with
  `--circular M`, times |H_M(f)|^2 (2 sin(pi f))^NALPHA, H_M the transform
  of the filter cut at M coefficients: ngspice convolves circularly over
  its buffer of M samples (it prints "M 1/f noise values"), which for
  NALPHA = 1.5 lowers the band by 13-30 % and flattens it;
- v(c): random telegraph noise RTSAM = 1 mV, RTSCAPT = 20 us, RTSEMT =
  50 us: every value 0 or RTSAM, the mean low and high dwell times within
  4 sigma (an exponential's mean of N has sigma mean/sqrt(N)) of their
  means, plus one output step (ngspice shows an emission at the point after
  its instant).

Usage: noise_colored_stats.py FILE csv|wrdata [--circular M]
(wrdata: the columns of `wrdata FILE v(a1) .. v(a4) v(b1) .. v(b4) v(c)`)"""
import cmath, csv, math, sys

NT, N, NAMP = 1e-6, 65536, 1e-3


NAMES = ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3', 'b4', 'c']


def load(path, fmt):
    if fmt == 'csv':
        rows = list(csv.DictReader(open(path)))
        return [float(r['time']) for r in rows], {c: [float(r[f'v({c})']) for r in rows] for c in NAMES}
    rows = [list(map(float, l.split())) for l in open(path) if l.strip()]
    return [r[0] for r in rows], {c: [r[2 * i + 1] for r in rows] for i, c in enumerate(NAMES)}


def grid(t, v):
    """the value at each k NT, k = 0 .. N-1 (both simulators step on them)"""
    out = {}
    for x, y in zip(t, v):
        k = round(x / NT)
        if 0 <= k < N and abs(x - k * NT) < 1e-6 * NT:
            out[k] = y
    return [out[k] for k in range(N)] if len(out) == N else None


def fft(x):
    n = len(x)
    if n == 1:
        return x
    even, odd = fft(x[0::2]), fft(x[1::2])
    tw = [cmath.exp(-2j * math.pi * k / n) * odd[k] for k in range(n // 2)]
    return [even[k] + tw[k] for k in range(n // 2)] + [even[k] - tw[k] for k in range(n // 2)]


def circular_factor(alpha, f, M):
    """|H_M(f)|^2 (2 sin pi f)^alpha: the filter cut at M coefficients"""
    h, H, rot, z = 1.0, 0j, cmath.exp(-2j * math.pi * f), 1 + 0j
    for j in range(M):
        if j:
            h *= (alpha / 2 + j - 1) / j
        H += h * z
        z *= rot
    return abs(H) ** 2 * (2 * math.sin(math.pi * f)) ** alpha


def spectrum(xs, alpha, circular):
    w = [0.5 - 0.5 * math.cos(2 * math.pi * k / N) for k in range(N)]
    ww = sum(h * h for h in w)
    P = [0.0] * (N // 2)
    for x in xs:
        m = sum(x) / len(x)
        X = fft([(v - m) * h for v, h in zip(x, w)])
        for k in range(N // 2):
            P[k] += abs(X[k]) ** 2 / ww / len(xs)
    lf0, lf1, bins = math.log(32 / N), math.log(0.02), 24
    lf, lp, lt, wt = [], [], [], []
    for b in range(bins):
        k0 = math.ceil(math.exp(lf0 + (lf1 - lf0) * b / bins) * N)
        k1 = math.ceil(math.exp(lf0 + (lf1 - lf0) * (b + 1) / bins) * N)
        if k1 <= k0:
            continue
        p = sum(P[k0:k1]) / (k1 - k0)
        f = sum(k / N for k in range(k0, k1)) / (k1 - k0)
        th = sum(NAMP ** 2 / (2 * math.sin(math.pi * k / N)) ** alpha for k in range(k0, k1)) / (k1 - k0)
        if circular:
            th *= circular_factor(alpha, f, circular)
        lf.append(math.log(f))
        lp.append(math.log(p))
        lt.append(math.log(th))
        wt.append(k1 - k0)   # a bin's log-mean has a variance ~ 1/(its points)
    level = sum(w * math.exp(p - t) for w, p, t in zip(wt, lp, lt)) / sum(wt)
    return fit_slope(lf, lp, wt), fit_slope(lf, lt, wt), level


def fit_slope(x, y, w):
    """weighted least squares"""
    sw = sum(w)
    mx, my = sum(a * c for a, c in zip(x, w)) / sw, sum(b * c for b, c in zip(y, w)) / sw
    return sum(c * (a - mx) * (b - my) for a, b, c in zip(x, y, w)) / sum(c * (a - mx) ** 2 for a, c in zip(x, w))


def dwells(t, v, am):
    """low and high dwell times between level changes (the first point at a new level)"""
    lev = [round(y / am) for y in v]
    if any(abs(y - l * am) > 1e-9 * am or l not in (0, 1) for y, l in zip(v, lev)):
        return None
    low, high, last, cur = [], [], 0.0, 0
    for x, l in zip(t, lev):
        if l != cur:
            (low if cur == 0 else high).append(x - last)
            last, cur = x, l
    steps = max(b - a for a, b in zip(t, t[1:]))
    return low, high, steps


def main():
    t, col = load(sys.argv[1], sys.argv[2])
    circular = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == '--circular' else 0
    good = True
    for c, alpha in (('a', 1.0), ('b', 1.5)):
        xs = [grid(t, col[f'{c}{i}']) for i in range(1, 5)]
        if None in xs:
            print(f"v({c}*): not every sample time k NT is an output point")
            good = False
            continue
        slope, want, level = spectrum(xs, alpha, circular)
        ok = abs(slope - want) <= 0.1 and abs(level - 1) <= 0.15
        print(f"v({c}1..4) alpha {alpha}: slope {slope:.3f} (theory {want:.3f}), level/theory {level:.3f}" +
              ("" if ok else " BAD"))
        good &= ok
    d = dwells(t, col['c'], 1e-3)
    if d is None:
        print("v(c): values other than 0 and RTSAM")
        return 1
    low, high, step = d
    for name, xs, mean in (('low', low, 20e-6), ('high', high, 50e-6)):
        m = sum(xs) / len(xs)
        tol = 4 * mean / len(xs) ** 0.5 + step
        ok = abs(m - mean) <= tol
        print(f"v(c) {name}: {len(xs)} dwells, mean {m * 1e6:.2f} us ({mean * 1e6:.0f} +- {tol * 1e6:.2f})" + ("" if ok else " BAD"))
        good &= ok
    return 0 if good else 1


if __name__ == '__main__':
    sys.exit(main())
