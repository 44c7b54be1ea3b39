/* batch_direct.c — the batched engine on "direct" columns (tools/mknet
 * --columns direct): each crossbar column is a neuron's membrane, so a cell
 * passes a x sinh(b (v_r - v_c)) from its row into the membrane, and a row
 * may itself be a membrane of the layer before (which the cells then load).
 *
 * With one a (a1 = a2, checked by batch_build.c) the cell current splits:
 *   a x sinh(b v_r - b v_c) = a x [sinh(b v_r) cosh(b v_c) - cosh(b v_r) sinh(b v_c)],
 * so column c's current is I_c = a [cosh(b v_c) Sg_c - sinh(b v_c) Cg_c] with
 * Sg = sinh(b V)^T X, Cg = cosh(b V)^T X (two dgemm over the chunk), and a
 * membrane row r loses i_r = a [sinh(b v_r) Pc_r - cosh(b v_r) Ps_r] with
 * Pc = X cosh(b v_cols), Ps = X sinh(b v_cols).
 *
 * The membranes of all layers are unknowns of one system at every step (a
 * layer's membranes load the one before): Newton over all neurons of a
 * sample at once, the neurons' branch states eliminated in closed form (as
 * batch_neuron.c does), the membrane system (diagonally dominant: capacitor
 * plus conductances) by Gaussian elimination without pivoting that skips
 * zero multipliers (a layer's membranes meet only the adjacent layers').
 * The adjoint solves the transposed systems backward in time, and
 * dL/dX = a sum over points of (sinh(b v_r) cosh(b v_c) - cosh(b v_r) sinh(b v_c))
 * (dU_c - dU_row) as four transposed products.
 *
 * Arrays are sample-major, [s][k][.] as in batch_run.c; a layer whose rows
 * are constant in time (analog inputs, DC) keeps its rows at k = 1 only. */
#include "batch_neuron.h"
#include "../util/util.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct DirectLayer {
    double *V, *SH, *CH;      /* [P][R] rows: v, sinh(b v), cosh(b v) */
    double *Sg, *Cg;          /* [P][C] sinh(b V)^T X, cosh(b V)^T X */
    double *SHC, *CHC;        /* [P][C] sinh, cosh of b v_c (the column's membrane) */
    double *Pc, *Ps;          /* [P][R] X cosh(b v_cols), X sinh(b v_cols) (membrane rows) */
    int *col_neuron;          /* column -> neuron */
    int mem_rows;             /* some row is a membrane */
} DirectLayer;

struct DirectWork {
    DirectLayer *L;
    double *Gs;               /* [P][M] crossbar part of d f_v / d v (own membrane) */
    double *F;                /* [P][M][zw] f at the solution */
    double *U;                /* [P][M] crossbar current into the membrane */
    double *A, *rhs;          /* M x M membrane system of one sample, M */
    double *lam, *lam1;       /* [S][M][zw] adjoint at k + 1; one sample's new values */
    double *dU;               /* [P][M] dL/du */
    double *T1, *T2, *T3, *T4;   /* [P][max(R, C)] backward products */
    double *dX;               /* R x C */
    NeuronLanes *lanes;
};

#define IDX(s, k) ((size_t)(s) * (size_t)(N + 1) + (size_t)(k))

