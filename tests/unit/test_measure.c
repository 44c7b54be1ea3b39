/* test_measure.c — .meas against analytic answers: the 10-90 % rise time of
 * a simulated RC step response (RC ln 9), and synthetic waveforms with known
 * crossings, averages and integrals (a ramp, a triangle, a sine over whole
 * periods, a step on an uneven grid); failed measures with their reasons;
 * card errors with their locations. */
#include "check.h"
#include "io/result.h"
#include "memspice.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

/* A circuit that only carries .meas cards: nodes a and b exist. */
static MsCircuit *meas_circuit(const char *cards)
{
    char *text = ms_asprintf("measure test\nv1 a 0 0\nr1 a b 1\nr2 b 0 1\n.param k=3\n.tran 1m 4\n%s.end\n", cards);
    MsCircuit *c = NULL;
    MsError err = {0};
    int rc = ms_circuit_load_string(text, "meas.cir", &c, &err);
    CHECK_MSG(rc == MS_OK, "load: %s", err.msg);
    free(text);
    return c;
}

typedef double (*Fn)(double t);

/* A result with v(a) = fa(t), v(b) = fb(t) at the given times. */
static void synth(MsResult *r, const double *t, size_t n, Fn fa, Fn fb)
{
    ms_result_init(r, "synthetic", "Transient Analysis", 2, 1);
    r->names[0] = ms_strdup("v(a)");
    r->names[1] = ms_strdup("v(b)");
    r->kinds[0] = r->kinds[1] = MS_VEC_VOLTAGE;
    for (size_t k = 0; k < n; k++) {
        double *row = ms_result_add_point(r, t[k]);
        row[0] = fa(t[k]);
        row[1] = fb ? fb(t[k]) : 0;
    }
}

static MsMeasure *run_meas(MsCircuit *c, const MsResult *r, int *n)
{
    MsMeasure *m = calloc((size_t)ms_circuit_num_measures(c) + 1, sizeof *m);
    MsError err = {0};
    CHECK(ms_measure(c, "tran", r, m, n, &err) == MS_OK);
    return m;
}

static const MsMeasure *by_name(const MsMeasure *m, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(m[i].name, name))
            return &m[i];
    printf("FAIL: no measure %s\n", name);
    return &m[0];
}

#define OK_NEAR(m, n, name, want, tol)                                              \
    do {                                                                            \
        const MsMeasure *x_ = by_name(m, n, name);                                  \
        CHECK_MSG(x_->ok, "%s failed: %s", name, x_->why);                          \
        CHECK_NEAR(x_->value, want, tol);                                           \
    } while (0)

static double ramp(double t) { return 3 * t + 1; }
static double triangle(double t) { double f = t - floor(t); return ((long)floor(t) % 2) ? 1 - f : f; }
static double quarter(double t) { (void)t; return 0.25; }
static double sine(double t) { return sin(2 * PI * 1000 * t); }
static double step1(double t) { return t >= 1 ? 1 : 0; }
static double cube(double t) { return t * t * t; }

