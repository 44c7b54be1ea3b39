/* cmd_run.c — "memspice run": simulate a netlist's analyses, print .op and
 * .print results, write waveforms; with --inputs, once per input file. */
#include "cli.h"
#include "run_outputs.h"
#include "sweep.h"
#include "../io/result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: memspice run NETLIST [options]\n"
            "\n"
            "Runs the analyses the netlist asks for (.op, .dc, .tran, .ac; only .op if none).\n"
            ".op results, '.print tran|dc|ac' tables and .meas results go to stdout (stderr\n"
            "with -o -); with -o FILE\n"
            "the measures are also written to FILE's name with the extension .meas (CSV).\n"
            "\n"
            "options:\n"
            "  -o, --output FILE   write the transient (else the DC sweep, else the AC, else\n"
            "                      the operating point) vectors; a DC or AC sweep that is not\n"
            "                      that one goes beside it, '_dc' or '_ac' before the\n"
            "                      extension (out.raw -> out_dc.raw, out_ac.raw);\n"
            "                      format from the extension: .raw (ngspice binary raw),\n"
            "                      .csv, .h5/.hdf5; '-' writes to stdout (needs --format\n"
            "                      or --ascii)\n"
            "  --format F          raw | rawascii | csv | h5 (or hdf5); overrides the extension\n"
            "  --inputs DIR        one run per file of DIR (lines 'SOURCE VALUE-OR-WAVEFORM',\n"
            "                      e.g. 'vin dc 0.3', 'vin pwl(0 0 1n 1)'), the netlist loaded\n"
            "                      once; -o names the output folder, one OUTDIR/<file>.h5\n"
            "                      (or --format) per file, sweeps beside it as with -o,\n"
            "                      the .meas results in OUTDIR/<file>.meas;\n"
            "                      split over the ranks under mpirun\n"
            "  --threads N         with --inputs: files run at once per process (default: cores)\n"
            "  --ascii             the ASCII raw format, as --format rawascii\n"
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

static int out_of_memory(MsError *err)
{
    err->code = MS_ERR_NOMEM;
    snprintf(err->msg, sizeof err->msg, "out of memory");
    return MS_ERR_NOMEM;
}

/* The measures file beside an output: out.raw -> out.meas (out.meas -> out.meas.meas). */
static char *meas_path(const char *out)
{
    const char *slash = strrchr(out, '/'), *dot = strrchr(out, '.');
    size_t stem = dot && dot > (slash ? slash : out) ? (size_t)(dot - out) : strlen(out);
    if (!strcmp(out + stem, ".meas"))
        stem = strlen(out);
    char *p = malloc(stem + 6);
    if (p) {
        memcpy(p, out, stem);
        memcpy(p + stem, ".meas", 6);
    }
    return p;
}

/* The measures of the analyses run so far, for the .meas file. */
typedef struct MeasList {
    MsMeasure *m;
    int n;
} MeasList;

/* Takes one analysis's measures into all (appended; *n of them).  A failed
 * measure does not fail the run (as in ngspice). */
static int take_measures(const MsCircuit *c, const char *analysis, const MsResult *r, MeasList *all, int *n,
                         MsError *err)
{
    int nm = ms_circuit_num_measures(c);
    *n = 0;
    if (!nm)
        return MS_OK;
    if (!all->m && !(all->m = calloc((size_t)nm, sizeof *all->m)))
        return out_of_memory(err);
    int rc = ms_measure(c, analysis, r, all->m + all->n, n, err);
    if (rc == MS_OK)
        all->n += *n;
    return rc;
}

/* Prints one analysis's measures as ngspice does ("name = value", or
 * "name = failed" with the reason on stderr) on f, under ngspice's heading
 * for that analysis, and keeps them in all. */