DirectWork *ms_direct_work_new(const MsBatchNet *bn)
{
    DirectWork *dw = ms_calloc(1, sizeof *dw);
    size_t S = MS_BATCH_CHUNK, P = S * ((size_t)bn->N + 1), M = (size_t)bn->nneurons, zw = (size_t)bn->zw;
    size_t W = (size_t)(bn->maxrows > bn->maxcols ? bn->maxrows : bn->maxcols);
    dw->L = ms_calloc((size_t)bn->nlayers + 1, sizeof *dw->L);
    for (int l = 0; l < bn->nlayers; l++) {
        const BatchLayer *L = &bn->layers[l];
        DirectLayer *D = &dw->L[l];
        size_t R = (size_t)L->nrows, C = (size_t)L->ncols;
        D->V = ms_calloc(P * R + 1, sizeof(double));
        D->SH = ms_calloc(P * R + 1, sizeof(double));
        D->CH = ms_calloc(P * R + 1, sizeof(double));
        D->Pc = ms_calloc(P * R + 1, sizeof(double));
        D->Ps = ms_calloc(P * R + 1, sizeof(double));
        D->Sg = ms_calloc(P * C + 1, sizeof(double));
        D->Cg = ms_calloc(P * C + 1, sizeof(double));
        D->SHC = ms_calloc(P * C + 1, sizeof(double));
        D->CHC = ms_calloc(P * C + 1, sizeof(double));
        D->col_neuron = ms_calloc(C + 1, sizeof(int));
        for (int t = 0; t < L->ntaps; t++)
            D->col_neuron[L->tap_col[t]] = L->n0 + L->tap_neuron[t];
        for (int r = 0; r < L->nrows; r++)
            D->mem_rows |= L->rows[r].kind == ROW_MEMBRANE;
    }
    dw->Gs = ms_calloc(P * M + 1, sizeof(double));
    dw->U = ms_calloc(P * M + 1, sizeof(double));
    dw->dU = ms_calloc(P * M + 1, sizeof(double));
    dw->F = ms_calloc(P * M * zw + 1, sizeof(double));
    dw->A = ms_calloc(M * M + 1, sizeof(double));
    dw->rhs = ms_calloc(M + 1, sizeof(double));
    dw->lam = ms_calloc(S * M * zw + 1, sizeof(double));
    dw->lam1 = ms_calloc(M * zw + 1, sizeof(double));
    dw->T1 = ms_calloc(P * W + 1, sizeof(double));
    dw->T2 = ms_calloc(P * W + 1, sizeof(double));
    dw->T3 = ms_calloc(P * W + 1, sizeof(double));
    dw->T4 = ms_calloc(P * W + 1, sizeof(double));
    dw->dX = ms_calloc((size_t)bn->maxrows * (size_t)bn->maxcols + 1, sizeof(double));
    dw->lanes = ms_calloc(1, sizeof *dw->lanes);
    return dw;
}

void ms_direct_work_free(DirectWork *dw)
{
    if (!dw)
        return;
    for (DirectLayer *D = dw->L; D && D->V; D++) {
        free(D->V), free(D->SH), free(D->CH), free(D->Pc), free(D->Ps), free(D->Sg), free(D->Cg);
        free(D->SHC), free(D->CHC), free(D->col_neuron);
    }
    free(dw->L), free(dw->Gs), free(dw->U), free(dw->dU), free(dw->F), free(dw->A), free(dw->rhs);
    free(dw->lam), free(dw->lam1), free(dw->T1), free(dw->T2), free(dw->T3), free(dw->T4), free(dw->lanes), free(dw->dX);
    free(dw);
}

/* ---- the membrane system: LU without pivoting, zero multipliers skipped ---- */

static void lu_factor(double *A, int M)
{
    for (int i = 0; i < M; i++) {
        const double *ai = A + (size_t)i * M, p = ai[i];
        for (int r = i + 1; r < M; r++) {
            double *ar = A + (size_t)r * M;
            if (ar[i] == 0)
                continue;
            double l = ar[i] / p;
            ar[i] = l;
            for (int j = i + 1; j < M; j++)
                ar[j] -= l * ai[j];
        }
    }
}

static void lu_solve(const double *A, int M, double *x)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < i; j++)
            x[i] -= A[(size_t)i * M + j] * x[j];
    for (int i = M - 1; i >= 0; i--) {
        for (int j = i + 1; j < M; j++)
            x[i] -= A[(size_t)i * M + j] * x[j];
        x[i] /= A[(size_t)i * M + i];
    }
}

/* A^T y = x: U^T then L^T */
static void lu_solve_t(const double *A, int M, double *x)
{
    for (int i = 0; i < M; i++) {
        x[i] /= A[(size_t)i * M + i];
        if (x[i] != 0)
            for (int j = i + 1; j < M; j++)
                x[j] -= A[(size_t)i * M + j] * x[i];
    }
    for (int i = M - 1; i >= 0; i--)
        if (x[i] != 0)
            for (int j = 0; j < i; j++)
                x[j] -= A[(size_t)i * M + j] * x[i];
}

