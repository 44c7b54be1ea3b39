/* test_dataset.c — the data sets of `memspice train` (src/train/dataset.c):
 * small IDX sets written here, plain and gzip-compressed, and HDF5 files
 * with /x, /y, /x_test, /y_test read back value for value; every malformed
 * input (missing, truncated, wrong magic or rank, count mismatch, label out
 * of range, empty, sizes that overflow, corrupt gzip) is refused with a
 * message naming the file, leaving the output empty; the named sets
 * (mnist, fashion-mnist) are looked up where the README says; the bundled
 * digits6x5 set loads with 200 samples of 30 features and 10 classes.
 * MNIST itself is not needed (nor read). */
#include "check.h"
#include "tmp_util.h"
#include "train/dataset.h"
#include "util/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <zlib.h>

/* ---- helpers ---- */

/* A folder under tmpdir (name may be "a/b"; parents made). */
static char *mkfolder(const char *name)
{
    char *p = tpath(name);
    for (char *s = p + strlen(tmpdir) + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0755);
            *s = '/';
        }
    mkdir(p, 0755);
    return p;
}

static void put_bytes(const char *dir, const char *name, const void *data, size_t n, int gz)
{
    char *p = ms_asprintf("%s/%s%s", dir, name, gz ? ".gz" : "");
    int ok;
    if (gz) {
        gzFile f = gzopen(p, "wb9");
        ok = f && (n == 0 || gzwrite(f, data, (unsigned)n) == (int)n);
        ok = f && gzclose(f) == Z_OK && ok;
    } else {
        ok = spill(p, data, n) == 0;
    }
    if (!ok) {
        printf("FAIL cannot write %s\n", p);
        exit(1);
    }
    free(p);
}

/* A file this test wrote, read back (the test stops if it cannot be). */
static unsigned char *read_back(const char *path, size_t *len)
{
    unsigned char *b = slurp(path, len);
    if (!b) {
        printf("FAIL cannot read %s\n", path);
        exit(1);
    }
    return b;
}

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* An IDX file image: magic 0x0800+rank, dims, then ndata bytes of data
 * (which need not agree with the dims: for malformed files).  *len set. */
static unsigned char *idx_image(int magic, int rank, const uint32_t *dims, const unsigned char *data,
                                size_t ndata, size_t *len)
{
    *len = 4 + 4 * (size_t)rank + ndata;
    unsigned char *b = ms_malloc(*len);
    be32(b, (uint32_t)magic);
    for (int k = 0; k < rank; k++)
        be32(b + 4 + 4 * k, dims[k]);
    if (ndata)
        memcpy(b + 4 + 4 * rank, data, ndata);
    return b;
}

/* An IDX file of images (n x rows x cols) or labels (rank 1) in dir. */
static void put_idx(const char *dir, const char *name, int rank, const uint32_t *dims,
                    const unsigned char *data, size_t ndata, int gz)
{
    size_t len;
    unsigned char *b = idx_image(0x800 + rank, rank, dims, data, ndata, &len);
    put_bytes(dir, name, b, len, gz);
    free(b);
}

/* The fixture: train 3 images of 2x2 with labels 0 2 1, test 2 images with labels 1 1. */
static const unsigned char tr_px[12] = { 0, 255, 128, 1, 7, 0, 254, 255, 33, 66, 99, 200 };
static const unsigned char tr_lab[3] = { 0, 2, 1 };
static const unsigned char te_px[8] = { 10, 20, 30, 40, 250, 251, 252, 253 };
static const unsigned char te_lab[2] = { 1, 1 };

/* gz: bit 0 images compressed, bit 1 labels compressed. */
static char *make_idx_set(const char *name, int gz)
{
    char *dir = mkfolder(name);
    uint32_t d3[3] = { 3, 2, 2 }, d1[1] = { 3 }, e3[3] = { 2, 2, 2 }, e1[1] = { 2 };
    put_idx(dir, "train-images-idx3-ubyte", 3, d3, tr_px, sizeof tr_px, gz & 1);
    put_idx(dir, "train-labels-idx1-ubyte", 1, d1, tr_lab, sizeof tr_lab, gz & 2);
    put_idx(dir, "t10k-images-idx3-ubyte", 3, e3, te_px, sizeof te_px, gz & 1);
    put_idx(dir, "t10k-labels-idx1-ubyte", 1, e1, te_lab, sizeof te_lab, gz & 2);
    return dir;
}

