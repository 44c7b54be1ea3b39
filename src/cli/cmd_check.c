/* cmd_check.c — "memspice check": cross-check netlists (or device models)
 * against ngspice.  The work is in src/check/; this file parses the command
 * line and loops over the netlists or model cases. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check/crosscheck.h"
#include "../util/util.h"

static void check_usage(FILE *f)
{
    fprintf(f,
            "usage: memspice check NETLIST... [options]\n"
            "       memspice check --model NAME|all|list [options]\n"
            "\n"
            "Simulates each netlist with memspice and with ngspice (libngspice, loaded in a\n"
            "child process) and compares every signal both simulators save: transient\n"
            "waveforms on each other's time points (both ways, the worse counts), the\n"
            "operating point, DC sweeps point by point, AC phasors over frequency, and the\n"
            ".meas results.  A signal passes when\n"
            "max |memspice - ngspice| <= atol + rtol * scale.\n"
            "\n"
            "options:\n"
            "  --against FILE      ngspice simulates FILE instead of NETLIST (one netlist only)\n"
            "  --signals LIST      compare only these, e.g. 'v(out),i(v1)' (a bare node name is v(name))\n"
            "  --rtol R            transient and DC sweeps: allowed error as a fraction of the\n"
            "                      signal's range (default %g for voltages, %g for currents);\n"
            "                      AC: of the largest |H| (default %g for every signal)\n"
            "  --op-rtol R         operating point: allowed error as a fraction of the value (default %g)\n"
            "  --atol A            absolute allowance in the signal's unit, for every signal\n"
            "                      (default %g V for voltages, %g A for currents)\n"
            "  --meas-rtol R       .meas results: allowed error as a fraction of the value (default %g)\n"
            "  --meas-atol A       .meas results: absolute allowance (default: meas-rtol times the\n"
            "                      measured signal's range, so that values near 0 compare absolutely)\n"
            "  --report DIR        write DIR/report.txt, DIR/report.json and one PNG per transient\n"
            "                      signal (with several netlists or models: DIR/<name>/)\n"
            "  --timeout S         stop ngspice after S seconds (default %g; 0: no limit)\n"
            "  --ngspice-lib LIB   ngspice's shared library (default %s, or $MEMSPICE_NGSPICE_LIB)\n"
            "  --model NAME        check a device model's native implementation against its reference\n"
            "                      subcircuit; 'all' checks every model, 'list' lists them\n"
            "  --models DIR        the models directory (default $MEMSPICE_MODELS, else models/ of the\n"
            "                      memspice tree)\n"
            "  -q, --quiet         no table on stdout, no notices; errors and mismatches still on stderr\n"
            "  -h, --help          this help\n"
            "\n"
            "exit codes: 0 every signal agrees; 1 mismatch; 2 could not compare (ngspice missing,\n"
            "crashed, timed out or rejecting the netlist; memspice failing on it; bad arguments)\n",
            MS_CHECK_RTOL_V, MS_CHECK_RTOL_I, MS_CHECK_RTOL_AC, MS_CHECK_OP_RTOL, MS_CHECK_ATOL_V, MS_CHECK_ATOL_I,
            MS_CHECK_MEAS_RTOL, MS_CHECK_TIMEOUT, "libngspice.so.0");
}

static int bad_arg(const char *fmt, const char *a)
{
    fprintf(stderr, "memspice check: error: ");
    fprintf(stderr, fmt, a);
    fprintf(stderr, " (see 'memspice check --help')\n");
    return 2;
}

static int parse_nonneg(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !(v >= 0) || !isfinite(v)) {
        fprintf(stderr, "memspice check: error: %s needs a number >= 0, not '%s'\n", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The models directory: --models, $MEMSPICE_MODELS, <exe>/../models, ./models. */
static char *models_dir(const char *opt)
{
    if (opt)
        return ms_strdup(opt);
    const char *env = getenv("MEMSPICE_MODELS");
    if (env && env[0])
        return ms_strdup(env);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *s = strrchr(exe, '/');
        if (s) {
            *s = 0;
            char *cand = ms_asprintf("%s/../models", exe);
            if (is_dir(cand))
                return cand;
            free(cand);
        }
    }
    return ms_strdup("models");
}

static int worse(int a, int b)
{
    return a > b ? a : b;
}

/* DIR/<base of netlist>, made unique among the netlists of this run. */
static char *sub_report(const char *dir, const char *path, int idx, char *const *all, int nall)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 4 && !strcmp(b + n - 4, ".cir"))
        n -= 4;
    int dup = 0;
    for (int i = 0; i < nall; i++) {
        const char *o = strrchr(all[i], '/');
        o = o ? o + 1 : all[i];
        if (i != idx && !strncmp(o, b, n) && (o[n] == 0 || !strcmp(o + n, ".cir")))
            dup = 1;
    }
    return dup ? ms_asprintf("%s/%.*s-%d", dir, (int)n, b, idx + 1) : ms_asprintf("%s/%.*s", dir, (int)n, b);
}

