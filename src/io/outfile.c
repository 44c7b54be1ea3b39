/* outfile.c — writing output files atomically: everything goes to
 * "<path>.tmp.<pid>" and is renamed over <path> only once it is complete,
 * so a crash, a full disk or an error never leaves a half-written file
 * under the name the user asked for. */
#include "result.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int is_stdout(const char *path)
{
    return !strcmp(path, "-");
}

char *ms_out_tmpname(const char *path)
{
    /* Same directory as path, so that rename() stays atomic (no copy
     * across file systems); the pid keeps concurrent runs apart. */
    return ms_asprintf("%s.tmp.%ld", path, (long)getpid());
}

int ms_out_commit(const char *tmp, const char *path, MsError *err)
{
    if (rename(tmp, path) == 0)
        return MS_OK;
    int e = errno;
    remove(tmp);
    return ms_err(err, MS_ERR_IO, "cannot write '%s': %s", path, strerror(e));
}

int ms_out_check(const MsResult *r, MsError *err)
{
    if (!r || r->nvec < 0 || (r->nvec > 0 && (!r->names || !r->kinds)))
        return ms_err(err, MS_ERR_ARG, "cannot write an empty or incomplete result");
    if (r->nvec == 0 && !r->time)
        return ms_err(err, MS_ERR_ARG, "cannot write a result without vectors");
    if (r->npts > 0 && r->nvec > 0 && !r->data)
        return ms_err(err, MS_ERR_ARG, "cannot write a result without data");
    if (r->imag && (!r->time || (r->npts > 0 && r->nvec > 0 && !r->data)))
        return ms_err(err, MS_ERR_ARG, "cannot write a complex result without its frequency scale");
    for (int j = 0; j < r->nvec; j++)
        if (!r->names[j] || !r->names[j][0])
            return ms_err(err, MS_ERR_ARG, "cannot write a result: vector %d has no name", j);
    return MS_OK;
}

int ms_out_open(MsOutFile *o, const char *path, int binary, MsError *err)
{
    memset(o, 0, sizeof *o);
    if (!path || !path[0])
        return ms_err(err, MS_ERR_ARG, "no output file name given");
    o->path = ms_strdup(path);
    if (is_stdout(path)) {
        o->fp = stdout;
        return MS_OK;
    }
    o->tmp = ms_out_tmpname(path);
    o->fp = fopen(o->tmp, binary ? "wb" : "w");
    if (!o->fp) {
        int e = errno;
        free(o->path);
        free(o->tmp);
        memset(o, 0, sizeof *o);
        return ms_err(err, MS_ERR_IO, "cannot create '%s': %s", path, strerror(e));
    }
    return MS_OK;
}

/* Push the data to the disk and close; any failure (EIO, ENOSPC at the
 * last flush) is reported here, before the file gets its real name. */
static int close_tmp(FILE *fp, const char *path, MsError *err)
{
    int e = 0;
    if (fflush(fp) != 0 || ferror(fp))
        e = errno ? errno : EIO;
    /* fsync so that a crash just after the rename cannot leave an empty
     * file under the final name (the rename may reach the disk first). */
    if (!e && fsync(fileno(fp)) != 0 && errno != EINVAL && errno != EROFS)
        e = errno;
    if (fclose(fp) != 0 && !e)
        e = errno ? errno : EIO;
    if (e)
        return ms_err(err, MS_ERR_IO, "cannot write '%s': %s", path, strerror(e));
    return MS_OK;
}

static int finish_stdout(MsError *err)
{
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        int e = errno ? errno : EIO;
        return ms_err(err, MS_ERR_IO, "cannot write to standard output: %s", strerror(e));
    }
    return MS_OK;
}

int ms_out_finish(MsOutFile *o, int ok, MsError *err)
{
    int rc = MS_OK;
    if (!o->fp) {
        rc = ok ? ms_err(err, MS_ERR_ARG, "output file was not opened") : MS_OK;
    } else if (!o->tmp) {
        rc = ok ? finish_stdout(err) : MS_OK;
    } else if (!ok) {
        fclose(o->fp);     /* the caller already has an error to report */
        remove(o->tmp);
    } else {
        errno = 0;
        rc = close_tmp(o->fp, o->path, err);
        if (rc == MS_OK)
            rc = ms_out_commit(o->tmp, o->path, err);
        else
            remove(o->tmp);
    }
    free(o->path);
    free(o->tmp);
    memset(o, 0, sizeof *o);
    return rc;
}
