/* ngspice_run.h — simulating a netlist with libngspice, in a child process.
 *
 * The library is loaded with dlopen() in a forked child (memspice does not
 * link it), so that a missing library, an ngspice abort or an endless loop
 * cannot take memspice down: the child streams ngspice's printed lines and
 * the resulting vectors through a pipe; the parent waits with a time limit,
 * kills the child when it runs out, and reports a child killed by a signal
 * as an ngspice crash.  The child runs the deck's analyses with "run" (or
 * "op" when the deck has none) and sends every vector of the transient,
 * operating-point, DC-sweep and AC plots, named as memspice names them ("out" -> v(out),
 * "v1#branch" -> i(v1), "l.x1.l1#branch" -> i(x1.l1)). */
#ifndef MS_CHECK_NGSPICE_RUN_H
#define MS_CHECK_NGSPICE_RUN_H

#include "../memspice.h"

#define MS_NGSPICE_LIB_DEFAULT "libngspice.so.0"

typedef struct MsNgOpts {
    const char *lib;      /* library name or path; NULL: $MEMSPICE_NGSPICE_LIB or the default */
    double timeout;       /* seconds; <= 0: no limit */
    const char *dir;      /* the child works in this directory (NULL: the current one) */
    char *const *where;   /* optional, per deck line: "file:line", to translate
                             ngspice's "line no. N" in the messages quoted */
    int nwhere;
} MsNgOpts;

typedef enum {
    MS_NG_OK = 0,
    MS_NG_NOLIB,        /* the library could not be loaded (or lacks a symbol) */
    MS_NG_REJECTED,     /* ngspice did not accept the netlist */
    MS_NG_FAILED,       /* the simulation failed (error printed, aborted run) */
    MS_NG_CRASHED,      /* the child died by a signal */
    MS_NG_TIMEOUT,      /* killed at the time limit */
    MS_NG_NORESULT      /* finished without a transient, operating-point or DC plot */
} MsNgStatus;

typedef struct MsNgRun {
    MsNgStatus status;
    char *version;        /* "ngspice-39", from its banner (NULL if not seen) */
    char **out;           /* every line ngspice printed, without the stdout/stderr tag */
    unsigned char *is_err;/* per line: printed on stderr */
    int nout;
    MsResult op, tran;    /* filled when has_op / has_tran */
    int has_op, has_tran;
    MsResult dc;          /* the DC sweep (.dc), filled when has_dc */
    int has_dc;
    MsResult ac;          /* the first AC plot (complex: scale frequency, imag set), when has_ac */
    int has_ac;
    double seconds;       /* wall time of the child */
} MsNgRun;

/* lines: title, cards, ".end", NULL.  Returns MS_OK when ngspice simulated
 * the deck (run->status == MS_NG_OK); otherwise an error code with a message
 * that says what happened (and quotes ngspice's error lines). */
int ms_ngspice_run(char *const *lines, const MsNgOpts *o, MsNgRun *run, MsError *err);
void ms_ngrun_free(MsNgRun *run);

const char *ms_ngstatus_name(MsNgStatus s);

/* ngspice's vector name in memspice's spelling (malloc'ed, lower case). */
char *ms_ngname_to_ms(const char *ngname, int is_current);

/* Does a line ngspice printed report an error? */
int ms_ng_is_error_line(const char *line);

#endif
