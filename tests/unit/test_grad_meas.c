/* test_grad_meas.c — `.loss meas NAME [target=v]`: gradients through .meas
 * tran results (meas_loss.c, measure.c's derivatives) against central finite
 * differences (grad_util.h's Richardson stencil) for every measure kind, on
 * an RC step response (fixed steps) and a diode rectifier (nonlinear, tight
 * tolerances); the rise time's gradient against the closed form
 * d(RC ln 9)/dR = C ln 9; adaptive steps and checkpointing; load and run
 * errors at the .loss card.
 *
 * FD step: crossings and interpolation weights are piecewise linear in the
 * points, so a step that moves a crossing into the next time interval sees a
 * kink: rel_step 1e-6 (the crossing moves by ~1e-9 s, far inside a 2 us
 * step), and the forward solution's round-off divided by that step bounds
 * the agreement: tolerance 1e-5 (observed: 1e-7 .. 1e-9). */
#include "check.h"
#include "grad_util.h"
#include "util/util.h"

#define RC_HEAD                                                                     \
    "rc step\n"                                                                     \
    "V1 in 0 PULSE(0 1 0.1m 1u 1u 5m 10m)\n"                                        \
    "R1 in out 1k\n"                                                                \
    "C1 out 0 1u\n"                                                                 \
    ".tran 2u 6m\n"                                                                 \
    ".meas tran tr TRIG v(out) VAL=0.1 RISE=1 TARG v(out) VAL=0.9 RISE=1\n"        \
    ".meas tran t50 WHEN v(out)=0.5\n"                                              \
    ".meas tran tin WHEN v(in)=v(out) FALL=1\n"                                    \
    ".meas tran vat FIND v(out) AT=1.5003m\n"                                       \
    ".meas tran fw FIND v(out) WHEN v(in)=0.5 FALL=1\n"                                    \
    ".meas tran vavg AVG v(out) FROM=0.5m TO=3.3m\n"                                \
    ".meas tran vint INTEG v(out) FROM=0.55m TO=3.3101m\n"                          \
    ".meas tran vrms RMS v(in,out) FROM=0.55m TO=3.3101m\n"                         \
    ".meas tran vmax MAX v(out) FROM=0 TO=2m\n"                                     \
    ".meas tran imin MIN i(v1) FROM=0 TO=2m\n"                                      \
    ".meas tran ipp PP i(v1) FROM=0.05m TO=2m\n"                                    \
    ".meas tran ratio PARAM='tr*tr/t50 + 2*vint'\n"                                 \
    ".trainable r1 c1 v1\n"

static void test_rc_kinds(void)
{
    static const char *kinds[] = {"tr", "t50", "tin", "vat", "fw", "vavg", "vint", "vrms", "vmax", "imin", "ipp",
                                  "ratio"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        char text[2048], what[64];
        /* a target near the value, so (m - target)^2 has a gradient of the
         * measure's own size, and the plain value */
        snprintf(text, sizeof text, RC_HEAD ".loss meas %s target=1e-3\n.loss meas %s weight=0.5\n.end\n", kinds[i],
                 kinds[i]);
        snprintf(what, sizeof what, "rc .loss meas %s", kinds[i]);
        MsGrad g;
        MsCircuit *c = load(what, text);
        if (!c)
            continue;
        if (grad(what, c, &FIXED, NULL, &g) == MS_OK) {
            fd_check(what, c, &FIXED, NULL, &g, 1e-6, 1e-5);
            ms_grad_free(&g);
        }
        ms_circuit_free(&c);
    }
}

/* The 10-90 % rise time of an RC step response is RC ln 9: its gradient is
 * C ln 9 in R and R ln 9 in C (the 1 us source edge and the 2 us steps move
 * the discrete value by < 1e-3). */
static void test_rise_time_closed_form(void)
{
    MsGrad g;
    MsCircuit *c = load("rise time", RC_HEAD ".loss meas tr\n.end\n");
    if (!c)
        return;
    if (grad("rise time", c, &FIXED, NULL, &g) == MS_OK) {
        CHECK_NEAR(g.loss, 1e-3 * log(9.0), 1e-3 * 1e-3 * log(9.0));
        CHECK_NEAR(g.grad[param_index(&g, "r1")], 1e-6 * log(9.0), 1e-3 * 1e-6 * log(9.0));
        CHECK_NEAR(g.grad[param_index(&g, "c1")], 1e3 * log(9.0), 1e-3 * 1e3 * log(9.0));
        /* the level V moves both crossings of V (1 - exp(-t/RC)):
         * tr = RC ln((V - 0.1)/(V - 0.9)), d tr/dV = RC (1/(V - 0.1) - 1/(V - 0.9)) */
        CHECK_NEAR(g.grad[param_index(&g, "v1")], 1e-3 * (1 / 0.9 - 10), 1e-3 * 1e-3 * (10 - 1 / 0.9));
        ms_grad_free(&g);
    }
    /* adaptive steps: the same gradient to the accuracy of the run, and the
     * adjoint of the accepted steps against FD with tight tolerances */
    MsGrad ga;
    MsCircuit *ct = load("rise time adaptive", RC_HEAD ".options reltol=1e-7 vntol=1e-10\n.loss meas tr\n.end\n");
    if (ct && grad("rise time adaptive", ct, &ADAPTIVE, NULL, &ga) == MS_OK) {
        CHECK_NEAR(ga.grad[param_index(&ga, "r1")], 1e-6 * log(9.0), 2e-3 * 1e-6 * log(9.0));
        /* checkpointed: the same numbers to rounding */
        RunOpts o = {.checkpoint = 7};
        MsGrad gc;
        if (grad("rise time checkpoint 7", ct, &ADAPTIVE, &o, &gc) == MS_OK) {
            check_same("rise time checkpointed", &ga, &gc);
            ms_grad_free(&gc);
        }
        ms_grad_free(&ga);
    }
    ms_circuit_free(&ct);
    ms_circuit_free(&c);
}

