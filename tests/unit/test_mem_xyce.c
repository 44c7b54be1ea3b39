/* test_mem_xyce.c — Xyce's forms of memristor levels 2 (TEAM) and 3
 * (Yakopcic) against Xyce's equations integrated here independently.
 *
 * Each case is a sine source driving the memristor through a series
 * resistor.  The reference writes Xyce's equations again (the TEAM
 * resistance, thresholds and windows wt = 0..4 with the state in Xyce's
 * units, xon..xoff times xscaling; Yakopcic's G, F and sinh current) and
 * integrates the state with classical RK4, each step moving it by at most
 * 1e-5 of its range, landing on memspice's output times; the device voltage
 * of the Yakopcic cases is solved by Newton.  A state that reaches xon or
 * xoff is held there while its rate points out (memspice's physical range;
 * Xyce's own state would go on where its window does not vanish).  Then
 * memspice's transient (reltol 1e-6, vntol 1e-8, trtol 1) must agree within
 * 1e-3 of the range of x and of the voltage swing, allowing a switching
 * event that runs away a time shift of SHIFT, and x must stay in its range.
 * The states of the windows that vanish at a bound (Joglekar, and Biolek at
 * the bound behind) are kept away from it: a state there recovers after a
 * time set by how close it came, which no two integrators share. */
#include "check.h"
#include "devices/memristor_models.h"
#include "memspice.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846
#define SHIFT 1e-4   /* of the period: the time shift a switching event may show */

typedef struct Case {
    const char *name;
    const char *model;   /* the .model parameters */
    int level;
    /* Xyce's parameters, as on the card (TEAM: physical units) */
    double ron, roff, kon, koff, aon, aoff, ion, ioff, xon, xoff, s, d, p, j, wc, waon, waoff, x0;
    int wt, iv;
    double a1, a2, b, ap, an, vp, vn, alphap, alphan, xp, xn, eta;
    double amp, freq, rs, tstop, tstep;
    double swing;   /* least max - min of x the drive must show */
    double shift;   /* the time shift (of the period) a runaway switching may show; 0: SHIFT */
} Case;

/* ---------------- the reference: Xyce's equations ---------------- */

static double team_window(const Case *c, double X, double I)
{
    switch (c->wt) {
    case 1: return 1 - pow(2 * X / c->d - 1, 2 * c->p);
    case 2: return 1 - pow(X / c->d - (I >= 0 ? 1 : 0), 2 * c->p);
    case 3: return c->j * (1 - pow((X - 0.5) * (X - 0.5) - 0.75, c->p));
    case 4: return I >= 0 ? exp(-exp((X - c->waoff * c->s) / (c->wc * c->s)))
                          : exp(-exp(-(X - c->waon * c->s) / (c->wc * c->s)));
    default: return 1;
    }
}

/* dX/dt at source voltage V; *vdev the device voltage */
static double rate(const Case *c, double V, double X, double *vdev)
{
    if (c->level == 2) {
        double lo = c->xon * c->s, hi = c->xoff * c->s, u = (X - lo) / (hi - lo);
        double R = c->iv ? c->ron * exp(u * log(c->roff / c->ron)) : c->ron + u * (c->roff - c->ron);
        double I = V / (R + c->rs);
        *vdev = I * R;
        double r = 0;
        if (I >= c->ioff)
            r = c->koff * c->s * pow(I / c->ioff - 1, c->aoff);
        else if (I <= c->ion)
            r = c->kon * c->s * pow(I / c->ion - 1, c->aon);
        r *= team_window(c, X, I);
        return (X >= hi && r > 0) || (X <= lo && r < 0) ? 0 : r;
    }
    /* Yakopcic: v + rs a x sinh(b v) = V, monotone in v */
    double v = V;
    for (int it = 0; it < 100; it++) {
        double a = v >= 0 ? c->a1 : c->a2, f = v + c->rs * a * X * sinh(c->b * v) - V;
        double df = 1 + c->rs * a * X * c->b * cosh(c->b * v), dv = f / df;
        v -= dv;
        if (fabs(dv) < 1e-15)
            break;
    }
    *vdev = v;
    double G = v > c->vp ? c->ap * (exp(v) - exp(c->vp)) : v < -c->vn ? -c->an * (exp(-v) - exp(c->vn)) : 0;
    double F = 1;
    if (c->eta * v > 0 && X > c->xp)
        F = (1 + (c->xp - X) / (1 - c->xp)) * exp(-c->alphap * (X - c->xp));
    else if (c->eta * v <= 0 && X <= 1 - c->xn)
        F = X / (1 - c->xn) * exp(c->alphan * (X + c->xn - 1));
    return c->eta * G * F;
}

