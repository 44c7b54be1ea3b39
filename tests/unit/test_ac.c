/* test_ac.c — the .ac analysis against closed-form transfer functions:
 * RC low-pass (|H| = 1/sqrt(1 + (wRC)^2), phase -atan(wRC)), series RLC
 * (capacitor voltage and inductor current through resonance), an inverting
 * E-source stage with a phase-shifted source, a G source, a behavioral
 * source's gain at its bias, a diode's small-signal conductance
 * (I_D + IS)/(n V_T) + gmin at its operating point, its junction capacitance
 * in reverse bias, a memristor (frozen state: dI/dv = 1/R(x0) and dx = 0);
 * the sweep's frequencies; the complex raw and CSV writers read back; the
 * derived .save vectors (p(), {expr}) left out of the AC result while .op
 * keeps them, and .dc and .ac of one work each with its own scale. */
#include "check.h"
#include "memspice.h"
#include "io/result.h"

#include <complex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PI 3.14159265358979323846
#define VT (1.38064852e-23 * 300.15 / 1.6021766208e-19)   /* the diode model's, 27 C */

static int run_ac(const char *text, const char *name, const MsAcSpec *spec, MsResult *res, MsResult *op)
{
    MsCircuit *c = NULL;
    MsWork *w = NULL;
    MsError err = {0};
    memset(res, 0, sizeof *res);
    int rc = ms_circuit_load_string(text, name, &c, &err);
    if (rc == MS_OK)
        rc = ms_work_new(c, &w, &err);
    if (rc == MS_OK && op)
        rc = ms_run_op(w, op, &err);
    if (rc == MS_OK)
        rc = ms_run_ac(w, spec, res, &err);
    CHECK_MSG(rc == MS_OK, "%s: %s", name, err.msg);
    ms_work_free(&w);
    ms_circuit_free(&c);
    return rc;
}

static double complex at(const MsResult *r, const char *vec, size_t k)
{
    int j = ms_result_find(r, vec);
    CHECK_MSG(j >= 0, "no vector %s", vec);
    if (j < 0 || k >= r->npts)
        return NAN;
    size_t i = k * (size_t)r->nvec + (size_t)j;
    return r->data[i] + I * r->imag[i];
}

/* max over the points of |got - want| / max(|want|, floor) */
static double worst_rel(const MsResult *r, const char *vec, double complex (*want)(double f, const void *), const void *ctx,
                        double floor)
{
    double worst = 0;
    for (size_t k = 0; k < r->npts; k++) {
        double complex w = want(r->time[k], ctx), g = at(r, vec, k);
        double e = cabs(g - w) / fmax(cabs(w), floor);
        if (!(e <= worst))
            worst = isnan(e) ? INFINITY : e;
    }
    return worst;
}

static double complex rc_lowpass(double f, const void *ctx)
{
    (void)ctx;
    return 1 / (1 + I * 2 * PI * f * 1e3 * 1e-6);
}

static void test_rc_lowpass(void)
{
    const char *net = "rc low-pass\nv1 in 0 dc 0 ac 1\nr1 in out 1k\nc1 out 0 1u\n.ac dec 10 1 100k\n.end\n";
    MsResult r;
    if (run_ac(net, "rc", NULL, &r, NULL))
        return;
    CHECK(!strcmp(r.plotname, "AC Analysis") && r.scale && !strcmp(r.scale, "frequency") && r.imag);
    CHECK_MSG(r.npts == 51, "dec 10 from 1 Hz to 100 kHz: %zu points, want 51", r.npts);
    for (size_t k = 0; k < r.npts; k++)
        CHECK_NEAR(r.time[k], pow(10, (double)k / 10), 1e-9 * r.time[k]);
    CHECK_MSG(worst_rel(&r, "v(out)", rc_lowpass, NULL, 0) < 1e-12, "RC: H = 1/(1 + jwRC)");
    /* magnitude and phase as the closed form has them */
    double worst_mag = 0, worst_ph = 0;
    for (size_t k = 0; k < r.npts; k++) {
        double wrc = 2 * PI * r.time[k] * 1e-3;
        double complex h = at(&r, "v(out)", k);
        worst_mag = fmax(worst_mag, fabs(cabs(h) - 1 / sqrt(1 + wrc * wrc)));
        worst_ph = fmax(worst_ph, fabs(carg(h) + atan(wrc)));
    }
    CHECK_NEAR(worst_mag, 0, 1e-13);
    CHECK_NEAR(worst_ph, 0, 1e-12);
    /* the source's current: -(1 - H)/R (positive into the + terminal) */
    double complex h = at(&r, "v(out)", 20), iv = at(&r, "i(v1)", 20);
    CHECK_NEAR(cabs(iv + (1 - h) / 1e3), 0, 1e-15);
    ms_result_free(&r);
}

