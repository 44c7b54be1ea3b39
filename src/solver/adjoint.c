/* adjoint.c — gradients of the .loss objective by the exact discrete adjoint
 * of the steps the transient took (DESIGN.md "The numerical core"):
 *
 *   J_n^T lambda_n = dL/dx_n - (dR_{n+1}/dx_n)^T lambda_{n+1},   n = N..1
 *   J_n = C_n + a_n G_n,  dR_{n+1}/dx_n = -C_n + a'_{n+1} G_n
 *   (trapezoidal: a = h/2, a' = h/2; backward Euler: a = h, a' = 0)
 *   DC start (not uic):  G_0^T mu = dL/dx_0 - (dR_1/dx_0)^T lambda_1
 *   dL/dp = - sum_n lambda_n^T dR_n/dp - mu^T df_0/dp
 * (.ic without uic: the operating point's rows of the .ic nodes are
 * x_i - value_i = 0, in G_0 and in df_0/dp alike, see dc_start_terms)
 *
 * dR_n/dp = dq_n/dp - dq_{n-1}/dp + a_n (df_n/dp + [trap] df_{n-1}/dp), so
 * point m's parameter term is (lambda_m - lambda_{m+1}) . dq_m/dp +
 * (a_m lambda_m + a'_{m+1} lambda_{m+1}) . df_m/dp, which devices return as
 * a dot product (MsDevType.dvalue).  Step sizes and methods are constants of
 * the discrete system, as taken in the forward run. */
#include "dcop.h"
#include "../devices/memristor_models.h"
#include "klu_wrap.h"
#include "loss.h"
#include "meas_loss.h"
#include "newton.h"
#include "setup.h"
#include "param_deps.h"
#include "tran.h"

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

/* Solve (cq C + a G)^T y = rhs in place (force: with the .ic rows). */
static int solve_transposed(MsWork *w, const double *C, const double *G, double cq, double a, int force,
                            double *rhs, double *fact_a, double t, MsError *err)
{
    const MsCircuit *c = w->c;
    /* a linear circuit keeps its factors while a is unchanged */
    if (c->nonlinear || *fact_a != a || cq == 0 || *fact_a < 0) {
        for (int p = 0; p < c->nnz; p++)
            w->J[p] = cq * C[p] + a * G[p];
        if (force)
            ms_force_ic_rows(c, c->ics, c->nics, w->J);
        int bad, rc = ms_klu_factor(w, &bad);
        if (rc)
            return ms_numeric_error(w, rc, bad, "adjoint", t, err);
        *fact_a = cq == 0 || c->nonlinear ? -1 : a;
        w->J_cq = -1;   /* the forward linear fast path must refactor */
    }
    ms_klu_tsolve(w, rhs + 1);
    return MS_OK;
}

/* Replay the steps k0+1..k1 from checkpoint k0 / every into buf (x_k0 first):
 * the same step sizes, methods, predictors and Newton iteration counts as
 * the forward run, so the points are the same to rounding. */
static int replay(MsWork *w, const MsTraj *tr, size_t k0, size_t k1, double *buf, double *hist, MsError *err)
{
    const MsCircuit *c = w->c;
    size_t n1 = (size_t)c->n + 1, j = k0 / (size_t)tr->every;
    memcpy(buf, tr->ck_x + j * n1, n1 * sizeof *buf);
    memcpy(w->x, buf, n1 * sizeof *buf);
    if (c->nstate)
        memcpy(w->state, tr->ck_state + j * (size_t)c->nstate, (size_t)c->nstate * sizeof *w->state);
    MsNewtonSys sys = {0};
    sys.t = tr->t[k0];
    sys.cq = 1;
    sys.a = 1;
    sys.src_scale = 1;
    ms_eval_circuit(w, &sys, 0);   /* f, q at a converged point: no limiting involved */
    w->no_limit = 0;
    for (size_t m = k0 + 1; m <= k1; m++) {
        memcpy(w->x_prev, w->x, n1 * sizeof *w->x);
        memcpy(w->f_prev, w->f, n1 * sizeof *w->f);
        memcpy(w->q_prev, w->q, n1 * sizeof *w->q);
        MsStep st = {tr->t[m - 1], tr->h[m], tr->be[m], tr->pred[m], {NULL}, {0}, 1000, tr->iters[m], 0, w->rec_uic && m == 1};
        for (size_t k = 0; k < (size_t)st.np; k++) {   /* x_{m-1-k}: replayed, or stored before x_k0 */
            size_t pm = m - 1 - k;
            st.p[k] = pm >= k0 ? buf + (pm - k0) * n1 : tr->ck_prev + (2 * j + (k0 - 1 - pm)) * n1;
            st.pt[k] = tr->t[pm];
        }
        MsNewtonResult nr;
        int rc = ms_tran_step(w, &st, hist, &nr);
        if (rc)
            return ms_numeric_error(w, rc, nr.worst, "adjoint (replaying a checkpointed segment)", tr->t[m], err);
        memcpy(buf + (m - k0) * n1, w->x, n1 * sizeof *w->x);
        double hmax = INFINITY;   /* (the steps are the recorded ones) */
        ms_devices_accepted(w, tr->h[m], &hmax);   /* a switch's memory, as in the forward run */
    }
    return MS_OK;
}

