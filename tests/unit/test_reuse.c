/* test_reuse.c — one loaded circuit, many runs: transients with different
 * source overrides (ms_work_set_source_dc / _pwl) run one after the other
 * on one MsWork, then the same overrides in two threads, each with its own
 * MsWork and in a different order.  Every run of an override must give
 * bit-identical results (time points and values) wherever and whenever it
 * runs, and different overrides must give different results. */
#include "check.h"
#include "memspice.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A nonlinear circuit (diode clamp with an RC), the same from uic and a
 * linear one.  With uic nothing factors before the first step, a backward
 * Euler step with a = h; the uic netlist's times are multiples of
 * h = 2^-20 s, so that its fixed-step runs end with such a step (the PULSE
 * corner at 73 h, tstop = 74 h, all exact): factors left by the run before
 * would match the first step's, and must not be reused. */
#define DIODE_CLAMP                                 \
    "V2 bias 0 DC 0.5\n"                             \
    "R1 in a 1k\n"                                   \
    "D1 a out dmod\n"                                \
    "C1 out 0 10n\n"                                 \
    "R2 out bias 5k\n"                               \
    "D2 0 a dmod\n"                                  \
    ".model dmod D(is=1e-14 n=1.05 rs=5 cjo=2p tt=1n)\n"
static const char *netlists[3] = {
    "diode clamp driven by V1, biased by V2\n"
    "V1 in 0 PULSE(0 2 5u 1u 1u 20u 50u)\n" DIODE_CLAMP
    ".tran 0.5u 100u\n"
    ".end\n",
    "diode clamp from uic\n"
    "V1 in 0 PULSE(0 2 7.62939453125e-06 9.5367431640625e-07 9.5367431640625e-07 1.52587890625e-05 "
    "6.103515625e-05)\n" DIODE_CLAMP
    ".tran 9.5367431640625e-07 7.05718994140625e-05 uic\n"
    ".end\n",
    "linear RLC ladder driven by V1 and V2\n"
    "V1 in 0 PULSE(0 1 2u 1u 1u 10u 30u)\n"
    "V2 b2 0 DC 0\n"
    "R1 in a 100\n"
    "L1 a b 100u\n"
    "C1 b 0 10n\n"
    "R2 b c 1k\n"
    "C2 c 0 1n\n"
    "R3 c b2 2k\n"
    ".tran 0.2u 60u\n"
    ".end\n",
};

#define NOV 6

typedef struct Override {
    const char *desc;
    int fixed;            /* fixed-step run */
    double v1_dc;         /* NAN: no DC override of v1 */
    int v1_npwl;
    double t[6], v[6];
    double v2_dc;         /* NAN: none */
} Override;

static const Override overrides[NOV] = {
    {"netlist waveforms", 0, NAN, 0, {0}, {0}, NAN},
    {"v1 dc 1.5", 0, 1.5, 0, {0}, {0}, NAN},
    {"v1 pwl A", 0, NAN, 4, {0, 10e-6, 30e-6, 45e-6}, {0, 3, -1, 2}, NAN},
    {"v1 pwl B, v2 dc", 0, NAN, 5, {0, 1e-6, 2e-6, 20e-6, 40e-6}, {0.2, 2.5, 0.1, 1.7, 0}, 1.0},
    {"v1 pwl A, fixed step", 1, NAN, 4, {0, 10e-6, 30e-6, 45e-6}, {0, 3, -1, 2}, NAN},
    {"v2 dc only, fixed step", 1, NAN, 0, {0}, {0}, -0.7},
};

typedef struct Run {
    int rc;
    MsResult res;
} Run;

static int apply(MsWork *w, const Override *o, MsError *err)
{
    ms_work_clear_sources(w);
    int rc = MS_OK;
    if (!isnan(o->v1_dc))
        rc = ms_work_set_source_dc(w, "v1", o->v1_dc, err);
    if (rc == MS_OK && o->v1_npwl)
        rc = ms_work_set_source_pwl(w, "v1", o->v1_npwl, o->t, o->v, err);
    if (rc == MS_OK && !isnan(o->v2_dc))
        rc = ms_work_set_source_dc(w, "v2", o->v2_dc, err);
    return rc;
}

static void run_one(MsWork *w, int k, Run *out)
{
    MsError err = {0};
    MsTranSpec spec = {0};
    spec.fixed_step = overrides[k].fixed;
    memset(&out->res, 0, sizeof out->res);
    out->rc = apply(w, &overrides[k], &err);
    if (out->rc == MS_OK)
        out->rc = ms_run_tran(w, &spec, &out->res, &err);
    if (out->rc)
        printf("  run '%s' failed: %s\n", overrides[k].desc, err.msg);
}

