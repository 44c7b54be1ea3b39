/* checkpoint.c — the training checkpoint (HDF5) and metrics.csv; the layout
 * is described in checkpoint.h.
 *
 * Writing follows src/io/hdf5.c: the HDF5 file is built in memory
 * (ms_hdf5_image, src/io/hdf5_image.h), and its image goes through
 * MsOutFile ("<path>.tmp.<pid>", fflush, fsync, rename), so that no HDF5
 * I/O can fail half-way and leave a file behind.  After the rename the
 * folder is fsync'ed too, so the new name survives a power cut.
 *
 * Reading never trusts the file: every attribute and dataset is checked for
 * presence, type class, rank and length before anything is allocated or
 * read, and HDF5's own error printing is off (the MsError names the file
 * and what is wrong). */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "../io/hdf5_image.h"
#include "../io/result.h"

#define CK_FORMAT "memspice-checkpoint"
#define CK_VERSION 1

/* The double columns of the history, in metrics.csv's order. */
static const char *const HCOL[] = {"train_loss", "train_acc", "test_loss", "test_acc",
                                   "seconds", "samples_per_s", "lr", "val_loss", "val_acc"};
static const size_t HOFF[] = {offsetof(MsEpochStats, train_loss), offsetof(MsEpochStats, train_acc),
                              offsetof(MsEpochStats, test_loss), offsetof(MsEpochStats, test_acc),
                              offsetof(MsEpochStats, seconds), offsetof(MsEpochStats, samples_per_s),
                              offsetof(MsEpochStats, lr), offsetof(MsEpochStats, val_loss),
                              offsetof(MsEpochStats, val_acc)};
#define NHCOL ((int)(sizeof HCOL / sizeof HCOL[0]))

static double hget(const MsEpochStats *s, int j)
{
    double v;
    memcpy(&v, (const char *)s + HOFF[j], sizeof v);
    return v;
}

static void hset(MsEpochStats *s, int j, double v)
{
    memcpy((char *)s + HOFF[j], &v, sizeof v);
}

/* -------------------------------------------------------------- checksums */

/* Bob Jenkins' lookup3 hashlittle() (public domain, 2006): the checksum
 * HDF5 puts on its metadata (H5_checksum_lookup3 with initval 0). */
#define ROT(x, k) (((x) << (k)) | ((x) >> (32 - (k))))
static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t lookup3(const unsigned char *k, size_t length)
{
    uint32_t a, b, c;
    a = b = c = 0xdeadbeefu + (uint32_t)length;
    while (length > 12) {
        a += le32(k), b += le32(k + 4), c += le32(k + 8);
        a -= c; a ^= ROT(c, 4);  c += b;
        b -= a; b ^= ROT(a, 6);  a += c;
        c -= b; c ^= ROT(b, 8);  b += a;
        a -= c; a ^= ROT(c, 16); c += b;
        b -= a; b ^= ROT(a, 19); a += c;
        c -= b; c ^= ROT(b, 4);  b += a;
        length -= 12;
        k += 12;
    }
    if (length == 0)
        return c;
    unsigned char tail[12] = {0};
    memcpy(tail, k, length);
    a += le32(tail), b += le32(tail + 4), c += le32(tail + 8);
    c ^= b; c -= ROT(b, 14);
    a ^= c; a -= ROT(c, 11);
    b ^= a; b -= ROT(a, 25);
    c ^= b; c -= ROT(b, 16);
    a ^= c; a -= ROT(c, 4);
    b ^= a; b -= ROT(a, 14);
    c ^= b; c -= ROT(b, 24);
    return c;
}
#undef ROT

/* The checksum attribute: lookup3 over the raw numbers and names, which
 * HDF5 itself does not checksum (only the metadata): each name with its
 * NUL, the params, a byte 1/0 and opt_m when present, the same for opt_v,
 * then per history row the epoch (4 bytes) and the seven doubles, all
 * little-endian.  A damaged byte in the data is refused instead of resuming
 * from wrong values. */
typedef struct Bytes {
    unsigned char *p;
    size_t n, cap;
} Bytes;

