/* tran.c — transient analysis.
 *
 * Trapezoidal steps (backward Euler on the first step and after every
 * breakpoint), step size from the local truncation error of the
 * trapezoidal rule, h^3/12 x''' with x''' from divided differences over the
 * last four points, compared with trtol (reltol |x| + abstol) per unknown.
 * Breakpoints at waveform corners are hit exactly.  In fixed-step mode
 * every step is tstep, for training: all samples take the same steps. */
#include "dcop.h"
#include "newton.h"
#include "output_row.h"
#include "tran.h"
#include "traj.h"
#include "../util/limits.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NHIST 4           /* points kept for the error estimate */
#define MAX_GROWTH 2.0    /* a step at most doubles the previous one */
#define CUT_ON_FAIL 8.0   /* Newton failure: retry with h / 8 */

typedef struct Tran {
    MsWork *w;
    const MsCircuit *c;
    MsTranSpec spec;
    double hmax, hmin;
    double *hist;         /* -q_prev + a f_prev */
    double *xs[NHIST];    /* last accepted solutions, xs[0] newest */
    double ts[NHIST];
    int nxs;              /* valid points since the last breakpoint */
    double *breaks;
    int nbreaks, next_break;
    MsResult *res;
    int *dyn, ndyn;       /* the unknowns with a column in C (lte_ratio) */
    int dyn_valid;
    unsigned long dyn_gen;    /* w->C_gen they were found at */
} Tran;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int collect_breaks(Tran *tr, MsError *err)
{
    const MsCircuit *c = tr->c;
    MsBreaks bp = {0};
    bp.override = tr->w->override;
    for (int g = 0; g < c->ngroups; g++)
        if (c->groups[g].type->breakpoints)
            c->groups[g].type->breakpoints(c->groups[g].inst, c->groups[g].n, tr->spec.tstop, &bp);
    for (int i = 0; i < c->nsources; i++)
        if (tr->w->override[i])
            ms_wave_breaks(tr->w->override[i], tr->spec.tstop, &bp);
    ms_breaks_add(&bp, tr->spec.tstop);
    if (bp.full) {
        free(bp.t);
        return ms_err(err, MS_ERR_SEMANTIC, "%s: the sources' waveforms have more than %d corners before t=%g "
                      "(a PULSE period far shorter than the window?)", c->deck.src.files[0], MS_MAX_BREAKS,
                      tr->spec.tstop);
    }
    qsort(bp.t, (size_t)bp.n, sizeof *bp.t, cmp_double);
    /* drop points at or before 0 and near-duplicates */
    int k = 0;
    for (int i = 0; i < bp.n; i++) {
        if (bp.t[i] <= tr->hmin)
            continue;
        if (k > 0 && bp.t[i] - bp.t[k - 1] < 2 * tr->hmin)
            continue;
        bp.t[k++] = bp.t[i];
    }
    if (k && tr->spec.tstop - bp.t[k - 1] < 2 * tr->hmin)
        bp.t[k - 1] = tr->spec.tstop;
    tr->breaks = bp.t;
    tr->nbreaks = k;
    tr->next_break = 0;
    return MS_OK;
}

static void push_point(Tran *tr, double t, const double *x, int reset)
{
    size_t n1 = (size_t)tr->c->n + 1;
    double *oldest = tr->xs[NHIST - 1];
    memmove(&tr->xs[1], &tr->xs[0], (NHIST - 1) * sizeof tr->xs[0]);
    memmove(&tr->ts[1], &tr->ts[0], (NHIST - 1) * sizeof tr->ts[0]);
    tr->xs[0] = oldest;
    memcpy(tr->xs[0], x, n1 * sizeof *x);
    tr->ts[0] = t;
    tr->nxs = reset ? 1 : (tr->nxs < NHIST ? tr->nxs + 1 : NHIST);
}

/* Only unknowns that carry charge or flux have a truncation error: the
 * currents of voltage sources and purely resistive nodes are algebraic.
 * Found again whenever the devices have rewritten C. */
