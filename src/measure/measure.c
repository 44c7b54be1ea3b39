/* measure.c — .meas cards evaluated on a result (memspice.h, ms_measure).
 *
 * Generic over the analysis: the scale is r->time (time, a swept value or a
 * frequency), the signals are r's columns (of an AC result: the real vector
 * of the card's AC form, signal_values).  The semantics are ngspice's
 * (com_measure2.c, checked against ngspice 39; README "Measurements"):
 *  - crossings: the signal is "below" val while < val; a rise is a step from
 *    below to >= val, a fall from above to <= val, the time linearly
 *    interpolated between the two points.  Points before TD are skipped.  On
 *    the first interval after TD ngspice counts only an upward crossing
 *    (RISE=1/CROSS=1), and a measure without RISE/FALL/CROSS takes the first
 *    crossing after that interval: both kept, so the results agree;
 *  - FIND ... AT: linear interpolation between the two points around AT;
 *  - AVG: trapezoidal integral over the points inside [FROM, TO] divided by
 *    the time they span (no interpolation at the ends); MIN/MAX/PP over
 *    those points;
 *  - INTEG/RMS: the window's ends interpolated, then ngspice's composite rule
 *    (Simpson 3/8 over three equal steps, Simpson 1/3 over two, trapezoid
 *    otherwise); RMS = sqrt(integral of v^2 / window).
 * A measure that cannot be taken is "failed" with the reason, as in ngspice. */
#include "measure.h"
#include "../netlist/ac_forms.h"
#include "../netlist/tape.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Ctx {
    const MsCircuit *c;
    const MsResult *r;
    MsMeasAnalysis an;
    MsMeasure *out;        /* measures so far (PARAM reads them) */
    int nout;
    MsMeasGrad *g;         /* per measure (out's order): its derivative, or NULL (values only) */
    double gmul;           /* what sens() multiplies by (the chain rule of the caller) */
} Ctx;

/* d value / d sig(k) += gmul d, for the measure being taken (out[nout]). */
static void sens(const Ctx *x, const MsVecRef *sig, size_t k, double d)
{
    if (!x->g || !sig || !sig->name || d == 0)
        return;
    MsMeasGrad *g = &x->g[x->nout];
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 8;
        g->e = ms_realloc(g->e, g->cap * sizeof *g->e);
    }
    g->e[g->n++] = (MsMeasSens){sig, k, x->gmul * d};
}

static int fail(MsMeasure *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(MsMeasure *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->why, sizeof m->why, fmt, ap);
    va_end(ap);
    m->ok = 0;
    return 0;
}

static const double *column(const MsResult *r, const double *base, const char *name)
{
    int j = ms_result_find(r, name);
    return j < 0 ? NULL : base + j;   /* stride r->nvec */
}

static int is_ground(const char *node) { return !strcmp(node, "0") || !strcmp(node, "gnd"); }

/* s[k] = signal `name` at every point, from base (r->data, or r->imag of a
 * complex result): a column of r; v(a,b) from v(a) and v(b); v(0) is 0.
 * 0 with the reason in m when r has no such vector. */
static int gather(const MsResult *r, const double *base, const char *name, double *s, MsMeasure *m)
{
    size_t n = r->npts, st = (size_t)r->nvec;
    const double *col = column(r, base, name);
    if (col) {
        for (size_t k = 0; k < n; k++)
            s[k] = col[k * st];
        return 1;
    }
    char a[256], b[256];
    int two = sscanf(name, "v(%255[^,)],%255[^)])", a, b) == 2;
    if (two || (sscanf(name, "v(%255[^)])", a) == 1 && is_ground(a))) {
        const char *nodes[2] = {a, two ? b : "0"};
        for (size_t k = 0; k < n; k++)
            s[k] = 0;
        for (int i = 0; i < 2; i++) {
            if (is_ground(nodes[i]))
                continue;
            char *vn = ms_asprintf("v(%s)", nodes[i]);
            col = column(r, base, vn);
            free(vn);
            if (!col)
                return fail(m, "no vector v(%s) in the result", nodes[i]);
            for (size_t k = 0; k < n; k++)
                s[k] += (i ? -1 : 1) * col[k * st];
        }
        return 1;
    }
    return fail(m, "no vector %s in the result", name);
}

