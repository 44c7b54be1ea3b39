/* test_analytic.c — memspice against closed-form solutions, through the
 * public API with the netlists' default tolerances (trapezoidal rule):
 * RC charge (ramped step) and discharge, RL step, series RLC underdamped
 * step, an RC driven by a pulse train over 25 periods, a resistor ladder
 * (against a direct solve here), E/G/F/H sources, and a diode against the
 * Shockley equation solved by bisection.  Transient limit: max |error| <
 * 1e-4 x the signal's range, at every time point memspice returns. */
#include "check.h"
#include "memspice.h"

#include <stdlib.h>
#include <string.h>

#define TRAN_TOL 1e-4   /* x signal range */

typedef double (*ExactFn)(double t, const void *ctx);

static int load_run(const char *text, const char *name, int tran, MsResult *res)
{
    MsCircuit *c = NULL;
    MsWork *w = NULL;
    MsError err = {0};
    memset(res, 0, sizeof *res);
    int rc = ms_circuit_load_string(text, name, &c, &err);
    if (rc == MS_OK)
        rc = ms_work_new(c, &w, &err);
    if (rc == MS_OK)
        rc = tran ? ms_run_tran(w, NULL, res, &err) : ms_run_op(w, res, &err);
    CHECK_MSG(rc == MS_OK, "%s: %s", name, err.msg);
    ms_work_free(&w);
    ms_circuit_free(&c);
    return rc;
}

static double op_val(const MsResult *r, const char *vec)
{
    int j = ms_result_find(r, vec);
    CHECK_MSG(j >= 0, "no vector %s", vec);
    return j >= 0 ? r->data[j] : NAN;
}

/* Compare vector vec with exact(t) at every point with t >= tfrom.
 * The range is that of the exact signal over the compared points. */
static void compare_wave(const char *what, const MsResult *r, const char *vec, ExactFn exact, const void *ctx,
                         double tfrom)
{
    int j = ms_result_find(r, vec);
    CHECK_MSG(j >= 0, "%s: no vector %s", what, vec);
    CHECK_MSG(r->time && r->npts > 10, "%s: too few points (%zu)", what, r->npts);
    if (j < 0 || !r->time)
        return;
    double lo = INFINITY, hi = -INFINITY, worst = 0, tworst = 0, got = 0, want = 0;
    size_t n = 0;
    for (size_t k = 0; k < r->npts; k++) {
        double t = r->time[k];
        if (t < tfrom)
            continue;
        double e = exact(t, ctx), v = r->data[k * (size_t)r->nvec + (size_t)j];
        lo = fmin(lo, e);
        hi = fmax(hi, e);
        double d = fabs(v - e);
        if (!(d <= worst)) {   /* also catches NaN */
            worst = d;
            tworst = t;
            got = v;
            want = e;
        }
        n++;
    }
    double range = hi - lo;
    CHECK_MSG(n > 10 && range > 0, "%s: nothing to compare", what);
    CHECK_MSG(worst < TRAN_TOL * range,
              "%s: %s max error %.3g (%.3g of range %.3g) at t=%.6g: got %.9g, want %.9g (%zu points, %ld steps, %ld rejected)",
              what, vec, worst, worst / range, range, tworst, got, want, n, r->steps_accepted, r->steps_rejected);
    printf("  %-28s %-10s max error %.3g of range (%zu points)\n", what, vec, worst / range, n);
    /* the run must end at tstop */
    CHECK(r->npts > 0);
}

/* ---- RC charge through a ramped step (PULSE with a 1 us rise) ---- */

typedef struct { double v, td, tr, tau; } RampCtx;

/* RC driven by 0 -> v, linear over [td, td+tr], then held. */
static double rc_ramp_exact(double t, const void *p)
{
    const RampCtx *c = p;
    if (t <= c->td)
        return 0;
    double s = t - c->td, k = c->v / c->tr;   /* slope */
    if (s <= c->tr)
        return k * (s - c->tau * (1 - exp(-s / c->tau)));
    double v1 = k * (c->tr - c->tau * (1 - exp(-c->tr / c->tau)));
    return c->v + (v1 - c->v) * exp(-(s - c->tr) / c->tau);
}