static void add_bytes(Bytes *b, const void *d, size_t n)
{
    if (!n)
        return;
    ms_grow((void **)&b->p, &b->cap, b->n + n, 1);
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void add_le(Bytes *b, uint64_t u, int nbytes)
{
    unsigned char x[8];
    for (int i = 0; i < nbytes; i++)
        x[i] = (unsigned char)(u >> (8 * i));
    add_bytes(b, x, (size_t)nbytes);
}

static void add_doubles(Bytes *b, const double *v, int n)
{
    for (int k = 0; k < n; k++) {
        uint64_t u;
        memcpy(&u, &v[k], sizeof u);
        add_le(b, u, 8);
    }
}

static uint32_t content_sum(const MsCheckpoint *ck)
{
    Bytes b = {0};
    for (int k = 0; k < ck->nparams; k++)
        add_bytes(&b, ck->names[k], strlen(ck->names[k]) + 1);
    add_doubles(&b, ck->params, ck->nparams);
    add_le(&b, ck->opt_m != NULL, 1);
    if (ck->opt_m)
        add_doubles(&b, ck->opt_m, ck->nparams);
    add_le(&b, ck->opt_v != NULL, 1);
    if (ck->opt_v)
        add_doubles(&b, ck->opt_v, ck->nparams);
    for (int k = 0; k < ck->nhist; k++) {
        add_le(&b, (uint32_t)ck->hist[k].epoch, 4);
        for (int j = 0; j < NHCOL; j++) {
            double v = hget(&ck->hist[k], j);
            add_doubles(&b, &v, 1);
        }
    }
    uint32_t sum = lookup3(b.p, b.n);
    free(b.p);
    return sum;
}

/* ------------------------------------------------------------------ write */

/* A fixed-length UTF-8 string type of size bytes, the NUL included (caller
 * closes).  Not variable-length: those live in HDF5's global heap, which
 * carries no checksum, and HDF5 1.10 crashes or hangs on a damaged one. */
static hid_t str_type(size_t size)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, size ? size : 1) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0 ||
                   H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        t = -1;
    }
    return t;
}

static int put_string_attr(hid_t obj, const char *name, const char *value)
{
    const char *v = value ? value : "";
    hid_t type = str_type(strlen(v) + 1), space = H5Screate(H5S_SCALAR), attr = -1;
    herr_t st = -1;
    if (type >= 0 && space >= 0)
        attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr >= 0)
        st = H5Awrite(attr, type, v);
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    return st < 0 ? -1 : 0;
}

/* A scalar numeric attribute: stored as ftype, value given as mtype. */
static int put_num_attr(hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *value)
{
    hid_t space = H5Screate(H5S_SCALAR), attr = -1;
    herr_t st = -1;
    if (space >= 0)
        attr = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr >= 0)
        st = H5Awrite(attr, mtype, value);
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    return st < 0 ? -1 : 0;
}

