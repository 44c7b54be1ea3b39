/* test_grad.c — gradients of `memspice grad` (ms_run_grad, the exact discrete
 * adjoint of DESIGN.md "The numerical core") against central finite
 * differences and closed forms, the .loss objectives against hand
 * computations from the returned waveforms, checkpointing and per-work loss
 * weights, and the error paths of the gradient API.
 *
 * Finite differences (fd_grad, fd_check): the loss is recomputed by
 * ms_run_grad after ms_circuit_set_param(p +- h) and p +- 2h, h = rel_step
 * |p|; the two central differences are Richardson-extrapolated (5-point
 * stencil, truncation O(rel_step^4)), and
 *     rel. error = |fd - adjoint| / max(|fd|, |adjoint|).
 * The discrete adjoint is exact for the steps taken, so with fixed steps the
 * only differences are the FD truncation error and the noise of the forward
 * solution divided by h: round-off, which accumulates over long runs to
 * ~1e-14 of the loss (and matters most where a parameter moves the loss by
 * only 1e-5 of itself, as r2 in the weighted sum), and for nonlinear
 * circuits the Newton stopping error, which is why those run with tight
 * .options (TIGHT below).  Hence rel_step 1e-3 for linear circuits (round-off
 * / h ~ 1e-11 of the loss; truncation ~1e-12) and 1e-4 for nonlinear ones
 * (truncation grows with the curvature of exp/pow).  Observed worst errors
 * (this machine): linear 1e-7 (weighted low-sensitivity terms), most 1e-9 or
 * less; nonlinear 1e-9.  Tolerances: 1e-6 linear, 1e-5 nonlinear, stated
 * per case.  With adaptive steps the time grid moves with p (the adjoint
 * treats it as constant), so that case gets 1e-4.
 *
 * Cases: RC step (FD, discrete recurrence, closed form), series RLC (FD,
 * closed form), diode rectifier and Biolek memristor (FD, nonlinear),
 * E/G/F/H gains and V/I source levels (FD, DC start and uic), every .loss
 * kind alone and weighted together (FD and hand values), a parameter with
 * no influence (exactly 0), DC start vs uic (and the DC point alone against
 * its closed form), a DC start with .ic (FD, closed form), adaptive steps, source overrides, checkpointing
 * (K = 1, 7, 50, auto), per-work loss weights, the parameter API and the
 * error paths.
 *
 * Closed forms: the transient is the trapezoidal rule (backward Euler on the
 * first step), which differs from the continuous solution by O(h^2); the
 * RC case also checks the adjoint against the exact derivative of the
 * discrete recurrence (to round-off) and that the continuous-solution error
 * falls by ~4 when h halves. */
#include "check.h"
#include "grad_util.h"

#include <stdlib.h>
#include <string.h>

/* ================= RC: FD, discrete recurrence, closed form ================= */

/* V step (1 V from t=0+, uic: v(out)=0 at t=0) into R-C; loss v(out) at T =
 * tstop.  The discrete solution: backward Euler on the first step, then
 * trapezoidal, a = h/(RC):
 *   v1 = (v0 + a)/(1 + a),  v(n+1) = ((1 - a/2) v(n) + a)/(1 + a/2),
 * differentiated here in forward mode (d/dR: da = -a/R; d/dC: da = -a/C). */
static void rc_recurrence(double R, double C, double h, long n, double *v, double *dvdR, double *dvdC)
{
    double a = h / (R * C), daR = -a / R, daC = -a / C;
    double x = a / (1 + a);
    double xR = daR / ((1 + a) * (1 + a)), xC = daC / ((1 + a) * (1 + a));
    for (long k = 1; k < n; k++) {
        double num = (1 - a / 2) * x + a, den = 1 + a / 2;
        double nR = -daR / 2 * x + (1 - a / 2) * xR + daR, nC = -daC / 2 * x + (1 - a / 2) * xC + daC;
        xR = (nR * den - num * daR / 2) / (den * den);
        xC = (nC * den - num * daC / 2) / (den * den);
        x = num / den;
    }
    *v = x, *dvdR = xR, *dvdC = xC;
}

static void test_rc_closed_form(void)
{
    const double R = 1e3, C = 1e-6, T = 1e-3, tau = R * C;
    double err_h[2] = {0, 0};
    for (int pass = 0; pass < 2; pass++) {
        double h = pass ? 0.5e-6 : 1e-6;
        char text[512];
        snprintf(text, sizeof text,
                 "rc step\n"
                 "V1 in 0 DC 1\n"
                 "R1 in out 1k\n"
                 "C1 out 0 1u\n"
                 ".tran %g 1m uic\n"
                 ".loss value v(out) at=1m\n"
                 ".trainable r1 c1 v1\n"
                 ".end\n", h);
        MsGrad g;
        /* linear, fixed step, 1000/2000 steps: FD step 1e-3 relative
         * (observed error ~1e-10); tolerance 1e-7 */
        MsCircuit *c = fd_case(pass ? "RC step h=0.5u" : "RC step h=1u", text, &FIXED, 1e-3, 1e-7, &g);
        if (!c)
            continue;
        int kr = param_index(&g, "r1"), kc = param_index(&g, "c1"), kv = param_index(&g, "v1");
        /* 1. the exact derivative of the discrete recurrence: round-off only */
        double v, dR, dC;
        rc_recurrence(R, C, h, (long)(T / h + 0.5), &v, &dR, &dC);
        CHECK_MSG(relerr(g.loss, v) < 1e-11, "RC loss %.15g vs recurrence %.15g", g.loss, v);
        CHECK_MSG(relerr(g.grad[kr], dR) < 1e-10, "RC dL/dR %.15g vs recurrence %.15g", g.grad[kr], dR);
        CHECK_MSG(relerr(g.grad[kc], dC) < 1e-10, "RC dL/dC %.15g vs recurrence %.15g", g.grad[kc], dC);
        /* v is linear in the source level: dL/dV = L / V */
        CHECK_MSG(relerr(g.grad[kv], g.loss) < 1e-12, "RC dL/dV %.15g vs L %.15g", g.grad[kv], g.loss);
        /* 2. closed form of the continuous solution v = 1 - exp(-T/RC):
         * dv/dR = -(T/(R^2 C)) exp(-T/RC), dv/dC = -(T/(R C^2)) exp(-T/RC).
         * The first (BE) step's local error (h/tau)^2/2 and the trapezoidal
         * global error T h^2/(12 tau^3) make the discrete solution and its
         * derivatives differ by O((h/tau)^2) ~ 1e-6 relative at h = tau/1000:
         * tolerance 1e-5 relative. */
        double e = exp(-T / tau), v_cf = 1 - e, dR_cf = -(T / (R * R * C)) * e, dC_cf = -(T / (R * C * C)) * e;
        CHECK_MSG(relerr(g.loss, v_cf) < 1e-5, "RC loss %.12g vs closed form %.12g", g.loss, v_cf);
        CHECK_MSG(relerr(g.grad[kr], dR_cf) < 1e-5, "RC dL/dR %.12g vs closed form %.12g (rel %.2e)", g.grad[kr],
                  dR_cf, relerr(g.grad[kr], dR_cf));
        CHECK_MSG(relerr(g.grad[kc], dC_cf) < 1e-5, "RC dL/dC %.12g vs closed form %.12g (rel %.2e)", g.grad[kc],
                  dC_cf, relerr(g.grad[kc], dC_cf));
        err_h[pass] = fabs(g.grad[kr] - dR_cf);
        printf("  RC closed form h=%g: dL/dR adjoint %.12e closed %.12e rel %.2e\n", h, g.grad[kr], dR_cf,
               relerr(g.grad[kr], dR_cf));
        ms_grad_free(&g);
        ms_circuit_free(&c);
    }
    /* O(h^2): halving h divides the difference from the closed form by ~4 */
    double ratio = err_h[0] / err_h[1];
    CHECK_MSG(ratio > 3.5 && ratio < 4.5, "RC dL/dR error ratio h/(h/2) = %.3f, want ~4", ratio);
}