typedef struct Rlc {
    double r, l, c;
} Rlc;

static double complex rlc_vc(double f, const void *ctx)
{
    const Rlc *p = ctx;
    double w = 2 * PI * f;
    return 1 / (1 - w * w * p->l * p->c + I * w * p->r * p->c);
}

static double complex rlc_il(double f, const void *ctx)
{
    const Rlc *p = ctx;
    double w = 2 * PI * f;
    return 1 / (p->r + I * w * p->l + 1 / (I * w * p->c));
}

static void test_rlc(void)
{
    /* f0 = 1/(2 pi sqrt(LC)) = 15.9 kHz, Q = sqrt(L/C)/R = 10 */
    const char *net = "series rlc\nv1 in 0 ac 1\nr1 in a 10\nl1 a b 1m\nc1 b 0 100n\n.ac oct 20 100 1meg\n.end\n";
    Rlc p = {10, 1e-3, 100e-9};
    MsResult r;
    if (run_ac(net, "rlc", NULL, &r, NULL))
        return;
    CHECK_MSG(worst_rel(&r, "v(b)", rlc_vc, &p, 0) < 1e-10, "RLC: capacitor voltage");
    CHECK_MSG(worst_rel(&r, "i(l1)", rlc_il, &p, 0) < 1e-10, "RLC: inductor current");
    /* the peak sits at resonance (within the grid's 2^(1/20) steps) with |H| ~ Q */
    double peak = 0, fpeak = 0;
    for (size_t k = 0; k < r.npts; k++)
        if (cabs(at(&r, "v(b)", k)) > peak) {
            peak = cabs(at(&r, "v(b)", k));
            fpeak = r.time[k];
        }
    CHECK_NEAR(fpeak / 15915.49, 1, 0.018);
    CHECK_MSG(peak > 9 && peak < 10.01, "RLC peak %g, want about Q = 10", peak);
    ms_result_free(&r);
}

static double complex inverting(double f, const void *ctx)
{
    (void)ctx;
    double complex src = 0.5 * cexp(I * 30 * PI / 180);
    return -10 * src / (1 + I * 2 * PI * f * 1e3 * 1e-9);
}

static double complex g_stage(double f, const void *ctx)
{
    (void)ctx;
    /* I = 2 mS v(in) leaves node gout through the source to ground; load 1k || 1n */
    double complex src = 0.5 * cexp(I * 30 * PI / 180), z = 1 / (1e-3 + I * 2 * PI * f * 1e-9);
    return -2e-3 * src * z;
}

static void test_controlled(void)
{
    const char *net = "inverting E stage\nv1 in 0 dc 1 ac 0.5 30\ne1 mid 0 in 0 -10\nr1 mid out 1k\nc1 out 0 1n\n"
                      "g1 gout 0 in 0 2m\nr2 gout 0 1k\nc2 gout 0 1n\n.ac dec 5 1k 10meg\n.end\n";
    MsResult r;
    if (run_ac(net, "e stage", NULL, &r, NULL))
        return;
    CHECK_MSG(worst_rel(&r, "v(out)", inverting, NULL, 0) < 1e-12, "E stage with a 30 degree source");
    CHECK_MSG(worst_rel(&r, "v(gout)", g_stage, NULL, 0) < 1e-12, "G stage");
    ms_result_free(&r);
}