/* d holds n samples of nfeat features px/255 and labels lab, nclass classes. */
static void check_set(const char *what, const MsDataset *d, int n, int nfeat, int nclass, int rows,
                      int cols, const unsigned char *px, const unsigned char *lab)
{
    CHECK_MSG(d->n == n && d->nfeat == nfeat && d->nclass == nclass,
              "%s: n %d nfeat %d nclass %d, want %d %d %d", what, d->n, d->nfeat, d->nclass, n,
              nfeat, nclass);
    CHECK_MSG(d->rows == rows && d->cols == cols, "%s: shape %d x %d, want %d x %d", what,
              d->rows, d->cols, rows, cols);
    if (d->n != n || d->nfeat != nfeat || !d->x || !d->y)
        return;
    int bad = 0;
    for (int i = 0; i < n * nfeat; i++)
        bad += d->x[i] != (float)px[i] / 255.0f;
    CHECK_MSG(bad == 0, "%s: %d pixel values differ from u8/255", what, bad);
    CHECK_MSG(!memcmp(d->y, lab, (size_t)n), "%s: labels differ", what);
}

/* Loading spec must fail; the message must hold every string of want
 * (the file's name among them) and the output must be empty. */
static void load_fails(const char *what, const char *spec, int split, const char *want1,
                       const char *want2)
{
    MsDataset d;
    memset(&d, 0x5a, sizeof d);
    MsError err = {0};
    int rc = ms_dataset_load(spec, split, &d, &err);
    if (getenv("MS_TEST_VERBOSE"))   /* MS_TEST_VERBOSE=1: every message */
        printf("%-24s %s\n", what, err.msg);
    CHECK_MSG(rc != MS_OK && err.code == rc, "%s: rc %d (message '%s')", what, rc, err.msg);
    CHECK_MSG(!d.x && !d.y && !d.n && !d.nfeat && !d.nclass, "%s: output not empty", what);
    CHECK_MSG(want1 && strstr(err.msg, want1), "%s: '%s' not in message '%s'", what, want1,
              err.msg);
    if (want2)
        CHECK_MSG(strstr(err.msg, want2) != NULL, "%s: '%s' not in message '%s'", what, want2,
                  err.msg);
    if (rc == MS_OK)
        ms_dataset_free(&d);
}

/* A folder with the train images file given by its bytes and good labels
 * for n images (n = 0: no labels file); returns the images file path. */
static char *idx_case(const char *name, const unsigned char *img, size_t len, int gz, uint32_t n)
{
    char *dir = mkfolder(name);
    put_bytes(dir, "train-images-idx3-ubyte", img, len, gz);
    if (n) {
        unsigned char *lab = ms_calloc(n, 1);
        put_idx(dir, "train-labels-idx1-ubyte", 1, &n, lab, n, 0);
        free(lab);
    }
    char *p = ms_asprintf("%s/train-images-idx3-ubyte%s", dir, gz ? ".gz" : "");
    free(dir);
    return p;
}

/* The set of idx_case(name, img, len, gz, n) must be refused, with a
 * message naming its images file and holding want. */
static void idx_fails(const char *what, const char *name, const unsigned char *img, size_t len,
                      int gz, uint32_t n, const char *want)
{
    char *p = idx_case(name, img, len, gz, n), *dir = tpath(name);
    load_fails(what, dir, 0, p, want);
    free(dir), free(p);
}

/* ---- IDX, good ---- */

static void test_idx_read(void)
{
    MsError err = {0};
    static const char *const names[] = { "plain", "gzip", "gz-images", "gz-labels" };
    for (int gz = 0; gz < 4; gz++) {
        char *dir = make_idx_set(names[gz], gz);
        MsDataset d;
        int rc = ms_dataset_load(dir, 0, &d, &err);
        CHECK_MSG(rc == MS_OK, "idx %s train: %s", names[gz], err.msg);
        check_set(names[gz], &d, 3, 4, 3, 2, 2, tr_px, tr_lab);
        ms_dataset_free(&d);
        CHECK(!d.x && !d.y && !d.n);
        rc = ms_dataset_load(dir, 1, &d, &err);
        CHECK_MSG(rc == MS_OK, "idx %s test: %s", names[gz], err.msg);
        check_set(names[gz], &d, 2, 4, 2, 2, 2, te_px, te_lab);
        ms_dataset_free(&d);
        free(dir);
    }
    /* a bigger gzip file: several zlib buffers' worth (1000 x 28 x 28) */
    char *dir = mkfolder("big");
    uint32_t n = 1000, d3[3] = { n, 28, 28 };
    size_t np = (size_t)n * 784;
    unsigned char *px = ms_malloc(np), *lab = ms_malloc(n);
    uint32_t s = 12345;
    for (size_t i = 0; i < np; i++) {
        s = s * 1103515245u + 12345u;
        px[i] = (unsigned char)(s >> 16);
    }
    for (uint32_t i = 0; i < n; i++)
        lab[i] = (unsigned char)(i % 7);
    put_idx(dir, "train-images-idx3-ubyte", 3, d3, px, np, 1);
    put_idx(dir, "train-labels-idx1-ubyte", 1, &n, lab, n, 1);
    MsDataset d;
    CHECK_MSG(ms_dataset_load(dir, 0, &d, &err) == MS_OK, "big gzip: %s", err.msg);
    check_set("big gzip", &d, 1000, 784, 7, 28, 28, px, lab);
    ms_dataset_free(&d);
    /* the test split is absent */
    char *want = ms_asprintf("%s: no t10k-images-idx3-ubyte", dir);
    load_fails("no test split", dir, 1, want, "t10k-labels-idx1-ubyte");
    free(want);
    free(px), free(lab), free(dir);
}

