/* raw_read.c — reading ngspice raw files (binary and ascii, one or more
 * plots per file) into an MsResult, to compare memspice with ngspice.
 *
 * The reader follows what ngspice's own `load` accepts: header lines
 * "Key: value" in any order (unknown keys such as Command:, Option:,
 * Dimensions: are skipped), a Variables: list of "index name type [opts]"
 * lines, then Binary: (little-endian doubles, two per value when the Flags
 * say complex) or Values: (whitespace-separated: the point index, then one
 * number, or "re,im", per vector).  A complex (AC) plot keeps both parts
 * (MsResult.imag) and its "frequency" scale vector as r->time, r->scale.  Unlike ngspice, which prints a warning
 * and carries on, any malformed or short file is an MS_ERR_IO naming it. */
#include "result.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct RawVar {
    char *name, *type;
} RawVar;

/* One plot's header. */
typedef struct RawPlot {
    char *title, *plotname;
    int complex, ascii;
    int nvars;              /* from "No. Variables:", -1 until given */
    long long npts;         /* from "No. Points:", -1 until given */
    RawVar *vars;           /* nread of them, from the Variables: list */
    int nread;
    size_t cap;
} RawPlot;

typedef struct RawReader {
    FILE *fp;
    const char *path;
    char *line;
    size_t linecap;
    long lineno;
    MsError *err;
} RawReader;

static void plot_free(RawPlot *p)
{
    for (int i = 0; i < p->nread; i++) {
        free(p->vars[i].name);
        free(p->vars[i].type);
    }
    free(p->vars);
    free(p->title);
    free(p->plotname);
}

static void plot_reset(RawPlot *p, char *title)
{
    memset(p, 0, sizeof *p);
    p->title = title;
    p->nvars = -1;
    p->npts = -1;
}

static int bad(RawReader *rd, const char *what)
{
    return ms_err(rd->err, MS_ERR_IO, "%s:%ld: malformed raw file: %s", rd->path,
                  rd->lineno, what);
}

/* Next header line without its line ending; 0 at end of file. */
static int next_line(RawReader *rd)
{
    ssize_t n = getline(&rd->line, &rd->linecap, rd->fp);
    if (n < 0)
        return 0;
    rd->lineno++;
    while (n > 0 && (rd->line[n - 1] == '\n' || rd->line[n - 1] == '\r'))
        rd->line[--n] = 0;
    return 1;
}