static double source(const Case *c, double t) { return c->amp * sin(2 * PI * c->freq * t); }

static void range_of(const Case *c, double *lo, double *hi)
{
    if (c->level == 2)
        *lo = c->xon * c->s, *hi = c->xoff * c->s;
    else
        *lo = 0, *hi = 1;
}

static double clamp(double X, double lo, double hi) { return X < lo ? lo : X > hi ? hi : X; }

/* x and the device voltage at the times t[0..n) (t[0] = 0) */
static void reference(const Case *c, const double *t, size_t n, double *x, double *v)
{
    double lo, hi, X = c->x0, dmax;
    range_of(c, &lo, &hi);
    dmax = 1e-5 * (hi - lo);
    double now = 0, vd;
    for (size_t i = 0; i < n; i++) {
        while (now < t[i]) {
            double k1 = rate(c, source(c, now), X, &vd);
            double h = t[i] - now, hx = dmax / fmax(fabs(k1), 1e-300);
            h = fmin(h, fmin(hx, 1e-3 / c->freq));
            double k2 = rate(c, source(c, now + h / 2), clamp(X + h / 2 * k1, lo, hi), &vd);
            double k3 = rate(c, source(c, now + h / 2), clamp(X + h / 2 * k2, lo, hi), &vd);
            double k4 = rate(c, source(c, now + h), clamp(X + h * k3, lo, hi), &vd);
            X = clamp(X + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4), lo, hi);
            now = h == t[i] - now ? t[i] : now + h;
        }
        x[i] = X;
        rate(c, source(c, t[i]), X, &v[i]);
    }
}

/* ---------------- memspice ---------------- */

/* how far y lies from the values between a and b */
static double off_segment(double y, double a, double b)
{
    double lo = fmin(a, b), hi = fmax(a, b);
    return y < lo ? lo - y : y > hi ? y - hi : 0;
}

