/* newton.c — see newton.h. */
#include "newton.h"
#include "klu_wrap.h"

#include <math.h>
#include <string.h>

/* y += M x over M's non-zero slots. */
static void spmv_add(const MsLinEntry *lin, int nlin, const double *M, const double *x, double *y)
{
    for (int k = 0; k < nlin; k++)
        y[lin[k].row] += M[lin[k].slot] * x[lin[k].col];
}

static void eval_circuit(MsWork *w, const MsNewtonSys *sys, int first_iter, int values_only);

void ms_eval_circuit(MsWork *w, const MsNewtonSys *sys, int first_iter) { eval_circuit(w, sys, first_iter, 0); }

/* values_only: f and q only; G and C keep what they held (a Newton step that
 * already met the tolerance only needs the residual to confirm it). */
static void eval_circuit(MsWork *w, const MsNewtonSys *sys, int first_iter, int values_only)
{
    const MsCircuit *c = w->c;
    size_t n1 = (size_t)c->n + 1;
    memset(w->f, 0, n1 * sizeof *w->f);
    memset(w->q, 0, n1 * sizeof *w->q);
    memset(w->b, 0, n1 * sizeof *w->b);
    w->x[0] = 0;
    MsSourceEval se = {sys->t, sys->src_scale, sys->dc_op, w->override, 0, NULL};
    for (int g = 0; g < c->ngroups; g++)
        if (c->groups[g].type->load_sources)
            c->groups[g].type->load_sources(c->groups[g].inst, c->groups[g].n, &se, w->b);
    if (c->nonlinear) {
        size_t z1 = (size_t)c->nnz + 1;
        if (!values_only) {
            memcpy(w->G, c->GL, z1 * sizeof *w->G);
            memcpy(w->C, c->CL, z1 * sizeof *w->C);
            w->C_gen++;
        }
        MsEval ev = {.x = w->x, .f = w->f, .q = w->q, .G = w->G, .C = w->C, .state = w->state, .t = sys->t,
                     .dc = sys->cq == 0, .gmin = c->opt.gmin, .first_iter = first_iter, .scratch = w->scratch,
                     .no_limit = w->no_limit, .values_only = values_only, .err = &w->eval_err};
        for (int g = 0; g < c->ngroups; g++)
            if (c->groups[g].type->eval)
                c->groups[g].type->eval(c->groups[g].inst, c->groups[g].n, &ev);
        w->limited = ev.limited;
        w->past_wall = ev.past_wall;
        w->eval_failed = ev.failed;
    }
    spmv_add(c->lin_g, c->nlin_g, c->GL, w->x, w->f);
    spmv_add(c->lin_c, c->nlin_c, c->CL, w->x, w->q);
    for (int i = 1; i <= c->n; i++)
        w->f[i] -= w->b[i];
}

int ms_devices_accepted(MsWork *w, double h, double *hmax)
{
    const MsCircuit *c = w->c;
    int changed = 0;
    for (int g = 0; g < c->ngroups; g++)
        if (c->groups[g].type->accepted)
            changed |= c->groups[g].type->accepted(c->groups[g].inst, c->groups[g].n, w->x, h, w->state, hmax);
    return changed;
}

const char *ms_unknown_kind_name(const MsCircuit *c, int unk)
{
    switch (c->unk_kind[unk]) {
    case MS_UNK_BRANCH: return "branch";
    case MS_UNK_STATE: return "state";
    case MS_UNK_INTERNAL: return "internal node";
    default: return "node";
    }
}

/* J = cq C + a G (+ shunts, forced rows). */
static void build_jacobian(MsWork *w, const MsNewtonSys *sys)
{
    const MsCircuit *c = w->c;
    const double *G = c->nonlinear ? w->G : c->GL, *C = c->nonlinear ? w->C : c->CL;
    for (int p = 0; p < c->nnz; p++)
        w->J[p] = sys->cq * C[p] + sys->a * G[p];
    if (sys->gshunt > 0)
        for (int i = 1; i <= c->n; i++)
            if (c->unk_kind[i] == MS_UNK_NODE || c->unk_kind[i] == MS_UNK_INTERNAL)
                w->J[c->diag[i]] += sys->gshunt;
    for (int k = 0; k < sys->nhold; k++)
        w->J[c->diag[sys->hold[k].unk]] += MS_HOLD_G;
    ms_force_ic_rows(c, sys->force, sys->nforce, w->J);
}

