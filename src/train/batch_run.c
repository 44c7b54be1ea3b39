/* batch_run.c — forward and backward of a chunk of samples through a
 * compiled network (batch_internal.h).  Each backward kernel sits next to
 * the forward one it undoes.
 *
 * Shapes: S samples, points k = 0..N (k = 0 is the uic start), R rows,
 * C columns, M neurons (all layers), zw = 1 + branches per neuron.
 *   V, H  [S][N+1][R]   row voltages, h(V) = a sinh(b V)   (per layer)
 *   I     [S][N+1][C]   column currents I = H X            (per layer)
 *   U     [S][N+1][M]   neuron input currents
 *   Z     [S][N+1][M][zw]  membrane v, branch states x_b
 *   D     [S][N+1][M][4 zw]  dI/dv, dI/dx, dg/dv, dg/dx of each branch at Z
 * A layer whose rows are all constant in time ("static": analog inputs)
 * keeps one row of V, H and I per sample, at k = 1. */
#include "batch_internal.h"
#include "rng.h"
#include "../util/util.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct MsBatchWork {
    double **V, **H, **Icol, **E;   /* per layer; E: d buffer / d membrane for buffer rows */
    double *U, *Z, *D, *F;       /* F: f at Z (the trapezoidal history), [S][M][zw] */
    double *dLv, *dU, *dI, *dX, *dH;
    double *tS, *tval, *tgrad, *tin;
    int *tunk;
};

#define IDX(s, k) ((size_t)(s) * (size_t)(N + 1) + (size_t)(k))

int ms_batch_work_new(const MsBatchNet *bn, MsBatchWork **out)
{
    MsBatchWork *w = ms_calloc(1, sizeof *w);
    size_t S = MS_BATCH_CHUNK, P = S * ((size_t)bn->N + 1), M = (size_t)bn->nneurons, zw = (size_t)bn->zw;
    w->V = ms_calloc((size_t)bn->nlayers + 1, sizeof *w->V);   /* NULL-terminated */
    w->H = ms_calloc((size_t)bn->nlayers + 1, sizeof *w->H);
    w->Icol = ms_calloc((size_t)bn->nlayers + 1, sizeof *w->Icol);
    w->E = ms_calloc((size_t)bn->nlayers + 1, sizeof *w->E);
    for (int l = 0; l < bn->nlayers; l++) {
        size_t R = (size_t)bn->layers[l].nrows, C = (size_t)bn->layers[l].ncols;
        w->V[l] = ms_calloc(P * R + 1, sizeof(double));
        w->H[l] = ms_calloc(P * R + 1, sizeof(double));
        w->E[l] = ms_calloc(P * R + 1, sizeof(double));
        w->Icol[l] = ms_calloc(P * C + 1, sizeof(double));
    }
    w->U = ms_calloc(P * M + 1, sizeof(double));
    w->Z = ms_calloc(P * M * zw + 1, sizeof(double));
    w->D = ms_calloc(P * M * 4 * zw + 1, sizeof(double));
    w->F = ms_calloc(S * M * zw + 1, sizeof(double));
    w->dLv = ms_calloc(P * M + 1, sizeof(double));
    w->dU = ms_calloc(P * M + 1, sizeof(double));
    w->dI = ms_calloc(P * (size_t)bn->maxcols + 1, sizeof(double));
    w->dH = ms_calloc(P * (size_t)bn->maxrows + 1, sizeof(double));
    w->dX = ms_calloc((size_t)bn->maxrows * (size_t)bn->maxcols + 1, sizeof(double));
    w->tS = NULL;
    w->tval = ms_calloc(MS_TAPE_LANES, sizeof(double));
    w->tgrad = ms_calloc(MS_TAPE_LANES, sizeof(double));
    w->tin = ms_calloc(MS_TAPE_LANES, sizeof(double));
    w->tunk = ms_calloc(MS_TAPE_LANES, sizeof(int));
    size_t ts = 0;
    for (int l = 0; l < bn->nlayers; l++)
        for (int r = 0; r < bn->layers[l].nrows; r++)
            if (bn->layers[l].rows[r].tape && ms_tape_batch_scratch(bn->layers[l].rows[r].tape) > ts)
                ts = ms_tape_batch_scratch(bn->layers[l].rows[r].tape);
    w->tS = ms_calloc(ts + 1, sizeof(double));
    for (int l = 0; l < MS_TAPE_LANES; l++)
        w->tunk[l] = l;
    *out = w;
    return MS_OK;
}