static void check_case(const Case *c)
{
    char text[2048];
    snprintf(text, sizeof text,
             "xyce form\n.model mm memristor %s\nV1 in 0 SIN(0 %g %g)\nR1 in a %g\nYmemristor m1 a 0 mm\n"
             ".save v(a) x(m1)\n.options reltol=1e-6 vntol=1e-8 trtol=1\n.tran %g %g\n.end\n",
             c->model, c->amp, c->freq, c->rs, c->tstep, c->tstop);
    MsCircuit *ckt = NULL;
    MsWork *w = NULL;
    MsResult r;
    memset(&r, 0, sizeof r);
    MsError err = {0};
    int rc = ms_circuit_load_string(text, "xyce.cir", &ckt, &err);
    if (rc == MS_OK)
        rc = ms_work_new(ckt, &w, &err);
    if (rc == MS_OK)
        rc = ms_run_tran(w, &(MsTranSpec){0}, &r, &err);
    CHECK_MSG(rc == MS_OK, "%s: %s", c->name, err.msg);
    int kx = ms_result_find(&r, "x(m1)"), kv = ms_result_find(&r, "v(a)");
    if (rc == MS_OK && kx >= 0 && kv >= 0) {
        size_t n = r.npts;
        double *x = calloc(n, sizeof *x), *v = calloc(n, sizeof *v), lo, hi;
        reference(c, r.time, n, x, v);
        range_of(c, &lo, &hi);
        double ex = 0, ev = 0, xmin = 1e300, xmax = -1e300, rmin = 1e300, rmax = -1e300, vr = 0;
        /* a switching event that runs away (TEAM: R falls, I and the rate
         * rise) turns the integration error before it into a shift of its
         * time: a point is also right when the reference passes its value
         * within SHIFT of its time (ev0, ex0 report the plain differences) */
        double shift = (c->shift > 0 ? c->shift : SHIFT) / c->freq, ex0 = 0, ev0 = 0;
        size_t j0 = 0, j1 = 0;
        for (size_t i = 0; i < n; i++) {
            double mx = r.data[i * (size_t)r.nvec + (size_t)kx], mv = r.data[i * (size_t)r.nvec + (size_t)kv];
            while (r.time[j0] < r.time[i] - shift)
                j0++;
            while (j1 + 1 < n && r.time[j1 + 1] <= r.time[i] + shift)
                j1++;
            double dx = fabs(mx - x[i]), dv = fabs(mv - v[i]);
            ex0 = fmax(ex0, dx), ev0 = fmax(ev0, dv);
            for (size_t j = j0; j < j1; j++) {   /* the reference between its points is linear */
                dx = fmin(dx, off_segment(mx, x[j], x[j + 1]));
                dv = fmin(dv, off_segment(mv, v[j], v[j + 1]));
            }
            ex = fmax(ex, dx);
            ev = fmax(ev, dv);
            xmin = fmin(xmin, mx), xmax = fmax(xmax, mx);
            rmin = fmin(rmin, x[i]), rmax = fmax(rmax, x[i]);
            vr = fmax(vr, fabs(v[i]));
        }
        double span = hi - lo;
        printf("  %-32s x in [%.4g, %.4g] (ref [%.4g, %.4g]); max |dx| %.1e of the range (%.1e same time), "
               "|dv| %.1e of 2 max|v| (%.1e)\n", c->name, xmin, xmax, rmin, rmax, ex / span, ex0 / span, ev / (2 * vr),
               ev0 / (2 * vr));
        CHECK_MSG(xmin >= lo - 1e-9 * span && xmax <= hi + 1e-9 * span, "%s: x in [%g, %g] outside [%g, %g]",
                  c->name, xmin, xmax, lo, hi);
        CHECK_MSG(rmax - rmin >= c->swing * span, "%s: the drive moves x only over [%g, %g]", c->name, rmin, rmax);
        CHECK_MSG(ex <= 1e-3 * span, "%s: x differs by %g of its range", c->name, ex / span);
        CHECK_MSG(ev <= 1e-3 * 2 * vr, "%s: v(a) differs by %g", c->name, ev);
        free(x);
        free(v);
    }
    ms_result_free(&r);
    ms_work_free(&w);
    ms_circuit_free(&ckt);
}

/* Xyce's defaults the TEAM cases leave alone (their windows do not read d, p, j, wc unless given) */
#define TEAM_BASE .level = 2, .ron = 50, .roff = 1000, .xon = 0, .waon = 0, .waoff = 3e-9