static double complex gain6(double f, const void *ctx)
{
    (void)f, (void)ctx;
    return 6;
}

static void test_behavioral(void)
{
    /* B V = 2 V(in)^2 at V(in) = 1.5: small-signal gain 4 V(in) = 6 */
    const char *net = "behavioral\nv1 in 0 dc 1.5 ac 1\nb1 out 0 v={2*v(in)*v(in)}\nr1 out 0 1k\n.ac lin 3 1 1k\n.end\n";
    MsResult r;
    if (run_ac(net, "behavioral", NULL, &r, NULL))
        return;
    CHECK_MSG(r.npts == 3 && r.time[0] == 1 && r.time[2] == 1000 && r.time[1] == 500.5, "lin 3 from 1 to 1k");
    CHECK_MSG(worst_rel(&r, "v(out)", gain6, NULL, 0) < 1e-12, "B source gain at its bias");
    ms_result_free(&r);
}

static void test_diode(void)
{
    /* forward bias: v(d)/v(a) = 1 / (1 + R g_d), g_d = (I_D + IS)/(n VT) + gmin */
    const char *net = "diode\nv1 a 0 dc 5 ac 1\nr1 a d 1k\nd1 d 0 dm\n.model dm d is=1e-14 n=1.5\n.ac dec 2 1 1meg\n.end\n";
    MsResult r, op;
    if (run_ac(net, "diode", NULL, &r, &op))
        return;
    /* I_D from Shockley at the operating point's v(d) (exact); the resistor's
     * current agrees to the operating point's tolerance (reltol, vntol) */
    double vd = op.data[ms_result_find(&op, "v(d)")], id = 1e-14 * expm1(vd / (1.5 * VT));
    double g = (id + 1e-14) / (1.5 * VT) + 1e-12, want = 1 / (1 + 1e3 * g);
    double worst = 0;
    for (size_t k = 0; k < r.npts; k++)
        worst = fmax(worst, cabs(at(&r, "v(d)", k) - want) / want);
    CHECK_MSG(worst < 1e-9, "diode: v(d) = 1/(1 + R g_d), g_d = %g S, worst relative error %g", g, worst);
    CHECK_MSG(fabs((5 - vd) / 1e3 - id) < 1e-3 * id, "diode bias current %g A, resistor's %g A", id, (5 - vd) / 1e3);
    CHECK_MSG(id > 1e-3 && id < 5e-3, "diode bias current %g A", id);
    ms_result_free(&r);
    ms_result_free(&op);
    /* reverse bias: junction capacitance CJO (1 + 2/VJ)^-M in series with R */
    const char *rev = "diode cj\nv1 a 0 dc -2 ac 1\nr1 a d 10k\nd1 d 0 dm\n.model dm d is=1e-14 cjo=10p vj=0.8 m=0.5\n"
                      ".ac dec 5 1k 100meg\n.end\n";
    if (run_ac(rev, "diode cj", NULL, &r, NULL))
        return;
    double cj = 10e-12 / sqrt(1 + 2 / 0.8), worst_cj = 0;
    for (size_t k = 0; k < r.npts; k++) {
        double complex want_cj = 1 / (1 + I * 2 * PI * r.time[k] * 1e4 * cj);
        worst_cj = fmax(worst_cj, cabs(at(&r, "v(d)", k) - want_cj));
    }
    CHECK_MSG(worst_cj < 1e-6, "reverse-biased diode: RC with the junction capacitance (error %g)", worst_cj);
    ms_result_free(&r);
}