/* The values of signal `sig` at every point (malloc'ed), or NULL with the
 * reason in m.  On a complex (AC) result the real vector of sig's AC form
 * (vdb, vm, vp, ...; the real part for a plain v()/i(), as ngspice 39 measures
 * them), so everything below measures it as it measures a transient. */
static double *signal_values(const MsResult *r, const MsVecRef *sig, MsMeasure *m)
{
    size_t n = r->npts ? r->npts : 1;
    double *s = ms_calloc(n, sizeof *s);
    if (!gather(r, r->data, sig->name, s, m)) {
        free(s);
        return NULL;
    }
    if (r->imag) {
        double *im = ms_calloc(n, sizeof *im);
        gather(r, r->imag, sig->name, im, m);   /* same layout as data: found too */
        for (size_t k = 0; k < r->npts; k++)
            s[k] = ms_ac_form_value(sig->form, s[k], im[k]);
        free(im);
    }
    return s;
}

static double lerp_x(const double *t, const double *s, size_t k, double val)
{
    double ds = s[k] - s[k - 1];
    return ds == 0 ? t[k] : t[k - 1] + (val - s[k - 1]) * (t[k] - t[k - 1]) / ds;
}

static double lerp_y(const double *t, const double *s, size_t k, double x)
{
    double dt = t[k] - t[k - 1];
    return dt == 0 ? s[k] : s[k - 1] + (x - t[k - 1]) * (s[k] - s[k - 1]) / dt;
}

/* The time (scale value) of the crossing m asks for: 1 found, 0 not. */
static int find_crossing(const double *t, const double *s, size_t n, double val, const MsMeasCond *m, int use_td,
                         double *out, size_t *at_k)
{
    size_t k0 = 0;
    while (use_td && k0 < n && t[k0] < m->td)
        k0++;
    if (k0 + 2 > n)
        return 0;
    int rise = 0, fall = 0, cross = 0, found = 0;
    size_t k = k0 + 1;
    int above = !(s[k] < val);
    if (above && s[k0] <= val) {   /* the first interval: an upward crossing only, as ngspice */
        rise = cross = 1;
        if ((m->edge == MS_EDGE_RISE || m->edge == MS_EDGE_CROSS) && m->n == 1) {
            *out = lerp_x(t, s, k, val);
            *at_k = k;
            return 1;
        }
    }
    for (k = k0 + 2; k < n; k++) {
        int ev = 0;
        if (!above && s[k] >= val) {
            above = 1;
            ev = 1;
            rise++;
            cross++;
        } else if (above && s[k] <= val) {
            above = 0;
            ev = -1;
            fall++;
            cross++;
        }
        if (!ev)
            continue;
        int count = m->edge == MS_EDGE_RISE ? (ev > 0 ? rise : 0) : m->edge == MS_EDGE_FALL ? (ev < 0 ? fall : 0) : cross;
        if (m->edge == MS_EDGE_ANY || (count && count == m->n)) {
            *out = lerp_x(t, s, k, val);
            *at_k = k;
            return 1;
        }
        if (count && m->n < 0) {   /* LAST: keep the latest */
            *out = lerp_x(t, s, k, val);
            *at_k = k;
            found = 1;
        }
    }
    return found;
}

