/* crosscheck.c — one `memspice check`: run both simulators, pair their
 * signals, compare, decide, report.  See crosscheck.h. */
#include "check_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../io/result.h"
#include "../util/util.h"

void ms_check_opts_default(MsCheckOpts *o)
{
    memset(o, 0, sizeof *o);
    o->rtol = -1;
    o->op_rtol = MS_CHECK_OP_RTOL;
    o->atol = -1;
    o->timeout = MS_CHECK_TIMEOUT;
    o->meas_rtol = MS_CHECK_MEAS_RTOL;
    o->meas_atol = -1;
}

const char *ms_check_unit(int kind)
{
    return kind == MS_VEC_VOLTAGE ? "V" : kind == MS_VEC_CURRENT ? "A" : "";
}

double ms_check_atol(const MsCheckOpts *o, int kind)
{
    if (o->atol >= 0)
        return o->atol;
    return kind == MS_VEC_VOLTAGE ? MS_CHECK_ATOL_V : kind == MS_VEC_CURRENT ? MS_CHECK_ATOL_I : MS_CHECK_ATOL_OTHER;
}

double ms_check_rtol(const MsCheckOpts *o, int kind)
{
    if (o->rtol >= 0)
        return o->rtol;
    return kind == MS_VEC_CURRENT ? MS_CHECK_RTOL_I : MS_CHECK_RTOL_V;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int fail(MsCheck *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(MsCheck *c, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(c->error);
    c->error = ms_strdup(buf);
    c->status = MS_CHECK_ERROR;
    return MS_CHECK_ERROR;
}

/* ---------------------------------------------------------------- memspice */

static int run_memspice(MsCheck *c)
{
    const MsCheckInput *in = c->in;
    MsError err = {0};
    MsCircuit *circ = NULL;
    MsWork *w = NULL;
    double t0 = now_s();
    int rc = in->ms_text ? ms_circuit_load_string(in->ms_text, in->ms_path, &circ, &err)
                         : ms_circuit_load(in->ms_path, &circ, &err);
    if (rc == MS_OK)
        rc = ms_work_new(circ, &w, &err);
    if (rc == MS_OK) {
        MsTranSpec nspec, spec = {0};
        MsDcSpec dspec;
        c->ms_has_tran = ms_circuit_has_tran(circ, &nspec);
        c->ms_has_dc = ms_circuit_has_dc(circ, &dspec);
        c->ms_has_ac = ms_circuit_has_ac(circ, NULL);
        int do_op = ms_circuit_has_op(circ) || (!c->ms_has_tran && !c->ms_has_dc && !c->ms_has_ac);
        if (do_op) {
            rc = ms_run_op(w, &c->ms_op, &err);
            c->ms_has_op = rc == MS_OK;
        }
        if (rc == MS_OK && c->ms_has_dc)
            rc = ms_run_dc(w, &dspec, &c->ms_dc, &err);
        if (rc == MS_OK && c->ms_has_tran)
            rc = ms_run_tran(w, &spec, &c->ms_tran, &err);
        if (rc == MS_OK && c->ms_has_ac)
            rc = ms_run_ac(w, NULL, &c->ms_ac, &err);
        if (rc == MS_OK && (c->ms_has_tran || c->ms_has_dc || c->ms_has_ac))
            ms_check_meas_collect(c, circ);
        if (rc != MS_OK)
            c->ms_has_tran = c->ms_has_op = c->ms_has_dc = c->ms_has_ac = 0;
    }
    c->ms_seconds = now_s() - t0;
    ms_work_free(&w);
    ms_circuit_free(&circ);
    if (rc != MS_OK)
        return fail(c, "memspice could not simulate %s: %s", in->ms_path,
                    err.msg[0] ? err.msg : ms_strerror(rc));
    return MS_CHECK_PASS;
}

/* ----------------------------------------------------------------- ngspice */

static char *dir_of(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s)
        return ms_strdup(".");
    if (s == path)
        return ms_strdup("/");
    return ms_strndup(path, (size_t)(s - path));
}

static int run_ngspice(MsCheck *c)
{
    const MsCheckInput *in = c->in;
    MsError err = {0};
    if (ms_ngdeck_build(in->ng_path, in->ng_text, &c->deck, &err) != MS_OK)
        return fail(c, "cannot prepare the netlist for ngspice: %s", err.msg);
    for (int i = 0; i < c->deck.nnotes && !c->o->quiet; i++)
        fprintf(stderr, "memspice check: notice: %s: '%s' not given to ngspice (%s)\n", c->deck.notes[i].where,
                c->deck.notes[i].what, c->deck.notes[i].why);
    char *dir = in->ng_text ? NULL : dir_of(in->ng_path);
    MsNgOpts no = {c->o->ngspice_lib, c->o->timeout, dir, c->deck.where, c->deck.nlines};
    int rc = ms_ngspice_run(c->deck.lines, &no, &c->ng, &err);
    free(dir);
    c->ng_ran = 1;
    if (rc != MS_OK)
        return fail(c, "%s", err.msg);
    return MS_CHECK_PASS;
}

/* -------------------------------------------------------------- signals */

/* "v(out), i(v1),out" -> {"v(out)", "i(v1)", "v(out)"}: commas inside
 * parentheses belong to the name (v(a,b)); a bare node name means v(). */
static char **parse_signals(const char *list, int *n)
{
    char **v = NULL;
    *n = 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *s = p;
        int depth = 0;
        while (*p && !(depth == 0 && *p == ',')) {
            depth += *p == '(';
            depth -= *p == ')';
            p++;
        }
        size_t len = (size_t)(p - s);
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        char *name = ms_strndup(s, len);
        ms_lower(name);
        char *nosp = ms_malloc(len + 1), *q = nosp;
        for (char *r = name; *r; r++)
            if (*r != ' ' && *r != '\t')
                *q++ = *r;
        *q = 0;
        free(name);
        if (!strchr(nosp, '(') && nosp[0] != '@') {
            name = ms_asprintf("v(%s)", nosp);
            free(nosp);
            nosp = name;
        }
        v = ms_realloc(v, (size_t)(*n + 1) * sizeof *v);
        v[(*n)++] = nosp;
    }
    return v;
}

