/* test_io.c — output writers and readers: raw (binary, ascii), csv and HDF5
 * round trips bit for bit, the ngspice raw layout, atomic writes, rejected
 * truncated files, and interoperability with the installed ngspice. */
#include "check.h"
#include "io/result.h"
#include "tmp_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#define NGSPICE "/usr/bin/ngspice"

/* ---- fixtures ---- */

/* 3 vectors x 5 points, with values that expose lost digits or bits. */
static void make_tran(MsResult *r)
{
    static const double t[5] = { 0.0, 1e-9, 2.5e-9, 1.0 / 3.0 * 1e-8, 1e-8 };
    static const double v[5][3] = {
        { 0.0, -0.0, 0.5 },
        { 1.0 / 3.0, -1.2345678901234567e-12, 5e-324 },      /* subnormal */
        { 3.141592653589793, 1e308, -2.2250738585072014e-308 },
        { 0.1, -1e-300, 0.30000000000000004 },
        { -7.0, 6.02214076e23, 1.7976931348623157e308 },
    };
    ms_result_init(r, "io test: rc", "Transient Analysis", 3, 1);
    r->names[0] = ms_strdup("v(out)");
    r->names[1] = ms_strdup("i(v1)");
    r->names[2] = ms_strdup("x1.w");
    r->kinds[0] = MS_VEC_VOLTAGE;
    r->kinds[1] = MS_VEC_CURRENT;
    r->kinds[2] = MS_VEC_STATE;
    for (int k = 0; k < 5; k++)
        memcpy(ms_result_add_point(r, t[k]), v[k], sizeof v[k]);
}

/* An operating point: no time, one point; a '/' in a name for HDF5. */
static void make_op(MsResult *r)
{
    ms_result_init(r, "io test: op", "Operating Point", 3, 0);
    r->names[0] = ms_strdup("v(in)");
    r->names[1] = ms_strdup("i(v1)");
    r->names[2] = ms_strdup("xm/w");
    r->kinds[0] = MS_VEC_VOLTAGE;
    r->kinds[1] = MS_VEC_CURRENT;
    r->kinds[2] = MS_VEC_STATE;
    double *row = ms_result_add_point(r, 0.0);
    row[0] = 1.0;
    row[1] = -1e-3 / 3.0;
    row[2] = 0.25;
}

static int same_bits(double a, double b)
{
    return !memcmp(&a, &b, sizeof a);
}

/* got equals want: names, kinds, time and data bit for bit. */
static void check_same(const MsResult *got, const MsResult *want, int check_meta, const char *what)
{
    CHECK_MSG(got->nvec == want->nvec, "%s: nvec %d, want %d", what, got->nvec, want->nvec);
    CHECK_MSG(got->npts == want->npts, "%s: npts %zu, want %zu", what, got->npts, want->npts);
    CHECK_MSG((got->time == NULL) == (want->time == NULL), "%s: time presence", what);
    if (got->nvec != want->nvec || got->npts != want->npts)
        return;
    if (check_meta) {
        CHECK_MSG(!strcmp(got->title, want->title), "%s: title '%s'", what, got->title);
        CHECK_MSG(!strcmp(got->plotname, want->plotname), "%s: plotname '%s'", what,
                  got->plotname);
    }
    for (int j = 0; j < want->nvec; j++) {
        CHECK_MSG(!strcmp(got->names[j], want->names[j]), "%s: name '%s', want '%s'", what,
                  got->names[j], want->names[j]);
        CHECK_MSG(got->kinds[j] == want->kinds[j], "%s: kind of %s", what, want->names[j]);
    }
    int bad = 0;
    for (size_t k = 0; k < want->npts; k++) {
        if (want->time && got->time && !same_bits(got->time[k], want->time[k]))
            bad++;
        for (int j = 0; j < want->nvec; j++) {
            size_t i = k * (size_t)want->nvec + (size_t)j;
            if (!same_bits(got->data[i], want->data[i])) {
                bad++;
                printf("  %s: point %zu %s = %.17g, want %.17g\n", what, k, want->names[j],
                       got->data[i], want->data[i]);
            }
        }
    }
    CHECK_MSG(bad == 0, "%s: %d values differ", what, bad);
}

