/* report.c — the table of a cross-check (stdout and report.txt) and its
 * machine-readable twin (report.json). */
#include "check_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../io/result.h"
#include "../util/util.h"

static const char *result_word(int status)
{
    return status == MS_CHECK_PASS ? "pass" : status == MS_CHECK_MISMATCH ? "mismatch" : "error";
}

/* The width of the signal column of one analysis' table. */
static int name_width(const MsCheck *c, int analysis)
{
    int w = 8;
    for (int i = 0; i < c->nrows; i++)
        if (c->rows[i].analysis == analysis && (int)strlen(c->rows[i].name) > w)
            w = (int)strlen(c->rows[i].name);
    return w;
}

/* "1.234e-05 V" into buf (fixed width) */
static const char *vu(char *buf, size_t n, double v, const char *unit)
{
    if (isinf(v))
        snprintf(buf, n, "inf %s", unit);
    else
        snprintf(buf, n, "%.3e %s", v, unit);
    return buf;
}

static const char *num(char *buf, size_t n, double v)
{
    if (isinf(v))
        snprintf(buf, n, "inf");
    else
        snprintf(buf, n, "%.2e", v);
    return buf;
}

/* How a swept analysis (transient, DC sweep, AC) shows its rows: the
 * column heads of the text table and the keys of the JSON objects.  The
 * figures are the same MsSigRow fields for each; AC has no rms column. */
typedef struct SweepTable {
    int analysis;                 /* MS_ROW_* */
    const char *at_head, *rel_head, *rms_head, *scale_head;   /* rms_head NULL: no column */
    const char *at_key, *rms_key, *scale_key;
    int with_points;              /* JSON: points_memspice, points_ngspice, plot (transient) */
} SweepTable;

static const SweepTable TRAN_TABLE = {MS_ROW_TRAN, "at time", "err/range", "nrms", "range",
                                      "t_max_abs_err", "nrms", "range", 1};
static const SweepTable DC_TABLE = {MS_ROW_DC, "at sweep", "err/range", "rms", "range",
                                    "sweep_at_max_abs_err", "rms", "range", 0};
static const SweepTable AC_TABLE = {MS_ROW_AC, "at frequency", "err/max", NULL, "max |H|",
                                    "f_max_abs_err", NULL, "max_magnitude", 0};

/* One text row (or, r NULL, the heads) of a swept analysis' table; at_unit
 * is the unit of the point where the error is largest. */
static void print_sweep_line(FILE *f, int w, const SweepTable *t, const MsSigRow *r, const char *at_unit)
{
    char b1[64], b2[64], b3[64], b4[64], b5[64], b6[64];
    const char *u = r ? ms_check_unit(r->kind) : "";
    fprintf(f, "  %-*s  %-13s %-13s %-9s ", w, r ? r->name : "signal", r ? vu(b1, sizeof b1, r->abs_err, u) : "max |error|",
            r ? vu(b2, sizeof b2, r->e.t_max, at_unit) : t->at_head, r ? num(b3, sizeof b3, r->rel_err) : t->rel_head);
    if (t->rms_head)
        fprintf(f, "%-9s ", r ? num(b4, sizeof b4, r->e.nrms) : t->rms_head);
    fprintf(f, "%-13s %-13s %s\n", r ? vu(b5, sizeof b5, r->scale, u) : t->scale_head,
            r ? vu(b6, sizeof b6, r->allowed, u) : "allowed", r ? (r->pass ? "pass" : "FAIL") : "result");
}

static void print_sweep_rows(const MsCheck *c, FILE *f, const SweepTable *t, const char *at_unit)
{
    int w = name_width(c, t->analysis);
    print_sweep_line(f, w, t, NULL, at_unit);
    for (int i = 0; i < c->nrows; i++)
        if (c->rows[i].analysis == t->analysis)
            print_sweep_line(f, w, t, &c->rows[i], at_unit);
}

