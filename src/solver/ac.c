/* ac.c — the .ac small-signal analysis.
 *
 * The circuit d/dt q(x) + f(x) = 0 linearised at its operating point x0
 * with a sinusoidal excitation B e^{jwt}:  (G + jw C) X = B,  G = df/dx,
 * C = dq/dx at x0 (the same Jacobians Newton and the transient use: the
 * devices' linear stamps and eval), B the sources' `AC mag phase` phasors
 * (load_sources with MsSourceEval.ac).  One complex KLU factorisation per
 * frequency on the circuit's own symbolic analysis (the pattern of G + jwC
 * is the pattern of the real matrices).
 *
 * The Jacobians are taken from a DC evaluation (MsEval.dc = 1), so a
 * memristor's state row is its DC row x - x0 = 0 plus its C(x,x) = 1:
 * (1 + jw) dX = 0, i.e. the state is frozen in small signal.  Its
 * conductance dI/dv (and dI/dx, multiplied by dX = 0) at the operating point
 * is what the signal sees.  A state is integrated, not a small-signal
 * quantity: linearising dx/dt = g(v, x) around a point where g(v0, x0) != 0
 * (any biased memristor) has no steady state to be small around.
 *
 * Saved vectors derived from the solution (.print/.save p(name) and
 * {expr}) are left out: they are large-signal quantities (a power, a
 * real-valued expression) with no phasor; the result holds the node
 * voltages, branch currents and states that are saved. */