static void test_memristor(void)
{
    /* HP linear drift: R(x0) = ron x0 + roff (1 - x0) = 8050 ohm at x0 = 0.5 and any v;
     * the state is frozen in small signal: dx = 0, the divider is R(x0)/(1k + R(x0)) */
    const char *net = "memristor\nv1 a 0 dc 0.5 ac 1\nr1 a m 1k\nymemristor m1 m 0 hp\n"
                      ".model hp memristor level=1 ron=100 roff=16k x0=0.5\n.ac dec 3 1 1meg\n.end\n";
    MsResult r;
    if (run_ac(net, "memristor", NULL, &r, NULL))
        return;
    int jx = -1;
    for (int j = 0; j < r.nvec; j++)
        if (r.kinds[j] == MS_VEC_STATE)
            jx = j;
    double worst = 0, worst_x = 0;
    for (size_t k = 0; k < r.npts; k++) {
        worst = fmax(worst, cabs(at(&r, "v(m)", k) - 8050.0 / 9050.0));
        if (jx >= 0)
            worst_x = fmax(worst_x, cabs(r.data[k * (size_t)r.nvec + (size_t)jx] + I * r.imag[k * (size_t)r.nvec + (size_t)jx]));
    }
    CHECK_MSG(worst < 1e-12, "memristor divider: error %g", worst);
    CHECK_MSG(jx >= 0 && worst_x == 0, "memristor state: dx = 0 (found %g)", worst_x);
    ms_result_free(&r);
}

static void test_spec_and_sources(void)
{
    /* an explicit request overrides the card; an I source's phasor; a source without AC excites nothing */
    const char *net = "current source\ni1 0 out dc 1m ac 2m 90\nr1 out 0 1k\nv2 x 0 dc 3\nr2 x 0 1k\n.ac dec 1 1 10\n.end\n";
    MsAcSpec s = {MS_AC_LIN, 4, 10, 40};
    MsResult r;
    if (run_ac(net, "isource", &s, &r, NULL))
        return;
    CHECK(r.npts == 4 && r.time[0] == 10 && r.time[1] == 20 && r.time[3] == 40);
    CHECK_NEAR(cabs(at(&r, "v(out)", 2) - 2 * I), 0, 1e-12);   /* 2 mA at 90 degrees into 1k */
    CHECK_NEAR(cabs(at(&r, "v(x)", 2)), 0, 0);
    ms_result_free(&r);
    MsAcSpec octs = {MS_AC_OCT, 2, 1, 8};
    if (run_ac(net, "oct", &octs, &r, NULL))
        return;
    CHECK_MSG(r.npts == 7, "oct 2 from 1 to 8 Hz: %zu points, want 7", r.npts);
    ms_result_free(&r);
    /* bad requests */
    MsCircuit *c = NULL;
    MsWork *w = NULL;
    MsError err = {0};
    CHECK(ms_circuit_load_string(net, "bad", &c, &err) == MS_OK && ms_work_new(c, &w, &err) == MS_OK);
    MsAcSpec bad = {MS_AC_DEC, 10, 100, 10};
    CHECK(ms_run_ac(w, &bad, &r, &err) == MS_ERR_ARG && r.npts == 0);
    MsAcSpec card;
    CHECK(ms_circuit_has_ac(c, &card) && card.sweep == MS_AC_DEC && card.npoints == 1 && card.fstop == 10);
    ms_work_free(&w);
    ms_circuit_free(&c);
}