/* Who simulated what, what ngspice was not given, the pass rule. */
static void print_text_head(const MsCheck *c, FILE *f)
{
    const MsCheckInput *in = c->in;
    const MsCheckOpts *o = c->o;
    fprintf(f, "memspice check: %s\n", in->label);
    fprintf(f, "  memspice simulates %s", in->ms_path);
    if (c->ms_has_op || c->ms_has_tran || c->ms_has_dc || c->ms_has_ac)
        fprintf(f, " (%.3f s)", c->ms_seconds);
    fprintf(f, "\n  ngspice simulates  %s through libngspice", in->ng_path);
    if (c->ng_ran)
        fprintf(f, " (%s, %.3f s)", c->ng.version ? c->ng.version : "version unknown", c->ng.seconds);
    fprintf(f, "\n");
    for (int i = 0; i < c->deck.nnotes; i++)
        fprintf(f, "  not given to ngspice: %s: %s (%s)\n", c->deck.notes[i].where, c->deck.notes[i].what,
                c->deck.notes[i].why);
    fprintf(f, "  pass rule: |memspice - ngspice| <= atol + rtol * scale\n    transient: scale = the signal's range, rtol ");
    if (o->rtol >= 0)
        fprintf(f, "%g", o->rtol);
    else
        fprintf(f, "%g for voltages, %g for currents", MS_CHECK_RTOL_V, MS_CHECK_RTOL_I);
    if (c->ms_has_dc)
        fprintf(f, "\n    DC sweep: as the transient, point by point");
    if (c->ms_has_ac)
        fprintf(f, "\n    ac: error |H_ms - H_ng| on a log f axis, scale = max |H|, rtol %g",
                o->rtol >= 0 ? o->rtol : MS_CHECK_RTOL_AC);
    fprintf(f, "\n    operating point: scale = |value|, rtol %g\n    atol ", o->op_rtol);
    if (o->atol >= 0)
        fprintf(f, "%g\n", o->atol);
    else
        fprintf(f, "%g V for voltages, %g A for currents\n", MS_CHECK_ATOL_V, MS_CHECK_ATOL_I);
}

/* The tables of the analyses both simulators ran. */
static void print_text_tables(const MsCheck *c, FILE *f)
{
    if (c->ms_has_tran) {
        const MsResult *a = &c->ms_tran, *b = &c->ng.tran;
        fprintf(f, "\ntransient: memspice %zu points, ngspice %zu points, %.6g s .. %.6g s\n", a->npts, b->npts,
                a->time[0], a->time[a->npts - 1]);
        print_sweep_rows(c, f, &TRAN_TABLE, "s");
        if (c->span_note)
            fprintf(f, "  FAIL: %s\n", c->span_note);
    }
    if (c->ms_has_dc) {
        const MsResult *a = &c->ms_dc;
        const char *su = ms_check_unit(ms_result_scale_kind(a));
        fprintf(f, "\nDC sweep: %zu points (ngspice %zu), %s %.6g .. %.6g %s, compared point by point\n", a->npts,
                c->ng.dc.npts, ms_result_scale(a), a->time[0], a->time[a->npts - 1], su);
        print_sweep_rows(c, f, &DC_TABLE, su);
        if (c->span_note && !c->ms_has_tran)
            fprintf(f, "  FAIL: %s\n", c->span_note);
    }
    if (c->ms_has_ac) {
        const MsResult *a = &c->ms_ac;
        fprintf(f, "\nac: memspice %zu frequencies, ngspice %zu, %.6g Hz .. %.6g Hz\n", a->npts, c->ng.ac.npts,
                a->time[0], a->time[a->npts - 1]);
        print_sweep_rows(c, f, &AC_TABLE, "Hz");
    }
    if (c->ms_has_op) {
        char b1[64], b2[64], b3[64];
        fprintf(f, "\noperating point:\n");
        int w = name_width(c, MS_ROW_OP);
        fprintf(f, "  %-*s  %-17s %-17s %-13s %-9s %-13s %s\n", w, "signal", "memspice", "ngspice", "|error|",
                "err/value", "allowed", "result");
        for (int i = 0; i < c->nrows; i++) {
            const MsSigRow *r = &c->rows[i];
            if (r->analysis != MS_ROW_OP)
                continue;
            const char *u = ms_check_unit(r->kind);
            fprintf(f, "  %-*s  % .10e % .10e %-13s %-9s %-13s %s\n", w, r->name, r->vm, r->vn,
                    vu(b1, sizeof b1, r->abs_err, u), num(b2, sizeof b2, r->rel_err),
                    vu(b3, sizeof b3, r->allowed, u), r->pass ? "pass" : "FAIL");
        }
    }
    ms_check_meas_text(c, f);
}

