/* batch_run.c — forward and backward of a chunk of samples through a
 * compiled network (batch_internal.h).  Each backward kernel sits next to
 * the forward one it undoes.
 *
 * Shapes: S samples, points k = 0..N (k = 0 is the uic start), R rows,
 * C columns, M neurons (all layers), zw = 1 + branches per neuron.
 *   V, H  [S][N+1][R]   row voltages, h(V) = a sinh(b V)   (per layer)
 *   Icol  [S][N+1][C]   column currents I = H X            (per layer)
 *   U     [S][N+1][M]   neuron input currents
 *   Z     [S][N+1][M][zw]  membrane v, branch states x_b
 *   D     [S][N+1][M][4 zw]  dI/dv, dI/dx, dg/dv, dg/dx of each branch at Z
 * A layer whose rows are all constant in time ("static": analog inputs)
 * keeps one row of V, H and I per sample, at k = 1. */
#include "batch_neuron.h"
#include "../util/util.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct MsBatchWork {
    double **V, **H, **Icol, **E;   /* per layer; E: d buffer / d membrane for buffer rows */
    double *U, *Z, *D;
    NeuronLanes *lanes;          /* one neuron's step for the chunk's samples */
    NeuronAdjLanes *adj;         /* and its adjoint */
    double *dLv, *dU, *dI, *dX, *dH;
    double *tS, *tval, *tgrad, *tin;
    int *tunk;
    DirectWork *dw;              /* direct columns (batch_direct.c) */
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
    w->lanes = ms_calloc(1, sizeof *w->lanes);
    w->adj = ms_calloc(1, sizeof *w->adj);
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
    if (bn->direct)
        w->dw = ms_direct_work_new(bn);
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
    free(w->V), free(w->H), free(w->Icol), free(w->E), free(w->U), free(w->Z), free(w->D), free(w->lanes), free(w->adj);
    free(w->dLv), free(w->dU), free(w->dI), free(w->dH), free(w->dX), free(w->tS), free(w->tval), free(w->tgrad);
    free(w->tin), free(w->tunk);
    ms_direct_work_free(w->dw);
    free(w);
    *wp = NULL;
}

/* ---- rows ---- */

/* Buffer rows of layer l at the points [k0, k1]: V = buffer(v_mem), and E =
 * its derivative when the adjoint follows (keep). */
static int buffer_rows(const MsBatchNet *bn, MsBatchWork *w, int l, int S, int k0, int k1, int keep, MsError *err)
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
                if (ms_tape_eval_batch(row->tape, lanes, w->tunk, w->tin, 0, w->tS, w->tval, keep ? w->tgrad : NULL,
                                       &bad, &what))
                    return ms_err(err, MS_ERR_EVAL, "buffer of %s: %s at v = %g", bn->neurons[row->ref].name, what,
                                  w->tin[bad]);
                for (int q = 0; q < lanes; q++)
                    w->V[l][at[q]] = w->tval[q];
                for (int q = 0; q < lanes && keep; q++)
                    w->E[l][at[q]] = w->tgrad[q];
                lanes = 0;
            }
    }
    return MS_OK;
}