void ms_batch_work_free(MsBatchWork **wp)
{
    MsBatchWork *w = *wp;
    if (!w)
        return;
    /* the layer count is not kept here: the arrays end at the first NULL */
    for (int l = 0; w->V && w->V[l]; l++) {
        free(w->V[l]), free(w->H[l]), free(w->Icol[l]), free(w->E[l]);
    }
    free(w->V), free(w->H), free(w->Icol), free(w->E), free(w->U), free(w->Z), free(w->D), free(w->F);
    free(w->dLv), free(w->dU), free(w->dI), free(w->dH), free(w->dX), free(w->tS), free(w->tval), free(w->tgrad);
    free(w->tin), free(w->tunk);
    free(w);
    *wp = NULL;
}

/* ---- rows ---- */

/* The value the input source of feature i has at point k (net.c ms_net_encode). */
static double input_value(const MsBatchNet *bn, int i, float f, uint64_t draw, int k)
{
    const MsInputDef *d = bn->net->c->inputs[i].def;
    int N = bn->N;
    switch (d->encoding) {
    case MS_ENC_RATE:
        return ms_uniform3(draw, MS_RNG_SPIKES, (uint64_t)i * (uint64_t)(N + 1) + (uint64_t)k) < (double)f ? d->scale : 0;
    case MS_ENC_LATENCY: {
        long at = f > 0 ? 1 + lround((1 - fmin(f, 1)) * (N - 1)) : -1;
        return k == at ? d->scale : 0;
    }
    default:
        return d->scale * (double)f;
    }
}

/* Buffer rows of layer l at the points [k0, k1]: V = buffer(v_mem), E = its derivative. */
static int buffer_rows(const MsBatchNet *bn, MsBatchWork *w, int l, int S, int k0, int k1, MsError *err)
{
    const BatchLayer *L = &bn->layers[l];
    int N = bn->N, R = L->nrows, M = bn->nneurons, zw = bn->zw;
    for (int r = 0; r < R; r++) {
        const BatchRow *row = &L->rows[r];
        if (row->kind != ROW_BUFFER)
            continue;
        if (!row->tape) {
            for (int s = 0; s < S; s++)
                for (int k = k0; k <= k1; k++) {
                    w->V[l][IDX(s, k) * R + r] = row->value * w->Z[(IDX(s, k) * M + row->ref) * zw];
                    w->E[l][IDX(s, k) * R + r] = row->value;
                }
            continue;
        }
        int lanes = 0, total = S * (k1 - k0 + 1), done = 0;
        size_t at[MS_TAPE_LANES];
        for (int s = 0; s < S; s++)
            for (int k = k0; k <= k1; k++) {
                at[lanes] = IDX(s, k) * R + r;
                w->tin[lanes++] = w->Z[(IDX(s, k) * M + row->ref) * zw];
                done++;
                if (lanes < MS_TAPE_LANES && done < total)
                    continue;
                int bad;
                const char *what = "";
                if (ms_tape_eval_batch(row->tape, lanes, w->tunk, w->tin, 0, w->tS, w->tval, w->tgrad, &bad, &what))
                    return ms_err(err, MS_ERR_EVAL, "buffer of %s: %s at v = %g", bn->neurons[row->ref].name, what,
                                  w->tin[bad]);
                for (int q = 0; q < lanes; q++) {
                    w->V[l][at[q]] = w->tval[q];
                    w->E[l][at[q]] = w->tgrad[q];
                }
                lanes = 0;
            }
    }
    return MS_OK;
}