/* A 1-D dataset of n elements (n may be 0; data may then be NULL). */
static int put_array(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *data, size_t n)
{
    hsize_t dims[1] = {(hsize_t)n};
    hid_t space = H5Screate_simple(1, dims, NULL), ds = -1;
    int rc = -1;
    if (space >= 0)
        ds = ms_hdf5_dataset(loc, name, ftype, space);
    if (ds >= 0 && (n == 0 || H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0))
        rc = 0;
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

static int put_f64(hid_t loc, const char *name, const double *v, size_t n)
{
    return put_array(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v, n);
}

static int write_history(hid_t file, const MsEpochStats *h, int n)
{
    hid_t grp = ms_hdf5_group(file, "history", 0);
    if (grp < 0)
        return -1;
    size_t nn = (size_t)n;
    int *ep = ms_malloc(sizeof *ep * (nn ? nn : 1));
    double *col = ms_malloc(sizeof *col * (nn ? nn : 1));
    for (size_t k = 0; k < nn; k++)
        ep[k] = h[k].epoch;
    int rc = put_array(grp, "epoch", H5T_STD_I32LE, H5T_NATIVE_INT, ep, nn);
    for (int j = 0; j < NHCOL && rc == 0; j++) {
        for (size_t k = 0; k < nn; k++)
            col[k] = hget(&h[k], j);
        rc = put_f64(grp, HCOL[j], col, nn);
    }
    free(ep);
    free(col);
    H5Gclose(grp);
    return rc;
}

static int write_contents(hid_t file, const void *checkpoint)
{
    const MsCheckpoint *ck = checkpoint;
    int version = CK_VERSION;
    long long step = ck->step;
    if (put_string_attr(file, "format", CK_FORMAT) < 0 ||
        put_num_attr(file, "version", H5T_STD_I32LE, H5T_NATIVE_INT, &version) < 0 ||
        put_string_attr(file, "generator", "memspice") < 0 ||
        put_num_attr(file, "epoch", H5T_STD_I32LE, H5T_NATIVE_INT, &ck->epoch) < 0 ||
        put_num_attr(file, "step", H5T_STD_I64LE, H5T_NATIVE_LLONG, &step) < 0 ||
        put_num_attr(file, "seed", H5T_STD_U64LE, H5T_NATIVE_ULLONG, &ck->seed) < 0 ||
        put_num_attr(file, "nparams", H5T_STD_I32LE, H5T_NATIVE_INT, &ck->nparams) < 0 ||
        put_string_attr(file, "config", ck->config) < 0)
        return -1;
    uint32_t sum = content_sum(ck);
    if (put_num_attr(file, "checksum", H5T_STD_U32LE, H5T_NATIVE_UINT32, &sum) < 0)
        return -1;
    /* the names as one fixed-width block */
    size_t n = (size_t)ck->nparams, w = 1;
    for (size_t k = 0; k < n; k++)
        if (strlen(ck->names[k]) + 1 > w)
            w = strlen(ck->names[k]) + 1;
    char *block = ms_calloc(n ? n : 1, w);
    for (size_t k = 0; k < n; k++)
        memcpy(block + k * w, ck->names[k], strlen(ck->names[k]));
    hid_t st = str_type(w);
    int rc = st >= 0 ? put_array(file, "names", st, st, block, n) : -1;
    if (st >= 0)
        H5Tclose(st);
    free(block);
    if (rc < 0 || put_f64(file, "params", ck->params, n) < 0 ||
        put_f64(file, "opt_m", ck->opt_m, ck->opt_m ? n : 0) < 0 ||
        put_f64(file, "opt_v", ck->opt_v, ck->opt_v ? n : 0) < 0)
        return -1;
    return write_history(file, ck->hist, ck->nhist);
}


/* HDF5 before 2.0 clears the "open for writing" flags in the superblock of
 * the image H5Fget_file_image returns but keeps the old checksum (HDF5
 * issue 1915, fixed by HDFGroup/hdf5 pull request 5489): recompute it.
 * Superblock version 2/3 at offset 0: signature (8), version, offset
 * size O, length size, flags, four addresses of O bytes, checksum. */
static void fix_superblock_checksum(unsigned char *img, size_t n)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    if (n < 16 || memcmp(img, sig, 8) != 0 || (img[8] != 2 && img[8] != 3))
        return;
    size_t body = 12 + 4 * (size_t)img[9];
    if (body + 4 > n)
        return;
    uint32_t sum = lookup3(img, body);
    for (int i = 0; i < 4; i++)
        img[body + (size_t)i] = (unsigned char)(sum >> (8 * i));
}

/* 1 if HDF5 can open the image: checked before it replaces a checkpoint. */
static int image_opens(const unsigned char *img, size_t n)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), file = -1;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, 65536, 0) >= 0 && H5Pset_file_image(fapl, (void *)img, n) >= 0)
        file = H5Fopen("memspice-checkpoint-verify", H5F_ACC_RDONLY, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (file < 0)
        return 0;
    return H5Fclose(file) >= 0;
}

/* The whole file built in memory: a malloc'ed image of *size bytes, or NULL. */
static unsigned char *build_image(const MsCheckpoint *ck, const char *name, size_t *size)
{
    size_t est = (size_t)ck->nparams * 64 + (size_t)ck->nhist * 64 + 65536;
    if (ck->config)
        est += strlen(ck->config);
    /* the 1.8 file format: its superblock and object headers carry
     * checksums, so a damaged file is refused instead of misread, and
     * HDF5 1.8 and later (h5py, MATLAB) still read it */
    unsigned char *image = ms_hdf5_image(name, est, 1, write_contents, ck, size);
    if (image) {
        fix_superblock_checksum(image, *size);
        if (!image_opens(image, *size)) {
            free(image);
            image = NULL;
            *size = 0;
        }
    }
    return image;
}

