/* fuzz_netlist.c — libFuzzer target: a netlist text through the loader, the
 * operating point, a short .dc sweep and .ac sweep (at most 20 points each),
 * a short transient and the gradient, and, when it has
 * training cards (.input/.readout), through the network compiler (the
 * batched engine, else the per-sample path): a forward and an adjoint pass
 * of two samples.
 *
 * Any crash, sanitizer report, hang (libFuzzer's -timeout) or an error code
 * that comes without a message is a failure.  The transient is shortened to
 * at most FUZZ_STEPS steps of the netlist's own window so that a unit costs
 * milliseconds (and an adaptive run whose steps collapse is cut off by
 * ms_work_set_max_steps); the resource limits themselves (huge windows,
 * step counts) are exercised by tests/malformed and tests/e2e/hostile.sh.  make fuzz runs it; make test
 * runs it briefly (tests/fuzz/run.sh). */
#include "memspice.h"
#include "memspice_train.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_BYTES (64 * 1024)
#define FUZZ_STEPS 200
#define FUZZ_MAX_TRIED 5000   /* steps tried by an adaptive run: one whose steps collapse ends */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An error must say what went wrong: a bare code is a bug. */
static void expect_message(int rc, const MsError *err, const char *what)
{
    if (rc != MS_OK && !err->msg[0]) {
        fprintf(stderr, "fuzz: %s returned %d (%s) with no message\n", what, rc, ms_strerror(rc));
        abort();
    }
}

static void short_window(const MsCircuit *c, MsTranSpec *spec)
{
    memset(spec, 0, sizeof *spec);
    if (!ms_circuit_has_tran(c, spec))
        return;
    if (spec->tstop > 0 && spec->tstep < spec->tstop / FUZZ_STEPS)
        spec->tstep = spec->tstop / FUZZ_STEPS;
    if (spec->tstop > 0)
        spec->tmax = spec->tstop / FUZZ_STEPS;
}

static void simulate(const MsCircuit *c)
{
    MsError err = {0};
    MsWork *w = NULL;
    int rc = ms_work_new(c, &w, &err);
    expect_message(rc, &err, "ms_work_new");
    if (rc)
        return;
    ms_work_set_max_steps(w, FUZZ_MAX_TRIED);
    MsResult res = {0};
    rc = ms_run_op(w, &res, &err);
    expect_message(rc, &err, "ms_run_op");
    if (rc == MS_OK)
        ms_result_free(&res);
    MsDcSpec dspec;
    if (ms_circuit_has_dc(c, &dspec)) {
        /* at most 20 values per sweep, as the transient's window is cut */
        for (int i = 0; i < dspec.nsweeps; i++) {
            MsDcSweep *s = &dspec.sweep[i];
            if ((s->stop - s->start) / s->incr > 19)
                s->stop = s->start + 19 * s->incr;
        }
        memset(&res, 0, sizeof res);
        rc = ms_run_dc(w, &dspec, &res, &err);
        expect_message(rc, &err, "ms_run_dc");
        if (rc == MS_OK)
            ms_result_free(&res);
    }
    MsAcSpec aspec;
    if (ms_circuit_has_ac(c, &aspec)) {
        /* at most 20 frequencies, evenly over the card's range */
        aspec.sweep = MS_AC_LIN;
        if (aspec.npoints > 20)
            aspec.npoints = 20;
        memset(&res, 0, sizeof res);
        rc = ms_run_ac(w, &aspec, &res, &err);
        expect_message(rc, &err, "ms_run_ac");
        if (rc == MS_OK)
            ms_result_free(&res);
    }
    MsTranSpec spec;
    short_window(c, &spec);
    if (spec.tstop > 0) {
        memset(&res, 0, sizeof res);
        rc = ms_run_tran(w, &spec, &res, &err);
        expect_message(rc, &err, "ms_run_tran");
        if (rc == MS_OK)
            ms_result_free(&res);
        spec.fixed_step = 1;
        MsGrad g = {0};
        rc = ms_run_grad(w, &spec, &g, &err);
        expect_message(rc, &err, "ms_run_grad");
        if (rc == MS_OK)
            ms_grad_free(&g);
    }
    ms_work_free(&w);
}

/* The network path; its window is the netlist's, run in fixed steps. */
static void train_net(const char *text, const MsCircuit *c)
{
    MsTranSpec spec = {0};
    int cards = ms_circuit_train_cards(c);
    if (!(cards & MS_CARD_INPUT) || !(cards & MS_CARD_READOUT) || !ms_circuit_has_tran(c, &spec) ||
        spec.tstop > FUZZ_STEPS * spec.tstep)
        return;
    MsTrainNet *t = NULL;
    MsError err = {0};
    int rc = ms_tnet_open_string(text, "fuzz.cir", MS_ENGINE_AUTO, &t, &err);
    expect_message(rc, &err, "ms_tnet_open_string");
    if (rc)
        return;
    ms_tnet_set_threads(t, 1);
    int nin = ms_tnet_num_inputs(t), ncl = ms_tnet_num_classes(t), np = ms_tnet_num_params(t);
    if (nin > 0 && ncl > 0 && nin <= 4096 && ncl <= 4096) {
        double *x = calloc((size_t)2 * nin, sizeof *x), *s = calloc((size_t)2 * ncl, sizeof *s);
        double *ds = calloc((size_t)2 * ncl, sizeof *ds), *dp = calloc((size_t)np + 1, sizeof *dp);
        for (int i = 0; i < 2 * nin; i++)
            x[i] = (double)(i % 7) / 6;
        for (int i = 0; i < 2 * ncl; i++)
            ds[i] = i % 2 ? 1 : -0.5;
        rc = ms_tnet_forward(t, 2, x, 1, s, &err);
        expect_message(rc, &err, "ms_tnet_forward");
        if (rc == MS_OK) {
            rc = ms_tnet_backward(t, 2, x, 1, ds, s, dp, NULL, &err);
            expect_message(rc, &err, "ms_tnet_backward");
        }
        free(x);
        free(s);
        free(ds);
        free(dp);
    }
    ms_tnet_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_BYTES)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    MsCircuit *c = NULL;
    MsError err = {0};
    int rc = ms_circuit_load_string(text, "fuzz.cir", &c, &err);
    expect_message(rc, &err, "ms_circuit_load_string");
    if (rc == MS_OK) {
        simulate(c);
        train_net(text, c);
    }
    ms_circuit_free(&c);
    free(text);
    return 0;
}