static void describe_cond(const MsMeasCond *m, char *buf, size_t cap)
{
    static const char *edge[] = {"", " RISE=", " FALL=", " CROSS="};
    char n[32] = "";
    if (m->edge != MS_EDGE_ANY) {
        if (m->n < 0)
            snprintf(n, sizeof n, "%slast", edge[m->edge]);
        else
            snprintf(n, sizeof n, "%s%d", edge[m->edge], m->n);
    }
    char td[40] = "";
    if (m->td > 0)
        snprintf(td, sizeof td, " TD=%g", m->td);
    if (m->sig2.name)
        snprintf(buf, cap, "%s=%s%s%s", m->sig.name, m->sig2.name, n, td);
    else
        snprintf(buf, cap, "%s=%g%s%s", m->sig.name, m->val, n, td);
}

/* The derivative of a crossing time t = t[k-1] + (val - s[k-1]) dt / ds
 * (s = sig - sig2) with respect to the signals at k-1 and k, times mul. */
static void crossing_sens(Ctx *x, const MsMeasCond *m, const double *s, size_t k, double val, double mul)
{
    const double *t = x->r->time;
    double ds = s[k] - s[k - 1];
    if (!x->g || ds == 0)
        return;
    double dt = t[k] - t[k - 1];
    double d0 = dt * (val - s[k]) / (ds * ds), d1 = -dt * (val - s[k - 1]) / (ds * ds);
    double saved = x->gmul;
    x->gmul *= mul;
    sens(x, &m->sig, k - 1, d0);
    sens(x, &m->sig, k, d1);
    if (m->sig2.name) {
        sens(x, &m->sig2, k - 1, -d0);
        sens(x, &m->sig2, k, -d1);
    }
    x->gmul = saved;
}

/* A crossing's time into *t, or 0 with the reason in out; with x->g, its
 * derivative times `mul` (TRIG: -1, TARG: +1; FIND ... WHEN: the found
 * signal's slope, known only once the time is: mul 0 then, and the
 * interval in *at_k for a crossing_sens of the caller's). */
static int cond_time(Ctx *x, const MsMeasCond *m, const char *what, MsMeasure *out, double *t, double mul,
                     size_t *at_k)
{
    size_t k = 0;
    if (at_k)
        *at_k = 0;
    if (m->has_at) {
        *t = m->at;
        return 1;
    }
    const MsResult *r = x->r;
    double *s = signal_values(r, &m->sig, out);
    if (!s)
        return 0;
    double val = m->val;
    if (m->sig2.name) {   /* sig = sig2: sig - sig2 crosses 0 */
        double *s2 = signal_values(r, &m->sig2, out);
        if (!s2) {
            free(s);
            return 0;
        }
        for (size_t q = 0; q < r->npts; q++)
            s[q] -= s2[q];
        free(s2);
        val = 0;
    }
    int found = find_crossing(r->time, s, r->npts, val, m, x->an == MS_MEAS_TRAN, t, &k);
    if (found && mul != 0)
        crossing_sens(x, m, s, k, val, mul);
    if (at_k)
        *at_k = k;
    free(s);
    if (!found) {
        char d[300];
        describe_cond(m, d, sizeof d);
        return fail(out, "%s %s: no such crossing in the result (out of interval)", what, d);
    }
    return 1;
}

/* s at scale value `at` (interpolated): 1, or 0 outside the result. */
static int value_at(const double *t, const double *s, size_t n, double at, int descending_too, double *v,
                    size_t *at_k)
{
    for (size_t k = 1; k < n; k++)
        if ((t[k - 1] <= at && t[k] >= at) || (descending_too && t[k - 1] >= at && t[k] <= at)) {
            *v = lerp_y(t, s, k, at);
            *at_k = k;
            return 1;
        }
    return 0;
}

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
static void lerp_weights(const double *t, size_t k, double x, double *c0, double *c1)
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
    WinPt p = {xv, lerp_y(t, s, k, xv), 0, 0, k - 1, k};
    lerp_weights(t, k, xv, &p.C0, &p.C1);
    return p;
}

