/* ngspice_run.c — see ngspice_run.h.
 *
 * Pipe protocol, child to parent: records of a tag byte, a 4-byte length
 * (host order: both ends are the same program) and the payload:
 *   'L' a line ngspice printed ("stdout ..." / "stderr ...")
 *   'E' the child's own error message (library not loadable, ...)
 *   'C' int32: ngSpice_Circ's return value        'R' int32: "run"'s
 *   'X' int32: ngspice asked to exit (it cannot recover)
 *   'V' plot name NUL, vector name NUL, int32 ngspice vector type, doubles
 *   'W' the same for a complex vector (an AC plot's): re, im pairs
 *   'D' done
 * The child's own stdout and stderr go to a second pipe, so whatever
 * ngspice (or the C library, when it aborts) writes there is kept too. */
#include "ngspice_run.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../io/result.h"
#include "../util/util.h"

/* The interface of sharedspice.h (ngspice's shared-library header).  The
 * header is used when present; these declarations, identical to it, let
 * memspice build where libngspice0-dev is not installed. */
#if defined(__has_include)
#if __has_include(<ngspice/sharedspice.h>)
#include <ngspice/sharedspice.h>
#define MS_HAVE_SHAREDSPICE_H 1
#endif
#endif
#ifndef MS_HAVE_SHAREDSPICE_H
typedef bool NG_BOOL;
typedef struct ngcomplex { double cx_real, cx_imag; } ngcomplex_t;
typedef struct vector_info {
    char *v_name;
    int v_type;
    short v_flags;
    double *v_realdata;
    ngcomplex_t *v_compdata;
    int v_length;
} vector_info, *pvector_info;
typedef int(SendChar)(char *, int, void *);
typedef int(SendStat)(char *, int, void *);
typedef int(ControlledExit)(int, NG_BOOL, NG_BOOL, int, void *);
typedef int(SendData)(void *, int, int, void *);
typedef int(SendInitData)(void *, int, void *);
typedef int(BGThreadRunning)(NG_BOOL, int, void *);
#endif

/* ngspice's vector types (ngspice/sim.h) */
enum { NG_SV_TIME = 1, NG_SV_VOLTAGE = 3, NG_SV_CURRENT = 4 };

/* child exit codes */
enum { CHILD_OK = 0, CHILD_NOLIB = 3, CHILD_NGEXIT = 5, CHILD_PIPE = 6 };

const char *ms_ngstatus_name(MsNgStatus s)
{
    switch (s) {
    case MS_NG_OK: return "ok";
    case MS_NG_NOLIB: return "library not loadable";
    case MS_NG_REJECTED: return "netlist rejected";
    case MS_NG_FAILED: return "simulation failed";
    case MS_NG_CRASHED: return "crashed";
    case MS_NG_TIMEOUT: return "timed out";
    case MS_NG_NORESULT: return "no result";
    }
    return "?";
}

/* ------------------------------------------------------------------ names */

char *ms_ngname_to_ms(const char *ngname, int is_current)
{
    char *s = ms_strdup(ngname);
    ms_lower(s);
    size_t n = strlen(s);
    const char *suffix = "#branch";
    size_t ns = strlen(suffix);
    char *out;
    if (n > ns && !strcmp(s + n - ns, suffix)) {
        s[n - ns] = 0;
        /* an element inside a subcircuit: ngspice writes "l.x1.l1" for x1.l1 */
        const char *base = (s[0] && s[1] == '.' && s[2]) ? s + 2 : s;
        out = ms_asprintf("i(%s)", base);
    } else if (strchr(s, '(') || s[0] == '@') {
        out = ms_strdup(s);   /* already a function of nodes, or a device property */
    } else {
        out = ms_asprintf(is_current ? "i(%s)" : "v(%s)", s);
    }
    free(s);
    return out;
}

static int has_ci(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (; *s; s++)
        if (!strncasecmp(s, w, n))
            return 1;
    return 0;
}

int ms_ng_is_error_line(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    /* a .meas that could not be taken ("Error: measure  x  when(WHEN) : out
     * of interval") is a result, compared by meas_check.c, not a failed run */
    if (!strncasecmp(s, "error: measure ", 15))
        return 0;
    /* ngspice 39's window measures of a current-source sweep look for a
     * v-sweep vector and fail with this (meas_check.c does not compare them) */
    if (!strncasecmp(s, "error: no such vector as time", 29))
        return 0;
    return !strncasecmp(s, "error", 5) || has_ci(s, "error:") || has_ci(s, "simulation(s) aborted") ||
           has_ci(s, "timestep too small") || has_ci(s, "cannot recover");
}