/* grad -= wq . dq/dp + wf . df/dp at the point in w->x (dc: the DC equations). */
static void param_terms(MsWork *w, double t, int dc, const double *wq, const double *wf, double *grad)
{
    const MsCircuit *c = w->c;
    MsEval ev = {.x = w->x, .t = t, .dc = dc, .state = w->state, .scratch = w->scratch};
    MsSourceEval se = {t, 1, 0, w->override, 0, NULL};
    for (int k = 0; k < c->nparams; k++) {
        const MsParamRef *p = &c->params[k];
        if (p->train >= 0) {
            grad[k] -= ms_pdep_dot(c, p->train, &ev, &se, wq, wf);
            continue;
        }
        const MsDevGroup *g = &c->groups[p->group];
        const void *inst = ms_group_inst(g, p->inst);
        grad[k] -= p->k < 0 ? g->type->dvalue(inst, &ev, &se, wq, wf) : g->type->dparam(inst, p->k, &ev, &se, wq, wf);
    }
}

typedef struct Sweep {
    double *lam, *lam_next, *rhs, *wq, *wf;
    double a_next;            /* a'_{m+1}: G_m's coefficient in dR_{m+1}/dx_m */
    double fact_a;            /* a of the factors held (linear circuits) */
    double *wf_sum;           /* sum of wf over the points, or NULL (ms_grad_backward_wf) */
} Sweep;

/* A constant excitation b enters every point's f as -b, so its gradient is
 * b's derivative dotted with the sum of the points' wf. */
static void add_wf(const MsWork *w, const Sweep *sw)
{
    if (sw->wf_sum)
        for (int i = 1; i <= w->c->n; i++)
            sw->wf_sum[i] += sw->wf[i];
}

/* The operating point x_0: its own equations (a memristor's state row is
 * x - x0 there; an .ic node's row x_i - value_i), solved as
 * G_0^T mu = dL/dx_0 - (dR_1/dx_0)^T lambda_1 (rhs, overwritten by mu).
 * An .ic row holds no device equation, so mu_i does not weigh df_i/dp. */
static int dc_start_terms(MsWork *w, MsNewtonSys *sys, const double *C, double *rhs, Sweep *sw, double *grad,
                          MsError *err)
{
    const MsCircuit *c = w->c;
    size_t n1 = (size_t)c->n + 1;
    sys->cq = 0;
    ms_eval_circuit(w, sys, 0);
    const double *G = c->nonlinear ? w->G : c->GL;
    int rc = solve_transposed(w, C, G, 0, 1, c->nics > 0, rhs, &sw->fact_a, 0, err);
    if (rc)
        return rc;
    memset(sw->wq, 0, n1 * sizeof *sw->wq);
    memcpy(sw->wf, rhs, n1 * sizeof *sw->wf);
    for (int k = 0; k < c->nics; k++)
        sw->wf[c->ics[k].unk] = 0;
    add_wf(w, sw);
    param_terms(w, 0, 1, sw->wq, sw->wf, grad);
    /* .ic values computed from trainable .params: -mu_i d(x_i - value_i)/dp */
    for (int k = 0; k < c->nparams; k++)
        if (c->params[k].train >= 0)
            grad[k] += ms_pdep_dic(c, c->params[k].train, rhs, 0);
    return MS_OK;
}