/* ---- raw ---- */

static void test_raw_header(const MsResult *tr, const MsResult *op)
{
    MsError err = {0};
    char *p = tpath("hdr.raw");
    CHECK(ms_write_raw(tr, p, 0, &err) == MS_OK);
    size_t len = 0;
    char *txt = slurp(p, &len);
    const char *want =
        "Title: io test: rc\n"
        "Date: Thu Jan  1 00:00:00  1970\n"     /* SOURCE_DATE_EPOCH=0 */
        "Plotname: Transient Analysis\n"
        "Flags: real\n"
        "No. Variables: 4\n"
        "No. Points: 5\n"
        "Variables:\n"
        "\t0\ttime\ttime\n"
        "\t1\tv(out)\tvoltage\n"
        "\t2\ti(v1)\tcurrent\n"
        "\t3\tx1.w\tnotype\n"
        "Binary:\n";
    size_t hl = strlen(want);
    CHECK_MSG(txt && len >= hl && !memcmp(txt, want, hl), "binary raw header:\n%.*s",
              txt ? (int)(len < hl ? len : hl) : 0, txt ? txt : "");
    CHECK_MSG(len == hl + 5 * 4 * 8, "binary raw size %zu, want %zu", len, hl + 5 * 4 * 8);
    /* point 1, vector v(out) = 1/3, little-endian */
    if (txt && len == hl + 160) {
        double want_v = 1.0 / 3.0;
        uint64_t u;
        memcpy(&u, &want_v, 8);
        const unsigned char *b = (const unsigned char *)txt + hl + (1 * 4 + 1) * 8;
        int ok = 1;
        for (int i = 0; i < 8; i++)
            ok &= b[i] == (unsigned char)(u >> (8 * i));
        CHECK_MSG(ok, "binary raw values are not little-endian doubles, point by point");
    }
    free(txt);

    /* ascii layout of ngspice's `write`, and an operating point without time */
    CHECK(ms_write_raw(op, p, 1, &err) == MS_OK);
    txt = slurp(p, &len);
    const char *want_op =
        "Title: io test: op\n"
        "Date: Thu Jan  1 00:00:00  1970\n"
        "Plotname: Operating Point\n"
        "Flags: real\n"
        "No. Variables: 3\n"
        "No. Points: 1\n"
        "Variables:\n"
        "\t0\tv(in)\tvoltage\n"
        "\t1\ti(v1)\tcurrent\n"
        "\t2\txm/w\tnotype\n"
        "Values:\n"
        " 0\t1.0000000000000000e+00\n"
        "\t-3.3333333333333332e-04\n"
        "\t2.5000000000000000e-01\n"
        "\n";
    CHECK_MSG(txt && !strcmp(txt, want_op), "ascii op raw file:\n%s", txt ? txt : "(none)");
    free(txt);
    free(p);
}

