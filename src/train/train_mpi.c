/* train_mpi.c — see train_mpi.h.  The only file that calls MPI. */
#include "train_mpi.h"
#include "../util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ms_dist_active(const MsDist *d) { return d && d->size > 1; }
int ms_dist_root(const MsDist *d) { return !d || d->rank == 0; }

/* Started by a launcher: Open MPI's mpirun, PMIx (Open MPI 5, Slurm), PMI (MPICH's hydra, Slurm). */
static int launched(void)
{
    static const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

int ms_dist_env_rank(void)
{
    static const char *vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i]))
            return atoi(getenv(vars[i]));
    return 0;
}

#ifdef MS_HAVE_MPI
#include <mpi.h>
#include <unistd.h>

static int mpi_fail(int mrc, const char *what, MsError *err)
{
    char s[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(mrc, s, &len) != MPI_SUCCESS)
        snprintf(s, sizeof s, "MPI error %d", mrc);
    return ms_err(err, MS_ERR_IO, "%s: %s", what, s);
}

int ms_dist_begin(MsDist *d, MsError *err)
{
    *d = (MsDist){0, 1, 0};
    if (!launched())
        return MS_OK;
    int provided = 0, mrc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (mrc != MPI_SUCCESS)
        return ms_err(err, MS_ERR_IO, "MPI_Init failed (code %d): started by mpirun, but cannot join the job", mrc);
    d->mpi = 1;
    /* errors are returned (and end the job through ms_dist_abort), not fatal inside MPI */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &d->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &d->size);
    return MS_OK;
}

void ms_dist_end(MsDist *d)
{
    if (d->mpi)
        MPI_Finalize();
    d->mpi = 0;
}

