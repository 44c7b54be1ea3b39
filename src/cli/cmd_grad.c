/* cmd_grad.c — "memspice grad": the .loss of a transient and its gradient
 * with respect to the .trainable values (elements, device parameters,
 * .params), by the discrete adjoint;
 * optionally checked against central finite differences. */
#include "cli.h"
#include "../io/result.h"
#include "../util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void grad_usage(FILE *f)
{
    fprintf(f,
            "usage: memspice grad NETLIST [options]\n"
            "\n"
            "Simulates the netlist's .tran and prints the .loss and its gradient with\n"
            "respect to every .trainable element value, device parameter or top-level\n"
            ".param (r1, m1:ron, rval or param:rval) by the exact discrete adjoint.\n"
            "\n"
            "options:\n"
            "  -o, --output FILE   also write the waveforms and the gradient (.h5: HDF5 with\n"
            "                      a /gradient group; .csv: a table name,value,gradient)\n"
            "  --check-fd          also central finite differences per parameter, with the\n"
            "                      relative error (meaningful with --fixed-step or tight\n"
            "                      tolerances: adaptive steps move when a parameter does)\n"
            "  --fd-step R         relative step for --check-fd (default 1e-6)\n"
            "  --checkpoint K      keep the state every K steps only and recompute each\n"
            "                      segment backward (memory ~ N/K + K vectors instead of N);\n"
            "                      'auto' chooses K ~ sqrt(N); same gradients\n"
            "  --fixed-step        every step exactly tstep\n"
            "  --uic               start from .ic / ic= values, no operating point\n"
            "  -q, --quiet         no timing summary on stderr\n"
            "  -h, --help          this help\n");
}

static int has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), m = strlen(ext);
    return n > m && !strcmp(path + n - m, ext);
}

/* Loss at the circuit's current parameter values. */
static int loss_at(MsCircuit *c, const MsTranSpec *spec, double *loss, MsError *err)
{
    MsWork *w = NULL;
    MsGrad g;
    int rc = ms_work_new(c, &w, err);
    if (rc == MS_OK)
        rc = ms_run_grad(w, spec, &g, err);
    if (rc == MS_OK) {
        *loss = g.loss;
        ms_grad_free(&g);
    }
    ms_work_free(&w);
    return rc;
}

static int check_fd(MsCircuit *c, const MsTranSpec *spec, const MsGrad *g, double rel, MsError *err)
{
    printf("\n%-20s %-16s %-16s %-10s\n", "parameter", "adjoint", "finite diff.", "rel. error");
    for (int k = 0; k < g->nparams; k++) {
        double p = g->values[k], h = rel * (fabs(p) > 0 ? fabs(p) : 1), lp = 0, lm = 0;
        int rc = ms_circuit_set_param(c, k, p + h, err);
        if (rc == MS_OK)
            rc = loss_at(c, spec, &lp, err);
        if (rc == MS_OK)
            rc = ms_circuit_set_param(c, k, p - h, err);
        if (rc == MS_OK)
            rc = loss_at(c, spec, &lm, err);
        int rc2 = ms_circuit_set_param(c, k, p, err);
        if (rc || rc2)
            return rc ? rc : rc2;
        double fd = (lp - lm) / (2 * h);
        double scale = fmax(fabs(fd), fabs(g->grad[k]));
        double relerr = scale > 0 ? fabs(fd - g->grad[k]) / scale : 0;
        printf("%-20s % .9e % .9e %.2e\n", g->names[k], g->grad[k], fd, relerr);
    }
    return MS_OK;
}

/* name,value,gradient; the first row is the loss.  Written like every
 * output: to a temporary name, renamed when complete. */
static int write_csv(const MsGrad *g, const char *path, MsError *err)
{
    MsOutFile o;
    int rc = ms_out_open(&o, path, 0, err);
    if (rc)
        return rc;
    FILE *f = o.fp;
    fprintf(f, "name,value,gradient\n");
    fprintf(f, "loss,%.17g,\n", g->loss);
    for (int k = 0; k < g->nparams; k++)
        fprintf(f, "%s,%.17g,%.17g\n", g->names[k], g->values[k], g->grad[k]);
    return ms_out_finish(&o, 1, err);
}