static void test_raw_roundtrip(const MsResult *tr, const MsResult *op)
{
    const struct { const MsResult *r; int ascii; const char *file; } cases[] = {
        { tr, 0, "tran.raw" }, { tr, 1, "tran_ascii.raw" },
        { op, 0, "op.raw" }, { op, 1, "op_ascii.raw" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        MsError err = {0};
        MsResult back;
        char *p = tpath(cases[i].file);
        int rc = ms_write_raw(cases[i].r, p, cases[i].ascii, &err);
        CHECK_MSG(rc == MS_OK, "write %s: %s", cases[i].file, err.msg);
        rc = ms_read_raw(p, &back, &err);
        CHECK_MSG(rc == MS_OK, "read %s: %s", cases[i].file, err.msg);
        if (rc == MS_OK)
            check_same(&back, cases[i].r, 1, cases[i].file);
        ms_result_free(&back);
        free(p);
    }
}

/* Two plots in one file, as ngspice writes for .op followed by .tran. */
static void test_raw_multiplot(const MsResult *tr, const MsResult *op)
{
    for (int ascii = 0; ascii <= 1; ascii++) {
        MsError err = {0};
        char *a = tpath("a.raw"), *b = tpath("b.raw"), *both = tpath("both.raw");
        CHECK(ms_write_raw(op, a, ascii, &err) == MS_OK);
        CHECK(ms_write_raw(tr, b, ascii, &err) == MS_OK);
        size_t la = 0, lb = 0;
        char *ta = slurp(a, &la), *tb = slurp(b, &lb);
        char *cat = ms_malloc(la + lb + 1);
        memcpy(cat, ta, la);
        memcpy(cat + la, tb, lb);
        CHECK(spill(both, cat, la + lb) == 0);
        MsResult r;
        int rc = ms_read_raw_plot(both, "transient", &r, &err);
        CHECK_MSG(rc == MS_OK, "second plot (ascii %d): %s", ascii, err.msg);
        if (rc == MS_OK)
            check_same(&r, tr, 1, "second plot");
        ms_result_free(&r);
        rc = ms_read_raw(both, &r, &err);
        CHECK_MSG(rc == MS_OK && r.time == NULL && r.npts == 1, "first plot (ascii %d)", ascii);
        ms_result_free(&r);
        rc = ms_read_raw_plot(both, "AC Analysis", &r, &err);
        CHECK_MSG(rc == MS_ERR_IO && strstr(err.msg, "both.raw"), "missing plot: %s", err.msg);
        free(ta), free(tb), free(cat), free(a), free(b), free(both);
    }
}

static void expect_rejected(const char *p, const char *what)
{
    MsError err = {0};
    MsResult r;
    int rc = ms_read_raw(p, &r, &err);
    CHECK_MSG(rc == MS_ERR_IO, "%s: rc %d (%s)", what, rc, err.msg);
    CHECK_MSG(strstr(err.msg, p) != NULL, "%s: message does not name the file: %s", what,
              err.msg);
    CHECK_MSG(r.nvec == 0 && r.npts == 0 && r.data == NULL, "%s: result not cleared", what);
}

static void test_raw_truncated(const MsResult *tr)
{
    MsError err = {0};
    char *full = tpath("full.raw"), *cut = tpath("cut.raw");
    for (int ascii = 0; ascii <= 1; ascii++) {
        CHECK(ms_write_raw(tr, full, ascii, &err) == MS_OK);
        size_t len = 0;
        char *txt = slurp(full, &len);
        size_t hdr = (size_t)(strstr(txt, ascii ? "Values:\n" : "Binary:\n") - txt) + 8;
        CHECK(spill(cut, txt, len - 5) == 0);             /* last value cut short */
        expect_rejected(cut, ascii ? "ascii, last point cut" : "binary, last point cut");
        CHECK(spill(cut, txt, ascii ? len - 26 : len - 8) == 0);   /* a whole value missing */
        expect_rejected(cut, ascii ? "ascii, last value missing" : "binary, last value missing");
        CHECK(spill(cut, txt, hdr) == 0);                 /* header only */
        expect_rejected(cut, "no data");
        CHECK(spill(cut, txt, hdr - 20) == 0);            /* inside the Variables list */
        expect_rejected(cut, "header cut");
        free(txt);
    }
    const char *garbage = "this is not a raw file\n\x01\x02\x03";
    CHECK(spill(cut, garbage, strlen(garbage)) == 0);
    expect_rejected(cut, "garbage");
    const char *bad_values =
        "Title: x\nPlotname: Transient Analysis\nFlags: real\nNo. Variables: 2\n"
        "No. Points: 2\nVariables:\n\t0\ttime\ttime\n\t1\tv(a)\tvoltage\nValues:\n"
        " 0\t0.0\n\t1.0\n\n 1\t1e-9\n\tone\n\n";
    CHECK(spill(cut, bad_values, strlen(bad_values)) == 0);
    expect_rejected(cut, "non-number in Values");
    CHECK(spill(cut, "", 0) == 0);
    expect_rejected(cut, "empty file");
    char *missing = tpath("missing.raw");
    expect_rejected(missing, "missing file");
    free(missing), free(full), free(cut);
}

/* ---- csv ---- */

static void test_csv(const MsResult *tr, const MsResult *op)
{
    MsError err = {0};
    char *p = tpath("tran.csv");
    CHECK(ms_write_csv(tr, p, &err) == MS_OK);
    size_t len;
    char *txt = slurp(p, &len);
    CHECK_MSG(txt && !strncmp(txt, "time,v(out),i(v1),x1.w\n0,0,-0,0.5\n", 34),
              "csv start:\n%.60s", txt ? txt : "");
    free(txt);
    MsResult back;
    int rc = ms_read_csv(p, &back, &err);
    CHECK_MSG(rc == MS_OK, "read csv: %s", err.msg);
    if (rc == MS_OK)
        check_same(&back, tr, 0, "tran.csv");
    ms_result_free(&back);

    char *q = tpath("op.csv");
    CHECK(ms_write_csv(op, q, &err) == MS_OK);
    txt = slurp(q, &len);
    CHECK_MSG(txt && !strcmp(txt, "v(in),i(v1),xm/w\n1,-0.00033333333333333332,0.25\n"),
              "op csv:\n%s", txt ? txt : "");
    free(txt);
    rc = ms_read_csv(q, &back, &err);
    CHECK_MSG(rc == MS_OK, "read op csv: %s", err.msg);
    if (rc == MS_OK)
        check_same(&back, op, 0, "op.csv");
    ms_result_free(&back);

    const char *bad = "time,v(a)\n0,1\n1e-9\n";
    CHECK(spill(q, bad, strlen(bad)) == 0);
    rc = ms_read_csv(q, &back, &err);
    CHECK_MSG(rc == MS_ERR_IO && strstr(err.msg, q), "short csv row: %s", err.msg);
    free(p), free(q);
}

/* A quoted name survives (v(a,b) is a legal ngspice vector name). */
static void test_csv_quoting(void)
{
    MsResult r, back;
    MsError err = {0};
    ms_result_init(&r, "", "Operating Point", 2, 0);
    r.names[0] = ms_strdup("v(a,b)");
    r.names[1] = ms_strdup("say \"hi\"");
    r.kinds[0] = MS_VEC_VOLTAGE;
    r.kinds[1] = MS_VEC_STATE;
    double *row = ms_result_add_point(&r, 0);
    row[0] = 1, row[1] = 2;
    char *p = tpath("quote.csv");
    CHECK(ms_write_csv(&r, p, &err) == MS_OK);
    CHECK(ms_read_csv(p, &back, &err) == MS_OK);
    check_same(&back, &r, 0, "quoted csv");
    ms_result_free(&back);
    ms_result_free(&r);
    free(p);
}

/* ---- HDF5 ---- */

static char *h5_string_attr(hid_t obj, const char *name)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return NULL;
    hid_t ft = H5Aget_type(a), mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5T_CSET_UTF8);
    char *v = NULL, *out = NULL;
    if (H5Tis_variable_str(ft) > 0 && H5Aread(a, mt, &v) >= 0 && v) {
        out = ms_strdup(v);
        H5free_memory(v);
    }
    H5Tclose(mt);
    H5Tclose(ft);
    H5Aclose(a);
    return out;
}