/* ================= series RLC, underdamped ================= */

/* vc(t) = 1 - e^{-at} (cos wt + (a/w) sin wt), a = R/(2L), w = sqrt(1/(LC) - a^2)
 * dvc/da = e^{-at} [t cos wt + (a t - 1)/w sin wt]
 * dvc/dw = e^{-at} [t sin wt + a/w^2 sin wt - (a t/w) cos wt]
 * da/dR = 1/(2L), da/dL = -R/(2L^2);  w dw = (d(1/(LC)) - 2a da)/2. */
static void rlc_closed(double R, double L, double C, double t, double *v, double *dR, double *dL, double *dC)
{
    double a = R / (2 * L), w = sqrt(1 / (L * C) - a * a), e = exp(-a * t), cs = cos(w * t), sn = sin(w * t);
    *v = 1 - e * (cs + a / w * sn);
    double dv_da = e * (t * cs + (a * t - 1) / w * sn);
    double dv_dw = e * (t * sn + a / (w * w) * sn - a * t / w * cs);
    double da_dR = 1 / (2 * L), da_dL = -R / (2 * L * L);
    double dw_dR = -a * da_dR / w;
    double dw_dL = (-1 / (L * L * C) - 2 * a * da_dL) / (2 * w);
    double dw_dC = (-1 / (L * C * C)) / (2 * w);
    *dR = dv_da * da_dR + dv_dw * dw_dR;
    *dL = dv_da * da_dL + dv_dw * dw_dL;
    *dC = dv_dw * dw_dC;
}

static void test_rlc(void)
{
    const double R = 10, L = 1e-3, C = 1e-6, T = 0.3e-3;
    /* self-check of the closed-form derivatives against differences of the
     * closed form itself (step 1e-6 relative: agreement to ~1e-9) */
    double v, d[3], dd[3], p[3] = {R, L, C};
    rlc_closed(R, L, C, T, &v, &d[0], &d[1], &d[2]);
    for (int i = 0; i < 3; i++) {
        double q[3] = {R, L, C}, vp, vm, x;
        q[i] = p[i] * (1 + 1e-6);
        rlc_closed(q[0], q[1], q[2], T, &vp, &x, &x, &x);
        q[i] = p[i] * (1 - 1e-6);
        rlc_closed(q[0], q[1], q[2], T, &vm, &x, &x, &x);
        dd[i] = (vp - vm) / (2e-6 * p[i]);
        CHECK_MSG(relerr(d[i], dd[i]) < 1e-7, "RLC closed form derivative %d: %.12g vs %.12g", i, d[i], dd[i]);
    }
    MsGrad g;
    /* h = 20 ns, w h = 6e-4 (15000 steps, so the most round-off of the linear
     * cases): FD step 1e-3 relative (observed 3e-9), tolerance 1e-6 */
    MsCircuit *c = fd_case("RLC underdamped",
                           "series rlc\n"
                           "V1 in 0 DC 1\n"
                           "R1 in a 10\n"
                           "L1 a b 1m\n"
                           "C1 b 0 1u\n"
                           ".tran 20n 0.3m uic\n"
                           ".loss value v(b) at=0.3m\n"
                           ".trainable r1 l1 c1 v1\n"
                           ".end\n",
                           &FIXED, 1e-3, 1e-6, &g);
    if (!c)
        return;
    /* closed form: the trapezoidal phase error (w h)^2 w T / 12 ~ 3e-7 and
     * the first BE step make the discrete derivatives differ by ~1e-6
     * relative: tolerance 1e-5 relative to the largest of v's sensitivities
     * (each scaled by its parameter: dL/dlog p). */
    double scale = fmax(fabs(d[0] * R), fmax(fabs(d[1] * L), fabs(d[2] * C)));
    CHECK_MSG(fabs(g.loss - v) < 1e-6, "RLC loss %.12g vs closed form %.12g", g.loss, v);
    const char *nm[3] = {"r1", "l1", "c1"};
    for (int i = 0; i < 3; i++) {
        int k = param_index(&g, nm[i]);
        double e = fabs(g.grad[k] - d[i]) * p[i] / scale;
        CHECK_MSG(e < 1e-5, "RLC dL/d%s adjoint %.12g closed form %.12g (scaled error %.2e)", nm[i], g.grad[k], d[i], e);
        printf("  RLC closed form d/d%s: adjoint %.12e closed %.12e scaled err %.1e\n", nm[i], g.grad[k], d[i], e);
    }
    CHECK(relerr(g.grad[param_index(&g, "v1")], g.loss) < 1e-12);
    ms_grad_free(&g);
    ms_circuit_free(&c);
}

/* ================= nonlinear: diode rectifier, memristor ================= */

static void test_diode(void)
{
    MsGrad g;
    /* half-wave rectifier with junction capacitance and transit time (q is
     * nonlinear), DC start; fixed step, tight tolerances: FD step 1e-4
     * relative (observed 5e-10), tolerance 1e-5 */
    MsCircuit *c = fd_case("diode rectifier",
                           "half-wave rectifier\n"
                           "V1 in 0 SIN(0 2 1k)\n"
                           "Rs in a 10\n"
                           "D1 a out dmod\n"
                           "R1 out 0 1k\n"
                           "C1 out 0 1u\n"
                           ".model dmod d is=1e-14 n=1.5 rs=2 cjo=10p tt=1n\n"
                           ".tran 2u 3m\n" TIGHT
                           ".loss integral v(out) from=1m to=3m\n"
                           ".loss value v(out) at=2.5005m\n"
                           ".trainable r1 c1 v1 rs\n"
                           ".end\n",
                           &FIXED, 1e-4, 1e-5, &g);
    if (c) {
        ms_grad_free(&g);
        ms_circuit_free(&c);
    }
}

/* HP memristor with Biolek's window (netlists/memristor_biolek.cir): B
 * sources and a behavioral resistor, the state x on capacitor x1.cx, .ic on
 * the state, uic. */