static char *skip_space(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

/* Cut the next whitespace-delimited token out of *s (NULL if none). */
static char *cut_token(char **s)
{
    char *t = skip_space(*s);
    if (!*t)
        return NULL;
    char *e = t;
    while (*e && !isspace((unsigned char)*e))
        e++;
    if (*e)
        *e++ = 0;
    *s = e;
    return t;
}

static int parse_count(const char *s, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *skip_space(end) || v < 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "\t<index>\t<name>\t<type>[\t<options>]" */
static int parse_var(RawReader *rd, RawPlot *p, char *s)
{
    char *idx = cut_token(&s), *name = cut_token(&s), *type = cut_token(&s);
    long long dummy;
    if (!idx || !name || parse_count(idx, INT32_MAX, &dummy))
        return bad(rd, "expected '<index> <name> <type>' in the Variables list");
    ms_grow((void **)&p->vars, &p->cap, (size_t)p->nread + 1, sizeof *p->vars);
    p->vars[p->nread].name = ms_strdup(name);
    p->vars[p->nread].type = ms_strdup(type ? type : "notype");
    p->nread++;
    return MS_OK;
}

static int read_vars(RawReader *rd, RawPlot *p, char *rest)
{
    if (p->nvars <= 0)
        return bad(rd, "Variables: before a positive 'No. Variables:'");
    if (p->nread)
        return bad(rd, "second Variables: list in one plot");
    int rc = MS_OK;
    if (*skip_space(rest))   /* ngspice accepts the first one on this line */
        rc = parse_var(rd, p, rest);
    while (rc == MS_OK && p->nread < p->nvars) {
        if (!next_line(rd))
            return ms_err(rd->err, MS_ERR_IO, "%s: truncated raw file: %d of %d variables",
                          rd->path, p->nread, p->nvars);
        rc = parse_var(rd, p, rd->line);
    }
    return rc;
}

static void parse_flags(RawPlot *p, char *s)
{
    for (char *t; (t = cut_token(&s));) {
        if (!strcasecmp(t, "complex"))
            p->complex = 1;
        else if (!strcasecmp(t, "real"))
            p->complex = 0;
    }
}

static int has_key(const char *line, const char *key)
{
    return !strncasecmp(line, key, strlen(key));
}

/* A header line "Key: value": record what matters, skip the rest. */
static int header_line(RawReader *rd, RawPlot *p, char *line)
{
    char *val = strchr(line, ':');
    if (!val)
        return bad(rd, "expected 'Key: value' in the header");
    val = skip_space(val + 1);
    long long n;
    if (has_key(line, "title:")) {
        free(p->title);
        p->title = ms_strdup(val);
    } else if (has_key(line, "plotname:")) {
        free(p->plotname);
        p->plotname = ms_strdup(val);
    } else if (has_key(line, "flags:")) {
        parse_flags(p, val);
    } else if (has_key(line, "no. variables:")) {
        if (parse_count(val, INT32_MAX - 1, &n) || n == 0)
            return bad(rd, "bad 'No. Variables:'");
        p->nvars = (int)n;
    } else if (has_key(line, "no. points:")) {
        if (parse_count(val, INT64_MAX / 16, &n))
            return bad(rd, "bad 'No. Points:'");
        p->npts = n;
    } else if (has_key(line, "variables:")) {
        return read_vars(rd, p, val);
    }
    return MS_OK;
}

/* Read one plot's header up to its Binary:/Values: line.
 * Returns 1 when a plot follows, 0 at a clean end of file, <0 on error. */
static int read_header(RawReader *rd, RawPlot *p)
{
    int any = 0;
    while (next_line(rd)) {
        char *line = skip_space(rd->line);
        if (!*line)
            continue;
        any = 1;
        if (has_key(line, "binary:") || has_key(line, "values:")) {
            p->ascii = has_key(line, "values:");
            if (p->nread == 0 || p->nread != p->nvars)
                return bad(rd, "data before the Variables: list");
            if (p->npts < 0)
                return bad(rd, "no 'No. Points:' line");
            if (!p->plotname)
                return bad(rd, "no 'Plotname:' line");
            return 1;
        }
        int rc = header_line(rd, p, line);
        if (rc != MS_OK)
            return rc;
    }
    if (any)
        return ms_err(rd->err, MS_ERR_IO, "%s: truncated raw file: no Binary: or Values: section",
                      rd->path);
    return 0;
}

static double get_le_double(const unsigned char *b)
{
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = (u << 8) | b[i];
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Data readers return 0 for a value read, END when the file ends first
 * (the caller reports the truncation), or an error with its message. */
enum { END = 1 };

/* Next whitespace-delimited token of the ascii data into buf. */
static int data_token(RawReader *rd, char *buf, size_t n)
{
    int c;
    while ((c = getc(rd->fp)) != EOF && isspace(c))
        if (c == '\n')
            rd->lineno++;
    size_t k = 0;
    for (; c != EOF && !isspace(c); c = getc(rd->fp)) {
        if (k + 1 >= n)
            return bad(rd, "overlong number in Values:");
        buf[k++] = (char)c;
    }
    if (c != EOF)
        ungetc(c, rd->fp);
    buf[k] = 0;
    return k ? MS_OK : END;
}

static int parse_double(const char *s, const char **end, double *v)
{
    char *e;
    *v = strtod(s, &e);     /* ERANGE for subnormals is fine: the value is exact */
    if (e == s)
        return -1;
    *end = e;
    return 0;
}

/* One point of ascii data: index, then ncol values (imaginary parts into
 * im when the plot is complex). */
static int ascii_point(RawReader *rd, const RawPlot *p, long long k, double *row, double *im)
{
    char tok[128];
    long long idx;
    int rc = data_token(rd, tok, sizeof tok);
    if (rc != MS_OK)
        return rc;
    if (parse_count(tok, INT64_MAX, &idx) || idx != k)
        return bad(rd, "expected the point index in Values:");
    for (int j = 0; j < p->nvars; j++) {
        const char *e;
        if ((rc = data_token(rd, tok, sizeof tok)) != MS_OK)
            return rc;
        if (parse_double(tok, &e, &row[j]))
            return bad(rd, "expected a number in Values:");
        if (p->complex && (*e++ != ',' || parse_double(e, &e, &im[j])))
            return bad(rd, "expected 're,im' in Values:");
        if (*e)
            return bad(rd, "junk after a number in Values:");
    }
    return MS_OK;
}

static int binary_point(RawReader *rd, const RawPlot *p, unsigned char *buf, double *row, double *im)
{
    size_t vsize = p->complex ? 16 : 8;
    if (fread(buf, vsize, (size_t)p->nvars, rd->fp) != (size_t)p->nvars)
        return END;
    for (int j = 0; j < p->nvars; j++) {
        row[j] = get_le_double(buf + vsize * (size_t)j);
        if (p->complex)
            im[j] = get_le_double(buf + vsize * (size_t)j + 8);
    }
    return MS_OK;
}

static int truncated(RawReader *rd, const RawPlot *p, long long k)
{
    if (ferror(rd->fp))
        return ms_err(rd->err, MS_ERR_IO, "cannot read '%s': %s", rd->path, strerror(errno));
    return ms_err(rd->err, MS_ERR_IO, "%s: truncated raw file: plot '%s' has %lld of %lld points",
                  rd->path, p->plotname, k, p->npts);
}

/* Read (into out, or just past when out is NULL) the data of a plot. */
static int read_data(RawReader *rd, const RawPlot *p, MsResult *out, int has_time)
{
    double *row = ms_malloc(sizeof *row * (size_t)p->nvars);
    double *im = ms_malloc(sizeof *im * (size_t)p->nvars);
    unsigned char *buf = ms_malloc((p->complex ? 16 : 8) * (size_t)p->nvars);
    int rc = MS_OK;
    for (long long k = 0; k < p->npts && rc == MS_OK; k++) {
        rc = p->ascii ? ascii_point(rd, p, k, row, im) : binary_point(rd, p, buf, row, im);
        if (rc == END)
            rc = truncated(rd, p, k);
        else if (rc == MS_OK && out) {
            double *dst = ms_result_add_point(out, has_time ? row[0] : 0.0);
            if (out->nvec)
                memcpy(dst, row + has_time, sizeof *dst * (size_t)out->nvec);
            if (out->imag && out->nvec)   /* complex: the scale's imaginary part is dropped */
                memcpy(out->imag + (dst - out->data), im + has_time, sizeof *dst * (size_t)out->nvec);
        }
    }
    free(row);
    free(im);
    free(buf);
    return rc;
}

static int kind_of(const char *type)
{
    if (!strcasecmp(type, "voltage"))
        return MS_VEC_VOLTAGE;
    if (!strcasecmp(type, "current"))
        return MS_VEC_CURRENT;
    if (!strcasecmp(type, "time"))
        return MS_VEC_TIME;
    return MS_VEC_STATE;
}

/* ngspice's reader names a voltage "v(1)" when the file says "1". */
static char *vector_name(const char *name, int kind)
{
    if (kind == MS_VEC_VOLTAGE && isdigit((unsigned char)name[0]))
        return ms_asprintf("v(%s)", name);
    return ms_strdup(name);
}

static int load_plot(RawReader *rd, const RawPlot *p, MsResult *out)
{
    /* a complex (AC) plot's scale is its "frequency" vector; a DC sweep's is
     * its first vector whatever its type (v(v-sweep) is a voltage, res-sweep
     * has a type of its own) */
    int has_freq = p->complex && !strcasecmp(p->vars[0].type, "frequency");
    int sweep = !p->complex && !strncasecmp(p->plotname, "DC transfer", 11);
    int has_time = has_freq || sweep || kind_of(p->vars[0].type) == MS_VEC_TIME;
    ms_result_init(out, p->title, p->plotname, p->nvars - has_time, has_time);
    if (has_freq || sweep)
        out->scale = ms_strdup(p->vars[0].name);
    if (p->complex)
        out->imag = ms_malloc(sizeof *out->imag);
    for (int j = 0; j < out->nvec; j++) {
        out->kinds[j] = kind_of(p->vars[j + has_time].type);
        out->names[j] = vector_name(p->vars[j + has_time].name, out->kinds[j]);
    }
    return read_data(rd, p, out, has_time);
}

static int plot_matches(const RawPlot *p, const char *want)
{
    return !want || !strncasecmp(p->plotname, want, strlen(want));
}

static int read_plots(RawReader *rd, const char *want, MsResult *out)
{
    char *title = NULL;   /* a Title: line carries over to the plots after it */
    for (;;) {
        RawPlot p;
        plot_reset(&p, title ? ms_strdup(title) : NULL);
        int rc = read_header(rd, &p);
        if (rc == 1 && plot_matches(&p, want)) {
            rc = load_plot(rd, &p, out);
        } else if (rc == 1) {
            rc = read_data(rd, &p, NULL, 0);
            if (rc == MS_OK) {
                free(title);
                title = p.title ? ms_strdup(p.title) : NULL;
                plot_free(&p);
                continue;
            }
        } else if (rc == 0) {
            rc = want ? ms_err(rd->err, MS_ERR_IO, "%s: no plot named '%s...'", rd->path, want)
                      : ms_err(rd->err, MS_ERR_IO, "%s: empty raw file", rd->path);
        }
        plot_free(&p);
        free(title);
        return rc;
    }
}

int ms_read_raw_plot(const char *path, const char *plotname, MsResult *out, MsError *err)
{
    memset(out, 0, sizeof *out);
    RawReader rd = { .path = path, .err = err };
    rd.fp = fopen(path, "rb");
    if (!rd.fp)
        return ms_err(err, MS_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    int rc = read_plots(&rd, plotname, out);
    if (rc == MS_OK && ferror(rd.fp))
        rc = ms_err(err, MS_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    fclose(rd.fp);
    free(rd.line);
    if (rc != MS_OK)
        ms_result_free(out);
    return rc;
}

int ms_read_raw(const char *path, MsResult *out, MsError *err)
{
    return ms_read_raw_plot(path, NULL, out, err);
}