/* 1 if two results are bit for bit the same. */
static int same(const MsResult *a, const MsResult *b)
{
    if (a->npts != b->npts || a->nvec != b->nvec || !a->time || !b->time)
        return 0;
    return !memcmp(a->time, b->time, a->npts * sizeof *a->time) &&
           !memcmp(a->data, b->data, a->npts * (size_t)a->nvec * sizeof *a->data);
}

typedef struct Job {
    const MsCircuit *c;
    int order[NOV];
    Run runs[NOV];       /* indexed by override */
    int rc;
    char msg[MS_ERRMSG_MAX];
} Job;

static void *worker(void *p)
{
    Job *j = p;
    MsWork *w = NULL;
    MsError err = {0};
    j->rc = ms_work_new(j->c, &w, &err);
    if (j->rc) {
        snprintf(j->msg, sizeof j->msg, "%s", err.msg);
        return NULL;
    }
    for (int i = 0; i < NOV; i++)
        run_one(w, j->order[i], &j->runs[j->order[i]]);
    ms_work_free(&w);
    return NULL;
}

static void test_circuit(const char *text)
{
    MsCircuit *c = NULL;
    MsError err = {0};
    int rc = ms_circuit_load_string(text, "reuse.cir", &c, &err);
    CHECK_MSG(rc == MS_OK, "load: %s", err.msg);
    if (rc)
        return;
    printf("  %.*s\n", (int)strcspn(text, "\n"), text);

    /* sequential, one work; then every override again on the same work */
    Run seq[NOV], again[NOV];
    MsWork *w = NULL;
    CHECK(ms_work_new(c, &w, &err) == MS_OK);
    for (int k = 0; k < NOV; k++)
        run_one(w, k, &seq[k]);
    for (int k = NOV - 1; k >= 0; k--)
        run_one(w, k, &again[k]);
    ms_work_free(&w);
    for (int k = 0; k < NOV; k++) {
        CHECK_MSG(seq[k].rc == MS_OK && seq[k].res.npts > 10, "'%s': rc %d, %zu points", overrides[k].desc,
                  seq[k].rc, seq[k].res.npts);
        CHECK_MSG(same(&seq[k].res, &again[k].res), "'%s': a second run on the same work differs (%zu vs %zu points)",
                  overrides[k].desc, seq[k].res.npts, again[k].res.npts);
    }
    /* different overrides, different waveforms (compare v(out)/v(c) rows) */
    for (int a = 0; a < NOV; a++)
        for (int b = a + 1; b < NOV; b++)
            CHECK_MSG(!same(&seq[a].res, &seq[b].res), "'%s' and '%s' gave the same result", overrides[a].desc,
                      overrides[b].desc);
    /* the overrides really act: a DC override holds v(in) at its value */
    int jin = ms_result_find(&seq[1].res, "v(in)");
    CHECK(jin >= 0);
    if (jin >= 0 && seq[1].rc == MS_OK) {
        double worst = 0;
        for (size_t i = 1; i < seq[1].res.npts; i++)   /* t = 0 with uic: the initial condition */
            worst = fmax(worst, fabs(seq[1].res.data[i * (size_t)seq[1].res.nvec + (size_t)jin] - 1.5));
        CHECK_MSG(worst < 1e-12, "v(in) strays %g from the DC override", worst);
    }
    /* the PWL override is followed at its corners */
    jin = ms_result_find(&seq[2].res, "v(in)");
    for (size_t i = 0; jin >= 0 && i < seq[2].res.npts; i++) {
        double t = seq[2].res.time[i];
        for (int q = 0; q < overrides[2].v1_npwl; q++)
            if (t == overrides[2].t[q])
                CHECK_NEAR(seq[2].res.data[i * (size_t)seq[2].res.nvec + (size_t)jin], overrides[2].v[q], 1e-12);
    }

    /* two threads, each with its own work, in opposite orders */
    Job jobs[2];
    memset(jobs, 0, sizeof jobs);
    pthread_t th[2];
    for (int t = 0; t < 2; t++) {
        jobs[t].c = c;
        for (int i = 0; i < NOV; i++)
            jobs[t].order[i] = t == 0 ? i : NOV - 1 - i;
        CHECK(pthread_create(&th[t], NULL, worker, &jobs[t]) == 0);
    }
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < 2; t++) {
        CHECK_MSG(jobs[t].rc == MS_OK, "thread %d: %s", t, jobs[t].msg);
        for (int k = 0; k < NOV && jobs[t].rc == MS_OK; k++) {
            CHECK_MSG(jobs[t].runs[k].rc == MS_OK, "thread %d '%s' failed", t, overrides[k].desc);
            CHECK_MSG(same(&seq[k].res, &jobs[t].runs[k].res),
                      "thread %d '%s': differs from the sequential run (%zu vs %zu points)", t, overrides[k].desc,
                      jobs[t].runs[k].res.npts, seq[k].res.npts);
            ms_result_free(&jobs[t].runs[k].res);
        }
    }
    for (int k = 0; k < NOV; k++) {
        ms_result_free(&seq[k].res);
        ms_result_free(&again[k].res);
    }

    /* bad overrides are refused and name the source */
    CHECK(ms_work_new(c, &w, &err) == MS_OK);
    CHECK(ms_work_set_source_dc(w, "vnosuch", 1, &err) == MS_ERR_ARG && strstr(err.msg, "vnosuch"));
    double t2[2] = {1e-6, 1e-6}, v2[2] = {0, 1};
    CHECK(ms_work_set_source_pwl(w, "v1", 2, t2, v2, &err) == MS_ERR_ARG);
    CHECK(ms_work_set_source_pwl(w, "v1", 0, t2, v2, &err) == MS_ERR_ARG);
    ms_work_free(&w);
    CHECK(w == NULL);
    ms_circuit_free(&c);
}