#define BIOLEK                                                                               \
    "Biolek memristor\n"                                                                     \
    ".subckt memristor_biolek plus minus x params: ron=100 roff=16k d=10n uv=1e-14 p=1\n"    \
    ".param k={uv*ron/(d*d)}\n"                                                              \
    "Vs plus mid 0\n"                                                                        \
    "Rm mid minus r={ron*V(x) + roff*(1 - V(x))}\n"                                          \
    "Bx 0 x I={k*I(vs)*(1 - pow(V(x) - u(-I(vs)), 2*p))}\n"                                  \
    "Cx x 0 1\n"                                                                             \
    ".ends memristor_biolek\n"                                                               \
    "Vin in 0 SIN(0 1.2 0.5)\n"                                                              \
    "Rser in m 200\n"                                                                        \
    "X1 m 0 x memristor_biolek\n"                                                            \
    ".ic v(x)=0.1\n"                                                                         \
    ".tran 2m 2 uic\n" TIGHT                                                                 \
    ".loss value v(x) at=0.7513\n"                                                           \
    ".loss integral i(vin) from=0.2 to=1.5\n"                                                \
    ".trainable x1.cx vin rser\n"

/* The native memristor (Ymemristor, level 1: HP with Prodromakis' window),
 * named model parameters and the initial state x0 as trainables. */
#define NATIVE_MEM                                                   \
    "native memristor\n"                                            \
    ".model mdev memristor level=1\n"                               \
    "Vs s 0 SIN(0 1.2 0.5)\n"                                       \
    "Rs s a 100\n"                                                  \
    "Ymemristor m1 a 0 mdev window=2 p=2\n"                         \
    ".tran 2m 2 uic\n" TIGHT                                        \
    ".loss value x(m1) at=0.7513\n"                                 \
    ".loss integral i(vs) from=0.2 to=1.5\n"                        \
    ".trainable m1:ron m1:roff m1:uv m1:d m1:x0 rs vs\n"            \
    ".end\n"

static void test_memristor(void)
{
    MsGrad g;
    /* fixed step 2 ms, tight tolerances: FD step 1e-4 relative (observed
     * 6e-10), tolerance 1e-5 */
    MsCircuit *c = fd_case("Biolek memristor", BIOLEK ".end\n", &FIXED, 1e-4, 1e-5, &g);
    if (c) {
        /* the state moves: the loss is not trivially the initial value */
        CHECK(g.grad[param_index(&g, "x1.cx")] < 0);
        ms_grad_free(&g);
        ms_circuit_free(&c);
    }
    /* the native device (Ymemristor, level 1 = HP with a window) and its
     * named model parameters, the initial state x0 included (uic); fixed
     * step, tight tolerances: FD step 1e-4 relative, tolerance 1e-5 */
    c = fd_case("native memristor (level 1)",
                NATIVE_MEM,
                &FIXED, 1e-4, 1e-5, &g);
    if (c) {
        ms_grad_free(&g);
        ms_circuit_free(&c);
    }
}

/* ================= controlled and independent sources ================= */

static void test_sources(void)
{
    MsGrad g;
    /* E, G, F, H gains; V DC, PULSE v2, SIN va and I DC levels; DC start.
     * Linear, fixed step: FD step 1e-3 relative (observed 4e-10), tolerance 1e-6. */
    MsCircuit *c = fd_case("controlled + sources",
                           "controlled sources\n"
                           "V1 in 0 DC 1\n"
                           "V2 p 0 PULSE(0.2 1 0.1m 10u 10u 0.3m 1m)\n"
                           "V3 s 0 SIN(0.1 0.5 2k)\n"
                           "I1 0 ni DC 1m\n"
                           "R1 in a 1k\n"
                           "R2 p a 2k\n"
                           "R3 s a 3k\n"
                           "C1 a 0 100n\n"
                           "E1 e 0 a 0 2\n"
                           "Vs e f 0\n"
                           "R6 f 0 500\n"
                           "F1 0 fo vs 3\n"
                           "R7 fo 0 1k\n"
                           "C4 fo 0 10n\n"
                           "G1 0 g a 0 1m\n"
                           "R5 g 0 2k\n"
                           "C2 g 0 50n\n"
                           "H1 ho 0 vs 200\n"
                           "R8 ho ni 1k\n"
                           "R9 ni 0 1k\n"
                           "C3 ni 0 20n\n"
                           ".tran 1u 1m\n"
                           ".loss integral v(fo)\n"
                           ".loss integral v(g) from=0.2m\n"
                           ".loss sqerr v(ni) target=pwl(0 0.1 1m 0.6)\n"
                           ".trainable e1 g1 f1 h1 v1 v2 v3 i1 r1 c1\n"
                           ".end\n",
                           &FIXED, 1e-3, 1e-6, &g);
    if (c) {
        ms_grad_free(&g);
        ms_circuit_free(&c);
    }
    /* PULSE/SIN/I levels under uic too, I source with a PULSE level */
    c = fd_case("sources uic",
                "sources uic\n"
                "V2 p 0 PULSE(0 1 0.1m 10u 10u 0.3m 1m)\n"
                "V3 s 0 SIN(0 0.5 2k 50u)\n"
                "I1 0 a PULSE(0 2m 0.2m 20u 20u 0.2m 1m)\n"
                "R2 p a 2k\n"
                "R3 s a 3k\n"
                "C1 a 0 100n\n"
                ".tran 3u 1m uic\n"   /* 3u does not divide 1m: a shorter last step */
                ".loss sqerr v(a) target=pwl(0 0 1m 1)\n"
                ".trainable v2 v3 i1\n"
                ".end\n",
                &FIXED, 1e-3, 1e-6, &g);
    if (c) {
        ms_grad_free(&g);
        ms_circuit_free(&c);
    }
    /* an inductor from a DC start (its current flows at t=0), a 0 V ammeter
     * source as a parameter (p = 0: absolute FD step 1e-3), H controlled by
     * it, branch currents as loss signals.  FD step 1e-3 relative (the
     * second-order sensitivity to l1 is large: plain central differences
     * need 1e-5), tolerance 1e-6 */
    c = fd_case("RL + ammeter, DC start",
                "rl dc start\n"
                "V1 in 0 PULSE(0.5 1 0.2m 20u 20u 0.3m 1m)\n"
                "R1 in a 10\n"
                "L1 a b 1m\n"
                "Vs b c 0\n"
                "R2 c 0 20\n"
                "C1 c 0 1u\n"
                "H1 h 0 vs 50\n"
                "R3 h 0 1k\n"
                ".tran 1u 1m\n"
                ".loss integral i(l1) from=0.1m\n"
                ".loss sqerr v(h) target=pwl(0 1 1m 0)\n"
                ".loss value i(vs) at=0.3333m\n"
                ".trainable l1 vs r1 h1 c1\n"
                ".end\n",
                &FIXED, 1e-3, 1e-6, &g);
    if (c) {
        ms_grad_free(&g);
        ms_circuit_free(&c);
    }
}

/* ================= every .loss kind ================= */

#define LOSS_BASE                                          \
    "loss kinds\n"                                         \
    "V1 in 0 PULSE(0 1 0.1m 50u 50u 0.4m 1m)\n"            \
    "R1 in out 1k\n"                                       \
    "C1 out 0 100n\n"                                      \
    "V2 r 0 SIN(0.2 0.3 1.5k)\n"                           \
    "R2 r ref 500\n"                                       \
    "C2 ref 0 200n\n"                                      \
    ".tran 1u 1m uic\n"                                    \
    ".trainable r1 c1 v1 r2 c2 v2\n"

