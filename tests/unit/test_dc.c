/* test_dc.c — the .dc analysis against results computed here, independently
 * of memspice: a resistive divider, a diode with a series resistor (the
 * Shockley equation solved by bisection), an I-source sweep, a nested sweep
 * (shape and values), a descending sweep, a native memristor at its x0, the
 * card's errors, and the scale name through the raw and CSV writers and
 * readers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "io/result.h"
#include "memspice.h"
#include "tmp_util.h"

/* Load text, run its .dc (rc of the first failing step; err says why). */
static int dc_of_text(const char *text, MsResult *res, MsError *err)
{
    MsCircuit *c = NULL;
    MsWork *w = NULL;
    MsDcSpec spec;
    memset(res, 0, sizeof *res);
    err->msg[0] = 0;
    int rc = ms_circuit_load_string(text, "dc.cir", &c, err);
    if (rc == MS_OK && !ms_circuit_has_dc(c, &spec))
        rc = MS_ERR_ARG;
    if (rc == MS_OK)
        rc = ms_work_new(c, &w, err);
    if (rc == MS_OK)
        rc = ms_run_dc(w, &spec, res, err);
    ms_work_free(&w);
    ms_circuit_free(&c);
    return rc;
}

static double at(const MsResult *r, size_t k, const char *name)
{
    int j = ms_result_find(r, name);
    if (j < 0 || k >= r->npts) {
        printf("  (no %s at point %zu)\n", name, k);
        return NAN;
    }
    return r->data[k * (size_t)r->nvec + (size_t)j];
}

