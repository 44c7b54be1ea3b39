/* cmd_grad.c — "memspice grad": the .loss of a transient and its gradient
 * with respect to the .trainable values (elements, device parameters,
 * .params), by the discrete adjoint;
 * optionally checked against central finite differences; with --inputs,
 * once per input file, with a summary of the losses. */
#include "cli.h"
#include "sweep.h"
#include "../memspice_train.h"
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
            "  --format F          h5 (or hdf5) | csv; overrides the extension\n"
            "  --inputs DIR        one gradient per file of DIR (lines 'SOURCE VALUE-OR-WAVEFORM',\n"
            "                      e.g. 'vin dc 0.3', 'vin pwl(0 0 1n 1)'), the netlist loaded\n"
            "                      once; -o names the output folder: OUTDIR/<file>.h5 (or\n"
            "                      --format csv) per file and OUTDIR/summary.csv (file, loss,\n"
            "                      gradient); split over the ranks under mpirun\n"
            "  --threads N         with --inputs: files run at once per process (default: cores)\n"
            "  --check-fd          also central finite differences per parameter, with the\n"
            "                      relative error (meaningful with --fixed-step or tight\n"
            "                      tolerances: adaptive steps move when a parameter does)\n"
            "  --fd-step R         relative step for --check-fd (default 1e-6)\n"
            "  --checkpoint K      keep the state every K steps only and recompute each\n"
            "                      segment backward (memory ~ N/K + K vectors instead of N);\n"
            "                      'auto' chooses K ~ sqrt(N), 0 keeps every step (the\n"
            "                      default); same gradients\n"
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

typedef struct GradArgs {
    MsCliCommon c;
    int fd;
    double fd_step;
    long checkpoint;
} GradArgs;

/* -1 to go on, else the exit code (0: --help, 2: a usage error). */
static int parse_args(GradArgs *a, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            grad_usage(stdout);
            return 0;
        } else if (!strcmp(s, "--check-fd")) {
            a->fd = 1;
        } else if (!strcmp(s, "--fd-step") && i + 1 < argc) {
            char *end;
            a->fd_step = strtod(argv[++i], &end);
            if (*end || !(a->fd_step > 0 && a->fd_step < 1)) {
                fprintf(stderr, "memspice grad: error: --fd-step needs a number in (0, 1)\n");
                return 2;
            }
        } else if (!strcmp(s, "--checkpoint") && i + 1 < argc) {
            char *end;
            const char *v = argv[++i];
            a->checkpoint = !strcmp(v, "auto") ? -1 : strtol(v, &end, 10);
            if (strcmp(v, "auto") && (*end || a->checkpoint < 0)) {
                fprintf(stderr, "memspice grad: error: --checkpoint needs a step count (0: off) or 'auto'\n");
                return 2;
            }
        } else if (ms_cli_common_arg("grad", &a->c, argc, argv, &i)) {
            return 2;
        }
    }
    if (!a->c.netlist) {
        grad_usage(stderr);
        return 2;
    }
    if (a->c.format && strcmp(a->c.format, "h5") && strcmp(a->c.format, "csv")) {
        fprintf(stderr, "memspice grad: error: --format: h5 or csv, not '%s'\n", a->c.format);
        return 2;
    }
    if (a->c.inputs && (!a->c.out || !strcmp(a->c.out, "-"))) {
        fprintf(stderr, "memspice grad: error: --inputs needs -o OUTDIR, the folder for the outputs\n");
        return 2;
    }
    if (a->c.inputs && a->fd) {
        fprintf(stderr, "memspice grad: error: --check-fd checks one netlist, not --inputs\n");
        return 2;
    }
    if (!a->c.inputs && !a->c.format && a->c.out && !has_ext(a->c.out, ".h5") && !has_ext(a->c.out, ".hdf5") &&
        !has_ext(a->c.out, ".csv")) {
        fprintf(stderr,
                "memspice grad: error: cannot tell the output format from '%s': use .h5 or .csv (or --format)\n",
                a->c.out);
        return 2;
    }
    if (!a->c.format)
        a->c.format = a->c.inputs || !a->c.out || !has_ext(a->c.out, ".csv") ? "h5" : "csv";
    return -1;
}

static int grad_run(MsWork *w, const GradArgs *a, MsGrad *g, MsError *err)
{
    ms_work_set_checkpoint(w, a->checkpoint);
    int rc = ms_run_grad(w, &a->c.spec, g, err);
    /* MS_ERR_ARG here is the netlist's (no .loss, no .tran): bad input, exit 1 */
    if (rc == MS_ERR_ARG)
        err->code = rc = MS_ERR_SEMANTIC;
    return rc;
}

static int write_grad(const MsGrad *g, const char *path, const char *format, MsError *err)
{
    return !strcmp(format, "csv") ? write_csv(g, path, err) : ms_write_grad_hdf5(g, path, err);
}