int ms_cmd_grad(int argc, char **argv)
{
    const char *netlist = NULL, *out = NULL;
    int quiet = 0, fd = 0;
    double fd_step = 1e-6;
    long checkpoint = 0;
    MsTranSpec spec = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            grad_usage(stdout);
            return 0;
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(a, "--check-fd")) {
            fd = 1;
        } else if (!strcmp(a, "--fd-step") && i + 1 < argc) {
            char *end;
            fd_step = strtod(argv[++i], &end);
            if (*end || !(fd_step > 0 && fd_step < 1)) {
                fprintf(stderr, "memspice grad: error: --fd-step needs a number in (0, 1)\n");
                return 2;
            }
        } else if (!strcmp(a, "--checkpoint") && i + 1 < argc) {
            char *end;
            const char *v = argv[++i];
            checkpoint = !strcmp(v, "auto") ? -1 : strtol(v, &end, 10);
            if (strcmp(v, "auto") && (*end || checkpoint < 0)) {
                fprintf(stderr, "memspice grad: error: --checkpoint needs a step count (0: off) or 'auto'\n");
                return 2;
            }
        } else if (!strcmp(a, "--fixed-step")) {
            spec.fixed_step = 1;
        } else if (!strcmp(a, "--uic")) {
            spec.uic = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "memspice grad: error: unknown or incomplete option '%s' (see 'memspice grad --help')\n", a);
            return 2;
        } else if (!netlist) {
            netlist = a;
        } else {
            fprintf(stderr, "memspice grad: error: more than one netlist given\n");
            return 2;
        }
    }
    if (!netlist) {
        grad_usage(stderr);
        return 2;
    }
    if (out && !has_ext(out, ".h5") && !has_ext(out, ".hdf5") && !has_ext(out, ".csv")) {
        fprintf(stderr, "memspice grad: error: cannot tell the output format from '%s': use .h5 or .csv\n", out);
        return 2;
    }
    MsError err = {0};
    MsCircuit *c = NULL;
    MsWork *w = NULL;
    MsGrad g = {0};
    int rc = ms_circuit_load(netlist, &c, &err);
    if (rc == MS_OK)
        rc = ms_work_new(c, &w, &err);
    if (rc == MS_OK) {
        ms_work_set_checkpoint(w, checkpoint);
        rc = ms_run_grad(w, &spec, &g, &err);
        /* MS_ERR_ARG here is the netlist's (no .loss, no .tran): bad input, exit 1 */
        if (rc == MS_ERR_ARG)
            err.code = rc = MS_ERR_SEMANTIC;
    }
    if (rc == MS_OK) {
        printf("loss = % .9e\n\n%-20s %-16s %-16s\n", g.loss, "parameter", "value", "dloss/dvalue");
        for (int k = 0; k < g.nparams; k++)
            printf("%-20s % .9e % .9e\n", g.names[k], g.values[k], g.grad[k]);
        if (!quiet)
            fprintf(stderr, "memspice: grad: %zu time points, forward %.3f s, backward %.3f s, trajectory %.1f MB%s\n",
                    g.tran.npts, g.forward_seconds, g.backward_seconds, (double)g.trajectory_bytes / 1e6,
                    g.checkpoint ? " (checkpointed)" : "");
        if (out)
            rc = has_ext(out, ".csv") ? write_csv(&g, out, &err) : ms_write_grad_hdf5(&g, out, &err);
        if (rc == MS_OK && fd)
            rc = check_fd(c, &spec, &g, fd_step, &err);
    }
    int code = rc == MS_OK ? 0 : ms_cli_fail(&err);
    ms_grad_free(&g);
    ms_work_free(&w);
    ms_circuit_free(&c);
    return code;
}