/* INTEG / RMS: the window [from, to] with interpolated ends. */
static int integ_rms(const Ctx *x, const MsMeasDef *d, const double *s, MsMeasure *out)
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
        ok = fail(out, "fewer than two time points in the window %s (out of interval)", w);
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
                sens(x, &d->sig, P[j].K0, dv * P[j].C0);
                sens(x, &d->sig, P[j].K1, dv * P[j].C1);
            }
        }
        free(X);
        free(Y);
    }
    free(P);
    return ok;
}

/* AVG, MIN, MAX, PP over the points inside [from, to]. */
static int stats(const Ctx *x, const MsMeasDef *d, const double *s, MsMeasure *out)
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
        return fail(out, "%s time points in the window %s (out of interval)", used ? "fewer than two" : "no", w);
    switch (d->kind) {
    case MS_MEAS_AVG: out->value = area / (tl - t0); break;
    case MS_MEAS_MIN: out->value = mn; out->trig = mn_at; break;
    case MS_MEAS_MAX: out->value = mx; out->trig = mx_at; break;
    default: out->value = mx - mn; break;
    }
    if (!x->g)
        return 1;
    if (d->kind == MS_MEAS_MIN || d->kind == MS_MEAS_PP)   /* a subgradient: the extreme point's */
        sens(x, &d->sig, mn_k, d->kind == MS_MEAS_PP ? -1 : 1);
    if (d->kind == MS_MEAS_MAX || d->kind == MS_MEAS_PP)
        sens(x, &d->sig, mx_k, 1);
    if (d->kind == MS_MEAS_AVG) {   /* the trapezoids' weights over the span (a transient's points are contiguous) */
        for (size_t k = first + 1; k <= last; k++) {
            double wk = 0.5 * (t[k] - t[k - 1]) / (tl - t0);
            sens(x, &d->sig, k - 1, wk);
            sens(x, &d->sig, k, wk);
        }
    }
    return 1;
}

static int lookup_measure(MsExprEnv *env, const char *name, double *v, MsError *err)
{
    const Ctx *x = env->user;
    for (int i = x->nout - 1; i >= 0; i--)
        if (!strcmp(x->out[i].name, name)) {
            if (!x->out[i].ok)
                return ms_err(err, MS_ERR_EVAL, "measure '%s' failed", name);
            *v = x->out[i].value;
            return 1;
        }
    int k;
    if (ms_map_get(&x->c->meas_param_index, name, &k)) {
        *v = x->c->meas_param_val[k];
        return 1;
    }
    return 0;
}

static int param(const Ctx *x, const MsMeasDef *d, MsMeasure *out)
{
    MsExprEnv env = {0};
    env.lookup = lookup_measure;
    env.user = (void *)x;
    env.loc = d->expr_loc;
    env.text = d->text;
    MsError e = {0};
    double v;
    if (ms_expr_eval(d->expr, &env, &v, &e) != MS_OK)
        return fail(out, "%s", e.msg);
    if (!isfinite(v))
        return fail(out, "'%s' is not finite", d->text);
    out->value = v;
    return 1;
}

/* ---- a PARAM's derivative: its expression compiled to a tape whose
 * inputs are the measures it reads (TO_PARAM, numbered by their place in
 * out), the .params folded; d PARAM = sum of d expr / d m_i times d m_i. */

static int no_node(void *user, const char *name, int *unk, MsError *err)
{
    (void)user, (void)unk;
    return ms_err(err, MS_ERR_SEMANTIC, "a PARAM measure cannot read v(%s)", name);
}

static char *no_branch(void *user, const char *name)
{
    (void)user, (void)name;
    return NULL;
}

static int measure_input(void *user, MsExprEnv *env, const char *name, MsParamInput *in, MsError *err)
{
    (void)env, (void)err;
    const Ctx *x = user;
    for (int i = x->nout - 1; i >= 0; i--)
        if (!strcmp(x->out[i].name, name)) {
            *in = (MsParamInput){i, x->out[i].value, NULL, NULL};
            return 1;
        }
    return 0;
}