/* ms_work_set_max_steps: a run that needs more tries ends with
 * MS_ERR_TIMESTEP and a message; the same work without the limit (and a
 * limit above what the run needs) runs to the end, unchanged. */
static void test_max_steps(void)
{
    MsCircuit *c = NULL;
    MsError err = {0};
    CHECK(ms_circuit_load_string(netlists[0], "limit.cir", &c, &err) == MS_OK);
    MsWork *w = NULL;
    CHECK(c && ms_work_new(c, &w, &err) == MS_OK);
    if (!w) {
        ms_circuit_free(&c);
        return;
    }
    MsResult full = {0}, r = {0};
    CHECK(ms_run_tran(w, NULL, &full, &err) == MS_OK);
    long tried = full.steps_accepted + full.steps_rejected;
    CHECK(tried > 50);
    ms_work_set_max_steps(w, 50);
    CHECK(ms_run_tran(w, NULL, &r, &err) == MS_ERR_TIMESTEP);
    CHECK_MSG(strstr(err.msg, "limit.cir: the transient tried 50 time steps") != NULL, "%s", err.msg);
    CHECK(r.npts == 0);
    MsTranSpec fixed = {0};
    fixed.fixed_step = 1;
    CHECK(ms_run_tran(w, &fixed, &r, &err) == MS_ERR_TIMESTEP);   /* 200 fixed steps */
    ms_work_set_max_steps(w, tried + 1);
    CHECK(ms_run_tran(w, NULL, &r, &err) == MS_OK);
    CHECK(r.npts == full.npts && !memcmp(r.data, full.data, r.npts * (size_t)r.nvec * sizeof *r.data));
    ms_result_free(&r);
    ms_result_free(&full);
    ms_work_free(&w);
    ms_circuit_free(&c);
}

/* A source overridden for a work takes the override's corners only: a
 * PULSE in the netlist overridden by a DC value steps exactly as the same
 * netlist with that DC value written in. */
static void test_override_breakpoints(void)
{
    const char *pulsed = "overridden pulse\nV1 in 0 PULSE(0 1 1u 1u 1u 3u 10u)\nR1 in out 1k\nC1 out 0 1n\n"
                         ".tran 0.1u 40u\n.end\n";
    const char *dc = "dc\nV1 in 0 DC 0.3\nR1 in out 1k\nC1 out 0 1n\n.tran 0.1u 40u\n.end\n";
    MsCircuit *a = NULL, *b = NULL;
    MsWork *wa = NULL, *wb = NULL;
    MsError err = {0};
    CHECK(ms_circuit_load_string(pulsed, "pulsed.cir", &a, &err) == MS_OK);
    CHECK(ms_circuit_load_string(dc, "dc.cir", &b, &err) == MS_OK);
    if (!a || !b || ms_work_new(a, &wa, &err) || ms_work_new(b, &wb, &err)) {
        CHECK(0);
        goto done;
    }
    CHECK(ms_work_set_source_dc(wa, "v1", 0.3, &err) == MS_OK);
    MsResult ra = {0}, rb = {0};
    CHECK(ms_run_tran(wa, NULL, &ra, &err) == MS_OK);
    CHECK(ms_run_tran(wb, NULL, &rb, &err) == MS_OK);
    CHECK_MSG(ra.npts == rb.npts, "%zu points with the override, %zu with DC in the netlist", ra.npts, rb.npts);
    CHECK(ra.npts == rb.npts && !memcmp(ra.time, rb.time, ra.npts * sizeof *ra.time));
    ms_result_free(&ra);
    ms_result_free(&rb);
done:
    ms_work_free(&wa);
    ms_work_free(&wb);
    ms_circuit_free(&a);
    ms_circuit_free(&b);
}

int main(void)
{
    test_override_breakpoints();
    for (int i = 0; i < 3; i++)
        test_circuit(netlists[i]);
    test_max_steps();
    return check_summary("reuse");
}
