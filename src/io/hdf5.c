/* hdf5.c — HDF5 output, laid out for h5py / MATLAB users:
 *
 *   /                    attributes title, plotname, generator = "memspice"
 *   /time                npts doubles, attribute units = "s"
 *                        (absent for an operating point; a DC sweep has
 *                        /v(v-sweep) (units "V") or /i(i-sweep) ("A")
 *                        instead, named by the root attribute scale)
 *   /signals/<name>      npts doubles per vector, in the result's order
 *                        (the group tracks creation order), attributes
 *                        units = "V" | "A" | "" and
 *                        kind  = "voltage" | "current" | "state"
 *
 * A complex result (.ac, r->imag set) has /frequency (units "Hz", root
 * attribute scale = "frequency") in place of /time, and each /signals/<name> is a compound {r, i} of two doubles,
 * the layout h5py reads as numpy complex128 (MATLAB: a struct of r and i).
 *
 * Dataset names are the vector names exactly ("v(out)", "i(v1)",
 * "v(x1.n3)"), except that '/', HDF5's path separator, becomes '|'; a
 * name "." (HDF5's "this group") becomes "|.".  All strings are
 * variable-length UTF-8, which h5py returns as str.
 *
 * The file is built in memory (HDF5's "core" driver, no backing store)
 * and its image is then written like every other format, through
 * MsOutFile: "<path>.tmp.<pid>", flushed, renamed when complete.  Why not
 * H5Fcreate on the temporary name and H5Fclose: when the disk fills up,
 * H5Fclose fails and leaves a half-closed file behind that makes HDF5
 * 1.10 crash in its atexit handler (reproduced with RLIMIT_FSIZE).  An
 * in-memory file has no I/O to fail, and stdio reports ENOSPC cleanly.
 * The price is one extra copy of the data in memory while writing. */
#include "hdf5_image.h"
#include "result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A scalar variable-length UTF-8 string attribute on obj. */
static int put_string_attr(hid_t obj, const char *name, const char *value)
{
    hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR), attr = -1;
    herr_t st = -1;
    if (type >= 0 && space >= 0 && H5Tset_size(type, H5T_VARIABLE) >= 0 &&
        H5Tset_cset(type, H5T_CSET_UTF8) >= 0) {
        attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        const char *v = value ? value : "";
        if (attr >= 0)
            st = H5Awrite(attr, type, &v);
    }
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    return st < 0 ? -1 : 0;
}

/* A 1-D double dataset name (in loc) holding v[0..n-1], with its units. */
static int put_vector(hid_t loc, const char *name, const double *v, size_t n,
                      const char *units, const char *kind)
{
    hsize_t dims[1] = { (hsize_t)n };
    hid_t space = H5Screate_simple(1, dims, NULL), ds = -1;
    int rc = -1;
    if (space >= 0)
        ds = ms_hdf5_dataset(loc, name, H5T_IEEE_F64LE, space);
    if (ds >= 0 && (n == 0 || H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                       H5P_DEFAULT, v) >= 0))
        rc = put_string_attr(ds, "units", units);
    if (rc == 0 && kind)
        rc = put_string_attr(ds, "kind", kind);
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* put_vector for a complex vector: re[k] + j im[k] as compound {r, i}. */
static int put_complex_vector(hid_t loc, const char *name, const double *re, const double *im, size_t n,
                              const char *units, const char *kind)
{
    hsize_t dims[1] = { (hsize_t)n };
    hid_t space = H5Screate_simple(1, dims, NULL), ds = -1;
    hid_t ftype = H5Tcreate(H5T_COMPOUND, 16), mtype = H5Tcreate(H5T_COMPOUND, 16);
    int rc = -1;
    if (ftype >= 0 && mtype >= 0 && H5Tinsert(ftype, "r", 0, H5T_IEEE_F64LE) >= 0 &&
        H5Tinsert(ftype, "i", 8, H5T_IEEE_F64LE) >= 0 && H5Tinsert(mtype, "r", 0, H5T_NATIVE_DOUBLE) >= 0 &&
        H5Tinsert(mtype, "i", 8, H5T_NATIVE_DOUBLE) >= 0 && space >= 0)
        ds = ms_hdf5_dataset(loc, name, ftype, space);
    double *pairs = ms_malloc(16 * (n ? n : 1));
    for (size_t k = 0; k < n; k++) {
        pairs[2 * k] = re[k];
        pairs[2 * k + 1] = im[k];
    }
    if (ds >= 0 && (n == 0 || H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, pairs) >= 0))
        rc = put_string_attr(ds, "units", units);
    if (rc == 0 && kind)
        rc = put_string_attr(ds, "kind", kind);
    free(pairs);
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    if (ftype >= 0)
        H5Tclose(ftype);
    if (mtype >= 0)
        H5Tclose(mtype);
    return rc;
}