static void find_dynamic(Tran *tr)
{
    const MsCircuit *c = tr->c;
    const double *C = c->nonlinear ? tr->w->C : c->CL;
    tr->ndyn = 0;
    for (int i = 1; i <= c->n; i++)
        for (int p = c->Ap[i - 1]; p < c->Ap[i]; p++)
            if (C[p] != 0) {
                tr->dyn[tr->ndyn++] = i;
                break;
            }
    tr->dyn_valid = 1;
    tr->dyn_gen = tr->w->C_gen;
}

/* Ratio of the worst local truncation error to its tolerance for a
 * trapezoidal step to (t, x); 0 when there are too few points. */
static double lte_ratio(Tran *tr, double t, const double *x, double h, int *worst_unk)
{
    const MsCircuit *c = tr->c;
    if (tr->nxs < 3)
        return 0;
    if (!tr->dyn_valid || (c->nonlinear && tr->dyn_gen != tr->w->C_gen))
        find_dynamic(tr);
    /* x''' / 6 is the third divided difference over the four points,
     * sum_k x_k / prod_{j != k} (t_k - t_j): the same weights for every unknown */
    const double tk[4] = {tr->ts[2], tr->ts[1], tr->ts[0], t};
    const double *xk[3] = {tr->xs[2], tr->xs[1], tr->xs[0]};
    double wk[4];
    for (int k = 0; k < 4; k++) {
        double d = 1;
        for (int j = 0; j < 4; j++)
            if (j != k)
                d *= tk[k] - tk[j];
        wk[k] = 0.5 * h * h * h / d;   /* h^3/12 * x''', x''' = 6 d3 */
    }
    double worst = 0;
    for (int m = 0; m < tr->ndyn; m++) {
        int i = tr->dyn[m];
        double lte = fabs(wk[0] * xk[0][i] + wk[1] * xk[1][i] + wk[2] * xk[2][i] + wk[3] * x[i]);
        double abstol = c->unk_kind[i] == MS_UNK_BRANCH ? c->opt.abstol : c->opt.vntol;
        double xa = fabs(x[i]), xb = fabs(xk[2][i]);
        double tol = c->opt.trtol * (c->opt.reltol * (xa > xb ? xa : xb) + abstol);
        if (lte > worst * tol) {
            worst = lte / tol;
            *worst_unk = i;
        }
    }
    return worst;
}

static void set_initial(MsIcSink *sink, int unk, int ref, double value)
{
    double *x = sink->user;
    x[unk] = x[ref] + value;
}

static int initial_point(Tran *tr, MsError *err)
{
    MsWork *w = tr->w;
    const MsCircuit *c = tr->c;
    if (tr->spec.uic) {
        memset(w->x, 0, ((size_t)c->n + 1) * sizeof *w->x);
        for (int i = 0; i < c->nics; i++)
            w->x[c->ics[i].unk] = w->x[c->ics[i].ref] + c->ics[i].value;
        /* element ic= values, read now: a trained parameter may have changed them */
        MsIcSink sink = {set_initial, w->x};
        for (int g = 0; g < c->ngroups; g++)
            if (c->groups[g].type->initial)
                c->groups[g].type->initial(c->groups[g].inst, c->groups[g].n, &sink);
        memset(w->state, 0, ((size_t)c->nstate + 1) * sizeof *w->state);
        MsNewtonSys sys = {0};
        sys.a = 1;
        sys.src_scale = 1;
        ms_eval_circuit(w, &sys, 1);
        return MS_OK;
    }
    return ms_dcop(w, 0, 0, c->nics > 0, err);
}

static void report_progress(Tran *tr, double t, double *last)
{
    if (tr->w->progress && t - *last >= 0.01 * tr->spec.tstop) {
        tr->w->progress(t / tr->spec.tstop, tr->w->progress_user);
        *last = t;
    }
}

