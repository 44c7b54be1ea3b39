/* util.c — see util.h. */
#include "util.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ms_verr(MsError *err, int code, const char *prefix, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    size_t n = (size_t)snprintf(err->msg, sizeof err->msg, "%s", prefix);
    if (n < sizeof err->msg)
        vsnprintf(err->msg + n, sizeof err->msg - n, fmt, ap);
    return code;
}

int ms_err(MsError *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ms_verr(err, code, "", fmt, ap);
    va_end(ap);
    return code;
}

int ms_err_at(MsError *err, int code, MsLoc loc, const char *fmt, ...)
{
    char prefix[512];
    if (loc.col > 0)
        snprintf(prefix, sizeof prefix, "%s:%d:%d: ", loc.file ? loc.file : "<netlist>", loc.line, loc.col);
    else
        snprintf(prefix, sizeof prefix, "%s:%d: ", loc.file ? loc.file : "<netlist>", loc.line);
    va_list ap;
    va_start(ap, fmt);
    ms_verr(err, code, prefix, fmt, ap);
    va_end(ap);
    return code;
}

const char *ms_strerror(int code)
{
    switch (code) {
    case MS_OK: return "ok";
    case MS_ERR_IO: return "input/output error";
    case MS_ERR_SYNTAX: return "syntax error";
    case MS_ERR_SEMANTIC: return "netlist error";
    case MS_ERR_UNSUPPORTED: return "unsupported";
    case MS_ERR_SINGULAR: return "singular matrix";
    case MS_ERR_NONCONV: return "no convergence";
    case MS_ERR_TIMESTEP: return "time step too small";
    case MS_ERR_NOMEM: return "out of memory";
    case MS_ERR_ARG: return "bad argument";
    case MS_ERR_EVAL: return "evaluation error";
    default: return "unknown error";
    }
}

static void *ms_oom(size_t n)
{
    fprintf(stderr, "memspice: out of memory (%zu bytes)\n", n);
    exit(3);
}

void *ms_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    return p ? p : ms_oom(n);
}

void *ms_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    return p ? p : ms_oom(n * size);
}

void *ms_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    return q ? q : ms_oom(n);
}

char *ms_strndup(const char *s, size_t n)
{
    char *d = ms_malloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *ms_strdup(const char *s) { return ms_strndup(s, strlen(s)); }

char *ms_dotted_name(const char *s)
{
    char *d = ms_strdup(s);
    for (char *q = d; *q; q++)
        if (*q == ':')
            *q = '.';
    return d;
}

char *ms_asprintf(const char *fmt, ...)
{
    /* one formatting pass for the usual short names (elaboration makes one
     * per node and instance); a second only when the text is longer */
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *s = ms_malloc((size_t)n + 1);
    if ((size_t)n < sizeof buf) {
        memcpy(s, buf, (size_t)n + 1);
        return s;
    }
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void ms_lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

char *ms_gnuplot_program(void)
{
    const char *env = getenv("MEMSPICE_GNUPLOT");
    if (env && env[0])
        return access(env, X_OK) == 0 ? ms_strdup(env) : NULL;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    while (*path) {
        const char *e = strchr(path, ':');
        size_t n = e ? (size_t)(e - path) : strlen(path);
        char *cand = ms_asprintf("%.*s/gnuplot", (int)n, n ? path : ".");
        if (access(cand, X_OK) == 0)
            return cand;
        free(cand);
        path += n + (e ? 1 : 0);
    }
    return NULL;
}

void ms_grow(void **p, size_t *cap, size_t need, size_t esz)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 8;
    while (c < need)
        c *= 2;
    *p = ms_realloc(*p, c * esz);
    *cap = c;
}

/* FNV-1a */
static size_t ms_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

void ms_map_init(MsMap *m) { memset(m, 0, sizeof *m); }

void ms_map_free(MsMap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

int ms_map_get(const MsMap *m, const char *key, int *val)
{
    if (!m->cap)
        return 0;
    for (size_t i = ms_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i])
            return 0;
        if (!strcmp(m->keys[i], key)) {
            if (val)
                *val = m->vals[i];
            return 1;
        }
    }
}

void ms_map_put(MsMap *m, const char *key, int val)
{
    if (2 * (m->count + 1) > m->cap) {
        MsMap n = {0};
        n.cap = m->cap ? 2 * m->cap : 16;
        n.keys = ms_calloc(n.cap, sizeof *n.keys);
        n.vals = ms_calloc(n.cap, sizeof *n.vals);
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = ms_hash(m->keys[i]) & (n.cap - 1);
                while (n.keys[j])
                    j = (j + 1) & (n.cap - 1);
                n.keys[j] = m->keys[i];
                n.vals[j] = m->vals[i];
                n.count++;
            }
        free(m->keys);
        free(m->vals);
        *m = n;
    }
    size_t i = ms_hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key))
        i = (i + 1) & (m->cap - 1);
    if (!m->keys[i]) {
        m->keys[i] = ms_strdup(key);
        m->count++;
    }
    m->vals[i] = val;
}

int ms_whole_in(double v, double lo, double hi) { return v >= lo && v <= hi && v == floor(v); }

char *ms_shortest_g(double v)
{
    for (int digits = 1; digits < 17; digits++) {
        char *s = ms_asprintf("%.*g", digits, v);
        if (strtod(s, NULL) == v)
            return s;
        free(s);
    }
    return ms_asprintf("%.17g", v);
}
