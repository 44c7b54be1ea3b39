/* meas_window.c — AVG, MIN, MAX, PP over a FROM/TO window and INTEG/RMS with
 * ngspice's composite rule: see measure.c for the semantics. */
#include "measure_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Equal to within 100 units in the last place: the steps ngspice's
 * composite rule treats as one grid. */
static int almost_equal(double a, double b)
{
    double m = fmax(fabs(a), fabs(b));
    return fabs(a - b) <= 100 * (nextafter(m, INFINITY) - m);
}

/* The panel of the composite rule that starts at point i: 3 (Simpson 3/8),
 * 2 (Simpson 1/3) or 1 (trapezoid) steps. */
static int panel(const double *x, size_t n, size_t i)
{
    double w = x[i + 1] - x[i];
    if (i + 3 < n && almost_equal(w, x[i + 2] - x[i + 1]) && almost_equal(w, x[i + 3] - x[i + 2]))
        return 3;
    if (i + 2 < n && almost_equal(w, x[i + 2] - x[i + 1]))
        return 2;
    return 1;
}

static double composite_integral(const double *x, const double *y, size_t n)
{
    double sum = 0;
    size_t i = 0;
    while (i + 1 < n) {
        double w = x[i + 1] - x[i];
        int p = panel(x, n, i);
        if (p == 3)
            sum += 3 * w * (y[i] + 3 * (y[i + 1] + y[i + 2]) + y[i + 3]) / 8;
        else if (p == 2)
            sum += w * (y[i] + 4 * y[i + 1] + y[i + 2]) / 3;
        else
            sum += w * (y[i] + y[i + 1]) / 2;
        i += (size_t)p;
    }
    return sum;
}

/* The same rule's weights: integral = sum of W[i] y[i]. */
static void composite_weights(const double *x, size_t n, double *W)
{
    memset(W, 0, n * sizeof *W);
    size_t i = 0;
    while (i + 1 < n) {
        double w = x[i + 1] - x[i];
        int p = panel(x, n, i);
        if (p == 3) {
            W[i] += 3 * w / 8, W[i + 1] += 9 * w / 8, W[i + 2] += 9 * w / 8, W[i + 3] += 3 * w / 8;
        } else if (p == 2) {
            W[i] += w / 3, W[i + 1] += 4 * w / 3, W[i + 2] += w / 3;
        } else {
            W[i] += w / 2, W[i + 1] += w / 2;
        }
        i += (size_t)p;
    }
}

static void window_text(const Ctx *x, const MsMeasDef *d, char *buf, size_t cap)
{
    char from[32] = "start";
    if (d->has_from || x->an != MS_MEAS_DC)
        snprintf(from, sizeof from, "%g", d->has_from ? d->from : 0);
    if (d->has_to)
        snprintf(buf, cap, "[%s, %g]", from, d->to);
    else
        snprintf(buf, cap, "[%s, end]", from);
}

/* lerp_y's weights on s[k-1] and s[k]. */
void ms_meas_lerp_weights(const double *t, size_t k, double x, double *c0, double *c1)
{
    double dt = t[k] - t[k - 1];
    *c1 = dt == 0 ? 1 : (x - t[k - 1]) / dt;
    *c0 = dt == 0 ? 0 : 1 - *c1;
}

/* One point of the INTEG/RMS window: X, the signal's value V there and where
 * it comes from, V = C0 s[K0] + C1 s[K1] (an end interpolated in step K1). */
typedef struct WinPt {
    double X, V, C0, C1;
    size_t K0, K1;
} WinPt;

static WinPt win_point(size_t k, double xv, double v) { return (WinPt){xv, v, 0, 1, k, k}; }

static WinPt win_lerp(const double *t, const double *s, size_t k, double xv)
{
    WinPt p = {xv, ms_meas_lerp_y(t, s, k, xv), 0, 0, k - 1, k};
    ms_meas_lerp_weights(t, k, xv, &p.C0, &p.C1);
    return p;
}

