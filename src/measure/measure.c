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
#include "measure_internal.h"
#include "../netlist/ac_forms.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* d value / d sig(k) += gmul d, for the measure being taken (out[nout]). */
void ms_meas_sens(const Ctx *x, const MsVecRef *sig, size_t k, double d)
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

int ms_meas_fail(MsMeasure *m, const char *fmt, ...)
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
                return ms_meas_fail(m, "no vector v(%s) in the result", nodes[i]);
            for (size_t k = 0; k < n; k++)
                s[k] += (i ? -1 : 1) * col[k * st];
        }
        return 1;
    }
    return ms_meas_fail(m, "no vector %s in the result", name);
}

/* The values of signal `sig` at every point (malloc'ed), or NULL with the
 * reason in m.  On a complex (AC) result the real vector of sig's AC form
 * (vdb, vm, vp, ...; the real part for a plain v()/i(), as ngspice 39 measures
 * them), so everything below measures it as it measures a transient. */
double *ms_meas_signal_values(const MsResult *r, const MsVecRef *sig, MsMeasure *m)
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
    ms_meas_lerp_weights(t, k, ta, &c0, &c1);
    ms_meas_sens(x, &d->sig, k - 1, c0);
    ms_meas_sens(x, &d->sig, k, c1);
    if (d->kind != MS_MEAS_FIND_WHEN || d->trig.has_at || !kc)
        return;
    double dt = t[k] - t[k - 1];
    if (dt == 0)
        return;
    double slope = (s[k] - s[k - 1]) / dt;
    MsMeasure scratch = {0};
    const MsMeasCond *m = &d->trig;
    double *sc = ms_meas_signal_values(x->r, &m->sig, &scratch), val = m->val;
    if (!sc)
        return;
    if (m->sig2.name) {
        double *s2 = ms_meas_signal_values(x->r, &m->sig2, &scratch);
        for (size_t q = 0; s2 && q < x->r->npts; q++)
            sc[q] -= s2[q];
        free(s2);
        val = 0;
    }
    ms_meas_crossing_sens(x, m, sc, kc, val, slope);
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
        if (ms_meas_cond_time(x, &d->trig, "TRIG", out, &ta, -1, NULL) && ms_meas_cond_time(x, &d->targ, "TARG", out, &tb, 1, NULL)) {
            out->value = tb - ta;
            out->trig = ta;
            out->targ = tb;
        }
        return;
    case MS_MEAS_WHEN:
        if (ms_meas_cond_time(x, &d->trig, "WHEN", out, &ta, 1, NULL))
            out->value = out->trig = ta;
        return;
    case MS_MEAS_PARAM:
        if (ms_meas_param(x, d, out) && x->g)
            ms_meas_param_sens(x, d, out);
        return;
    default:
        break;
    }
    s = ms_meas_signal_values(r, &d->sig, out);
    if (!s)
        return;
    double rg = range_of(s, r->npts);
    if (d->kind == MS_MEAS_FIND_AT || d->kind == MS_MEAS_FIND_WHEN) {
        out->scale = rg;
        ta = d->at;
        size_t kc = 0;
        if (d->kind == MS_MEAS_FIND_AT || ms_meas_cond_time(x, &d->trig, "WHEN", out, &ta, 0, &kc)) {
            out->trig = ta;
            if (!ms_meas_value_at(r->time, s, r->npts, ta, x->an == MS_MEAS_DC, &out->value, &k))
                ms_meas_fail(out, "FIND %s at %g: outside the result [%g, %g] (out of interval)", d->sig.name, ta, r->time[0],
                     r->time[r->npts - 1]);
            else if (x->g)
                find_sens(x, d, s, k, ta, kc);
        }
    } else if (d->kind == MS_MEAS_INTEG || d->kind == MS_MEAS_RMS) {
        out->scale = d->kind == MS_MEAS_RMS ? rg : rg * fabs(r->time[r->npts - 1] - r->time[0]);
        ms_meas_integ_rms(x, d, s, out);
    } else {
        out->scale = rg;
        ms_meas_stats(x, d, s, out);
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
            ms_meas_fail(m, "the result is not finite");
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