/* V, H of layer l for the chunk (static layers: k = 1 only), the read window checked. */
static int rows_forward(const MsBatchNet *bn, MsBatchWork *w, int l, int S, const float *const *x,
                        const uint64_t *draw, MsError *err)
{
    const BatchLayer *L = &bn->layers[l];
    int N = bn->N, R = L->nrows, k1 = L->dynamic ? N : 1;
    int rc = buffer_rows(bn, w, l, S, 1, k1, err);
    if (rc)
        return rc;
    double *V = w->V[l], *H = w->H[l];
    for (int s = 0; s < S; s++)
        for (int k = 1; k <= k1; k++) {
            double *v = V + IDX(s, k) * R, *hv = H + IDX(s, k) * R;
            for (int r = 0; r < R; r++) {
                const BatchRow *row = &L->rows[r];
                if (row->kind == ROW_INPUT)
                    v[r] = input_value(bn, row->ref, x[s][row->ref], draw[s], k);
                else if (row->kind == ROW_CONST)
                    v[r] = row->value;
                if (v[r] > L->vp || v[r] < -L->vn)
                    return ms_err(err, MS_ERR_UNSUPPORTED,
                                  "a crossbar row of layer %d is at %g V at t = %g s, outside the cells' read "
                                  "window [%g, %g]: their states would move, which the batched engine does not "
                                  "model (train with --engine per-sample)",
                                  l + 1, v[r], bn->t[k], -L->vn, L->vp);
                /* I = a x sinh(b v), a = a1 (v >= 0) or a2: h(v) = a sinh(b v) */
                hv[r] = (v[r] >= 0 ? L->a1 : L->a2) * sinh(L->b * v[r]);
            }
        }
    return MS_OK;
}

/* I = H X over the points stored; U[neuron] = sum of mirrored column currents. */
static void columns_forward(const MsBatchNet *bn, MsBatchWork *w, int l, int S)
{
    const BatchLayer *L = &bn->layers[l];
    int N = bn->N, R = L->nrows, C = L->ncols, M = bn->nneurons;
    double *Ic = w->Icol[l];
    if (L->dynamic)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S * (N + 1), C, R, 1, w->H[l], R, L->X, C, 0, Ic, C);
    else   /* one point per sample: rows (s, 1), (N + 1) rows apart */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S, C, R, 1, w->H[l] + R, (N + 1) * R, L->X, C, 0,
                    Ic + C, (N + 1) * C);
    for (int s = 0; s < S; s++)
        for (int k = 1; k <= N; k++) {
            const double *i = Ic + IDX(s, L->dynamic ? k : 1) * C;
            double *u = w->U + IDX(s, k) * M + L->n0;
            for (int j = 0; j < L->nn; j++)
                u[j] = 0;
            for (int t = 0; t < L->ntaps; t++)
                u[L->tap_neuron[t]] += L->tap_gain[t] * i[L->tap_col[t]];
        }
}

/* ---- neurons ---- */

/* f at z (f_v = sum I_b - u, f_x = -g_b) and the branch derivatives d[4 b ..]
 * (dI/dv, dI/dx, dg/dv, dg/dx): the MMS equations of memristor level 5
 * (memristor_models.c mms_fast), with both sigmoids of every branch from
 * E = exp(v / kT):  sig((v - e - Von)/kT) = E / (E + A),
 * sig((Voff - v + e)/kT) = 1 / (1 + E B),  A = exp((e + Von)/kT),
 * B = exp(-(Voff + e)/kT) (the same values as mms_fast up to rounding). */
static void neuron_eval(const BatchNeuron *nr, const double *z, double u, double *f, double *d)
{
    double v = z[0], E = nr->one_exp && fabs(v * nr->inv_kt) < 600 ? exp(v * nr->inv_kt) : 0;
    f[0] = -u;
    for (int b = 0; b < nr->nbr; b++) {
        double ib[3], g[3], x = z[1 + b];
        if (E > 0) {
            const double *p = nr->m[b]->par;
            double kt = p[MP_KT], tau = p[MP_TAU];
            double on = E / (E + nr->A[b]), off = 1 / (1 + E * nr->Bc[b]);
            double don = on * (1 - on) / kt, doff = -off * (1 - off) / kt;
            g[0] = ((1 - x) * on - x * off) / tau;
            g[1] = ((1 - x) * don - x * doff) / tau;
            g[2] = (-on - off) / tau;
            double G = x / p[MP_RON] + (1 - x) / p[MP_ROFF], vb = v - nr->e[b];
            ib[0] = G * vb;
            ib[1] = G;
            ib[2] = (1 / p[MP_RON] - 1 / p[MP_ROFF]) * vb;
        } else {
            ms_mem_eval_fast(nr->m[b], v - nr->e[b], x, ib, g);
        }
        f[0] += ib[0];
        f[1 + b] = -g[0];
        d[4 * b] = ib[1], d[4 * b + 1] = ib[2], d[4 * b + 2] = g[1], d[4 * b + 3] = g[2];
    }
}