static void test_rc_rise(void)
{
    /* RC = 1 ms: the 10-90 % rise time of the step response is RC ln 9 */
    const char *net = "rc\nv1 in 0 pulse(0 1 0 1n 1n 1 2)\nr1 in out 1k\nc1 out 0 1u\n.tran 1u 5m\n"
                      ".options reltol=1e-6 vntol=1e-9\n"
                      ".meas tran tr trig v(out) val=0.1 rise=1 targ v(out) val=0.9 rise=1\n"
                      ".meas tran v1m find v(out) at=1m\n"
                      ".meas tran i0 find i(v1) at=2m\n"
                      ".meas tran ratio param='tr/1m'\n.end\n";
    MsCircuit *c = NULL;
    MsWork *w = NULL;
    MsError err = {0};
    MsResult r = {0};
    CHECK(ms_circuit_load_string(net, "rc.cir", &c, &err) == MS_OK);
    CHECK(ms_work_new(c, &w, &err) == MS_OK);
    MsTranSpec spec = {0};
    spec.fixed_step = 1;
    CHECK_MSG(ms_run_tran(w, &spec, &r, &err) == MS_OK, "%s", err.msg);
    int n;
    MsMeasure *m = run_meas(c, &r, &n);
    CHECK(n == 4);
    /* trapezoidal steps of 1 us and linear interpolation of the crossings:
     * the error is far below a step */
    OK_NEAR(m, n, "tr", 1e-3 * log(9.0), 2e-8);
    OK_NEAR(m, n, "v1m", 1 - exp(-1.0), 1e-6);
    OK_NEAR(m, n, "i0", -exp(-2.0) / 1e3, 1e-9);   /* into the + terminal of v1 */
    OK_NEAR(m, n, "ratio", log(9.0), 2e-5);
    free(m);
    ms_result_free(&r);
    ms_work_free(&w);
    ms_circuit_free(&c);
}

static void test_find_at_ramp(void)
{
    MsCircuit *c = meas_circuit(".meas tran f1 find v(a) at=0.37\n.meas tran f2 find v(a) at=0\n"
                                ".meas tran f3 find v(a) at=4\n.meas tran f4 find v(a) at=5\n"
                                ".meas tran f5 find v(a,b) at=1.5\n");
    double t[] = {0, 0.1, 0.35, 0.4, 1.2, 2, 3.3, 4};
    MsResult r;
    synth(&r, t, 8, ramp, quarter);
    int n;
    MsMeasure *m = run_meas(c, &r, &n);
    OK_NEAR(m, n, "f1", 3 * 0.37 + 1, 1e-12);
    OK_NEAR(m, n, "f2", 1, 1e-12);
    OK_NEAR(m, n, "f3", 13, 1e-12);
    const MsMeasure *f4 = by_name(m, n, "f4");
    CHECK(!f4->ok && strstr(f4->why, "out of interval"));
    OK_NEAR(m, n, "f5", 3 * 1.5 + 1 - 0.25, 1e-12);   /* v(a,b) = v(a) - v(b) */
    free(m);
    ms_result_free(&r);
    ms_circuit_free(&c);
}

static void test_when_counts(void)
{
    /* a triangle 0 -> 1 -> 0 -> 1 -> 0 on t = 0..4: v = 0.5 rises at 0.5, 2.5, falls at 1.5, 3.5 */
    MsCircuit *c = meas_circuit(".meas tran r2 when v(a)=0.5 rise=2\n.meas tran f2 when v(a)=0.5 fall=2\n"
                                ".meas tran c3 when v(a)=0.5 cross=3\n.meas tran cl when v(a)=0.5 cross=last\n"
                                ".meas tran rl when v(a)=0.5 rise=last\n.meas tran fl when v(a)=0.5 last\n"
                                ".meas tran any when v(a)=0.5\n.meas tran td when v(a)=0.5 td=1.2\n"
                                ".meas tran two when v(a)=v(b) fall=1\n.meas tran r3 when v(a)=0.5 rise=3\n"
                                ".meas tran fw find v(b) when v(a)=0.75 fall=2\n"
                                ".meas tran dl trig v(a) val=0.5 rise=1 targ v(a) val=0.5 fall=2\n"
                                ".meas tran dat trig at=0.2 targ v(a) val=0.25 rise=2\n"
                                ".meas tran p1 param='r2*k+1'\n.meas tran p2 param='r3+1'\n");
    double t[401];
    for (int k = 0; k <= 400; k++)
        t[k] = k * 0.01;
    MsResult r;
    synth(&r, t, 401, triangle, quarter);
    int n;
    MsMeasure *m = run_meas(c, &r, &n);
    CHECK(n == 15);
    OK_NEAR(m, n, "r2", 2.5, 1e-12);
    OK_NEAR(m, n, "f2", 3.5, 1e-12);
    OK_NEAR(m, n, "c3", 2.5, 1e-12);
    OK_NEAR(m, n, "cl", 3.5, 1e-12);
    OK_NEAR(m, n, "rl", 2.5, 1e-12);
    OK_NEAR(m, n, "fl", 3.5, 1e-12);
    OK_NEAR(m, n, "any", 0.5, 1e-12);
    OK_NEAR(m, n, "td", 1.5, 1e-12);
    OK_NEAR(m, n, "two", 1.75, 1e-12);
    OK_NEAR(m, n, "fw", 0.25, 1e-12);
    OK_NEAR(m, n, "dl", 3.5 - 0.5, 1e-12);
    OK_NEAR(m, n, "dat", 2.25 - 0.2, 1e-12);
    OK_NEAR(m, n, "p1", 2.5 * 3 + 1, 1e-12);
    const MsMeasure *r3 = by_name(m, n, "r3"), *p2 = by_name(m, n, "p2");
    CHECK(!r3->ok && strstr(r3->why, "RISE=3") && strstr(r3->why, "out of interval"));
    CHECK(!p2->ok && strstr(p2->why, "measure 'r3' failed"));
    free(m);
    ms_result_free(&r);
    ms_circuit_free(&c);
}