/* V, H of layer l for the chunk (static layers: k = 1 only), the read window checked. */
static int rows_forward(const MsBatchNet *bn, MsBatchWork *w, int l, int S, const float *const *x,
                        const double *const *xd, const uint64_t *draw, int keep, MsError *err)
{
    const BatchLayer *L = &bn->layers[l];
    int N = bn->N, R = L->nrows, k1 = L->dynamic ? N : 1;
    int rc = buffer_rows(bn, w, l, S, 1, k1, keep, err);
    if (rc)
        return rc;
    double *V = w->V[l], *H = w->H[l];
    for (int s = 0; s < S; s++)
        for (int k = 1; k <= k1; k++) {
            double *v = V + IDX(s, k) * R, *hv = H + IDX(s, k) * R;
            for (int r = 0; r < R; r++) {
                const BatchRow *row = &L->rows[r];
                if (row->kind == ROW_INPUT)
                    v[r] = ms_net_input_value(bn->net, row->ref, x ? (double)x[s][row->ref] : xd[s][row->ref], draw[s], k);
                else if (row->kind == ROW_CONST)
                    v[r] = row->value;
                if (v[r] > L->vp || v[r] < -L->vn)
                    return ms_err(err, MS_ERR_UNSUPPORTED,
                                  "a crossbar row of layer %d is at %g V at t = %g s, outside the cells' read "
                                  "window [%g, %g]: their states would move, which the batched engine does not "
                                  "model (train with --engine per-sample)",
                                  l + 1, v[r], bn->t[k], -L->vn, L->vp);
                /* I = a x sinh(b v), a = a1 (v >= 0) or a2: h(v) = a sinh(b v) */
                hv[r] = (v[r] >= 0 ? L->a1 : L->a2) * sinh_read(L->b * v[r]);
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

/* Neuron j of the chunk over the steps: the samples are the lanes of
 * ms_neuron_lanes_step (batch_neuron.c); the predictor is the polynomial
 * through the last points, kept in the lanes (Z is strided over samples).
 * Only the membrane goes to Z unless the adjoint follows (keep): the
 * states and the branch derivatives are for it alone. */
static int neuron_forward(const MsBatchNet *bn, MsBatchWork *w, int j, int S, int keep, MsError *err)
{
    const BatchNeuron *nr = &bn->neurons[j];
    int N = bn->N, M = bn->nneurons, zw = bn->zw, nq = 1 + nr->nbr;
    NeuronLanes *L = w->lanes;
#define ZAT(s, k, q) w->Z[(IDX(s, k) * M + j) * zw + (q)]
    for (int s = 0; s < S; s++) {
        L->z[0][s] = ZAT(s, 0, 0) = nr->v0;
        for (int b = 0; b < nr->nbr; b++)
            L->z[1 + b][s] = ZAT(s, 0, 1 + b) = nr->m[b]->par[MP_X0];
    }
    for (int k = 1; k <= N; k++) {
        double a = bn->be[k] ? bn->h[k] : bn->h[k] / 2, ah = bn->be[k] ? 0 : a;
        if (k > 1)
            memcpy(L->fp, L->f, sizeof L->f);
        memcpy(L->z3, L->z2, sizeof L->z2);
        memcpy(L->z2, L->zp, sizeof L->zp);
        memcpy(L->zp, L->z, sizeof L->z);
        for (int q = 0; q < nq; q++)
            for (int s = 0; s < S; s++) {
                double z1 = L->zp[q][s];
                L->z[q][s] = k >= 3 ? 3 * z1 - 3 * L->z2[q][s] + L->z3[q][s] : k == 2 ? 2 * z1 - L->z2[q][s] : z1;
            }
        for (int s = 0; s < S; s++)
            L->u[s] = w->U[IDX(s, k) * M + j];
        if (ms_neuron_lanes_step(nr, S, a, ah, L))
            return ms_err(err, MS_ERR_NONCONV, "neuron %s: Newton did not converge at t = %g s", nr->name, bn->t[k]);
        for (int s = 0; s < S; s++)
            ZAT(s, k, 0) = L->z[0][s];
        if (!keep)
            continue;
        for (int s = 0; s < S; s++) {
            for (int q = 1; q < nq; q++)
                ZAT(s, k, q) = L->z[q][s];
            double *d = w->D + (IDX(s, k) * M + j) * 4 * zw;
            for (int b = 0; b < nr->nbr; b++)
                for (int c = 0; c < 4; c++)
                    d[4 * b + c] = L->d[b][c][s];
        }
    }
#undef ZAT
    return MS_OK;
}

static int neurons_forward(const MsBatchNet *bn, MsBatchWork *w, int l, int S, int keep, MsError *err)
{
    const BatchLayer *L = &bn->layers[l];
    int rc = MS_OK;
    for (int j = L->n0; j < L->n0 + L->nn && rc == MS_OK; j++)
        rc = neuron_forward(bn, w, j, S, keep, err);
    return rc;
}

/* Neuron j's adjoint over the steps, backward, the samples as lanes; with
 * grad and a trainable capacitance, its gradient: the membrane row of step
 * k holds cm (v_k - v_{k-1}), so dL/dcm = -sum_k lam_k,v (v_k - v_{k-1}). */
static void neuron_backward(const MsBatchNet *bn, MsBatchWork *w, int j, int S, double *grad)
{
    const BatchNeuron *nr = &bn->neurons[j];
    int N = bn->N, M = bn->nneurons, zw = bn->zw;
    NeuronAdjLanes *A = w->adj;
    memset(A->lam, 0, sizeof A->lam);
    double an = 0, dcm = 0;   /* a'_{k+1} */
    for (int k = N; k >= 1; k--) {
        double a = bn->be[k] ? bn->h[k] : bn->h[k] / 2;
        for (int s = 0; s < S; s++) {
            const double *d = w->D + (IDX(s, k) * M + j) * 4 * zw;
            for (int b = 0; b < nr->nbr; b++)
                for (int c = 0; c < 4; c++)
                    A->d[b][c][s] = d[4 * b + c];
            A->dLv[s] = w->dLv[IDX(s, k) * M + j];
        }
        ms_neuron_lanes_adjoint(nr, S, a, an, A);
        for (int s = 0; s < S; s++)
            w->dU[IDX(s, k) * M + j] = A->du[s];
        if (grad && nr->cparam >= 0)
            for (int s = 0; s < S; s++)
                dcm -= A->lam[0][s] * (w->Z[(IDX(s, k) * M + j) * zw] - w->Z[(IDX(s, k - 1) * M + j) * zw]);
        an = bn->be[k] ? 0 : a;   /* a'_k for the step before */
    }
    if (grad && nr->cparam >= 0)
        grad[nr->cparam] += dcm;
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

/* The scores of the chunk's samples, their losses (label != NULL), and the adjoint's seed
 * dL/dv of the readout membranes (back): from the loss, else from ds_in[s * nclass + c]. */
static void readout_scores(const MsBatchNet *bn, MsBatchWork *w, int S, const int *label, const double *ds_in,
                           double *scores, double *loss, int back)
{
    const MsNet *net = bn->net;
    int N = bn->N, M = bn->nneurons, zw = bn->zw, nc = net->nclass;
    double *tmp = ms_malloc(((size_t)N + 1) * sizeof *tmp), ds[256], kscale = score_scale(bn);
    if (back)
        memset(w->dLv, 0, (size_t)S * (size_t)(N + 1) * (size_t)M * sizeof *w->dLv);
    for (int s = 0; s < S; s++) {
        double *sc = scores + (size_t)s * nc;
        for (int c = 0; c < nc; c++) {
            int j = bn->readout[c];
            const double *wk = readout_weights(bn, w, s, j, tmp);
            double sum = 0;
            for (int k = 0; k <= N; k++)
                sum += wk[k] * w->Z[(IDX(s, k) * M + j) * zw];
            sc[c] = kscale * sum;
        }
        if (label)
            loss[s] = ms_net_loss(net, sc, label[s], ds);
        else if (ds_in)
            memcpy(ds, ds_in + (size_t)s * nc, (size_t)nc * sizeof *ds);
        for (int c = 0; back && c < nc; c++) {
            int j = bn->readout[c];
            const double *wk = readout_weights(bn, w, s, j, tmp);
            for (int k = 0; k <= N; k++)
                w->dLv[IDX(s, k) * M + j] += ds[c] * kscale * wk[k];
        }
    }
    free(tmp);
}

/* The adjoint through layer l (virtual-ground columns): its neurons, the column mirrors,
 * I = H X (dL/dx0 into grad), and the rows: buffers pass dL/dv to the membranes they
 * read, analog inputs to dx. */
static void layer_backward(const MsBatchNet *bn, MsBatchWork *w, int l, int S, double *grad, double *dx)
{
    const MsNet *net = bn->net;
    const BatchLayer *L = &bn->layers[l];
    int N = bn->N, M = bn->nneurons, R = L->nrows, C = L->ncols, nin = net->nin;
    for (int j = L->n0; j < L->n0 + L->nn; j++)
        neuron_backward(bn, w, j, S, grad);
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
    if (grad) {
        if (L->dynamic)
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, R, C, (int)P, 1, w->H[l], R, w->dI, C, 0, w->dX, C);
        else
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, R, C, S, 1, w->H[l] + R, (N + 1) * R, w->dI + C,
                        (N + 1) * C, 0, w->dX, C);
        for (int i = 0; i < R * C; i++)
            if (L->param[i] >= 0)
                grad[L->param[i]] += w->dX[i];
    }
    int buffers = 0, inputs = 0;
    for (int r = 0; r < R; r++) {
        buffers |= L->rows[r].kind == ROW_BUFFER;
        inputs |= L->rows[r].kind == ROW_INPUT;
    }
    if (!buffers && !(dx && inputs))
        return;
    /* (static layers: dI is zero but at k = 1, and so is dH) */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)P, R, C, 1, w->dI, C, L->X, C, 0, w->dH, R);
    /* undoes h = a sinh(b v) and v = buffer(v_mem): dv_mem += dH a b cosh(b v) E;
     * and v = scale f (analog inputs): df += dH a b cosh(b v) scale */
    for (int s = 0; s < S; s++)
        for (int k = 1; k <= (L->dynamic ? N : 1); k++)
            for (int r = 0; r < R; r++) {
                const BatchRow *row = &L->rows[r];
                if (row->kind != ROW_BUFFER && !(dx && row->kind == ROW_INPUT))
                    continue;
                size_t at = IDX(s, k) * R + r;
                double v = w->V[l][at], dv = w->dH[at] * (v >= 0 ? L->a1 : L->a2) * L->b * cosh_read(L->b * v);
                if (row->kind == ROW_BUFFER)
                    w->dLv[IDX(s, k) * M + row->ref] += dv * w->E[l][at];
                else
                    dx[(size_t)s * nin + row->ref] += dv * net->c->inputs[row->ref].def->scale;
            }
}

