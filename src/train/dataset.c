/* dataset.c — see dataset.h.
 *
 * IDX files go through zlib's gzread, which reads a gzip stream or (in its
 * "transparent" mode) a plain file alike.  The header is read first and
 * its sizes checked; the data buffer then grows with what actually
 * arrives, never to more than the header announced, so a header that lies
 * about its size costs no more memory than the file holds.  After the data
 * one more byte is asked for: there must be none, and for gzip this is
 * also where zlib checks the stream's CRC and length. */
#include "dataset.h"
#include "../util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <zlib.h>

/* The IDX file names of a data set directory, [split][0 images, 1 labels]. */
static const char *const idx_names[2][2] = {
    { "train-images-idx3-ubyte", "train-labels-idx1-ubyte" },
    { "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" },
};

#define IDX_SET_FILES "train-images-idx3-ubyte, train-labels-idx1-ubyte, " \
                      "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain or .gz"

/* ---------------------------------------------------------------- IDX */

/* An open IDX file. */
typedef struct IdxFile {
    const char *path;
    gzFile gz;
} IdxFile;

/* Read up to n bytes into buf; *got = bytes read.  A stream error (corrupt
 * or truncated gzip) is reported into err naming the file. */
static int idx_read(IdxFile *f, void *buf, size_t n, size_t *got, MsError *err)
{
    *got = 0;
    while (*got < n) {
        size_t left = n - *got;
        unsigned chunk = left > (1u << 30) ? (1u << 30) : (unsigned)left;
        int r = gzread(f->gz, (unsigned char *)buf + *got, chunk);
        if (r <= 0)
            break;
        *got += (size_t)r;
    }
    int zerr = Z_OK;
    const char *why = gzerror(f->gz, &zerr);
    if (zerr == Z_BUF_ERROR)
        return ms_err(err, MS_ERR_IO, "%s: truncated file: the gzip stream ends early", f->path);
    if (zerr == Z_ERRNO)
        return ms_err(err, MS_ERR_IO, "%s: read error: %s", f->path, strerror(errno));
    if (zerr != Z_OK) {
        /* zlib says "<fd:N>: what" for a gzdopen'ed file: keep "what" */
        const char *colon = why ? strstr(why, ": ") : NULL;
        if (why && !strncmp(why, "<fd:", 4) && colon)
            why = colon + 2;
        return ms_err(err, MS_ERR_IO, "%s: corrupt gzip stream (%s)", f->path,
                      why && *why ? why : "zlib error");
    }
    return MS_OK;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The whole of IDX file path, whose rank must be want_rank (1 labels, 3
 * images): dims[0..rank-1] and the data bytes (malloc'ed, *data).  Checks
 * the sizes against each other and the file. */
static int idx_load(const char *path, int want_rank, uint32_t dims[3], unsigned char **data,
                    MsError *err)
{
    const char *what = want_rank == 1 ? "labels" : "images";
    const char *kind = want_rank == 1 ? "label" : "image";
    *data = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return ms_err(err, MS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0)
        memset(&st, 0, sizeof st);
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return ms_err(err, MS_ERR_IO, "%s: is a directory, not an IDX file", path);
    }
    IdxFile f = { path, gzdopen(fd, "rb") };
    if (!f.gz) {
        close(fd);
        return ms_err(err, MS_ERR_NOMEM, "%s: cannot open (zlib: out of memory)", path);
    }
    gzbuffer(f.gz, 1u << 17);

    unsigned char head[16];
    size_t got = 0, need;
    unsigned char *buf = NULL;
    int rc = idx_read(&f, head, 4, &got, err);
    if (rc)
        goto done;
    if (got < 4) {
        rc = ms_err(err, MS_ERR_IO, "%s: truncated file: %zu bytes, an IDX file starts with a "
                    "4-byte magic number", path, got);
        goto done;
    }
    if (head[0] || head[1] || head[2] != 0x08) {
        rc = ms_err(err, MS_ERR_IO, "%s: wrong magic number 0x%02x%02x%02x%02x: not an IDX file of "
                    "unsigned bytes (want 0x%08x, IDX %s)", path, head[0], head[1], head[2], head[3],
                    0x800 + want_rank, what);
        goto done;
    }
    if (head[3] != want_rank) {
        rc = ms_err(err, MS_ERR_IO, "%s: wrong rank: an IDX file of rank %d (magic 0x%08x), want "
                    "rank %d (magic 0x%08x, %s)", path, head[3], 0x800 + head[3], want_rank,
                    0x800 + want_rank, what);
        goto done;
    }
    rc = idx_read(&f, head + 4, 4 * (size_t)want_rank, &got, err);
    if (rc)
        goto done;
    if (got < 4 * (size_t)want_rank) {
        rc = ms_err(err, MS_ERR_IO, "%s: truncated file: the IDX header ends after %zu bytes, "
                    "want %d", path, 4 + got, 4 + 4 * want_rank);
        goto done;
    }
    for (int k = 0; k < want_rank; k++)
        dims[k] = be32(head + 4 + 4 * k);

    /* sizes: each dim < 2^32, so every product below fits in 64 bits */
    uint64_t n = dims[0], nfeat = 1;
    if (want_rank == 3)
        nfeat = (uint64_t)dims[1] * dims[2];
    if (n == 0) {
        rc = ms_err(err, MS_ERR_IO, "%s: empty set: the header says 0 %s", path, what);
        goto done;
    }
    if (nfeat == 0) {
        rc = ms_err(err, MS_ERR_IO, "%s: empty images: %u x %u pixels", path, dims[1], dims[2]);
        goto done;
    }
    if (n > INT_MAX || nfeat > INT_MAX || n * nfeat > MS_DATASET_MAX_VALUES) {
        if (want_rank == 3)
            rc = ms_err(err, MS_ERR_IO, "%s: header too large: %u images of %u x %u pixels "
                        "(at most %llu values)", path, dims[0], dims[1], dims[2],
                        MS_DATASET_MAX_VALUES);
        else
            rc = ms_err(err, MS_ERR_IO, "%s: header too large: %u labels", path, dims[0]);
        goto done;
    }
    need = (size_t)(n * nfeat);

    /* the data: grow with what arrives, up to need (a plain file's size is
     * known: no growing then, unless it is shorter than the header says) */
    size_t cap = need < (1u << 20) ? need : (1u << 20), have = 0;
    if (gzdirect(f.gz) && S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size > cap)
        cap = (uint64_t)st.st_size < need ? (size_t)st.st_size : need;
    buf = ms_malloc(cap);
    for (;;) {
        rc = idx_read(&f, buf + have, cap - have, &got, err);
        if (rc)
            goto done;
        have += got;
        if (have < cap || cap == need)
            break;
        cap = cap > need / 2 ? need : 2 * cap;
        buf = ms_realloc(buf, cap);
    }
    if (have < need) {
        rc = ms_err(err, MS_ERR_IO, "%s: truncated file: the header says %zu bytes of %s data, "
                    "the file holds %zu after the header", path, need, kind, have);
        goto done;
    }
    unsigned char extra;
    rc = idx_read(&f, &extra, 1, &got, err);
    if (rc)
        goto done;
    if (got) {
        rc = ms_err(err, MS_ERR_IO, "%s: more data than the header says (%zu bytes of %s "
                    "data expected)", path, need, kind);
        goto done;
    }
done:
    gzclose(f.gz);
    if (rc)
        free(buf);
    else
        *data = buf;
    return rc;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* dir/name or dir/name.gz, whichever exists (malloc'ed), else NULL. */
static char *idx_find(const char *dir, const char *name)
{
    char *p = ms_asprintf("%s/%s", dir, name);
    if (file_exists(p))
        return p;
    free(p);
    p = ms_asprintf("%s/%s.gz", dir, name);
    if (file_exists(p))
        return p;
    free(p);
    return NULL;
}

static int load_idx_dir(const char *dir, int split, MsDataset *out, MsError *err)
{
    char *ipath = idx_find(dir, idx_names[split][0]);
    char *lpath = idx_find(dir, idx_names[split][1]);
    unsigned char *img = NULL, *lab = NULL;
    uint32_t idims[3] = { 0, 0, 0 }, ldims[3] = { 0, 0, 0 };
    int rc;
    if (!ipath || !lpath) {
        rc = ms_err(err, MS_ERR_IO, "%s: no %s[.gz] (an IDX data set folder holds " IDX_SET_FILES ")",
                    dir, idx_names[split][ipath ? 1 : 0]);
        goto done;
    }
    if ((rc = idx_load(ipath, 3, idims, &img, err)) != MS_OK ||
        (rc = idx_load(lpath, 1, ldims, &lab, err)) != MS_OK)
        goto done;
    if (ldims[0] != idims[0]) {
        rc = ms_err(err, MS_ERR_IO, "%s: %u labels, but %s holds %u images", lpath, ldims[0],
                    ipath, idims[0]);
        goto done;
    }
    size_t n = idims[0], nfeat = (size_t)idims[1] * idims[2];
    out->x = ms_malloc(n * nfeat * sizeof *out->x);
    for (size_t i = 0; i < n * nfeat; i++)
        out->x[i] = (float)img[i] / 255.0f;
    int ymax = 0;
    for (size_t i = 0; i < n; i++)
        ymax = lab[i] > ymax ? lab[i] : ymax;
    out->y = lab;
    lab = NULL;
    out->n = (int)n;
    out->nfeat = (int)nfeat;
    out->nclass = ymax + 1;
    out->rows = (int)idims[1];
    out->cols = (int)idims[2];
done:
    free(img);
    free(lab);
    free(ipath);
    free(lpath);
    return rc;
}

/* ---------------------------------------------------------------- HDF5 */

/* /name of file as a dataset; its dims (rank at most 3) in dims, rank in
 * *rank.  Errors name the file. */
static int h5_open(hid_t file, const char *path, const char *name, hid_t *ds, int *rank,
                   hsize_t dims[3], MsError *err)
{
    *ds = -1;
    htri_t ex = H5Lexists(file, name, H5P_DEFAULT);
    if (ex <= 0)
        return ms_err(err, MS_ERR_IO, "%s: no dataset /%s%s", path, name,
                      strstr(name, "test") ? " (the test split)" : "");
    *ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (*ds < 0)
        return ms_err(err, MS_ERR_IO, "%s: /%s is not a dataset", path, name);
    hid_t sp = H5Dget_space(*ds);
    int r = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    if (r >= 1 && r <= 3)
        H5Sget_simple_extent_dims(sp, dims, NULL);
    if (sp >= 0)
        H5Sclose(sp);
    *rank = r;
    if (r < 0)
        return ms_err(err, MS_ERR_IO, "%s: cannot read the shape of /%s", path, name);
    return MS_OK;
}

/* The type class of ds: 1 integer, 2 float, 0 other; *u8 if unsigned 8-bit. */
static int h5_kind(hid_t ds, int *u8)
{
    hid_t t = H5Dget_type(ds);
    if (t < 0)
        return 0;
    H5T_class_t cls = H5Tget_class(t);
    *u8 = cls == H5T_INTEGER && H5Tget_size(t) == 1 && H5Tget_sign(t) == H5T_SGN_NONE;
    H5Tclose(t);
    return cls == H5T_INTEGER ? 1 : cls == H5T_FLOAT ? 2 : 0;
}

static int h5_read_x(hid_t file, const char *path, const char *name, MsDataset *out, MsError *err)
{
    hid_t ds;
    int rank, u8 = 0, rc;
    hsize_t dims[3] = { 0, 0, 0 };
    if ((rc = h5_open(file, path, name, &ds, &rank, dims, err)) != MS_OK)
        goto done;
    if (rank != 2 && rank != 3) {
        rc = ms_err(err, MS_ERR_IO, "%s: wrong rank: /%s has rank %d, want 2 (samples x features) "
                    "or 3 (samples x rows x cols)", path, name, rank);
        goto done;
    }
    int kind = h5_kind(ds, &u8);
    if (!kind) {
        rc = ms_err(err, MS_ERR_IO, "%s: /%s is not numeric (want an integer or float type)",
                    path, name);
        goto done;
    }
    if (dims[0] == 0) {
        rc = ms_err(err, MS_ERR_IO, "%s: empty set: /%s has 0 samples", path, name);
        goto done;
    }
    /* dims[1] * dims[2] may overflow 64 bits: check the factors first */
    if (dims[1] == 0 || (rank == 3 && dims[2] == 0)) {
        rc = ms_err(err, MS_ERR_IO, "%s: /%s has 0 features per sample", path, name);
        goto done;
    }
    if (dims[0] > INT_MAX || dims[1] > INT_MAX || (rank == 3 && dims[2] > INT_MAX) ||
        (rank == 3 && dims[1] * dims[2] > INT_MAX) ||
        dims[0] * (dims[1] * (rank == 3 ? dims[2] : 1)) > MS_DATASET_MAX_VALUES) {
        rc = ms_err(err, MS_ERR_IO, "%s: /%s too large: %llu x %llu%s%.0llu (at most %llu values, "
                    "%d per sample)", path, name, (unsigned long long)dims[0],
                    (unsigned long long)dims[1], rank == 3 ? " x " : "",
                    rank == 3 ? (unsigned long long)dims[2] : 0ULL, MS_DATASET_MAX_VALUES, INT_MAX);
        goto done;
    }
    size_t n = (size_t)dims[0], nfeat = (size_t)(dims[1] * (rank == 3 ? dims[2] : 1));
    float *x = malloc(n * nfeat * sizeof *x);
    if (!x) {
        rc = ms_err(err, MS_ERR_NOMEM, "%s: /%s: cannot allocate %zu bytes", path, name,
                    n * nfeat * sizeof *x);
        goto done;
    }
    if (H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) < 0) {
        free(x);
        rc = ms_err(err, MS_ERR_IO, "%s: cannot read /%s (truncated or corrupt file?)", path, name);
        goto done;
    }
    for (size_t i = 0; i < n * nfeat; i++) {
        if (u8)
            x[i] = x[i] / 255.0f;
        else if (!isfinite(x[i])) {
            rc = ms_err(err, MS_ERR_IO, "%s: /%s: sample %zu, feature %zu is not a finite float",
                        path, name, i / nfeat, i % nfeat);
            free(x);
            goto done;
        }
    }
    out->x = x;
    out->n = (int)n;
    out->nfeat = (int)nfeat;
    out->rows = rank == 3 ? (int)dims[1] : 0;
    out->cols = rank == 3 ? (int)dims[2] : 0;
done:
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

static int h5_read_y(hid_t file, const char *path, const char *name, const char *xname,
                     MsDataset *out, MsError *err)
{
    hid_t ds;
    int rank, u8 = 0, rc;
    hsize_t dims[3] = { 0, 0, 0 };
    double *v = NULL;
    if ((rc = h5_open(file, path, name, &ds, &rank, dims, err)) != MS_OK)
        goto done;
    if (rank != 1 && !(rank == 2 && dims[1] == 1)) {
        rc = ms_err(err, MS_ERR_IO, "%s: wrong rank: /%s has rank %d, want 1 (one label per "
                    "sample)", path, name, rank);
        goto done;
    }
    int kind = h5_kind(ds, &u8);
    if (!kind) {
        rc = ms_err(err, MS_ERR_IO, "%s: /%s is not numeric (want integer labels)", path, name);
        goto done;
    }
    if (dims[0] != (hsize_t)out->n) {
        rc = ms_err(err, MS_ERR_IO, "%s: /%s has %llu labels, but /%s has %d samples", path, name,
                    (unsigned long long)dims[0], xname, out->n);
        goto done;
    }
    size_t n = (size_t)out->n;
    v = malloc(n * sizeof *v);
    if (!v) {
        rc = ms_err(err, MS_ERR_NOMEM, "%s: /%s: cannot allocate %zu bytes", path, name,
                    n * sizeof *v);
        goto done;
    }
    /* integers up to 2^53 convert to double exactly; beyond, they are out
     * of range anyway (HDF5 saturates what does not fit) */
    if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        rc = ms_err(err, MS_ERR_IO, "%s: cannot read /%s (truncated or corrupt file?)", path, name);
        goto done;
    }
    unsigned char *y = ms_malloc(n);
    int ymax = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(v[i] >= 0 && v[i] <= 255) || v[i] != floor(v[i])) {
            rc = ms_err(err, MS_ERR_IO, "%s: /%s: label %zu is %.17g, want an integer in 0..255",
                        path, name, i, v[i]);
            free(y);
            goto done;
        }
        y[i] = (unsigned char)v[i];
        ymax = y[i] > ymax ? y[i] : ymax;
    }
    out->y = y;
    out->nclass = ymax + 1;
done:
    free(v);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

static int load_hdf5(const char *path, int split, MsDataset *out, MsError *err)
{
    /* a helpful word for an IDX file given where a folder is expected */
    unsigned char head[4] = { 0, 0, 0, 0 };
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return ms_err(err, MS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t got = fread(head, 1, sizeof head, fp);
    fclose(fp);
    if (got >= 3 && ((head[0] == 0x1f && head[1] == 0x8b) || (!head[0] && !head[1] && head[2] == 8)))
        return ms_err(err, MS_ERR_ARG, "%s: an IDX file: give the folder that holds the set ("
                      IDX_SET_FILES ")", path);

    const char *xn = split ? "x_test" : "x", *yn = split ? "y_test" : "y";
    H5E_auto2_t efunc;
    void *edata;
    H5Eget_auto2(H5E_DEFAULT, &efunc, &edata);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int rc;
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        rc = ms_err(err, MS_ERR_IO, "%s: cannot open as HDF5: not an HDF5 file, or a truncated or "
                    "corrupt one (a data set is an HDF5 file with /x and /y, or a folder of IDX files)",
                    path);
    else if ((rc = h5_read_x(file, path, xn, out, err)) == MS_OK)
        rc = h5_read_y(file, path, yn, xn, out, err);
    if (file >= 0)
        H5Fclose(file);
    H5Eset_auto2(H5E_DEFAULT, efunc, edata);
    return rc;
}

/* ---------------------------------------------------------------- named sets */

static int load_named(const char *name, int split, MsDataset *out, MsError *err)
{
    int fashion = !strcmp(name, "fashion-mnist");
    char *cand[2] = { NULL, NULL };
    int nc = 0;
    const char *data = getenv("MEMSPICE_DATA");
    if (data && *data)
        cand[nc++] = ms_asprintf("%s/%s", data, name);
    if (fashion) {
        cand[nc++] = ms_strdup("/usr/share/datasets/fashion-mnist");
    } else {
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        if (xdg && *xdg)
            cand[nc++] = ms_asprintf("%s/memspice/mnist", xdg);
        else if (home && *home)
            cand[nc++] = ms_asprintf("%s/.cache/memspice/mnist", home);
    }
    int rc = MS_ERR_IO;
    int found = -1;
    for (int k = 0; k < nc && found < 0; k++) {
        char *p = idx_find(cand[k], idx_names[split][0]);
        if (p)
            found = k;
        free(p);
    }
    if (found >= 0) {
        rc = load_idx_dir(cand[found], split, out, err);
    } else {
        char where[600] = "";
        for (int k = 0; k < nc; k++)
            snprintf(where + strlen(where), sizeof where - strlen(where), "%s%s", k ? ", " : "",
                     cand[k]);
        if (!nc)
            snprintf(where, sizeof where, "nowhere: neither MEMSPICE_DATA nor HOME is set");
        rc = ms_err(err, MS_ERR_IO, "data set %s not found (no %s[.gz] in %s); %s", name,
                    idx_names[split][0], where,
                    fashion ? "install it with: apt-get install dataset-fashion-mnist "
                              "(or tools/fetch-data.sh fashion-mnist)"
                            : "fetch it with: tools/fetch-data.sh mnist");
    }
    for (int k = 0; k < nc; k++)
        free(cand[k]);
    return rc;
}

/* ---------------------------------------------------------------- API */

int ms_dataset_load(const char *spec, int split, MsDataset *out, MsError *err)
{
    if (!out)
        return ms_err(err, MS_ERR_ARG, "ms_dataset_load: no output");
    memset(out, 0, sizeof *out);
    if (!spec || !*spec)
        return ms_err(err, MS_ERR_ARG, "no data set given (mnist, fashion-mnist, a folder of IDX "
                      "files or an HDF5 file)");
    if (split != 0 && split != 1)
        return ms_err(err, MS_ERR_ARG, "%s: split %d, want 0 (train) or 1 (test)", spec, split);
    int rc;
    struct stat st;
    if (!strcmp(spec, "mnist") || !strcmp(spec, "fashion-mnist"))
        rc = load_named(spec, split, out, err);
    else if (stat(spec, &st) != 0)
        rc = ms_err(err, MS_ERR_IO, "%s: %s (a data set is mnist, fashion-mnist, a folder of IDX "
                    "files or an HDF5 file)", spec, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        rc = load_idx_dir(spec, split, out, err);
    else
        rc = load_hdf5(spec, split, out, err);
    if (rc)
        ms_dataset_free(out);
    return rc;
}

void ms_dataset_free(MsDataset *d)
{
    if (!d)
        return;
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}