void ms_force_ic_rows(const MsCircuit *c, const MsIc *ics, int nics, double *J)
{
    for (int k = 0; k < nics; k++) {
        const MsIc *ic = &ics[k];
        int row = ic->unk - 1;
        for (int p = 0; p < c->nnz; p++)
            if (c->Ai[p] == row)
                J[p] = 0;
        J[c->diag[ic->unk]] = 1;
        if (ic->ref) {
            for (int p = c->Ap[ic->ref - 1]; p < c->Ap[ic->ref]; p++)
                if (c->Ai[p] == row)
                    J[p] = -1;
        }
    }
}

/* The residual into w->rhs as -R (with the rows of build_jacobian). */
static void build_rhs(MsWork *w, const MsNewtonSys *sys)
{
    const MsCircuit *c = w->c;
    for (int i = 1; i <= c->n; i++) {
        double r = sys->cq * w->q[i] + sys->a * w->f[i];
        if (sys->hist)
            r += sys->hist[i];
        w->rhs[i] = -r;
    }
    if (sys->gshunt > 0)
        for (int i = 1; i <= c->n; i++)
            if (c->unk_kind[i] == MS_UNK_NODE || c->unk_kind[i] == MS_UNK_INTERNAL)
                w->rhs[i] -= sys->gshunt * w->x[i];
    for (int k = 0; k < sys->nhold; k++)
        w->rhs[sys->hold[k].unk] -= MS_HOLD_G * (w->x[sys->hold[k].unk] - sys->hold[k].value);
    for (int k = 0; k < sys->nforce; k++) {
        const MsIc *ic = &sys->force[k];
        w->rhs[ic->unk] = -(w->x[ic->unk] - w->x[ic->ref] - ic->value);
    }
}

static double abs_tol(const MsCircuit *c, int i)
{
    return c->unk_kind[i] == MS_UNK_BRANCH ? c->opt.abstol : c->opt.vntol;
}

/* Linear circuit: R(x) = J x - a b + hist exactly, so one solve of
 * J x = a b - hist gives the answer; the factors are kept while J's
 * coefficients stay the same (fixed steps factor once). */
static int solve_linear(MsWork *w, const MsNewtonSys *sys, MsNewtonResult *res)
{
    const MsCircuit *c = w->c;
    int reuse = w->have_factor && w->J_cq == sys->cq && w->J_a == sys->a && w->J_gen == c->stamp_gen;
    if (!reuse) {
        for (int p = 0; p < c->nnz; p++)
            w->J[p] = sys->cq * c->CL[p] + sys->a * c->GL[p];
        int bad, rc = ms_klu_factor(w, &bad);
        if (rc) {
            res->singular = bad;
            return rc;
        }
        w->J_cq = sys->cq;
        w->J_a = sys->a;
        w->J_gen = c->stamp_gen;
        w->factorizations++;
    }
    memset(w->b, 0, ((size_t)c->n + 1) * sizeof *w->b);
    MsSourceEval se = {sys->t, sys->src_scale, sys->dc_op, w->override, 0, NULL};
    for (int g = 0; g < c->ngroups; g++)
        if (c->groups[g].type->load_sources)
            c->groups[g].type->load_sources(c->groups[g].inst, c->groups[g].n, &se, w->b);
    for (int i = 1; i <= c->n; i++)
        w->x[i] = sys->a * w->b[i] - (sys->hist ? sys->hist[i] : 0);
    ms_klu_solve(w, w->x + 1);
    res->iters = 1;
    for (int i = 1; i <= c->n; i++)
        if (!isfinite(w->x[i])) {
            res->worst = i;
            return MS_ERR_NONCONV;
        }
    ms_eval_circuit(w, sys, 0);
    return MS_OK;
}

/* Chord iterations (sys->chord): an iteration may solve with factors it did
 * not compute itself -- those of the step's first iteration or of an earlier
 * step, as stiff ODE solvers do -- and then evaluates only the residual.
 * Chord updates shrink linearly, at a rate estimated from two successive
 * updates, and the point after a chord update is still about rate/(1-rate)
 * of that update from the solution: it is accepted only when that is a small
 * fraction of the tolerance (Newton's own updates shrink quadratically, so
 * an update within tolerance leaves far less).  Newton refactors when a (the
 * step size) changed (rows without charge scale with a, so any change costs
 * a rate of |1 - a/a_old|), when the factors are old, when a device limited,
 * or when the updates do not shrink fast enough. */
