/* dcop.c — see dcop.h. */
#include "dcop.h"
#include "newton.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int ms_numeric_error(const MsWork *w, int rc, int unk, const char *what, double t, MsError *err)
{
    const MsCircuit *c = w->c;
    const char *name = unk > 0 ? c->unk_name[unk] : "?";
    const char *kind = unk > 0 ? ms_unknown_kind_name(c, unk) : "unknown";
    char at[64] = "";
    if (!isnan(t))   /* NaN: `what` says where (a DC sweep point) */
        snprintf(at, sizeof at, " at t=%g", t);
    if (rc == MS_ERR_SINGULAR)
        return ms_err(err, rc, "%s: singular matrix in %s%s: check %s '%s' (floating node, or a loop of voltage sources/inductors)",
                      c->deck.src.files[0], what, at, kind, name);
    if (rc == MS_ERR_EVAL)
        return ms_err(err, rc, "%s (%s)", w->eval_err.msg, what);
    if (rc == MS_ERR_NOMEM)
        return ms_err(err, rc, "%s: out of memory factoring the circuit matrix", c->deck.src.files[0]);
    return ms_err(err, rc, "%s: %s did not converge%s (worst: %s '%s')", c->deck.src.files[0], what, at, kind, name);
}

static int try_newton(MsWork *w, MsNewtonSys *sys, MsNewtonResult *res, const double *start)
{
    memcpy(w->x, start, ((size_t)w->c->n + 1) * sizeof *w->x);
    return ms_newton(w, sys, res);
}

/* .nodeset as ngspice takes it: Newton with those nodes held at their values
 * (a MS_HOLD_G conductance each, beside the forced .ic rows), then from there
 * with them released.  MS_OK with the operating point in w->x; else the usual
 * start from zero follows. */
static int nodeset_first(MsWork *w, MsNewtonSys *sys, MsNewtonResult *res, const double *zero)
{
    const MsCircuit *c = w->c;
    MsNewtonSys held = *sys;
    held.hold = c->nodesets;
    held.nhold = c->nnodesets;
    memset(w->state, 0, ((size_t)c->nstate + 1) * sizeof *w->state);
    int rc = try_newton(w, &held, res, zero);
    if (rc)
        return rc;
    double *from = ms_malloc(((size_t)c->n + 1) * sizeof *from);
    memcpy(from, w->x, ((size_t)c->n + 1) * sizeof *from);
    rc = try_newton(w, sys, res, from);
    free(from);
    return rc;
}

int ms_dcop(MsWork *w, double t, int dc_op, int force_ic, MsError *err)
{
    return ms_dcop_guess(w, t, dc_op, force_ic, NULL, NULL, err);
}

int ms_dcop_guess(MsWork *w, double t, int dc_op, int force_ic, const double *guess, const char *where,
                  MsError *err)
{
    const MsCircuit *c = w->c;
    size_t n1 = (size_t)c->n + 1;
    const char *what = where ? where : "operating point";
    double t_msg = where ? NAN : t;
    MsNewtonSys sys = {0};
    sys.t = t;
    sys.cq = 0;
    sys.a = 1;
    sys.src_scale = 1;
    sys.dc_op = dc_op;
    sys.maxiter = c->opt.itl1;
    if (force_ic) {
        sys.force = c->ics;
        sys.nforce = c->nics;
    }
    MsNewtonResult res;
    /* continuation: Newton from the caller's guess, with the devices'
     * limiting memory of the point it came from */
    if (guess && try_newton(w, &sys, &res, guess) == MS_OK)
        return MS_OK;
    double *start = ms_calloc(n1, sizeof *start);
    if (!guess && c->nnodesets && c->nonlinear && nodeset_first(w, &sys, &res, start) == MS_OK) {
        free(start);
        return MS_OK;
    }
    memset(w->state, 0, ((size_t)c->nstate + 1) * sizeof *w->state);
    int rc = try_newton(w, &sys, &res, start), first_rc = rc;
    char first_msg[MS_ERRMSG_MAX];
    snprintf(first_msg, sizeof first_msg, "%s", w->eval_err.msg);
    if (rc == MS_ERR_SINGULAR || rc == MS_ERR_NOMEM) {
        /* a structural problem: stepping will not help */
        int e = ms_numeric_error(w, rc, res.singular, what, t_msg, err);
        free(start);
        return e;
    }
    /* gmin stepping: start from a heavily shunted circuit, relax decade by decade */
    if (rc && c->nonlinear) {
        rc = MS_OK;
        memset(start, 0, n1 * sizeof *start);
        for (double g = 1e-2; g >= c->opt.gmin * 0.99 && rc == MS_OK; g /= 10) {
            sys.gshunt = g;
            rc = try_newton(w, &sys, &res, start);
            if (rc == MS_OK)
                memcpy(start, w->x, n1 * sizeof *start);
        }
        sys.gshunt = 0;
        if (rc == MS_OK)
            rc = try_newton(w, &sys, &res, start);
    }
    /* source stepping: ramp all sources from 0 with adaptive increments */
    if (rc && c->nonlinear) {
        memset(start, 0, n1 * sizeof *start);
        memset(w->state, 0, ((size_t)c->nstate + 1) * sizeof *w->state);
        double s = 0, ds = 0.1;
        rc = MS_OK;
        while (s < 1 && ds > 1e-6) {
            double next = s + ds > 1 ? 1 : s + ds;
            sys.src_scale = next;
            if (try_newton(w, &sys, &res, start) == MS_OK) {
                memcpy(start, w->x, n1 * sizeof *start);
                s = next;
                ds *= 2;
            } else {
                ds /= 4;
            }
        }
        rc = s >= 1 ? MS_OK : MS_ERR_NONCONV;
        if (rc == MS_OK)
            memcpy(w->x, start, n1 * sizeof *start);
    }
    free(start);
    /* a device that could not evaluate at the first attempt says more than
     * the stepping's "no convergence" */
    if (rc && first_rc == MS_ERR_EVAL)
        return ms_err(err, MS_ERR_EVAL, "%s (%s)", first_msg, what);
    if (rc)
        return ms_numeric_error(w, rc, res.worst, what, t_msg, err);
    return MS_OK;
}
