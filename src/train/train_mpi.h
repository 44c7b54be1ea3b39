/* train_mpi.h — data-parallel training and evaluation over MPI processes.
 *
 * `mpirun -np N memspice train ...`: every rank loads the netlist and the
 * data; rank r simulates the chunks c of every batch with c % N == r (the
 * chunk boundaries of one process: trainer.c), and the per-chunk gradient
 * slots, losses and predictions are gathered on every rank (MPI_Allgatherv:
 * copies; or, for messages beyond int counts, an MPI_Allreduce sum where each
 * chunk is computed by exactly one rank and zero on the others: x + 0 == x).
 * Every rank then adds the slots in chunk order as one process does: the
 * parameters equal the single-process run's bit for bit, on every rank after
 * every step.  Rank 0 alone prints and writes files.
 *
 * `mpirun -np N memspice run|grad NET --inputs DIR`: rank r runs the input
 * files i with i % N == r and writes their outputs itself; the losses and
 * gradients are gathered for rank 0's summary (src/cli/sweep.c).
 *
 * Built with MPI only when the Makefile finds it (-DMS_HAVE_MPI); otherwise,
 * and whenever memspice was not started by an MPI launcher (mpirun, mpiexec,
 * srun), everything here is a single process: rank 0 of 1, and the calls
 * below do nothing. */
#ifndef MS_TRAIN_TRAIN_MPI_H
#define MS_TRAIN_TRAIN_MPI_H

#include "../memspice.h"

#include <stddef.h>

typedef struct MsDist {
    int rank, size;           /* 0 and 1: a single process */
    int mpi;                  /* MPI_Init was called (ms_dist_end finalizes) */
} MsDist;

/* This process's rank from the launcher's environment, before any MPI call
 * (0 when not started by a launcher): to print usage errors once. */
int ms_dist_env_rank(void);
/* Joins the MPI job when started by an MPI launcher; else a single process. */
int ms_dist_begin(MsDist *d, MsError *err);
void ms_dist_end(MsDist *d);
/* Several processes (d may be NULL: one). */
int ms_dist_active(const MsDist *d);
int ms_dist_root(const MsDist *d);   /* rank 0, or a single process */
/* Sum of buf over the ranks, in place, on every rank. */
int ms_dist_sum(const MsDist *d, double *buf, size_t n, MsError *err);
/* buf holds nrec records of rec doubles; rank r has filled the records
 * c with c % size == r (the others: zeros).  Afterwards every rank has every
 * record (MPI_Allgatherv: plain copies, exact; an exact sum when too large
 * for int counts). */
int ms_dist_gather(const MsDist *d, double *buf, int nrec, size_t rec, MsError *err);
/* buf of rank 0 to every rank. */
int ms_dist_bcast(const MsDist *d, void *buf, size_t bytes, MsError *err);
/* Every rank's rc, collectively: MS_OK if all are, else on every rank the
 * code of the lowest failing rank, whose message (prefixed with its rank and
 * host when it is not rank 0) is in err on every rank. */
int ms_dist_agree(const MsDist *d, int rc, MsError *err);
/* The same, but the message and code are those of the failing rank with the
 * smallest key (ties: the lowest rank), e.g. the index of its first failing
 * input file, so that the error named does not depend on the rank count. */
int ms_dist_agree_first(const MsDist *d, int rc, int key, MsError *err);
/* A failure on this rank after the set-up: prints it and ends the whole job
 * (MPI_Abort); returns only when not distributed. */
void ms_dist_abort(const MsDist *d, const MsError *err);

#endif
