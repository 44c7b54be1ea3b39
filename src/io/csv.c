/* csv.c — comma-separated values: a header "time,v(out),i(v1),..." (no
 * time column for an operating point; a DC sweep's first column is its
 * scale, "v(v-sweep)" or "i(i-sweep)"), then one row per point.  Values are
 * printed with "%.17g", enough digits for strtod to give back the very same
 * double.  A name holding a comma or a quote is quoted as RFC 4180 says
 * (ngspice allows v(a,b)); lines end with "\n".
 *
 * A complex result (.ac) has the header "frequency,re(v(out)),im(v(out)),..."
 * -- real and imaginary parts, not magnitude and phase: exact, and
 * |H| = hypot(re, im), arg H = atan2(im, re) are one line in any tool --
 * and ms_read_csv reads such a file back as a complex result. */
#include "result.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing ---- */

static void put_field(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static void write_complex_rows(FILE *fp, const MsResult *r)
{
    for (size_t k = 0; k < r->npts && !ferror(fp); k++) {
        size_t off = k * (size_t)r->nvec;
        fprintf(fp, "%.17g", r->time[k]);
        for (int j = 0; j < r->nvec; j++)
            fprintf(fp, ",%.17g,%.17g", r->data[off + (size_t)j], r->imag[off + (size_t)j]);
        fputc('\n', fp);
    }
}

static void write_complex_header(FILE *fp, const MsResult *r)
{
    fputs(r->scale ? r->scale : "frequency", fp);
    for (int j = 0; j < r->nvec; j++)
        for (int part = 0; part < 2; part++) {
            char *name = ms_asprintf("%s(%s)", part ? "im" : "re", r->names[j]);
            fputc(',', fp);
            put_field(fp, name);
            free(name);
        }
    fputc('\n', fp);
}

static void write_rows(FILE *fp, const MsResult *r)
{
    for (size_t k = 0; k < r->npts && !ferror(fp); k++) {
        const double *row = r->nvec ? r->data + k * (size_t)r->nvec : NULL;
        const char *sep = "";
        if (r->time) {
            fprintf(fp, "%.17g", r->time[k]);
            sep = ",";
        }
        for (int j = 0; j < r->nvec; j++, sep = ",")
            fprintf(fp, "%s%.17g", sep, row[j]);
        fputc('\n', fp);
    }
}

int ms_write_csv(const MsResult *r, const char *path, MsError *err)
{
    int rc = ms_out_check(r, err);
    if (rc != MS_OK)
        return rc;
    MsOutFile o;
    rc = ms_out_open(&o, path, 0, err);
    if (rc != MS_OK)
        return rc;
    FILE *fp = o.fp;
    if (r->imag) {
        write_complex_header(fp, r);
        write_complex_rows(fp, r);
        return ms_out_finish(&o, 1, err);
    }
    const char *sep = "";
    if (r->time) {
        put_field(fp, ms_result_scale(r));
        sep = ",";
    }
    for (int j = 0; j < r->nvec; j++, sep = ",") {
        fputs(sep, fp);
        put_field(fp, r->names[j]);
    }
    fputc('\n', fp);
    write_rows(fp, r);
    return ms_out_finish(&o, 1, err);
}

/* ---- reading (tests, comparisons) ---- */

typedef struct CsvFields {
    char **f;
    size_t n, cap;
} CsvFields;

/* Split one line in place into fields; quotes as written above.
 * Returns 0, or -1 on an unterminated quote. */
static int split_line(char *s, CsvFields *out)
{
    out->n = 0;
    for (;;) {
        ms_grow((void **)&out->f, &out->cap, out->n + 1, sizeof *out->f);
        char *dst = s, *start = s;
        if (*s == '"') {
            for (s++;; s++) {
                if (!*s)
                    return -1;
                if (*s == '"' && s[1] != '"')
                    break;
                if (*s == '"')
                    s++;
                *dst++ = *s;
            }
            s++;
        } else {
            while (*s && *s != ',')
                s++;
            dst = s;
        }
        char c = *s;
        *dst = 0;
        out->f[out->n++] = start;
        if (c != ',')
            return c ? -1 : 0;
        s++;
    }
}

static int csv_kind(const char *name)
{
    if ((name[0] == 'v' || name[0] == 'V') && name[1] == '(')
        return MS_VEC_VOLTAGE;
    if ((name[0] == 'i' || name[0] == 'I') && name[1] == '(')
        return MS_VEC_CURRENT;
    return MS_VEC_STATE;
}

static int read_line(FILE *fp, char **line, size_t *cap, long *lineno)
{
    ssize_t n = getline(line, cap, fp);
    if (n < 0)
        return 0;
    ++*lineno;
    while (n > 0 && ((*line)[n - 1] == '\n' || (*line)[n - 1] == '\r'))
        (*line)[--n] = 0;
    return 1;
}

static int parse_value(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);    /* ERANGE on a subnormal is fine: it is exact */
    if (end == s)
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    return *end ? -1 : 0;
}

typedef struct CsvReader {
    const char *path;
    FILE *fp;
    char *line;
    size_t cap;
    long lineno;
    CsvFields fields;
    MsError *err;
} CsvReader;

