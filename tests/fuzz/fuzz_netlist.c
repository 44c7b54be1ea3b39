/* fuzz_netlist.c — libFuzzer target: a netlist text through the loader, the
 * operating point, a short transient and the gradient.
 *
 * Any crash, sanitizer report, hang (libFuzzer's -timeout) or an error code
 * that comes without a message is a failure.  The transient is shortened to
 * at most FUZZ_STEPS steps of the netlist's own window so that a unit costs
 * milliseconds (and an adaptive run whose steps collapse is cut off by
 * ms_work_set_max_steps); the resource limits themselves (huge windows,
 * step counts) are exercised by tests/malformed and tests/e2e/hostile.sh.  make fuzz runs it; make test
 * runs it briefly (tests/fuzz/run.sh). */
#include "memspice.h"

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
    if (rc == MS_OK)
        simulate(c);
    ms_circuit_free(&c);
    free(text);
    return 0;
}