/* The signals saved by one side only, and the verdict. */
static void print_text_result(const MsCheck *c, FILE *f)
{
    if (c->nonly_ms) {
        fprintf(f, "\nsaved by memspice only (not compared):");
        for (int i = 0; i < c->nonly_ms; i++)
            fprintf(f, " %s", c->only_ms[i]);
        fprintf(f, "\n");
    }
    if (c->nonly_ng) {
        fprintf(f, "%ssaved by ngspice only (not compared):", c->nonly_ms ? "" : "\n");
        for (int i = 0; i < c->nonly_ng; i++)
            fprintf(f, " %s", c->only_ng[i]);
        fprintf(f, "\n");
    }
    int nbad = 0, nskip = ms_check_meas_skipped(c);
    for (int i = 0; i < c->nrows; i++)
        nbad += !c->rows[i].pass;
    if (c->status == MS_CHECK_ERROR)
        fprintf(f, "\nresult: could not compare: %s\n", c->error);
    else if (c->status == MS_CHECK_PASS && !c->nmeas)
        fprintf(f, "\nresult: pass (%d of %d signals agree)\n", c->nrows, c->nrows);
    else if (c->status == MS_CHECK_PASS)
        fprintf(f, "\nresult: pass (%d of %d signals and %d of %d measures agree%s)\n", c->nrows, c->nrows,
                c->nmeas - nskip, c->nmeas - nskip, nskip ? "; some measures not compared" : "");
    else
        fprintf(f, "\nresult: MISMATCH (%d of %d signals%s differ%s)\n", nbad, c->nrows,
                ms_check_meas_bad(c) ? " and some measures" : "",
                c->span_note ? (c->ms_has_tran ? "; the transient spans differ" : "; the DC sweeps differ") : "");
}

void ms_check_print_text(const MsCheck *c, FILE *f)
{
    print_text_head(c, f);
    if (c->status != MS_CHECK_ERROR)
        print_text_tables(c, f);
    print_text_result(c, f);
}

/* ------------------------------------------------------------------- JSON */

void ms_check_jstr(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void ms_check_jnum(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("null", f);   /* JSON has no inf or NaN */
}

/* The start of one signal's JSON object: separator, name and unit. */
static void json_row_start(FILE *f, int *first, const MsSigRow *r)
{
    fputs(*first ? "\n      {\"name\": " : ",\n      {\"name\": ", f);
    *first = 0;
    ms_check_jstr(f, r->name);
    fputs(", \"unit\": ", f);
    ms_check_jstr(f, ms_check_unit(r->kind));
}

static void jnames(FILE *f, char **names, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        ms_check_jstr(f, names[i]);
    }
    fputc(']', f);
}

/* The signal objects of a swept analysis, up to the closing of its object. */
static void json_sweep_rows(const MsCheck *c, FILE *f, const SweepTable *t)
{
    int first = 1;
    for (int i = 0; i < c->nrows; i++) {
        const MsSigRow *r = &c->rows[i];
        if (r->analysis != t->analysis)
            continue;
        json_row_start(f, &first, r);
        fputs(", \"max_abs_err\": ", f);
        ms_check_jnum(f, r->abs_err);
        fprintf(f, ", \"%s\": ", t->at_key);
        ms_check_jnum(f, r->e.t_max);
        fputs(", \"max_rel_err\": ", f);
        ms_check_jnum(f, r->rel_err);
        if (t->rms_key) {
            fprintf(f, ", \"%s\": ", t->rms_key);
            ms_check_jnum(f, r->e.nrms);
        }
        fprintf(f, ", \"%s\": ", t->scale_key);
        ms_check_jnum(f, r->scale);
        fputs(", \"allowed\": ", f);
        ms_check_jnum(f, r->allowed);
        if (t->with_points)
            fprintf(f, ", \"points_memspice\": %zu, \"points_ngspice\": %zu", r->e.na, r->e.nb);
        fprintf(f, ", \"pass\": %s", r->pass ? "true" : "false");
        if (t->with_points) {
            fputs(", \"plot\": ", f);
            ms_check_jstr(f, r->png);
        }
        fputs("}", f);
    }
    fputs("\n    ]\n  }", f);
}