static int param_sens(Ctx *x, const MsMeasDef *d, MsMeasure *out)
{
    MsExprEnv env = {0};
    env.lookup = lookup_measure;
    env.user = x;
    env.loc = d->expr_loc;
    env.text = d->text;
    MsCompileEnv ce = {&env, no_node, no_branch, measure_input, x};
    MsTape *t = NULL;
    MsError e = {0};
    if (ms_expr_compile(d->expr, d->text, d->expr_loc, &ce, &t, &e) != MS_OK)
        return fail(out, "%s", e.msg);
    double *scratch = ms_calloc(ms_tape_scratch(t) + 1, sizeof *scratch);
    double *grad = ms_calloc((size_t)t->nvars + 1, sizeof *grad), val, none = 0;
    const char *what = NULL;
    int ok = ms_tape_eval(t, &none, 0, scratch, &val, grad, &what) == MS_OK;
    if (!ok)
        fail(out, "'%s': %s", d->text, what ? what : "cannot be evaluated");
    for (int j = 0; ok && j < t->nvars; j++) {
        int i = t->vars[j].param;
        if (i < 0 || i >= x->nout)
            continue;
        const MsMeasGrad *gi = &x->g[i];
        for (size_t q = 0; q < gi->n; q++)
            sens(x, gi->e[q].sig, gi->e[q].k, grad[j] * gi->e[q].d);
    }
    free(scratch);
    free(grad);
    ms_tape_free(t);
    return ok;
}

/* The signal's range over the whole result (its magnitude if constant). */
static double range_of(const double *s, size_t n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < n; k++) {
        lo = fmin(lo, s[k]);
        hi = fmax(hi, s[k]);
    }
    double mag = fmax(fabs(lo), fabs(hi));
    return hi - lo > 1e-9 * mag ? hi - lo : mag;
}

/* FIND sig AT=ta (or WHEN): lerp weights on the found signal in step k,
 * and for WHEN its slope there times the crossing time's derivative. */
static void find_sens(Ctx *x, const MsMeasDef *d, const double *s, size_t k, double ta, size_t kc)
{
    const double *t = x->r->time;
    double c0, c1;
    lerp_weights(t, k, ta, &c0, &c1);
    sens(x, &d->sig, k - 1, c0);
    sens(x, &d->sig, k, c1);
    if (d->kind != MS_MEAS_FIND_WHEN || d->trig.has_at || !kc)
        return;
    double dt = t[k] - t[k - 1];
    if (dt == 0)
        return;
    double slope = (s[k] - s[k - 1]) / dt;
    MsMeasure scratch = {0};
    const MsMeasCond *m = &d->trig;
    double *sc = signal_values(x->r, &m->sig, &scratch), val = m->val;
    if (!sc)
        return;
    if (m->sig2.name) {
        double *s2 = signal_values(x->r, &m->sig2, &scratch);
        for (size_t q = 0; s2 && q < x->r->npts; q++)
            sc[q] -= s2[q];
        free(s2);
        val = 0;
    }
    crossing_sens(x, m, sc, kc, val, slope);
    free(sc);
}

static const char *kind_name(MsMeasKind k)
{
    static const char *names[] = {"trig/targ", "when", "find", "find", "avg", "rms", "min", "max", "pp", "integ", "param"};
    return names[k];
}