/* Hand computations of the discrete objectives (loss.h): `value` interpolates
 * linearly between the two points around `at`; integrals are the trapezoidal
 * rule over the points inside [from, to] (to < 0: the end). */
static double h_value(const double *t, const double *y, size_t n, double at)
{
    if (at <= t[0])
        return y[0];
    for (size_t k = 0; k + 1 < n; k++)
        if (t[k] <= at && at < t[k + 1])
            return y[k] + (y[k + 1] - y[k]) * (at - t[k]) / (t[k + 1] - t[k]);
    return y[n - 1];
}

static double h_trapz(const double *t, const double *y, size_t n, double from, double to)
{
    if (to < 0)
        to = t[n - 1];
    double s = 0;
    for (size_t k = 0; k + 1 < n; k++)
        if (t[k] >= from && t[k + 1] <= to)
            s += 0.5 * (t[k + 1] - t[k]) * (y[k] + y[k + 1]);
    return s;
}

static double h_pwl(const double *T, const double *V, int m, double t)
{
    if (t <= T[0])
        return V[0];
    for (int i = 1; i < m; i++)
        if (t <= T[i])
            return V[i - 1] + (V[i] - V[i - 1]) * (t - T[i - 1]) / (T[i] - T[i - 1]);
    return V[m - 1];
}

typedef struct LossCase {
    const char *card;
    double weight;   /* weight= given in the combined netlist */
} LossCase;

static const LossCase LOSSES[] = {
    {".loss value v(out) at=0.3337m", 2},                           /* between points (h = 1u) */
    {".loss integral v(out) from=0.2m to=0.7m", -0.5},              /* on grid points */
    {".loss integral v(out) from=0.2004m to=0.7996m", 3},           /* between points */
    {".loss sqerr v(out) target=pwl(0.2m 0.5 0.3m 0.8 0.6m 0.1) from=0.1m", 1.5},   /* held before and after */
    {".loss sqerr v(out) target=v(ref)", 0.25},
    {".loss integral v(ref)", 1},
    {".loss integral i(v1) from=0.5m", 4},
    {".loss integral v(out,ref) from=0.3m to=0.9m", -2},         /* a differential signal */
};
#define NLOSS ((int)(sizeof LOSSES / sizeof LOSSES[0]))

/* The hand value of term i from the waveforms of a run. */
static double hand_loss(int i, const MsResult *r)
{
    double *t = r->time, *out = column(r, "v(out)"), *ref = column(r, "v(ref)"), *iv = column(r, "i(v1)");
    size_t n = r->npts;
    double L = NAN;
    if (!out || !ref || !iv)
        goto done;
    switch (i) {
    case 0: L = h_value(t, out, n, 0.3337e-3); break;
    case 1: L = h_trapz(t, out, n, 0.2e-3, 0.7e-3); break;
    case 2: L = h_trapz(t, out, n, 0.2004e-3, 0.7996e-3); break;
    case 3: {
        static const double T[] = {0.2e-3, 0.3e-3, 0.6e-3}, V[] = {0.5, 0.8, 0.1};
        double *e = malloc(n * sizeof *e);
        for (size_t k = 0; k < n; k++)
            e[k] = (out[k] - h_pwl(T, V, 3, t[k])) * (out[k] - h_pwl(T, V, 3, t[k]));
        L = h_trapz(t, e, n, 0.1e-3, -1);
        free(e);
        break;
    }
    case 4: {
        double *e = malloc(n * sizeof *e);
        for (size_t k = 0; k < n; k++)
            e[k] = (out[k] - ref[k]) * (out[k] - ref[k]);
        L = h_trapz(t, e, n, 0, -1);
        free(e);
        break;
    }
    case 5: L = h_trapz(t, ref, n, 0, -1); break;
    case 6: L = h_trapz(t, iv, n, 0.5e-3, -1); break;
    case 7: {
        double *e = malloc(n * sizeof *e);
        for (size_t k = 0; k < n; k++)
            e[k] = out[k] - ref[k];
        L = h_trapz(t, e, n, 0.3e-3, 0.9e-3);
        free(e);
        break;
    }
    }
done:
    free(out), free(ref), free(iv);
    return L;
}