/* label, inputs, result, times, tolerances, what ngspice was not given */
static void json_head(const MsCheck *c, FILE *f)
{
    const MsCheckInput *in = c->in;
    const MsCheckOpts *o = c->o;
    fputs("{\n  \"label\": ", f);
    ms_check_jstr(f, in->label);
    fputs(",\n  \"memspice_netlist\": ", f);
    ms_check_jstr(f, in->ms_path);
    fputs(",\n  \"ngspice_netlist\": ", f);
    ms_check_jstr(f, in->ng_path);
    fputs(",\n  \"ngspice_version\": ", f);
    ms_check_jstr(f, c->ng.version);
    fprintf(f, ",\n  \"result\": \"%s\",\n  \"exit_code\": %d,\n  \"error\": ", result_word(c->status), c->status);
    ms_check_jstr(f, c->status == MS_CHECK_ERROR ? c->error : NULL);
    fputs(",\n  \"memspice_seconds\": ", f);
    ms_check_jnum(f, c->ms_seconds);
    fputs(",\n  \"ngspice_seconds\": ", f);
    ms_check_jnum(f, c->ng.seconds);
    fputs(",\n  \"tolerances\": {\"rule\": \"|memspice - ngspice| <= atol + rtol * scale\", \"rtol_voltage\": ", f);
    ms_check_jnum(f, ms_check_rtol(o, MS_VEC_VOLTAGE));
    fputs(", \"rtol_current\": ", f);
    ms_check_jnum(f, ms_check_rtol(o, MS_VEC_CURRENT));
    fputs(", \"rtol_other\": ", f);
    ms_check_jnum(f, ms_check_rtol(o, MS_VEC_STATE));
    fputs(", \"op_rtol\": ", f);
    ms_check_jnum(f, o->op_rtol);
    fputs(", \"atol_voltage\": ", f);
    ms_check_jnum(f, ms_check_atol(o, MS_VEC_VOLTAGE));
    fputs(", \"atol_current\": ", f);
    ms_check_jnum(f, ms_check_atol(o, MS_VEC_CURRENT));
    fputs(", \"atol_other\": ", f);
    ms_check_jnum(f, ms_check_atol(o, MS_VEC_STATE));
    fputs("},\n  \"not_given_to_ngspice\": [", f);
    for (int i = 0; i < c->deck.nnotes; i++) {
        fputs(i ? ",\n    {\"where\": " : "\n    {\"where\": ", f);
        ms_check_jstr(f, c->deck.notes[i].where);
        fputs(", \"what\": ", f);
        ms_check_jstr(f, c->deck.notes[i].what);
        fputs(", \"why\": ", f);
        ms_check_jstr(f, c->deck.notes[i].why);
        fputs("}", f);
    }
    fputs("]", f);
}

/* The value of "transient", "dc_sweep" and "ac": an object or null. */
static void json_tran(const MsCheck *c, FILE *f)
{
    if (c->status == MS_CHECK_ERROR || !c->ms_has_tran) {
        fputs("null", f);
        return;
    }
    const MsResult *a = &c->ms_tran, *b = &c->ng.tran;
    fprintf(f, "{\n    \"memspice_points\": %zu, \"ngspice_points\": %zu,\n    \"t_start\": ", a->npts, b->npts);
    ms_check_jnum(f, a->time[0]);
    fputs(", \"t_stop\": ", f);
    ms_check_jnum(f, a->time[a->npts - 1]);
    fputs(",\n    \"span_note\": ", f);
    ms_check_jstr(f, c->span_note);
    fputs(",\n    \"signals\": [", f);
    json_sweep_rows(c, f, &TRAN_TABLE);
}