/* ------------------------------------------------------------------ child */

static int child_fd = -1;

static void child_write(const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(child_fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            _exit(CHILD_PIPE);
        }
        c += w;
        n -= (size_t)w;
    }
}

static void put(char tag, const void *a, size_t na, const void *b, size_t nb)
{
    unsigned char h[5];
    uint32_t len = (uint32_t)(na + nb);
    h[0] = (unsigned char)tag;
    memcpy(h + 1, &len, 4);
    child_write(h, 5);
    if (na)
        child_write(a, na);
    if (nb)
        child_write(b, nb);
}

static void put_int(char tag, int v)
{
    int32_t x = v;
    put(tag, &x, 4, NULL, 0);
}

static void put_text(char tag, const char *s)
{
    put(tag, s, strlen(s), NULL, 0);
}

static int cb_char(char *s, int id, void *user)
{
    (void)id;
    (void)user;
    put_text('L', s ? s : "");
    return 0;
}

static int cb_stat(char *s, int id, void *user)
{
    (void)s;
    (void)id;
    (void)user;
    return 0;
}

static int cb_exit(int status, NG_BOOL immediate, NG_BOOL quit, int id, void *user)
{
    (void)immediate;
    (void)quit;
    (void)id;
    (void)user;
    put_int('X', status);
    _exit(CHILD_NGEXIT);
}

typedef int (*InitFn)(SendChar *, SendStat *, ControlledExit *, SendData *, SendInitData *,
                      BGThreadRunning *, void *);
typedef int (*CircFn)(char **);
typedef int (*CmdFn)(char *);
typedef pvector_info (*VecInfoFn)(char *);
typedef char **(*AllPlotsFn)(void);
typedef char **(*AllVecsFn)(char *);

static void *sym(void *h, const char *lib, const char *name)
{
    void *p = dlsym(h, name);
    if (!p) {
        char *m = ms_asprintf("'%s' has no symbol %s: is it ngspice's shared library?", lib, name);
        put_text('E', m);
        _exit(CHILD_NOLIB);
    }
    return p;
}

static int is_result_plot(const char *p)
{
    return !strncmp(p, "tran", 4) || !strncmp(p, "op", 2) || !strncmp(p, "dc", 2) || !strncmp(p, "ac", 2);
}

static int send_plots(AllPlotsFn allplots, AllVecsFn allvecs, VecInfoFn vecinfo)
{
    int sent = 0;
    char **plots = allplots();
    for (int i = 0; plots && plots[i]; i++) {
        if (!is_result_plot(plots[i]))
            continue;
        char **vecs = allvecs(plots[i]);
        for (int j = 0; vecs && vecs[j]; j++) {
            char *full = ms_asprintf("%s.%s", plots[i], vecs[j]);
            pvector_info v = vecinfo(full);
            free(full);
            if (!v || (!v->v_realdata && !v->v_compdata) || v->v_length <= 0)
                continue;
            size_t lp = strlen(plots[i]) + 1, lv = strlen(vecs[j]) + 1;
            char *hdr = ms_malloc(lp + lv + 4);
            int32_t type = v->v_type;
            memcpy(hdr, plots[i], lp);
            memcpy(hdr + lp, vecs[j], lv);
            memcpy(hdr + lp + lv, &type, 4);
            if (v->v_realdata)
                put('V', hdr, lp + lv + 4, v->v_realdata, (size_t)v->v_length * sizeof(double));
            else   /* ngcomplex_t is two doubles, re then im */
                put('W', hdr, lp + lv + 4, v->v_compdata, (size_t)v->v_length * 2 * sizeof(double));
            free(hdr);
            sent++;
        }
    }
    return sent;
}

static int has_result_plot(AllPlotsFn allplots)
{
    char **plots = allplots();
    for (int i = 0; plots && plots[i]; i++)
        if (is_result_plot(plots[i]))
            return 1;
    return 0;
}