static int csv_bad(CsvReader *cr, const char *what)
{
    return ms_err(cr->err, MS_ERR_IO, "%s:%ld: malformed csv file: %s", cr->path, cr->lineno,
                  what);
}

/* "re(NAME)" and "im(NAME)" at fields j, j+1: NAME (malloc'ed), else NULL. */
static char *complex_pair(const CsvFields *f, size_t j)
{
    const char *a = f->f[j], *b = f->f[j + 1];
    size_t la = strlen(a);
    if (la < 5 || strncmp(a, "re(", 3) || a[la - 1] != ')' || strncmp(b, "im(", 3) || strcmp(a + 3, b + 3))
        return NULL;
    return ms_strndup(a + 3, la - 4);
}

/* "frequency,re(x),im(x),...": a complex (AC) result. */
static int read_complex_header(CsvReader *cr, MsResult *out)
{
    size_t nvec = (cr->fields.n - 1) / 2;
    if (cr->fields.n % 2 != 1 || nvec > 1000000000)
        return csv_bad(cr, "an AC header needs re(...),im(...) pairs after 'frequency'");
    ms_result_init(out, "", "AC Analysis", (int)nvec, 1);
    out->scale = ms_strdup("frequency");
    out->imag = ms_malloc(sizeof *out->imag);
    for (size_t j = 0; j < nvec; j++) {
        out->names[j] = complex_pair(&cr->fields, 1 + 2 * j);
        if (!out->names[j])
            return csv_bad(cr, "an AC header needs re(NAME),im(NAME) pairs after 'frequency'");
        out->kinds[j] = csv_kind(out->names[j]);
    }
    return MS_OK;
}

static int read_header(CsvReader *cr, MsResult *out)
{
    if (!read_line(cr->fp, &cr->line, &cr->cap, &cr->lineno))
        return ms_err(cr->err, MS_ERR_IO, "%s: empty csv file", cr->path);
    if (split_line(cr->line, &cr->fields))
        return csv_bad(cr, "bad quoting in the header");
    if (cr->fields.n > 0 && !strcmp(cr->fields.f[0], "frequency"))
        return read_complex_header(cr, out);
    int sweep = cr->fields.n > 0 && ms_is_sweep_scale(cr->fields.f[0]);
    int has_time = sweep || !strcmp(cr->fields.f[0], "time");
    size_t nvec = cr->fields.n - (size_t)has_time;
    if (cr->fields.n == 0 || !cr->fields.f[0][0] || nvec > 1000000000)
        return csv_bad(cr, "no column names");
    ms_result_init(out, "",
                   sweep ? "DC transfer characteristic" : has_time ? "Transient Analysis" : "Operating Point",
                   (int)nvec, has_time);
    if (sweep)
        out->scale = ms_strdup(cr->fields.f[0]);
    for (int j = 0; j < out->nvec; j++) {
        out->names[j] = ms_strdup(cr->fields.f[j + has_time]);
        out->kinds[j] = csv_kind(out->names[j]);
    }
    return MS_OK;
}

static int read_row(CsvReader *cr, MsResult *out, double *row)
{
    size_t ncol = (size_t)out->nvec * (out->imag ? 2 : 1) + (out->time != NULL);
    if (split_line(cr->line, &cr->fields))
        return csv_bad(cr, "bad quoting");
    if (cr->fields.n != ncol)
        return csv_bad(cr, "wrong number of fields");
    for (size_t c = 0; c < ncol; c++)
        if (parse_value(cr->fields.f[c], &row[c]))
            return csv_bad(cr, "expected a number");
    double *dst = ms_result_add_point(out, out->time ? row[0] : 0.0);
    if (out->imag) {
        double *im = out->imag + (dst - out->data);
        for (int j = 0; j < out->nvec; j++) {
            dst[j] = row[1 + 2 * j];
            im[j] = row[2 + 2 * j];
        }
    } else if (out->nvec) {
        memcpy(dst, row + (out->time != NULL), sizeof *dst * (size_t)out->nvec);
    }
    return MS_OK;
}

static int read_body(CsvReader *cr, MsResult *out)
{
    double *row = ms_malloc(sizeof *row * (2 * (size_t)out->nvec + 1));
    int rc = MS_OK;
    while (rc == MS_OK && read_line(cr->fp, &cr->line, &cr->cap, &cr->lineno))
        if (cr->line[0])           /* a blank last line is not a row */
            rc = read_row(cr, out, row);
    free(row);
    if (rc == MS_OK && ferror(cr->fp))
        rc = ms_err(cr->err, MS_ERR_IO, "cannot read '%s': %s", cr->path, strerror(errno));
    return rc;
}

int ms_read_csv(const char *path, MsResult *out, MsError *err)
{
    memset(out, 0, sizeof *out);
    CsvReader cr = { .path = path, .err = err };
    cr.fp = fopen(path, "r");
    if (!cr.fp)
        return ms_err(err, MS_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    int rc = read_header(&cr, out);
    if (rc == MS_OK)
        rc = read_body(&cr, out);
    fclose(cr.fp);
    free(cr.line);
    free(cr.fields.f);
    if (rc != MS_OK)
        ms_result_free(out);
    return rc;
}