/* ---- the crossbars at one point ---- */

/* Rows of layer l at point k for samples 0..S-1 (membrane and buffer rows from Z). */
static void rows_at(const MsBatchNet *bn, DirectLayer *D, int l, int S, int k, const double *Z, const float *const *x,
                    const double *const *xd, const uint64_t *draw)
{
    const BatchLayer *L = &bn->layers[l];
    int N = bn->N, R = L->nrows, M = bn->nneurons, zw = bn->zw;
    for (int s = 0; s < S; s++) {
        double *v = D->V + IDX(s, k) * R, *sh = D->SH + IDX(s, k) * R, *ch = D->CH + IDX(s, k) * R;
        for (int r = 0; r < R; r++) {
            const BatchRow *row = &L->rows[r];
            if (row->kind == ROW_INPUT)
                v[r] = row->value *
                       ms_net_input_value(bn->net, row->ref, x ? (double)x[s][row->ref] : xd[s][row->ref], draw[s], k);
            else if (row->kind == ROW_CONST)
                v[r] = row->value;
            else   /* membrane (gain 1) or linear buffer */
                v[r] = row->value * Z[(IDX(s, k) * M + row->ref) * zw];
            sh[r] = sinh_read(L->b * v[r]);
            ch[r] = cosh_read(L->b * v[r]);
        }
    }
}

/* Sg, Cg of layer l at point k (S samples), or at every point of rows_all. */
static void row_products(const MsBatchNet *bn, DirectLayer *D, int l, int S, int k, int all)
{
    const BatchLayer *L = &bn->layers[l];
    int N = bn->N, R = L->nrows, C = L->ncols;
    if (all) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S * (N + 1), C, R, 1, D->SH, R, L->X, C, 0, D->Sg, C);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S * (N + 1), C, R, 1, D->CH, R, L->X, C, 0, D->Cg, C);
        return;
    }
    size_t o = (size_t)k * (size_t)R, oc = (size_t)k * (size_t)C;
    int ld = (N + 1) * R, ldc = (N + 1) * C;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S, C, R, 1, D->SH + o, ld, L->X, C, 0, D->Sg + oc, ldc);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S, C, R, 1, D->CH + o, ld, L->X, C, 0, D->Cg + oc, ldc);
}

/* The crossbar currents and self conductances at point k from Z: U, Gs. */
static void crossbars_at(const MsBatchNet *bn, DirectWork *dw, int S, int k, const double *Z, const float *const *x,
                         const double *const *xd, const uint64_t *draw)
{
    int N = bn->N, M = bn->nneurons, zw = bn->zw;
    for (int s = 0; s < S; s++)
        for (int j = 0; j < M; j++)
            dw->U[IDX(s, k) * M + j] = dw->Gs[IDX(s, k) * M + j] = 0;
    for (int l = 0; l < bn->nlayers; l++) {
        const BatchLayer *L = &bn->layers[l];
        DirectLayer *D = &dw->L[l];
        int R = L->nrows, C = L->ncols, kr = L->dynamic ? k : 1;
        double a = L->a1, b = L->b;
        if (L->coupled) {
            rows_at(bn, D, l, S, k, Z, x, xd, draw);
            row_products(bn, D, l, S, k, 0);
        }
        for (int s = 0; s < S; s++) {
            const double *sg = D->Sg + IDX(s, kr) * C, *cg = D->Cg + IDX(s, kr) * C;
            double *shc = D->SHC + IDX(s, k) * C, *chc = D->CHC + IDX(s, k) * C;
            for (int c = 0; c < C; c++) {
                int m = D->col_neuron[c];
                double v = Z[(IDX(s, k) * M + m) * zw];
                shc[c] = sinh_read(b * v), chc[c] = cosh_read(b * v);
                dw->U[IDX(s, k) * M + m] += a * (chc[c] * sg[c] - shc[c] * cg[c]);
                dw->Gs[IDX(s, k) * M + m] -= a * b * (shc[c] * sg[c] - chc[c] * cg[c]);
            }
        }
        if (!D->mem_rows)
            continue;
        size_t o = (size_t)k * (size_t)R, oc = (size_t)k * (size_t)C;
        int ld = (N + 1) * R, ldc = (N + 1) * C;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, S, R, C, 1, D->CHC + oc, ldc, L->X, C, 0, D->Pc + o, ld);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, S, R, C, 1, D->SHC + oc, ldc, L->X, C, 0, D->Ps + o, ld);
        for (int s = 0; s < S; s++) {
            size_t at = IDX(s, k) * R;
            for (int r = 0; r < R; r++) {
                if (L->rows[r].kind != ROW_MEMBRANE)
                    continue;
                int m = L->rows[r].ref;
                double sh = D->SH[at + r], ch = D->CH[at + r], pc = D->Pc[at + r], ps = D->Ps[at + r];
                dw->U[IDX(s, k) * M + m] -= a * (sh * pc - ch * ps);
                dw->Gs[IDX(s, k) * M + m] += a * b * (ch * pc - sh * ps);
            }
        }
    }
}