#include "ac_sweep.h"
#include "dcop.h"
#include "newton.h"
#include "../io/result.h"
#include "../util/limits.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The kinds' small-signal differences (a resistor's ac=) applied to a copy
 * of G in Gac (nnz+1 values; G_L and the work's G stay as they are). */
static void ac_stamps(const MsCircuit *c, const double **G, double *Gac)
{
    int any = 0;
    for (int g = 0; g < c->ngroups; g++)
        any |= c->groups[g].type->stamp_ac != NULL && c->groups[g].n > 0;
    if (!any)
        return;
    memcpy(Gac, *G, ((size_t)c->nnz + 1) * sizeof *Gac);
    for (int g = 0; g < c->ngroups; g++)
        if (c->groups[g].type->stamp_ac)
            c->groups[g].type->stamp_ac(c->groups[g].inst, c->groups[g].n, Gac);
    *G = Gac;
}

/* G and C at the operating point in w->x (values for every pattern slot). */
static int jacobians_at_op(MsWork *w, const double **G, const double **C, MsError *err)
{
    const MsCircuit *c = w->c;
    *G = c->nonlinear ? w->G : c->GL;
    *C = c->nonlinear ? w->C : c->CL;
    if (!c->nonlinear)
        return MS_OK;
    MsNewtonSys sys = {.cq = 0, .a = 1, .src_scale = 1, .dc_op = 1};
    int saved = w->no_limit;
    w->no_limit = 1;   /* exactly at x0: no voltage limiting */
    ms_eval_circuit(w, &sys, 0);
    w->no_limit = saved;
    if (w->eval_failed)
        return ms_err(err, MS_ERR_EVAL, "%s (AC analysis, at the operating point)", w->eval_err.msg);
    return MS_OK;
}

/* B: the sources' AC phasors, real and imaginary parts interleaved (n values). */
static void load_ac(MsWork *w, double *B)
{
    const MsCircuit *c = w->c;
    size_t n1 = (size_t)c->n + 1;
    for (int part = 1; part <= 2; part++) {
        memset(w->b, 0, n1 * sizeof *w->b);
        MsSourceEval se = {
            .t = 0, .scale = 1, .dc_op = 1, .override = w->override, .ac = part, .ac_over = w->ac_over};
        for (int g = 0; g < c->ngroups; g++)
            if (c->groups[g].type->load_sources)
                c->groups[g].type->load_sources(c->groups[g].inst, c->groups[g].n, &se, w->b);
        for (int i = 1; i <= c->n; i++)
            B[2 * (i - 1) + part - 1] = w->b[i];
    }
}

/* The saved vectors that have a phasor: every one but p() and {expr}. */
static int phasor_saves(const MsCircuit *c)
{
    int n = 0;
    for (int j = 0; j < c->nsaves; j++)
        n += c->saves[j].derived == MS_SAVE_UNKNOWN;
    return n;
}

static int check_size(const MsCircuit *c, long npts, MsError *err)
{
    /* frequency, real and imaginary parts of every saved vector */
    int nv = phasor_saves(c);
    double values = (double)npts * (2.0 * nv + 1);
    if (!(values <= MS_MAX_STORED_VALUES))
        return ms_err(err, MS_ERR_SEMANTIC, "%s: .ac: %ld frequencies x %d vectors is more than the limit of %ld stored values",
                      c->deck.src.files[0], npts, nv, MS_MAX_STORED_VALUES);
    return MS_OK;
}

static void result_init(const MsCircuit *c, MsResult *r)
{
    ms_result_init(r, c->title, "AC Analysis", phasor_saves(c), 1);
    for (int j = 0, k = 0; j < c->nsaves; j++)
        if (c->saves[j].derived == MS_SAVE_UNKNOWN) {
            r->names[k] = ms_strdup(c->saves[j].name);
            r->kinds[k++] = c->saves[j].kind;
        }
    if (c->faults)
        r->faults = ms_strdup(c->faults);
    r->scale = ms_strdup("frequency");
    r->imag = ms_malloc(sizeof *r->imag);
}

/* Solve at frequency f into X (interleaved, n complex values). */
static int solve_at(MsWork *w, const double *G, const double *C, const double *B, double f, double *A, double *X,
                    klu_numeric **num, MsError *err)
{
    const MsCircuit *c = w->c;
    double omega = 2 * 3.14159265358979323846 * f;
    for (int p = 0; p < c->nnz; p++) {
        A[2 * p] = G[p];
        A[2 * p + 1] = omega * C[p];
    }
    if (*num)
        klu_z_free_numeric(num, &w->common);
    *num = klu_z_factor((int *)c->Ap, (int *)c->Ai, A, c->sym, &w->common);
    if (!*num || w->common.status == KLU_SINGULAR) {
        int col = w->common.singular_col, unk = col >= 0 && col < c->n ? col + 1 : 0;
        if (w->common.status == KLU_OUT_OF_MEMORY)
            return ms_err(err, MS_ERR_NOMEM, "%s: out of memory factoring the AC matrix", c->deck.src.files[0]);
        return ms_err(err, MS_ERR_SINGULAR, "%s: singular matrix in the AC analysis at f=%g Hz: check %s '%s'",
                      c->deck.src.files[0], f, unk ? ms_unknown_kind_name(c, unk) : "unknown",
                      unk ? c->unk_name[unk] : "?");
    }
    w->factorizations++;
    memcpy(X, B, 2 * (size_t)c->n * sizeof *X);
    klu_z_solve(c->sym, *num, c->n, 1, X, &w->common);
    for (int i = 0; i < 2 * c->n; i++)
        if (!isfinite(X[i]))
            return ms_err(err, MS_ERR_NONCONV, "%s: the AC solution at f=%g Hz is not finite (%s '%s')",
                          c->deck.src.files[0], f, ms_unknown_kind_name(c, i / 2 + 1), c->unk_name[i / 2 + 1]);
    return MS_OK;
}

/* One row of the result: each saved vector's phasor. */
static void record(const MsCircuit *c, MsResult *r, double f, const double *X)
{
    double *re = ms_result_add_point(r, f), *im = r->imag + (re - r->data);
    for (int j = 0, k = 0; j < c->nsaves; j++) {
        const MsSave *s = &c->saves[j];
        if (s->derived != MS_SAVE_UNKNOWN)
            continue;
        /* X holds unknowns 1..n at 2(i-1); ground (0) is 0 */
        double ar = s->a ? X[2 * (s->a - 1)] : 0, ai = s->a ? X[2 * (s->a - 1) + 1] : 0;
        double br = 0, bi = 0;
        if (s->kind == MS_VEC_VOLTAGE && s->b) {
            br = X[2 * (s->b - 1)];
            bi = X[2 * (s->b - 1) + 1];
        }
        re[k] = ar - br;
        im[k++] = ai - bi;
    }
}

int ms_run_ac(MsWork *w, const MsAcSpec *spec, MsResult *res, MsError *err)
{
    const MsCircuit *c = w->c;
    memset(res, 0, sizeof *res);
    MsAcSpec s;
    if (spec)
        s = *spec;
    else if (!ms_circuit_has_ac(c, &s))
        return ms_err(err, MS_ERR_ARG, "%s: no .ac card and no AC request", c->deck.src.files[0]);
    if (!(s.sweep >= MS_AC_DEC && s.sweep <= MS_AC_LIN) || s.npoints < 1 || !(s.fstart > 0) ||
        !(s.fstop >= s.fstart) || !isfinite(s.fstop))
        return ms_err(err, MS_ERR_ARG, "%s: AC request: sweep dec/oct/lin, npoints >= 1, 0 < fstart <= fstop",
                      c->deck.src.files[0]);
    long npts = ms_ac_sweep(&s, c->opt.reltol, NULL);
    if (npts > MS_MAX_AC_POINTS)
        return ms_err(err, MS_ERR_ARG, "%s: AC request: more than the limit of %ld frequencies", c->deck.src.files[0],
                      MS_MAX_AC_POINTS);
    long fact0 = w->factorizations;   /* this run's: its operating point's and one per frequency */
    int rc = check_size(c, npts, err);
    if (rc == MS_OK)
        rc = ms_dcop(w, 0, 1, 0, err);
    if (rc)
        return rc;
    const double *G, *C;
    if ((rc = jacobians_at_op(w, &G, &C, err)))
        return rc;
    double *Gac = ms_malloc(((size_t)c->nnz + 1) * sizeof *Gac);
    ac_stamps(c, &G, Gac);
    size_t n2 = 2 * (size_t)c->n;
    double *freq = ms_malloc((size_t)npts * sizeof *freq);
    double *A = ms_malloc(2 * ((size_t)c->nnz + 1) * sizeof *A);
    double *B = ms_calloc(n2 + 2, sizeof *B), *X = ms_calloc(n2 + 2, sizeof *X);
    ms_ac_sweep(&s, c->opt.reltol, freq);
    load_ac(w, B);
    result_init(c, res);
    klu_numeric *num = NULL;
    for (long k = 0; k < npts && rc == MS_OK; k++) {
        rc = solve_at(w, G, C, B, freq[k], A, X, &num, err);
        if (rc == MS_OK)
            record(c, res, freq[k], X);
        if (w->progress)
            w->progress((double)(k + 1) / (double)npts, w->progress_user);
    }
    if (num)
        klu_z_free_numeric(&num, &w->common);
    res->factorizations = w->factorizations - fact0;
    free(freq);
    free(Gac);
    free(A);
    free(B);
    free(X);
    if (rc)
        ms_result_free(res);
    return rc;
}