static void test_averages(void)
{
    /* two periods of a 1 kHz sine on a uniform grid (Simpson's rule) */
    MsCircuit *c = meas_circuit(".meas tran av avg v(a)\n.meas tran rm rms v(a)\n.meas tran mx max v(a)\n"
                                ".meas tran mn min v(a)\n.meas tran pp pp v(a)\n.meas tran in integ v(a) from=0 to=0.25m\n"
                                ".meas tran rh rms v(a) from=0.1m to=0.6m\n");
    double t[201];
    for (int k = 0; k <= 200; k++)
        t[k] = k * 1e-5;
    MsResult r;
    synth(&r, t, 201, sine, NULL);
    int n;
    MsMeasure *m = run_meas(c, &r, &n);
    OK_NEAR(m, n, "av", 0, 1e-12);
    /* k * 1e-5 leaves the steps unequal by more than 100 ulps here and there,
     * so the rule mixes Simpson and trapezoids: discretisation accuracy */
    OK_NEAR(m, n, "rm", sqrt(0.5), 2e-5);
    OK_NEAR(m, n, "mx", 1, 1e-12);
    OK_NEAR(m, n, "mn", -1, 1e-12);
    OK_NEAR(m, n, "pp", 2, 1e-12);
    OK_NEAR(m, n, "in", 1 / (2 * PI * 1000), 1e-7);   /* integral of a quarter period */
    OK_NEAR(m, n, "rh", sqrt(0.5), 2e-5);                /* half a period: also 1/sqrt(2) */
    CHECK_NEAR(sine(by_name(m, n, "mx")->trig), 1, 1e-12);   /* at a peak */
    free(m);
    ms_result_free(&r);
    ms_circuit_free(&c);

    /* ngspice's composite rule on equal steps (Simpson 3/8 twice, then 1/3)
     * integrates a cubic exactly, where trapezoids would be off by 1/256 */
    c = meas_circuit(".meas tran in integ v(a)\n");
    double te[9];
    for (int k = 0; k <= 8; k++)
        te[k] = k / 8.0;
    synth(&r, te, 9, cube, NULL);
    m = run_meas(c, &r, &n);
    OK_NEAR(m, n, "in", 0.25, 1e-15);
    free(m);
    ms_result_free(&r);
    ms_circuit_free(&c);

    /* a step at t = 1 on an uneven grid: AVG weighs the points by time (a plain
     * mean of the 5 samples would be 0.4) */
    c = meas_circuit(".meas tran av avg v(a)\n.meas tran aw avg v(a) from=0.4 to=2\n"
                     ".meas tran in integ v(a)\n.meas tran ie integ v(a) from=2 to=2.5\n"
                     ".meas tran ne avg v(a) from=3.5\n");
    double tu[] = {0, 0.5, 0.999, 1, 3};
    synth(&r, tu, 5, step1, NULL);
    m = run_meas(c, &r, &n);
    OK_NEAR(m, n, "av", (0.5 * 0.001 + 2) / 3, 1e-12);
    OK_NEAR(m, n, "aw", (0.5 * 0.001) / 0.5, 1e-12);   /* points 0.5, 0.999, 1 in [0.4, 2] */
    OK_NEAR(m, n, "in", 0.5 * 0.001 + 2, 1e-12);
    OK_NEAR(m, n, "ie", 0.5, 1e-12);                    /* both ends interpolated */
    const MsMeasure *ne = by_name(m, n, "ne");
    CHECK(!ne->ok && strstr(ne->why, "time points in the window"));
    free(m);
    ms_result_free(&r);
    ms_circuit_free(&c);
}

