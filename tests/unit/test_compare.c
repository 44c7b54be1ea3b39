/* test_compare.c — the numbers behind `memspice check`: interpolation of a
 * sampled waveform (linear plus the limited quadratic term), the error
 * figures of two waveforms on different time axes in both directions,
 * ngspice's vector names in memspice's spelling, ngspice's error lines, and
 * the removal of memspice-only cards before ngspice sees a netlist. */
#include "check.h"
#include "check/compare.h"
#include "check/ngdeck.h"
#include "check/ngspice_run.h"

#include <stdlib.h>
#include <string.h>

static MsWave W(const double *t, const double *y, size_t n)
{
    return (MsWave){t, y, n, 1};
}

static void test_interp(void)
{
    /* a straight line is reproduced anywhere, and clamped outside */
    double t[] = {0, 1, 3, 4};
    double y[] = {1, 3, 7, 9};
    MsWave w = W(t, y, 4);
    CHECK_NEAR(ms_wave_at(&w, 0.5, NULL), 2.0, 1e-15);
    CHECK_NEAR(ms_wave_at(&w, 2.0, NULL), 5.0, 1e-15);
    CHECK_NEAR(ms_wave_at(&w, 3.0, NULL), 7.0, 1e-15);
    CHECK_NEAR(ms_wave_at(&w, -1.0, NULL), 1.0, 0);
    CHECK_NEAR(ms_wave_at(&w, 5.0, NULL), 9.0, 0);

    /* a parabola (both stencils agree on its curvature) is reproduced exactly,
     * where a straight line would be off by (dt/2)^2 = 0.25 */
    double tp[] = {0, 1, 2, 3, 4, 5};
    double yp[6];
    for (int k = 0; k < 6; k++)
        yp[k] = tp[k] * tp[k];
    MsWave p = W(tp, yp, 6);
    CHECK_NEAR(ms_wave_at(&p, 2.5, NULL), 6.25, 1e-12);
    CHECK_NEAR(ms_wave_at(&p, 0.5, NULL), 0.5, 1e-12);   /* first interval: one stencil, line */

    /* an exponential edge: the quadratic term cuts the straight line's error */
    double te[12], ye[12];
    for (int k = 0; k < 12; k++) {
        te[k] = k;
        ye[k] = exp(0.5 * k);
    }
    MsWave ex = W(te, ye, 12);
    double lin = 0.5 * (ye[5] + ye[6]), truth = exp(2.75);
    double got = ms_wave_at(&ex, 5.5, NULL);
    CHECK_MSG(fabs(got - truth) < 0.3 * fabs(lin - truth), "exp edge: %g vs truth %g (line %g)", got, truth, lin);

    /* a ramp between two breakpoint corners (a PULSE edge in one step) stays
     * a ramp: the two stencils bend opposite ways, the line is kept */
    double tr[] = {0, 1, 2, 3, 4};
    double yr[] = {0, 0, 1, 1, 1};
    MsWave r = W(tr, yr, 5);
    CHECK_NEAR(ms_wave_at(&r, 1.5, NULL), 0.5, 1e-15);
    CHECK_NEAR(ms_wave_at(&r, 1.25, NULL), 0.25, 1e-15);
    /* a flat stretch next to a corner stays flat */
    CHECK_NEAR(ms_wave_at(&r, 0.5, NULL), 0.0, 0);
    CHECK_NEAR(ms_wave_at(&r, 3.5, NULL), 1.0, 0);

    /* a jump (two points at one time): no division by zero, the value after it */
    double tj[] = {0, 1, 1, 2};
    double yj[] = {0, 0, 1, 1};
    MsWave j = W(tj, yj, 4);
    CHECK_NEAR(ms_wave_at(&j, 1.0, NULL), 1.0, 0);
    CHECK_NEAR(ms_wave_at(&j, 0.5, NULL), 0.0, 0);
    CHECK_NEAR(ms_wave_at(&j, 1.5, NULL), 1.0, 0);

    /* a sweep with a hint gives the same values as without */
    size_t hint = 0;
    int same = 1;
    for (double q = -0.5; q < 6; q += 0.01)
        same &= ms_wave_at(&p, q, &hint) == ms_wave_at(&p, q, NULL);
    CHECK(same);

    /* a strided column of a row-major table */
    double table[] = {10, 0, 20, 1, 30, 2};   /* columns: y, other */
    double tt[] = {0, 1, 2};
    MsWave col = {tt, table, 3, 2};
    CHECK_NEAR(ms_wave_at(&col, 0.5, NULL), 15.0, 1e-12);
}