int ms_dist_sum(const MsDist *d, double *buf, size_t n, MsError *err)
{
    if (!ms_dist_active(d))
        return MS_OK;
    while (n > 0) {   /* counts are ints */
        int k = n > (1u << 30) ? 1 << 30 : (int)n;
        int mrc = MPI_Allreduce(MPI_IN_PLACE, buf, k, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        if (mrc != MPI_SUCCESS)
            return mpi_fail(mrc, "MPI_Allreduce of the gradients", err);
        buf += k, n -= (size_t)k;
    }
    return MS_OK;
}

int ms_dist_gather(const MsDist *d, double *buf, int nrec, size_t rec, MsError *err)
{
    if (!ms_dist_active(d) || nrec <= 0 || rec == 0)
        return MS_OK;
    int N = d->size, own = nrec / N + (d->rank < nrec % N);
    if ((size_t)(nrec / N + 1) * rec > (size_t)(1 << 30) || (size_t)nrec * rec > (size_t)(1 << 30))
        return ms_dist_sum(d, buf, (size_t)nrec * rec, err);   /* int counts would overflow */
    int *counts = ms_malloc((size_t)N * sizeof *counts), *displs = ms_malloc((size_t)N * sizeof *displs);
    for (int r = 0, at = 0; r < N; r++) {
        counts[r] = (nrec / N + (r < nrec % N)) * (int)rec;
        displs[r] = at;
        at += counts[r];
    }
    double *send = ms_malloc(((size_t)own * rec + 1) * sizeof *send);
    double *recv = ms_malloc(((size_t)nrec * rec + 1) * sizeof *recv);
    for (int k = 0; k < own; k++)   /* this rank's records, in order */
        memcpy(send + (size_t)k * rec, buf + (size_t)(d->rank + k * N) * rec, rec * sizeof *buf);
    int mrc = MPI_Allgatherv(send, own * (int)rec, MPI_DOUBLE, recv, counts, displs, MPI_DOUBLE, MPI_COMM_WORLD);
    for (int r = 0; r < N && mrc == MPI_SUCCESS; r++)
        for (int k = 0; r + k * N < nrec; k++)
            memcpy(buf + (size_t)(r + k * N) * rec, recv + (size_t)displs[r] + (size_t)k * rec, rec * sizeof *buf);
    free(counts), free(displs), free(send), free(recv);
    return mrc == MPI_SUCCESS ? MS_OK : mpi_fail(mrc, "MPI_Allgatherv of the gradients", err);
}

int ms_dist_bcast(const MsDist *d, void *buf, size_t bytes, MsError *err)
{
    if (!ms_dist_active(d))
        return MS_OK;
    char *p = buf;
    while (bytes > 0) {
        int k = bytes > (1u << 30) ? 1 << 30 : (int)bytes;
        int mrc = MPI_Bcast(p, k, MPI_BYTE, 0, MPI_COMM_WORLD);
        if (mrc != MPI_SUCCESS)
            return mpi_fail(mrc, "MPI_Bcast of the training state", err);
        p += k, bytes -= (size_t)k;
    }
    return MS_OK;
}

int ms_dist_agree(const MsDist *d, int rc, MsError *err) { return ms_dist_agree_first(d, rc, 0, err); }

int ms_dist_agree_first(const MsDist *d, int rc, int key, MsError *err)
{
    if (!ms_dist_active(d))
        return rc;
    int mine[2] = {rc, key}, *all = ms_malloc(2 * (size_t)d->size * sizeof *all);
    int mrc = MPI_Allgather(mine, 2, MPI_INT, all, 2, MPI_INT, MPI_COMM_WORLD);
    if (mrc != MPI_SUCCESS) {
        free(all);
        return mpi_fail(mrc, "MPI_Allgather", err);
    }
    int first = -1;   /* the failing rank with the smallest key, the lowest rank among equal keys */
    for (int r = 0; r < d->size; r++)
        if (all[2 * r] != MS_OK && (first < 0 || all[2 * r + 1] < all[2 * first + 1]))
            first = r;
    free(all);
    if (first < 0)
        return MS_OK;
    int code = 0;
    char msg[MS_ERRMSG_MAX + 320];
    if (d->rank == first) {
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        code = err && err->code ? err->code : rc;
        if (first == 0)
            snprintf(msg, sizeof msg, "%s", err && err->msg[0] ? err->msg : ms_strerror(code));
        else
            snprintf(msg, sizeof msg, "rank %d of %d (host %s): %s", first, d->size, host,
                     err && err->msg[0] ? err->msg : ms_strerror(code));
    }
    MPI_Bcast(&code, 1, MPI_INT, first, MPI_COMM_WORLD);
    MPI_Bcast(msg, sizeof msg, MPI_CHAR, first, MPI_COMM_WORLD);
    msg[sizeof msg - 1] = 0;
    return ms_err(err, code, "%s", msg);
}

void ms_dist_abort(const MsDist *d, const MsError *err)
{
    if (!ms_dist_active(d))
        return;
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    fprintf(stderr, "memspice: error: rank %d of %d (host %s): %s; ending the job (MPI_Abort)\n", d->rank, d->size,
            host, err && err->msg[0] ? err->msg : "failed");
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1);
}

#else /* no MPI: one process */

int ms_dist_begin(MsDist *d, MsError *err)
{
    *d = (MsDist){0, 1, 0};
    const char *n = getenv("OMPI_COMM_WORLD_SIZE");
    if (!n)
        n = getenv("PMI_SIZE");
    if (launched() && (!n || atoi(n) != 1))   /* N copies of the same run would write the same files */
        return ms_err(err, MS_ERR_UNSUPPORTED, "started by an MPI launcher, but this memspice was built without MPI "
                                               "(install libopenmpi-dev, rebuild: README.md, 'Training on several "
                                               "processes: MPI')");
    return MS_OK;
}
void ms_dist_end(MsDist *d) { (void)d; }
int ms_dist_sum(const MsDist *d, double *buf, size_t n, MsError *err)
{
    (void)d, (void)buf, (void)n, (void)err;
    return MS_OK;
}
int ms_dist_gather(const MsDist *d, double *buf, int nrec, size_t rec, MsError *err)
{
    (void)d, (void)buf, (void)nrec, (void)rec, (void)err;
    return MS_OK;
}
int ms_dist_bcast(const MsDist *d, void *buf, size_t bytes, MsError *err)
{
    (void)d, (void)buf, (void)bytes, (void)err;
    return MS_OK;
}
int ms_dist_agree(const MsDist *d, int rc, MsError *err)
{
    (void)d, (void)err;
    return rc;
}
int ms_dist_agree_first(const MsDist *d, int rc, int key, MsError *err)
{
    (void)d, (void)key, (void)err;
    return rc;
}
void ms_dist_abort(const MsDist *d, const MsError *err) { (void)d, (void)err; }

#endif