/* A netlist that must not load; its message must name the place and say what. */
/* Loads net, runs its .dc, measures it. */
static MsMeasure *dc_measures(const char *net, int *n, MsResult *r)
{
    MsCircuit *c = NULL;
    MsWork *w = NULL;
    MsError err = {0};
    MsDcSpec spec;
    *n = 0;
    CHECK_MSG(ms_circuit_load_string(net, "dc.cir", &c, &err) == MS_OK, "%s", err.msg);
    if (!c)
        return calloc(1, sizeof(MsMeasure));
    CHECK(ms_work_new(c, &w, &err) == MS_OK);
    CHECK(ms_circuit_has_dc(c, &spec));
    CHECK_MSG(ms_run_dc(w, &spec, r, &err) == MS_OK, "%s", err.msg);
    MsMeasure *m = calloc((size_t)ms_circuit_num_measures(c) + 1, sizeof *m);
    CHECK(ms_measure(c, "dc", r, m, n, &err) == MS_OK);
    /* names point into the circuit's deck: keep them past its end */
    for (int i = 0; i < *n; i++)
        m[i].name = ms_strdup(m[i].name);
    ms_work_free(&w);
    ms_circuit_free(&c);
    return m;
}

static void free_measures(MsMeasure *m, int n)
{
    for (int i = 0; i < n; i++)
        free((char *)m[i].name);
    free(m);
}

/* .meas dc: a 1k/3k divider (v(out) = 0.75 v1) and a diode's I-V against
 * the Shockley equation solved here. */