static const char *units_of(int kind)
{
    return kind == MS_VEC_VOLTAGE ? "V" : kind == MS_VEC_CURRENT ? "A" : "";
}

static const char *kind_name(int kind)
{
    return kind == MS_VEC_VOLTAGE ? "voltage" : kind == MS_VEC_CURRENT ? "current" : "state";
}

/* The link name for a vector: '/' would split it into groups. */
static char *dataset_name(const char *name)
{
    if (!strcmp(name, "."))
        return ms_strdup("|.");
    char *s = ms_strdup(name);
    for (char *p = s; *p; p++)
        if (*p == '/')
            *p = '|';
    return s;
}

/* One column of the row-major table (data or imag), contiguous for H5Dwrite. */
static void gather(const MsResult *r, const double *table, int j, double *col)
{
    for (size_t k = 0; k < r->npts; k++)
        col[k] = table[k * (size_t)r->nvec + (size_t)j];
}

static int write_signals(hid_t file, const MsResult *r)
{
    hid_t grp = ms_hdf5_group(file, "signals", 1);
    if (grp < 0)
        return -1;
    double *col = ms_malloc(sizeof *col * (r->npts ? r->npts : 1));
    double *icol = r->imag ? ms_malloc(sizeof *icol * (r->npts ? r->npts : 1)) : NULL;
    int rc = 0;
    for (int j = 0; j < r->nvec && rc == 0; j++) {
        char *name = dataset_name(r->names[j]);
        gather(r, r->data, j, col);
        if (icol) {
            gather(r, r->imag, j, icol);
            rc = put_complex_vector(grp, name, col, icol, r->npts, units_of(r->kinds[j]), kind_name(r->kinds[j]));
        } else {
            rc = put_vector(grp, name, col, r->npts, units_of(r->kinds[j]), kind_name(r->kinds[j]));
        }
        free(name);
    }
    free(col);
    free(icol);
    H5Gclose(grp);
    return rc;
}

/* Optional extra content written after the waveforms (gradients). */
typedef int (*ExtraFn)(hid_t file, const void *user);

/* What write_contents writes: the result, then extra(file, user) if set. */
typedef struct Contents {
    const MsResult *r;
    ExtraFn extra;
    const void *user;
} Contents;

static int write_contents(hid_t file, const void *contents)
{
    const Contents *c = contents;
    const MsResult *r = c->r;
    const char *plotname = r->plotname ? r->plotname
                           : r->time ? "Transient Analysis" : "Operating Point";
    if (put_string_attr(file, "title", r->title) < 0 ||
        put_string_attr(file, "plotname", plotname) < 0 ||
        put_string_attr(file, "generator", "memspice") < 0)
        return -1;
    /* stuck memristor cells of a fault-injection run: "m1:sa0,x1.m2:sa1" */
    if (r->faults && put_string_attr(file, "stuck_cells", r->faults) < 0)
        return -1;
    if (r->scale && put_string_attr(file, "scale", r->scale) < 0)
        return -1;
    if (r->time) {
        int sk = ms_result_scale_kind(r);
        const char *units = sk == MS_VEC_TIME ? "s" : sk == MS_VEC_FREQUENCY ? "Hz" : units_of(sk);
        if (put_vector(file, ms_result_scale(r), r->time, r->npts, units, NULL) < 0)
            return -1;
    }
    if (write_signals(file, r) < 0)
        return -1;
    return c->extra ? c->extra(file, c->user) : 0;
}

/* A creation property list of class cls without modification times. */
static hid_t untimed(hid_t cls)
{
    hid_t pl = H5Pcreate(cls);
    if (pl >= 0 && H5Pset_obj_track_times(pl, 0) < 0) {
        H5Pclose(pl);
        return -1;
    }
    return pl;
}

hid_t ms_hdf5_dataset(hid_t loc, const char *name, hid_t type, hid_t space)
{
    hid_t dcpl = untimed(H5P_DATASET_CREATE), ds = -1;
    if (dcpl >= 0) {
        ds = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        H5Pclose(dcpl);
    }
    return ds;
}

hid_t ms_hdf5_group(hid_t loc, const char *name, int ordered)
{
    hid_t gcpl = untimed(H5P_GROUP_CREATE), grp = -1;
    if (gcpl >= 0 &&
        (!ordered || H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0))
        grp = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (gcpl >= 0)
        H5Pclose(gcpl);
    return grp;
}