/* fsync the folder holding path, so that a rename into it is durable.
 * Best effort: some file systems do not support it. */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = !slash ? ms_strdup(".") : slash == path ? ms_strdup("/")
                                                        : ms_strndup(path, (size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

static int check_ck(const char *path, const MsCheckpoint *ck, MsError *err)
{
    if (!ck || ck->nparams < 0 || ck->nhist < 0 || ck->epoch < 0 || ck->step < 0)
        return ms_err(err, MS_ERR_ARG, "cannot write '%s': incomplete checkpoint", path);
    if (ck->nparams > 0 && (!ck->names || !ck->params))
        return ms_err(err, MS_ERR_ARG, "cannot write '%s': checkpoint without parameter names or values",
                      path);
    if (ck->nhist > 0 && !ck->hist)
        return ms_err(err, MS_ERR_ARG, "cannot write '%s': checkpoint without its history", path);
    for (int k = 0; k < ck->nparams; k++)
        if (!ck->names[k] || !ck->names[k][0])
            return ms_err(err, MS_ERR_ARG, "cannot write '%s': parameter %d has no name", path, k);
    return MS_OK;
}

int ms_checkpoint_write(const char *path, const MsCheckpoint *ck, MsError *err)
{
    if (!path || !path[0] || !strcmp(path, "-"))
        return ms_err(err, MS_ERR_ARG, "a checkpoint needs a file name");
    int rc = check_ck(path, ck, err);
    if (rc != MS_OK)
        return rc;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    MsOutFile o;
    if ((rc = ms_out_open(&o, path, 1, err)) != MS_OK)
        return rc;
    size_t size = 0;
    unsigned char *image = build_image(ck, o.tmp, &size);
    if (!image) {
        ms_out_finish(&o, 0, err);
        return ms_err(err, MS_ERR_IO, "cannot write '%s': HDF5 failed to build the checkpoint", path);
    }
    fwrite(image, 1, size, o.fp);   /* a short write shows in ferror at finish */
    free(image);
    rc = ms_out_finish(&o, 1, err);  /* fflush, fsync, rename; removes the temporary on failure */
    if (rc == MS_OK)
        sync_dir(path);
    return rc;
}

/* ------------------------------------------------------------------- read */

typedef struct Rd {
    const char *path;
    hid_t file;
    hsize_t fsize;   /* bytes: no honest dataset holds more elements */
    MsError *err;
} Rd;

static int damaged(Rd *r, const char *fmt, const char *what)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, what);
    return ms_err(r->err, MS_ERR_IO, "%s: %s (a damaged or incomplete memspice checkpoint)", r->path, msg);
}

/* 1 if type t is of class cls (for H5T_STRING: fixed-length) and space s
 * is a scalar (rank 0) or 1-D (rank 1, its length in dims[0]); closes t
 * and s (either may be -1: not 1 then). */
static int type_ok(hid_t t, hid_t s, H5T_class_t cls, int rank, hsize_t *dims)
{
    int ok = t >= 0 && s >= 0 && H5Tget_class(t) == cls &&
             (rank == 0 ? H5Sget_simple_extent_type(s) == H5S_SCALAR
                        : H5Sget_simple_extent_ndims(s) == 1 && H5Sget_simple_extent_dims(s, dims, NULL) == 1) &&
             (cls != H5T_STRING || H5Tis_variable_str(t) == 0);
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    return ok;
}

/* An attribute of the root that must exist and be a scalar of class cls;
 * returns it open, or -1 with the error set. */
static hid_t open_attr(Rd *r, const char *name, H5T_class_t cls)
{
    if (H5Aexists(r->file, name) <= 0) {
        damaged(r, "no attribute '%s'", name);
        return -1;
    }
    hid_t a = H5Aopen(r->file, name, H5P_DEFAULT);
    if (a < 0) {
        damaged(r, "cannot read attribute '%s'", name);
        return -1;
    }
    if (!type_ok(H5Aget_type(a), H5Aget_space(a), cls, 0, NULL)) {
        H5Aclose(a);
        damaged(r, "attribute '%s' has the wrong type", name);
        return -1;
    }
    return a;
}

static int get_int_attr(Rd *r, const char *name, hid_t mtype, void *out)
{
    hid_t a = open_attr(r, name, H5T_INTEGER);
    if (a < 0)
        return MS_ERR_IO;
    herr_t st = H5Aread(a, mtype, out);
    H5Aclose(a);
    return st < 0 ? damaged(r, "cannot read attribute '%s'", name) : MS_OK;
}