static void test_dc_measures(void)
{
    const char *div = "divider\nv1 in 0 1\nr1 in out 1k\nr2 out 0 3k\n.dc v1 0 2 0.1\n"
                      ".meas dc vf find v(out) at=1.05\n"            /* between grid points */
                      ".meas dc vw when v(out)=0.6\n"                 /* at v1 = 0.8 */
                      ".meas dc iw find i(v1) when v(out)=0.3\n"      /* -0.4 V / 4k */
                      ".meas dc va avg v(out)\n"                      /* the whole sweep: 0.75 */
                      ".meas dc vi integ v(out) from=0.55 to=1.45\n"  /* 0.375 (1.45^2 - 0.55^2) */
                      ".meas dc vr rms v(out)\n"                      /* 0.75 * 2/sqrt(3) */
                      ".meas dc vx max v(out)\n.meas dc tt trig v(out) val=0.3 rise=1 targ v(out) val=0.9 rise=1\n"
                      ".meas dc g param='vf/1.05'\n.meas dc never when v(out)=5\n.end\n";
    MsResult r = {0};
    int n;
    MsMeasure *m = dc_measures(div, &n, &r);
    CHECK(n == 10);
    OK_NEAR(m, n, "vf", 0.75 * 1.05, 1e-12);
    OK_NEAR(m, n, "vw", 0.8, 1e-12);
    OK_NEAR(m, n, "iw", -0.4 / 4e3, 1e-15);
    OK_NEAR(m, n, "va", 0.75, 1e-12);
    OK_NEAR(m, n, "vi", 0.375 * (1.45 * 1.45 - 0.55 * 0.55), 1e-12);
    OK_NEAR(m, n, "vr", 0.75 * 2 / sqrt(3.0), 1e-12);   /* Simpson is exact on v^2 */
    OK_NEAR(m, n, "vx", 1.5, 1e-12);
    CHECK_NEAR(by_name(m, n, "vx")->trig, 2, 1e-12);
    OK_NEAR(m, n, "tt", 1.2 - 0.4, 1e-12);
    OK_NEAR(m, n, "g", 0.75, 1e-12);
    CHECK(!by_name(m, n, "never")->ok && strstr(by_name(m, n, "never")->why, "no such crossing"));
    free_measures(m, n);
    ms_result_free(&r);

    /* descending and nested sweeps: measured over the result as it is, one
     * vector in sweep order (ngspice's plot), so a descending integral is
     * the negative of the ascending one */
    const char *desc = "divider\nv1 in 0 1\nv2 b 0 0\nr1 in out 1k\nr2 out b 3k\n.dc v1 2 0 -0.1\n"
                       ".meas dc vi integ v(out)\n.meas dc vf find v(out) at=0.25\n.meas dc va avg v(out)\n.end\n";
    m = dc_measures(desc, &n, &r);
    OK_NEAR(m, n, "vi", -1.5, 1e-12);
    OK_NEAR(m, n, "vf", 0.1875, 1e-12);
    OK_NEAR(m, n, "va", 0.75, 1e-12);
    free_measures(m, n);
    ms_result_free(&r);
    const char *nest = "divider\nv1 in 0 1\nv2 b 0 0\nr1 in out 1k\nr2 out b 3k\n.dc v1 0 2 0.5 v2 0 1 1\n"
                       ".meas dc first when v(out)=1.2\n.meas dc last when v(out)=1.2 cross=last\n"
                       ".meas dc mx max v(out)\n.end\n";
    m = dc_measures(nest, &n, &r);
    /* v(out) = 0.75 v1 + 0.25 v2: 1.2 is reached first at v2 = 0 (v1 = 1.6),
     * last at v2 = 1 (v1 = 0.95/0.75) */
    OK_NEAR(m, n, "first", 1.6, 1e-12);
    OK_NEAR(m, n, "last", 0.95 / 0.75, 1e-12);
    OK_NEAR(m, n, "mx", 1.75, 1e-12);
    free_measures(m, n);
    ms_result_free(&r);

    /* a diode's I-V: where the current reaches 1 mA, against
     * V = N Vt ln(I/IS + 1) (ngspice's Vt at 27 C; gmin's 1e-12 S adds
     * < 1e-9 relative); the 0.1 mV grid's linear interpolation of the
     * exponential errs by < h^2/(8 N Vt) = 5e-8 V */
    const char *dio = "diode\nv1 a 0 0\nd1 a 0 dm\n.model dm d is=1e-14 n=1.2\n.dc v1 0.5 0.8 0.1m\n"
                      ".meas dc v1ma when i(v1)=-1m\n.meas dc i07 find i(v1) at=0.7\n.end\n";
    m = dc_measures(dio, &n, &r);
    double nvt = 1.2 * 1.38064852e-23 * 300.15 / 1.6021766208e-19;
    OK_NEAR(m, n, "v1ma", nvt * log(1e-3 / 1e-14 + 1), 1e-7);
    double i07 = 1e-14 * (exp(0.7 / nvt) - 1);
    OK_NEAR(m, n, "i07", -i07, 1e-6 * i07);
    free_measures(m, n);
    ms_result_free(&r);
}