static const Case cases[] = {
    /* Xyce_Regression's memristorTEAM_test.cir at a slower rate: the Kvatinsky
     * window (wt=4) with aon = xon lets Xyce's state pass xon; it stops here */
    {"TEAM wt=4 (bound at xon)", "level=2 ron=50 roff=1000 koff=1.46e-18 kon=-4.68e-22 alphaoff=10 alphaon=10 "
     "wc=1.0e-12 ioff=115e-6 ion=-8.9e-6 xscaling=1.0e9 wt=4 x0=1.5", TEAM_BASE,
     .xoff = 3e-9, .s = 1e9, .ion = -8.9e-6, .ioff = 115e-6,
     .koff = 1.46e-18, .kon = -4.68e-22, .aon = 10, .aoff = 10, .wt = 4, .wc = 1e-12, .x0 = 1.5,
     .amp = 0.4, .freq = 1e3, .rs = 50, .tstop = 3e-3, .tstep = 1e-6, .swing = 0.3},
    /* Biolek with d = xoff * xscaling: vanishes at both ends */
    {"TEAM wt=2 Biolek", "level=2 xyce=1 kon=-2e-13 koff=1e-13 alphaon=3 alphaoff=3 ion=-8.9e-6 ioff=115e-6 "
     "xscaling=1e9 wt=2 d=3 p=1 x0=1.2", TEAM_BASE,
     .xoff = 3e-9, .s = 1e9, .ion = -8.9e-6, .ioff = 115e-6,
     .kon = -2e-13, .koff = 1e-13, .aon = 3, .aoff = 3, .wt = 2, .d = 3, .p = 1, .x0 = 1.2,
     .amp = 1, .freq = 1e3, .rs = 50, .tstop = 3e-3, .tstep = 1e-6, .swing = 0.3},
    /* Joglekar, exponential R (ivrelation=1), physical units (xscaling 1) */
    {"TEAM wt=1 Joglekar ivrelation=1", "level=2 xon=0 xoff=3e-9 kon=-1e-12 koff=2e-9 alphaon=3 alphaoff=3 "
     "ion=-8.9e-6 ioff=115e-6 wt=1 d=3e-9 p=2 ivrelation=1 x0=1.5e-9", TEAM_BASE,
     .xoff = 3e-9, .s = 1, .ion = -8.9e-6, .ioff = 115e-6, .kon = -1e-12, .koff = 2e-9, .aon = 3, .aoff = 3,
     .wt = 1, .d = 3e-9, .p = 2, .iv = 1, .x0 = 1.5e-9,
     .amp = 1, .freq = 1e3, .rs = 1000, .tstop = 3e-3, .tstep = 1e-6, .swing = 0.08},
    /* no window: the state runs into both bounds and is held there */
    {"TEAM wt=0 (both bounds)", "level=2 xyce=1 kon=-4e-10 koff=1e-7 alphaon=2 alphaoff=2 ion=-8.9e-6 "
     "ioff=115e-6 xscaling=1e9 x0=1", TEAM_BASE,
     .xoff = 3e-9, .s = 1e9, .ion = -8.9e-6, .ioff = 115e-6,
     .kon = -4e-10, .koff = 1e-7, .aon = 2, .aoff = 2, .wt = 0, .x0 = 1,
     .amp = 1, .freq = 1e3, .rs = 50, .tstop = 3e-3, .tstep = 1e-6, .swing = 0.99},
    /* Xyce's Prodromakis ((X - 1/2)^2 - 3/4: never vanishes) on a state in [0, 1] */
    {"TEAM wt=3 Xyce's Prodromakis", "level=2 xon=0 xoff=1 kon=-1e3 koff=1e3 alphaon=1 alphaoff=1 ion=-1e-4 "
     "ioff=1e-4 wt=3 p=1 j=0.5 x0=0.5", TEAM_BASE,
     .xoff = 1, .s = 1, .ion = -1e-4, .ioff = 1e-4,
     .kon = -1e3, .koff = 1e3, .aon = 1, .aoff = 1, .wt = 3, .p = 1, .j = 0.5, .x0 = 0.5,
     .amp = 1, .freq = 1e3, .rs = 50, .tstop = 3e-3, .tstep = 1e-6, .swing = 0.3},
    /* Xyce_Regression's memristorYakopcic.cir: its parameters, xo, 0.5 V at 100 Hz */
    {"Yakopcic (xo=0.11)", "level=3 xyce=1 a1=0.17 a2=0.17 b=0.05 vp=0.16 vn=0.15 ap=4000 an=4000 xp=0.3 "
     "xn=0.5 alphap=1 alphan=5 eta=1 xo=0.11", .level = 3, .a1 = 0.17, .a2 = 0.17, .b = 0.05, .vp = 0.16,
     .vn = 0.15, .ap = 4000, .an = 4000, .xp = 0.3, .xn = 0.5, .alphap = 1, .alphan = 5, .eta = 1, .x0 = 0.11,
     .amp = 0.5, .freq = 100, .rs = 50, .tstop = 2e-2, .tstep = 1e-5, .swing = 0.3},
    /* eta = -1, larger drive: x reaches both window regions */
    {"Yakopcic eta=-1", "level=3 xyce=1 a1=0.2 a2=0.1 b=0.5 vp=0.2 vn=0.1 ap=2000 an=3000 xp=0.6 xn=0.3 "
     "alphap=2 alphan=3 eta=-1 xo=0.5", .level = 3, .a1 = 0.2, .a2 = 0.1, .b = 0.5, .vp = 0.2, .vn = 0.1,
     .ap = 2000, .an = 3000, .xp = 0.6, .xn = 0.3, .alphap = 2, .alphan = 3, .eta = -1, .x0 = 0.5,
     .amp = 1, .freq = 100, .rs = 50, .tstop = 2e-2, .tstep = 1e-5, .swing = 0.3},
};