/* ---- IDX, malformed ---- */

static void test_idx_malformed(void)
{
    unsigned char px[64] = { 0 };
    size_t len;
    unsigned char *b;
    char *p, *dir;

    /* a path that does not exist */
    p = tpath("no-such-set");
    load_fails("missing path", p, 0, p, "No such file");
    free(p);

    /* a folder without the labels file, and one without anything */
    uint32_t d3[3] = { 2, 2, 2 };
    b = idx_image(0x803, 3, d3, px, 8, &len);
    p = idx_case("nolabels", b, len, 0, 0);
    free(b);
    dir = tpath("nolabels");
    load_fails("no labels file", dir, 0, dir, "no train-labels-idx1-ubyte");
    free(dir), free(p);
    dir = mkfolder("emptydir");
    load_fails("empty folder", dir, 0, dir, "no train-images-idx3-ubyte");
    free(dir);

    for (int gz = 0; gz < 2; gz++) {
        char name[64];
#define CASE(tag) (snprintf(name, sizeof name, "%s%s", tag, gz ? "-gz" : ""), name)
        /* images: the header says 3 images of 2x2, the data holds 2 */
        uint32_t t3[3] = { 3, 2, 2 };
        b = idx_image(0x803, 3, t3, px, 8, &len);
        idx_fails("truncated data", CASE("trunc-data"), b, len, gz, 3, "truncated");
        free(b);

        /* a header that ends early, and a file too short for a magic number */
        b = idx_image(0x803, 3, t3, px, 0, &len);
        idx_fails("truncated header", CASE("trunc-header"), b, 9, gz, 3, "truncated");
        free(b);
        idx_fails("truncated magic", CASE("trunc-magic"), (const unsigned char *)"\0\0", 2, gz, 3,
                  "truncated");
        idx_fails("empty file", CASE("zero-bytes"), (const unsigned char *)"", 0, gz, 3, "truncated");

        /* more data than the header says */
        b = idx_image(0x803, 3, t3, px, 13, &len);
        idx_fails("trailing bytes", CASE("trailing"), b, len, gz, 3, "more data than the header");
        free(b);

        /* wrong magic: not unsigned bytes (0x0d = float), not IDX at all, wrong rank */
        b = idx_image(0xd03, 3, t3, px, 12, &len);
        idx_fails("magic 0x0d03", CASE("magic-float"), b, len, gz, 3, "wrong magic number 0x00000d03");
        free(b);
        idx_fails("text file", CASE("magic-text"), (const unsigned char *)"hello, world\n", 13, gz, 3,
                  "wrong magic number");
        uint32_t d2[2] = { 3, 4 };
        b = idx_image(0x802, 2, d2, px, 12, &len);
        idx_fails("rank-2 images", CASE("rank2"), b, len, gz, 3, "wrong rank");
        free(b);

        /* labels file holding images */
        dir = mkfolder(CASE("labels-as-images"));
        put_idx(dir, "train-images-idx3-ubyte", 3, t3, px, 12, gz);
        put_idx(dir, "train-labels-idx1-ubyte", 3, t3, px, 12, gz);
        p = ms_asprintf("%s/train-labels-idx1-ubyte%s", dir, gz ? ".gz" : "");
        load_fails("labels with rank 3", dir, 0, p, "wrong rank");
        free(dir), free(p);

        /* label count != image count: both files named */
        dir = mkfolder(CASE("count"));
        uint32_t two = 2;
        put_idx(dir, "train-images-idx3-ubyte", 3, t3, px, 12, gz);
        put_idx(dir, "train-labels-idx1-ubyte", 1, &two, px, 2, gz);
        p = ms_asprintf("%s/train-labels-idx1-ubyte%s: 2 labels, but %s/train-images-idx3-ubyte%s "
                        "holds 3 images", dir, gz ? ".gz" : "", dir, gz ? ".gz" : "");
        load_fails("count mismatch", dir, 0, p, NULL);
        free(dir), free(p);

        /* empty set; empty images */
        uint32_t z3[3] = { 0, 2, 2 }, zz[3] = { 3, 0, 2 };
        b = idx_image(0x803, 3, z3, px, 0, &len);
        idx_fails("0 images", CASE("empty"), b, len, gz, 1, "empty set");
        free(b);
        b = idx_image(0x803, 3, zz, px, 0, &len);
        idx_fails("0 x 2 images", CASE("empty-img"), b, len, gz, 3, "empty images");
        free(b);

        /* sizes that overflow, or would make a huge allocation: refused
         * from the header (ASan would report an allocation this big) */
        uint32_t h1[3] = { 0x80000000u, 0x80000000u, 0x80000000u };
        uint32_t h2[3] = { 0x7fffffffu, 28, 28 };
        uint32_t h3[3] = { 0x80000000u, 1, 1 };
        uint32_t h4[3] = { 0xffffffffu, 0xffffffffu, 0xffffffffu };
        const uint32_t *huge[4] = { h1, h2, h3, h4 };
        for (int k = 0; k < 4; k++) {
            b = idx_image(0x803, 3, huge[k], px, 64, &len);
            char tag[32];
            snprintf(tag, sizeof tag, "huge%d", k);
            idx_fails("huge header", CASE(tag), b, len, gz, 1, "too large");
            free(b);
        }
        /* a plausible header over a short file: truncated (and the buffer
         * grows only with the data that is there) */
        uint32_t h5[3] = { 1000000, 28, 28 };
        b = idx_image(0x803, 3, h5, px, 64, &len);
        idx_fails("short file", CASE("short"), b, len, gz, 1000000, "truncated");
        free(b);
        /* label files: empty, huge */
        dir = mkfolder(CASE("labels-empty"));
        uint32_t zero = 0;
        put_idx(dir, "train-images-idx3-ubyte", 3, t3, px, 12, gz);
        put_idx(dir, "train-labels-idx1-ubyte", 1, &zero, px, 0, gz);
        p = ms_asprintf("%s/train-labels-idx1-ubyte%s", dir, gz ? ".gz" : "");
        load_fails("0 labels", dir, 0, p, "empty set");
        free(dir), free(p);
        dir = mkfolder(CASE("labels-huge"));
        uint32_t big = 0xfffffff0u;
        put_idx(dir, "train-images-idx3-ubyte", 3, t3, px, 12, gz);
        put_idx(dir, "train-labels-idx1-ubyte", 1, &big, px, 3, gz);
        p = ms_asprintf("%s/train-labels-idx1-ubyte%s", dir, gz ? ".gz" : "");
        load_fails("huge label count", dir, 0, p, "too large");
        free(dir), free(p);
#undef CASE
    }

    /* corrupt gzip streams: a wrong CRC, a bad deflate block, a cut stream */
    uint32_t n = 200, g3[3] = { n, 8, 8 };
    unsigned char *img = ms_malloc(n * 64);
    for (uint32_t i = 0; i < n * 64; i++)
        img[i] = (unsigned char)((i * 37u) ^ (i >> 3));
    dir = mkfolder("gz-good");
    put_idx(dir, "train-images-idx3-ubyte", 3, g3, img, n * 64, 1);
    p = ms_asprintf("%s/train-images-idx3-ubyte.gz", dir);
    unsigned char *gzb = read_back(p, &len);
    free(p), free(dir);

    unsigned char *bad = ms_malloc(len);
    memcpy(bad, gzb, len);
    bad[len - 8] ^= 0x55;   /* the CRC-32 of the trailer */
    idx_fails("gzip CRC", "gz-crc", bad, len, 0, n, "corrupt gzip stream");

    memcpy(bad, gzb, len);
    bad[10] = 0xff;          /* first deflate block: BTYPE 11, reserved */
    idx_fails("gzip bad block", "gz-block", bad, len, 0, n, "corrupt gzip stream");

    idx_fails("gzip cut in half", "gz-cut", gzb, len / 2, 0, n, "truncated");

    idx_fails("gzip without its length", "gz-cut-trailer", gzb, len - 4, 0, n, "truncated");
    free(bad), free(gzb), free(img);

    /* an IDX file given where a folder or HDF5 file is expected */
    dir = tpath("plain");
    p = ms_asprintf("%s/train-images-idx3-ubyte", dir);
    load_fails("IDX file as spec", p, 0, p, "give the folder");
    free(dir), free(p);
}