static void json_dc(const MsCheck *c, FILE *f)
{
    if (c->status == MS_CHECK_ERROR || !c->ms_has_dc) {
        fputs("null", f);
        return;
    }
    const MsResult *a = &c->ms_dc;
    fprintf(f, "{\n    \"memspice_points\": %zu, \"ngspice_points\": %zu,\n    \"scale\": ", a->npts, c->ng.dc.npts);
    ms_check_jstr(f, ms_result_scale(a));
    fputs(", \"first\": ", f);
    ms_check_jnum(f, a->time[0]);
    fputs(", \"last\": ", f);
    ms_check_jnum(f, a->time[a->npts - 1]);
    fputs(",\n    \"points_note\": ", f);
    ms_check_jstr(f, c->ms_has_tran ? NULL : c->span_note);
    fputs(",\n    \"signals\": [", f);
    json_sweep_rows(c, f, &DC_TABLE);
}

static void json_ac(const MsCheck *c, FILE *f)
{
    if (c->status == MS_CHECK_ERROR || !c->ms_has_ac) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\n    \"memspice_points\": %zu, \"ngspice_points\": %zu,\n    \"signals\": [", c->ms_ac.npts,
            c->ng.ac.npts);
    json_sweep_rows(c, f, &AC_TABLE);
}

static void json_op(const MsCheck *c, FILE *f)
{
    if (c->status == MS_CHECK_ERROR || !c->ms_has_op) {
        fputs("null", f);
        return;
    }
    fputs("{\n    \"signals\": [", f);
    int first = 1;
    for (int i = 0; i < c->nrows; i++) {
        const MsSigRow *r = &c->rows[i];
        if (r->analysis != MS_ROW_OP)
            continue;
        json_row_start(f, &first, r);
        fputs(", \"memspice\": ", f);
        ms_check_jnum(f, r->vm);
        fputs(", \"ngspice\": ", f);
        ms_check_jnum(f, r->vn);
        fputs(", \"abs_err\": ", f);
        ms_check_jnum(f, r->abs_err);
        fputs(", \"rel_err\": ", f);
        ms_check_jnum(f, r->rel_err);
        fputs(", \"allowed\": ", f);
        ms_check_jnum(f, r->allowed);
        fprintf(f, ", \"pass\": %s}", r->pass ? "true" : "false");
    }
    fputs("\n    ]\n  }", f);
}

static void write_json(const MsCheck *c, FILE *f)
{
    json_head(c, f);
    fputs(",\n  \"transient\": ", f);
    json_tran(c, f);
    fputs(",\n  \"dc_sweep\": ", f);
    json_dc(c, f);
    fputs(",\n  \"ac\": ", f);
    json_ac(c, f);
    fputs(",\n  \"operating_point\": ", f);
    json_op(c, f);
    fputs(",\n  \"measures\": ", f);
    ms_check_meas_json(c, f);
    fputs(",\n  \"memspice_only\": ", f);
    jnames(f, c->only_ms, c->nonly_ms);
    fputs(",\n  \"ngspice_only\": ", f);
    jnames(f, c->only_ng, c->nonly_ng);
    /* what ngspice complained about (its stderr), for a failed or odd run */
    fputs(",\n  \"ngspice_messages\": [", f);
    int k = 0;
    for (int i = 0; i < c->ng.nout && k < 100; i++) {
        if (!c->ng.is_err[i] || !c->ng.out[i][0])
            continue;
        fputs(k++ ? ", " : "", f);
        ms_check_jstr(f, c->ng.out[i]);
    }
    fputs("],\n  \"plots_note\": ", f);
    ms_check_jstr(f, c->plot_note);
    fputs("\n}\n", f);
}

static int write_one(const MsCheck *c, const char *dir, const char *name, int json, MsError *err)
{
    char *path = ms_asprintf("%s/%s", dir, name);
    MsOutFile out;
    int rc = ms_out_open(&out, path, 0, err);
    if (rc == MS_OK) {
        if (json)
            write_json(c, out.fp);
        else
            ms_check_print_text(c, out.fp);
        rc = ms_out_finish(&out, 1, err);
    }
    free(path);
    return rc;
}

int ms_check_write_reports(const MsCheck *c, const char *dir, MsError *err)
{
    int rc = write_one(c, dir, "report.txt", 0, err);
    if (rc == MS_OK)
        rc = write_one(c, dir, "report.json", 1, err);
    return rc;
}
