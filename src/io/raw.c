/* raw.c — ngspice raw files (the SPICE3 "rawfile"), as ngspice's own
 * `write` command lays them out, so that ngspice's `load`, PyLTSpice /
 * spicelib (dialect "ngspice") and waveform viewers read them:
 *
 *   Title: <title>
 *   Date: Sun Nov 22 08:33:05  2026
 *   Plotname: Transient Analysis            (or Operating Point)
 *   Flags: real
 *   No. Variables: <n>
 *   No. Points: <npts>
 *   Variables:
 *   \t0\ttime\ttime                         (absent for an operating point;
 *                                           a DC sweep: \t0\tv(v-sweep)\tvoltage)
 *   \t1\tv(out)\tvoltage
 *   \t2\ti(v1)\tcurrent
 *   \t3\tx1.w\tnotype                       (device states)
 *   Binary:                                 then npts x n little-endian doubles,
 *                                           point by point, scale first,
 *                                           no trailing newline
 *   Values:                                 or, ascii: " <k>\t<v0>\n" then
 *                                           "\t<vj>\n" per vector, "\n" per point
 *
 * ngspice writes ascii values with "%.15e" (16 significant digits, not
 * always the same double); we write "%.16e" (17 digits, round-trip exact),
 * which every reader parses the same way.  An operating point has no scale
 * vector: index 0 is the first node voltage, as in ngspice's .op raw files.
 * States use ngspice's type 0, "notype", which its reader accepts.
 *
 * A complex result (r->imag set: .ac) is written as ngspice writes its AC
 * plots: "Flags: complex", the scale "\t0\tfrequency\tfrequency\tgrid=3"
 * (grid=3, a logarithmic axis, when the points are not evenly spaced: dec
 * and oct sweeps), and every value, the scale too, as a pair re, im: 16
 * bytes in Binary:, "re,im" in Values: (the scale's imaginary part is 0;
 * ngspice leaves garbage there). */
#include "result.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *type_name(int kind)
{
    switch (kind) {
    case MS_VEC_TIME: return "time";
    case MS_VEC_VOLTAGE: return "voltage";
    case MS_VEC_CURRENT: return "current";
    case MS_VEC_FREQUENCY: return "frequency";
    default: return "notype";
    }
}

/* ngspice's date (asctime order, two spaces before the year).  With
 * SOURCE_DATE_EPOCH set the date is that UTC time, for reproducible files. */
static void raw_date(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    char *end;
    long long e = sde ? strtoll(sde, &end, 10) : 0;
    if (sde && *sde && !*end) {
        t = (time_t)e;
        gmtime_r(&t, &tm);
    } else {
        localtime_r(&t, &tm);
    }
    if (!strftime(buf, n, "%a %b %e %H:%M:%S  %Y", &tm))
        snprintf(buf, n, "unknown");
}

/* Header lines are line-based: a newline inside the title would end it. */
static void put_line_text(FILE *fp, const char *key, const char *text)
{
    fputs(key, fp);
    for (const char *s = text ? text : ""; *s; s++)
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
    fputc('\n', fp);
}

/* A vector name must be one whitespace-free token in the Variables list. */
static int check_names(const MsResult *r, MsError *err)
{
    if (r->time && strpbrk(ms_result_scale(r), " \t\r\n\v\f"))
        return ms_err(err, MS_ERR_ARG, "scale name '%s' contains white space: cannot write a raw file",
                      ms_result_scale(r));
    for (int j = 0; j < r->nvec; j++)
        if (strpbrk(r->names[j], " \t\r\n\v\f"))
            return ms_err(err, MS_ERR_ARG,
                          "vector name '%s' contains white space: cannot write a raw file",
                          r->names[j]);
    return MS_OK;
}

/* ngspice marks dec/oct sweeps grid=3 (log axis); lin sweeps are evenly spaced. */
static int log_grid(const MsResult *r)
{
    for (size_t k = 2; k < r->npts; k++) {
        double d0 = r->time[k - 1] - r->time[k - 2], d1 = r->time[k] - r->time[k - 1];
        if (fabs(d1 - d0) > 1e-9 * fabs(d1))
            return 1;
    }
    return 0;
}