static void add_unique(char ***list, int *n, const char *name)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp((*list)[i], name))
            return;
    *list = ms_realloc(*list, (size_t)(*n + 1) * sizeof **list);
    (*list)[(*n)++] = ms_strdup(name);
}

static MsSigRow *add_row(MsCheck *c, const char *name, int kind, int analysis, int ia, int ib)
{
    c->rows = ms_realloc(c->rows, (size_t)(c->nrows + 1) * sizeof *c->rows);
    MsSigRow *r = &c->rows[c->nrows++];
    memset(r, 0, sizeof *r);
    r->name = ms_strdup(name);
    r->kind = kind;
    r->analysis = analysis;
    r->ia = ia;
    r->ib = ib;
    return r;
}

static char *some_names(const MsResult *r)
{
    char buf[512];
    size_t n = 0;
    buf[0] = 0;
    for (int j = 0; j < r->nvec && n + 40 < sizeof buf; j++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", j ? " " : "", r->names[j]);
    if (r->nvec == 0)
        snprintf(buf, sizeof buf, "none");
    return ms_strdup(buf);
}

static int pair_signals(MsCheck *c, const MsResult *a, const MsResult *b, int analysis, char **want,
                        int nwant)
{
    static const char *const words[] = {"operating-point", "transient", "DC-sweep", "AC"};   /* by MS_ROW_* */
    const char *what = words[analysis];
    if (nwant) {
        for (int i = 0; i < nwant; i++) {
            int ia = ms_result_find(a, want[i]), ib = ms_result_find(b, want[i]);
            if (ia < 0 || ib < 0) {
                char *names = some_names(ia < 0 ? a : b);
                int rc = fail(c, "signal '%s' is not in %s's %s result (it has: %s)", want[i],
                              ia < 0 ? "memspice" : "ngspice", what, names);
                free(names);
                return rc;
            }
            add_row(c, want[i], a->kinds[ia], analysis, ia, ib);
        }
        return MS_CHECK_PASS;
    }
    int before = c->nrows;
    for (int j = 0; j < a->nvec; j++) {
        int ib = ms_result_find(b, a->names[j]);
        if (ib >= 0)
            add_row(c, a->names[j], a->kinds[j], analysis, j, ib);
        else
            add_unique(&c->only_ms, &c->nonly_ms, a->names[j]);
    }
    for (int j = 0; j < b->nvec; j++)
        if (ms_result_find(a, b->names[j]) < 0)
            add_unique(&c->only_ng, &c->nonly_ng, b->names[j]);
    if (c->nrows == before)
        return fail(c, "memspice and ngspice have no %s signal in common (memspice saved %d, ngspice %d)", what,
                    a->nvec, b->nvec);
    return MS_CHECK_PASS;
}

/* -------------------------------------------------------------- compare */

static MsWave wave_of(const MsResult *r, int col)
{
    return (MsWave){r->time, r->data + col, r->npts, (size_t)r->nvec};
}

static void compare_rows(MsCheck *c)
{
    const MsCheckOpts *o = c->o;
    for (int i = 0; i < c->nrows; i++) {
        MsSigRow *r = &c->rows[i];
        double atol = ms_check_atol(o, r->kind);
        if (r->analysis == MS_ROW_AC) {
            ms_check_ac_row(c, r);
            continue;
        }
        if (r->analysis != MS_ROW_OP) {
            if (r->analysis == MS_ROW_TRAN) {
                MsWave a = wave_of(&c->ms_tran, r->ia), b = wave_of(&c->ng.tran, r->ib);
                ms_wave_compare(&a, &b, &r->e);
            } else {   /* same sweep points on both sides (checked in compare) */
                MsWave a = wave_of(&c->ms_dc, r->ia), b = wave_of(&c->ng.dc, r->ib);
                ms_points_compare(&a, &b, &r->e);
            }
            r->abs_err = r->e.max_abs;
            r->rel_err = r->e.max_rel;
            r->scale = r->e.scale;
            r->allowed = ms_allowed(r->scale, ms_check_rtol(o, r->kind), atol);
        } else {
            r->vm = c->ms_op.data[r->ia];
            r->vn = c->ng.op.data[r->ib];
            r->abs_err = fabs(r->vm - r->vn);
            if (isnan(r->abs_err))
                r->abs_err = INFINITY;
            r->scale = fmax(fabs(r->vm), fabs(r->vn));
            r->rel_err = r->scale > 0 ? r->abs_err / r->scale : (r->abs_err > 0 ? INFINITY : 0);
            r->allowed = ms_allowed(r->scale, o->op_rtol, atol);
        }
        r->pass = r->abs_err <= r->allowed;
    }
}

/* A DC sweep is compared point by point: both simulators must have swept
 * the same values in the same order (NULL), else why not. */
static const char *dc_points_differ(const MsResult *a, const MsResult *b)
{
    if (a->npts != b->npts)
        return "not the same number of points";
    double span = 0;
    for (size_t k = 0; k < a->npts; k++)
        span = fmax(span, fmax(fabs(a->time[k]), fabs(b->time[k])));
    for (size_t k = 0; k < a->npts; k++)
        if (fabs(a->time[k] - b->time[k]) > 1e-9 * span)
            return "not the same swept values";
    return NULL;
}

static int compare(MsCheck *c)
{
    int nwant = 0;
    const char *list = c->o->signals ? c->o->signals : c->in->signals;
    char **want = list ? parse_signals(list, &nwant) : NULL;
    int rc = MS_CHECK_PASS;
    if (list && nwant == 0)
        rc = fail(c, "--signals names no signal");
    if (rc == MS_CHECK_PASS && c->ms_has_tran) {
        if (!c->ng.has_tran)
            rc = fail(c, "ngspice produced no transient result (memspice did)");
        else if (c->ms_tran.npts == 0 || c->ng.tran.npts == 0)
            rc = fail(c, "a transient result without points");
        else
            rc = pair_signals(c, &c->ms_tran, &c->ng.tran, MS_ROW_TRAN, want, nwant);
    }
    if (rc == MS_CHECK_PASS && c->ms_has_dc) {
        if (!c->ng.has_dc)
            rc = fail(c, "ngspice produced no DC-sweep result (memspice did)");
        else if (c->ms_dc.npts == 0 || c->ng.dc.npts == 0)
            rc = fail(c, "a DC-sweep result without points");
        else
            rc = pair_signals(c, &c->ms_dc, &c->ng.dc, MS_ROW_DC, want, nwant);
    }
    if (rc == MS_CHECK_PASS && c->ms_has_ac) {
        if (!c->ng.has_ac)
            rc = fail(c, "ngspice produced no AC result (memspice did)");
        else if (c->ms_ac.npts == 0 || c->ng.ac.npts == 0)
            rc = fail(c, "an AC result without points");
        else
            rc = pair_signals(c, &c->ms_ac, &c->ng.ac, MS_ROW_AC, want, nwant);
    }
    if (rc == MS_CHECK_PASS && c->ms_has_op) {
        if (!c->ng.has_op)
            rc = fail(c, "ngspice produced no operating point (memspice did)");
        else
            rc = pair_signals(c, &c->ms_op, &c->ng.op, MS_ROW_OP, want, nwant);
    }
    for (int i = 0; i < nwant; i++)
        free(want[i]);
    free(want);
    if (rc != MS_CHECK_PASS)
        return rc;

    if (c->ms_has_tran) {
        const MsResult *a = &c->ms_tran, *b = &c->ng.tran;
        double a0 = a->time[0], a1 = a->time[a->npts - 1], b0 = b->time[0], b1 = b->time[b->npts - 1];
        if (fmin(a1, b1) < fmax(a0, b0))
            return fail(c, "the transient results do not overlap in time (memspice %g..%g s, ngspice %g..%g s)",
                        a0, a1, b0, b1);
        double tol = 1e-6 * fmax(a1 - a0, b1 - b0) + 1e-300;
        /* ngspice leaves out the point at t = 0 after a uic start: a start
         * up to two first steps later is the same span */
        double first = 0;
        if (a->npts > 1)
            first = fmax(first, a->time[1] - a0);
        if (b->npts > 1)
            first = fmax(first, b->time[1] - b0);
        if (fabs(a0 - b0) > fmax(tol, 2 * first) || fabs(a1 - b1) > tol)
            c->span_note = ms_asprintf("the transient spans differ: memspice %.9g..%.9g s, ngspice %.9g..%.9g s "
                                       "(compared on the common part)",
                                       a0, a1, b0, b1);
    }
    if (c->ms_has_dc && !c->span_note) {
        const char *why = dc_points_differ(&c->ms_dc, &c->ng.dc);
        if (why)
            c->span_note = ms_asprintf("the DC sweeps differ: %s (memspice %zu points, ngspice %zu)", why,
                                       c->ms_dc.npts, c->ng.dc.npts);
    }
    compare_rows(c);
    ms_check_meas_compare(c);
    int bad = c->span_note != NULL || ms_check_meas_bad(c);
    for (int i = 0; i < c->nrows; i++)
        bad |= !c->rows[i].pass;
    return c->status = bad ? MS_CHECK_MISMATCH : MS_CHECK_PASS;
}

/* ------------------------------------------------------------------ driver */

static int mkdir_p(const char *dir, MsError *err)
{
    char *p = ms_strdup(dir);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s)
            continue;
        char save = *s;
        *s = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            int rc = ms_err(err, MS_ERR_IO, "cannot create the report directory '%s': %s", p, strerror(e));
            free(p);
            return rc;
        }
        *s = save;
        if (!save)
            break;
    }
    struct stat st;
    int ok = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
    free(p);
    if (!ok)
        return ms_err(err, MS_ERR_IO, "'%s' is not a directory", dir);
    return MS_OK;
}