static int attr_is(hid_t obj, const char *name, const char *want)
{
    char *v = h5_string_attr(obj, name);
    int ok = v && !strcmp(v, want);
    if (!ok)
        printf("  attribute %s = '%s', want '%s'\n", name, v ? v : "(none)", want);
    free(v);
    return ok;
}

/* Read a 1-D double dataset of n values; 0 if it is there with that size. */
static int h5_read_vec(hid_t loc, const char *name, double *v, size_t n)
{
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    if (ds < 0)
        return -1;
    hid_t sp = H5Dget_space(ds);
    hsize_t dims[1] = {0};
    int ok = H5Sget_simple_extent_ndims(sp) == 1 && H5Sget_simple_extent_dims(sp, dims, NULL) == 1 &&
             dims[0] == n &&
             H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0;
    H5Sclose(sp);
    H5Dclose(ds);
    return ok ? 0 : -1;
}

/* Names of /signals in creation order. */
static void check_h5_order(hid_t grp, const MsResult *r, const char *const *want)
{
    for (int j = 0; j < r->nvec; j++) {
        char name[128] = "";
        H5Lget_name_by_idx(grp, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, (hsize_t)j, name,
                           sizeof name, H5P_DEFAULT);
        CHECK_MSG(!strcmp(name, want[j]), "h5 signal %d is '%s', want '%s'", j, name, want[j]);
    }
}