/* The backward step at point m with solution x. */
static int backward_point(MsWork *w, const MsTraj *tr, size_t m, const double *x, int dc_start, Sweep *sw,
                          double *loss, double *grad, MsError *err)
{
    const MsCircuit *c = w->c;
    size_t n1 = (size_t)c->n + 1, N = tr->npts - 1;
    memcpy(w->x, x, n1 * sizeof *w->x);
    MsNewtonSys sys = {0};
    sys.t = tr->t[m];
    sys.cq = 1;
    sys.a = 1;
    sys.src_scale = 1;
    ms_eval_circuit(w, &sys, 0);
    if (w->eval_failed)
        return ms_err(err, MS_ERR_EVAL, "%s (adjoint)", w->eval_err.msg);
    const double *G = c->nonlinear ? w->G : c->GL;
    const double *C = c->nonlinear ? w->C : c->CL;
    double *rhs = sw->rhs;
    memset(rhs, 0, n1 * sizeof *rhs);
    *loss += ms_loss_point(c, tr, m, x, w->loss_weight, rhs);
    if (m < N)
        add_transposed(c, C, G, 1, sw->a_next, sw->lam_next, rhs);
    double a_m = 0;
    int rc = MS_OK;
    if (m >= 1) {
        a_m = tr->be[m] ? tr->h[m] : tr->h[m] / 2;
        rc = solve_transposed(w, C, G, 1, a_m, 0, rhs, &sw->fact_a, tr->t[m], err);
        memcpy(sw->lam, rhs, n1 * sizeof *rhs);
    } else {
        memset(sw->lam, 0, n1 * sizeof *sw->lam);
    }
    if (rc)
        return rc;
    for (size_t i = 1; i < n1; i++) {
        sw->wq[i] = sw->lam[i] - sw->lam_next[i];
        sw->wf[i] = a_m * sw->lam[i] + sw->a_next * sw->lam_next[i];
    }
    add_wf(w, sw);
    param_terms(w, tr->t[m], 0, sw->wq, sw->wf, grad);
    if (m == 0 && !dc_start) {
        /* uic: x_0 is the initial values, dL/dx_0 (total) = rhs */
        for (int k = 0; k < c->nparams; k++) {
            const MsParamRef *p = &c->params[k];
            if (p->train >= 0) {
                grad[k] += ms_pdep_dinitial(c, p->train, rhs) + ms_pdep_dic(c, p->train, rhs, 1);
                continue;
            }
            const MsDevGroup *g = &c->groups[p->group];
            if (p->k >= 0 && g->type->dinitial)
                grad[k] += g->type->dinitial(ms_group_inst(g, p->inst), p->k, rhs);
        }
    }
    if (m == 0 && dc_start)
        rc = dc_start_terms(w, &sys, C, rhs, sw, grad, err);
    if (rc)
        return rc;
    double *tmp = sw->lam_next;
    sw->lam_next = sw->lam;
    sw->lam = tmp;
    sw->a_next = m >= 1 && !tr->be[m] ? a_m : 0;
    return MS_OK;
}

/* Backward over the whole trajectory, one checkpointed segment at a time
 * (or all of it at once when every point is stored); also sums the loss. */
static int adjoint(MsWork *w, const MsTraj *tr, int dc_start, double *loss, double *grad, size_t *peak_bytes,
                   double *wf_sum, MsError *err)
{
    const MsCircuit *c = w->c;
    size_t n1 = (size_t)c->n + 1, N = tr->npts - 1;
    Sweep sw = {ms_calloc(n1, sizeof(double)), ms_calloc(n1, sizeof(double)), ms_calloc(n1, sizeof(double)),
                ms_calloc(n1, sizeof(double)), ms_calloc(n1, sizeof(double)), 0, -1, wf_sum};
    if (wf_sum)
        memset(wf_sum, 0, n1 * sizeof *wf_sum);
    size_t K = tr->every ? (size_t)tr->every : N + 1;
    double *buf = tr->every ? ms_malloc((K + 1) * n1 * sizeof *buf) : NULL;
    double *hist = ms_calloc(n1, sizeof *hist);
    *peak_bytes = tr->bytes + (buf ? (K + 1) * n1 * sizeof *buf : 0);
    *loss = 0;
    int rc = MS_OK;
    w->J_cq = -1;   /* factors from the forward run may not be for these coefficients */
    for (size_t s = N / K + 1; s-- > 0 && rc == MS_OK;) {
        size_t k0 = s * K, k1 = k0 + K < N ? k0 + K : N;
        if (k0 > N || (k0 == k1 && s > 0))
            continue;
        if (buf)
            rc = replay(w, tr, k0, k1, buf, hist, err);
        w->no_limit = 1;
        for (size_t m = k1 + 1; m-- > (s == 0 ? 0 : k0 + 1) && rc == MS_OK;)
            rc = backward_point(w, tr, m, buf ? buf + (m - k0) * n1 : ms_traj_x(tr, m), dc_start, &sw, loss, grad,
                                err);
        w->no_limit = 0;
    }
    free(sw.lam), free(sw.lam_next), free(sw.rhs), free(sw.wq), free(sw.wf), free(buf), free(hist);
    return rc;
}