static void test_loss_kinds(void)
{
    char text[2048], what[64];
    double L[NLOSS], G[NLOSS][6];
    int ok = 1;
    for (int i = 0; i < NLOSS; i++) {
        snprintf(text, sizeof text, LOSS_BASE "%s\n.end\n", LOSSES[i].card);
        snprintf(what, sizeof what, "loss term %d", i);
        MsGrad g;
        /* linear, fixed step: FD step 1e-3 relative (observed 3e-9: term 3's
         * loss moves by only 1e-3 of itself with log r1), tolerance 1e-6;
         * the parameters of the other branch have exactly 0 */
        MsCircuit *c = fd_case_z(what, text, &FIXED, 1e-3, 1e-6, 1, &g);
        if (!c) {
            ok = 0;
            continue;
        }
        double hand = hand_loss(i, &g.tran);
        CHECK_MSG(relerr(g.loss, hand) < 1e-12, "%s (%s): loss %.15g, by hand %.15g", what, LOSSES[i].card, g.loss,
                  hand);
        printf("  %-26s loss % .12e  by hand % .12e\n", what, g.loss, hand);
        L[i] = g.loss;
        for (int k = 0; k < 6; k++)
            G[i][k] = g.grad[k];
        ms_grad_free(&g);
        ms_circuit_free(&c);
    }
    if (!ok)
        return;
    /* the terms are not vacuous */
    for (int i = 0; i < NLOSS; i++)
        CHECK_MSG(L[i] != 0, "loss term %d is 0", i);

    /* all terms with weights in one netlist: L = sum w_i L_i, same for the gradient */
    size_t len = (size_t)snprintf(text, sizeof text, LOSS_BASE);
    for (int i = 0; i < NLOSS; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s weight=%g\n", LOSSES[i].card, LOSSES[i].weight);
    snprintf(text + len, sizeof text - len, ".end\n");
    MsGrad g;
    /* FD step 1e-3 relative (observed 2e-8: r2 moves the sum by 3e-5 of
     * itself), tolerance 1e-6 */
    MsCircuit *c = fd_case("weighted sum of terms", text, &FIXED, 1e-3, 1e-6, &g);
    if (!c)
        return;
    double want = 0, scale = 0;
    for (int i = 0; i < NLOSS; i++) {
        want += LOSSES[i].weight * L[i];
        scale += fabs(LOSSES[i].weight * L[i]);
    }
    CHECK_MSG(fabs(g.loss - want) <= 1e-13 * scale, "weighted loss %.15g, sum of terms %.15g", g.loss, want);
    for (int k = 0; k < 6; k++) {
        double gw = 0, gs = 0;
        for (int i = 0; i < NLOSS; i++) {
            gw += LOSSES[i].weight * G[i][k];
            gs += fabs(LOSSES[i].weight * G[i][k]);
        }
        CHECK_MSG(fabs(g.grad[k] - gw) <= 1e-12 * gs, "weighted d/d%s %.15g, sum of terms %.15g", g.names[k],
                  g.grad[k], gw);
    }
    ms_grad_free(&g);
    ms_circuit_free(&c);
}

/* ================= zero gradient, DC start vs uic, adaptive ================= */

static void test_zero_gradient(void)
{
    MsGrad g;
    /* r9, c9 and v9 live in a sub-network of their own: exactly 0.0 */
    const char *text = "separate subnetwork\n"
                       "V1 in 0 PULSE(0 1 0.1m 50u 50u 0.4m 1m)\n"
                       "R1 in out 1k\n"
                       "C1 out 0 100n\n"
                       "V9 z 0 SIN(0 1 3k)\n"
                       "R9 z y 1k\n"
                       "C9 y 0 1u\n"
                       ".tran 1u 1m\n"
                       ".loss integral v(out)\n"
                       ".loss value v(out) at=0.5m\n"
                       ".trainable r9 c9 v9 r1\n"
                       ".end\n";
    for (int uic = 0; uic < 2; uic++) {
        for (int fixed = 0; fixed < 2; fixed++) {
            MsCircuit *c = load("zero gradient", text);
            if (!c)
                return;
            MsTranSpec spec = {.uic = uic, .fixed_step = fixed};
            if (grad("zero gradient", c, &spec, NULL, &g) == MS_OK) {
                for (int k = 0; k < 3; k++)
                    CHECK_MSG(g.grad[k] == 0.0, "d/d%s = %.17g, want exactly 0 (uic=%d fixed=%d)", g.names[k],
                              g.grad[k], uic, fixed);
                CHECK(g.grad[3] != 0.0);
                ms_grad_free(&g);
            }
            ms_circuit_free(&c);
        }
    }
}

/* The same RC with a DC offset source, started from the operating point (the
 * DC multiplier mu carries the offset's influence) and with uic. */
static void test_dc_vs_uic(void)
{
    const char *text = "dc start\n"
                       "V0 in2 in DC 0.3\n"
                       "V1 in 0 PULSE(0.5 1 0.2m 50u 50u 0.3m 1m)\n"
                       "R1 in2 out 1k\n"
                       "C1 out 0 100n\n"
                       "R2 out 0 3k\n"
                       ".tran 1u 1m\n"
                       ".loss integral v(out) from=0.1m\n"
                       ".loss value v(out) at=0.25m\n"
                       ".trainable v0 v1 r1 c1 r2\n"
                       ".end\n";
    double g_dc[5] = {0}, g_uic[5] = {0};
    for (int uic = 0; uic < 2; uic++) {
        MsTranSpec spec = {.uic = uic, .fixed_step = 1};
        MsGrad g;
        /* linear, fixed step: FD step 1e-3 relative (observed 1e-11), tolerance 1e-6 */
        MsCircuit *c = fd_case(uic ? "RC uic start" : "RC DC start", text, &spec, 1e-3, 1e-6, &g);
        if (!c)
            continue;
        for (int k = 0; k < 5; k++)
            (uic ? g_uic : g_dc)[k] = g.grad[k];
        ms_grad_free(&g);
        ms_circuit_free(&c);
    }
    /* the start matters: the DC start sees v0 from t=0 on, uic charges C from 0 */
    CHECK(relerr(g_dc[0], g_uic[0]) > 1e-3);
    CHECK(relerr(g_dc[3], g_uic[3]) > 1e-3);

    /* the loss at t = 0 of a DC start depends on p only through the
     * operating point (the adjoint's DC multiplier alone): the divider
     * v(out) = (V1(0) + V0) R2 / (R1 + R2), in closed form */
    MsCircuit *c = load("DC point only", "dc point\n"
                                         "V0 in2 in DC 0.3\n"
                                         "V1 in 0 PULSE(0.5 1 0.2m 50u 50u 0.3m 1m)\n"
                                         "R1 in2 out 1k\n"
                                         "C1 out 0 100n\n"
                                         "R2 out 0 3k\n"
                                         ".tran 1u 1m\n"
                                         ".loss value v(out) at=0\n"
                                         ".trainable v0 v1 r1 c1 r2\n"
                                         ".end\n");
    MsGrad g;
    if (c && grad("DC point only", c, &FIXED, NULL, &g) == MS_OK) {
        double R1 = 1e3, R2 = 3e3, V = 0.8, S = R1 + R2;
        CHECK_NEAR(g.loss, V * R2 / S, 1e-14);
        CHECK_NEAR(g.grad[0], R2 / S, 1e-14);                      /* v0 */
        CHECK(g.grad[1] == 0.0);                                   /* PULSE v2: v1 acts at t=0 */
        CHECK_NEAR(g.grad[2], -V * R2 / (S * S), 1e-18);           /* r1 */
        CHECK(g.grad[3] == 0.0);                                   /* c1: open at DC */
        CHECK_NEAR(g.grad[4], V * R1 / (S * S), 1e-18);            /* r2 */
        ms_grad_free(&g);
    }
    ms_circuit_free(&c);
}

/* the circuit of both .ic cases, after a title line */
#define IC_LADDER                                 \
    "V1 in 0 PULSE(0.2 1 0.1m 20u 20u 0.3m 1m)\n" \
    "R1 in out 1k\n"                              \
    "C1 out 0 100n\n"                             \
    "R2 out mid 2k\n"                             \
    "C2 mid 0 50n\n"                              \
    "R3 mid 0 10k\n"                              \
    ".ic v(out)=0.5\n"                            \
    ".tran 1u 1m\n"

/* .ic without uic: the operating point solves x_i = value on the .ic nodes
 * (their device equations dropped), and so does its adjoint. */
static void test_dc_ic(void)
{
    const char *ladder = "dc start with .ic\n" IC_LADDER
                         ".loss integral v(mid)\n"
                         ".loss value v(out) at=0.02m\n"
                         ".trainable r1 c1 r2 c2 r3 v1\n"
                         ".end\n";
    MsGrad g;
    /* linear, fixed step: FD step 1e-3 relative, tolerance 1e-6 */
    MsCircuit *c = fd_case("RC ladder .ic", ladder, &FIXED, 1e-3, 1e-6, &g);
    if (c) {
        CHECK_NEAR(g.tran.data[ms_result_find(&g.tran, "v(out)")], 0.5, 1e-15);   /* t = 0 */
        for (long K = 1; K <= 7; K += 6) {   /* checkpointed: the same */
            RunOpts o = {.checkpoint = K};
            MsGrad gk;
            if (grad("RC ladder .ic ckpt", c, &FIXED, &o, &gk) == MS_OK) {
                check_same("RC ladder .ic ckpt", &g, &gk);
                ms_grad_free(&gk);
            }
        }
        ms_grad_free(&g);
        ms_circuit_free(&c);
    }
    /* the operating point alone, in closed form: v(out) = 0.5 is forced, so
     * v(mid) = 0.5 R3/(R2 + R3), and R1, V1 (whose equation at out is
     * dropped) and the capacitors have no influence: exactly 0 */
    c = load(".ic DC point", "dc point with .ic\n" IC_LADDER
                             ".loss value v(mid) at=0\n"
                             ".trainable r1 c1 r2 c2 r3 v1\n"
                             ".end\n");
    if (c && grad(".ic DC point", c, &FIXED, NULL, &g) == MS_OK) {
        double R2 = 2e3, R3 = 1e4, S = R2 + R3;
        CHECK_NEAR(g.loss, 0.5 * R3 / S, 1e-15);
        CHECK(g.grad[0] == 0.0 && g.grad[1] == 0.0 && g.grad[3] == 0.0 && g.grad[5] == 0.0);
        CHECK_NEAR(g.grad[2], -0.5 * R3 / (S * S), 1e-19);
        CHECK_NEAR(g.grad[4], 0.5 * R2 / (S * S), 1e-19);
        ms_grad_free(&g);
    }
    ms_circuit_free(&c);
    /* nonlinear: a diode and a B source, .ic on an inner node; tight
     * tolerances, FD step 1e-4, tolerance 1e-5 */
    c = fd_case("nonlinear .ic", "nonlinear dc start with .ic\n"
                                  "V1 in 0 SIN(0.5 1 2k)\n"
                                  "R1 in out 1k\n"
                                  "D1 out 0 dm\n"
                                  ".model dm d is=1e-14 n=1.5 rs=2 cjo=10p\n"
                                  "C1 out 0 100n\n"
                                  "R2 out mid 2k\n"
                                  "C2 mid 0 50n\n"
                                  "B1 mid 0 I={1e-4*tanh(V(mid)*3)}\n"
                                  ".ic v(mid)=0.3\n"
                                  ".tran 1u 1m\n" TIGHT
                                  ".loss integral v(mid)\n"
                                  ".loss value v(out) at=0.1m\n"
                                  ".trainable r1 c1 r2 c2 v1\n"
                                  ".end\n", &FIXED, 1e-4, 1e-5, &g);
    ms_grad_free(&g);
    ms_circuit_free(&c);
}

static void test_adaptive(void)
{
    MsGrad g;
    /* Adaptive steps: the time grid moves with p, which the adjoint (exact
     * for the steps taken) does not see, so FD differs by dL/dh dh/dp.  With
     * reltol=1e-9 (the LTE tolerance scales with it) and the loss at tstop
     * (a time point: no interpolation between moving points), the difference
     * is ~2e-6 relative (observed, RC and diode); FD step 1e-3 relative
     * (smaller steps let the discrete step-size decisions show in the
     * quotient: 1e-5 relative at 1e-4).  Tolerance 1e-4. */
    MsCircuit *c = fd_case("RC adaptive",
                           "rc adaptive\n"
                           "V1 in 0 PULSE(0 1 0.1m 50u 50u 0.3m 1m)\n"
                           "R1 in out 1k\n"
                           "C1 out 0 100n\n"
                           ".tran 10u 0.6m\n" TIGHT
                           ".loss value v(out) at=0.6m\n"
                           ".trainable r1 c1 v1\n"
                           ".end\n",
                           &ADAPTIVE, 1e-3, 1e-4, &g);
    if (c) {
        CHECK(g.tran.steps_rejected >= 0 && g.tran.npts > 50);
        ms_grad_free(&g);
        ms_circuit_free(&c);
    }
    /* nonlinear and adaptive: the diode rectifier, DC start */
    c = fd_case("diode adaptive",
                "rectifier adaptive\n"
                "V1 in 0 SIN(0 2 1k)\n"
                "D1 in out dmod\n"
                "R1 out 0 1k\n"
                "C1 out 0 1u\n"
                ".model dmod d is=1e-14 n=1.5 rs=2\n"
                ".tran 10u 2m\n" TIGHT
                ".loss value v(out) at=2m\n"
                ".trainable r1 c1 v1\n"
                ".end\n",
                &ADAPTIVE, 1e-3, 1e-4, &g);
    if (c) {
        ms_grad_free(&g);
        ms_circuit_free(&c);
    }
}

/* ================= source overrides ================= */

/* Gradients under per-work source waveforms (training samples): the FD runs
 * use the same overrides.  A trainable source that is overridden no longer
 * acts through its netlist level, so its gradient is 0 (FD: exactly 0). */
static void test_overrides(void)
{
    const char *text = "overrides\n"
                       "V1 in 0 PULSE(0 1 0.1m 50u 50u 0.4m 1m)\n"
                       "V2 b 0 DC 0.5\n"
                       "R1 in out 1k\n"
                       "R2 b out 2k\n"
                       "C1 out 0 100n\n"
                       ".tran 1u 1m\n"
                       ".loss integral v(out)\n"
                       ".trainable r1 c1 r2 v2 v1\n"
                       ".end\n";
    MsCircuit *c = load("overrides", text);
    if (!c)
        return;
    static const double T[] = {0, 0.2e-3, 0.5e-3, 0.7e-3}, V[] = {0, 0.8, -0.4, 0.3};
    RunOpts o = {.pwl_source = "v1", .npwl = 4, .pwl_t = T, .pwl_v = V, .dc_source = "v2", .dc_value = 0.7};
    MsGrad g, g0;
    if (grad("overrides", c, &FIXED, &o, &g) == MS_OK && grad("no overrides", c, &FIXED, NULL, &g0) == MS_OK) {
        CHECK(g.loss != g0.loss);
        /* linear, fixed step: FD step 1e-3 relative, tolerance 1e-6 (r1, c1, r2) */
        for (int k = 0; k < 3; k++) {
            double fd = fd_grad("overrides", c, &FIXED, &o, k, 1e-3);
            CHECK_MSG(relerr(fd, g.grad[k]) < 1e-6, "override d/d%s: adjoint %.12g fd %.12g", g.names[k], g.grad[k],
                      fd);
        }
        /* v2 (DC override) and v1 (PWL override): the netlist levels are inert */
        for (int k = 3; k < 5; k++) {
            double fd = fd_grad("overrides", c, &FIXED, &o, k, 1e-6);
            CHECK_MSG(fd == 0.0, "override d/d%s: fd %.12g, want 0", g.names[k], fd);
            CHECK_MSG(g.grad[k] == 0.0, "overridden source %s: adjoint gradient %.12g, want 0 (fd %.3g)", g.names[k],
                      g.grad[k], fd);
        }
        /* checkpointed replays see the same overrides (and loss weights) */
        static const double wts[] = {2.5};
        RunOpts ock = o;
        ock.checkpoint = 7;
        ock.nweights = 1;
        ock.weights = wts;
        MsGrad gk;
        if (grad("overrides, K=7, weight 2.5", c, &FIXED, &ock, &gk) == MS_OK) {
            CHECK_MSG(relerr(gk.loss, 2.5 * g.loss) < 1e-14, "override K=7: loss %.17g vs 2.5 x %.17g", gk.loss,
                      g.loss);
            for (int k = 0; k < g.nparams; k++)
                CHECK_MSG(relerr(gk.grad[k], 2.5 * g.grad[k]) < 1e-12, "override K=7: d/d%s %.17g vs 2.5 x %.17g",
                          g.names[k], gk.grad[k], g.grad[k]);
            ms_grad_free(&gk);
        }
        ms_grad_free(&g);
        ms_grad_free(&g0);
    }
    ms_circuit_free(&c);
}

/* ================= checkpointing ================= */

static void test_checkpoint(void)
{
    static const struct { const char *what, *text; int fixed; } cases[] = {
        {"ckpt RC", LOSS_BASE ".loss integral v(out) from=0.2004m\n.loss sqerr v(out) target=v(ref)\n.end\n", 1},
        {"ckpt diode", "rectifier\nV1 in 0 SIN(0 2 1k)\nD1 in out dmod\nR1 out 0 1k\nC1 out 0 1u\n"
                       ".model dmod d is=1e-14 n=1.5 rs=2 cjo=10p\n.tran 5u 2m\n" TIGHT
                       ".loss integral v(out)\n.trainable r1 c1 v1\n.end\n", 1},
        {"ckpt diode adaptive", "rectifier\nV1 in 0 SIN(0 2 1k)\nD1 in out dmod\nR1 out 0 1k\nC1 out 0 1u\n"
                                ".model dmod d is=1e-14 n=1.5 rs=2 cjo=10p\n.tran 5u 2m\n"
                                ".loss integral v(out)\n.trainable r1 c1 v1\n.end\n", 0},
        {"ckpt memristor", BIOLEK ".end\n", 1},
        {"ckpt native memristor", NATIVE_MEM, 1},
    };
    static const long K[] = {1, 7, 50, -1};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        MsCircuit *c = load(cases[i].what, cases[i].text);
        if (!c)
            continue;
        const MsTranSpec *spec = cases[i].fixed ? &FIXED : &ADAPTIVE;
        MsGrad ref;
        if (grad(cases[i].what, c, spec, NULL, &ref) == MS_OK) {
            for (size_t j = 0; j < sizeof K / sizeof K[0]; j++) {
                RunOpts o = {.checkpoint = K[j]};
                MsGrad g;
                char what[96];
                snprintf(what, sizeof what, "%s K=%ld", cases[i].what, K[j]);
                if (grad(what, c, spec, &o, &g) == MS_OK) {
                    check_same(what, &ref, &g);
                    CHECK(g.tran.npts == ref.tran.npts);
                    CHECK_MSG(K[j] < 0 ? g.checkpoint > 1 : g.checkpoint == K[j], "%s: MsGrad.checkpoint %ld", what,
                              g.checkpoint);
                    /* fewer stored points than all of them (K = 1 stores each) */
                    if (K[j] != 1)
                        CHECK_MSG(g.trajectory_bytes < ref.trajectory_bytes, "%s: %zu trajectory bytes, %zu without",
                                  what, g.trajectory_bytes, ref.trajectory_bytes);
                    printf("  %-30s %zu points, K=%ld, %zu bytes (all stored: %zu)\n", what, g.tran.npts,
                           g.checkpoint, g.trajectory_bytes, ref.trajectory_bytes);
                    ms_grad_free(&g);
                }
            }
            /* K = 0 explicitly: store every step, the default */
            RunOpts o0 = {.checkpoint = 0};
            MsGrad g;
            if (grad(cases[i].what, c, spec, &o0, &g) == MS_OK) {
                check_same("K=0", &ref, &g);
                ms_grad_free(&g);
            }
            /* a work reused after checkpointed runs gives the same again */
            MsWork *w = NULL;
            MsError err = {0};
            if (ms_work_new(c, &w, &err) == MS_OK) {
                ms_work_set_checkpoint(w, 7);
                for (int rep = 0; rep < 2; rep++)
                    if (ms_run_grad(w, spec, &g, &err) == MS_OK) {
                        check_same("K=7 reused work", &ref, &g);
                        ms_grad_free(&g);
                    } else {
                        CHECK_MSG(0, "K=7 reused work: %s", err.msg);
                    }
                ms_work_free(&w);
            }
            ms_grad_free(&ref);
        }
        ms_circuit_free(&c);
    }
}