static void test_same_line_different_grids(void)
{
    double ta[] = {0, 0.3, 1.1, 2.0}, ya[4];
    double tb[] = {0, 0.5, 0.7, 1.5, 2.0}, yb[5];
    for (int k = 0; k < 4; k++)
        ya[k] = 2 * ta[k] - 1;
    for (int k = 0; k < 5; k++)
        yb[k] = 2 * tb[k] - 1;
    MsWave a = W(ta, ya, 4), b = W(tb, yb, 5);
    MsWaveErr e;
    CHECK(ms_wave_compare(&a, &b, &e) == 0);
    CHECK_NEAR(e.max_abs, 0, 1e-15);
    CHECK_NEAR(e.nrms, 0, 1e-15);
    CHECK_NEAR(e.scale, 4.0, 1e-15);
    CHECK(e.na == 4 && e.nb == 5);
}

static void test_offset(void)
{
    /* b = a + 0.01 on another grid: every figure is the offset over the range */
    double ta[21], ya[21], tb[13], yb[13];
    for (int k = 0; k < 21; k++) {
        ta[k] = k * 0.05;
        ya[k] = ta[k];
    }
    for (int k = 0; k < 13; k++) {
        tb[k] = k / 12.0;
        yb[k] = tb[k] + 0.01;
    }
    MsWave a = W(ta, ya, 21), b = W(tb, yb, 13);
    MsWaveErr e;
    CHECK(ms_wave_compare(&a, &b, &e) == 0);
    CHECK_NEAR(e.max_abs, 0.01, 1e-12);
    CHECK_NEAR(e.scale, 1.0, 1e-12);   /* the offset does not widen the range */
    CHECK_NEAR(e.max_rel, 0.01, 1e-12);
    CHECK_NEAR(e.nrms, 0.01, 1e-12);
    CHECK_NEAR(e.t0, 0, 0);
    CHECK_NEAR(e.t1, 1, 1e-15);
}

static void test_both_ways(void)
{
    /* b has a spike at t = 1.5 between a's points: a's points see no error
     * (b is 0 at t = 0, 1, 2), b's point at 1.5 sees the whole spike.  The
     * worse direction counts, whichever side is a. */
    double ta[] = {0, 1, 2}, ya[] = {0, 0, 0};
    double tb[] = {0, 1, 1.5, 2}, yb[] = {0, 0, 1, 0};
    MsWave a = W(ta, ya, 3), b = W(tb, yb, 4);
    MsWaveErr e1, e2;
    CHECK(ms_wave_compare(&a, &b, &e1) == 0);
    CHECK(ms_wave_compare(&b, &a, &e2) == 0);
    CHECK_NEAR(e1.max_abs, 1.0, 1e-15);
    CHECK_NEAR(e1.t_max, 1.5, 0);
    CHECK_NEAR(e2.max_abs, 1.0, 1e-15);
    CHECK_NEAR(e2.t_max, 1.5, 0);
    CHECK_NEAR(e1.max_rel, 1.0, 1e-15);   /* range 1 (b's) */
    /* nrms: b's direction, d = (0, 0, 1, 0) at (0, 1, 1.5, 2): the trapezoid
     * integral of d^2 is 0.25 + 0.25 = 0.5 over a span of 2 -> sqrt(0.25) */
    CHECK_NEAR(e1.nrms, 0.5, 1e-15);
    CHECK_NEAR(e2.nrms, 0.5, 1e-15);
}