void ms_work_set_checkpoint(MsWork *w, long every) { w->checkpoint = every; }

int ms_work_set_loss_weight(MsWork *w, int k, double weight, MsError *err)
{
    if (k < 0 || k >= w->c->nlosses)
        return ms_err(err, MS_ERR_ARG, "no .loss term %d (the netlist has %d)", k, w->c->nlosses);
    if (!isfinite(weight))
        return ms_err(err, MS_ERR_ARG, "loss weight must be finite");
    w->loss_weight[k] = weight;
    return MS_OK;
}

/* Checkpoint spacing for `every` < 0: about sqrt of the expected steps. */
static long auto_checkpoint(const MsCircuit *c, const MsTranSpec *spec)
{
    double tstep = spec && spec->tstep > 0 ? spec->tstep : c->tran.tstep;
    double tstop = spec && spec->tstop > 0 ? spec->tstop : c->tran.tstop;
    double n = tstep > 0 ? tstop / tstep : 100;
    long k = (long)ceil(sqrt(n > 1 ? n : 1));
    return k > 1 ? k : 1;
}

int ms_grad_forward(MsWork *w, const MsTranSpec *spec, MsResult *res, MsError *err)
{
    const MsCircuit *c = w->c;
    ms_grad_release(w);
    w->rec = ms_calloc(1, sizeof *w->rec);
    ms_traj_init(w->rec, c->n + 1, c->nstate, w->checkpoint < 0 ? auto_checkpoint(c, spec) : w->checkpoint);
    ms_traj_signals(w->rec, c->nmeas_sv, c->meas_sv_a, c->meas_sv_b);   /* for .loss meas */
    w->rec->tstart = spec && spec->tstart > 0 ? spec->tstart : c->tran.tstart;
    w->rec_uic = (spec && spec->uic) || c->tran.uic;
    w->traj = w->rec;
    int rc = ms_run_tran(w, spec, res, err);
    w->traj = NULL;
    if (rc)
        ms_grad_release(w);
    return rc;
}

int ms_grad_terms(MsWork *w, double *values, MsError *err)
{
    if (!w->rec)
        return ms_err(err, MS_ERR_ARG, "%s", "loss terms: no recorded forward run");
    int rc = ms_meas_loss_eval(w->c, w->rec, err);
    if (rc)
        return rc;
    if (ms_loss_terms(w->c, w->rec, values))
        return ms_err(err, MS_ERR_ARG, "%s", "loss terms need every point stored (checkpoint spacing 0)");
    return MS_OK;
}

/* An overflowing .loss (a huge weight, a term that grows without bound)
 * must not come back as a NaN that training or a caller takes for a value. */
static int check_finite(const MsCircuit *c, double loss, const double *grad, MsError *err)
{
    if (!isfinite(loss))
        return ms_err(err, MS_ERR_EVAL, "%s: the loss is not a finite number (%g): a .loss term or weight overflows",
                      c->deck.src.files[0], loss);
    for (int k = 0; k < c->nparams; k++)
        if (!isfinite(grad[k]))
            return ms_err(err, MS_ERR_EVAL, "%s: the gradient with respect to '%s' is not a finite number (%g)",
                          c->deck.src.files[0], c->params[k].name, grad[k]);
    return MS_OK;
}