static void test_rc_charge(void)
{
    MsResult r;
    if (load_run("rc charge\n"
                 "V1 in 0 PULSE(0 2 10u 1u 1u 1 2)\n"
                 "R1 in out 1k\n"
                 "C1 out 0 1u\n"
                 ".tran 5u 6m\n.end\n", "rc_charge.cir", 1, &r))
        return;
    RampCtx c = {2, 10e-6, 1e-6, 1e-3};
    compare_wave("RC charge (ramped step)", &r, "v(out)", rc_ramp_exact, &c, 0);
    CHECK_NEAR(r.time[r.npts - 1], 6e-3, 1e-15);
    ms_result_free(&r);
}

/* ---- RC discharge from .ic with uic ---- */

static double rc_discharge_exact(double t, const void *p)
{
    const double *tau = p;
    return 3 * exp(-t / *tau);
}

static double rc_uic_charge_exact(double t, const void *p)
{
    const double *tau = p;
    return 5 - 6 * exp(-t / *tau);   /* from -1 V toward 5 V */
}

static void test_rc_discharge(void)
{
    MsResult r;
    if (load_run("rc discharge\n"
                 "R1 out 0 2k\n"
                 "C1 out 0 0.5u\n"
                 ".ic v(out)=3\n"
                 ".tran 5u 5m uic\n.end\n", "rc_discharge.cir", 1, &r))
        return;
    double tau = 1e-3;
    compare_wave("RC discharge (.ic, uic)", &r, "v(out)", rc_discharge_exact, &tau, 0);
    ms_result_free(&r);

    /* charge from a capacitor ic= toward a DC source */
    if (load_run("rc charge uic\n"
                 "V1 in 0 DC 5\n"
                 "R1 in out 100\n"
                 "C1 out 0 1u ic=-1\n"
                 ".tran 1u 600u uic\n.end\n", "rc_uic.cir", 1, &r))
        return;
    tau = 1e-4;
    compare_wave("RC charge (ic=, uic)", &r, "v(out)", rc_uic_charge_exact, &tau, 1e-12);
    ms_result_free(&r);
}

/* ---- RL step ---- */

static double rl_current_exact(double t, const void *p)
{
    const double *tau = p;
    return 0.1 * (1 - exp(-t / *tau));
}

static double rl_voltage_exact(double t, const void *p)
{
    const double *tau = p;
    return exp(-t / *tau);
}

static void test_rl(void)
{
    MsResult r;
    /* step through a fast ramp: V(t) = 1 V after 10 ns; i(L) = 0.1 A (1 - exp(-t/tau)) */
    if (load_run("rl step\n"
                 "V1 in 0 DC 1\n"
                 "R1 in a 10\n"
                 "L1 a 0 1m ic=0\n"
                 ".tran 1u 600u uic\n.end\n", "rl.cir", 1, &r))
        return;
    double tau = 1e-3 / 10;
    compare_wave("RL step (uic)", &r, "i(l1)", rl_current_exact, &tau, 0);
    compare_wave("RL step (uic)", &r, "v(a)", rl_voltage_exact, &tau, 1e-12);
    ms_result_free(&r);
}

/* ---- series RLC, underdamped step response ---- */

typedef struct { double alpha, wd, L; } RlcCtx;

static double rlc_vc_exact(double t, const void *p)
{
    const RlcCtx *c = p;
    return 1 - exp(-c->alpha * t) * (cos(c->wd * t) + c->alpha / c->wd * sin(c->wd * t));
}

static double rlc_i_exact(double t, const void *p)
{
    const RlcCtx *c = p;
    return exp(-c->alpha * t) * sin(c->wd * t) / (c->wd * c->L);
}

static void test_rlc(void)
{
    MsResult r;
    double R = 10, L = 1e-3, C = 1e-6;
    RlcCtx c;
    c.alpha = R / (2 * L);
    c.wd = sqrt(1 / (L * C) - c.alpha * c.alpha);
    c.L = L;
    /* step at t = 0 with everything at rest: uic with zero initial state.
     * tstep (= the maximum step) 0.5 us: the trapezoidal rule's phase error
     * at w0 h = 0.032 (tstep 1 us) is 1.2e-4 of the range, in ngspice too. */
    if (load_run("series rlc\n"
                 "V1 in 0 DC 1\n"
                 "R1 in a 10\n"
                 "L1 a b 1m\n"
                 "C1 b 0 1u\n"
                 ".tran 0.5u 2m uic\n.end\n", "rlc.cir", 1, &r))
        return;
    compare_wave("series RLC underdamped", &r, "v(b)", rlc_vc_exact, &c, 0);
    compare_wave("series RLC underdamped", &r, "i(l1)", rlc_i_exact, &c, 0);
    ms_result_free(&r);
}