/* A string attribute, malloc'ed into *out (never NULL on success). */
static int get_string_attr(Rd *r, const char *name, char **out)
{
    hid_t a = open_attr(r, name, H5T_STRING);
    if (a < 0)
        return MS_ERR_IO;
    hid_t ft = H5Aget_type(a), mt = ft >= 0 ? H5Tcopy(ft) : -1;
    size_t size = ft >= 0 ? H5Tget_size(ft) : 0;
    herr_t st = -1;
    char *v = NULL;
    if (mt >= 0 && size > 0 && size <= r->fsize) {
        v = ms_calloc(size + 1, 1);
        st = H5Aread(a, mt, v);
    }
    if (mt >= 0)
        H5Tclose(mt);
    if (ft >= 0)
        H5Tclose(ft);
    H5Aclose(a);
    if (st < 0) {
        free(v);
        return damaged(r, "cannot read attribute '%s'", name);
    }
    *out = v;
    return MS_OK;
}

/* Open the 1-D dataset name (a path from the root) of class cls; its length
 * in *n.  -1 with the error set if it is missing or not what it should be. */
static hid_t open_1d(Rd *r, const char *name, H5T_class_t cls, hsize_t *n)
{
    /* H5Lexists on "history/x" needs "history" to exist first */
    const char *slash = strchr(name, '/');
    if (slash) {
        char *grp = ms_strndup(name, (size_t)(slash - name));
        int have = H5Lexists(r->file, grp, H5P_DEFAULT) > 0;
        free(grp);
        if (!have) {
            damaged(r, "no dataset /%s", name);
            return -1;
        }
    }
    if (H5Lexists(r->file, name, H5P_DEFAULT) <= 0) {
        damaged(r, "no dataset /%s", name);
        return -1;
    }
    hid_t ds = H5Dopen2(r->file, name, H5P_DEFAULT);
    if (ds < 0) {
        damaged(r, "/%s is not a readable dataset", name);
        return -1;
    }
    hsize_t dims[1] = {0};
    if (!type_ok(H5Dget_type(ds), H5Dget_space(ds), cls, 1, dims)) {
        H5Dclose(ds);
        damaged(r, "/%s has the wrong type or shape", name);
        return -1;
    }
    if (dims[0] > r->fsize || dims[0] > (hsize_t)INT_MAX) {
        H5Dclose(ds);
        damaged(r, "/%s claims more elements than the file can hold", name);
        return -1;
    }
    *n = dims[0];
    return ds;
}

/* A 1-D double dataset of want elements (or 0 if may_be_empty): *out is
 * malloc'ed, or NULL when the dataset is empty. */
static int get_f64(Rd *r, const char *name, hsize_t want, int may_be_empty, double **out)
{
    *out = NULL;
    hsize_t n = 0;
    hid_t ds = open_1d(r, name, H5T_FLOAT, &n);
    if (ds < 0)
        return MS_ERR_IO;
    if (n != want && !(may_be_empty && n == 0)) {
        H5Dclose(ds);
        char what[160];
        snprintf(what, sizeof what, "/%s has %llu elements, not %llu", name, (unsigned long long)n,
                 (unsigned long long)want);
        return damaged(r, "%s", what);
    }
    if (n == 0) {
        H5Dclose(ds);
        return MS_OK;
    }
    double *v = ms_malloc(sizeof *v * (size_t)n);
    herr_t st = H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(ds);
    if (st < 0) {
        free(v);
        return damaged(r, "cannot read /%s", name);
    }
    *out = v;
    return MS_OK;
}