/* One implicit step: q(z) - q(zp) + a f(z, u) + ah fp = 0 for z (in: the
 * predictor), Newton to rounding; f, d at the solution. */
static int neuron_step(const BatchNeuron *nr, double a, double ah, const double *zp, const double *fp, double u,
                       double *z, double *f, double *d)
{
    int nb = nr->nbr;
    for (int it = 0; it < 60; it++) {
        neuron_eval(nr, z, u, f, d);
        double Rv = nr->cm * (z[0] - zp[0]) + a * f[0] + ah * fp[0];
        double Jvv = nr->cm, rhs = -Rv, Rx[MS_BATCH_MAX_BRANCH], Jxx[MS_BATCH_MAX_BRANCH], Jxv[MS_BATCH_MAX_BRANCH];
        for (int b = 0; b < nb; b++) {
            const double *db = d + 4 * b;
            Rx[b] = z[1 + b] - zp[1 + b] + a * f[1 + b] + ah * fp[1 + b];
            Jvv += a * db[0];
            Jxv[b] = -a * db[2];
            Jxx[b] = 1 - a * db[3];
            double Jvx = a * db[1];
            /* eliminate dx_b = (-Rx_b - Jxv_b dv) / Jxx_b from the membrane row */
            Jvv -= Jvx * Jxv[b] / Jxx[b];
            rhs += Jvx * Rx[b] / Jxx[b];
        }
        double dv = rhs / Jvv, big = fabs(dv) / (fabs(z[0]) + 1e-3);
        z[0] += dv;
        for (int b = 0; b < nb; b++) {
            double dx = (-Rx[b] - Jxv[b] * dv) / Jxx[b];
            z[1 + b] += dx;
            big = fabs(dx) > big ? fabs(dx) : big;
        }
        if (!isfinite(big))
            return MS_ERR_NONCONV;
        if (big <= 1e-7) {   /* Newton converges quadratically: what is left is ~K 1e-14 */
            neuron_eval(nr, z, u, f, d);
            return MS_OK;
        }
    }
    return MS_ERR_NONCONV;
}

static int neurons_forward(const MsBatchNet *bn, MsBatchWork *w, int l, int S, MsError *err)
{
    const BatchLayer *L = &bn->layers[l];
    int N = bn->N, M = bn->nneurons, zw = bn->zw;
    for (int s = 0; s < S; s++)
        for (int j = L->n0; j < L->n0 + L->nn; j++) {
            const BatchNeuron *nr = &bn->neurons[j];
            double *z0 = w->Z + (IDX(s, 0) * M + j) * zw, *f = w->F + ((size_t)s * M + j) * zw;
            z0[0] = nr->v0;
            for (int b = 0; b < nr->nbr; b++)
                z0[1 + b] = nr->m[b]->par[MP_X0];
            for (int k = 1; k <= N; k++) {
                double *z = w->Z + (IDX(s, k) * M + j) * zw, *zp = z - (size_t)M * zw;
                double *d = w->D + (IDX(s, k) * M + j) * 4 * zw;
                ptrdiff_t st = (ptrdiff_t)M * zw;   /* from one point to the next */
                for (int q = 0; q <= nr->nbr; q++)   /* polynomial predictor through the last points */
                    z[q] = k >= 3 ? 3 * zp[q] - 3 * zp[q - st] + zp[q - 2 * st] : k == 2 ? 2 * zp[q] - zp[q - st] : zp[q];
                double a = bn->be[k] ? bn->h[k] : bn->h[k] / 2, ah = bn->be[k] ? 0 : a;
                double fp[1 + MS_BATCH_MAX_BRANCH];
                memcpy(fp, f, (size_t)(1 + nr->nbr) * sizeof *fp);
                if (neuron_step(nr, a, ah, zp, fp, w->U[IDX(s, k) * M + j], z, f, d))
                    return ms_err(err, MS_ERR_NONCONV, "neuron %s: Newton did not converge at t = %g s",
                                  nr->name, bn->t[k]);
            }
        }
    return MS_OK;
}