#define CHORD_MAX_AGE 20     /* steps one factorization may serve */
#define CHORD_RATE 0.25      /* a chord update must be at most this fraction of the one before */
#define CHORD_MAX_ITERS 4    /* chord solves per step */
#define CHORD_ERR 1e-4       /* accepted error estimate after a chord update (x tolerance) */
#define CHORD_START 1e2      /* a step reuses its own factors once its update is this small */
#define MAX_BACKTRACK 20     /* halvings of an update that left an expression undefined */

static int chord_usable(const MsWork *w, const MsNewtonSys *sys)
{
    return sys->chord && !sys->fixed_iters && w->have_factor && w->chord_a == sys->a &&
           w->chord_age < CHORD_MAX_AGE;
}

int ms_newton(MsWork *w, const MsNewtonSys *sys, MsNewtonResult *res)
{
    const MsCircuit *c = w->c;
    memset(res, 0, sizeof *res);
    if (!c->nonlinear && sys->gshunt == 0 && sys->nforce == 0 && sys->nhold == 0)
        return solve_linear(w, sys, res);
    int chord = chord_usable(w, sys);   /* this iteration solves with factors at hand */
    if (chord)
        w->chord_age++;
    int converged = 0, chord_solves = 0, backtracked = 0;
    double last_update = INFINITY;   /* the last update (x tolerance) made with the present factors */
    for (int it = 0;; it++) {
        /* after an update within tolerance the Jacobian is rarely needed:
         * evaluate values first, and the Jacobian only if Newton goes on */
        int values = sys->fixed_iters ? it == sys->fixed_iters : converged || chord;
        eval_circuit(w, sys, it == 0, values);
        /* an expression undefined at an intermediate iterate (r={V(x)} through
         * 0, a log of a negative value) is no reason to give up the step: go
         * back toward the last iterate, where it was defined.  Only the
         * initial guess failing fails the step (the caller may cut it). */
        for (int back = 0; w->eval_failed && it > 0 && back < MAX_BACKTRACK; back++) {
            backtracked = 1;
            for (int i = 1; i <= c->n; i++) {
                w->rhs[i] *= 0.5;
                w->x[i] -= w->rhs[i];
            }
            eval_circuit(w, sys, 0, values);
        }
        if (w->eval_failed)
            return MS_ERR_EVAL;
        if (sys->fixed_iters ? it == sys->fixed_iters : converged && !w->limited)
            return MS_OK;
        if (it == sys->maxiter)   /* maxiter solves, and the last one did not converge */
            return backtracked ? MS_ERR_EVAL : MS_ERR_NONCONV;   /* then the expression is the reason */
        if (w->limited)
            chord = 0;   /* a limited device's linearisation needs its own Jacobian */
        if (!chord) {
            if (values)
                eval_circuit(w, sys, 0, 0);
            build_jacobian(w, sys);
            int bad, rc = ms_klu_factor(w, &bad);
            if (rc) {
                res->singular = bad;
                return rc;
            }
            w->J_cq = -1;   /* J no longer holds plain linear-circuit factors */
            w->factorizations++;
            if (sys->chord) {
                w->chord_a = sys->a;
                w->chord_age = 0;
            }
        }
        build_rhs(w, sys);
        ms_klu_solve(w, w->rhs + 1);
        res->iters = it + 1;
        double worst = 0;
        for (int i = 1; i <= c->n; i++) {
            double dx = w->rhs[i], xn = w->x[i] + dx;
            if (!isfinite(xn)) {
                res->worst = i;
                return MS_ERR_NONCONV;
            }
            double xa = fabs(xn), xb = fabs(w->x[i]);
            double tol = c->opt.reltol * (xa > xb ? xa : xb) + abs_tol(c, i);
            if (fabs(dx) > worst * tol) {   /* divide only for a new worst */
                worst = fabs(dx) / tol;
                res->worst = i;
            }
        }
        for (int i = 1; i <= c->n; i++)
            w->x[i] += w->rhs[i];
        if (!c->nonlinear) {   /* shunted or forced linear system: one solve is exact */
            ms_eval_circuit(w, sys, 0);
            return MS_OK;
        }
        if (!chord) {
            converged = worst <= 1;
            chord = sys->chord && !sys->fixed_iters && worst <= CHORD_START && chord_solves < CHORD_MAX_ITERS;
        } else {
            /* a chord update alone shows nothing of the rate: never accept on it */
            int known = isfinite(last_update);
            double rate = known ? worst / last_update : 0;
            converged = known && worst <= 1 && rate < 1 && rate * worst <= CHORD_ERR * (1 - rate);
            chord = (!known || rate <= CHORD_RATE) && ++chord_solves < CHORD_MAX_ITERS;
        }
        last_update = worst;
    }
}