static void check_h5(const char *p, const MsResult *r, const char *const *dsnames)
{
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK_MSG(f >= 0, "cannot open %s with HDF5", p);
    if (f < 0)
        return;
    CHECK(attr_is(f, "title", r->title));
    CHECK(attr_is(f, "plotname", r->plotname));
    CHECK(attr_is(f, "generator", "memspice"));
    double *v = ms_malloc(sizeof *v * r->npts);
    if (r->time) {
        CHECK_MSG(h5_read_vec(f, "time", v, r->npts) == 0, "h5 /time");
        int bad = 0;
        for (size_t k = 0; k < r->npts; k++)
            bad += !same_bits(v[k], r->time[k]);
        CHECK_MSG(bad == 0, "h5 /time values");
    } else {
        CHECK_MSG(H5Lexists(f, "time", H5P_DEFAULT) == 0, "h5: operating point has /time");
    }
    hid_t g = H5Gopen2(f, "signals", H5P_DEFAULT);
    CHECK(g >= 0);
    static const char *const units[] = { "s", "V", "A", "" };
    static const char *const kinds[] = { "time", "voltage", "current", "state" };
    for (int j = 0; g >= 0 && j < r->nvec; j++) {
        CHECK_MSG(h5_read_vec(g, dsnames[j], v, r->npts) == 0, "h5 /signals/%s", dsnames[j]);
        int bad = 0;
        for (size_t k = 0; k < r->npts; k++)
            bad += !same_bits(v[k], r->data[k * (size_t)r->nvec + (size_t)j]);
        CHECK_MSG(bad == 0, "h5 /signals/%s values", dsnames[j]);
        hid_t ds = H5Dopen2(g, dsnames[j], H5P_DEFAULT);
        CHECK(attr_is(ds, "units", units[r->kinds[j]]));
        CHECK(attr_is(ds, "kind", kinds[r->kinds[j]]));
        H5Dclose(ds);
    }
    if (g >= 0) {
        check_h5_order(g, r, dsnames);
        H5Gclose(g);
    }
    free(v);
    H5Fclose(f);
}

static void test_hdf5(const MsResult *tr, const MsResult *op)
{
    MsError err = {0};
    char *p = tpath("tran.h5"), *q = tpath("op.hdf5");
    int rc = ms_write_hdf5(tr, p, &err);
    CHECK_MSG(rc == MS_OK, "write h5: %s", err.msg);
    static const char *const trnames[] = { "v(out)", "i(v1)", "x1.w" };
    if (rc == MS_OK)
        check_h5(p, tr, trnames);
    rc = ms_write_hdf5(op, q, &err);
    CHECK_MSG(rc == MS_OK, "write op h5: %s", err.msg);
    static const char *const opnames[] = { "v(in)", "i(v1)", "xm|w" };   /* '/' escaped */
    if (rc == MS_OK)
        check_h5(q, op, opnames);
    free(p), free(q);
}