static void child_main(int dfd, int tfd, char *const *lines, const char *lib, const char *dir)
{
    child_fd = dfd;
    dup2(tfd, 1);
    dup2(tfd, 2);
    close(tfd);
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) {
        dup2(nul, 0);
        close(nul);
    }
    signal(SIGPIPE, SIG_DFL);
    if (dir && chdir(dir) != 0) {
        char *m = ms_asprintf("stderr memspice: cannot change to '%s': %s", dir, strerror(errno));
        put_text('L', m);
        free(m);
    }
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        put_text('E', e ? e : lib);
        _exit(CHILD_NOLIB);
    }
    InitFn init;
    CircFn circ;
    CmdFn cmd;
    VecInfoFn vecinfo;
    AllPlotsFn allplots;
    AllVecsFn allvecs;
    /* the POSIX way of turning dlsym's object pointer into a function pointer */
    *(void **)&init = sym(h, lib, "ngSpice_Init");
    *(void **)&circ = sym(h, lib, "ngSpice_Circ");
    *(void **)&cmd = sym(h, lib, "ngSpice_Command");
    *(void **)&vecinfo = sym(h, lib, "ngGet_Vec_Info");
    *(void **)&allplots = sym(h, lib, "ngSpice_AllPlots");
    *(void **)&allvecs = sym(h, lib, "ngSpice_AllVecs");

    init(cb_char, cb_stat, cb_exit, NULL, NULL, NULL, NULL);

    /* Test hooks (tests/e2e/check.sh): an ngspice that crashes or hangs. */
    const char *fault = getenv("MEMSPICE_CHECK_FAULT");
    if (fault && !strcmp(fault, "crash"))
        abort();
    if (fault && !strcmp(fault, "hang"))
        for (;;)
            pause();

    int rc = circ((char **)lines);
    put_int('C', rc);
    if (rc == 0) {
        char run[] = "run", op[] = "op";
        put_int('R', cmd(run));
        if (!has_result_plot(allplots))   /* a deck without analyses: memspice does .op */
            put_int('R', cmd(op));
        send_plots(allplots, allvecs, vecinfo);
    }
    put('D', NULL, 0, NULL, 0);
    _exit(CHILD_OK);
}

/* ----------------------------------------------------------------- parent */

typedef struct Buf {
    char *p;
    size_t n, cap;
} Buf;