/* Adds coef x the crossbars' off-diagonal d f_v / d v of sample s at point k
 * into the M x M matrix A (row: the equation's neuron). */
static void add_coupling(const MsBatchNet *bn, const DirectWork *dw, int s, int k, double coef, double *A)
{
    int N = bn->N, M = bn->nneurons;
    for (int l = 0; l < bn->nlayers; l++) {
        const BatchLayer *L = &bn->layers[l];
        const DirectLayer *D = &dw->L[l];
        if (!L->coupled)
            continue;
        int R = L->nrows, C = L->ncols;
        const double *sh = D->SH + IDX(s, k) * R, *ch = D->CH + IDX(s, k) * R;
        const double *shc = D->SHC + IDX(s, k) * C, *chc = D->CHC + IDX(s, k) * C;
        double ab = coef * L->a1 * L->b;
        for (int r = 0; r < R; r++) {
            const BatchRow *row = &L->rows[r];
            if (row->kind != ROW_MEMBRANE && row->kind != ROW_BUFFER)
                continue;
            int m = row->ref;
            const double *xr = L->X + (size_t)r * C;
            for (int c = 0; c < C; c++) {
                if (xr[c] == 0 && !L->cell[(size_t)r * C + c])
                    continue;
                int n = D->col_neuron[c];
                /* the cell's conductance a b x cosh(b (v_r - v_c)) */
                double G = ab * xr[c] * (ch[r] * chc[c] - sh[r] * shc[c]);
                A[(size_t)n * M + m] -= G * row->value;   /* f_n has -I_c: d/dv_r = -G, v_r = value v_m */
                if (row->kind == ROW_MEMBRANE)
                    A[(size_t)m * M + n] -= G;            /* f_m has +i_r: d/dv_c = -G */
            }
        }
    }
}

/* The read window: every cell's v_row - v_membrane at point k. */
static int window_at(const MsBatchNet *bn, const DirectWork *dw, int S, int k, const double *Z, MsError *err)
{
    int N = bn->N, M = bn->nneurons, zw = bn->zw;
    for (int l = 0; l < bn->nlayers; l++) {
        const BatchLayer *L = &bn->layers[l];
        const DirectLayer *D = &dw->L[l];
        int R = L->nrows, C = L->ncols, kr = L->dynamic ? k : 1;
        for (int s = 0; s < S; s++) {
            const double *v = D->V + IDX(s, kr) * R;
            double hi = -INFINITY, lo = INFINITY;
            for (int r = 0; r < R; r++)
                hi = fmax(hi, v[r]), lo = fmin(lo, v[r]);
            for (int c = 0; c < C; c++) {
                int m = D->col_neuron[c];
                double vc = Z[(IDX(s, k) * M + m) * zw];
                if (hi - vc <= L->vp && lo - vc >= -L->vn)
                    continue;
                for (int r = 0; r < R; r++) {   /* a cell really there? */
                    double d = v[r] - vc;
                    if (L->cell[(size_t)r * C + c] && (d > L->vp || d < -L->vn))
                        return ms_err(err, MS_ERR_UNSUPPORTED,
                                      "a crossbar cell of layer %d into membrane %s sees %g V at t = %g s, outside "
                                      "the cells' read window [%g, %g]: their states would move, which the "
                                      "batched engine does not model (train with --engine per-sample)",
                                      l + 1, bn->neurons[m].name, d, bn->t[k], -L->vn, L->vp);
                }
            }
        }
    }
    return MS_OK;
}