/* ================= per-work loss weights ================= */

static void test_loss_weight(void)
{
    MsCircuit *c = load("loss weights", LOSS_BASE
                        ".loss value v(out) at=0.3337m weight=2\n"
                        ".loss sqerr v(out) target=v(ref)\n"
                        ".end\n");
    if (!c)
        return;
    /* the two terms alone (weights replace weight=), then a combination */
    static const double w10[] = {1, 0}, w01[] = {0, 1}, wab[] = {-3.5, 0.75};
    RunOpts o10 = {.nweights = 2, .weights = w10}, o01 = {.nweights = 2, .weights = w01},
            oab = {.nweights = 2, .weights = wab};
    MsGrad g10, g01, gab, gdef;
    if (grad("w=(1,0)", c, &FIXED, &o10, &g10) == MS_OK && grad("w=(0,1)", c, &FIXED, &o01, &g01) == MS_OK &&
        grad("w=(a,b)", c, &FIXED, &oab, &gab) == MS_OK && grad("netlist weights", c, &FIXED, NULL, &gdef) == MS_OK) {
        double want = wab[0] * g10.loss + wab[1] * g01.loss;
        CHECK_MSG(relerr(gab.loss, want) < 1e-13, "weighted loss %.15g vs %.15g", gab.loss, want);
        CHECK_MSG(relerr(gdef.loss, 2 * g10.loss + g01.loss) < 1e-13, "netlist weights: %.15g vs %.15g", gdef.loss,
                  2 * g10.loss + g01.loss);
        for (int k = 0; k < gab.nparams; k++) {
            double gw = wab[0] * g10.grad[k] + wab[1] * g01.grad[k];
            double gs = fabs(wab[0] * g10.grad[k]) + fabs(wab[1] * g01.grad[k]);
            CHECK_MSG(fabs(gab.grad[k] - gw) <= 1e-12 * gs, "weighted d/d%s %.15g vs %.15g", gab.names[k],
                      gab.grad[k], gw);
            double gd = 2 * g10.grad[k] + g01.grad[k];
            CHECK_MSG(fabs(gdef.grad[k] - gd) <= 1e-12 * (fabs(2 * g10.grad[k]) + fabs(g01.grad[k])),
                      "netlist-weighted d/d%s %.15g vs %.15g", gdef.names[k], gdef.grad[k], gd);
        }
        /* the term-1 alone run agrees with a netlist holding only that term */
        MsCircuit *c1 = load("sqerr alone", LOSS_BASE ".loss sqerr v(out) target=v(ref)\n.end\n");
        MsGrad g1;
        if (c1 && grad("sqerr alone", c1, &FIXED, NULL, &g1) == MS_OK) {
            check_same("weight (0,1) vs single term", &g1, &g01);
            ms_grad_free(&g1);
        }
        ms_circuit_free(&c1);
        /* FD of the reweighted loss (same weights in every run): step 1e-3
         * relative (observed 8e-8), tolerance 1e-6 */
        fd_check("w=(a,b)", c, &FIXED, &oab, &gab, 1e-3, 1e-6);
        ms_grad_free(&g10), ms_grad_free(&g01), ms_grad_free(&gab), ms_grad_free(&gdef);
    }
    /* a bad term index */
    MsWork *w = NULL;
    MsError err = {0};
    if (ms_work_new(c, &w, &err) == MS_OK) {
        CHECK(ms_work_set_loss_weight(w, 2, 1.0, &err) == MS_ERR_ARG);
        CHECK(ms_work_set_loss_weight(w, -1, 1.0, &err) == MS_ERR_ARG);
        ms_work_free(&w);
    }
    ms_circuit_free(&c);
}