static void summary(const MsCheck *c)
{
    static const char *const row_tag[] = {" (op)", "", " (dc)", " (ac)"};   /* by MS_ROW_* */
    const char *label = c->in->label;
    if (c->status == MS_CHECK_ERROR) {
        fprintf(stderr, "memspice check: error: %s: could not compare: %s\n", label, c->error);
        return;
    }
    if (c->o->quiet && c->status == MS_CHECK_PASS)
        return;
    int nbad = 0;
    for (int i = 0; i < c->nrows; i++)
        nbad += !c->rows[i].pass;
    if (c->status == MS_CHECK_PASS) {
        fprintf(stderr, "memspice check: %s: pass, %d of %d signals agree", label, c->nrows, c->nrows);
        int ns = ms_check_meas_skipped(c);
        if (c->nmeas > ns)
            fprintf(stderr, ", %d of %d measures", c->nmeas - ns, c->nmeas - ns);
        if (ns)
            fprintf(stderr, ", %d measure%s not compared", ns, ns > 1 ? "s" : "");
        fprintf(stderr, " (memspice %.2f s, ngspice %.2f s)\n", c->ms_seconds, c->ng.seconds);
        return;
    }
    int mbad = 0;
    for (int i = 0; i < c->nmeas; i++)
        mbad += !c->meas[i].pass;
    fprintf(stderr, "memspice check: %s: MISMATCH, %d of %d signals differ", label, nbad, c->nrows);
    if (c->nmeas)
        fprintf(stderr, ", %d of %d measures", mbad, c->nmeas);
    int shown = 0;
    for (int i = 0; i < c->nrows && shown < 6; i++)
        if (!c->rows[i].pass)
            fprintf(stderr, "%s%s%s", shown++ ? ", " : ": ", c->rows[i].name,
                    row_tag[c->rows[i].analysis]);
    for (int i = 0; i < c->nmeas && shown < 6; i++)
        if (!c->meas[i].pass)
            fprintf(stderr, "%s.meas %s", shown++ ? ", " : ": ", c->meas[i].name);
    if (nbad + mbad > shown)
        fprintf(stderr, ", ...");
    if (c->span_note)
        fprintf(stderr, "; %s", c->span_note);
    fprintf(stderr, "\n");
}