unsigned char *ms_hdf5_image(const char *name, size_t step, int v18, int (*fill)(hid_t file, const void *user),
                             const void *user, size_t *size)
{
    *size = 0;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), fcpl = untimed(H5P_FILE_CREATE), file = -1;
    if (fapl >= 0 && fcpl >= 0 && H5Pset_fapl_core(fapl, step, 0) >= 0 &&
        (!v18 || H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) >= 0))
        file = H5Fcreate(name, H5F_ACC_TRUNC, fcpl, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (file < 0)
        return NULL;
    unsigned char *image = NULL;
    ssize_t n = -1;
    if (fill(file, user) == 0 && H5Fflush(file, H5F_SCOPE_GLOBAL) >= 0)
        n = H5Fget_file_image(file, NULL, 0);
    if (n > 0) {
        image = ms_malloc((size_t)n);
        if (H5Fget_file_image(file, image, (size_t)n) != n) {
            free(image);
            image = NULL;
        }
    }
    if (H5Fclose(file) < 0 && image) {   /* memory only: cannot fail on I/O */
        free(image);
        image = NULL;
    }
    if (image)
        *size = (size_t)n;
    return image;
}

/* Detect duplicate link names up front: HDF5's own error would not say which. */
static int check_unique(const MsResult *r, const char *path, MsError *err)
{
    MsMap seen;
    ms_map_init(&seen);
    int rc = MS_OK;
    for (int j = 0; j < r->nvec && rc == MS_OK; j++) {
        char *name = dataset_name(r->names[j]);
        if (ms_map_get(&seen, name, NULL))
            rc = ms_err(err, MS_ERR_ARG, "cannot write '%s': two vectors are named '%s'", path,
                        name);
        ms_map_put(&seen, name, j);
        free(name);
    }
    ms_map_free(&seen);
    return rc;
}

static int write_hdf5(const MsResult *r, const char *path, ExtraFn extra, const void *user, MsError *err)
{
    int rc = ms_out_check(r, err);
    if (rc != MS_OK)
        return rc;
    if (!path || !path[0] || !strcmp(path, "-"))
        return ms_err(err, MS_ERR_ARG, "HDF5 output needs a file name, not standard output");
    if ((rc = check_unique(r, path, err)) != MS_OK)
        return rc;
    /* Errors come back through MsError; HDF5's stack dumps would only
     * confuse a user.  (Process-wide setting, harmless for a library
     * that owns its HDF5 use.) */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    MsOutFile o;
    if ((rc = ms_out_open(&o, path, 1, err)) != MS_OK)
        return rc;
    /* Grow the in-memory file in steps about the size of the data. */
    size_t step = ((r->npts * ((size_t)r->nvec + 1) * 8 + (size_t)r->nvec * 1024) | 65535) + 1;
    Contents c = {r, extra, user};
    size_t size;
    unsigned char *image = ms_hdf5_image(o.tmp, step, 0, write_contents, &c, &size);
    if (!image) {
        ms_out_finish(&o, 0, err);
        return ms_err(err, MS_ERR_IO, "cannot write '%s': HDF5 failed to build the file", path);
    }
    fwrite(image, 1, size, o.fp);      /* a short write shows in ferror at finish */
    free(image);
    rc = ms_out_finish(&o, 1, err);
    return rc;
}

int ms_write_hdf5(const MsResult *r, const char *path, MsError *err) { return write_hdf5(r, path, NULL, NULL, err); }

/* /gradient: attribute loss; one dataset per parameter holding dloss/dvalue,
 * with the parameter's value as attribute "value". */
static int write_gradient(hid_t file, const void *user)
{
    const MsGrad *g = user;
    hid_t grp = ms_hdf5_group(file, "gradient", 0);
    if (grp < 0)
        return -1;
    int rc = 0;
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = space >= 0 ? H5Acreate2(grp, "loss", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT) : -1;
    if (a < 0 || H5Awrite(a, H5T_NATIVE_DOUBLE, &g->loss) < 0)
        rc = -1;
    if (a >= 0)
        H5Aclose(a);
    for (int k = 0; k < g->nparams && rc == 0; k++) {
        char *name = dataset_name(g->names[k]);
        hid_t ds = ms_hdf5_dataset(grp, name, H5T_IEEE_F64LE, space);
        free(name);
        if (ds < 0 || H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &g->grad[k]) < 0)
            rc = -1;
        hid_t va = ds >= 0 ? H5Acreate2(ds, "value", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT) : -1;
        if (va < 0 || H5Awrite(va, H5T_NATIVE_DOUBLE, &g->values[k]) < 0)
            rc = -1;
        if (va >= 0)
            H5Aclose(va);
        if (ds >= 0)
            H5Dclose(ds);
    }
    if (space >= 0)
        H5Sclose(space);
    H5Gclose(grp);
    return rc;
}

int ms_write_grad_hdf5(const MsGrad *g, const char *path, MsError *err)
{
    return write_hdf5(&g->tran, path, write_gradient, g, err);
}