static void test_nrms_time_weighted(void)
{
    /* a = 0; b = 0 except 2 at the last point of a uniform grid on [0, 4]:
     * integral of d^2 = 0.5 * 4 * 1 = 2, mean 0.5, rms sqrt(0.5), range 2 */
    double t[] = {0, 1, 2, 3, 4}, ya[] = {0, 0, 0, 0, 0}, yb[] = {0, 0, 0, 0, 2};
    MsWave a = W(t, ya, 5), b = W(t, yb, 5);
    MsWaveErr e;
    CHECK(ms_wave_compare(&a, &b, &e) == 0);
    CHECK_NEAR(e.max_abs, 2.0, 0);
    CHECK_NEAR(e.t_max, 4.0, 0);
    CHECK_NEAR(e.nrms, sqrt(0.5) / 2, 1e-15);
    /* the same error on a grid twice as dense near the end weighs the same */
    double t2[] = {0, 1, 2, 3, 3.5, 4}, yb2[] = {0, 0, 0, 0, 1, 2};
    MsWave b2 = W(t2, yb2, 6);
    MsWaveErr e2;
    CHECK(ms_wave_compare(&a, &b2, &e2) == 0);
    /* d = (0,0,0,0,1,2): integral 0.5*1*0.5 + 0.5*(1+4)*0.5 = 1.5 (b's points),
     * a's points see d = 0 except 2 at t = 4: integral 2 -> the worse is 2 */
    CHECK_NEAR(e2.nrms, sqrt(2.0 / 4) / 2, 1e-15);
}

static void test_constant_and_span(void)
{
    /* constant signals: the scale is the magnitude */
    double t[] = {0, 1, 2}, ya[] = {5, 5, 5}, yb[] = {5.001, 5.001, 5.001};
    MsWave a = W(t, ya, 3), b = W(t, yb, 3);
    MsWaveErr e;
    CHECK(ms_wave_compare(&a, &b, &e) == 0);
    CHECK_NEAR(e.scale, 5.001, 1e-15);
    CHECK_NEAR(e.max_rel, 0.001 / 5.001, 1e-12);
    /* constant up to rounding noise: still the magnitude, not the noise */
    double yn1[] = {1, 1 + 4e-16, 1 - 2e-15};
    MsWave n1 = W(t, yn1, 3);
    CHECK(ms_wave_compare(&n1, &n1, &e) == 0);
    CHECK_NEAR(e.scale, 1.0, 1e-14);
    /* both zero: zero error, zero scale, no NaN */
    double z[] = {0, 0, 0};
    MsWave za = W(t, z, 3);
    CHECK(ms_wave_compare(&za, &za, &e) == 0);
    CHECK(e.max_abs == 0 && e.max_rel == 0 && e.nrms == 0 && e.scale == 0);
    /* different spans: compared on the common part only */
    double tc[] = {1, 1.5, 3}, yc[] = {5, 5, 7};
    MsWave c = W(tc, yc, 3);
    CHECK(ms_wave_compare(&a, &c, &e) == 0);
    CHECK_NEAR(e.t0, 1, 0);
    CHECK_NEAR(e.t1, 2, 0);
    CHECK(e.na == 2 && e.nb == 2);
    /* a waveform that starts later (ngspice after uic leaves out t = 0):
     * the other's points before the common span are not used, not even to
     * interpolate (its t = 0 point is an inconsistent initial vector), and the
     * late one is continued along its first two points back to the span's start */
    double tu[] = {0, 1, 2, 3}, yu[] = {0, 1, 1, 1};         /* 0 at t = 0 only */
    double tv[] = {0.5, 2, 3}, yv[] = {1, 1, 1};
    MsWave u = W(tu, yu, 4), v = W(tv, yv, 3);
    CHECK(ms_wave_compare(&u, &v, &e) == 0);
    CHECK_NEAR(e.t0, 0.5, 0);
    CHECK_NEAR(e.max_abs, 0, 0);
    double tl[] = {0, 1, 2}, yl[] = {0, 1, 2};               /* a line */
    double tm[] = {0.25, 1.5, 2}, ym[] = {0.25, 1.5, 2};
    MsWave l = W(tl, yl, 3), m = W(tm, ym, 3);
    CHECK(ms_wave_compare(&l, &m, &e) == 0);
    CHECK_NEAR(e.max_abs, 0, 1e-15);   /* m at 0.25 against l continued back from 1 */
    /* no common span */
    double td[] = {3, 4}, yd[] = {1, 1};
    MsWave d = W(td, yd, 2);
    CHECK(ms_wave_compare(&a, &d, &e) == -1);
    /* NaN in a waveform is an infinite error, never a pass */
    double yn[] = {5, NAN, 5};
    MsWave nn = W(t, yn, 3);
    CHECK(ms_wave_compare(&nn, &a, &e) == 0);
    CHECK(isinf(e.max_abs) && !(e.max_abs <= ms_allowed(e.scale, 1e-3, 1e-6)));
}