/* .meas ac of an RC low-pass (R = 1k, C = 1u: fc = 1/(2 pi RC)) against
 * H = 1/(1 + j f/fc), on a 1000-per-decade sweep: linear interpolation in f
 * between points 0.23 % apart errs by well under the tolerances. */
static void test_ac_measures(void)
{
    const char *net = "rc\nv1 in 0 dc 0 ac 1\nr1 in out 1k\nc1 out 0 1u\n.ac dec 1000 1 100k\n"
                      ".meas ac f3 when vdb(out)=-3\n"
                      ".meas ac fc when vdb(out)=-3.0102999566398\n"        /* 10 log10 2: |H| = 1/sqrt 2 */
                      ".meas ac g2k find vdb(out) at=2k\n"
                      ".meas ac m2k find vm(out) at=2k\n"
                      ".meas ac re2k find v(out) at=2k\n"                   /* a plain v(): the real part */
                      ".meas ac r2k find vr(out) at=2k\n"
                      ".meas ac i2k find vi(out) at=2k\n"
                      ".meas ac p2k find vp(out) at=2k\n"                   /* radians */
                      ".meas ac top max vm(out)\n"
                      ".meas ac bw trig vdb(out) val=-1 fall=1 targ vdb(out) val=-10 fall=1\n"
                      ".meas ac ph find vp(out) when vdb(out)=-3.0102999566398\n"
                      ".meas ac ratio param='fc*2*3.14159265358979*1e-3'\n"   /* 2 pi RC fc = 1 */
                      ".end\n";
    MsCircuit *c = NULL;
    MsWork *w = NULL;
    MsError err = {0};
    MsResult r = {0};
    CHECK_MSG(ms_circuit_load_string(net, "ac.cir", &c, &err) == MS_OK, "%s", err.msg);
    if (!c)
        return;
    CHECK(ms_work_new(c, &w, &err) == MS_OK);
    CHECK_MSG(ms_run_ac(w, NULL, &r, &err) == MS_OK, "%s", err.msg);
    int n = 0;
    MsMeasure *m = calloc((size_t)ms_circuit_num_measures(c) + 1, sizeof *m);
    CHECK(ms_measure(c, "ac", &r, m, &n, &err) == MS_OK);
    CHECK(n == 12);
    double fc = 1 / (2 * PI * 1e3 * 1e-6), x = 2e3 / fc, den = 1 + x * x;
    OK_NEAR(m, n, "f3", fc * sqrt(pow(10, 0.3) - 1), 2e-3);
    OK_NEAR(m, n, "fc", fc, 2e-3);
    OK_NEAR(m, n, "g2k", -10 * log10(den), 1e-5);
    OK_NEAR(m, n, "m2k", 1 / sqrt(den), 1e-6);
    OK_NEAR(m, n, "re2k", 1 / den, 1e-6);
    OK_NEAR(m, n, "r2k", 1 / den, 1e-6);
    OK_NEAR(m, n, "i2k", -x / den, 1e-6);
    OK_NEAR(m, n, "p2k", -atan(x), 1e-6);
    OK_NEAR(m, n, "top", 1 / sqrt(1 + 1 / (fc * fc)), 1e-9);   /* at the first point, 1 Hz */
    CHECK_NEAR(by_name(m, n, "top")->trig, 1, 1e-12);
    OK_NEAR(m, n, "bw", fc * (sqrt(9.0) - sqrt(pow(10, 0.1) - 1)), 5e-3);
    OK_NEAR(m, n, "ph", -PI / 4, 1e-5);
    OK_NEAR(m, n, "ratio", 1, 2e-5);
    CHECK(!strcmp(m[0].analysis, "ac"));
    free(m);
    ms_result_free(&r);
    ms_work_free(&w);
    ms_circuit_free(&c);
}