/* Complex raw (binary and ascii) and CSV files read back equal. */
static void test_round_trip(void)
{
    const char *net = "rlc\nv1 in 0 ac 1 45\nr1 in a 10\nl1 a b 1m\nc1 b 0 100n\n.ac dec 7 100 1meg\n.end\n";
    MsResult r;
    if (run_ac(net, "round trip", NULL, &r, NULL))
        return;
    char dir[] = "/tmp/ms_test_ac_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    const char *fmts[] = {"raw", "rawascii", "csv"};
    for (int f = 0; f < 3; f++) {
        char path[256];
        snprintf(path, sizeof path, "%s/out.%s", dir, f == 2 ? "csv" : "raw");
        MsError err = {0};
        MsResult back;
        int rc = ms_write_result(&r, path, fmts[f], &err);
        CHECK_MSG(rc == MS_OK, "write %s: %s", fmts[f], err.msg);
        rc = f == 2 ? ms_read_csv(path, &back, &err) : ms_read_raw(path, &back, &err);
        CHECK_MSG(rc == MS_OK, "read %s: %s", fmts[f], err.msg);
        if (rc == MS_OK) {
            CHECK(back.npts == r.npts && back.nvec == r.nvec && back.imag && back.scale &&
                  !strcmp(back.scale, "frequency"));
            int same = back.npts == r.npts && back.nvec == r.nvec;
            for (size_t i = 0; same && i < r.npts * (size_t)r.nvec; i++)
                same = back.data[i] == r.data[i] && back.imag[i] == r.imag[i] &&
                       !strcmp(back.names[i % (size_t)r.nvec], r.names[i % (size_t)r.nvec]);
            for (size_t k = 0; same && k < r.npts; k++)
                same = back.time[k] == r.time[k];
            CHECK_MSG(same, "%s: values read back differ", fmts[f]);
            if (f < 2)
                CHECK(!strcmp(back.plotname, "AC Analysis"));
        }
        ms_result_free(&back);
        unlink(path);
    }
    rmdir(dir);
    ms_result_free(&r);
}

/* p() and {expr} have no phasor: the AC result holds v(out) alone, the
 * operating point all three (0.5 V across a 1k/1k divider, 0.25 mW in r1). */
/* ngspice's resistor ac= (the resistance the AC analysis sees) and scale=
 * (multiplies the resistance and ac= alike; so do tc1/tc2 and 1/m): the
 * divider is 1k : 1k at DC and 1k : 3k in AC, v(2) = 0.5 and 0.75. */
static void test_resistor_ac(void)
{
    const char *decks[] = {
        "d\nV1 1 0 DC 1 AC 1\nR1 1 2 1k\nR2 2 0 1k ac=3k\n.ac lin 2 1 10\n.end\n",
        "d\nV1 1 0 DC 1 AC 1\nR1 1 2 1k\nR2 2 0 1 scale=1k ac=3\n.ac lin 2 1 10\n.end\n",
        "d\nV1 1 0 DC 1 AC 1\nR1 1 2 1k\nR2 2 0 2k m=2 ac=6k\n.ac lin 2 1 10\n.end\n",
    };
    for (int k = 0; k < 3; k++) {
        MsResult ac, op;
        if (run_ac(decks[k], "rac.cir", NULL, &ac, &op) != MS_OK)
            continue;
        int j = ms_result_find(&op, "v(2)");
        CHECK_MSG(j >= 0 && fabs(op.data[j] - 0.5) < 1e-12, "deck %d: op v(2) = %g, want 0.5", k, j >= 0 ? op.data[j] : NAN);
        for (size_t i = 0; i < ac.npts; i++)
            CHECK_MSG(cabs(at(&ac, "v(2)", i) - 0.75) < 1e-12, "deck %d: ac v(2) = %g%+gj, want 0.75", k,
                      creal(at(&ac, "v(2)", i)), cimag(at(&ac, "v(2)", i)));
        ms_result_free(&ac);
        ms_result_free(&op);
    }
    MsCircuit *c = NULL;
    MsError err = {0};
    int rc = ms_circuit_load_string("d\nV1 1 0 1\nR1 1 0 1k ac=0\n.end\n", "z.cir", &c, &err);
    CHECK_MSG(rc != MS_OK && strstr(err.msg, "z.cir:3:1") && strstr(err.msg, "zero AC resistance"), "ac=0: %s", err.msg);
    rc = ms_circuit_load_string("d\nV1 1 0 1\nR1 1 0 1k scale=0\n.end\n", "z.cir", &c, &err);
    CHECK_MSG(rc != MS_OK && strstr(err.msg, "z.cir:3:1") && strstr(err.msg, "scale= must be positive"), "scale=0: %s",
              err.msg);
    ms_circuit_free(&c);
}

