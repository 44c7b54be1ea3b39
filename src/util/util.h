/* util.h — small helpers shared by every module: checked allocation,
 * error reporting into MsError, strings, a string→int hash map. */
#ifndef MS_UTIL_H
#define MS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include "../memspice.h"

/* Where something stands in a netlist: file name (shared, not owned), line, column. */
typedef struct MsLoc {
    const char *file;
    int line, col;
} MsLoc;

/* Set err (if not NULL) and return code.  ms_err_at prefixes "file:line:col: ". */
int ms_err(MsError *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ms_err_at(MsError *err, int code, MsLoc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Allocation that never returns NULL for a non-zero size: on failure the
 * process reports and exits (a simulator that runs out of memory cannot
 * return a partial answer any more usefully). */
void *ms_malloc(size_t n);
void *ms_calloc(size_t n, size_t size);
void *ms_realloc(void *p, size_t n);
char *ms_strdup(const char *s);
char *ms_strndup(const char *s, size_t n);
/* A copy of s with Xyce's hierarchy separator ':' as memspice's '.' (x1:b -> x1.b). */
char *ms_dotted_name(const char *s);
char *ms_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ms_lower(char *s);

/* The gnuplot program that `check` and `train` plots run (malloc'ed path):
 * $MEMSPICE_GNUPLOT when it is set (NULL if that is not executable), else
 * the first executable "gnuplot" on the PATH; NULL if there is none. */
char *ms_gnuplot_program(void);

/* Grow *p (element size esz) so that it holds at least need elements. */
void ms_grow(void **p, size_t *cap, size_t need, size_t esz);

/* Make room for element n of an array grown one element at a time, whose
 * capacity is n rounded up to a power of two (amortised O(1) appends). */
#define MS_RESERVE_NEXT(arr, n)                                                          \
    do {                                                                                 \
        if (((n) & ((n) - 1)) == 0)                                                      \
            (arr) = ms_realloc((arr), (size_t)((n) ? 2 * (n) : 1) * sizeof *(arr));     \
    } while (0)

/* v with the fewest significant digits (at most 17) that read back as v
 * exactly: 0.317182, not 0.31718200000000002 (malloc'd). */
char *ms_shortest_g(double v);

/* 1 if v is a whole number in [lo, hi]: tested before a cast to int,
 * since casting 1e12 or NaN is undefined behaviour. */
int ms_whole_in(double v, double lo, double hi);

/* Open-addressing hash map from strings (copied) to ints. */
typedef struct MsMap {
    char **keys;
    int *vals;
    size_t cap, count;
} MsMap;
void ms_map_init(MsMap *m);
void ms_map_free(MsMap *m);
int ms_map_get(const MsMap *m, const char *key, int *val);   /* 1 if found */
void ms_map_put(MsMap *m, const char *key, int val);

#endif