/* INTEG / RMS: the window [from, to] with interpolated ends. */
int ms_meas_integ_rms(const Ctx *x, const MsMeasDef *d, const double *s, MsMeasure *out)
{
    const double *t = x->r->time;
    size_t n = x->r->npts, m = 0;
    WinPt *P = ms_malloc((n + 1) * sizeof *P);
    /* a sweep's default window is all of it, in sweep order (a descending or
     * nested sweep's steps are negative there, as in ngspice) */
    int dc = x->an == MS_MEAS_DC;
    double from = d->has_from ? d->from : dc ? -INFINITY : 0, end = t[n - 1];
    int rms = d->kind == MS_MEAS_RMS;
    for (size_t k = 0; k < n; k++) {
        double xv = t[k];
        if (xv < from)
            continue;
        if (d->has_to && xv > d->to) {
            if (m == 0 && k > 0 && t[k - 1] < from)   /* the window inside one step */
                P[m++] = win_lerp(t, s, k, from);
            WinPt p = win_point(k, xv, s[k]);
            if (k > 0 && m > 0 && !almost_equal(xv, d->to))
                p = win_lerp(t, s, k, d->to);
            if (m > 0)
                P[m++] = p;
            end = p.X;
            break;
        }
        if (m == 0 && from != 0 && k > 0 && !almost_equal(xv, from))
            P[m++] = win_lerp(t, s, k, from);
        else
            P[m++] = win_point(k, xv, s[k]);
    }
    int ok = 1;
    if (m < 2 || !(dc ? end != P[0].X : end > P[0].X)) {
        char w[80];
        window_text(x, d, w, sizeof w);
        ok = ms_meas_fail(out, "fewer than two time points in the window %s (out of interval)", w);
    } else {
        double *X = ms_malloc(m * sizeof *X), *Y = ms_malloc(m * sizeof *Y);
        for (size_t j = 0; j < m; j++) {
            X[j] = P[j].X;
            Y[j] = rms ? P[j].V * P[j].V : P[j].V;
        }
        double sum = composite_integral(X, Y, m), span = end - X[0];
        out->value = rms ? sqrt(sum / span) : sum;
        if (x->g && (!rms || out->value > 0)) {
            composite_weights(X, m, Y);   /* Y: the rule's weights now */
            for (size_t j = 0; j < m; j++) {
                double dv = rms ? Y[j] * P[j].V / (out->value * span) : Y[j];
                ms_meas_sens(x, &d->sig, P[j].K0, dv * P[j].C0);
                ms_meas_sens(x, &d->sig, P[j].K1, dv * P[j].C1);
            }
        }
        free(X);
        free(Y);
    }
    free(P);
    return ok;
}

/* AVG, MIN, MAX, PP over the points inside [from, to]. */
int ms_meas_stats(const Ctx *x, const MsMeasDef *d, const double *s, MsMeasure *out)
{
    const double *t = x->r->time;
    size_t n = x->r->npts, used = 0;
    int dc = x->an == MS_MEAS_DC;
    double from = d->has_from ? d->from : dc ? -INFINITY : 0;
    double mn = 0, mx = 0, mn_at = 0, mx_at = 0, area = 0, t0 = 0, tl = 0, prev = 0;
    size_t mn_k = 0, mx_k = 0, first = 0, last = 0;
    for (size_t k = 0; k < n; k++) {
        if (t[k] < from || (d->has_to && t[k] > d->to)) {
            if (!dc && used)   /* a transient's window ends at the first point past TO */
                break;
            continue;
        }
        if (!used) {
            mn = mx = s[k];
            mn_at = mx_at = t0 = t[k];
            mn_k = mx_k = first = k;
        } else {
            if (s[k] <= mn)
                mn = s[k], mn_at = t[k], mn_k = k;
            if (s[k] >= mx)
                mx = s[k], mx_at = t[k], mx_k = k;
            area += 0.5 * (s[k] + prev) * (t[k] - tl);
        }
        prev = s[k];
        tl = t[k];
        last = k;
        used++;
    }
    char w[80];
    window_text(x, d, w, sizeof w);
    if (!used || (d->kind == MS_MEAS_AVG && (used < 2 || !(dc ? tl != t0 : tl > t0))))
        return ms_meas_fail(out, "%s time points in the window %s (out of interval)", used ? "fewer than two" : "no", w);
    switch (d->kind) {
    case MS_MEAS_AVG: out->value = area / (tl - t0); break;
    case MS_MEAS_MIN: out->value = mn; out->trig = mn_at; break;
    case MS_MEAS_MAX: out->value = mx; out->trig = mx_at; break;
    default: out->value = mx - mn; break;
    }
    if (!x->g)
        return 1;
    if (d->kind == MS_MEAS_MIN || d->kind == MS_MEAS_PP)   /* a subgradient: the extreme point's */
        ms_meas_sens(x, &d->sig, mn_k, d->kind == MS_MEAS_PP ? -1 : 1);
    if (d->kind == MS_MEAS_MAX || d->kind == MS_MEAS_PP)
        ms_meas_sens(x, &d->sig, mx_k, 1);
    if (d->kind == MS_MEAS_AVG) {   /* the trapezoids' weights over the span (a transient's points are contiguous) */
        for (size_t k = first + 1; k <= last; k++) {
            double wk = 0.5 * (t[k] - t[k - 1]) / (tl - t0);
            ms_meas_sens(x, &d->sig, k - 1, wk);
            ms_meas_sens(x, &d->sig, k, wk);
        }
    }
    return 1;
}