/* ================= parameters and error paths ================= */

static void test_params_api(void)
{
    MsCircuit *c = load("params", LOSS_BASE ".loss integral v(out)\n.end\n");
    if (!c)
        return;
    MsError err = {0};
    CHECK(ms_circuit_num_params(c) == 6);
    CHECK(ms_circuit_get_param(c, 0) == 1e3);
    CHECK(relerr(ms_circuit_get_param(c, 1), 100e-9) < 1e-15);
    CHECK(ms_circuit_get_param(c, 2) == 1);     /* PULSE v2 */
    CHECK(ms_circuit_get_param(c, 5) == 0.3);   /* SIN va */
    CHECK(isnan(ms_circuit_get_param(c, 6)) && isnan(ms_circuit_get_param(c, -1)));
    CHECK(ms_circuit_set_param(c, 6, 1, &err) == MS_ERR_ARG);
    CHECK(ms_circuit_set_param(c, -1, 1, &err) == MS_ERR_ARG);
    CHECK(ms_circuit_set_param(c, 0, NAN, &err) == MS_ERR_ARG);
    CHECK(ms_circuit_set_param(c, 0, INFINITY, &err) == MS_ERR_ARG);
    CHECK(ms_circuit_get_param(c, 0) == 1e3);
    /* change and restore: bit-identical results (the stamps are rebuilt) */
    MsGrad a, b, m;
    if (grad("params", c, &FIXED, NULL, &a) == MS_OK) {
        set_param(c, 0, 2e3);
        set_param(c, 5, 0.9);
        if (grad("params moved", c, &FIXED, NULL, &m) == MS_OK) {
            CHECK(m.loss != a.loss && m.values[0] == 2e3 && m.values[5] == 0.9);
            ms_grad_free(&m);
        }
        set_param(c, 0, 1e3);
        set_param(c, 5, 0.3);
        if (grad("params restored", c, &FIXED, NULL, &b) == MS_OK) {
            check_same("restored", &a, &b);
            CHECK(a.loss == b.loss);
            ms_grad_free(&b);
        }
        ms_grad_free(&a);
    }
    ms_circuit_free(&c);
}