/* ---- ms_write_result, errors, atomicity ---- */

static void test_dispatch(const MsResult *tr)
{
    static const char *const files[] = { "d.raw", "d.csv", "d.h5", "d.hdf5", "D.RAW" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        MsError err = {0};
        char *p = tpath(files[i]);
        CHECK_MSG(ms_write_result(tr, p, NULL, &err) == MS_OK, "%s: %s", files[i], err.msg);
        free(p);
    }
    MsError err = {0};
    MsResult back;
    char *p = tpath("d.raw");
    CHECK(ms_read_raw(p, &back, &err) == MS_OK);
    check_same(&back, tr, 1, "d.raw via ms_write_result");
    ms_result_free(&back);
    free(p);
    p = tpath("ascii.dat");
    CHECK(ms_write_result(tr, p, "rawascii", &err) == MS_OK);
    CHECK(ms_read_raw(p, &back, &err) == MS_OK);
    check_same(&back, tr, 1, "rawascii via ms_write_result");
    ms_result_free(&back);
    free(p);

    p = tpath("out.txt");
    CHECK(ms_write_result(tr, p, NULL, &err) == MS_ERR_ARG);
    CHECK_MSG(strstr(err.msg, "cannot tell the output format from") && strstr(err.msg, p),
              "message: %s", err.msg);
    CHECK(ms_write_result(tr, p, "xls", &err) == MS_ERR_ARG);
    CHECK(ms_write_result(tr, "-", "raw", &err) == MS_ERR_ARG);
    CHECK(ms_write_result(tr, "-", "h5", &err) == MS_ERR_ARG);
    CHECK(ms_write_result(tr, "-", NULL, &err) == MS_ERR_ARG);
    CHECK(access(p, F_OK) != 0);
    free(p);
}

/* csv and rawascii to "-" go to stdout, which we point at a file here. */
static void test_stdout(const MsResult *tr)
{
    char *p = tpath("stdout.csv");
    fflush(stdout);
    int saved = dup(1);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(saved >= 0 && fd >= 0);
    if (saved < 0 || fd < 0)
        return;
    dup2(fd, 1);
    close(fd);
    MsError err = {0};
    int rc = ms_write_result(tr, "-", "csv", &err);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    CHECK_MSG(rc == MS_OK, "csv to stdout: %s", err.msg);
    MsResult back;
    CHECK(ms_read_csv(p, &back, &err) == MS_OK);
    check_same(&back, tr, 0, "csv written to stdout");
    ms_result_free(&back);
    free(p);
}

static void test_write_errors(const MsResult *tr)
{
    char *nodir = tpath("no/such/dir");
    for (int f = 0; f < 4; f++) {
        MsError err = {0};
        static const char *const fmt[] = { "raw", "rawascii", "csv", "h5" };
        char *p = ms_asprintf("%s/out.%s", nodir, f == 3 ? "h5" : f == 2 ? "csv" : "raw");
        int rc = ms_write_result(tr, p, fmt[f], &err);
        CHECK_MSG(rc == MS_ERR_IO, "%s into a missing directory: rc %d", fmt[f], rc);
        CHECK_MSG(strstr(err.msg, p) && strstr(err.msg, strerror(ENOENT)),
                  "%s: message should name the path and the reason: %s", fmt[f], err.msg);
        free(p);
    }
    free(nodir);
    /* The final name is a directory: the temporary file is written, then
     * the rename fails, and the temporary must be gone. */
    char *dir = tpath("is_a_dir");
    mkdir(dir, 0755);
    for (int f = 0; f < 3; f++) {
        MsError err = {0};
        static const char *const fmt[] = { "raw", "csv", "h5" };
        int rc = ms_write_result(tr, dir, fmt[f], &err);
        CHECK_MSG(rc == MS_ERR_IO && strstr(err.msg, dir), "%s over a directory: %d %s",
                  fmt[f], rc, err.msg);
    }
    CHECK_MSG(count_tmp_files(tmpdir) == 0, "temporary files left behind");
    free(dir);
}

