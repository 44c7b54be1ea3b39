/* ac_compare.c — one AC signal of a cross-check (see check_internal.h).
 *
 * Why log10(f): dec and oct sweeps are even on it, so interpolating between
 * two points there follows the response as the sweep sampled it.  When both
 * simulators stepped the same sweep (ngspice's own multiplication, which
 * memspice repeats) every point has a partner at the same frequency and no
 * interpolation error enters at all. */
#include "check_internal.h"
#include "../util/util.h"

#include <math.h>
#include <stdlib.h>

static double *log_axis(const MsResult *r)
{
    double *x = ms_malloc((r->npts ? r->npts : 1) * sizeof *x);
    for (size_t k = 0; k < r->npts; k++)
        x[k] = log10(r->time[k]);
    return x;
}

/* max over a's points inside b's span of |H_a - H_b(f)|; its frequency in *f_at. */
static double one_way(const MsResult *a, int ca, const double *xa, const MsResult *b, int cb, const double *xb,
                      double *f_at, size_t *n)
{
    MsWave bre = {xb, b->data + cb, b->npts, (size_t)b->nvec}, bim = {xb, b->imag + cb, b->npts, (size_t)b->nvec};
    double lo = fmin(xb[0], xb[b->npts - 1]), hi = fmax(xb[0], xb[b->npts - 1]), tol = 1e-12 * fmax(1, fabs(hi));
    double worst = 0;
    size_t hr = 0, hi_ = 0;
    *n = 0;
    for (size_t k = 0; k < a->npts; k++) {
        if (xa[k] < lo - tol || xa[k] > hi + tol)
            continue;
        size_t i = k * (size_t)a->nvec + (size_t)ca;
        double e = hypot(a->data[i] - ms_wave_at(&bre, xa[k], &hr), a->imag[i] - ms_wave_at(&bim, xa[k], &hi_));
        if (isnan(e))
            e = INFINITY;
        if (*n == 0 || e > worst) {
            worst = e;
            *f_at = a->time[k];
        }
        (*n)++;
    }
    return worst;
}

static double max_mag(const MsResult *r, int col)
{
    double m = 0;
    for (size_t k = 0; k < r->npts; k++) {
        size_t i = k * (size_t)r->nvec + (size_t)col;
        m = fmax(m, hypot(r->data[i], r->imag[i]));
    }
    return m;
}

void ms_check_ac_row(const MsCheck *c, MsSigRow *r)
{
    const MsResult *a = &c->ms_ac, *b = &c->ng.ac;
    double *xa = log_axis(a), *xb = log_axis(b), fa = 0, fb = 0;
    double ea = INFINITY, eb = INFINITY;
    size_t na = 0, nb = 0;
    if (a->npts && b->npts) {
        ea = one_way(a, r->ia, xa, b, r->ib, xb, &fa, &na);
        eb = one_way(b, r->ib, xb, a, r->ia, xa, &fb, &nb);
    }
    free(xa);
    free(xb);
    r->e.na = na;
    r->e.nb = nb;
    r->abs_err = na + nb ? fmax(ea, eb) : INFINITY;   /* no common frequency: nothing agrees */
    r->e.t_max = ea >= eb ? fa : fb;
    r->e.max_abs = r->abs_err;
    r->scale = fmax(max_mag(a, r->ia), max_mag(b, r->ib));
    r->e.scale = r->scale;
    r->rel_err = r->scale > 0 ? r->abs_err / r->scale : (r->abs_err > 0 ? INFINITY : 0);
    r->e.max_rel = r->rel_err;
    double rtol = c->o->rtol >= 0 ? c->o->rtol : MS_CHECK_RTOL_AC;
    r->allowed = ms_allowed(r->scale, rtol, ms_check_atol(c->o, r->kind));
    r->pass = r->abs_err <= r->allowed;
}