static void write_header(FILE *fp, const MsResult *r, int ascii)
{
    int has_time = r->time != NULL;
    char date[64];
    raw_date(date, sizeof date);
    put_line_text(fp, "Title: ", r->title);
    put_line_text(fp, "Date: ", date);
    put_line_text(fp, "Plotname: ", r->plotname ? r->plotname
                  : has_time ? "Transient Analysis" : "Operating Point");
    fputs(r->imag ? "Flags: complex\n" : "Flags: real\n", fp);
    fprintf(fp, "No. Variables: %d\n", r->nvec + has_time);
    fprintf(fp, "No. Points: %zu\n", r->npts);
    fputs("Variables:\n", fp);
    int idx = 0;
    if (has_time)   /* a dec/oct AC sweep's frequencies on ngspice's log grid */
        fprintf(fp, "\t%d\t%s\t%s%s\n", idx++, ms_result_scale(r), type_name(ms_result_scale_kind(r)),
                r->imag && log_grid(r) ? "\tgrid=3" : "");
    for (int j = 0; j < r->nvec; j++)
        fprintf(fp, "\t%d\t%s\t%s\n", idx++, r->names[j], type_name(r->kinds[j]));
    fputs(ascii ? "Values:\n" : "Binary:\n", fp);
}

/* Little-endian whatever the host, as every raw file in the wild is. */
static void put_le_double(unsigned char *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

static void write_binary(FILE *fp, const MsResult *r)
{
    int has_time = r->time != NULL;
    size_t ncol = (size_t)r->nvec + (size_t)has_time;
    unsigned char *buf = ms_malloc(8 * ncol);
    for (size_t k = 0; k < r->npts; k++) {
        const double *row = r->nvec ? r->data + k * (size_t)r->nvec : NULL;
        size_t c = 0;
        if (has_time)
            put_le_double(buf + 8 * c++, r->time[k]);
        for (int j = 0; j < r->nvec; j++)
            put_le_double(buf + 8 * c++, row[j]);
        if (fwrite(buf, 8, ncol, fp) != ncol)
            break;          /* the error stays in ferror(fp) for finish */
    }
    free(buf);
}

static void write_ascii(FILE *fp, const MsResult *r)
{
    int has_time = r->time != NULL;
    for (size_t k = 0; k < r->npts; k++) {
        const double *row = r->nvec ? r->data + k * (size_t)r->nvec : NULL;
        fprintf(fp, " %zu", k);
        if (has_time)
            fprintf(fp, "\t%.16e\n", r->time[k]);
        for (int j = 0; j < r->nvec; j++)
            fprintf(fp, "\t%.16e\n", row[j]);
        fputc('\n', fp);
        if (ferror(fp))
            break;
    }
}

/* Complex results: every value a pair (re, im), the scale's im 0. */
static void write_binary_complex(FILE *fp, const MsResult *r)
{
    size_t ncol = (size_t)r->nvec + 1;
    unsigned char *buf = ms_malloc(16 * ncol);
    for (size_t k = 0; k < r->npts; k++) {
        size_t off = k * (size_t)r->nvec;
        put_le_double(buf, r->time[k]);
        put_le_double(buf + 8, 0);
        for (int j = 0; j < r->nvec; j++) {
            put_le_double(buf + 16 * (size_t)(j + 1), r->data[off + (size_t)j]);
            put_le_double(buf + 16 * (size_t)(j + 1) + 8, r->imag[off + (size_t)j]);
        }
        if (fwrite(buf, 16, ncol, fp) != ncol)
            break;
    }
    free(buf);
}

static void write_ascii_complex(FILE *fp, const MsResult *r)
{
    for (size_t k = 0; k < r->npts; k++) {
        size_t off = k * (size_t)r->nvec;
        fprintf(fp, " %zu\t%.16e,%.16e\n", k, r->time[k], 0.0);
        for (int j = 0; j < r->nvec; j++)
            fprintf(fp, "\t%.16e,%.16e\n", r->data[off + (size_t)j], r->imag[off + (size_t)j]);
        fputc('\n', fp);
        if (ferror(fp))
            break;
    }
}

int ms_write_raw(const MsResult *r, const char *path, int ascii, MsError *err)
{
    int rc = ms_out_check(r, err);
    if (rc == MS_OK)
        rc = check_names(r, err);
    if (rc != MS_OK)
        return rc;
    MsOutFile o;
    rc = ms_out_open(&o, path, !ascii, err);
    if (rc != MS_OK)
        return rc;
    FILE *fp = o.fp;
    write_header(fp, r, ascii);
    if (r->imag && ascii)
        write_ascii_complex(fp, r);
    else if (r->imag)
        write_binary_complex(fp, r);
    else if (ascii)
        write_ascii(fp, r);
    else
        write_binary(fp, r);
    return ms_out_finish(&o, 1, err);
}