/* A file that cannot grow (a full disk, a quota): RLIMIT_FSIZE makes write()
 * fail with EFBIG once the file reaches 4 KiB.  The error must come back
 * and the temporary file must be removed. */
static void test_file_too_big(void)
{
    MsResult big;
    ms_result_init(&big, "big", "Transient Analysis", 2, 1);
    big.names[0] = ms_strdup("v(a)");
    big.names[1] = ms_strdup("v(b)");
    big.kinds[0] = big.kinds[1] = MS_VEC_VOLTAGE;
    for (int k = 0; k < 20000; k++) {
        double *row = ms_result_add_point(&big, k * 1e-9);
        row[0] = k, row[1] = -k;
    }
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 4096;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    static const char *const fmt[] = { "raw", "rawascii", "csv", "h5" };
    static const char *const files[] = { "big.raw", "biga.raw", "big.csv", "big.h5" };
    for (int f = 0; f < 4; f++) {
        MsError err = {0};
        char *p = tpath(files[f]);
        setrlimit(RLIMIT_FSIZE, &lim);
        int rc = ms_write_result(&big, p, fmt[f], &err);
        setrlimit(RLIMIT_FSIZE, &old);
        CHECK_MSG(rc == MS_ERR_IO && strstr(err.msg, p), "%s larger than the limit: %d %s",
                  fmt[f], rc, err.msg);
        CHECK_MSG(access(p, F_OK) != 0, "%s: a partial %s exists", fmt[f], p);
        free(p);
    }
    signal(SIGXFSZ, prev);
    CHECK_MSG(count_tmp_files(tmpdir) == 0, "temporary files left behind after EFBIG");
    ms_result_free(&big);
}

/* ---- ngspice ---- */

static int run_ngspice(const char *args)
{
    char *cmd = ms_asprintf("cd %s && %s -b %s > ng.log 2>&1", tmpdir, NGSPICE, args);
    int rc = system(cmd);
    free(cmd);
    return rc;
}

static void check_ngspice_tran(const char *file, const char *what)
{
    MsResult r;
    MsError err = {0};
    char *p = tpath(file);
    int rc = ms_read_raw_plot(p, "Transient", &r, &err);
    CHECK_MSG(rc == MS_OK, "%s: %s", what, err.msg);
    if (rc == MS_OK) {
        CHECK_MSG(ms_result_find(&r, "v(out)") >= 0 && ms_result_find(&r, "v(in)") >= 0 &&
                      ms_result_find(&r, "i(v1)") >= 0, "%s: vector names", what);
        CHECK_MSG(r.time && r.npts > 10, "%s: %zu points", what, r.npts);
        int incr = 1;
        for (size_t k = 1; r.time && k < r.npts; k++)
            incr &= r.time[k] > r.time[k - 1];
        CHECK_MSG(incr, "%s: time not increasing", what);
        int j = ms_result_find(&r, "v(out)");
        if (j >= 0 && r.npts > 10)   /* RC charging toward 1 V, tau = 1 us, tstop 5 us */
            CHECK_NEAR(r.data[(r.npts - 1) * (size_t)r.nvec + (size_t)j], 1 - exp(-5.0), 0.02);
    }
    ms_result_free(&r);
    free(p);
}

/* ngspice loads our raw file and writes it again: what comes back must be
 * ours, bit for bit, whatever order ngspice put the vectors in. */