static void bad(const char *cards, const char *where, const char *what)
{
    char *text = ms_asprintf("bad\nv1 a 0 1\nr1 a 0 1\n.tran 1m 4\n%s.end\n", cards);
    MsCircuit *c = NULL;
    MsError err = {0};
    int rc = ms_circuit_load_string(text, "bad.cir", &c, &err);
    CHECK_MSG(rc != MS_OK && strstr(err.msg, where) && strstr(err.msg, what), "'%s': got '%s'", cards, err.msg);
    ms_circuit_free(&c);
    free(text);
}

static void test_errors(void)
{
    bad(".meas tran x deriv v(a) at=1\n", "bad.cir:5:14", "not supported");
    bad(".meas tran x foo v(a)\n", "bad.cir:5:14", "unknown measure 'foo'");
    bad(".meas tran x trig v(a) rise=1 targ v(a) val=1 rise=1\n", "bad.cir:5:14", "TRIG needs VAL=");
    bad(".meas tran x trig v(a) val=1 targ v(a) val=1\n", "bad.cir:5:14", "TRIG needs RISE=");
    bad(".meas tran x when v(nosuch)=1\n", "bad.cir:5:19", "unknown node 'nosuch'");
    bad(".meas tran x avg i(r1)\n", "bad.cir:5:18", "no branch current");
    bad(".meas tran x avg v(a) td=1\n", "bad.cir:5:23", "use FROM=");
    bad(".meas tran x avg v(a) from=2 to=1\n", "bad.cir:5:1", "TO= must be greater");
    bad(".meas tran x when v(a)=1 rise=0\n", "bad.cir:5:31", "count 1, 2, ... or LAST");
    bad(".meas tran x when v(a)=1\n.meas tran x when v(a)=2\n", "bad.cir:6:12", "defined twice");
    bad(".meas dc x when v(a)=1\n", "bad.cir:5:1", "no .dc analysis");   /* the deck runs .tran only */
    bad(".meas ac x when vdb(a)=1\n", "bad.cir:5:1", "no .ac analysis");
    bad(".ac dec 10 1 1k\n.meas ac x when vdb(a,0)=1\n", "bad.cir:6:17", "node pair");
    bad(".ac dec 10 1 1k\n.meas ac x find v(a,0) at=1\n", "bad.cir:6:17", "node pair");
    bad(".ac dec 10 1 1k\n.meas ac x max idb(v1)\n", "bad.cir:6:16", "current form");
    bad(".ac dec 10 1 1k\n.meas ac x max vq(a)\n", "bad.cir:6:16", "'vq(...)' is not supported");
    bad(".ac dec 10 1 1k\n.meas ac x max vdb(nosuch)\n", "bad.cir:6:16", "unknown node 'nosuch'");
    bad(".meas tran x max vdb(a)\n", "bad.cir:5:18", ".meas ac only");
    bad(".meas op x when v(a)=1\n", "bad.cir:5:7", "tran, dc or ac");
    bad(".meas tran x param='y+1'\n.meas tran y when v(a)=1\n", "bad.cir:5:21", "'y' is neither an earlier");
    bad(".meas tran x param='v(a)'\n", "bad.cir:5:21", "reads a signal");
    bad(".meas tran x find v(a)\n", "bad.cir:5:22", "AT=time or WHEN");
    bad(".meas tran x when v(a)=1x2\n", "bad.cir:5:24", "1x2");
    bad(".subckt s a\n.meas tran x when v(a)=1\n.ends\n", "bad.cir:6:1", "inside a .subckt");
    /* a .meas tran without .tran */
    MsCircuit *c = NULL;
    MsError err = {0};
    CHECK(ms_circuit_load_string("t\nr1 a 0 1\n.op\n.meas tran x avg v(a)\n.end\n", "op.cir", &c, &err) != MS_OK &&
          strstr(err.msg, "op.cir:4:1") && strstr(err.msg, "no .tran analysis"));
}

int main(void)
{
    test_rc_rise();
    test_find_at_ramp();
    test_when_counts();
    test_averages();
    test_dc_measures();
    test_ac_measures();
    test_errors();
    return check_summary("test_measure");
}