static int report_measures(const MsCircuit *c, const char *analysis, const MsResult *r, FILE *f, MeasList *all,
                           MsError *err)
{
    int n;
    int rc = take_measures(c, analysis, r, all, &n, err);
    MsMeasure *m = all->m + all->n - n;
    if (rc == MS_OK && n > 0) {
        fprintf(f, "\n  Measurements for %s Analysis\n\n",
                !strcmp(analysis, "dc") ? "DC" : !strcmp(analysis, "ac") ? "AC" : "Transient");
        for (int i = 0; i < n; i++) {
            if (!m[i].ok) {
                fprintf(f, "%-20s=  failed\n", m[i].name);
                fprintf(stderr, "memspice: %s:%d: measure '%s' failed: %s\n", m[i].file ? m[i].file : "netlist", m[i].line,
                        m[i].name, m[i].why);
            } else if (!strcmp(m[i].kind, "trig/targ")) {
                fprintf(f, "%-20s=  %e targ=  %e trig=  %e\n", m[i].name, m[i].value, m[i].targ, m[i].trig);
            } else if (!strcmp(m[i].kind, "min") || !strcmp(m[i].kind, "max")) {
                fprintf(f, "%-20s=  %e at=  %e\n", m[i].name, m[i].value, m[i].trig);
            } else {
                fprintf(f, "%-20s=  %e\n", m[i].name, m[i].value);
            }
        }
        fprintf(f, "\n");
    }
    return rc;
}

/* Writes every measure (the DC sweep's, then the transient's) beside the
 * output file. */
static int write_measures(const MeasList *all, const char *out, MsError *err)
{
    if (!all->n || !out || !strcmp(out, "-"))
        return MS_OK;
    char *path = meas_path(out);
    int rc = path ? ms_write_measures(all->m, all->n, path, err) : out_of_memory(err);
    free(path);
    return rc;
}

typedef struct RunArgs {
    MsCliCommon c;
    int ascii, force_progress;
} RunArgs;

/* -1 to go on, else the exit code (0: --help, 2: a usage error). */
static int parse_args(RunArgs *a, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            run_usage(stdout);
            return 0;
        } else if (!strcmp(s, "--ascii")) {
            a->ascii = 1;
        } else if (!strcmp(s, "--progress")) {
            a->force_progress = 1;
        } else if (ms_cli_common_arg("run", &a->c, argc, argv, &i)) {
            return 2;
        }
    }
    if (!a->c.netlist) {
        run_usage(stderr);
        return 2;
    }
    if (a->ascii && !a->c.format)
        a->c.format = "rawascii";
    if (a->c.inputs && (!a->c.out || !strcmp(a->c.out, "-"))) {
        fprintf(stderr, "memspice run: error: --inputs needs -o OUTDIR, the folder for the outputs\n");
        return 2;
    }
    if (a->c.inputs && a->c.format && strcmp(a->c.format, "raw") && strcmp(a->c.format, "rawascii") &&
        strcmp(a->c.format, "csv") && strcmp(a->c.format, "h5")) {
        fprintf(stderr, "memspice run: error: --format: raw, rawascii, csv or h5, not '%s'\n", a->c.format);
        return 2;
    }
    return -1;
}

/* Every result to its file (run_outputs.h); stops at the first failure. */
static int write_all(const MsRunResults *r, const char *out, const char *format, int quiet, MsError *err)
{
    const MsResult *res[3];
    char *paths[3];
    int n = ms_run_outputs(r, out, res, paths), rc = MS_OK;
    for (int i = 0; i < n; i++) {
        if (rc == MS_OK)
            rc = ms_write_result(res[i], paths[i], format, err);
        if (rc == MS_OK && !quiet && strcmp(paths[i], "-"))
            fprintf(stderr, "memspice: wrote %d vectors x %zu points to %s\n", res[i]->nvec, res[i]->npts, paths[i]);
        free(paths[i]);
    }
    return rc;
}

/* One input file of a sweep: what a run of the netlist with that file's
 * sources does, in the same order (the operating point first when the
 * netlist asks for it, on the same work), minus the printing: the measures
 * go to the .meas file beside the input's output (a failed one's reason
 * also to stderr, naming that output), .print tables nowhere (the outputs
 * hold the same vectors). */