int ms_tran_step(MsWork *w, const MsStep *st, double *hist, MsNewtonResult *nr)
{
    const MsCircuit *c = w->c;
    MsNewtonSys sys = {0};
    sys.t = st->t + st->h;
    sys.cq = 1;
    sys.a = st->be ? st->h : st->h / 2;
    sys.src_scale = 1;
    sys.maxiter = st->maxiter;
    sys.fixed_iters = st->fixed_iters;
    sys.chord = st->chord;
    sys.hist = hist;
    for (int i = 1; i <= c->n; i++)
        hist[i] = -w->q_prev[i] + (st->be ? 0 : sys.a * w->f_prev[i]);
    /* predictor: the polynomial through the last np points, at t + h */
    if (st->np >= 2) {
        double wt[3];
        for (int i = 0; i < st->np; i++) {
            wt[i] = 1;
            for (int j = 0; j < st->np; j++)
                if (j != i)
                    wt[i] *= (sys.t - st->pt[j]) / (st->pt[i] - st->pt[j]);
        }
        for (int i = 1; i <= c->n; i++) {
            double x = 0;
            for (int k = 0; k < st->np; k++)
                x += wt[k] * st->p[k][i];
            w->x[i] = x;
        }
    } else {
        memcpy(w->x, w->x_prev, ((size_t)c->n + 1) * sizeof *w->x);
        if (st->uic_start)
            ms_uic_start_guess(w, w->x);
    }
    return ms_newton(w, &sys, nr);
}

/* One step of the forward run from the accepted point (w->x_prev, f_prev, q_prev) to t+h;
 * *np: the number of points the predictor used. */
static int take_step(Tran *tr, double t, double h, int be, MsNewtonResult *nr, int *np)
{
    const MsCircuit *c = tr->c;
    MsStep st = {t, h, be, 0, {NULL}, {0}, 0, 0, 0, 0};
    /* a fixed step cannot be cut when Newton fails, so it gets the DC
     * iteration limit: pnjlim alone may need ~10 iterations to bring a
     * junction from reverse to forward bias on a source edge */
    st.maxiter = tr->spec.fixed_step && c->opt.itl1 > c->opt.itl4 ? c->opt.itl1 : c->opt.itl4;
    /* a recorded run takes full Newton steps: the adjoint replays them */
    st.chord = c->opt.chord && !tr->w->traj;
    /* quadratic extrapolation where three points since the last corner exist */
    st.np = !c->nonlinear || tr->nxs < 2 ? 0 : tr->nxs < 3 ? 2 : 3;
    for (int k = 0; k < st.np; k++) {
        st.p[k] = tr->xs[k];
        st.pt[k] = tr->ts[k];
    }
    *np = st.np;
    st.uic_start = tr->spec.uic && t == 0;
    return ms_tran_step(tr->w, &st, tr->hist, nr);
}

/* A run whose steps shrink far below what its window promised could still
 * fill the memory with points: the stored values are bounded as it goes. */
static int stored_too_many(const Tran *tr, double t, MsError *err)
{
    if ((double)tr->res->npts * (tr->res->nvec + 1) <= MS_MAX_STORED_VALUES)
        return MS_OK;
    return ms_err(err, MS_ERR_NOMEM, "%s: the transient stored %zu points of %d vectors by t=%g, more than the limit of %ld values: "
                  "shorten the window, save fewer vectors (.save) or raise .options maxstep",
                  tr->c->deck.src.files[0], tr->res->npts, tr->res->nvec, t, MS_MAX_STORED_VALUES);
}

static void accept(Tran *tr, double t, double h, int reset, int be, int np, int iters)
{
    MsWork *w = tr->w;
    size_t n1 = (size_t)tr->c->n + 1;
    memcpy(w->x_prev, w->x, n1 * sizeof *w->x);
    memcpy(w->f_prev, w->f, n1 * sizeof *w->f);
    memcpy(w->q_prev, w->q, n1 * sizeof *w->q);
    push_point(tr, t, w->x, reset);
    if (t >= tr->spec.tstart * (1 - 1e-12))
        ms_result_record(tr->c, tr->res, t, w->x);
    tr->res->steps_accepted++;
    if (w->traj)
        ms_traj_add(w->traj, t, h, be, np, iters, w->x, w->state);
}