/* J_k^T lam_k = rhs - (dR_{k+1}/dz_k)^T lam_{k+1} backward over k, for one
 * neuron of one sample; dU[k] = dL/du_k = (a_k lam_k + a'_{k+1} lam_{k+1})_v
 * (u enters the membrane row as -a u, and dL/dp = -lam . dR/dp). */
static void neuron_backward(const MsBatchNet *bn, MsBatchWork *w, int s, int j)
{
    const BatchNeuron *nr = &bn->neurons[j];
    int N = bn->N, M = bn->nneurons, zw = bn->zw, nb = nr->nbr;
    double lam[1 + MS_BATCH_MAX_BRANCH] = {0}, an = 0;   /* lam_{k+1}, a'_{k+1} */
    for (int k = N; k >= 1; k--) {
        const double *d = w->D + (IDX(s, k) * M + j) * 4 * zw;
        double a = bn->be[k] ? bn->h[k] : bn->h[k] / 2;
        /* rhs = dL/dz_k - (-C + a' G_k)^T lam_{k+1}; G: f_v = sum I_b - u, f_xb = -g_b */
        double rv = w->dLv[IDX(s, k) * M + j] + nr->cm * lam[0], rx[MS_BATCH_MAX_BRANCH];
        for (int b = 0; b < nb; b++) {
            const double *db = d + 4 * b;
            rv -= an * (db[0] * lam[0] - db[2] * lam[1 + b]);
            rx[b] = lam[1 + b] - an * (db[1] * lam[0] - db[3] * lam[1 + b]);
        }
        /* J^T lam = r, J = C + a G: eliminate lam_xb = (r_xb - Jvx_b lam_v) / Jxx_b */
        double Jvv = nr->cm, r = rv, Jvx[MS_BATCH_MAX_BRANCH], Jxx[MS_BATCH_MAX_BRANCH];
        for (int b = 0; b < nb; b++) {
            const double *db = d + 4 * b;
            double Jxv = -a * db[2];
            Jvx[b] = a * db[1];
            Jxx[b] = 1 - a * db[3];
            Jvv += a * db[0] - Jxv * Jvx[b] / Jxx[b];
            r -= Jxv * rx[b] / Jxx[b];
        }
        double lv = r / Jvv;
        w->dU[IDX(s, k) * M + j] = a * lv + an * lam[0];
        lam[0] = lv;
        for (int b = 0; b < nb; b++)
            lam[1 + b] = (rx[b] - Jvx[b] * lv) / Jxx[b];
        an = bn->be[k] ? 0 : a;   /* a'_k for the step before */
    }
}

/* ---- the readout ---- */

static double score_scale(const MsBatchNet *bn)
{
    const MsReadoutDef *r = bn->net->c->deck.readout;
    return r->gain * (r->reduce == MS_REDUCE_MEAN ? 1 / bn->net->c->tran.tstop : 1);
}

/* The point weights of class k's signal for sample s (max: its largest point). */
static const double *readout_weights(const MsBatchNet *bn, const MsBatchWork *w, int s, int j, double *tmp)
{
    if (!bn->reduce_max)
        return bn->w;
    int N = bn->N, M = bn->nneurons, zw = bn->zw, best = 0;
    for (int k = 0; k <= N; k++) {
        tmp[k] = 0;
        if (w->Z[(IDX(s, k) * M + j) * zw] > w->Z[(IDX(s, best) * M + j) * zw])
            best = k;
    }
    tmp[best] = 1;
    return tmp;
}