/* ---- RC driven by a pulse train: exact piecewise solution ---- */

typedef struct {
    double v1, v2, td, tr, tf, pw, per, tau;
} PulseRc;

/* Input of the pulse at t (ngspice PULSE semantics). */
static double pulse_in(const PulseRc *p, double t)
{
    if (t <= p->td)
        return p->v1;
    double s = fmod(t - p->td, p->per);
    if (s < p->tr)
        return p->v1 + (p->v2 - p->v1) * s / p->tr;
    if (s <= p->tr + p->pw)
        return p->v2;
    if (s < p->tr + p->pw + p->tf)
        return p->v2 + (p->v1 - p->v2) * (s - p->tr - p->pw) / p->tf;
    return p->v1;
}

/* Exact v over one segment where the input is linear: vin(s) = a + b s. */
static double rc_linear_segment(double v0, double a, double b, double tau, double s)
{
    return a + b * s - b * tau + (v0 - a + b * tau) * exp(-s / tau);
}

/* Propagate the exact solution from 0 (v = v1, the DC operating point)
 * through the pulse corners up to t.  The input is continuous and linear
 * between consecutive corners. */
static double pulse_rc_exact(double t, const void *ctx)
{
    const PulseRc *p = ctx;
    double v = p->v1, t0 = 0;
    const double off[4] = {0, p->tr, p->tr + p->pw, p->tr + p->pw + p->tf};
    for (long k = 0;; k++) {
        for (int i = 0; i < 4; i++) {
            double tc = p->td + (double)k * p->per + off[i];
            int last = tc >= t;
            if (last)
                tc = t;
            if (tc > t0) {
                double a = pulse_in(p, t0), b = (pulse_in(p, tc) - a) / (tc - t0);
                v = rc_linear_segment(v, a, b, p->tau, tc - t0);
                t0 = tc;
            }
            if (last)
                return v;
        }
    }
}

static void test_pulse_rc(void)
{
    MsResult r;
    if (load_run("pulse rc, 25 periods\n"
                 "V1 in 0 PULSE(0 1 5u 2u 3u 40u 100u)\n"
                 "R1 in out 1k\n"
                 "C1 out 0 20n\n"
                 ".tran 0.5u 2.5m\n.end\n", "pulse_rc.cir", 1, &r))
        return;
    PulseRc p = {0, 1, 5e-6, 2e-6, 3e-6, 40e-6, 100e-6, 20e-6};
    compare_wave("RC pulse train (25 periods)", &r, "v(out)", pulse_rc_exact, &p, 0);
    /* the input itself is reproduced exactly at every point */
    int j = ms_result_find(&r, "v(in)");
    double worst = 0;
    for (size_t k = 0; j >= 0 && k < r.npts; k++)
        worst = fmax(worst, fabs(r.data[k * (size_t)r.nvec + (size_t)j] - pulse_in(&p, r.time[k])));
    CHECK_MSG(j >= 0 && worst < 1e-12, "v(in) differs from the PULSE by %g", worst);
    /* every corner of the 25 pulses is a time point */
    int missing = 0;
    for (int k = 0; k < 25; k++) {
        double c[4] = {5e-6, 7e-6, 47e-6, 50e-6};
        for (int i = 0; i < 4; i++) {
            double tc = c[i] + k * 100e-6;
            int found = 0;
            for (size_t q = 0; q < r.npts && !found; q++)
                found = fabs(r.time[q] - tc) < 1e-12;
            missing += !found;
        }
    }
    CHECK_MSG(missing == 0, "%d pulse corners are not time points", missing);
    ms_result_free(&r);
}

/* ---- resistor ladder: direct dense solve here ---- */

#define NL 12