static void test_allowed_and_diff(void)
{
    CHECK_NEAR(ms_allowed(2.0, 1e-3, 1e-6), 2.001e-3, 1e-18);
    double ta[] = {0, 1, 2}, ya[] = {0, 1, 2};
    double tb[] = {0, 0.5, 2}, yb[] = {0, 0.75, 2};
    MsWave a = W(ta, ya, 3), b = W(tb, yb, 3);
    double *t, *d;
    size_t n;
    ms_wave_diff(&a, &b, &t, &d, &n);
    CHECK(n == 6);   /* the union of the points, the shared ones twice */
    int sorted = 1;
    for (size_t k = 1; k < n; k++)
        sorted &= t[k] >= t[k - 1];
    CHECK(sorted);
    /* at t = 0.5 a is 0.5, b is 0.75 */
    for (size_t k = 0; k < n; k++)
        if (t[k] == 0.5)
            CHECK_NEAR(d[k], -0.25, 1e-15);
    free(t);
    free(d);
}

static void test_names(void)
{
    struct { const char *ng; int cur; const char *ms; } c[] = {
        {"out", 0, "v(out)"},
        {"X1.N3", 0, "v(x1.n3)"},
        {"v1#branch", 1, "i(v1)"},
        {"l.x1.l1#branch", 1, "i(x1.l1)"},
        {"v.x1.x2.vs#branch", 1, "i(x1.x2.vs)"},
        {"e1#branch", 1, "i(e1)"},
        {"@r1[i]", 0, "@r1[i]"},
        {"v(a,b)", 0, "v(a,b)"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *s = ms_ngname_to_ms(c[i].ng, c[i].cur);
        CHECK_MSG(!strcmp(s, c[i].ms), "%s -> %s, want %s", c[i].ng, s, c[i].ms);
        free(s);
    }
    CHECK(ms_ng_is_error_line("Error: unknown subckt: x1 in out nosuch"));
    CHECK(ms_ng_is_error_line("  error on line 3"));
    CHECK(ms_ng_is_error_line("doAnalyses: TRAN:  Timestep too small; time = 1e-9"));
    CHECK(ms_ng_is_error_line("run simulation(s) aborted"));
    CHECK(!ms_ng_is_error_line("Warning: No job (tran, ac, op etc.) defined:"));
    CHECK(!ms_ng_is_error_line("Circuit: error amplifier"));
    CHECK(!ms_ng_is_error_line("Doing analysis at TEMP = 27.000000 and TNOM = 27.000000"));
}

static void test_deck(void)
{
    const char *net = "deck test\n"
                      "* a comment\n"
                      ".options fixedstep reltol=1e-4\n"
                      "V1 in 0 PULSE(0 1 1m 1u 1u 4m 10m)\n"
                      "+ ; continued\n"
                      "R1 in out 1k\n"
                      ".options fixedstep\n"
                      ".option abstol=1e-12 fixedstep\n"
                      "C1 out 0 1u\n"
                      ".control\nrun\n.endc\n"
                      ".tran 10u 30m\n"
                      ".end\n";
    MsNgDeck d;
    MsError err = {0};
    CHECK(ms_ngdeck_build("deck.cir", net, &d, &err) == MS_OK);
    /* title, 2 .options kept (without fixedstep), V1, R1, C1, .tran, .end */
    CHECK_MSG(d.nlines == 8, "%d lines", d.nlines);
    CHECK(d.lines[d.nlines] == NULL);
    /* ngspice gets a title of its own: a title "*ng_script" would make it run the deck as a script */
    CHECK_MSG(!strcmp(d.lines[0], "memspice check: deck test"), "'%s'", d.lines[0]);
    int fixed = 0, control = 0;
    for (int i = 0; i < d.nlines; i++) {
        fixed += strstr(d.lines[i], "fixedstep") != NULL;
        control += strstr(d.lines[i], "run") != NULL || strstr(d.lines[i], ".control") != NULL;
    }
    CHECK(fixed == 0);
    CHECK(control == 0);
    CHECK(!strcmp(d.lines[1], ".options reltol=1e-4"));
    CHECK_MSG(!strcmp(d.lines[4], ".option abstol=1e-12"), "'%s'", d.lines[4]);
    CHECK(!strcmp(d.lines[d.nlines - 1], ".end"));
    CHECK(d.nnotes == 3);
    CHECK(d.nnotes > 0 && !strcmp(d.notes[0].where, "deck.cir:3") && !strcmp(d.notes[0].what, "fixedstep"));
    CHECK(d.nnotes > 1 && !strcmp(d.notes[1].where, "deck.cir:7"));
    /* every line knows where it came from, for ngspice's "line no. N" */
    CHECK(!strcmp(d.where[0], "deck.cir:1") && !strcmp(d.where[3], "deck.cir:6"));
    ms_ngdeck_free(&d);

    /* the cards of memspice grad are left out; a native Y device stops the
     * check with its file:line (leaving it out would change the circuit) */
    const char *gradnet = "grad cards\nR1 a 0 1k\nV1 a 0 1\n.tran 1u 1m\n.loss value v(a) at=0.5m\n"
                          ".trainable r1\n.end\n";
    CHECK(ms_ngdeck_build("g.cir", gradnet, &d, &err) == MS_OK);
    CHECK_MSG(d.nlines == 5 && d.nnotes == 2, "%d lines, %d notes", d.nlines, d.nnotes);
    ms_ngdeck_free(&d);
    const char *ynet = "native device\nV1 a 0 1\nYMEMRISTOR m1 a 0 mm\n.model mm memristor level=1\n.end\n";
    err = (MsError){0};
    CHECK(ms_ngdeck_build("y.cir", ynet, &d, &err) == MS_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(err.msg, "y.cir:3") && strstr(err.msg, "ymemristor"), "%s", err.msg);
    CHECK(d.lines == NULL && d.nlines == 0);

    /* the table holds fixedstep, and every row says why */
    int found = 0, why = 1;
    for (const MsOnlyRule *r = ms_memspice_only; r->name; r++) {
        found |= r->kind == MS_ONLY_OPTION && !strcmp(r->name, "fixedstep");
        why &= r->why && r->why[0];
    }
    CHECK(found && why);
}

int main(void)
{
    test_interp();
    test_same_line_different_grids();
    test_offset();
    test_both_ways();
    test_nrms_time_weighted();
    test_constant_and_span();
    test_allowed_and_diff();
    test_names();
    test_deck();
    return check_summary("test_compare");
}