/* Every neuron's f and branch derivatives at point k (u = the crossbar current). */
static void neurons_at(const MsBatchNet *bn, DirectWork *dw, int S, int k, const double *Z, double *D)
{
    int N = bn->N, M = bn->nneurons, zw = bn->zw;
    NeuronLanes *NL = dw->lanes;
    for (int j = 0; j < M; j++) {
        const BatchNeuron *nr = &bn->neurons[j];
        for (int s = 0; s < S; s++) {
            for (int q = 0; q <= nr->nbr; q++)
                NL->z[q][s] = Z[(IDX(s, k) * M + j) * zw + q];
            NL->u[s] = dw->U[IDX(s, k) * M + j];
        }
        ms_neuron_lanes_eval(nr, S, NL);
        for (int s = 0; s < S; s++) {
            for (int q = 0; q <= nr->nbr; q++)
                dw->F[(IDX(s, k) * M + j) * zw + q] = NL->f[q][s];
            double *d = D + (IDX(s, k) * M + j) * 4 * zw;
            for (int b = 0; b < nr->nbr; b++)
                for (int c = 0; c < 4; c++)
                    d[4 * b + c] = NL->d[b][c][s];
        }
    }
}

/* The membrane system of sample s at point k (branches eliminated) into dw->A;
 * with R (forward), dw->rhs = the reduced -residual. */
static void membrane_system(const MsBatchNet *bn, DirectWork *dw, int s, int k, double a, double ah, const double *Z,
                            const double *D, int with_rhs)
{
    int N = bn->N, M = bn->nneurons, zw = bn->zw;
    memset(dw->A, 0, (size_t)M * (size_t)M * sizeof *dw->A);
    for (int j = 0; j < M; j++) {
        const BatchNeuron *nr = &bn->neurons[j];
        const double *z = Z + (IDX(s, k) * M + j) * zw, *d = D + (IDX(s, k) * M + j) * 4 * zw;
        const double *zp = Z + (IDX(s, k - 1) * M + j) * zw;
        const double *f = dw->F + (IDX(s, k) * M + j) * zw, *fp = dw->F + (IDX(s, k - 1) * M + j) * zw;
        double Jvv = nr->cm + a * dw->Gs[IDX(s, k) * M + j], rhs = 0;
        if (with_rhs)
            rhs = -(nr->cm * (z[0] - zp[0]) + a * f[0] + ah * fp[0]);
        for (int b = 0; b < nr->nbr; b++) {
            double Jvx = a * d[4 * b + 1], Jxv = -a * d[4 * b + 2], inv = 1 / (1 - a * d[4 * b + 3]);
            Jvv += a * d[4 * b] - Jvx * Jxv * inv;
            if (with_rhs)
                rhs += Jvx * (z[1 + b] - zp[1 + b] + a * f[1 + b] + ah * fp[1 + b]) * inv;
        }
        dw->A[(size_t)j * M + j] = Jvv;
        dw->rhs[j] = rhs;
    }
    add_coupling(bn, dw, s, k, a, dw->A);
}