/* One input file of a sweep: its gradient file, and rec = loss, gradient. */
static int grad_set(MsSweep *s, void *user, MsWork *w, const char *out, double *rec, MsError *err)
{
    const GradArgs *a = user;
    MsGrad g = {0};
    int rc = grad_run(w, a, &g, err);
    if (rc == MS_OK) {
        ms_sweep_lock(s);
        rc = write_grad(&g, out, a->c.format, err);
        ms_sweep_unlock(s);
    }
    if (rc == MS_OK) {
        rec[0] = g.loss;
        memcpy(rec + 1, g.grad, (size_t)g.nparams * sizeof *g.grad);
    }
    ms_grad_free(&g);
    return rc;
}

/* OUTDIR/summary.csv: file,loss,dloss/d(p)... one row per input file, in file order. */
static int write_summary(const MsSweep *s, const double *rec, int np, MsError *err)
{
    char *path = ms_asprintf("%s/summary.csv", s->o.outdir);
    MsOutFile o;
    int rc = ms_out_open(&o, path, 0, err);
    free(path);
    if (rc)
        return rc;
    FILE *f = o.fp;
    fprintf(f, "file,loss");
    for (int k = 0; k < np; k++)
        fprintf(f, ",dloss/d(%s)", ms_circuit_param_name(s->c, k));
    fprintf(f, "\n");
    for (int i = 0; i < s->in.n; i++) {
        const double *r = rec + (size_t)i * (size_t)(np + 1);
        fprintf(f, "%s", s->in.set[i].name);
        for (int k = 0; k <= np; k++)
            fprintf(f, ",%.17g", r[k]);
        fprintf(f, "\n");
    }
    return ms_out_finish(&o, 1, err);
}

static int grad_sweep(const GradArgs *a)
{
    MsSweepOpts o = {"grad", a->c.netlist, a->c.inputs, a->c.out, a->c.format, "summary.csv", a->c.threads,
                     a->c.quiet};
    MsSweep s;
    MsError err = {0};
    double *rec = NULL;
    int rc = ms_sweep_begin(&s, &o, &err), np = rc == MS_OK ? ms_circuit_num_params(s.c) : 0;
    if (rc == MS_OK)
        rc = ms_sweep_run(&s, np + 1, grad_set, (void *)a, &rec, &err);
    if (rc == MS_OK && ms_dist_root(&s.dist)) {
        rc = write_summary(&s, rec, np, &err);
        printf("%-24s %-16s\n", "file", "loss");
        for (int i = 0; i < s.in.n && rc == MS_OK; i++)
            printf("%-24s % .9e\n", s.in.set[i].name, rec[(size_t)i * (size_t)(np + 1)]);
    }
    free(rec);
    return ms_sweep_end(&s, rc, &err);
}

int ms_cmd_grad(int argc, char **argv)
{
    GradArgs a = {0};
    a.fd_step = 1e-6;
    int saved[2];
    ms_cli_mute(saved);   /* under mpirun: usage errors from rank 0 alone */
    int code = parse_args(&a, argc, argv);
    ms_cli_unmute(saved);
    if (code >= 0)
        return ms_cli_has_opt(argc, argv, "--inputs") ? ms_sweep_exit_early(code) : code;
    if (a.c.inputs)
        return grad_sweep(&a);
    MsError err = {0};
    MsCircuit *c = NULL;
    MsWork *w = NULL;
    MsGrad g = {0};
    int rc = ms_circuit_load(a.c.netlist, &c, &err);
    if (rc == MS_OK)
        rc = ms_work_new(c, &w, &err);
    if (rc == MS_OK)
        rc = grad_run(w, &a, &g, &err);
    if (rc == MS_OK) {
        printf("loss = % .9e\n\n%-20s %-16s %-16s\n", g.loss, "parameter", "value", "dloss/dvalue");
        for (int k = 0; k < g.nparams; k++)
            printf("%-20s % .9e % .9e\n", g.names[k], g.values[k], g.grad[k]);
        if (!a.c.quiet)
            fprintf(stderr, "memspice: grad: %zu time points, forward %.3f s, backward %.3f s, trajectory %.1f MB%s\n",
                    g.tran.npts, g.forward_seconds, g.backward_seconds, (double)g.trajectory_bytes / 1e6,
                    g.checkpoint ? " (checkpointed)" : "");
        if (a.c.out)
            rc = write_grad(&g, a.c.out, a.c.format, &err);
        if (rc == MS_OK && a.fd)
            rc = check_fd(c, &a.c.spec, &g, a.fd_step, &err);
    }
    code = rc == MS_OK ? 0 : ms_cli_fail(&err);
    ms_grad_free(&g);
    ms_work_free(&w);
    ms_circuit_free(&c);
    return code;
}