static int timestep_too_small(const Tran *tr, double t, double h, int unk, int newton_failed, MsError *err)
{
    const MsCircuit *c = tr->c;
    return ms_err(err, MS_ERR_TIMESTEP, "%s: time step too small at t=%g (h=%g): %s '%s' %s",
                  c->deck.src.files[0], t, h, unk > 0 ? ms_unknown_kind_name(c, unk) : "unknown",
                  unk > 0 ? c->unk_name[unk] : "?",
                  newton_failed ? "does not converge" : "changes faster than the tolerances allow");
}

/* The t = 0 row of a uic run shows where the first step starts (voltages
 * carried across voltage sources, uic_start.c) rather than nodes that no
 * initial condition set left at 0: a node behind a 0 V ammeter is not 0 V
 * at t = 0+.  The state integrated from is unchanged (ngspice's). */
static void show_uic_start(Tran *tr)
{
    MsWork *w = tr->w;
    memcpy(tr->hist, w->x, ((size_t)tr->c->n + 1) * sizeof *tr->hist);
    ms_uic_start_guess(w, tr->hist);
    tr->res->npts = 0;
    ms_result_record(tr->c, tr->res, 0, tr->hist);
}

static int step_limit(const Tran *tr, double t, MsError *err)
{
    const MsResult *r = tr->res;
    long tried = r->steps_accepted + r->steps_rejected;
    if (!tr->w->max_steps || tried < tr->w->max_steps)
        return MS_OK;
    return ms_err(err, MS_ERR_TIMESTEP, "%s: the transient tried %ld time steps by t=%g, the limit set for this run",
                  tr->c->deck.src.files[0], tried, t);
}

static int run_fixed(Tran *tr, MsError *err)
{
    MsWork *w = tr->w;
    double h = tr->spec.tstep, last = 0;
    long nsteps = (long)ceil(tr->spec.tstop / h - 1e-9);
    int bi = 0;
    for (long k = 1; k <= nsteps; k++) {
        int rc = step_limit(tr, (double)(k - 1) * h, err);
        if (rc)
            return rc;
        double t0 = (double)(k - 1) * h, t1 = k == nsteps ? tr->spec.tstop : (double)k * h;
        /* backward Euler on a step that starts at a waveform corner, as
         * ngspice does after a breakpoint: the trapezoidal rule rings after a
         * kink on a stiff node.  (A corner inside a step keeps the
         * trapezoidal rule: backward Euler across a ramp costs accuracy.) */
        double eps = 1e-9 * h;
        while (bi < tr->nbreaks && tr->breaks[bi] < t0 - eps)
            bi++;
        int corner = bi < tr->nbreaks && tr->breaks[bi] <= t0 + eps;
        MsNewtonResult nr;
        /* exactly h except a shorter last step: t1 - t0 would drift in the last
         * bits and make a linear circuit refactor its unchanged matrix */
        int np, be = k == 1 || corner;
        rc = take_step(tr, t0, k == nsteps ? t1 - t0 : h, be, &nr, &np);
        tr->res->newton_iters += nr.iters;
        if (rc == MS_ERR_NONCONV && !be && w->past_wall) {   /* see run_adaptive */
            be = 1;
            rc = take_step(tr, t0, k == nsteps ? t1 - t0 : h, be, &nr, &np);
            tr->res->newton_iters += nr.iters;
        }
        if (rc)
            return ms_numeric_error(w, rc, rc == MS_ERR_SINGULAR ? nr.singular : nr.worst,
                                    "fixed-step transient (reduce tstep)", t1, err);
        accept(tr, t1, k == nsteps ? t1 - t0 : h, 0, be, np, nr.iters);
        if ((rc = stored_too_many(tr, t1, err)))
            return rc;
        report_progress(tr, t1, &last);
    }
    return MS_OK;
}