static int run_set(MsSweep *s, void *user, MsWork *w, const char *out, double *rec, MsError *err)
{
    const RunArgs *a = user;
    (void)rec;
    MsDcSpec dspec;
    int has_tran = ms_circuit_has_tran(s->c, NULL), has_dc = ms_circuit_has_dc(s->c, &dspec), rc = MS_OK;
    int has_ac = ms_circuit_has_ac(s->c, NULL);
    int has_op = ms_circuit_has_op(s->c) || (!has_tran && !has_dc && !has_ac);
    MsResult op = {0}, dc = {0}, tran = {0}, ac = {0};
    MeasList meas = {0};
    int n;
    if (has_op)
        rc = ms_run_op(w, &op, err);
    if (rc == MS_OK && has_dc && (rc = ms_run_dc(w, &dspec, &dc, err)) == MS_OK)
        rc = take_measures(s->c, "dc", &dc, &meas, &n, err);
    if (rc == MS_OK && has_tran && (rc = ms_run_tran(w, &a->c.spec, &tran, err)) == MS_OK)
        rc = take_measures(s->c, "tran", &tran, &meas, &n, err);
    if (rc == MS_OK && has_ac && (rc = ms_run_ac(w, NULL, &ac, err)) == MS_OK)
        rc = take_measures(s->c, "ac", &ac, &meas, &n, err);
    if (rc == MS_OK) {
        ms_sweep_lock(s);
        MsRunResults r = {has_op ? &op : NULL, has_dc ? &dc : NULL, has_tran ? &tran : NULL, has_ac ? &ac : NULL};
        rc = write_all(&r, out, a->c.format ? a->c.format : "h5", 1, err);
        if (rc == MS_OK)
            rc = write_measures(&meas, out, err);
        for (int i = 0; i < meas.n && !s->o.quiet; i++)
            if (!meas.m[i].ok)
                fprintf(stderr, "memspice: %s: measure '%s' failed: %s\n", out, meas.m[i].name, meas.m[i].why);
        ms_sweep_unlock(s);
    }
    free(meas.m);
    ms_result_free(&op);
    ms_result_free(&dc);
    ms_result_free(&tran);
    ms_result_free(&ac);
    return rc;
}

static int run_sweep(const RunArgs *a)
{
    const char *f = a->c.format ? a->c.format : "h5";
    MsSweepOpts o = {"run", a->c.netlist, a->c.inputs, a->c.out, !strncmp(f, "raw", 3) ? "raw" : f, NULL, a->c.threads,
                     a->c.quiet};
    MsSweep s;
    MsError err = {0};
    double *rec = NULL;
    int rc = ms_sweep_begin(&s, &o, &err);
    if (rc == MS_OK)   /* every rank read every file: the same answer on each */
        rc = ms_run_outputs_check_stems(&s, &err);
    if (rc == MS_OK)
        rc = ms_sweep_run(&s, 0, run_set, (void *)a, &rec, &err);
    free(rec);
    return ms_sweep_end(&s, rc, &err);
}

static int run_ac(const RunArgs *a, MsWork *w, MsResult *ac, MsError *err)
{
    MsProgressBar bar;
    ms_progress_init(&bar, "ac", a->force_progress);
    ms_work_set_progress(w, ms_progress_cb, &bar);
    int rc = ms_run_ac(w, NULL, ac, err);
    ms_progress_done(&bar);
    ms_work_set_progress(w, NULL, NULL);
    if (rc == MS_OK && !a->c.quiet)
        fprintf(stderr, "memspice: ac: %zu frequencies, %ld factorizations\n", ac->npts, ac->factorizations);
    return rc;
}