static void expect_load_error(const char *what, const char *text, int line, const char *needle)
{
    MsCircuit *c = NULL;
    MsError err = {0};
    int rc = ms_circuit_load_string(text, "bad.cir", &c, &err);
    char where[32];
    snprintf(where, sizeof where, "bad.cir:%d:", line);
    CHECK_MSG(rc < 0 && c == NULL, "%s: loaded", what);
    CHECK_MSG(strstr(err.msg, where) != NULL, "%s: message '%s' does not name %s", what, err.msg, where);
    CHECK_MSG(!needle || strstr(err.msg, needle), "%s: message '%s' lacks '%s'", what, err.msg, needle);
    ms_circuit_free(&c);
}

static void test_errors(void)
{
    MsGrad g;
    MsError err = {0};
    /* no .loss: MS_ERR_ARG, the MsGrad left empty */
    MsCircuit *c = load("no loss", "no loss\nV1 in 0 DC 1\nR1 in out 1k\nC1 out 0 1u\n.tran 1u 1m\n.trainable r1\n.end\n");
    if (c) {
        int rc = try_grad(c, &FIXED, NULL, &g, &err);
        CHECK_MSG(rc == MS_ERR_ARG, "no .loss: rc %d (%s)", rc, err.msg);
        CHECK(strstr(err.msg, ".loss") != NULL);
        CHECK(g.grad == NULL && g.tran.data == NULL);
        ms_circuit_free(&c);
    }
    /* .ic with and without uic: v(out) starts at 0.5 either way (the
     * operating point forces it): v = 1 - 0.5 exp(-t/RC) (O(h^2): 1e-6);
     * FD step 1e-3 relative, tolerance 1e-6 */
    c = load(".ic", "ic\nV1 in 0 DC 1\nR1 in out 1k\nC1 out 0 1u\n.ic v(out)=0.5\n.tran 1u 1m\n"
                    ".loss value v(out) at=0.5m\n.trainable r1 c1\n.end\n");
    for (int uic = 0; c && uic < 2; uic++) {
        MsTranSpec spec = {.uic = uic, .fixed_step = 1};
        if (grad(uic ? ".ic with uic" : ".ic without uic", c, &spec, NULL, &g) == MS_OK) {
            CHECK_NEAR(g.loss, 1 - 0.5 * exp(-0.5), 1e-6);
            fd_check(uic ? ".ic with uic" : ".ic without uic", c, &spec, NULL, &g, 1e-3, 1e-6);
            ms_grad_free(&g);
        }
    }
    ms_circuit_free(&c);
    /* no .trainable: the loss alone, nparams 0 */
    c = load("no trainable", "nt\nV1 in 0 DC 1\nR1 in out 1k\nC1 out 0 1u\n.tran 1u 1m uic\n"
                             ".loss value v(out) at=1m\n.end\n");
    if (c) {
        if (grad("no trainable", c, &FIXED, NULL, &g) == MS_OK) {
            CHECK(g.nparams == 0);
            CHECK_NEAR(g.loss, 1 - exp(-1), 1e-5);
            ms_grad_free(&g);
        }
        ms_circuit_free(&c);
    }
    /* no .tran: an error, not a crash */
    c = load("no tran", "no tran\nV1 in 0 DC 1\nR1 in 0 1k\n.loss value v(in) at=1m\n.end\n");
    if (c) {
        int rc = try_grad(c, NULL, NULL, &g, &err);
        CHECK_MSG(rc == MS_ERR_ARG, "no .tran: rc %d", rc);
        ms_circuit_free(&c);
    }
    /* load errors name the line */
    const char *hdr = "bad\nV1 in 0 DC 1\nR1 in out 1k\nD1 out 0 dm\n.model dm d\nC1 out 0 1u\n.tran 1u 1m\n";
    char text[512];
    snprintf(text, sizeof text, "%s.loss value v(out) at=1m\n.trainable r1 d1\n.end\n", hdr);
    expect_load_error(".trainable diode", text, 9, "d1");
    snprintf(text, sizeof text, "%s.loss value v(out) at=1m\n.trainable nosuch\n.end\n", hdr);
    expect_load_error(".trainable unknown", text, 9, "nosuch");
    snprintf(text, sizeof text, "%s.trainable r1\n.loss integral v(nosuch)\n.end\n", hdr);
    expect_load_error(".loss unknown node", text, 9, "nosuch");
    snprintf(text, sizeof text, "%s.trainable r1\n.loss sqerr v(out)\n.end\n", hdr);
    expect_load_error(".loss sqerr without target", text, 9, "target");
    snprintf(text, sizeof text, "%s.trainable r1\n.loss value v(out) at=1m to=2m\n.end\n", hdr);
    expect_load_error(".loss value with to=", text, 9, "to");
}

int main(void)
{
    test_rc_closed_form();
    test_rlc();
    test_diode();
    test_memristor();
    test_sources();
    test_loss_kinds();
    test_zero_gradient();
    test_dc_vs_uic();
    test_dc_ic();
    test_adaptive();
    test_overrides();
    test_params_api();
    test_errors();
    test_loss_weight();
    test_checkpoint();
    return check_summary("test_grad");
}