static int get_names(Rd *r, hsize_t want, char ***out)
{
    *out = NULL;
    hsize_t n = 0;
    hid_t ds = open_1d(r, "names", H5T_STRING, &n);
    if (ds < 0)
        return MS_ERR_IO;
    if (n != want) {
        H5Dclose(ds);
        char what[160];
        snprintf(what, sizeof what, "/names has %llu elements, /params %llu", (unsigned long long)n,
                 (unsigned long long)want);
        return damaged(r, "%s", what);
    }
    size_t nn = (size_t)n;
    hid_t ft = H5Dget_type(ds), mt = ft >= 0 ? H5Tcopy(ft) : -1;
    size_t w = ft >= 0 ? H5Tget_size(ft) : 0;
    int rc = MS_OK;
    char *block = NULL;
    if (mt < 0 || w == 0 || (nn && w > r->fsize / nn)) {
        rc = damaged(r, "/%s has the wrong type or size", "names");
    } else if (nn) {
        block = ms_calloc(nn, w);
        if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, block) < 0)
            rc = damaged(r, "cannot read /%s", "names");
    }
    if (mt >= 0)
        H5Tclose(mt);
    if (ft >= 0)
        H5Tclose(ft);
    H5Dclose(ds);
    char **names = ms_calloc(nn ? nn : 1, sizeof *names);
    for (size_t k = 0; k < nn && rc == MS_OK; k++) {
        names[k] = ms_strndup(block + k * w, w);
        if (!names[k][0])
            rc = damaged(r, "an empty name in /%s", "names");
    }
    free(block);
    if (rc != MS_OK) {
        for (size_t k = 0; k < nn; k++)
            free(names[k]);
        free(names);
        return rc;
    }
    *out = names;
    return MS_OK;
}

static int get_history(Rd *r, MsCheckpoint *ck)
{
    hsize_t n = 0;
    hid_t ds = open_1d(r, "history/epoch", H5T_INTEGER, &n);
    if (ds < 0)
        return MS_ERR_IO;
    size_t nn = (size_t)n;
    ck->hist = ms_calloc(nn ? nn : 1, sizeof *ck->hist);
    ck->nhist = (int)n;
    int *ep = ms_malloc(sizeof *ep * (nn ? nn : 1));
    herr_t st = nn ? H5Dread(ds, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, ep) : 0;
    H5Dclose(ds);
    if (st < 0) {
        free(ep);
        return damaged(r, "cannot read /%s", "history/epoch");
    }
    for (size_t k = 0; k < nn; k++)
        ck->hist[k].epoch = ep[k];
    free(ep);
    for (int j = 0; j < NHCOL; j++) {
        char *name = ms_asprintf("history/%s", HCOL[j]);
        double *col = NULL;
        int rc = get_f64(r, name, n, 0, &col);
        free(name);
        if (rc != MS_OK)
            return rc;
        for (size_t k = 0; k < nn; k++)
            hset(&ck->hist[k], j, col[k]);
        free(col);
    }
    return MS_OK;
}

static int read_contents(Rd *r, MsCheckpoint *ck)
{
    /* what the file is, before anything else */
    char *format = NULL;
    if (H5Aexists(r->file, "format") <= 0 || get_string_attr(r, "format", &format) != MS_OK ||
        strcmp(format, CK_FORMAT) != 0) {
        free(format);
        return ms_err(r->err, MS_ERR_IO,
                      "%s: not a memspice checkpoint (an HDF5 file without the attribute format = \"%s\")",
                      r->path, CK_FORMAT);
    }
    free(format);
    int version = 0, nparams = 0;
    long long step = 0;
    int rc = get_int_attr(r, "version", H5T_NATIVE_INT, &version);
    if (rc == MS_OK && version != CK_VERSION)
        return ms_err(r->err, MS_ERR_IO, "%s: checkpoint format version %d, this memspice reads version %d",
                      r->path, version, CK_VERSION);
    if (rc == MS_OK)
        rc = get_int_attr(r, "epoch", H5T_NATIVE_INT, &ck->epoch);
    if (rc == MS_OK)
        rc = get_int_attr(r, "step", H5T_NATIVE_LLONG, &step);
    if (rc == MS_OK)
        rc = get_int_attr(r, "seed", H5T_NATIVE_ULLONG, &ck->seed);
    if (rc == MS_OK)
        rc = get_int_attr(r, "nparams", H5T_NATIVE_INT, &nparams);
    if (rc == MS_OK)
        rc = get_string_attr(r, "config", &ck->config);
    if (rc != MS_OK)
        return rc;
    if (ck->epoch < 0 || step < 0 || step > LONG_MAX || nparams < 0)
        return damaged(r, "%s", "negative epoch, step or parameter count");
    ck->step = (long)step;
    if ((rc = get_f64(r, "params", (hsize_t)nparams, 0, &ck->params)) != MS_OK ||
        (rc = get_names(r, (hsize_t)nparams, &ck->names)) != MS_OK)
        return rc;
    ck->nparams = nparams;
    if ((rc = get_f64(r, "opt_m", (hsize_t)nparams, 1, &ck->opt_m)) != MS_OK ||
        (rc = get_f64(r, "opt_v", (hsize_t)nparams, 1, &ck->opt_v)) != MS_OK)
        return rc;
    if (!ck->params)   /* nparams == 0: still "allocated" */
        ck->params = ms_malloc(sizeof *ck->params);
    if ((rc = get_history(r, ck)) != MS_OK)
        return rc;
    uint32_t sum = 0;
    if ((rc = get_int_attr(r, "checksum", H5T_NATIVE_UINT32, &sum)) != MS_OK)
        return rc;
    if (sum != content_sum(ck))
        return damaged(r, "%s", "the numbers or names do not match their checksum");
    return MS_OK;
}