static void measure_one(Ctx *x, const MsMeasDef *d, MsMeasure *out)
{
    const MsResult *r = x->r;
    out->ok = 1;
    double ta, tb, *s = NULL;
    size_t k;
    switch (d->kind) {
    case MS_MEAS_TRIG_TARG:
        if (cond_time(x, &d->trig, "TRIG", out, &ta, -1, NULL) && cond_time(x, &d->targ, "TARG", out, &tb, 1, NULL)) {
            out->value = tb - ta;
            out->trig = ta;
            out->targ = tb;
        }
        return;
    case MS_MEAS_WHEN:
        if (cond_time(x, &d->trig, "WHEN", out, &ta, 1, NULL))
            out->value = out->trig = ta;
        return;
    case MS_MEAS_PARAM:
        if (param(x, d, out) && x->g)
            param_sens(x, d, out);
        return;
    default:
        break;
    }
    s = signal_values(r, &d->sig, out);
    if (!s)
        return;
    double rg = range_of(s, r->npts);
    if (d->kind == MS_MEAS_FIND_AT || d->kind == MS_MEAS_FIND_WHEN) {
        out->scale = rg;
        ta = d->at;
        size_t kc = 0;
        if (d->kind == MS_MEAS_FIND_AT || cond_time(x, &d->trig, "WHEN", out, &ta, 0, &kc)) {
            out->trig = ta;
            if (!value_at(r->time, s, r->npts, ta, x->an == MS_MEAS_DC, &out->value, &k))
                fail(out, "FIND %s at %g: outside the result [%g, %g] (out of interval)", d->sig.name, ta, r->time[0],
                     r->time[r->npts - 1]);
            else if (x->g)
                find_sens(x, d, s, k, ta, kc);
        }
    } else if (d->kind == MS_MEAS_INTEG || d->kind == MS_MEAS_RMS) {
        out->scale = d->kind == MS_MEAS_RMS ? rg : rg * fabs(r->time[r->npts - 1] - r->time[0]);
        integ_rms(x, d, s, out);
    } else {
        out->scale = rg;
        stats(x, d, s, out);
    }
    free(s);
}

int ms_circuit_num_measures(const MsCircuit *c) { return c->deck.nmeas; }

static int measure_all(const MsCircuit *c, const char *analysis, const MsResult *r, MsMeasure *out, int *n,
                       MsMeasGrad *g, MsError *err)
{
    *n = 0;
    MsMeasAnalysis an;
    if (!strcmp(analysis, "tran"))
        an = MS_MEAS_TRAN;
    else if (!strcmp(analysis, "dc"))
        an = MS_MEAS_DC;
    else if (!strcmp(analysis, "ac"))
        an = MS_MEAS_AC;
    else
        return ms_err(err, MS_ERR_ARG, "ms_measure: unknown analysis '%s' (tran, dc, ac)", analysis);
    if (!r || !r->time || r->npts < 1)
        return ms_err(err, MS_ERR_ARG, "ms_measure: the %s result has no points", analysis);
    Ctx x = {c, r, an, out, 0, g, 1};
    for (int k = 0; k < c->deck.nmeas; k++) {
        const MsMeasDef *d = &c->deck.meas[k];
        if (d->analysis != an)
            continue;
        MsMeasure *m = &out[x.nout];
        memset(m, 0, sizeof *m);
        m->name = d->name;
        m->analysis = ms_meas_analysis_name(an);
        m->kind = kind_name(d->kind);
        m->file = d->loc.file;
        m->line = d->loc.line;
        m->trig = m->targ = NAN;
        measure_one(&x, d, m);
        if (m->ok && !isfinite(m->value))
            fail(m, "the result is not finite");
        x.nout++;
    }
    *n = x.nout;
    return MS_OK;
}

int ms_measure(const MsCircuit *c, const char *analysis, const MsResult *r, MsMeasure *out, int *n, MsError *err)
{
    return measure_all(c, analysis, r, out, n, NULL, err);
}

int ms_measure_grad(const MsCircuit *c, const MsResult *r, MsMeasure *out, int *n, MsMeasGrad *g, MsError *err)
{
    return measure_all(c, "tran", r, out, n, g, err);
}

void ms_meas_grad_free(MsMeasGrad *g, int n)
{
    for (int i = 0; g && i < n; i++)
        free(g[i].e);
}