static void test_divider(void)
{
    MsResult r;
    MsError err;
    int rc = dc_of_text("divider\nv1 in 0 5\nr1 in out 1k\nr2 out 0 3k\n.dc v1 0 2 0.5\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "divider: %s", err.msg);
    CHECK(r.npts == 5);
    CHECK(r.plotname && !strcmp(r.plotname, "DC transfer characteristic"));
    CHECK(r.scale && !strcmp(r.scale, "v(v-sweep)"));
    for (size_t k = 0; k < r.npts; k++) {
        double v = 0.5 * (double)k;
        CHECK_NEAR(r.time[k], v, 1e-15);
        CHECK_NEAR(at(&r, k, "v(out)"), 0.75 * v, 1e-12);
        CHECK_NEAR(at(&r, k, "i(v1)"), -v / 4000, 1e-15);
    }
    ms_result_free(&r);
}

/* v = 1 V through 1 kOhm into a diode: (V - vd) / R = IS (exp(vd / Vt) - 1) + gmin vd */
static double diode_vd(double v)
{
    const double is = 1e-14, r = 1e3, gmin = 1e-12;
    const double vt = 1.38064852e-23 * 300.15 / 1.6021766208e-19;
    double lo = -1, hi = v > 0 ? v : 0;
    if (v < 0)
        lo = v;
    for (int i = 0; i < 200; i++) {
        double m = 0.5 * (lo + hi);
        double f = (v - m) / r - is * expm1(m / vt) - gmin * m;
        if (f > 0)
            lo = m;
        else
            hi = m;
    }
    return 0.5 * (lo + hi);
}

/* Newton stops when its update is within reltol |v| + vntol: with the
 * default reltol (1e-3) that is the tolerance, with reltol=1e-9 the
 * solution is exact to rounding. */
static void diode_case(const char *options, double reltol)
{
    MsResult r;
    MsError err;
    char text[512];
    /* coarse steps (0.1 V) on purpose: continuation has to make them */
    snprintf(text, sizeof text, "diode\nv1 a 0 0\nr1 a k 1k\nd1 k 0 dm\n.model dm d is=1e-14 n=1\n%s\n"
             ".dc v1 -1 2 0.1\n.end\n", options);
    int rc = dc_of_text(text, &r, &err);
    CHECK_MSG(rc == MS_OK, "diode: %s", err.msg);
    CHECK(r.npts == 31);
    double worst = 0;
    for (size_t k = 0; k < r.npts; k++) {
        double v = -1 + 0.1 * (double)k;
        CHECK_NEAR(r.time[k], v, 1e-12);
        double want = diode_vd(v), got = at(&r, k, "v(k)"), tol = reltol * fabs(want) + 1e-6 * reltol / 1e-3;
        worst = fmax(worst, fabs(got - want));
        CHECK_NEAR(got, want, tol);
        CHECK_NEAR(at(&r, k, "i(v1)"), -(v - got) / 1e3, 1e-15);
    }
    printf("  diode I-V (%s): 31 points, worst |v(k) - Shockley| = %.2e V\n", options[0] ? options : "defaults", worst);
    ms_result_free(&r);
}

static void test_diode(void)
{
    diode_case("", 1e-3);
    diode_case(".options reltol=1e-9", 1e-9);
}

static void test_isource(void)
{
    MsResult r;
    MsError err;
    int rc = dc_of_text("isrc\ni1 0 a 1m\nr1 a 0 2k\n.dc i1 0 3m 1m\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "isource: %s", err.msg);
    CHECK(r.npts == 4);
    CHECK(r.scale && !strcmp(r.scale, "i(i-sweep)"));
    for (size_t k = 0; k < r.npts; k++) {
        CHECK_NEAR(r.time[k], 1e-3 * (double)k, 1e-15);
        CHECK_NEAR(at(&r, k, "v(a)"), 2e3 * 1e-3 * (double)k, 1e-12);
    }
    ms_result_free(&r);
}

/* inner v1 0..1 by 0.5 (3 values), outer i2 0..2m by 1m (3 values):
 * KCL at a: i(v1) = i2 - v1 / 1k */
static void test_nested(void)
{
    MsResult r;
    MsError err;
    int rc = dc_of_text("nested\nv1 a 0 0\ni2 0 a 1m\nr1 a 0 1k\n.dc v1 0 1 0.5 i2 0 2m 1m\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "nested: %s", err.msg);
    CHECK(r.npts == 9);
    CHECK(r.scale && !strcmp(r.scale, "v(v-sweep)"));
    for (size_t k = 0; k < r.npts && r.npts == 9; k++) {
        double v = 0.5 * (double)(k % 3), i2 = 1e-3 * (double)(k / 3);
        CHECK_NEAR(r.time[k], v, 1e-15);
        CHECK_NEAR(at(&r, k, "v(a)"), v, 1e-15);
        CHECK_NEAR(at(&r, k, "i(v1)"), i2 - v / 1e3, 1e-15);
    }
    ms_result_free(&r);
}

static void test_descending(void)
{
    MsResult r;
    MsError err;
    int rc = dc_of_text("down\nv1 a 0 0\nr1 a 0 1k\n.dc v1 1 0 -0.25\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "descending: %s", err.msg);
    CHECK(r.npts == 5);
    for (size_t k = 0; k < r.npts; k++)
        CHECK_NEAR(r.time[k], 1 - 0.25 * (double)k, 1e-15);
    ms_result_free(&r);
    /* 0 to 1 in steps of 0.1: eleven points, the last one exactly 1 */
    rc = dc_of_text("tenths\nv1 a 0 0\nr1 a 0 1k\n.dc v1 0 1 0.1\n.end\n", &r, &err);
    CHECK(rc == MS_OK && r.npts == 11 && r.time[10] == 1.0);
    ms_result_free(&r);
}

/* HP memristor held at x0: R = Ron x0 + Roff (1 - x0), i = v / R. */
static void test_memristor(void)
{
    MsResult r;
    MsError err;
    int rc = dc_of_text("mem\nv1 a 0 0\nymemristor m1 a 0 mb\n"
                        ".model mb memristor level=1 ron=100 roff=16k d=10n uv=1e-14 p=1 window=2 x0=0.25\n"
                        ".dc v1 -1 1 0.5\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "memristor: %s", err.msg);
    double rx = 100 * 0.25 + 16e3 * 0.75;
    for (size_t k = 0; k < r.npts; k++) {
        double v = -1 + 0.5 * (double)k;
        CHECK_NEAR(at(&r, k, "i(v1)"), -v / rx, 1e-12);
    }
    CHECK(r.npts == 5);
    ms_result_free(&r);
}

/* The sweep leaves the work's sources as they were: an .op after it sees 5 V. */
static void test_restores_source(void)
{
    MsCircuit *c = NULL;
    MsWork *w = NULL;
    MsError err = {0};
    MsDcSpec spec;
    MsResult dc = {0}, op = {0};
    int rc = ms_circuit_load_string("restore\nv1 a 0 5\nr1 a 0 1k\n.dc v1 0 1 1\n.end\n", "r.cir", &c, &err);
    if (rc == MS_OK)
        rc = ms_work_new(c, &w, &err);
    CHECK(rc == MS_OK && ms_circuit_has_dc(c, &spec) && spec.nsweeps == 1 && !strcmp(spec.sweep[0].source, "v1"));
    if (rc == MS_OK)
        rc = ms_run_dc(w, &spec, &dc, &err);
    if (rc == MS_OK)
        rc = ms_run_op(w, &op, &err);
    CHECK_MSG(rc == MS_OK, "restore: %s", err.msg);
    if (rc == MS_OK)
        CHECK_NEAR(op.data[ms_result_find(&op, "v(a)")], 5, 1e-12);
    /* API misuse: a clear MS_ERR_ARG, no result */
    ms_result_free(&op);
    MsDcSpec bad = spec;
    bad.sweep[0].source = "v9";
    CHECK(ms_run_dc(w, &bad, &op, &err) == MS_ERR_ARG && strstr(err.msg, "v9") && op.npts == 0);
    bad = spec;
    bad.sweep[0].incr = 0;
    CHECK(ms_run_dc(w, &bad, &op, &err) == MS_ERR_ARG && strstr(err.msg, "INCR"));
    bad = spec;
    bad.nsweeps = 3;
    CHECK(ms_run_dc(w, &bad, &op, &err) == MS_ERR_ARG);
    bad = spec;
    bad.sweep[0].stop = 1e300;
    bad.sweep[0].incr = 1e-300;
    CHECK(ms_run_dc(w, &bad, &op, &err) == MS_ERR_ARG && strstr(err.msg, "points"));
    ms_result_free(&dc);
    ms_result_free(&op);
    ms_work_free(&w);
    ms_circuit_free(&c);
}

static void expect_error(const char *card, int code, const char *part)
{
    char text[512];
    snprintf(text, sizeof text, "bad\nv1 a 0 1\nr1 a 0 1k\ni1 0 a 1m\n%s\n.end\n", card);
    MsCircuit *c = NULL;
    MsError err = {0};
    int rc = ms_circuit_load_string(text, "bad.cir", &c, &err);
    CHECK_MSG(rc == code && strstr(err.msg, part) && strstr(err.msg, "bad.cir:5:"),
              "'%s': rc %d, message '%s' (want %d, '%s')", card, rc, err.msg, code, part);
    ms_circuit_free(&c);
}

static void test_errors(void)
{
    expect_error(".dc v1 0 1 0", MS_ERR_SYNTAX, "INCR must not be 0");
    expect_error(".dc v1 0 1 -0.1", MS_ERR_SYNTAX, "sign of STOP - START");
    expect_error(".dc v1 1 0 0.1", MS_ERR_SYNTAX, "sign of STOP - START");
    expect_error(".dc v1 0 1", MS_ERR_SYNTAX, "SRC START STOP INCR");
    expect_error(".dc v1 0 1 0.1 i1 0", MS_ERR_SYNTAX, "SRC START STOP INCR");
    expect_error(".dc v9 0 1 0.1", MS_ERR_SEMANTIC, "no independent V or I source named 'v9'");
    expect_error(".dc temp 0 100 10", MS_ERR_UNSUPPORTED, "'.dc temp' is not supported");
    expect_error(".dc r1 1k 2k 100", MS_ERR_UNSUPPORTED, "resistor sweeps are not supported");
    expect_error(".dc v1 0 1 1e-12", MS_ERR_SEMANTIC, "more than");
    expect_error(".dc v1 0 1 1e-5 i1 0 1 1e-4", MS_ERR_SEMANTIC, "more than the limit");
    expect_error(".dc v1 0 1 0.5 v1 0 1 0.5", MS_ERR_SEMANTIC, "swept twice");
    expect_error(".dc v1 0 {1/0} 0.5", MS_ERR_EVAL, "division by zero");
}

/* The scale's name and values survive every writer and reader. */
static void test_io(void)
{
    MsResult r, back;
    MsError err;
    int rc = dc_of_text("io\nv1 a 0 0\nr1 a b 1k\nr2 b 0 1k\n.dc v1 0 1 0.5\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "io: %s", err.msg);
    if (rc != MS_OK)
        return;
    const char *fmts[] = {"raw", "rawascii", "csv"};
    for (int f = 0; f < 3; f++) {
        char path[128];
        snprintf(path, sizeof path, "%s/out.%s", tmpdir, f == 2 ? "csv" : "raw");
        rc = ms_write_result(&r, path, fmts[f], &err);
        CHECK_MSG(rc == MS_OK, "%s: %s", fmts[f], err.msg);
        rc = f == 2 ? ms_read_csv(path, &back, &err) : ms_read_raw(path, &back, &err);
        CHECK_MSG(rc == MS_OK, "read %s: %s", fmts[f], err.msg);
        if (rc != MS_OK)
            continue;
        CHECK_MSG(back.scale && !strcmp(back.scale, "v(v-sweep)"), "%s: scale %s", fmts[f],
                  back.scale ? back.scale : "NULL");
        CHECK(back.plotname && !strcmp(back.plotname, "DC transfer characteristic"));
        CHECK(back.npts == 3 && back.nvec == r.nvec && back.time);
        for (size_t k = 0; k < back.npts && back.time; k++) {
            CHECK(back.time[k] == r.time[k]);
            CHECK(at(&back, k, "v(b)") == at(&r, k, "v(b)"));
        }
        ms_result_free(&back);
    }
    char h5[128];
    snprintf(h5, sizeof h5, "%s/out.h5", tmpdir);
    rc = ms_write_result(&r, h5, NULL, &err);
    CHECK_MSG(rc == MS_OK, "h5: %s", err.msg);
    ms_result_free(&r);
}

int main(void)
{
    if (!tmp_begin("dc"))
        return 1;
    test_divider();
    test_diode();
    test_isource();
    test_nested();
    test_descending();
    test_memristor();
    test_restores_source();
    test_errors();
    test_io();
    return tmp_end("dc");
}