static int grad_backward(MsWork *w, double *loss, double *grad, size_t *peak_bytes, double *wf_sum, MsError *err)
{
    if (!w->rec)
        return ms_err(err, MS_ERR_ARG, "%s", "adjoint: no recorded forward run");
    const MsCircuit *c = w->c;
    if (c->nreadout && !w->rec->every && !w->rec->loss_at) {   /* a max readout's point */
        double *v = ms_malloc(((size_t)c->nlosses + 1) * sizeof *v);
        ms_loss_terms(c, w->rec, v);
        free(v);
    }
    size_t bytes = 0;
    memset(grad, 0, (size_t)c->nparams * sizeof *grad);
    int rc = ms_meas_loss_eval(c, w->rec, err);   /* .loss meas: the measures on this run */
    if (rc)
        return rc;
    rc = adjoint(w, w->rec, !w->rec_uic, loss, grad, &bytes, wf_sum, err);
    if (rc == MS_OK)
        rc = check_finite(c, *loss, grad, err);
    if (peak_bytes)
        *peak_bytes = bytes;
    return rc;
}

int ms_grad_backward(MsWork *w, double *loss, double *grad, size_t *peak_bytes, MsError *err)
{
    return grad_backward(w, loss, grad, peak_bytes, NULL, err);
}

int ms_grad_backward_wf(MsWork *w, double *loss, double *grad, double *wf_sum, MsError *err)
{
    return grad_backward(w, loss, grad, NULL, wf_sum, err);
}

long ms_grad_checkpoint(const MsWork *w) { return w->rec ? w->rec->every : 0; }

void ms_grad_release(MsWork *w)
{
    if (w->rec)
        ms_traj_free(w->rec);
    free(w->rec);
    w->rec = NULL;
}

int ms_run_grad(MsWork *w, const MsTranSpec *spec, MsGrad *out, MsError *err)
{
    const MsCircuit *c = w->c;
    memset(out, 0, sizeof *out);
    if (c->deck.nlosses == 0)
        return ms_err(err, MS_ERR_ARG, "%s: no .loss card: nothing to differentiate", c->deck.src.files[0]);
    double t0 = now();
    int rc = ms_grad_forward(w, spec, &out->tran, err);
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
        t0 = now();
        rc = ms_grad_backward(w, &out->loss, out->grad, &out->trajectory_bytes, err);
        out->backward_seconds = now() - t0;
        out->checkpoint = ms_grad_checkpoint(w);
    }
    ms_grad_release(w);
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
    const MsParamRef *p = &c->params[k];
    const MsDevGroup *g = &c->groups[p->group];
    void *inst = ms_group_inst(g, p->inst);
    return p->k < 0 ? g->type->value_ref(inst) : g->type->param_ref(inst, p->k);
}

double ms_circuit_get_param(const MsCircuit *c, int k)
{
    if (k < 0 || k >= c->nparams)
        return NAN;
    return c->params[k].train >= 0 ? c->train[c->params[k].train].value : *param_ref(c, k);
}

/* Value k of c becomes value (the re-stamp is the caller's); 1 in *restamp
 * if it can be in the linear stamps: a memristor's parameters enter its
 * evaluation only. */
static int write_param(MsCircuit *c, int k, double value, int *restamp, MsError *err)
{
    const MsParamRef *p = &c->params[k];
    if (!isfinite(value))
        return ms_err(err, MS_ERR_ARG, "%s: value must be finite", p->name);
    *restamp |= p->train >= 0 || p->k < 0 || c->groups[p->group].type != &ms_dev_memristor;
    if (p->train >= 0)
        return ms_pdep_set(c, p->train, value, err);
    *param_ref(c, k) = value;
    return MS_OK;
}

/* The linear stamps hold element values: rebuild them, and works refactor. */
static void restamp_linear(MsCircuit *c)
{
    ms_circuit_stamp_linear(c);
    c->stamp_gen++;
}

int ms_circuit_set_param(MsCircuit *c, int k, double value, MsError *err)
{
    if (k < 0 || k >= c->nparams)
        return ms_err(err, MS_ERR_ARG, "no trainable parameter %d", k);
    int restamp = 0, rc = write_param(c, k, value, &restamp, err);
    if (rc == MS_OK && restamp)
        restamp_linear(c);
    return rc;
}

int ms_circuit_set_params(MsCircuit *c, const double *values, const unsigned char *skip, MsError *err)
{
    int rc = MS_OK, restamp = 0;
    for (int k = 0; k < c->nparams && rc == MS_OK; k++)
        if (!(skip && skip[k]))
            rc = write_param(c, k, values[k], &restamp, err);
    if (restamp)
        restamp_linear(c);
    return rc;
}