static void buf_add(Buf *b, const char *s, size_t n)
{
    ms_grow((void **)&b->p, &b->cap, b->n + n + 1, 1);
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void add_out(MsNgRun *r, const char *s, size_t n, int is_err)
{
    r->out = ms_realloc(r->out, (size_t)(r->nout + 1) * sizeof *r->out);
    r->is_err = ms_realloc(r->is_err, (size_t)(r->nout + 1));
    r->out[r->nout] = ms_strndup(s, n);
    r->is_err[r->nout] = (unsigned char)is_err;
    r->nout++;
}

/* One 'L' record: may hold several lines; "stdout "/"stderr " tag first. */
static void add_ng_line(MsNgRun *r, const char *s, size_t n)
{
    int is_err = 0;
    if (n >= 7 && !strncmp(s, "stderr ", 7)) {
        is_err = 1;
        s += 7, n -= 7;
    } else if (n >= 7 && !strncmp(s, "stdout ", 7)) {
        s += 7, n -= 7;
    }
    while (n > 0) {
        const char *nl = memchr(s, '\n', n);
        size_t len = nl ? (size_t)(nl - s) : n;
        add_out(r, s, len, is_err);
        if (!nl)
            break;
        n -= len + 1;
        s = nl + 1;
    }
}

typedef struct Vec {
    char *plot, *name;
    int type;
    int complex;      /* v holds n (re, im) pairs */
    size_t n;
    double *v;
} Vec;

/* res's column names and kinds from the ngspice vectors v[cols[j]]. */
static void name_columns(MsResult *res, const Vec *v, const int *cols, int nc)
{
    for (int j = 0; j < nc; j++) {
        const Vec *x = &v[cols[j]];
        int cur = x->type == NG_SV_CURRENT;
        res->names[j] = ms_ngname_to_ms(x->name, cur);
        res->kinds[j] = (cur || !strncmp(res->names[j], "i(", 2)) ? MS_VEC_CURRENT
                        : x->type == NG_SV_VOLTAGE                 ? MS_VEC_VOLTAGE
                                                                   : MS_VEC_STATE;
    }
}

/* An AC plot: the "frequency" vector's real parts as the scale, every other
 * complex vector of its length a column. */
static void build_ac_result(MsResult *res, Vec *v, int nv, const char *plot)
{
    int it = -1;
    for (int i = 0; i < nv && it < 0; i++)
        if (!strcmp(v[i].plot, plot) && v[i].complex && !strcmp(v[i].name, "frequency"))
            it = i;
    if (it < 0)
        return;
    size_t npts = v[it].n;
    int *cols = ms_malloc((size_t)(nv ? nv : 1) * sizeof *cols), nc = 0;
    for (int i = 0; i < nv; i++)
        if (i != it && !strcmp(v[i].plot, plot) && v[i].complex && v[i].n == npts)
            cols[nc++] = i;
    ms_result_init(res, "", "AC Analysis", nc, 1);
    res->scale = ms_strdup("frequency");
    res->imag = ms_malloc(sizeof *res->imag);
    name_columns(res, v, cols, nc);
    for (size_t k = 0; k < npts; k++) {
        double *row = ms_result_add_point(res, v[it].v[2 * k]), *im = res->imag + (row - res->data);
        for (int j = 0; j < nc; j++) {
            row[j] = v[cols[j]].v[2 * k];
            im[j] = v[cols[j]].v[2 * k + 1];
        }
    }
    free(cols);
}

/* A DC plot's scale: ngspice names it v-sweep, i-sweep, res-sweep or temp-sweep. */
static int is_sweep_vec(const Vec *v)
{
    size_t n = strlen(v->name);
    return n > 6 && !strcmp(v->name + n - 6, "-sweep");
}

/* tran: 0 an operating point, 1 a transient (scale: time), 2 a DC sweep. */
static void build_result(MsResult *res, const char *plotname, Vec *v, int nv, const char *plot,
                         int tran)
{
    int it = -1;
    size_t npts = 0;
    if (tran) {
        for (int i = 0; i < nv; i++)
            if (!strcmp(v[i].plot, plot) &&
                (tran == 2 ? is_sweep_vec(&v[i]) : v[i].type == NG_SV_TIME || !strcmp(v[i].name, "time"))) {
                it = i;
                break;
            }
        if (it < 0)
            return;
        npts = v[it].n;
    } else {
        npts = 1;
    }
    int *cols = ms_malloc((size_t)(nv ? nv : 1) * sizeof *cols), nc = 0;
    for (int i = 0; i < nv; i++)
        if (i != it && !strcmp(v[i].plot, plot) && !v[i].complex && v[i].n == npts)
            cols[nc++] = i;
    ms_result_init(res, "", plotname, nc, tran);
    if (tran == 2)   /* as in ngspice's raw files: v(v-sweep), i(i-sweep) */
        res->scale = v[it].type == NG_SV_VOLTAGE   ? ms_asprintf("v(%s)", v[it].name)
                     : v[it].type == NG_SV_CURRENT ? ms_asprintf("i(%s)", v[it].name)
                                                   : ms_strdup(v[it].name);
    name_columns(res, v, cols, nc);
    for (size_t k = 0; k < npts; k++) {
        double *row = ms_result_add_point(res, tran ? v[it].v[k] : 0.0);
        for (int j = 0; j < nc; j++)
            row[j] = v[cols[j]].v[k];
    }
    free(cols);
}

/* Fills run from the collected records; returns the child's last 'E' text. */
/* *nout_run: how many lines ngspice had printed when "run" was sent (the
 * netlist's errors come before it, the simulation's after it). */
static char *parse_records(MsNgRun *run, const Buf *d, int *circ_rc, int *ran, int *ngexit, int *done,
                           int *nout_run)
{
    Vec *v = NULL;
    int nv = 0;
    char *emsg = NULL;
    size_t pos = 0;
    while (pos + 5 <= d->n) {
        char tag = d->p[pos];
        uint32_t len;
        memcpy(&len, d->p + pos + 1, 4);
        if (pos + 5 + len > d->n)
            break;   /* truncated: the child died while writing */
        const char *p = d->p + pos + 5;
        int32_t x = 0;
        if (len >= 4)
            memcpy(&x, p, 4);
        switch (tag) {
        case 'L': add_ng_line(run, p, len); break;
        case 'E': free(emsg); emsg = ms_strndup(p, len); break;
        case 'C': *circ_rc = x; break;
        case 'R':
            if (!*ran)
                *nout_run = run->nout;
            *ran = 1;
            break;
        case 'X': *ngexit = 1; break;
        case 'D': *done = 1; break;
        case 'V':
        case 'W': {
            const char *pl = p, *nm = memchr(p, 0, len);
            if (!nm)
                break;
            nm++;
            const char *z = memchr(nm, 0, len - (size_t)(nm - p));
            if (!z || (size_t)(z + 1 + 4 - p) > len)
                break;
            int32_t type;
            memcpy(&type, z + 1, 4);
            size_t off = (size_t)(z + 1 + 4 - p);
            v = ms_realloc(v, (size_t)(nv + 1) * sizeof *v);
            Vec *vv = &v[nv++];
            vv->plot = ms_strdup(pl);
            vv->name = ms_strdup(nm);
            vv->type = type;
            vv->complex = tag == 'W';
            vv->n = (len - off) / (vv->complex ? 2 : 1) / sizeof(double);
            size_t nd = vv->n * (vv->complex ? 2 : 1);
            vv->v = ms_malloc((nd ? nd : 1) * sizeof(double));
            memcpy(vv->v, p + off, nd * sizeof(double));
            break;
        }
        default: break;
        }
        pos += 5 + len;
    }
    /* the first transient, operating-point, DC and AC plots */
    const char *tp = NULL, *op = NULL, *dp = NULL, *ac = NULL;
    for (int i = 0; i < nv; i++) {
        if (!ac && !strncmp(v[i].plot, "ac", 2))
            ac = v[i].plot;
        if (!tp && !strncmp(v[i].plot, "tran", 4))
            tp = v[i].plot;
        if (!op && !strncmp(v[i].plot, "op", 2))
            op = v[i].plot;
        if (!dp && !strncmp(v[i].plot, "dc", 2))
            dp = v[i].plot;
    }
    if (dp) {
        build_result(&run->dc, "DC transfer characteristic", v, nv, dp, 2);
        run->has_dc = run->dc.names != NULL && run->dc.time != NULL;
    }
    if (tp) {
        build_result(&run->tran, "Transient Analysis", v, nv, tp, 1);
        run->has_tran = run->tran.names != NULL && run->tran.time != NULL;
    }
    if (op) {
        build_result(&run->op, "Operating Point", v, nv, op, 0);
        run->has_op = run->op.names != NULL;
    }
    if (ac) {
        build_ac_result(&run->ac, v, nv, ac);
        run->has_ac = run->ac.names != NULL;
    }
    for (int i = 0; i < nv; i++) {
        free(v[i].plot);
        free(v[i].name);
        free(v[i].v);
    }
    free(v);
    return emsg;
}

/* ngspice's banner ("******", "** ngspice-39 shared library", ...) says nothing
 * about a failure. */
static int is_banner(const char *s)
{
    return s[0] == '*' || !s[0] || !strncmp(s, "Note: No compatibility mode", 27);
}

/* Quote ngspice's complaints (stderr and error lines, or else the last
 * lines) after m, introduced by `intro` when there is something to quote. */
static void quote_output(const MsNgRun *r, char *m, size_t cap, int only_err, const char *intro,
                         const MsNgOpts *o)
{
    int first = 0, shown = 0;
    if (!only_err) {
        int k = 0;
        for (first = r->nout; first > 0 && k < 8; first--)
            k += !is_banner(r->out[first - 1]);
    }
    size_t n = strlen(m);
    for (int i = first; i < r->nout && shown < 10 && n + 8 < cap; i++) {
        if (is_banner(r->out[i]) || (only_err && !r->is_err[i] && !ms_ng_is_error_line(r->out[i])))
            continue;
        if (!shown)
            n += (size_t)snprintf(m + n, cap - n, "%s", intro);
        if (n + 8 < cap)
            n += (size_t)snprintf(m + n, cap - n, "\n    ngspice| %s", r->out[i]);
        /* ngspice counts the lines of the deck it was given: say which
         * netlist line that is */
        const char *ln = strstr(r->out[i], "line no. ");
        const char *on = strstr(r->out[i], "rror on line ");
        const char *num = ln ? ln + 9 : on ? on + 13 : NULL;
        int k;
        if (num && o && o->where && sscanf(num, "%d", &k) == 1 && k >= 1 && k <= o->nwhere && o->where[k - 1] &&
            n + 8 < cap)
            n += (size_t)snprintf(m + n, cap - n, " [%s]", o->where[k - 1]);
        shown++;
    }
    if (n >= cap)
        m[cap - 1] = 0;
}

static void find_version(MsNgRun *r)
{
    for (int i = 0; i < r->nout && !r->version; i++) {
        const char *s = strstr(r->out[i], "ngspice-");
        if (s && strstr(r->out[i], "shared library")) {
            size_t n = 0;
            while (s[n] && !isspace((unsigned char)s[n]))
                n++;
            r->version = ms_strndup(s, n);
        }
    }
}

/* The child's two pipes (data records into d, its own output into t) until both close,
 * then its exit; 1 if it outlived t0 + timeout (timeout > 0) and was killed. */
static int collect_child(pid_t pid, int dfd, int tfd, double t0, double timeout, Buf *d, Buf *t, int *status)
{
    struct pollfd pf[2] = {{dfd, POLLIN, 0}, {tfd, POLLIN, 0}};
    int timed_out = 0;
    char chunk[65536];
    while (pf[0].fd >= 0 || pf[1].fd >= 0) {
        int wait_ms = 1000;
        if (timeout > 0) {
            double left = t0 + timeout - now_s();
            if (left <= 0) {
                timed_out = 1;
                break;
            }
            wait_ms = left < 1.0 ? (int)ceil(left * 1000) : 1000;
        }
        int k = poll(pf, 2, wait_ms);
        if (k < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2 && k > 0; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(pf[i].fd, chunk, sizeof chunk);
            if (n > 0) {
                buf_add(i == 0 ? d : t, chunk, (size_t)n);
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(pf[i].fd);
                pf[i].fd = -1;
            }
        }
    }
    *status = 0;
    if (!timed_out) {
        /* the pipes are closed; the child is exiting (or closed them and hangs) */
        for (;;) {
            pid_t w = waitpid(pid, status, WNOHANG);
            if (w == pid || (w < 0 && errno != EINTR))
                break;
            if (timeout > 0 && now_s() > t0 + timeout) {
                timed_out = 1;
                break;
            }
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
        }
    }
    if (timed_out) {
        kill(pid, SIGKILL);
        while (waitpid(pid, status, 0) < 0 && errno == EINTR)
            ;
    }
    for (int i = 0; i < 2; i++)
        if (pf[i].fd >= 0)
            close(pf[i].fd);
    return timed_out;
}

/* How a finished run went, from the child's exit and its records. */
typedef struct Outcome {
    int status, timed_out;            /* waitpid's status; killed at the timeout */
    int circ_rc, ran, ngexit, done;   /* from the records (parse_records; circ_rc -1: none) */
    int nerr, nerr_parse;             /* error lines in ngspice's output, and of those while parsing */
    const char *emsg;                 /* the child's own message (library not loaded), or NULL */
} Outcome;

/* run->status and, unless MS_NG_OK, the message m saying why (with ngspice's output). */
static void judge(MsNgRun *run, const Outcome *oc, const MsNgOpts *o, const char *lib, double timeout, char *m,
                  size_t cap)
{
    int status = oc->status;
    m[0] = 0;
    if (oc->timed_out) {
        run->status = MS_NG_TIMEOUT;
        snprintf(m, cap, "ngspice did not finish within %g s and was stopped (raise --timeout)", timeout);
        quote_output(run, m, cap, 0, "; its last output:", o);
    } else if (WIFSIGNALED(status)) {
        run->status = MS_NG_CRASHED;
        snprintf(m, cap, "ngspice crashed (killed by signal %d, %s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
        quote_output(run, m, cap, 0, "; its last output:", o);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_NOLIB) {
        run->status = MS_NG_NOLIB;
        snprintf(m, cap,
                 "cannot load the ngspice shared library '%s': %s (install libngspice0 — 'make deps' does — "
                 "or name the library with --ngspice-lib or MEMSPICE_NGSPICE_LIB)",
                 lib, oc->emsg ? oc->emsg : "unknown reason");
    } else if (!WIFEXITED(status) || (WEXITSTATUS(status) != CHILD_OK && WEXITSTATUS(status) != CHILD_NGEXIT) ||
               (WEXITSTATUS(status) == CHILD_OK && !oc->done)) {
        run->status = MS_NG_CRASHED;
        snprintf(m, cap, "the ngspice process ended unexpectedly (exit status %d)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        quote_output(run, m, cap, 0, "; its last output:", o);
    } else if (oc->circ_rc != 0 || oc->nerr_parse || (!oc->ran && oc->ngexit)) {
        run->status = MS_NG_REJECTED;
        snprintf(m, cap, "ngspice rejected the netlist");
        quote_output(run, m, cap, 1, ":", o);
    } else if (oc->ngexit || oc->nerr) {
        run->status = MS_NG_FAILED;
        snprintf(m, cap, "ngspice failed to simulate the netlist");
        quote_output(run, m, cap, 1, ":", o);
    } else if (!run->has_tran && !run->has_op && !run->has_dc && !run->has_ac) {
        run->status = MS_NG_NORESULT;
        snprintf(m, cap, "ngspice produced no transient, operating-point, DC-sweep or AC result");
        quote_output(run, m, cap, 0, "; its last output:", o);
    } else {
        run->status = MS_NG_OK;
    }
}

int ms_ngspice_run(char *const *lines, const MsNgOpts *o, MsNgRun *run, MsError *err)
{
    memset(run, 0, sizeof *run);
    const char *lib = o && o->lib ? o->lib : getenv("MEMSPICE_NGSPICE_LIB");
    if (!lib || !lib[0])
        lib = MS_NGSPICE_LIB_DEFAULT;
    double timeout = o ? o->timeout : 0;
    int dp[2], tp[2];
    if (pipe(dp) != 0)
        return ms_err(err, MS_ERR_IO, "cannot create a pipe: %s", strerror(errno));
    if (pipe(tp) != 0) {
        close(dp[0]);
        close(dp[1]);
        return ms_err(err, MS_ERR_IO, "cannot create a pipe: %s", strerror(errno));
    }
    fflush(stdout);
    fflush(stderr);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(dp[0]), close(dp[1]), close(tp[0]), close(tp[1]);
        return ms_err(err, MS_ERR_IO, "cannot start the ngspice process: %s", strerror(e));
    }
    if (pid == 0) {
        close(dp[0]);
        close(tp[0]);
        child_main(dp[1], tp[1], lines, lib, o ? o->dir : NULL);
    }
    close(dp[1]);
    close(tp[1]);
    Buf d = {0}, t = {0};
    Outcome oc = {0};
    oc.circ_rc = -1;   /* no record of the circuit load: not loaded */
    oc.timed_out = collect_child(pid, dp[0], tp[0], t0, timeout, &d, &t, &oc.status);
    run->seconds = now_s() - t0;

    int nout_run = 0;
    char *emsg = parse_records(run, &d, &oc.circ_rc, &oc.ran, &oc.ngexit, &oc.done, &nout_run);
    oc.emsg = emsg;
    if (!oc.ran)
        nout_run = run->nout;
    /* what the child (or the C library, aborting) wrote to its stdout/stderr */
    if (t.n)
        add_ng_line(run, t.p, t.n);
    free(d.p);
    free(t.p);
    find_version(run);
    for (int i = 0; i < run->nout; i++) {
        int e = ms_ng_is_error_line(run->out[i]);
        oc.nerr += e;
        oc.nerr_parse += e && i < nout_run;
    }
    char m[MS_ERRMSG_MAX];
    judge(run, &oc, o, lib, timeout, m, sizeof m);
    free(emsg);
    if (run->status != MS_NG_OK)
        return ms_err(err, MS_ERR_IO, "%s", m);
    return MS_OK;
}

void ms_ngrun_free(MsNgRun *r)
{
    for (int i = 0; i < r->nout; i++)
        free(r->out[i]);
    free(r->out);
    free(r->is_err);
    free(r->version);
    ms_result_free(&r->op);
    ms_result_free(&r->tran);
    ms_result_free(&r->dc);
    ms_result_free(&r->ac);
    memset(r, 0, sizeof *r);
}