/* One Newton update of every sample at point k; the largest scaled update. */
static double newton_update(const MsBatchNet *bn, DirectWork *dw, int S, int k, double a, double ah, double *Z,
                            const double *D)
{
    int N = bn->N, M = bn->nneurons, zw = bn->zw;
    double big = 0;
    for (int s = 0; s < S; s++) {
        membrane_system(bn, dw, s, k, a, ah, Z, D, 1);
        lu_factor(dw->A, M);
        lu_solve(dw->A, M, dw->rhs);
        for (int j = 0; j < M; j++) {
            const BatchNeuron *nr = &bn->neurons[j];
            double *z = Z + (IDX(s, k) * M + j) * zw, dv = dw->rhs[j];
            const double *zp = Z + (IDX(s, k - 1) * M + j) * zw, *d = D + (IDX(s, k) * M + j) * 4 * zw;
            const double *f = dw->F + (IDX(s, k) * M + j) * zw, *fp = dw->F + (IDX(s, k - 1) * M + j) * zw;
            double e = fabs(dv) / (fabs(z[0]) + 1e-3);
            big = e > big || e != e ? e : big;
            for (int b = 0; b < nr->nbr; b++) {
                double Rx = z[1 + b] - zp[1 + b] + a * f[1 + b] + ah * fp[1 + b];
                double dx = (-Rx + a * d[4 * b + 2] * dv) / (1 - a * d[4 * b + 3]);
                z[1 + b] += dx;
                big = fabs(dx) > big || dx != dx ? fabs(dx) : big;
            }
            z[0] += dv;
        }
    }
    return big;
}

int ms_direct_forward(const MsBatchNet *bn, DirectWork *dw, double *Z, double *D, int S, const float *const *x,
                      const double *const *xd, const uint64_t *draw, MsError *err)
{
    int N = bn->N, M = bn->nneurons, zw = bn->zw;
    for (int s = 0; s < S; s++)
        for (int j = 0; j < M; j++) {
            Z[(IDX(s, 0) * M + j) * zw] = bn->neurons[j].v0;
            for (int b = 0; b < bn->neurons[j].nbr; b++)
                Z[(IDX(s, 0) * M + j) * zw + 1 + b] = bn->neurons[j].m[b]->par[MP_X0];
        }
    /* layers whose rows do not read membranes: rows and products once */
    for (int l = 0; l < bn->nlayers; l++) {
        const BatchLayer *L = &bn->layers[l];
        if (L->coupled)
            continue;
        for (int k = 1; k <= (L->dynamic ? N : 1); k++)
            rows_at(bn, &dw->L[l], l, S, k, Z, x, xd, draw);
        if (L->dynamic)
            row_products(bn, &dw->L[l], l, S, 0, 1);
        else
            row_products(bn, &dw->L[l], l, S, 1, 0);
    }
    for (int k = 1; k <= N; k++) {
        double a = bn->be[k] ? bn->h[k] : bn->h[k] / 2, ah = bn->be[k] ? 0 : a;
        for (int s = 0; s < S; s++)   /* the predictor: the polynomial through the last points */
            for (int q = 0; q < M * zw; q++) {
                size_t at = IDX(s, k) * M * zw + q, p1 = IDX(s, k - 1) * M * zw + q;
                Z[at] = k >= 3 ? 3 * Z[p1] - 3 * Z[IDX(s, k - 2) * M * zw + q] + Z[IDX(s, k - 3) * M * zw + q]
                      : k == 2 ? 2 * Z[p1] - Z[IDX(s, k - 2) * M * zw + q] : Z[p1];
            }
        int done = 0;
        for (int it = 0; it < 60; it++) {
            crossbars_at(bn, dw, S, k, Z, x, xd, draw);
            neurons_at(bn, dw, S, k, Z, D);
            if (done)
                break;
            double big = newton_update(bn, dw, S, k, a, ah, Z, D);
            if (!isfinite(big))
                break;
            /* as batch_neuron.c: after an update below 1e-7 Newton has converged to rounding */
            done = big <= 1e-7;
        }
        if (!done)
            return ms_err(err, MS_ERR_NONCONV, "direct-column network: Newton did not converge at t = %g s", bn->t[k]);
        int rc = window_at(bn, dw, S, k, Z, err);
        if (rc)
            return rc;
    }
    return MS_OK;
}

/* ---- the adjoint ---- */

/* Backwards in time: the adjoint of every point's membrane system, leaving in dw->dU
 * dL/du, the sensitivity of the loss to each neuron's crossbar current at each point. */
