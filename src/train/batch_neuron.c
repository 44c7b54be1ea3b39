/* batch_neuron.c — see batch_neuron.h.  Every loop runs over the lanes
 * with straight-line arithmetic, so it vectorises; the functions are built
 * for AVX2 and for the baseline, chosen at run time (target_clones). */
#include "batch_neuron.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LANES_TARGETS __attribute__((target_clones("avx2", "default")))
#else
#define LANES_TARGETS
#endif

/* exp(x) for |x| < 700, to about 1 ulp, in a form the compiler vectorises:
 * x = n ln2 + r (Cody-Waite, n from the 1.5 2^52 rounding trick), exp(r) by
 * its Taylor polynomial to r^13 (|r| <= ln2/2: truncation < 2e-17), times
 * 2^n built in the exponent bits. */
static inline double lane_exp(double x)
{
    const double shift = 0x1.8p52, ln2hi = 0x1.62e42fee00000p-1, ln2lo = 0x1.a39ef35793c76p-33;
    double kd = x * 0x1.71547652b82fep0 + shift, n = kd - shift;
    double r = (x - n * ln2hi) - n * ln2lo;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    union { double d; uint64_t u; } c = {.d = kd};   /* kd's mantissa holds n + 2^51 */
    c.u = (c.u - 0x4338000000000000ull + 1023) << 52;
    return p * c.d;
}

/* f and d at z for every lane (MMS: both sigmoids from E = exp(v / kT),
 * see batch_run.c); lanes out of range of the one-exponential form are
 * evaluated by the model's own function afterwards. */
LANES_TARGETS
static int lanes_eval_fast(const BatchNeuron *nr, int n, NeuronLanes *L)
{
    double E[MS_LANES], y[MS_LANES];
    int odd = 0;
    for (int s = 0; s < n; s++) {
        y[s] = L->z[0][s] * nr->inv_kt;
        odd += !(fabs(y[s]) < 600);
    }
    for (int s = 0; s < n; s++) {   /* (lanes out of range are redone slowly) */
        double t = y[s] > -600 ? y[s] : -600;
        y[s] = t < 600 ? t : 600;
    }
    for (int s = 0; s < n; s++)
        E[s] = lane_exp(y[s]);
    for (int s = 0; s < n; s++)
        L->f[0][s] = -L->u[s];
    for (int b = 0; b < nr->nbr; b++) {
        const double A = nr->A[b], B = nr->Bc[b], ikt = nr->ikt[b], itau = nr->itau[b], e = nr->e[b];
        const double iron = nr->iron[b], iroff = nr->iroff[b], dg = iron - iroff;
        double *x = L->z[1 + b], *fx = L->f[1 + b], *d0 = L->d[b][0], *d1 = L->d[b][1], *d2 = L->d[b][2],
               *d3 = L->d[b][3];
        for (int s = 0; s < n; s++) {
            double on = E[s] / (E[s] + A), off = 1 / (1 + E[s] * B);
            double don = on * (1 - on) * ikt, doff = -off * (1 - off) * ikt;
            fx[s] = -((1 - x[s]) * on - x[s] * off) * itau;
            d2[s] = ((1 - x[s]) * don - x[s] * doff) * itau;
            d3[s] = (-on - off) * itau;
            double G = x[s] * iron + (1 - x[s]) * iroff, vb = L->z[0][s] - e;
            L->f[0][s] += G * vb;
            d0[s] = G;
            d1[s] = dg * vb;
        }
    }
    return odd;
}

/* The lanes the fast form cannot take, by ms_mem_eval_fast. */
static void lanes_eval_slow(const BatchNeuron *nr, int n, NeuronLanes *L, int all)
{
    for (int s = 0; s < n; s++) {
        if (!all && fabs(L->z[0][s] * nr->inv_kt) < 600)
            continue;
        L->f[0][s] = -L->u[s];
        for (int b = 0; b < nr->nbr; b++) {
            double ib[3], g[3];
            ms_mem_eval_fast(nr->m[b], L->z[0][s] - nr->e[b], L->z[1 + b][s], ib, g);
            L->f[0][s] += ib[0];
            L->f[1 + b][s] = -g[0];
            L->d[b][0][s] = ib[1], L->d[b][1][s] = ib[2], L->d[b][2][s] = g[1], L->d[b][3][s] = g[2];
        }
    }
}

static void lanes_eval(const BatchNeuron *nr, int n, NeuronLanes *L)
{
    if (!nr->one_exp)
        lanes_eval_slow(nr, n, L, 1);
    else if (lanes_eval_fast(nr, n, L))
        lanes_eval_slow(nr, n, L, 0);
}

void ms_neuron_lanes_eval(const BatchNeuron *nr, int n, NeuronLanes *L) { lanes_eval(nr, n, L); }

/* One Newton update of every lane (the arrowhead Jacobian eliminated in
 * closed form); returns the largest scaled update. */