static int run_adaptive(Tran *tr, MsError *err)
{
    MsWork *w = tr->w;
    double t = 0, last = 0;
    double tstop = tr->spec.tstop;
    double h = fmin(tr->spec.tstep, tstop / 100) / 10;
    if (tr->nbreaks)
        h = fmin(h, 0.1 * tr->breaks[0]);
    h = fmin(h, tr->hmax);
    int be = 1, wall = 0;   /* wall: this step is retried with backward Euler at a wall (below) */
    while (t < tstop * (1 - 1e-12)) {
        int rc = step_limit(tr, t, err);
        if (rc)
            return rc;
        double nb = tr->breaks[tr->next_break];
        double h_prop = h;   /* the step before it was fitted to a breakpoint */
        int hits = 0;
        if (t + h >= nb - 0.01 * h) {   /* land exactly on the breakpoint */
            h = nb - t;
            hits = 1;
        }
        MsNewtonResult nr;
        int np;
        rc = take_step(tr, t, h, be, &nr, &np);
        tr->res->newton_iters += nr.iters;
        if (rc == MS_ERR_SINGULAR || rc == MS_ERR_NOMEM)
            return ms_numeric_error(w, rc, nr.singular, "transient", t + h, err);
        int lte_worst = 0;
        double ratio = rc || be ? 0 : lte_ratio(tr, t + h, w->x, h, &lte_worst);
        if (rc == MS_ERR_NONCONV && !be && w->past_wall) {
            /* the trapezoidal rule carries the rate from before a wall (a bound
             * Xyce's TEAM reaches at full speed) past it: this step's root lies
             * outside.  Backward Euler has its root inside; no cut needed, and
             * the step is not error-checked (as after a breakpoint). */
            tr->res->steps_rejected++;
            be = wall = 1;
            continue;
        }
        if (rc || ratio > 1) {
            tr->res->steps_rejected++;
            h = rc ? h / CUT_ON_FAIL : h * fmax(0.9 * cbrt(1 / ratio), 0.125);
            if (h < tr->hmin)
                return rc == MS_ERR_EVAL ? ms_numeric_error(w, rc, 0, "transient: time step too small", t, err)
                                         : timestep_too_small(tr, t, h, rc ? nr.worst : lte_worst, rc != 0, err);
            continue;
        }
        t = hits ? nb : t + h;
        /* x(t) has a corner at a wall: the error estimate starts afresh */
        accept(tr, t, h, hits || wall, be, np, nr.iters);
        wall = 0;
        if ((rc = stored_too_many(tr, t, err)))
            return rc;
        report_progress(tr, t, &last);
        if (hits) {
            tr->next_break++;
            be = 1;
            double gap = tr->next_break < tr->nbreaks ? tr->breaks[tr->next_break] - t : tr->hmax;
            /* as ngspice: the backward Euler step that follows a corner is
             * not error-checked, so it starts at a tenth of the step size
             * in use before the corner (not only of the gap ahead) */
            h = fmin(h, 0.1 * fmin(h_prop, gap));
            h = fmax(h, 0.01 * fmin(gap, tr->hmax));
        } else {
            be = 0;
            double grow = ratio > 0 ? fmin(0.9 * cbrt(1 / ratio), MAX_GROWTH) : MAX_GROWTH;
            h *= grow;
        }
        h = fmin(h, tr->hmax);
    }
    return MS_OK;
}

/* Refuse up front a run that cannot end in reasonable time or cannot be
 * stored: it takes at least the window over the largest step. */