/* Xyce's TEAM on dual numbers: d/dv, d/dX and d/dparameter (the adjoint's
 * terms) against central differences, for every window */
static void check_derivatives(void)
{
    static const int ks[] = {MP_RON, MP_ROFF, MP_ION, MP_IOFF, MP_KON, MP_KOFF, MP_D, MP_J};
    for (int wt = 0; wt <= 4; wt++)
        for (int iv = 0; iv <= 1; iv++) {
            MsMemModel m;
            memset(&m, 0, sizeof m);
            m.level = 2, m.xyce = 1;
            double *p = m.par;
            p[MP_RON] = 50, p[MP_ROFF] = 1e3, p[MP_ION] = -8.9e-6, p[MP_IOFF] = 1.15e-4, p[MP_KON] = -3e-13;
            p[MP_KOFF] = 2e-13, p[MP_AON] = 3, p[MP_AOFF] = 4, p[MP_XON] = 0, p[MP_XOFF] = 3e-9, p[MP_XSCALING] = 1e9;
            p[MP_D] = 3.2, p[MP_P] = 2, p[MP_J] = 0.7, p[MP_WT] = wt, p[MP_WC] = 0.3e-9, p[MP_WAON] = 0.2e-9;
            p[MP_WAOFF] = 2.8e-9, p[MP_IV] = iv;
            const double vs[] = {-0.7, -0.2, 0.3, 0.9}, xs[] = {0.4, 1.3, 2.6};
            for (size_t a = 0; a < 4; a++)
                for (size_t b = 0; b < 3; b++)
                    for (size_t q = 0; q < sizeof ks / sizeof ks[0]; q++) {
                        Dual I, g, Ip, Im, gp, gm;
                        double v = vs[a], X = xs[b];
                        ms_mem_eval(&m, ks[q], v, X, &I, &g);
                        double h = 1e-6 * v;
                        ms_mem_eval(&m, -1, v + h, X, &Ip, &gp), ms_mem_eval(&m, -1, v - h, X, &Im, &gm);
                        CHECK_NEAR(g.d[0], (gp.v - gm.v) / (2 * h), 1e-5 * fabs(g.d[0]) + 1e-12 * fabs(g.v / v));
                        h = 1e-6;
                        ms_mem_eval(&m, -1, v, X + h, &Ip, &gp), ms_mem_eval(&m, -1, v, X - h, &Im, &gm);
                        CHECK_NEAR(I.d[1], (Ip.v - Im.v) / (2 * h), 1e-6 * fabs(I.d[1]) + 1e-15);
                        CHECK_NEAR(g.d[1], (gp.v - gm.v) / (2 * h), 1e-5 * fabs(g.d[1]) + 1e-9 * fabs(g.v));
                        double keep = p[ks[q]];
                        h = 1e-6 * keep;
                        p[ks[q]] = keep + h, ms_mem_eval(&m, -1, v, X, &Ip, &gp);
                        p[ks[q]] = keep - h, ms_mem_eval(&m, -1, v, X, &Im, &gm);
                        p[ks[q]] = keep;
                        CHECK_NEAR(I.d[2], (Ip.v - Im.v) / (2 * h), 1e-6 * fabs(I.d[2]) + 1e-18);
                        CHECK_NEAR(g.d[2], (gp.v - gm.v) / (2 * h), 1e-5 * fabs(g.d[2]) + 1e-9 * fabs(g.v / keep));
                    }
        }
}

int main(void)
{
    check_derivatives();
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        check_case(&cases[k]);
    return check_summary("mem_xyce");
}
