/* test_mem_bounds.c — no memristor state leaves [0, 1]: every level is
 * driven by a square wave of a few volts for many switching times, with
 * chord iterations and plain Newton (.options chord=0), adaptive and fixed
 * steps.  The drives memspice resolves must run and keep min/max x within
 * [0, 1] (to Newton's slack, 1e-9) while switching across most of the
 * range; drives far too fast for the step (hostile) may be refused, but a
 * run that succeeds must keep x inside too.  Before the bounds (the rate
 * zero when it points out of [0, 1] at a bound, a step whose solution lies
 * outside not accepted) TEAM reached x = -74961 and Stanford-PKU -0.63;
 * now the worst is 1 + 9.9e-10 (HP without a window, hostile drive). */
#include "check.h"
#include "memspice.h"

#include <stdio.h>
#include <string.h>

#define SLACK 1e-9   /* MS_MEM_X_SLACK in dev_memristor.c */

typedef struct Drive {
    const char *model;    /* .model parameters */
    double amp, rser, tstep, tstop, period;
    double swing;         /* the least max - min of x a resolved drive must show (0: hostile) */
    int fixed_ok;         /* 1: fixed steps resolve it too (0: a trapezoidal step overshoots a bound: refused) */
} Drive;

/* Runs one drive; returns 0 and the range of x, or the error code. */
static int run(const Drive *d, int chord, int fixed, double *lo, double *hi, MsError *err)
{
    char text[1024];
    snprintf(text, sizeof text,
             "bounds\n.model mdev memristor %s\nV1 in 0 PULSE(-%g %g 0 1n 1n %g %g)\nR1 in a %g\n"
             "Ymemristor m1 a 0 mdev\n.save x(m1)\n.tran %g %g\n.options chord=%d%s\n.end\n",
             d->model, d->amp, d->amp, d->period / 2, d->period, d->rser, d->tstep, d->tstop, chord,
             fixed ? " fixedstep" : "");
    MsCircuit *c = NULL;
    MsWork *w = NULL;
    MsResult r;
    memset(&r, 0, sizeof r);
    int rc = ms_circuit_load_string(text, "bounds.cir", &c, err);
    if (rc == MS_OK)
        rc = ms_work_new(c, &w, err);
    if (rc == MS_OK)
        rc = ms_run_tran(w, &(MsTranSpec){0}, &r, err);
    if (rc == MS_OK) {
        int k = ms_result_find(&r, "x(m1)");
        CHECK(k >= 0);
        *lo = 1e300, *hi = -1e300;
        for (size_t i = 0; k >= 0 && i < r.npts; i++) {
            double x = r.data[i * (size_t)r.nvec + (size_t)k];
            *lo = x < *lo ? x : *lo;
            *hi = x > *hi ? x : *hi;
        }
    }
    ms_result_free(&r);
    ms_work_free(&w);
    ms_circuit_free(&c);
    return rc;
}

static void check_drive(const Drive *d)
{
    for (int mode = 0; mode < 4; mode++) {
        int chord = mode & 1, fixed = mode >> 1;
        double lo = 0, hi = 0;
        MsError err = {0};
        int rc = run(d, chord, fixed, &lo, &hi, &err);
        const char *how = fixed ? (chord ? "fixed, chord" : "fixed, chord=0") : (chord ? "adaptive, chord" : "adaptive, chord=0");
        if (d->swing > 0 && (!fixed || d->fixed_ok))
            CHECK_MSG(rc == MS_OK, "%s (%s): %s", d->model, how, err.msg);
        if (rc != MS_OK)
            continue;
        CHECK_MSG(lo >= -SLACK && hi <= 1 + SLACK, "%s (%s): x in [%.17g, %.17g]", d->model, how, lo, hi - 1);
        CHECK_MSG(hi - lo >= d->swing, "%s (%s): x only in [%g, %g]", d->model, how, lo, hi - 1);
        printf("  %-40s %-18s x in [%.3g, 1 + %.3g]\n", d->model, how, lo, hi - 1);
    }
}

int main(void)
{
    static const Drive drives[] = {
        /* resolved: square waves of many switching times each way */
        {"level=1 window=2 uv=1e-11", 5, 1e3, 1e-6, 0.02, 0.002, 0.8, 1},
        {"level=1 window=1 uv=1e-11 x0=0.5", 5, 1e3, 1e-6, 0.02, 0.002, 0.45, 1},
        {"level=1 window=3 uv=1e-11", 5, 1e3, 1e-6, 0.02, 0.002, 0.8, 1},
        {"level=1 window=0 uv=1e-11", 5, 1e3, 1e-6, 0.02, 0.002, 0.8, 0},   /* trapezoidal overshoot: refused */
        {"level=2 kon=1e-6 koff=1e-6", 3, 1e4, 1e-6, 0.02, 0.002, 0.4, 0},
        {"level=3", 3, 1e3, 1e-6, 0.02, 0.002, 0.8, 1},
        {"level=5", 1, 1e3, 1e-6, 0.005, 0.001, 0.9, 1},
        {"level=6", 1.5, 1e3, 1e-6, 0.02, 0.002, 0.8, 0},
        {"level=7", 1.5, 1e3, 1e-6, 0.02, 0.002, 0.4, 1},
        /* hostile: rates of 1e10..1e19 /s against microsecond steps */
        {"level=1 window=0 uv=1e-9", 5, 1e3, 1e-6, 0.02, 0.002, 0, 0},
        {"level=2", 5, 1e3, 1e-5, 0.02, 0.002, 0, 0},
        {"level=2", 3, 1e4, 1e-7, 0.01, 0.001, 0, 0},
        {"level=6", 3, 1e3, 1e-6, 0.02, 0.002, 0, 0},
        {"level=7", 3, 1e3, 1e-6, 0.02, 0.002, 0, 0},
    };
    for (size_t i = 0; i < sizeof drives / sizeof drives[0]; i++)
        check_drive(&drives[i]);
    return check_summary("mem_bounds");
}