static void check_free(MsCheck *c)
{
    free(c->error);
    ms_ngdeck_free(&c->deck);
    ms_result_free(&c->ms_op);
    ms_result_free(&c->ms_tran);
    ms_result_free(&c->ms_dc);
    ms_result_free(&c->ms_ac);
    ms_ngrun_free(&c->ng);
    for (int i = 0; i < c->nrows; i++) {
        free(c->rows[i].name);
        free(c->rows[i].png);
    }
    free(c->rows);
    for (int i = 0; i < c->nonly_ms; i++)
        free(c->only_ms[i]);
    free(c->only_ms);
    for (int i = 0; i < c->nonly_ng; i++)
        free(c->only_ng[i]);
    free(c->only_ng);
    free(c->span_note);
    free(c->plot_note);
    ms_check_meas_free(c);
}

int ms_check_run(const MsCheckInput *in, const MsCheckOpts *o, const char *report_dir)
{
    MsCheck c;
    memset(&c, 0, sizeof c);
    c.in = in;
    c.o = o;
    if (run_memspice(&c) == MS_CHECK_PASS && run_ngspice(&c) == MS_CHECK_PASS)
        compare(&c);
    if (!o->quiet)
        ms_check_print_text(&c, stdout);
    fflush(stdout);
    if (report_dir) {
        MsError err = {0};
        int rc = mkdir_p(report_dir, &err);
        if (rc == MS_OK) {
            if (c.status != MS_CHECK_ERROR)
                ms_check_write_plots(&c, report_dir);
            rc = ms_check_write_reports(&c, report_dir, &err);
        }
        if (rc != MS_OK) {
            summary(&c);
            fprintf(stderr, "memspice check: error: %s\n", err.msg);
            check_free(&c);
            return MS_CHECK_ERROR;
        }
        if (c.plot_note && !o->quiet)
            fprintf(stderr, "memspice check: notice: %s\n", c.plot_note);
    }
    summary(&c);
    int status = c.status;
    check_free(&c);
    return status;
}