static void test_ladder(void)
{
    /* V1 n0 0 1.5; Rs_k n(k-1) n(k) rs[k]; Rp_k n(k) 0 rp[k], k = 1..NL */
    double rs[NL + 1], rp[NL + 1];
    char text[4096];
    int len = snprintf(text, sizeof text, "ladder\nV1 n0 0 DC 1.5\n");
    for (int k = 1; k <= NL; k++) {
        rs[k] = 100.0 * (1 + k % 4);
        rp[k] = 1000.0 * (1 + (k * 7) % 5) + 1.5 * k;
        len += snprintf(text + len, sizeof text - (size_t)len, "RS%d n%d n%d %.17g\nRP%d n%d 0 %.17g\n", k, k - 1, k,
                        rs[k], k, k, rp[k]);
    }
    snprintf(text + len, sizeof text - (size_t)len, ".op\n.end\n");
    /* nodal equations for v1..vNL, v0 = 1.5 known */
    double A[NL][NL + 1];
    memset(A, 0, sizeof A);
    for (int k = 1; k <= NL; k++) {
        int i = k - 1;
        A[i][i] += 1 / rs[k] + 1 / rp[k];
        if (k < NL) {
            A[i][i] += 1 / rs[k + 1];
            A[i][i + 1] -= 1 / rs[k + 1];
        }
        if (k > 1)
            A[i][i - 1] -= 1 / rs[k];
        else
            A[i][NL] += 1.5 / rs[1];
    }
    for (int c = 0; c < NL; c++) {   /* Gaussian elimination, partial pivoting */
        int p = c;
        for (int i = c + 1; i < NL; i++)
            if (fabs(A[i][c]) > fabs(A[p][c]))
                p = i;
        for (int j = 0; j <= NL; j++) {
            double t = A[c][j];
            A[c][j] = A[p][j];
            A[p][j] = t;
        }
        for (int i = c + 1; i < NL; i++) {
            double f = A[i][c] / A[c][c];
            for (int j = c; j <= NL; j++)
                A[i][j] -= f * A[c][j];
        }
    }
    double v[NL];
    for (int i = NL - 1; i >= 0; i--) {
        double s = A[i][NL];
        for (int j = i + 1; j < NL; j++)
            s -= A[i][j] * v[j];
        v[i] = s / A[i][i];
    }
    MsResult r;
    if (load_run(text, "ladder.cir", 0, &r))
        return;
    for (int k = 1; k <= NL; k++) {
        char name[16];
        snprintf(name, sizeof name, "v(n%d)", k);
        CHECK_NEAR(op_val(&r, name), v[k - 1], 1e-12 * 1.5);
    }
    double i1 = (1.5 - v[0]) / rs[1];
    CHECK_NEAR(op_val(&r, "i(v1)"), -i1, 1e-15);
    ms_result_free(&r);
}

/* ---- controlled sources at DC ---- */

static void test_controlled(void)
{
    MsResult r;
    if (load_run("controlled sources\n"
                 "V1 a 0 DC 2\n"
                 "Vs a s 0\n"             /* senses the 2 mA into Rs */
                 "Rs s 0 1k\n"
                 "E1 e 0 a 0 3\n"         /* v(e) = 3 v(a) = 6 */
                 "Re e 0 1k\n"
                 "G1 0 g a 0 2m\n"        /* 4 mA into g: v(g) = 4 V */
                 "Rg g 0 1k\n"
                 "F1 0 f Vs 3\n"          /* 3 i(vs) = 6 mA into f: v(f) = 12 V */
                 "Rf f 0 2k\n"
                 "H1 h 0 Vs 500\n"        /* v(h) = 500 i(vs) = 1 V */
                 "Rh h 0 1k\n"
                 "E2 d1 d2 e 0 -0.5\n"    /* floating output: v(d1) - v(d2) = -3 */
                 "Rd1 d1 0 1k\n"
                 "Rd2 d2 0 1k\n"
                 "G2 g2 0 e g 1m\n"       /* 2 mA out of g2 through G2: v(g2) = -2 mA * 500 */
                 "Rg2 g2 0 500\n"
                 ".op\n.end\n", "controlled.cir", 0, &r))
        return;
    CHECK_NEAR(op_val(&r, "v(e)"), 6, 1e-12);
    CHECK_NEAR(op_val(&r, "v(g)"), 4, 1e-12);
    CHECK_NEAR(op_val(&r, "v(f)"), 12, 1e-12);
    CHECK_NEAR(op_val(&r, "v(h)"), 1, 1e-12);
    CHECK_NEAR(op_val(&r, "v(d1)"), -1.5, 1e-12);
    CHECK_NEAR(op_val(&r, "v(d2)"), 1.5, 1e-12);
    CHECK_NEAR(op_val(&r, "v(g2)"), -1, 1e-12);
    CHECK_NEAR(op_val(&r, "i(vs)"), 2e-3, 1e-15);
    CHECK_NEAR(op_val(&r, "i(e1)"), -6e-3, 1e-15);   /* current into + of E1 through it */
    CHECK_NEAR(op_val(&r, "i(h1)"), -1e-3, 1e-15);
    ms_result_free(&r);
}

