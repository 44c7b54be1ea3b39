/* compare.c — see compare.h. */
#include "compare.h"

#include <math.h>
#include <stdlib.h>

#include "../util/util.h"

static double Y(const MsWave *w, size_t k)
{
    return w->y[k * w->stride];
}

/* The largest i with t[i] <= tq (0 if tq < t[0]). */
static size_t find_interval(const MsWave *w, double tq, size_t *hint)
{
    const double *t = w->t;
    size_t n = w->n;
    if (hint && *hint < n && t[*hint] <= tq) {
        size_t i = *hint;
        /* a sweep with increasing tq moves a few intervals at most */
        for (int k = 0; k < 4 && i + 1 < n && t[i + 1] <= tq; k++)
            i++;
        if (i + 1 == n || t[i + 1] > tq)
            return *hint = i;
    }
    size_t lo = 0, hi = n;   /* t[lo] <= tq (or lo == 0), t[hi] > tq (or hi == n) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid] <= tq)
            lo = mid;
        else
            hi = mid;
    }
    if (hint)
        *hint = lo;
    return lo;
}

/* Second divided difference of points i, i+1, i+2 (NAN when two coincide). */
static double dd2(const MsWave *w, size_t i)
{
    double t0 = w->t[i], t1 = w->t[i + 1], t2 = w->t[i + 2];
    if (!(t1 > t0) || !(t2 > t1))
        return NAN;
    double d01 = (Y(w, i + 1) - Y(w, i)) / (t1 - t0), d12 = (Y(w, i + 2) - Y(w, i + 1)) / (t2 - t1);
    return (d12 - d01) / (t2 - t0);
}

double ms_wave_at(const MsWave *w, double tq, size_t *hint)
{
    if (w->n == 0)
        return NAN;
    if (tq <= w->t[0])
        return Y(w, 0);
    if (tq >= w->t[w->n - 1])
        return Y(w, w->n - 1);
    size_t i = find_interval(w, tq, hint);
    /* t[i] <= tq < t[i+1]: the interval has a positive width */
    double t0 = w->t[i], t1 = w->t[i + 1];
    double lin = Y(w, i) + (tq - t0) / (t1 - t0) * (Y(w, i + 1) - Y(w, i));
    /* Add a quadratic term whose curvature is the minmod of the two 3-point
     * stencils around the interval (the smaller one when both bend the same
     * way, none otherwise).  It follows the exponential edges an adaptive
     * step traverses in a few points, where a straight line cuts the corner;
     * next to a breakpoint corner, or on a ramp between two corners, the
     * stencils disagree and the line (exact there) is kept. */
    double cl = i >= 1 ? dd2(w, i - 1) : NAN, cr = i + 2 < w->n ? dd2(w, i) : NAN;
    if (isnan(cl) || isnan(cr) || (cl > 0) != (cr > 0) || cl == 0 || cr == 0)
        return lin;
    double c = fabs(cl) <= fabs(cr) ? cl : cr;
    return lin + c * (tq - t0) * (tq - t1);
}

/* Inside the common span, one waveform may start a little later than the
 * other (ngspice leaves out t = 0 after a uic start): before its first point
 * (and after its last), continue it along the line of its first (last) two
 * points rather than clamping it to a constant. */
static double at_ext(const MsWave *w, double tq, size_t *hint)
{
    size_t n = w->n;
    if (n >= 2 && tq < w->t[0] && w->t[1] > w->t[0])
        return Y(w, 0) + (tq - w->t[0]) * (Y(w, 1) - Y(w, 0)) / (w->t[1] - w->t[0]);
    if (n >= 2 && tq > w->t[n - 1] && w->t[n - 1] > w->t[n - 2])
        return Y(w, n - 1) + (tq - w->t[n - 1]) * (Y(w, n - 1) - Y(w, n - 2)) / (w->t[n - 1] - w->t[n - 2]);
    return ms_wave_at(w, tq, hint);
}

/* The larger of the two ranges (an offset between the signals does not
 * widen it); the magnitude when both are constant (to rounding noise). */
static double signal_scale(const MsWave *a, const MsWave *b)
{
    double range = 0, mag = 0;
    const MsWave *w2[2] = {a, b};
    for (int s = 0; s < 2; s++) {
        double mn = INFINITY, mx = -INFINITY;
        for (size_t k = 0; k < w2[s]->n; k++) {
            double y = Y(w2[s], k);
            mn = fmin(mn, y);
            mx = fmax(mx, y);
            mag = fmax(mag, fabs(y));
        }
        range = fmax(range, mx - mn);
    }
    return range > 1e-9 * mag ? range : mag;
}

static void relative(MsWaveErr *e, double rms)
{
    if (e->scale > 0) {
        e->max_rel = e->max_abs / e->scale;
        e->nrms = rms / e->scale;
    } else {
        e->max_rel = e->max_abs > 0 ? INFINITY : 0;
        e->nrms = rms > 0 ? INFINITY : 0;
    }
}

void ms_points_compare(const MsWave *a, const MsWave *b, MsWaveErr *e)
{
    *e = (MsWaveErr){0};
    size_t n = a->n < b->n ? a->n : b->n;
    if (n == 0)
        return;
    e->t0 = a->t[0];
    e->t1 = a->t[n - 1];
    e->t_max = a->t[0];
    e->na = e->nb = n;
    double sumsq = 0;
    for (size_t k = 0; k < n; k++) {
        double d = Y(a, k) - Y(b, k), ad = isnan(d) ? INFINITY : fabs(d);
        if (ad > e->max_abs) {
            e->max_abs = ad;
            e->t_max = a->t[k];
        }
        sumsq += isnan(d) ? INFINITY : d * d;
    }
    e->scale = signal_scale(a, b);
    relative(e, sqrt(sumsq / (double)n));
}

double ms_allowed(double scale, double rtol, double atol)
{
    return atol + rtol * scale;
}

/* One direction: a's points against b interpolated.  Returns the number of
 * points of a in [t0, t1]; *max_abs, *t_max, *ms (mean square) set. */
static size_t one_way(const MsWave *a, const MsWave *b, double t0, double t1, double *max_abs,
                      double *t_max, double *ms)
{
    size_t hint = 0, cnt = 0;
    double worst = 0, tw = t0, integral = 0, sumsq = 0;
    double prev_t = 0, prev_d2 = 0;
    for (size_t k = 0; k < a->n; k++) {
        double t = a->t[k];
        if (t < t0 || t > t1)
            continue;
        double d = Y(a, k) - at_ext(b, t, &hint);
        double ad = fabs(d);
        if (ad > worst || isnan(d)) {
            worst = isnan(d) ? INFINITY : ad;
            tw = t;
        }
        double d2 = d * d;
        if (cnt > 0)
            integral += 0.5 * (prev_d2 + d2) * (t - prev_t);
        sumsq += d2;
        prev_t = t;
        prev_d2 = d2;
        cnt++;
    }
    *max_abs = worst;
    *t_max = tw;
    if (cnt == 0)
        *ms = 0;
    else if (t1 > t0 && cnt > 1)
        *ms = integral / (t1 - t0);
    else
        *ms = sumsq / (double)cnt;
    return cnt;
}

/* The points of w inside [t0, t1]. */
static MsWave window(const MsWave *w, double t0, double t1)
{
    size_t i = 0, j = w->n;
    while (i < w->n && w->t[i] < t0)
        i++;
    while (j > i && w->t[j - 1] > t1)
        j--;
    return (MsWave){w->t + i, w->y + i * w->stride, j - i, w->stride};
}

int ms_wave_compare(const MsWave *a_all, const MsWave *b_all, MsWaveErr *e)
{
    *e = (MsWaveErr){0};
    if (a_all->n == 0 || b_all->n == 0)
        return -1;
    double t0 = fmax(a_all->t[0], b_all->t[0]), t1 = fmin(a_all->t[a_all->n - 1], b_all->t[b_all->n - 1]);
    if (t1 < t0)
        return -1;
    e->t0 = t0;
    e->t1 = t1;
    /* Only the common span counts, and no point outside it is used, not even
     * to interpolate: ngspice leaves out t = 0 after a uic start, where
     * memspice's point is the initial vector before the sources are
     * applied. */
    MsWave wa = window(a_all, t0, t1), wb = window(b_all, t0, t1);
    const MsWave *a = &wa, *b = &wb;
    if (a->n == 0 || b->n == 0)
        return -1;

    e->scale = signal_scale(a, b);

    double ma, ta, msa, mb, tb, msb;
    e->na = one_way(a, b, t0, t1, &ma, &ta, &msa);
    e->nb = one_way(b, a, t0, t1, &mb, &tb, &msb);
    if (mb > ma) {
        e->max_abs = mb;
        e->t_max = tb;
    } else {
        e->max_abs = ma;
        e->t_max = ta;
    }
    relative(e, sqrt(fmax(msa, msb)));
    return 0;
}

void ms_wave_diff(const MsWave *a_all, const MsWave *b_all, double **tout, double **dout, size_t *nout)
{
    *tout = *dout = NULL;
    *nout = 0;
    if (a_all->n == 0 || b_all->n == 0)
        return;
    double t0 = fmax(a_all->t[0], b_all->t[0]), t1 = fmin(a_all->t[a_all->n - 1], b_all->t[b_all->n - 1]);
    MsWave wa = window(a_all, t0, t1), wb = window(b_all, t0, t1);
    const MsWave *a = &wa, *b = &wb;
    if (a->n == 0 || b->n == 0)
        return;
    size_t cap = a->n + b->n, n = 0;
    double *t = ms_malloc(cap * sizeof *t), *d = ms_malloc(cap * sizeof *d);
    size_t i = 0, j = 0, ha = 0, hb = 0;
    while (i < a->n || j < b->n) {
        int take_a = j >= b->n || (i < a->n && a->t[i] <= b->t[j]);
        double tq;
        double diff;
        if (take_a) {
            tq = a->t[i];
            diff = Y(a, i) - at_ext(b, tq, &hb);
            i++;
        } else {
            tq = b->t[j];
            diff = at_ext(a, tq, &ha) - Y(b, j);
            j++;
        }
        if (tq < t0 || tq > t1)
            continue;
        t[n] = tq;
        d[n] = diff;
        n++;
    }
    *tout = t;
    *dout = d;
    *nout = n;
}