static void check_ngspice_loads(const MsResult *tr)
{
    MsError err = {0};
    char *ours = tpath("ours.raw"), *cir = tpath("load.cir"), *back = tpath("back.raw");
    CHECK(ms_write_raw(tr, ours, 1, &err) == MS_OK);
    const char *script = "load our file\n.control\nload ours.raw\nwrite back.raw\n.endc\n.end\n";
    CHECK(spill(cir, script, strlen(script)) == 0);
    run_ngspice("load.cir");
    MsResult r;
    int rc = ms_read_raw(back, &r, &err);
    CHECK_MSG(rc == MS_OK, "ngspice did not load and rewrite our raw file: %s", err.msg);
    if (rc == MS_OK) {
        CHECK(r.nvec == tr->nvec && r.npts == tr->npts && r.time);
        int bad = 0;
        for (int j = 0; j < tr->nvec && r.npts == tr->npts; j++) {
            int g = ms_result_find(&r, tr->names[j]);
            CHECK_MSG(g >= 0, "ngspice lost vector %s", tr->names[j]);
            for (size_t k = 0; g >= 0 && k < tr->npts; k++)
                bad += !same_bits(r.data[k * (size_t)r.nvec + (size_t)g],
                                  tr->data[k * (size_t)tr->nvec + (size_t)j]);
        }
        CHECK_MSG(bad == 0, "ngspice round trip: %d values differ", bad);
    }
    ms_result_free(&r);
    free(ours), free(cir), free(back);
}

static void test_ngspice(const MsResult *tr)
{
    if (access(NGSPICE, X_OK) != 0) {
        printf("io: ngspice not installed, skipping the ngspice checks\n");
        return;
    }
    const char *net =
        "rc test\n"
        "v1 in 0 pulse(0 1 0 1n 1n 1 2)\n"
        "r1 in out 1k\n"
        "c1 out 0 1n\n"
        ".op\n"
        ".tran 0.1u 5u\n"
        ".end\n";
    char *cir = tpath("rc.cir");
    CHECK(spill(cir, net, strlen(net)) == 0);
    run_ngspice("-r ng.raw rc.cir");
    check_ngspice_tran("ng.raw", "ngspice binary raw");
    MsResult r;
    MsError err = {0};
    char *ng = tpath("ng.raw");
    CHECK_MSG(ms_read_raw(ng, &r, &err) == MS_OK && !r.time && r.npts == 1 &&
                  !strcmp(r.plotname, "Operating Point"), "ngspice .op plot: %s", err.msg);
    ms_result_free(&r);
    /* ngspice's batch ascii layout ("0\t\t<time>") */
    char *full = ms_asprintf("cd %s && SPICE_ASCIIRAWFILE=1 %s -b -r ng_ascii.raw rc.cir "
                             "> ng.log 2>&1", tmpdir, NGSPICE);
    CHECK(system(full) == 0);
    check_ngspice_tran("ng_ascii.raw", "ngspice ascii raw");
    check_ngspice_loads(tr);
    free(full), free(cir), free(ng);
}

int main(void)
{
    setenv("SOURCE_DATE_EPOCH", "0", 1);
    if (!tmp_begin("io"))
        return 1;
    MsResult tr, op;
    make_tran(&tr);
    make_op(&op);

    test_raw_header(&tr, &op);
    test_raw_roundtrip(&tr, &op);
    test_raw_multiplot(&tr, &op);
    test_raw_truncated(&tr);
    test_csv(&tr, &op);
    test_csv_quoting();
    test_hdf5(&tr, &op);
    test_dispatch(&tr);
    test_stdout(&tr);
    test_write_errors(&tr);
    test_file_too_big();
    test_ngspice(&tr);
    CHECK_MSG(count_tmp_files(tmpdir) == 0, "temporary files left behind");

    ms_result_free(&tr);
    ms_result_free(&op);
    return tmp_end("io");
}