/* ---- diode: Shockley equation by bisection ---- */

/* kT/q at 27 C with the constants of ngspice's const.h (CODATA 2014),
 * which memspice's diode follows */
#define VT (1.38064852e-23 * 300.15 / 1.6021766208e-19)

/* Solve (vs - vj - i rs) / R = i, i = is (exp(vj / (n VT)) - 1) + gmin vj, for vj. */
static double diode_vj(double vs, double R, double is, double n, double rs, double gmin)
{
    double lo = -fabs(vs) - 1, hi = fabs(vs) + 1;
    for (int k = 0; k < 200; k++) {
        double vj = 0.5 * (lo + hi);
        double i = is * expm1(vj / (n * VT)) + gmin * vj;
        double r = (vs - vj - i * rs) / R - i;   /* decreasing in vj */
        if (r > 0)
            lo = vj;
        else
            hi = vj;
    }
    return 0.5 * (lo + hi);
}

static const char *diode_net =
    "diode forward and reverse\n"
    "V1 a 0 DC 5\n"
    "R1 a k 1k\n"
    "D1 k 0 dmod\n"
    "V2 b 0 DC 3\n"
    "R2 b k2 220\n"
    "D2 k2 0 dser 2\n"       /* area 2 */
    "V3 c 0 DC -5\n"
    "R3 c k3 1k\n"
    "D3 k3 0 dmod\n"
    ".model dmod D(is=1e-14 n=1)\n"
    ".model dser D(is=2e-15 n=1.8 rs=10)\n"
    "%s\n"
    ".op\n.end\n";

/* vtol: the Newton tolerance allows; with reltol=1e-9 the equations
 * themselves are checked. */
static void check_diode(const char *options, double vtol, double itol)
{
    char text[1024];
    snprintf(text, sizeof text, diode_net, options);
    MsResult r;
    if (load_run(text, "diode.cir", 0, &r))
        return;
    double gmin = 1e-12;
    double vj1 = diode_vj(5, 1e3, 1e-14, 1, 0, gmin);
    CHECK_NEAR(op_val(&r, "v(k)"), vj1, vtol);
    CHECK_NEAR(op_val(&r, "i(v1)"), -(5 - vj1) / 1e3, itol);
    /* area 2: is x 2, rs / 2; v(k2) = vj + i rs/2 */
    double vj2 = diode_vj(3, 220, 4e-15, 1.8, 5, gmin);
    double i2 = 4e-15 * expm1(vj2 / (1.8 * VT)) + gmin * vj2;
    CHECK_NEAR(op_val(&r, "v(k2)"), vj2 + i2 * 5, vtol);
    CHECK_NEAR(op_val(&r, "i(v2)"), -i2, itol);
    /* reverse: -is - gmin v through 1k */
    double vj3 = diode_vj(-5, 1e3, 1e-14, 1, 0, gmin);
    CHECK_NEAR(op_val(&r, "v(k3)"), vj3, 1e-9);
    printf("  diode %-22s v(k) %.9f want %.9f, v(k2) %.9f want %.9f\n", options, op_val(&r, "v(k)"), vj1,
           op_val(&r, "v(k2)"), vj2 + i2 * 5);
    ms_result_free(&r);
}

static void test_diode(void)
{
    check_diode("* default tolerances", 1e-5, 1e-8);
    check_diode(".options reltol=1e-9", 1e-7, 1e-10);
}

int main(void)
{
    test_rc_charge();
    test_rc_discharge();
    test_rl();
    test_rlc();
    test_pulse_rc();
    test_ladder();
    test_controlled();
    test_diode();
    return check_summary("analytic");
}
