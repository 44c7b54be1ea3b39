/* check_internal.h — one cross-check's state, shared by crosscheck.c (the
 * run), report.c (text and JSON) and plot.c (PNGs). */
#ifndef MS_CHECK_INTERNAL_H
#define MS_CHECK_INTERNAL_H

#include <stdio.h>

#include "compare.h"
#include "crosscheck.h"
#include "ngdeck.h"
#include "ngspice_run.h"

/* Which analysis a row compares. */
enum { MS_ROW_OP = 0, MS_ROW_TRAN = 1, MS_ROW_DC = 2, MS_ROW_AC = 3 };

typedef struct MsSigRow {
    char *name;
    int kind;            /* MS_VEC_* */
    int analysis;        /* MS_ROW_*: operating point, transient, DC sweep or AC */
    int ia, ib;          /* column in memspice's / ngspice's result */
    MsWaveErr e;         /* transient, DC-sweep and AC figures */
    double vm, vn;       /* operating point: memspice's and ngspice's value */
    double abs_err, rel_err, scale;   /* every analysis: the figures the rule uses */
    double allowed;
    int pass;
    char *png;           /* file name in the report directory, or NULL */
} MsSigRow;

/* One .meas result of each simulator (meas_check.c). */
typedef struct MsMeasRow {
    char *name, *kind;
    const char *analysis;  /* "dc" or "tran" (static) */
    int ms_ok;           /* memspice took it (vm), else ms_why */
    double vm;
    char *ms_why;
    int ng_seen, ng_ok;  /* ngspice printed a result for it; not "failed" (vn) */
    double vn;
    double scale;        /* memspice's MsMeasure.scale */
    double abs_err, allowed;
    int pass;
    const char *skip;    /* not compared: why ngspice 39 gives no result for it (static), or NULL */
} MsMeasRow;

typedef struct MsCheck {
    const MsCheckInput *in;
    const MsCheckOpts *o;
    int status;                  /* MS_CHECK_* */
    char *error;                 /* why the comparison could not be made */
    MsNgDeck deck;
    MsResult ms_op, ms_tran, ms_dc;
    int ms_has_op, ms_has_tran, ms_has_dc;
    MsResult ms_ac;              /* .ac: complex, scale frequency */
    int ms_has_ac;
    double ms_seconds;
    MsNgRun ng;
    int ng_ran;
    MsSigRow *rows;
    int nrows;
    char **only_ms, **only_ng;   /* saved by one simulator only (not compared) */
    int nonly_ms, nonly_ng;
    char *span_note;             /* the transient spans (or the DC sweeps' points) differ */
    char *plot_note;             /* why no PNGs were written */
    MsMeasRow *meas;             /* the .meas results: the DC sweep's, then the transient's */
    int nmeas;
} MsCheck;

/* Units of a kind: "V", "A", "". */
const char *ms_check_unit(int kind);
/* The tolerance rule's atol and transient rtol for a kind under the options. */
double ms_check_atol(const MsCheckOpts *o, int kind);
double ms_check_rtol(const MsCheckOpts *o, int kind);

/* meas_check.c: memspice's measures (after its transient), ngspice's (read
 * from the lines it printed) and their comparison; text and JSON parts. */
void ms_check_meas_collect(MsCheck *c, const MsCircuit *circ);
void ms_check_meas_compare(MsCheck *c);
int ms_check_meas_bad(const MsCheck *c);
int ms_check_meas_skipped(const MsCheck *c);   /* how many were not compared */
void ms_check_meas_text(const MsCheck *c, FILE *f);
void ms_check_meas_json(const MsCheck *c, FILE *f);
void ms_check_meas_free(MsCheck *c);

/* ac_compare.c: rows of the AC result (analysis == MS_ROW_AC).  Both
 * phasors are interpolated onto the other's frequencies on a log10(f) axis
 * (re and im separately); the error is max |H_ms - H_ng| (complex modulus)
 * over both directions, e.t_max its frequency; scale = max |H| of either;
 * rtol --rtol or MS_CHECK_RTOL_AC for every kind. */
void ms_check_ac_row(const MsCheck *c, MsSigRow *r);

/* report.c */
void ms_check_print_text(const MsCheck *c, FILE *f);
/* JSON values: a string (NULL: null), a number (inf, NaN: null). */
void ms_check_jstr(FILE *f, const char *s);
void ms_check_jnum(FILE *f, double v);
int ms_check_write_reports(const MsCheck *c, const char *dir, MsError *err);

/* plot.c: one PNG per transient row into dir (DC and AC rows: the table
 * only); sets rows' png or c->plot_note. */
void ms_check_write_plots(MsCheck *c, const char *dir);

#endif