int ms_checkpoint_read(const char *path, MsCheckpoint *ck, MsError *err)
{
    memset(ck, 0, sizeof *ck);
    if (!path || !path[0])
        return ms_err(err, MS_ERR_ARG, "no checkpoint file name given");
    struct stat sb;
    int fd = open(path, O_RDONLY | O_NONBLOCK);   /* a FIFO must not block us */
    if (fd < 0)
        return ms_err(err, MS_ERR_IO, "%s: cannot open the checkpoint: %s", path, strerror(errno));
    int st = fstat(fd, &sb);
    close(fd);
    if (st != 0 || !S_ISREG(sb.st_mode))
        return ms_err(err, MS_ERR_IO, "%s: not a checkpoint file (%s)", path,
                      st != 0 ? strerror(errno) : S_ISDIR(sb.st_mode) ? "a folder" : "not a regular file");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0)
        return ms_err(err, MS_ERR_IO, "%s: not a memspice checkpoint (not an HDF5 file%s)", path,
                      sb.st_size == 0 ? ": empty" : "");
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return ms_err(err, MS_ERR_IO, "%s: truncated or damaged HDF5 file (cannot open it)", path);
    Rd r = {path, file, (hsize_t)sb.st_size, err};
    int rc = read_contents(&r, ck);
    if (H5Fclose(file) < 0 && rc == MS_OK)
        rc = ms_err(err, MS_ERR_IO, "%s: error closing the HDF5 file", path);
    if (rc != MS_OK)
        ms_checkpoint_free(ck);
    return rc;
}

void ms_checkpoint_free(MsCheckpoint *ck)
{
    if (!ck)
        return;
    if (ck->names)
        for (int k = 0; k < ck->nparams; k++)
            free(ck->names[k]);
    free(ck->names);
    free(ck->params);
    free(ck->opt_m);
    free(ck->opt_v);
    free(ck->hist);
    free(ck->config);
    memset(ck, 0, sizeof *ck);
}

/* ------------------------------------------------------------ metrics.csv */

/* The shortest "%.*g" that reads back as the same double; "" for NaN. */
static void put_num(FILE *f, double v)
{
    if (isnan(v))
        return;
    if (isinf(v)) {
        fputs(v > 0 ? "inf" : "-inf", f);
        return;
    }
    char buf[40];
    if (v == floor(v) && fabs(v) < 1e15) {   /* 80, not 8e+01 */
        fprintf(f, "%.0f", v);
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, f);
}

int ms_metrics_write_csv(const char *path, const MsEpochStats *h, int n, MsError *err)
{
    if (n < 0 || (n > 0 && !h))
        return ms_err(err, MS_ERR_ARG, "cannot write '%s': no metrics", path ? path : "");
    MsOutFile o;
    int rc = ms_out_open(&o, path, 0, err);
    if (rc != MS_OK)
        return rc;
    fputs("epoch", o.fp);
    for (int j = 0; j < NHCOL; j++)
        fprintf(o.fp, ",%s", HCOL[j]);
    fputc('\n', o.fp);
    for (int k = 0; k < n; k++) {
        fprintf(o.fp, "%d", h[k].epoch);
        for (int j = 0; j < NHCOL; j++) {
            fputc(',', o.fp);
            put_num(o.fp, hget(&h[k], j));
        }
        fputc('\n', o.fp);
    }
    return ms_out_finish(&o, 1, err);
}