static int check_models(const char *which, const MsCheckOpts *o, const char *report, const char *mdir_opt)
{
    if (!strcmp(which, "list")) {
        for (const MsModelCase *m = ms_model_cases; m->name; m++)
            printf("%-16s %s\n", m->name, m->about);
        return 0;
    }
    int all = !strcmp(which, "all");
    if (!all && !ms_model_case_find(which)) {
        fprintf(stderr, "memspice check: error: no model case '%s'; 'memspice check --model list' lists them\n",
                which);
        return 2;
    }
    char *mdir = models_dir(mdir_opt);
    int status = 0, n = 0;
    for (const MsModelCase *m = ms_model_cases; m->name; m++) {
        if (!all && strcmp(m->name, which))
            continue;
        char *ms_text, *ng_text;
        ms_model_case_netlists(m, mdir, &ms_text, &ng_text);
        char *label = ms_asprintf("model %s", m->name);
        char *ms_name = ms_asprintf("%s (native)", label), *ng_name = ms_asprintf("%s (reference)", label);
        MsCheckInput in = {label, ms_name, ms_text, ng_name, ng_text, m->signals};
        char *dir = report ? (all ? ms_asprintf("%s/%s", report, m->name) : ms_strdup(report)) : NULL;
        status = worse(status, ms_check_run(&in, o, dir));
        n++;
        free(dir);
        free(label);
        free(ms_name);
        free(ng_name);
        free(ms_text);
        free(ng_text);
    }
    free(mdir);
    if (n == 0)
        fprintf(stderr, "memspice check: notice: no model cases defined yet\n");
    return status;
}

int ms_cmd_check(int argc, char **argv)
{
    MsCheckOpts o;
    ms_check_opts_default(&o);
    const char *against = NULL, *report = NULL, *model = NULL, *mdir = NULL;
    char **nets = ms_malloc((size_t)argc * sizeof *nets);
    int nnet = 0, rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            check_usage(stdout);
            free(nets);
            return 0;
        } else if (!strcmp(a, "--against") && has) {
            against = argv[++i];
        } else if (!strcmp(a, "--signals") && has) {
            o.signals = argv[++i];
        } else if (!strcmp(a, "--rtol") && has) {
            rc = parse_nonneg(a, argv[++i], &o.rtol) ? 2 : 0;
        } else if (!strcmp(a, "--op-rtol") && has) {
            rc = parse_nonneg(a, argv[++i], &o.op_rtol) ? 2 : 0;
        } else if (!strcmp(a, "--meas-rtol") && has) {
            rc = parse_nonneg(a, argv[++i], &o.meas_rtol) ? 2 : 0;
        } else if (!strcmp(a, "--meas-atol") && has) {
            rc = parse_nonneg(a, argv[++i], &o.meas_atol) ? 2 : 0;
        } else if (!strcmp(a, "--atol") && has) {
            rc = parse_nonneg(a, argv[++i], &o.atol) ? 2 : 0;
        } else if (!strcmp(a, "--timeout") && has) {
            rc = parse_nonneg(a, argv[++i], &o.timeout) ? 2 : 0;
        } else if (!strcmp(a, "--report") && has) {
            report = argv[++i];
        } else if (!strcmp(a, "--ngspice-lib") && has) {
            o.ngspice_lib = argv[++i];
        } else if (!strcmp(a, "--model") && has) {
            model = argv[++i];
        } else if (!strcmp(a, "--models") && has) {
            mdir = argv[++i];
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o.quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            rc = bad_arg("unknown or incomplete option '%s'", a);
        } else {
            nets[nnet++] = argv[i];
        }
    }
    if (rc == 0 && model && (nnet || against))
        rc = bad_arg("%s takes no netlist and no --against", "--model");
    if (rc == 0 && !model && nnet == 0) {
        check_usage(stderr);
        rc = 2;
    }
    if (rc == 0 && against && nnet != 1)
        rc = bad_arg("%s compares exactly one netlist", "--against");
    if (rc == 0 && model) {
        rc = check_models(model, &o, report, mdir);
    } else if (rc == 0) {
        for (int i = 0; i < nnet; i++) {
            char *label = against ? ms_asprintf("%s against %s", nets[i], against) : ms_strdup(nets[i]);
            MsCheckInput in = {label, nets[i], NULL, against ? against : nets[i], NULL, NULL};
            char *dir = report && nnet > 1 ? sub_report(report, nets[i], i, nets, nnet)
                                           : report ? ms_strdup(report) : NULL;
            rc = worse(rc, ms_check_run(&in, &o, dir));
            free(dir);
            free(label);
        }
        if (nnet > 1 && !o.quiet)
            fprintf(stderr, "memspice check: %d netlists: %s\n", nnet,
                    rc == 0 ? "all pass" : rc == 1 ? "mismatch" : "could not compare every netlist");
    }
    free(nets);
    return rc;
}
