/* adjoint.c — gradients of the .loss objective by the exact discrete adjoint
 * of the steps the transient took (DESIGN.md "The numerical core"):
 *
 *   J_n^T lambda_n = dL/dx_n - (dR_{n+1}/dx_n)^T lambda_{n+1},   n = N..1
 *   J_n = C_n + a_n G_n,  dR_{n+1}/dx_n = -C_n + a'_{n+1} G_n
 *   (trapezoidal: a = h/2, a' = h/2; backward Euler: a = h, a' = 0)
 *   DC start (not uic):  G_0^T mu = dL/dx_0 - (dR_1/dx_0)^T lambda_1
 *   dL/dp = - sum_n lambda_n^T dR_n/dp - mu^T df_0/dp
 *
 * dR_n/dp = dq_n/dp - dq_{n-1}/dp + a_n (df_n/dp + [trap] df_{n-1}/dp), so
 * point m's parameter term is (lambda_m - lambda_{m+1}) . dq_m/dp +
 * (a_m lambda_m + a'_{m+1} lambda_{m+1}) . df_m/dp, which devices return as
 * a dot product (MsDevType.dvalue).  Step sizes and methods are constants of
 * the discrete system, as taken in the forward run. */
#include "dcop.h"
#include "klu_wrap.h"
#include "loss.h"
#include "newton.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* y += (cC C - cG G)^T v over the pattern (CSC, unknowns 1..n). */
static void add_transposed(const MsCircuit *c, const double *C, const double *G, double cC, double cG,
                           const double *v, double *y)
{
    for (int j = 0; j < c->n; j++) {
        double s = 0;
        for (int p = c->Ap[j]; p < c->Ap[j + 1]; p++)
            s += (cC * C[p] - cG * G[p]) * v[c->Ai[p] + 1];
        y[j + 1] += s;
    }
}

static int solve_transposed(MsWork *w, const double *C, const double *G, double cq, double a, double *rhs,
                            double *fact_a, double t, MsError *err)
{
    const MsCircuit *c = w->c;
    /* a linear circuit keeps its factors while a is unchanged */
    if (c->nonlinear || *fact_a != a || cq == 0 || *fact_a < 0) {
        for (int p = 0; p < c->nnz; p++)
            w->J[p] = cq * C[p] + a * G[p];
        int bad, rc = ms_klu_factor(w, &bad);
        if (rc)
            return ms_numeric_error(w, rc, bad, "adjoint", t, err);
        *fact_a = cq == 0 || c->nonlinear ? -1 : a;
        w->J_cq = -1;   /* the forward linear fast path must refactor */
    }
    ms_klu_tsolve(w, rhs + 1);
    return MS_OK;
}

static int adjoint(MsWork *w, const MsTraj *tr, int dc_start, double *grad, MsError *err)
{
    const MsCircuit *c = w->c;
    size_t n1 = (size_t)c->n + 1, N = tr->npts - 1;
    double *lam = ms_calloc(n1, sizeof *lam), *lam_next = ms_calloc(n1, sizeof *lam_next);
    double *rhs = ms_calloc(n1, sizeof *rhs), *wq = ms_calloc(n1, sizeof *wq), *wf = ms_calloc(n1, sizeof *wf);
    double a_next = 0, fact_a = -1;   /* a'_{m+1}; a of the factors held */
    int rc = MS_OK;
    w->no_limit = 1;
    for (size_t m = N + 1; m-- > 0 && rc == MS_OK;) {
        memcpy(w->x, ms_traj_x(tr, m), n1 * sizeof *w->x);
        MsNewtonSys sys = {0};
        sys.t = tr->t[m];
        sys.cq = 1;
        sys.a = 1;
        sys.src_scale = 1;
        ms_eval_circuit(w, &sys, 0);
        if (w->eval_failed) {
            rc = ms_err(err, MS_ERR_EVAL, "%s (adjoint)", w->eval_err.msg);
            break;
        }
        const double *G = c->nonlinear ? w->G : c->GL, *C = c->nonlinear ? w->C : c->CL;
        memset(rhs, 0, n1 * sizeof *rhs);
        ms_loss_dx(c, tr, m, rhs);
        if (m < N)
            add_transposed(c, C, G, 1, a_next, lam_next, rhs);
        double a_m = 0;
        if (m >= 1) {
            a_m = tr->be[m] ? tr->h[m] : tr->h[m] / 2;
            rc = solve_transposed(w, C, G, 1, a_m, rhs, &fact_a, tr->t[m], err);
            memcpy(lam, rhs, n1 * sizeof *lam);
        } else {
            memset(lam, 0, n1 * sizeof *lam);
            if (dc_start)   /* mu, the DC multiplier, joins the f term below */
                rc = solve_transposed(w, C, G, 0, 1, rhs, &fact_a, 0, err);
        }
        if (rc)
            break;
        for (size_t i = 1; i < n1; i++) {
            wq[i] = lam[i] - lam_next[i];
            wf[i] = a_m * lam[i] + a_next * lam_next[i] + (m == 0 && dc_start ? rhs[i] : 0);
        }
        MsEval ev = {.x = w->x, .t = tr->t[m], .state = w->state, .scratch = w->scratch};
        MsSourceEval se = {tr->t[m], 1, 0, w->override};
        for (int k = 0; k < c->nparams; k++) {
            const MsDevGroup *g = &c->groups[c->params[k].group];
            grad[k] -= g->type->dvalue(ms_group_inst(g, c->params[k].inst), &ev, &se, wq, wf);
        }
        double *tmp = lam_next;
        lam_next = lam;
        lam = tmp;
        a_next = m >= 1 && !tr->be[m] ? a_m : 0;
    }
    w->no_limit = 0;
    free(lam), free(lam_next), free(rhs), free(wq), free(wf);
    return rc;
}

