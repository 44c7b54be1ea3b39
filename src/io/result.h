/* result.h — building MsResult tables (internal). */
#ifndef MS_RESULT_H
#define MS_RESULT_H

#include "../memspice.h"
#include "../util/util.h"

#include <stdio.h>

/* Start an empty result with nvec vectors whose names/kinds the caller fills. */
void ms_result_init(MsResult *r, const char *title, const char *plotname, int nvec,
                    int with_time);
/* Append a point at time t; returns the row of nvec values to fill (and,
 * when r->imag is set, grows imag alike: the row at the same offset). */
double *ms_result_add_point(MsResult *r, double t);

/* The scale vector's name ("time" unless r->scale says otherwise: a DC
 * sweep's source, an AC result's "frequency") and kind (MS_VEC_TIME,
 * MS_VEC_FREQUENCY, or from the name: v(v-sweep) a voltage, i(i-sweep) a
 * current).  Every writer names and types the scale through these two. */
const char *ms_result_scale(const MsResult *r);
int ms_result_scale_kind(const MsResult *r);
/* A DC sweep's scale as ngspice names it: v(v-sweep), i(i-sweep),
 * res-sweep, temp-sweep. */
int ms_is_sweep_scale(const char *name);

/* The netlist's `.print ANALYSIS` table ("tran", "dc" or "ac") of result r
 * on f (io/print_table.c); the number of columns, 0 when there is no such
 * .print (nothing printed). */
int ms_print_table(const MsCircuit *c, const char *analysis, const MsResult *r, FILE *f);

/* Writers, one per format (io/raw.c, io/csv.c, io/hdf5.c).  Each writes
 * the whole result to `path` ("-" = stdout where the format allows). */
int ms_write_raw(const MsResult *r, const char *path, int ascii, MsError *err);
int ms_write_csv(const MsResult *r, const char *path, MsError *err);
int ms_write_hdf5(const MsResult *r, const char *path, MsError *err);

/* Write-to-temporary-then-rename: open "<path>.tmp.<pid>" for writing
 * (stdout for "-"); finish renames it into place (or removes it if ok == 0). */
typedef struct MsOutFile {
    void *fp;          /* FILE * */
    char *path, *tmp;  /* tmp NULL for stdout */
} MsOutFile;
int ms_out_open(MsOutFile *o, const char *path, int binary, MsError *err);
int ms_out_finish(MsOutFile *o, int ok, MsError *err);
/* The temporary name ms_out_open uses for path (malloc'ed), and the final
 * step of ms_out_finish: rename tmp to path, or remove tmp and report.
 * For a writer that has to create its file itself. */
char *ms_out_tmpname(const char *path);
int ms_out_commit(const char *tmp, const char *path, MsError *err);
/* MS_ERR_ARG unless r is a complete table a writer can walk (names set,
 * at least one column, data present for npts > 0). */
int ms_out_check(const MsResult *r, MsError *err);

/* Readers, for tests and for comparing with ngspice.  Each fills *out (set
 * up by the reader; release with ms_result_free) or leaves it zeroed and
 * returns MS_ERR_IO naming the file when it is missing, malformed or
 * truncated.  A complex (AC) plot or CSV ("frequency,re(x),im(x),...")
 * reads into a complex result: scale "frequency" in r->time, r->imag set.
 *
 * ms_read_raw reads the first plot of an ngspice raw file, binary or ascii,
 * as written by ngspice (-r, or `write`) or by ms_write_raw.  A first
 * vector of type "time" becomes r->time; every other vector becomes a
 * column (kind from its type: voltage, current, anything else a state).
 * ms_read_raw_plot picks the first plot whose Plotname starts with plotname
 * (case-insensitive; NULL = the first plot), e.g. "Transient" when ngspice
 * wrote an operating point before the transient into the same file. */
int ms_read_raw(const char *path, MsResult *out, MsError *err);
int ms_read_raw_plot(const char *path, const char *plotname, MsResult *out,
                     MsError *err);
/* A CSV file as written by ms_write_csv: a first column named "time" becomes
 * r->time; kinds are guessed from the names (v(...), i(...), else state). */
int ms_read_csv(const char *path, MsResult *out, MsError *err);

#endif