static void adjoint_sweep(const MsBatchNet *bn, DirectWork *dw, const double *Z, const double *D, const double *dLv,
                          int S)
{
    int N = bn->N, M = bn->nneurons, zw = bn->zw;
    size_t P = (size_t)S * (size_t)(N + 1);
    memset(dw->lam, 0, (size_t)S * (size_t)M * (size_t)zw * sizeof *dw->lam);
    memset(dw->dU, 0, P * (size_t)M * sizeof *dw->dU);
    double an = 0;   /* a'_{k+1} */
    for (int k = N; k >= 1; k--) {
        double a = bn->be[k] ? bn->h[k] : bn->h[k] / 2;
        for (int s = 0; s < S; s++) {
            double *lam = dw->lam + (size_t)s * M * zw, *r = dw->rhs, *l1 = dw->lam1;
            membrane_system(bn, dw, s, k, a, 0, Z, D, 0);
            /* r = dL/dz_k - (-C + a' G_k)^T lam_{k+1}; G_k's crossbar part: Gs on the
             * diagonal, the coupling (A's off-diagonal / a) elsewhere */
            for (int j = 0; j < M; j++) {
                const BatchNeuron *nr = &bn->neurons[j];
                const double *d = D + (IDX(s, k) * M + j) * 4 * zw, *lj = lam + (size_t)j * zw;
                double t = 0;
                for (int i = 0; i < M; i++)
                    t += i == j ? 0 : dw->A[(size_t)i * M + j] * lam[(size_t)i * zw];
                r[j] = dLv[IDX(s, k) * M + j] + nr->cm * lj[0] - an * (dw->Gs[IDX(s, k) * M + j] * lj[0] + t / a);
                for (int b = 0; b < nr->nbr; b++) {
                    double d0 = d[4 * b], d1 = d[4 * b + 1], d2 = d[4 * b + 2], d3 = d[4 * b + 3];
                    double rx = lj[1 + b] - an * (d1 * lj[0] - d3 * lj[1 + b]);
                    r[j] -= an * (d0 * lj[0] - d2 * lj[1 + b]);
                    l1[(size_t)j * zw + 1 + b] = rx;
                    /* J^T: lam_x = (rx - Jvx lam_v) / Jxx, into the membrane row */
                    r[j] -= -a * d2 * rx / (1 - a * d3);
                }
            }
            lu_factor(dw->A, M);
            lu_solve_t(dw->A, M, r);
            for (int j = 0; j < M; j++) {
                const BatchNeuron *nr = &bn->neurons[j];
                const double *d = D + (IDX(s, k) * M + j) * 4 * zw;
                double *lj = lam + (size_t)j * zw;
                dw->dU[IDX(s, k) * M + j] = a * r[j] + an * lj[0];
                lj[0] = r[j];
                for (int b = 0; b < nr->nbr; b++)
                    lj[1 + b] = (l1[(size_t)j * zw + 1 + b] - a * d[4 * b + 1] * r[j]) / (1 - a * d[4 * b + 3]);
            }
        }
        an = bn->be[k] ? 0 : a;
    }
}

/* Layer l's share of dL/dp = sum dU . du/dp (du_c/dx_rc = a sinh(b (v_r - v_c)), and a
 * membrane row's neuron loses the same current) and of dL/dx through its input rows. */