LANES_TARGETS
static double lanes_update(const BatchNeuron *nr, int n, double a, double ah, NeuronLanes *L)
{
    double rhs[MS_LANES], Jvv[MS_LANES], big[MS_LANES], Rx[MS_BATCH_MAX_BRANCH][MS_LANES];
    double Jxv[MS_BATCH_MAX_BRANCH][MS_LANES], inv[MS_BATCH_MAX_BRANCH][MS_LANES];
    const double cm = nr->cm;
    for (int s = 0; s < n; s++) {
        rhs[s] = -(cm * (L->z[0][s] - L->zp[0][s]) + a * L->f[0][s] + ah * L->fp[0][s]);
        Jvv[s] = cm;
    }
    for (int b = 0; b < nr->nbr; b++)
        for (int s = 0; s < n; s++) {
            Rx[b][s] = L->z[1 + b][s] - L->zp[1 + b][s] + a * L->f[1 + b][s] + ah * L->fp[1 + b][s];
            double Jvx = a * L->d[b][1][s];
            Jxv[b][s] = -a * L->d[b][2][s];
            inv[b][s] = 1 / (1 - a * L->d[b][3][s]);
            /* dx_b = (-Rx_b - Jxv_b dv) / Jxx_b, into the membrane row */
            Jvv[s] += a * L->d[b][0][s] - Jvx * Jxv[b][s] * inv[b][s];
            rhs[s] += Jvx * Rx[b][s] * inv[b][s];
        }
    for (int s = 0; s < n; s++) {
        double dv = rhs[s] / Jvv[s];
        big[s] = fabs(dv) / (fabs(L->z[0][s]) + 1e-3);
        L->z[0][s] += dv;
        rhs[s] = dv;
    }
    for (int b = 0; b < nr->nbr; b++)
        for (int s = 0; s < n; s++) {
            double dx = (-Rx[b][s] - Jxv[b][s] * rhs[s]) * inv[b][s];
            L->z[1 + b][s] += dx;
            big[s] = fabs(dx) > big[s] ? fabs(dx) : big[s];
        }
    double m = 0;
    for (int s = 0; s < n; s++)
        m = big[s] > m || big[s] != big[s] ? big[s] : m;   /* a NaN stays */
    return m;
}

int ms_neuron_lanes_step(const BatchNeuron *nr, int n, double a, double ah, NeuronLanes *L)
{
    for (int it = 0; it < 60; it++) {
        lanes_eval(nr, n, L);
        double big = lanes_update(nr, n, a, ah, L);
        if (!isfinite(big))
            return MS_ERR_NONCONV;
        /* Newton converges quadratically: after an update below 1e-7 what is
         * left is ~K 1e-14; lanes that converged earlier just repeat it */
        if (big <= 1e-7) {
            lanes_eval(nr, n, L);
            return MS_OK;
        }
    }
    return MS_ERR_NONCONV;
}

LANES_TARGETS
void ms_neuron_lanes_adjoint(const BatchNeuron *nr, int n, double a, double an, NeuronAdjLanes *A)
{
    double r[MS_LANES], Jvv[MS_LANES], rx[MS_BATCH_MAX_BRANCH][MS_LANES], Jvx[MS_BATCH_MAX_BRANCH][MS_LANES];
    double inv[MS_BATCH_MAX_BRANCH][MS_LANES];
    const double cm = nr->cm;
    /* r = dL/dz_k - (-C + a' G_k)^T lam_{k+1}; G: f_v = sum I_b - u, f_xb = -g_b */
    for (int s = 0; s < n; s++) {
        r[s] = A->dLv[s] + cm * A->lam[0][s];
        Jvv[s] = cm;
    }
    for (int b = 0; b < nr->nbr; b++)
        for (int s = 0; s < n; s++) {
            double d0 = A->d[b][0][s], d1 = A->d[b][1][s], d2 = A->d[b][2][s], d3 = A->d[b][3][s];
            double lv = A->lam[0][s], lx = A->lam[1 + b][s];
            r[s] -= an * (d0 * lv - d2 * lx);
            rx[b][s] = lx - an * (d1 * lv - d3 * lx);
            /* J^T lam = r, J = C + a G: lam_xb = (r_xb - Jvx_b lam_v) / Jxx_b into the membrane row */
            double Jxv = -a * d2;
            Jvx[b][s] = a * d1;
            inv[b][s] = 1 / (1 - a * d3);
            Jvv[s] += a * d0 - Jxv * Jvx[b][s] * inv[b][s];
            r[s] -= Jxv * rx[b][s] * inv[b][s];
        }
    for (int s = 0; s < n; s++) {
        double lv = r[s] / Jvv[s];
        A->du[s] = a * lv + an * A->lam[0][s];
        A->lam[0][s] = lv;
    }
    for (int b = 0; b < nr->nbr; b++)
        for (int s = 0; s < n; s++)
            A->lam[1 + b][s] = (rx[b][s] - Jvx[b][s] * A->lam[0][s]) * inv[b][s];
}