/* The chunk forward, then (grad or dx) its adjoint.  The adjoint is seeded
 * with dL/dscore: from the readout's loss for labels (label != NULL), else
 * from the caller's ds_in[s * nclass + c].  dx[s * nin + i]: dL/dfeature
 * (analog inputs only). */
static int batch_run(const MsBatchNet *bn, MsBatchWork *w, int S, const float *const *x, const double *const *xd,
                     const uint64_t *draw, const int *label, const double *ds_in, double *scores, double *loss,
                     double *grad, double *dx, MsError *err)
{
    const MsNet *net = bn->net;
    int rc = MS_OK, back = grad || dx;
    if (dx)
        for (int i = 0; i < net->nin; i++)
            if (net->c->inputs[i].def->encoding != MS_ENC_ANALOG)
                return ms_err(err, MS_ERR_UNSUPPORTED,
                              "%s: dL/dinput needs encoding=analog inputs (input %d is rate or latency coded)",
                              net->path, i);
    if (bn->direct)
        rc = ms_direct_forward(bn, w->dw, w->Z, w->D, S, x, xd, draw, err);
    for (int l = 0; l < bn->nlayers && rc == MS_OK && !bn->direct; l++) {
        rc = rows_forward(bn, w, l, S, x, xd, draw, back, err);
        if (rc == MS_OK) {
            columns_forward(bn, w, l, S);
            rc = neurons_forward(bn, w, l, S, back, err);
        }
    }
    if (rc)
        return rc;
    readout_scores(bn, w, S, label, ds_in, scores, loss, back);
    if (!back)
        return MS_OK;
    if (grad)
        memset(grad, 0, (size_t)net->nparams * sizeof *grad);
    if (dx)
        memset(dx, 0, (size_t)S * (size_t)net->nin * sizeof *dx);
    if (bn->direct)
        ms_direct_backward(bn, w->dw, w->Z, w->D, w->dLv, S, grad, dx);
    else
        for (int l = bn->nlayers - 1; l >= 0; l--)
            layer_backward(bn, w, l, S, grad, dx);
    return MS_OK;
}

int ms_batch_run(const MsBatchNet *bn, MsBatchWork *w, int S, const float *const *x, const uint64_t *draw,
                 const int *label, double *scores, double *loss, double *grad, MsError *err)
{
    return batch_run(bn, w, S, x, NULL, draw, label, NULL, scores, loss, grad, NULL, err);
}

int ms_batch_run_ds(const MsBatchNet *bn, MsBatchWork *w, int S, const double *const *x, const uint64_t *draw,
                    const double *ds, double *scores, double *grad, double *dx, MsError *err)
{
    if ((grad || dx) && !ds)
        return ms_err(err, MS_ERR_ARG, "ms_batch_run_ds: a gradient needs dL/dscore");
    return batch_run(bn, w, S, NULL, x, draw, NULL, ds, scores, NULL, grad, dx, err);
}
