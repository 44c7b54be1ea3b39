/* cmd_run.c — "memspice run": simulate a netlist's analyses, print .op and
 * .print results, write waveforms. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: memspice run NETLIST [options]\n"
            "\n"
            "Runs the analyses the netlist asks for (.op, .tran; only .op if neither).\n"
            ".op results and '.print tran' tables go to stdout.\n"
            "\n"
            "options:\n"
            "  -o, --output FILE   write the transient (or operating point) waveforms;\n"
            "                      format from the extension: .raw (ngspice binary raw),\n"
            "                      .csv, .h5/.hdf5; '-' writes to stdout (needs --format)\n"
            "  --format F          raw | rawascii | csv | h5 (overrides the extension)\n"
            "  --ascii             with .raw: write the ASCII raw format\n"
            "  --fixed-step        every transient step is exactly tstep (training mode;\n"
            "                      same as '.options fixedstep')\n"
            "  --uic               skip the operating point, start from .ic / ic= values\n"
            "  --progress          show a progress bar even when stderr is not a terminal\n"
            "  -q, --quiet         no summary on stderr\n"
            "  -h, --help          this help\n");
}

static void print_op(const MsResult *r)
{
    printf("Operating point:\n");
    for (int j = 0; j < r->nvec; j++)
        printf("  %-24s = % .9e\n", r->names[j], r->data[j]);
}

static void print_table(const MsResult *r, const char *const *names)
{
    int idx[64], n = 0;
    for (; names[n] && n < 64; n++)
        idx[n] = ms_result_find(r, names[n]);
    printf("%-6s %-16s", "Index", "time");
    for (int k = 0; k < n; k++)
        printf(" %-16s", names[k]);
    printf("\n");
    for (size_t i = 0; i < r->npts; i++) {
        printf("%-6zu % .9e", i, r->time[i]);
        for (int k = 0; k < n; k++)
            printf(" % .9e", r->data[i * (size_t)r->nvec + (size_t)idx[k]]);
        printf("\n");
    }
}

int ms_cmd_run(int argc, char **argv)
{
    const char *netlist = NULL, *out = NULL, *format = NULL;
    int ascii = 0, quiet = 0, force_progress = 0;
    MsTranSpec spec = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            run_usage(stdout);
            return 0;
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(a, "--format") && i + 1 < argc) {
            format = argv[++i];
        } else if (!strcmp(a, "--ascii")) {
            ascii = 1;
        } else if (!strcmp(a, "--fixed-step")) {
            spec.fixed_step = 1;
        } else if (!strcmp(a, "--uic")) {
            spec.uic = 1;
        } else if (!strcmp(a, "--progress")) {
            force_progress = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "memspice run: error: unknown or incomplete option '%s' (see 'memspice run --help')\n", a);
            return 2;
        } else if (!netlist) {
            netlist = a;
        } else {
            fprintf(stderr, "memspice run: error: more than one netlist given ('%s', '%s')\n", netlist, a);
            return 2;
        }
    }
    if (!netlist) {
        run_usage(stderr);
        return 2;
    }
    if (ascii && !format)
        format = "rawascii";
    MsError err = {0};
    MsCircuit *c = NULL;
    MsWork *w = NULL;
    MsResult op = {0}, tran = {0};
    int rc = ms_circuit_load(netlist, &c, &err);
    if (rc == MS_OK)
        rc = ms_work_new(c, &w, &err);
    MsTranSpec nspec;
    int has_tran = c && ms_circuit_has_tran(c, &nspec);
    if (c && ms_circuit_faults(c)[0] && !quiet)
        fprintf(stderr, "memspice: stuck memristors: %s\n", ms_circuit_faults(c));
    int do_op = c && (ms_circuit_has_op(c) || !has_tran);
    if (rc == MS_OK && do_op) {
        rc = ms_run_op(w, &op, &err);
        if (rc == MS_OK)
            print_op(&op);
    }
    if (rc == MS_OK && has_tran) {
        MsProgressBar bar;
        ms_progress_init(&bar, "transient", force_progress);
        ms_work_set_progress(w, ms_progress_cb, &bar);
        rc = ms_run_tran(w, &spec, &tran, &err);
        ms_progress_done(&bar);
        if (rc == MS_OK) {
            const char *const *pn = ms_circuit_print_names(c);
            if (pn && pn[0])
                print_table(&tran, pn);
            if (!quiet)
                fprintf(stderr, "memspice: transient: %zu points, %ld steps accepted, %ld rejected, %ld Newton iterations, %ld factorizations\n",
                        tran.npts, tran.steps_accepted, tran.steps_rejected, tran.newton_iters, tran.factorizations);
        }
    }
    if (rc == MS_OK && out) {
        const MsResult *r = has_tran ? &tran : &op;
        rc = ms_write_result(r, out, format, &err);
        if (rc == MS_OK && !quiet && strcmp(out, "-"))
            fprintf(stderr, "memspice: wrote %d vectors x %zu points to %s\n", r->nvec, r->npts, out);
    }
    int code = rc == MS_OK ? 0 : ms_cli_fail(&err);
    ms_result_free(&op);
    ms_result_free(&tran);
    ms_work_free(&w);
    ms_circuit_free(&c);
    return code;
}