int ms_batch_run(const MsBatchNet *bn, MsBatchWork *w, int S, const float *const *x, const uint64_t *draw,
                 const int *label, double *scores, double *loss, double *grad, MsError *err)
{
    const MsNet *net = bn->net;
    int N = bn->N, M = bn->nneurons, zw = bn->zw, nc = net->nclass, rc = MS_OK;
    double *tmp = ms_malloc(((size_t)N + 1) * sizeof *tmp), ds[256], kscale = score_scale(bn);
    for (int l = 0; l < bn->nlayers && rc == MS_OK; l++) {
        rc = rows_forward(bn, w, l, S, x, draw, err);
        if (rc == MS_OK) {
            columns_forward(bn, w, l, S);
            rc = neurons_forward(bn, w, l, S, err);
        }
    }
    if (grad)
        memset(w->dLv, 0, (size_t)S * (size_t)(N + 1) * (size_t)M * sizeof *w->dLv);
    for (int s = 0; s < S && rc == MS_OK; s++) {
        double *sc = scores + (size_t)s * nc;
        for (int c = 0; c < nc; c++) {
            int j = bn->readout[c];
            const double *wk = readout_weights(bn, w, s, j, tmp);
            double sum = 0;
            for (int k = 0; k <= N; k++)
                sum += wk[k] * w->Z[(IDX(s, k) * M + j) * zw];
            sc[c] = kscale * sum;
        }
        loss[s] = ms_net_loss(net, sc, label[s], ds);
        for (int c = 0; grad && c < nc; c++) {
            int j = bn->readout[c];
            const double *wk = readout_weights(bn, w, s, j, tmp);
            for (int k = 0; k <= N; k++)
                w->dLv[IDX(s, k) * M + j] += ds[c] * kscale * wk[k];
        }
    }
    free(tmp);
    if (rc || !grad)
        return rc;
    memset(grad, 0, (size_t)net->nparams * sizeof *grad);
    for (int l = bn->nlayers - 1; l >= 0; l--) {
        const BatchLayer *L = &bn->layers[l];
        int R = L->nrows, C = L->ncols;
        for (int s = 0; s < S; s++)
            for (int j = L->n0; j < L->n0 + L->nn; j++)
                neuron_backward(bn, w, s, j);
        /* undoes u[neuron] += gain * i[col]:  dI[col] += gain * dU[neuron] */
        size_t P = (size_t)S * (size_t)(N + 1);
        memset(w->dI, 0, P * (size_t)C * sizeof *w->dI);
        for (int s = 0; s < S; s++)
            for (int k = 1; k <= N; k++) {
                double *di = w->dI + IDX(s, L->dynamic ? k : 1) * C;
                const double *du = w->dU + IDX(s, k) * M + L->n0;
                for (int t = 0; t < L->ntaps; t++)
                    di[L->tap_col[t]] += L->tap_gain[t] * du[L->tap_neuron[t]];
            }
        /* undoes I = H X:  dX = H^T dI,  dH = dI X^T */
        if (L->dynamic)
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, R, C, (int)P, 1, w->H[l], R, w->dI, C, 0, w->dX, C);
        else
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, R, C, S, 1, w->H[l] + R, (N + 1) * R, w->dI + C,
                        (N + 1) * C, 0, w->dX, C);
        for (int i = 0; i < R * C; i++)
            if (L->param[i] >= 0)
                grad[L->param[i]] += w->dX[i];
        int buffers = 0;
        for (int r = 0; r < R; r++)
            buffers |= L->rows[r].kind == ROW_BUFFER;
        if (!buffers)
            continue;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)P, R, C, 1, w->dI, C, L->X, C, 0, w->dH, R);
        /* undoes h = a sinh(b v) and v = buffer(v_mem): dv_mem += dH a b cosh(b v) E */
        for (int s = 0; s < S; s++)
            for (int k = 1; k <= N; k++)
                for (int r = 0; r < R; r++) {
                    const BatchRow *row = &L->rows[r];
                    if (row->kind != ROW_BUFFER)
                        continue;
                    size_t at = IDX(s, k) * R + r;
                    double v = w->V[l][at];
                    w->dLv[IDX(s, k) * M + row->ref] +=
                        w->dH[at] * (v >= 0 ? L->a1 : L->a2) * L->b * cosh(L->b * v) * w->E[l][at];
                }
    }
    return MS_OK;
}