static void layer_backward(const MsBatchNet *bn, DirectWork *dw, int l, int S, double *grad, double *dx)
{
    int N = bn->N, M = bn->nneurons;
    const MsNet *net = bn->net;
    size_t P = (size_t)S * (size_t)(N + 1);
    const BatchLayer *L = &bn->layers[l];
    DirectLayer *Dl = &dw->L[l];
    int R = L->nrows, C = L->ncols, ins = 0;
    for (int r = 0; r < R; r++)
        ins |= L->rows[r].kind == ROW_INPUT;
    double *TC = dw->T1, *TS = dw->T2, a = L->a1;
    /* TC = cosh(b v_c) dU_c, TS = sinh(b v_c) dU_c per point (k = 0: 0) */
    for (int s = 0; s < S; s++)
        for (int k = 0; k <= N; k++)
            for (int c = 0; c < C; c++) {
                size_t at = IDX(s, k) * C + c;
                double du = k ? dw->dU[IDX(s, k) * M + Dl->col_neuron[c]] : 0;
                TC[at] = du * Dl->CHC[at];
                TS[at] = du * Dl->SHC[at];
            }
    if (!L->dynamic) {   /* rows at k = 1 only: sum the points first */
        for (int s = 0; s < S; s++)
            for (int c = 0; c < C; c++) {
                double tc = 0, ts = 0;
                for (int k = 1; k <= N; k++)
                    tc += TC[IDX(s, k) * C + c], ts += TS[IDX(s, k) * C + c];
                TC[IDX(s, 1) * C + c] = tc, TS[IDX(s, 1) * C + c] = ts;
            }
    }
    int rowsP = L->dynamic ? (int)P : S, ldr = L->dynamic ? R : (N + 1) * R, ldc = L->dynamic ? C : (N + 1) * C;
    size_t o = L->dynamic ? 0 : (size_t)R, oc = L->dynamic ? 0 : (size_t)C;
    if (grad) {
        double *dX = dw->dX;
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, R, C, rowsP, a, Dl->SH + o, ldr, TC + oc, ldc, 0, dX,
                    C);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, R, C, rowsP, -a, Dl->CH + o, ldr, TS + oc, ldc, 1,
                    dX, C);
        if (Dl->mem_rows) {   /* the row side: -(sinh_r dU_r)^T cosh_c + (cosh_r dU_r)^T sinh_c */
            double *TRs = dw->T4, *TRc = dw->T1;   /* TC is not needed any more */
            for (int s = 0; s < S; s++)
                for (int k = 0; k <= N; k++)
                    for (int r = 0; r < R; r++) {
                        size_t at = IDX(s, k) * R + r;
                        double du = k && L->rows[r].kind == ROW_MEMBRANE ? dw->dU[IDX(s, k) * M + L->rows[r].ref] : 0;
                        TRs[at] = du * Dl->SH[at];
                        TRc[at] = du * Dl->CH[at];
                    }
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, R, C, (int)P, -a, TRs, R, Dl->CHC, C, 1, dX, C);
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, R, C, (int)P, a, TRc, R, Dl->SHC, C, 1, dX, C);
        }
        for (int i = 0; i < R * C; i++)
            if (L->param[i] >= 0)
                grad[L->param[i]] += dX[i];
    }
    if (dx && ins) {
        /* du_c/dv_r = a b x_rc cosh(b (v_r - v_c)):
         * dv_r = a b [cosh_r (X TC)_r - sinh_r (X TS)_r] (TC, TS as above) */
        if (Dl->mem_rows) {   /* TC was overwritten: again */
            for (int s = 0; s < S; s++)
                for (int k = 0; k <= N; k++)
                    for (int c = 0; c < C; c++) {
                        size_t at = IDX(s, k) * C + c;
                        TC[at] = (k ? dw->dU[IDX(s, k) * M + Dl->col_neuron[c]] : 0) * Dl->CHC[at];
                    }
        }
        double *Yc = dw->T3, *Ys = dw->T4;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rowsP, R, C, 1, TC + oc, ldc, L->X, C, 0, Yc + o, ldr);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rowsP, R, C, 1, TS + oc, ldc, L->X, C, 0, Ys + o, ldr);
        for (int s = 0; s < S; s++)
            for (int k = 1; k <= (L->dynamic ? N : 1); k++)
                for (int r = 0; r < R; r++) {
                    const BatchRow *row = &L->rows[r];
                    if (row->kind != ROW_INPUT)
                        continue;
                    size_t at = IDX(s, k) * R + r;
                    double dv = a * L->b * (Dl->CH[at] * Yc[at] - Dl->SH[at] * Ys[at]);
                    dx[(size_t)s * net->nin + row->ref] += dv * row->value * net->c->inputs[row->ref].def->scale;
                }
    }
}

void ms_direct_backward(const MsBatchNet *bn, DirectWork *dw, const double *Z, const double *D, const double *dLv,
                        int S, double *grad, double *dx)
{
    adjoint_sweep(bn, dw, Z, D, dLv, S);
    for (int l = 0; l < bn->nlayers; l++)
        layer_backward(bn, dw, l, S, grad, dx);
}
