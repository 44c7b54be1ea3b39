/* crosscheck.h — `memspice check`: simulate a netlist with memspice and with
 * ngspice (libngspice, in a child process), compare every common signal of
 * the transient and the operating point, print a table, optionally write a
 * report directory (report.txt, report.json, one PNG per transient signal).
 *
 * The pass rule of every signal is  max |memspice - ngspice| <= atol + rtol * scale:
 *  - transient: both waveforms interpolated onto each other's accepted points
 *    (the worse direction counts); scale = the signal's range (the larger of
 *    the two waveforms' max - min; the magnitude if both are constant); rtol = --rtol, or by
 *    kind: 1e-3 for voltages (and states), 1e-2 for currents;
 *  - operating point: scale = max(|memspice|, |ngspice|), rtol = --op-rtol (1e-4);
 *  - AC: complex phasors on a log10(f) axis, error |H_ms - H_ng|, scale =
 *    the largest |H| over the sweep, rtol = --rtol, or 1e-3 (ac_compare.c);
 *  - atol = --atol, or by kind: 1e-6 V for voltages, 1e-9 A for currents.
 * .meas results: |memspice - ngspice| <= max(meas_rtol * max(|m|, |n|), atol),
 * atol = meas_rtol * the scale of what is measured (a signal's range) unless
 * --meas-atol; a measure that fails in both simulators agrees.
 * Why these defaults: README.md, "Cross-checking against ngspice". */
#ifndef MS_CHECK_CROSSCHECK_H
#define MS_CHECK_CROSSCHECK_H

#include <stdio.h>

#include "../memspice.h"

#define MS_CHECK_RTOL_V 1e-3      /* transient voltages (and states), of the range */
#define MS_CHECK_RTOL_I 1e-2      /* transient currents, of the range */
#define MS_CHECK_OP_RTOL 1e-4     /* operating point, of the value */
#define MS_CHECK_RTOL_AC 1e-3     /* AC, every kind, of the largest magnitude over the sweep */
#define MS_CHECK_ATOL_V 1e-6      /* volts */
#define MS_CHECK_ATOL_I 1e-9      /* amperes */
#define MS_CHECK_ATOL_OTHER 1e-9  /* state variables, unknown units */
#define MS_CHECK_TIMEOUT 300.0    /* seconds */
#define MS_CHECK_MEAS_RTOL 1e-3   /* .meas results, of the value */

/* Exit codes of `memspice check`. */
enum { MS_CHECK_PASS = 0, MS_CHECK_MISMATCH = 1, MS_CHECK_ERROR = 2 };

typedef struct MsCheckOpts {
    double rtol;               /* transient; < 0: by kind (MS_CHECK_RTOL_*) */
    double op_rtol;
    double atol;               /* < 0: by kind (MS_CHECK_ATOL_*) */
    double timeout;            /* ngspice time limit in seconds; <= 0: none */
    double meas_rtol;          /* .meas: |m - n| <= max(meas_rtol * max(|m|, |n|), atol) */
    double meas_atol;          /* < 0: meas_rtol * the measure's scale (MsMeasure.scale) */
    const char *ngspice_lib;   /* NULL: $MEMSPICE_NGSPICE_LIB or libngspice.so.0 */
    const char *signals;       /* "v(out),i(v1)"; NULL: every signal both simulators saved */
    int quiet;                 /* no table on stdout, no notices */
} MsCheckOpts;

void ms_check_opts_default(MsCheckOpts *o);

/* What each simulator runs: a file (text NULL) or a text named by path.
 * The two sides are the same netlist for a plain check, two netlists with
 * --against, a native model and its reference subcircuit for --model. */
typedef struct MsCheckInput {
    const char *label;            /* names the check in messages and reports */
    const char *ms_path, *ms_text;
    const char *ng_path, *ng_text;
    const char *signals;          /* default signal list (overridden by opts) */
} MsCheckInput;

/* Run one check; writes report files into report_dir (created if needed)
 * when it is not NULL.  Returns MS_CHECK_PASS, _MISMATCH or _ERROR. */
int ms_check_run(const MsCheckInput *in, const MsCheckOpts *o, const char *report_dir);

/* ---- model_cases.c: `memspice check --model` ---- */

/* One device model: its native memspice implementation and its reference
 * subcircuit (ngspice-compatible, from models/), under the same drive.
 * memspice simulates drive + native, ngspice simulates drive + reference.
 * "@MODELS@" in the fragments stands for the models directory. */
typedef struct MsModelCase {
    const char *name;        /* what --model takes */
    const char *about;       /* one line */
    const char *native;      /* netlist fragment with the native device */
    const char *reference;   /* fragment with the reference subcircuit (or .include of it) */
    const char *drive;       /* sources, load and analysis cards shared by both */
    const char *signals;     /* compared signals */
} MsModelCase;

extern const MsModelCase ms_model_cases[];   /* terminated by name == NULL */

const MsModelCase *ms_model_case_find(const char *name);
/* The two netlists of a case (malloc'ed), "@MODELS@" replaced by models_dir. */
void ms_model_case_netlists(const MsModelCase *mc, const char *models_dir, char **ms_text,
                            char **ng_text);

#endif