int ms_cmd_run(int argc, char **argv)
{
    RunArgs a = {0};
    int saved[2];
    ms_cli_mute(saved);   /* under mpirun: usage errors from rank 0 alone */
    int code = parse_args(&a, argc, argv);
    ms_cli_unmute(saved);
    if (code >= 0)
        return ms_cli_has_opt(argc, argv, "--inputs") ? ms_sweep_exit_early(code) : code;
    if (a.c.inputs)
        return run_sweep(&a);
    MsError err = {0};
    MsCircuit *c = NULL;
    MsWork *w = NULL;
    MsResult op = {0}, dc = {0}, tran = {0}, ac = {0};
    int rc = ms_circuit_load(a.c.netlist, &c, &err);
    if (rc == MS_OK)
        rc = ms_work_new(c, &w, &err);
    MsTranSpec nspec;
    MsDcSpec dspec;
    int has_tran = c && ms_circuit_has_tran(c, &nspec);
    int has_dc = c && ms_circuit_has_dc(c, &dspec);
    if (c && ms_circuit_faults(c)[0] && !a.c.quiet)
        fprintf(stderr, "memspice: stuck memristors: %s\n", ms_circuit_faults(c));
    int has_ac = c && ms_circuit_has_ac(c, NULL);
    int do_op = c && (ms_circuit_has_op(c) || (!has_tran && !has_dc && !has_ac));
    MeasList meas = {0};
    FILE *text = a.c.out && !strcmp(a.c.out, "-") ? stderr : stdout;   /* .print tables, measures: stdout unless -o - */
    if (rc == MS_OK && do_op) {
        rc = ms_run_op(w, &op, &err);
        if (rc == MS_OK)
            print_op(&op);
    }
    if (rc == MS_OK && has_dc) {
        MsProgressBar bar;
        ms_progress_init(&bar, "DC sweep", a.force_progress);
        ms_work_set_progress(w, ms_progress_cb, &bar);
        rc = ms_run_dc(w, &dspec, &dc, &err);
        ms_progress_done(&bar);
        ms_work_set_progress(w, NULL, NULL);
        if (rc == MS_OK) {
            ms_print_table(c, "dc", &dc, text);
            rc = report_measures(c, "dc", &dc, text, &meas, &err);
        }
        if (rc == MS_OK && !a.c.quiet)
            fprintf(stderr, "memspice: DC sweep: %zu points, %ld factorizations\n", dc.npts, dc.factorizations);
    }
    if (rc == MS_OK && has_tran) {
        MsProgressBar bar;
        ms_progress_init(&bar, "transient", a.force_progress);
        ms_work_set_progress(w, ms_progress_cb, &bar);
        rc = ms_run_tran(w, &a.c.spec, &tran, &err);
        ms_progress_done(&bar);
        if (rc == MS_OK) {
            ms_print_table(c, "tran", &tran, text);
            rc = report_measures(c, "tran", &tran, text, &meas, &err);
            if (!a.c.quiet)
                fprintf(stderr, "memspice: transient: %zu points, %ld steps accepted, %ld rejected, %ld Newton iterations, %ld factorizations\n",
                        tran.npts, tran.steps_accepted, tran.steps_rejected, tran.newton_iters, tran.factorizations);
        }
    }
    if (rc == MS_OK && has_ac) {
        rc = run_ac(&a, w, &ac, &err);
        if (rc == MS_OK) {
            ms_print_table(c, "ac", &ac, text);
            rc = report_measures(c, "ac", &ac, text, &meas, &err);
        }
    }
    if (rc == MS_OK)
        rc = write_measures(&meas, a.c.out, &err);
    if (rc == MS_OK && a.c.out) {
        MsRunResults r = {do_op ? &op : NULL, has_dc ? &dc : NULL, has_tran ? &tran : NULL, has_ac ? &ac : NULL};
        rc = write_all(&r, a.c.out, a.c.format, a.c.quiet, &err);
    }
    code = rc == MS_OK ? 0 : ms_cli_fail(&err);
    ms_result_free(&op);
    ms_result_free(&dc);
    ms_result_free(&tran);
    ms_result_free(&ac);
    free(meas.m);
    ms_work_free(&w);
    ms_circuit_free(&c);
    return code;
}
