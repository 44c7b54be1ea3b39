/* grad_util.h — helpers the gradient tests share (test_grad.c,
 * test_grad_param.c): load a netlist, run ms_run_grad with per-work
 * settings, the loss alone, and central finite differences with Richardson
 * extrapolation (the method and the tolerances are explained at the top of
 * test_grad.c). */
#ifndef MS_GRAD_UTIL_H
#define MS_GRAD_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "memspice.h"

/* Tolerances for the nonlinear cases (see above). */
#define TIGHT ".options reltol=1e-9 vntol=1e-12 abstol=1e-15\n"

static const MsTranSpec FIXED = {.fixed_step = 1};
static const MsTranSpec ADAPTIVE = {0};

/* Per-run settings of the work. */
typedef struct RunOpts {
    long checkpoint;            /* 0: not set */
    int nweights;               /* ms_work_set_loss_weight(k, weights[k]) for k < nweights */
    const double *weights;
    const char *dc_source;      /* ms_work_set_source_dc(dc_source, dc_value) */
    double dc_value;
    const char *pwl_source;     /* ms_work_set_source_pwl(pwl_source, ...) */
    int npwl;
    const double *pwl_t, *pwl_v;
} RunOpts;

static inline MsCircuit *load(const char *name, const char *text)
{
    MsCircuit *c = NULL;
    MsError err = {0};
    int rc = ms_circuit_load_string(text, name, &c, &err);
    CHECK_MSG(rc == MS_OK, "%s: load: %s", name, err.msg);
    return rc == MS_OK ? c : NULL;
}

/* ms_run_grad on a fresh work; 0 or the error code (err filled). */
static inline int try_grad(MsCircuit *c, const MsTranSpec *spec, const RunOpts *o, MsGrad *g, MsError *err)
{
    MsWork *w = NULL;
    memset(g, 0, sizeof *g);
    int rc = ms_work_new(c, &w, err);
    if (rc == MS_OK && o && o->checkpoint)
        ms_work_set_checkpoint(w, o->checkpoint);
    for (int k = 0; rc == MS_OK && o && k < o->nweights; k++)
        rc = ms_work_set_loss_weight(w, k, o->weights[k], err);
    if (rc == MS_OK && o && o->dc_source)
        rc = ms_work_set_source_dc(w, o->dc_source, o->dc_value, err);
    if (rc == MS_OK && o && o->pwl_source)
        rc = ms_work_set_source_pwl(w, o->pwl_source, o->npwl, o->pwl_t, o->pwl_v, err);
    if (rc == MS_OK)
        rc = ms_run_grad(w, spec, g, err);
    ms_work_free(&w);
    return rc;
}

static inline int grad(const char *what, MsCircuit *c, const MsTranSpec *spec, const RunOpts *o, MsGrad *g)
{
    MsError err = {0};
    int rc = try_grad(c, spec, o, g, &err);
    CHECK_MSG(rc == MS_OK, "%s: ms_run_grad: %s (%d)", what, err.msg, rc);
    return rc;
}

static inline double loss_now(const char *what, MsCircuit *c, const MsTranSpec *spec, const RunOpts *o)
{
    MsGrad g;
    if (grad(what, c, spec, o, &g))
        return NAN;
    double l = g.loss;
    ms_grad_free(&g);
    return l;
}

static inline void set_param(MsCircuit *c, int k, double v)
{
    MsError err = {0};
    int rc = ms_circuit_set_param(c, k, v, &err);
    CHECK_MSG(rc == MS_OK, "set_param(%d, %g): %s", k, v, err.msg);
}

/* Derivative of the loss in parameter k by central differences, Richardson-
 * extrapolated (the 5-point stencil): with D(h) = (L(p+h) - L(p-h)) / 2h,
 * fd = (4 D(h) - D(2h)) / 3, truncation O(h^4), so h can be large enough
 * that the forward solution's noise (divided by h) stays small.  h = rel |p|;
 * the differences use the representable p +- h. */