/* Nonlinear: a diode rectifier's output crossing, peak, ripple and charge. */
static void test_diode(void)
{
    static const char *kinds[] = {"tup", "vpk", "rip", "q", "vr", "dly"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        char text[2048], what[64];
        snprintf(text, sizeof text,
                 "rectifier\nV1 in 0 SIN(0 2 1k)\nRs in a 10\nD1 a out dmod\nR1 out 0 1k\nC1 out 0 1u\n"
                 ".model dmod d is=1e-14 n=1.5 rs=2 cjo=10p tt=1n\n.tran 2u 3m\n" TIGHT
                 ".meas tran tup WHEN v(out)=0.8 RISE=1\n"
                 ".meas tran vpk MAX v(out) FROM=1m TO=1.6m\n"
                 ".meas tran rip PP v(out) FROM=1.2m TO=2.2m\n"
                 ".meas tran q INTEG i(v1) FROM=1.0001m TO=2.5003m\n"
                 ".meas tran vr RMS v(out) FROM=0.5m\n"
                 ".meas tran dly TRIG v(in) VAL=0.8 RISE=1 TARG v(out) VAL=0.8 RISE=1\n"
                 ".trainable r1 c1 rs\n.loss meas %s\n.end\n",
                 kinds[i]);
        snprintf(what, sizeof what, "diode .loss meas %s", kinds[i]);
        MsGrad g;
        /* the plain value (a target far from a 1e-6 C charge would leave
         * its change in the last digits of the loss) */
        MsCircuit *c = fd_case(what, text, &FIXED, 1e-6, 1e-5, &g);
        if (c) {
            ms_grad_free(&g);
            ms_circuit_free(&c);
        }
    }
}

static void expect_error(const char *what, const char *cards, const char *where, const char *needle)
{
    char *text = ms_asprintf("bad\nV1 in 0 PULSE(0 1 0 1u 1u 1 2)\nR1 in out 1k\nC1 out 0 1u\n.tran 10u 1m\n"
                             ".trainable r1\n.param k=2\n%s.end\n", cards);
    MsCircuit *c = NULL;
    MsError err = {0};
    int rc = ms_circuit_load_string(text, "bad.cir", &c, &err);
    CHECK_MSG(rc < 0 && !c && strstr(err.msg, where) && strstr(err.msg, needle), "%s: rc %d, '%s'", what, rc, err.msg);
    ms_circuit_free(&c);
    free(text);
}

static void test_errors(void)
{
    expect_error("unknown measure", ".loss meas nosuch\n", "bad.cir:8:12", "no .meas named 'nosuch'");
    expect_error("a window on .loss meas", ".meas tran a AVG v(out)\n.loss meas a from=1m\n", "bad.cir:9:14",
                 "target= and weight= only");
    expect_error(".loss meas v(out)", ".loss meas v(out)\n", "bad.cir:8:12", "expects a .meas name");
    expect_error(".meas dc as a loss", ".dc V1 0 1 0.1\n.meas dc d FIND v(out) AT=0.5\n.loss meas d\n", "bad.cir:10:12",
                 "only a .meas tran");
    expect_error("target twice", ".meas tran a AVG v(out)\n.loss meas a target=1 target=2\n", "bad.cir:9:23", "twice");
    /* a PARAM reading a trainable .param (the .params are constants to PARAMs) */
    char *text = ms_asprintf("bad\n.param rv=1k\nV1 in 0 PULSE(0 1 0 1u 1u 1 2)\nR1 in out {rv}\nC1 out 0 1u\n"
                             ".tran 10u 1m\n.meas tran t WHEN v(out)=0.5\n.meas tran p PARAM='t/rv'\n"
                             ".meas tran q PARAM='p*2'\n.trainable rv\n.loss meas q\n.end\n");
    MsCircuit *c = NULL;
    MsError err = {0};
    CHECK_MSG(ms_circuit_load_string(text, "bad.cir", &c, &err) < 0 && strstr(err.msg, "bad.cir:11:12") &&
                  strstr(err.msg, "trainable .param 'rv'"),
              "PARAM with a trainable .param: '%s'", err.msg);
    ms_circuit_free(&c);
    free(text);
    /* a measure that fails on the run: ms_run_grad says which and why */
    c = load("failing", "f\nV1 in 0 PULSE(0 1 0 1u 1u 1 2)\nR1 in out 1k\nC1 out 0 1u\n.tran 10u 1m\n"
                        ".meas tran never WHEN v(out)=2\n.trainable r1\n.loss meas never\n.end\n");
    if (c) {
        MsGrad g;
        int rc = try_grad(c, &FIXED, NULL, &g, &err);
        CHECK_MSG(rc != MS_OK && strstr(err.msg, "failing:8:") && strstr(err.msg, "'.loss meas never'") &&
                      strstr(err.msg, "no such crossing"),
                  "failed measure: rc %d '%s'", rc, err.msg);
        ms_circuit_free(&c);
    }
}

int main(void)
{
    test_rc_kinds();
    test_rise_time_closed_form();
    test_diode();
    test_errors();
    return check_summary("test_grad_meas");
}