static void test_derived_saves(void)
{
    const char *net = "derived\nv1 in 0 dc 1 ac 1\nr1 in out 1k\nr2 out 0 1k\n.save v(out) p(r1) {2*v(out)}\n"
                      ".ac lin 3 1 1k\n.end\n";
    MsResult r, op;
    memset(&op, 0, sizeof op);
    if (run_ac(net, "derived", NULL, &r, &op))
        return;
    CHECK_MSG(r.nvec == 1 && !strcmp(r.names[0], "v(out)"), "AC result: %d vectors, want v(out) alone", r.nvec);
    for (size_t k = 0; r.nvec == 1 && k < r.npts; k++) {
        CHECK_NEAR(r.data[k], 0.5, 1e-15);
        CHECK_NEAR(r.imag[k], 0, 1e-15);
    }
    CHECK(op.nvec == 3);
    int jp = ms_result_find(&op, "p(r1)"), je = ms_result_find(&op, "{2*v(out)}");
    CHECK(jp >= 0 && je >= 0);
    if (jp >= 0 && je >= 0) {
        CHECK_NEAR(op.data[jp], 0.25e-3, 1e-15);
        CHECK_NEAR(op.data[je], 1.0, 1e-12);
    }
    ms_result_free(&r);
    ms_result_free(&op);
}

/* One work runs .dc then .ac: each result names its own scale (the writers'
 * one implementation, ms_result_scale / ms_result_scale_kind), and the
 * sweep leaves the source's DC value as it was for the AC bias. */
static void test_dc_then_ac(void)
{
    const char *net = "dc and ac\nv1 in 0 dc 1 ac 1\nr1 in out 1k\nc1 out 0 1u\nd1 out 0 dd\n.model dd d is=1e-14\n"
                      ".dc v1 0 2 0.5\n.ac dec 5 10 1k\n.end\n";
    MsCircuit *c = NULL;
    MsWork *w = NULL;
    MsError err = {0};
    MsResult dc = {0}, ac = {0}, ac2 = {0};
    MsDcSpec ds;
    int rc = ms_circuit_load_string(net, "dc and ac", &c, &err);
    if (rc == MS_OK)
        rc = ms_work_new(c, &w, &err);
    if (rc == MS_OK)
        rc = ms_run_ac(w, NULL, &ac, &err);   /* alone first: the reference */
    if (rc == MS_OK && ms_circuit_has_dc(c, &ds))
        rc = ms_run_dc(w, &ds, &dc, &err);
    if (rc == MS_OK)
        rc = ms_run_ac(w, NULL, &ac2, &err);
    CHECK_MSG(rc == MS_OK, "dc then ac: %s", err.msg);
    if (rc == MS_OK) {
        CHECK(!strcmp(ms_result_scale(&dc), "v(v-sweep)") && ms_result_scale_kind(&dc) == MS_VEC_VOLTAGE && !dc.imag);
        CHECK(!strcmp(ms_result_scale(&ac2), "frequency") && ms_result_scale_kind(&ac2) == MS_VEC_FREQUENCY && ac2.imag);
        CHECK(dc.npts == 5 && ac.npts == ac2.npts && ac.nvec == ac2.nvec);
        int same = ac.npts == ac2.npts && ac.nvec == ac2.nvec;
        for (size_t i = 0; same && i < ac.npts * (size_t)ac.nvec; i++)   /* up to Newton's last update */
            same = cabs((ac.data[i] + I * ac.imag[i]) - (ac2.data[i] + I * ac2.imag[i])) <=
                   1e-9 * cabs(ac.data[i] + I * ac.imag[i]) + 1e-15;
        CHECK_MSG(same, "the AC after a DC sweep differs from the AC alone");
    }
    ms_result_free(&dc);
    ms_result_free(&ac);
    ms_result_free(&ac2);
    ms_work_free(&w);
    ms_circuit_free(&c);
}

int main(void)
{
    test_rc_lowpass();
    test_rlc();
    test_controlled();
    test_behavioral();
    test_diode();
    test_memristor();
    test_spec_and_sources();
    test_round_trip();
    test_resistor_ac();
    test_derived_saves();
    test_dc_then_ac();
    return check_summary("test_ac");
}