static inline double fd_grad(const char *what, MsCircuit *c, const MsTranSpec *spec, const RunOpts *o, int k,
                             double rel)
{
    double p = ms_circuit_get_param(c, k), d[2];
    for (int i = 0; i < 2; i++) {
        double h = (i + 1) * rel * (p != 0 ? fabs(p) : 1), pp = p + h, pm = p - h;
        set_param(c, k, pp);
        double lp = loss_now(what, c, spec, o);
        set_param(c, k, pm);
        double lm = loss_now(what, c, spec, o);
        d[i] = (lp - lm) / (pp - pm);
    }
    set_param(c, k, p);
    return (4 * d[0] - d[1]) / 3;
}

static inline double relerr(double a, double b)
{
    double s = fmax(fabs(a), fabs(b));
    return s > 0 ? fabs(a - b) / s : 0;
}

/* Every parameter's adjoint gradient against central differences (a zero
 * adjoint gradient passes only with an exactly zero difference).  Returns
 * the worst relative error. */
static inline double fd_check(const char *what, MsCircuit *c, const MsTranSpec *spec, const RunOpts *o,
                              const MsGrad *g, double rel_step, double tol)
{
    double worst = 0;
    for (int k = 0; k < g->nparams; k++) {
        double fd = fd_grad(what, c, spec, o, k, rel_step), e = relerr(fd, g->grad[k]);
        worst = fmax(worst, e);
        CHECK_MSG(e <= tol, "%s: d/d%s: adjoint % .12e, fd % .12e, rel. error %.2e > %.0e", what,
                  g->names[k], g->grad[k], fd, e, tol);
        printf("  %-26s %-8s adjoint % .10e  fd % .10e  rel %.1e\n", what, g->names[k], g->grad[k], fd, e);
        /* the parameter is restored exactly */
        CHECK(ms_circuit_get_param(c, k) == g->values[k]);
    }
    return worst;
}

/* Load, run, check names/values and FD; the circuit stays loaded for more.
 * Every gradient must be nonzero unless zero_ok. */
static inline MsCircuit *fd_case_z(const char *what, const char *text, const MsTranSpec *spec, double rel_step,
                                   double tol, int zero_ok, MsGrad *g)
{
    MsCircuit *c = load(what, text);
    if (!c)
        return NULL;
    if (grad(what, c, spec, NULL, g)) {
        ms_circuit_free(&c);
        return NULL;
    }
    CHECK(g->nparams == ms_circuit_num_params(c));
    for (int k = 0; k < g->nparams; k++)
        CHECK(g->values[k] == ms_circuit_get_param(c, k));
    CHECK(isfinite(g->loss));
    for (int k = 0; k < g->nparams && !zero_ok; k++)
        CHECK_MSG(g->grad[k] != 0, "%s: d/d%s is 0", what, g->names[k]);
    fd_check(what, c, spec, NULL, g, rel_step, tol);
    return c;
}

static inline MsCircuit *fd_case(const char *what, const char *text, const MsTranSpec *spec, double rel_step,
                                 double tol, MsGrad *g)
{
    return fd_case_z(what, text, spec, rel_step, tol, 0, g);
}

/* A waveform column of a result (malloc'd), NULL if missing. */
static inline double *column(const MsResult *r, const char *name)
{
    int j = ms_result_find(r, name);
    CHECK_MSG(j >= 0, "no vector %s", name);
    if (j < 0)
        return NULL;
    double *y = malloc(r->npts * sizeof *y);
    for (size_t k = 0; k < r->npts; k++)
        y[k] = r->data[k * (size_t)r->nvec + (size_t)j];
    return y;
}

static inline int param_index(const MsGrad *g, const char *name)
{
    for (int k = 0; k < g->nparams; k++)
        if (!strcmp(g->names[k], name))
            return k;
    CHECK_MSG(0, "no parameter %s", name);
    return 0;
}

static inline void check_same(const char *what, const MsGrad *a, const MsGrad *b)
{
    CHECK_MSG(a->loss == b->loss, "%s: loss %.17g vs %.17g", what, a->loss, b->loss);
    CHECK(a->nparams == b->nparams);
    for (int k = 0; k < a->nparams && k < b->nparams; k++)
        CHECK_MSG(a->grad[k] == b->grad[k] || relerr(a->grad[k], b->grad[k]) <= 1e-12,
                  "%s: d/d%s %.17g vs %.17g (rel %.2e)", what, a->names[k], a->grad[k], b->grad[k],
                  relerr(a->grad[k], b->grad[k]));
}

#endif