/* ---- HDF5 ---- */

static hid_t h5_new(const char *name, char **path)
{
    *path = tpath(name);
    hid_t f = H5Fcreate(*path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        printf("FAIL cannot create %s\n", *path);
        exit(1);
    }
    return f;
}

/* Dataset name of file type ftype, rank dims, written from data (memory type mtype) if given. */
static void h5_put(hid_t f, const char *name, hid_t ftype, hid_t mtype, int rank,
                   const hsize_t *dims, const void *data)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t ds = H5Dcreate2(f, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CHECK_MSG(ds >= 0, "h5: cannot create %s", name);
    if (ds >= 0 && data)
        CHECK(H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    if (ds >= 0)
        H5Dclose(ds);
    H5Sclose(sp);
}

static void test_hdf5_read(void)
{
    MsError err = {0};
    MsDataset d;
    char *p;
    /* uint8 x (scaled), int32 y; test split float64 x (as is), int64 y */
    hid_t f = h5_new("good.h5", &p);
    hsize_t dx[2] = { 3, 4 }, dy[1] = { 3 }, dxt[2] = { 2, 3 }, dyt[1] = { 2 };
    static const int yv[3] = { 0, 2, 1 };
    static const double xt[6] = { 0.5, -1.25, 3e3, 0, 1e-7, 1 };
    static const long long yt[2] = { 4, 0 };
    h5_put(f, "x", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 2, dx, tr_px);
    h5_put(f, "y", H5T_STD_I32LE, H5T_NATIVE_INT, 1, dy, yv);
    h5_put(f, "x_test", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dxt, xt);
    h5_put(f, "y_test", H5T_STD_I64BE, H5T_NATIVE_LLONG, 1, dyt, yt);
    H5Fclose(f);
    CHECK_MSG(ms_dataset_load(p, 0, &d, &err) == MS_OK, "h5 train: %s", err.msg);
    check_set("h5 uint8", &d, 3, 4, 3, 0, 0, tr_px, tr_lab);
    ms_dataset_free(&d);
    CHECK_MSG(ms_dataset_load(p, 1, &d, &err) == MS_OK, "h5 test: %s", err.msg);
    CHECK(d.n == 2 && d.nfeat == 3 && d.nclass == 5 && d.rows == 0);
    if (d.n == 2 && d.nfeat == 3) {
        int bad = 0;
        for (int i = 0; i < 6; i++)
            bad += d.x[i] != (float)xt[i];
        CHECK_MSG(bad == 0, "h5 float64 x: %d values differ", bad);
        CHECK(d.y[0] == 4 && d.y[1] == 0);
    }
    ms_dataset_free(&d);
    free(p);

    /* rank-3 x (image shape known), float32; y as an n x 1 float column */
    f = h5_new("rank3.h5", &p);
    hsize_t d3[3] = { 2, 2, 3 }, dy2[2] = { 2, 1 };
    static const float x3[12] = { 0, .1f, .2f, .3f, .4f, .5f, .6f, .7f, .8f, .9f, 1, 2 };
    static const float y2[2] = { 9, 3 };
    h5_put(f, "x", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, d3, x3);
    h5_put(f, "y", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dy2, y2);
    H5Fclose(f);
    CHECK_MSG(ms_dataset_load(p, 0, &d, &err) == MS_OK, "h5 rank 3: %s", err.msg);
    CHECK(d.n == 2 && d.nfeat == 6 && d.rows == 2 && d.cols == 3 && d.nclass == 10);
    if (d.n == 2 && d.nfeat == 6) {
        CHECK(!memcmp(d.x, x3, sizeof x3));
        CHECK(d.y[0] == 9 && d.y[1] == 3);
    }
    ms_dataset_free(&d);
    /* its test split is absent */
    load_fails("h5 no test split", p, 1, p, "no dataset /x_test");
    free(p);
}

static void test_hdf5_malformed(void)
{
    char *p;
    hid_t f;
    hsize_t d34[2] = { 3, 4 }, d3[1] = { 3 }, d2[1] = { 2 }, d32[2] = { 3, 2 };
    static const float x[12] = { 0 };
    static const int y[3] = { 0, 1, 2 };

    /* not an HDF5 file; a truncated one */
    p = tpath("text.h5");
    put_bytes(tmpdir, "text.h5", "not hdf5\n", 9, 0);
    load_fails("text file", p, 0, p, "not an HDF5 file");
    free(p);
    f = h5_new("full.h5", &p);
    h5_put(f, "x", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, d34, x);
    h5_put(f, "y", H5T_STD_I32LE, H5T_NATIVE_INT, 1, d3, y);
    H5Fclose(f);
    size_t len;
    unsigned char *b = read_back(p, &len);
    free(p);
    for (int k = 0; k < 3; k++) {
        static const char *const names[] = { "cut-a.h5", "cut-b.h5", "cut-c.h5" };
        size_t cut = k == 0 ? 100 : k == 1 ? len / 2 : len - 1;
        put_bytes(tmpdir, names[k], b, cut, 0);
        p = tpath(names[k]);
        load_fails("truncated HDF5", p, 0, p, "HDF5");
        free(p);
    }
    free(b);

    /* missing datasets */
    f = h5_new("noy.h5", &p);
    h5_put(f, "x", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, d34, x);
    H5Fclose(f);
    load_fails("no /y", p, 0, p, "no dataset /y");
    free(p);
    f = h5_new("nox.h5", &p);
    h5_put(f, "y", H5T_STD_I32LE, H5T_NATIVE_INT, 1, d3, y);
    H5Fclose(f);
    load_fails("no /x", p, 0, p, "no dataset /x");
    free(p);
    f = h5_new("group.h5", &p);
    H5Gclose(H5Gcreate2(f, "x", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Fclose(f);
    load_fails("/x a group", p, 0, p, "/x is not a dataset");
    free(p);

    /* wrong ranks */
    f = h5_new("rank-x.h5", &p);
    h5_put(f, "x", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, d3, x);
    h5_put(f, "y", H5T_STD_I32LE, H5T_NATIVE_INT, 1, d3, y);
    H5Fclose(f);
    load_fails("1-d /x", p, 0, p, "wrong rank");
    free(p);
    f = h5_new("rank-y.h5", &p);
    h5_put(f, "x", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, d34, x);
    h5_put(f, "y", H5T_STD_I32LE, H5T_NATIVE_INT, 2, d32, NULL);
    H5Fclose(f);
    load_fails("3 x 2 /y", p, 0, p, "wrong rank");
    free(p);

    /* label count != sample count */
    f = h5_new("count.h5", &p);
    h5_put(f, "x", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, d34, x);
    h5_put(f, "y", H5T_STD_I32LE, H5T_NATIVE_INT, 1, d2, y);
    H5Fclose(f);
    load_fails("count mismatch", p, 0, p, "/y has 2 labels, but /x has 3 samples");
    free(p);

    /* labels out of range: 256, -1, 1.5, NaN */
    static const int y256[3] = { 0, 256, 1 }, yneg[3] = { 0, 1, -1 };
    static const double yhalf[3] = { 0, 1.5, 1 }, ynan[3] = { NAN, 0, 1 };
    const void *ybad[4] = { y256, yneg, yhalf, ynan };
    static const char *const ywant[4] = { "label 1 is 256", "label 2 is -1", "label 1 is 1.5",
                                          "label 0 is nan" };
    for (int k = 0; k < 4; k++) {
        char name[32];
        snprintf(name, sizeof name, "label%d.h5", k);
        f = h5_new(name, &p);
        h5_put(f, "x", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, d34, x);
        if (k < 2)
            h5_put(f, "y", H5T_STD_I16LE, H5T_NATIVE_INT, 1, d3, ybad[k]);
        else
            h5_put(f, "y", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d3, ybad[k]);
        H5Fclose(f);
        load_fails("label out of range", p, 0, p, ywant[k]);
        free(p);
    }

    /* empty set; no features */
    f = h5_new("empty.h5", &p);
    hsize_t d04[2] = { 0, 4 }, d0[1] = { 0 }, d30[2] = { 3, 0 };
    h5_put(f, "x", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, d04, NULL);
    h5_put(f, "y", H5T_STD_I32LE, H5T_NATIVE_INT, 1, d0, NULL);
    H5Fclose(f);
    load_fails("0 samples", p, 0, p, "empty set");
    free(p);
    f = h5_new("nofeat.h5", &p);
    h5_put(f, "x", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, d30, NULL);
    h5_put(f, "y", H5T_STD_I32LE, H5T_NATIVE_INT, 1, d3, y);
    H5Fclose(f);
    load_fails("0 features", p, 0, p, "0 features");
    free(p);

    /* non-finite features; a string /x */
    f = h5_new("nan.h5", &p);
    float xn[12] = { 0 };
    xn[5] = INFINITY;
    h5_put(f, "x", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, d34, xn);
    h5_put(f, "y", H5T_STD_I32LE, H5T_NATIVE_INT, 1, d3, y);
    H5Fclose(f);
    load_fails("inf feature", p, 0, p, "sample 1, feature 1 is not a finite");
    free(p);
    f = h5_new("string.h5", &p);
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, 4);
    h5_put(f, "x", st, st, 2, d34, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV");
    H5Tclose(st);
    h5_put(f, "y", H5T_STD_I32LE, H5T_NATIVE_INT, 1, d3, y);
    H5Fclose(f);
    load_fails("string /x", p, 0, p, "not numeric");
    free(p);

    /* a 2^31 x 2^31 dataset (chunked, nothing stored): refused before any allocation */
    f = h5_new("huge.h5", &p);
    hsize_t dh[2] = { (hsize_t)1 << 31, (hsize_t)1 << 31 }, ch[2] = { 1, 1 }, dhy[1] = { (hsize_t)1 << 31 };
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, ch);
    hid_t sp = H5Screate_simple(2, dh, NULL);
    hid_t ds = H5Dcreate2(f, "x", H5T_STD_U8LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    CHECK(ds >= 0);
    H5Dclose(ds), H5Sclose(sp);
    H5Pset_chunk(dcpl, 1, ch);
    sp = H5Screate_simple(1, dhy, NULL);
    ds = H5Dcreate2(f, "y", H5T_STD_U8LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    CHECK(ds >= 0);
    H5Dclose(ds), H5Sclose(sp), H5Pclose(dcpl);
    H5Fclose(f);
    load_fails("huge /x", p, 0, p, "too large");
    free(p);

    /* bad arguments */
    MsDataset d;
    MsError err = {0};
    CHECK(ms_dataset_load("", 0, &d, &err) == MS_ERR_ARG && !d.x);
    p = tpath("good.h5");
    CHECK(ms_dataset_load(p, 2, &d, &err) == MS_ERR_ARG && !d.x && strstr(err.msg, p));
    free(p);
}

/* ---- named sets ---- */

static void test_named(void)
{
    MsError err = {0};
    MsDataset d;
    /* nothing anywhere: the message says where it looked and what to run */
    char *none = tpath("nodata"), *cache = tpath("nocache");
    setenv("MEMSPICE_DATA", none, 1);
    setenv("XDG_CACHE_HOME", cache, 1);
    char *w1 = ms_asprintf("%s/mnist", none), *w2 = ms_asprintf("%s/memspice/mnist", cache);
    load_fails("mnist missing", "mnist", 0, w1, w2);
    load_fails("mnist missing", "mnist", 0, "tools/fetch-data.sh mnist", "train-images-idx3-ubyte");
    free(w1), free(w2);
    /* no XDG_CACHE_HOME: $HOME/.cache */
    unsetenv("XDG_CACHE_HOME");
    const char *home0 = getenv("HOME");
    char *home_save = home0 ? ms_strdup(home0) : NULL;
    setenv("HOME", cache, 1);
    w2 = ms_asprintf("%s/.cache/memspice/mnist", cache);
    load_fails("mnist missing, HOME", "mnist", 1, w2, "t10k-images-idx3-ubyte");
    free(w2);

    /* found in $MEMSPICE_DATA/mnist */
    char *data = tpath("data");
    setenv("MEMSPICE_DATA", data, 1);
    free(make_idx_set("data/mnist", 0));
    CHECK_MSG(ms_dataset_load("mnist", 0, &d, &err) == MS_OK, "mnist in MEMSPICE_DATA: %s", err.msg);
    check_set("mnist in MEMSPICE_DATA", &d, 3, 4, 3, 2, 2, tr_px, tr_lab);
    ms_dataset_free(&d);
    /* in the cache (gzip), when $MEMSPICE_DATA has none */
    setenv("MEMSPICE_DATA", none, 1);
    free(make_idx_set("nocache/.cache/memspice/mnist", 3));
    CHECK_MSG(ms_dataset_load("mnist", 1, &d, &err) == MS_OK, "mnist in the cache: %s", err.msg);
    check_set("mnist in the cache", &d, 2, 4, 2, 2, 2, te_px, te_lab);
    ms_dataset_free(&d);
    /* the first folder with the images is used: its missing labels are
     * reported, not skipped over to the cache's complete set */
    char *m = mkfolder("data2/mnist");
    uint32_t t3[3] = { 3, 2, 2 };
    put_idx(m, "train-images-idx3-ubyte", 3, t3, tr_px, 12, 0);
    w1 = tpath("data2");
    setenv("MEMSPICE_DATA", w1, 1);
    load_fails("mnist without labels", "mnist", 0, m, "no train-labels-idx1-ubyte");
    free(w1), free(m);

    /* fashion-mnist: $MEMSPICE_DATA/fashion-mnist first */
    setenv("MEMSPICE_DATA", data, 1);
    free(make_idx_set("data/fashion-mnist", 1));
    CHECK_MSG(ms_dataset_load("fashion-mnist", 0, &d, &err) == MS_OK, "fashion in MEMSPICE_DATA: %s",
              err.msg);
    check_set("fashion in MEMSPICE_DATA", &d, 3, 4, 3, 2, 2, tr_px, tr_lab);
    ms_dataset_free(&d);
    /* then the Debian package's folder: read if installed, else named in the error */
    setenv("MEMSPICE_DATA", none, 1);
    struct stat stt;
    if (stat("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", &stt) == 0) {
        CHECK_MSG(ms_dataset_load("fashion-mnist", 1, &d, &err) == MS_OK, "fashion-mnist: %s",
                  err.msg);
        CHECK_MSG(d.n == 10000 && d.nfeat == 784 && d.nclass == 10 && d.rows == 28 && d.cols == 28,
                  "fashion-mnist test split: n %d nfeat %d nclass %d", d.n, d.nfeat, d.nclass);
        ms_dataset_free(&d);
    } else {
        load_fails("fashion-mnist missing", "fashion-mnist", 0, "/usr/share/datasets/fashion-mnist",
                   "apt-get install dataset-fashion-mnist");
    }

    /* "./mnist" is a folder, not the named set */
    char *cwd = getcwd(NULL, 0);
    if (cwd && chdir(data) == 0) {
        CHECK_MSG(ms_dataset_load("./mnist", 0, &d, &err) == MS_OK, "./mnist: %s", err.msg);
        CHECK(d.n == 3);
        ms_dataset_free(&d);
        CHECK(chdir(cwd) == 0);
    }
    free(cwd);

    if (home_save)
        setenv("HOME", home_save, 1);
    free(home_save);
    unsetenv("MEMSPICE_DATA");
    unsetenv("XDG_CACHE_HOME");
    free(none), free(cache), free(data);
}

/* ---- the bundled 6x5 digits ---- */

static void test_digits6x5(void)
{
    /* the repository root, from this file's name as the Makefile compiles it */
    const char *me = __FILE__, *tail = strstr(me, "tests/unit/test_dataset.c");
    char *dir = ms_asprintf("%.*snetlists/digits6x5", tail ? (int)(tail - me) : 0, me);
    MsError err = {0};
    MsDataset tr, te;
    CHECK_MSG(ms_dataset_load(dir, 0, &tr, &err) == MS_OK, "digits6x5 train: %s", err.msg);
    CHECK_MSG(ms_dataset_load(dir, 1, &te, &err) == MS_OK, "digits6x5 test: %s", err.msg);
    CHECK_MSG(tr.n == 200 && tr.nfeat == 30 && tr.nclass == 10 && tr.rows == 6 && tr.cols == 5,
              "digits6x5 train: n %d nfeat %d nclass %d shape %dx%d", tr.n, tr.nfeat, tr.nclass,
              tr.rows, tr.cols);
    CHECK_MSG(te.n == 200 && te.nfeat == 30 && te.nclass == 10, "digits6x5 test: n %d nfeat %d "
              "nclass %d", te.n, te.nfeat, te.nclass);
    if (tr.n == 200 && te.n == 200 && tr.nfeat == 30 && te.nfeat == 30) {
        int bin = 0, lab = 0, clean = 0, noisy = 0, flips = 0;
        for (int i = 0; i < 200 * 30; i++)
            bin += (tr.x[i] == 0 || tr.x[i] == 1) && (te.x[i] == 0 || te.x[i] == 1);
        for (int i = 0; i < 200; i++)
            lab += tr.y[i] == i % 10 && te.y[i] == i % 10;
        CHECK_MSG(bin == 200 * 30, "digits6x5: pixels not all 0 or 1");
        CHECK_MSG(lab == 200, "digits6x5: sample i is not digit i %% 10");
        /* the first ten are the clean glyphs, the same in both splits */
        clean = !memcmp(tr.x, te.x, 10 * 30 * sizeof *tr.x);
        CHECK_MSG(clean, "digits6x5: the clean glyphs differ between the splits");
        /* the noisy copies: about 5 % of the pixels flipped, different in the two splits */
        for (int i = 10; i < 200; i++) {
            noisy += memcmp(tr.x + i * 30, te.x + i * 30, 30 * sizeof *tr.x) != 0;
            for (int j = 0; j < 30; j++)
                flips += tr.x[i * 30 + j] != tr.x[(i % 10) * 30 + j];
        }
        CHECK_MSG(noisy > 150, "digits6x5: only %d of 190 noisy copies differ between splits", noisy);
        CHECK_MSG(flips > 190 * 30 * 0.03 && flips < 190 * 30 * 0.07,
                  "digits6x5: %d flipped pixels in 5700, want about 5 %%", flips);
        /* digit 1: a vertical stroke in column 2 */
        int one = 0;
        for (int r = 0; r < 6; r++)
            one += tr.x[1 * 30 + r * 5 + 2] == 1;
        CHECK_MSG(one == 6, "digits6x5: digit 1 has %d of 6 pixels in its middle column", one);
        /* any two clean glyphs differ in at least 5 pixels */
        int dmin = 30;
        for (int a = 0; a < 10; a++)
            for (int b2 = a + 1; b2 < 10; b2++) {
                int dd = 0;
                for (int j = 0; j < 30; j++)
                    dd += tr.x[a * 30 + j] != tr.x[b2 * 30 + j];
                dmin = dd < dmin ? dd : dmin;
            }
        CHECK_MSG(dmin >= 5, "digits6x5: two glyphs differ in only %d pixels", dmin);
    }
    ms_dataset_free(&tr);
    ms_dataset_free(&te);
    free(dir);
}

int main(void)
{
    if (!tmp_begin("dataset"))
        return 1;
    test_idx_read();
    test_idx_malformed();
    test_hdf5_read();
    test_hdf5_malformed();
    test_named();
    test_digits6x5();
    return tmp_end("dataset");
}