int ms_run_grad(MsWork *w, const MsTranSpec *spec, MsGrad *out, MsError *err)
{
    const MsCircuit *c = w->c;
    memset(out, 0, sizeof *out);
    if (c->nlosses == 0)
        return ms_err(err, MS_ERR_ARG, "%s: no .loss card: nothing to differentiate", c->deck.src.files[0]);
    int uic = (spec && spec->uic) || c->tran.uic;
    if (c->nics > 0 && !uic)
        return ms_err(err, MS_ERR_UNSUPPORTED,
                      "%s: gradients with .ic but without uic are not supported yet (add uic to .tran)",
                      c->deck.src.files[0]);
    MsTraj tr;
    ms_traj_init(&tr, c->n + 1);
    w->traj = &tr;
    double t0 = now();
    int rc = ms_run_tran(w, spec, &out->tran, err);
    w->traj = NULL;
    out->forward_seconds = now() - t0;
    out->nparams = c->nparams;
    out->names = ms_calloc((size_t)c->nparams + 1, sizeof *out->names);
    out->values = ms_calloc((size_t)c->nparams + 1, sizeof *out->values);
    out->grad = ms_calloc((size_t)c->nparams + 1, sizeof *out->grad);
    for (int k = 0; k < c->nparams; k++) {
        out->names[k] = c->params[k].name;
        out->values[k] = ms_circuit_get_param(c, k);
    }
    if (rc == MS_OK) {
        out->loss = ms_loss_value(c, &tr);
        t0 = now();
        rc = adjoint(w, &tr, !uic, out->grad, err);
        out->backward_seconds = now() - t0;
    }
    ms_traj_free(&tr);
    if (rc)
        ms_grad_free(out);
    return rc;
}

void ms_grad_free(MsGrad *g)
{
    if (!g)
        return;
    free(g->names);
    free(g->values);
    free(g->grad);
    ms_result_free(&g->tran);
    memset(g, 0, sizeof *g);
}

int ms_circuit_num_params(const MsCircuit *c) { return c->nparams; }

static double *param_ref(const MsCircuit *c, int k)
{
    const MsDevGroup *g = &c->groups[c->params[k].group];
    return g->type->value_ref(ms_group_inst(g, c->params[k].inst));
}

double ms_circuit_get_param(const MsCircuit *c, int k) { return k >= 0 && k < c->nparams ? *param_ref(c, k) : NAN; }

int ms_circuit_set_param(MsCircuit *c, int k, double value, MsError *err)
{
    if (k < 0 || k >= c->nparams)
        return ms_err(err, MS_ERR_ARG, "no trainable parameter %d", k);
    if (!isfinite(value))
        return ms_err(err, MS_ERR_ARG, "%s: value must be finite", c->params[k].name);
    *param_ref(c, k) = value;
    /* the linear stamps hold element values: stamp them again */
    memset(c->GL, 0, ((size_t)c->nnz + 1) * sizeof *c->GL);
    memset(c->CL, 0, ((size_t)c->nnz + 1) * sizeof *c->CL);
    for (int g = 0; g < c->ngroups; g++)
        if (c->groups[g].type->stamp_linear)
            c->groups[g].type->stamp_linear(c->groups[g].inst, c->groups[g].n, c->GL, c->CL);
    c->GL[c->nnz] = c->CL[c->nnz] = 0;
    c->stamp_gen++;   /* works must refactor */
    return MS_OK;
}