static int check_size(const Tran *tr, MsError *err)
{
    const MsCircuit *c = tr->c;
    double hmax = tr->spec.fixed_step ? tr->spec.tstep : tr->hmax;
    double steps = tr->spec.tstop / hmax;
    double values = (tr->spec.tstop - tr->spec.tstart) / hmax * (c->nsaves + 1);
    if (!(steps <= MS_MAX_STEPS))
        return ms_err(err, MS_ERR_SEMANTIC, "%s: a transient to %g s in steps of at most %g s takes %.3g steps, more than the "
                      "limit of %ld: raise tstep (or .options maxstep) or shorten the window",
                      c->deck.src.files[0], tr->spec.tstop, hmax, steps, MS_MAX_STEPS);
    if (!(values <= MS_MAX_STORED_VALUES))
        return ms_err(err, MS_ERR_SEMANTIC, "%s: a transient to %g s in steps of at most %g s stores %.3g values of %d vectors, "
                      "more than the limit of %ld: save fewer vectors (.save), start later (tstart) or raise tstep",
                      c->deck.src.files[0], tr->spec.tstop, hmax, values, c->nsaves, MS_MAX_STORED_VALUES);
    return MS_OK;
}

int ms_run_tran(MsWork *w, const MsTranSpec *spec, MsResult *res, MsError *err)
{
    const MsCircuit *c = w->c;
    Tran tr = {0};
    tr.w = w;
    tr.c = c;
    tr.spec = c->tran;
    if (spec) {
        if (spec->tstep > 0) tr.spec.tstep = spec->tstep;
        if (spec->tstop > 0) tr.spec.tstop = spec->tstop;
        if (spec->tstart > 0) tr.spec.tstart = spec->tstart;
        if (spec->tmax > 0) tr.spec.tmax = spec->tmax;
        tr.spec.uic |= spec->uic;
        tr.spec.fixed_step |= spec->fixed_step;
    }
    tr.spec.fixed_step |= c->opt.fixedstep;
    if (!(tr.spec.tstep > 0 && tr.spec.tstop > 0))
        return ms_err(err, MS_ERR_ARG, "%s: no transient analysis: add '.tran tstep tstop' to the netlist",
                      c->deck.src.files[0]);
    if (tr.spec.tstart >= tr.spec.tstop)
        return ms_err(err, MS_ERR_ARG, "tstart (%g) must be less than tstop (%g)", tr.spec.tstart, tr.spec.tstop);
    /* ngspice's default maximum step: min(tstep, (tstop - tstart) / 50) */
    tr.hmax = tr.spec.tmax > 0 ? tr.spec.tmax : c->opt.maxstep > 0 ? c->opt.maxstep
                                                 : fmin(tr.spec.tstep, (tr.spec.tstop - tr.spec.tstart) / 50);
    tr.hmin = 1e-11 * tr.hmax;
    int rc = check_size(&tr, err);
    if (rc)
        return rc;
    size_t n1 = (size_t)c->n + 1;
    tr.hist = ms_calloc(n1, sizeof *tr.hist);
    for (int i = 0; i < NHIST; i++)
        tr.xs[i] = ms_calloc(n1, sizeof(double));
    tr.dyn = ms_calloc(n1, sizeof *tr.dyn);
    tr.res = res;
    ms_result_for_circuit(c, res, "Transient Analysis", 1);
    long fact0 = w->factorizations;
    w->chord_a = 0;   /* factors of an earlier run (or of other circuit values) never serve */
    rc = collect_breaks(&tr, err);
    if (rc == MS_OK)
        rc = initial_point(&tr, err);
    if (rc == MS_OK) {
        tr.res->steps_accepted = -1;   /* the initial point is not a step */
        accept(&tr, 0, 0, 1, 0, 0, 0);
        if (tr.spec.uic && res->npts == 1)
            show_uic_start(&tr);
        rc = tr.spec.fixed_step ? run_fixed(&tr, err) : run_adaptive(&tr, err);
    }
    res->factorizations = w->factorizations - fact0;
    if (w->progress && rc == MS_OK)
        w->progress(1.0, w->progress_user);
    free(tr.hist);
    for (int i = 0; i < NHIST; i++)
        free(tr.xs[i]);
    free(tr.dyn);
    free(tr.breaks);
    if (rc)
        ms_result_free(res);
    return rc;
}
