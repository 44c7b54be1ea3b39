/* sweep.h — `memspice run|grad NETLIST --inputs DIR -o OUTDIR`: the
 * netlist is loaded once, and each input file (input_sets.h) is simulated
 * on a fresh work with its source overrides, writing OUTDIR/<stem>.<ext>.
 *
 * Under mpirun the files are split over the ranks (rank r takes the files
 * i with i % N == r) and, inside a rank, over threads (ms_run_chunks).  A
 * file's output depends on nothing but the netlist and that file, so it is
 * the same whichever rank or thread ran it; the per-file records (grad:
 * loss and gradient) are gathered in file order for rank 0.  MPI stays
 * behind MsDist (src/train/train_mpi.h): without a launcher, or built
 * without MPI, this is one process. */
#ifndef MS_CLI_SWEEP_H
#define MS_CLI_SWEEP_H

#include "cli.h"
#include "input_sets.h"
#include "../train/train_mpi.h"

#include <pthread.h>

typedef struct MsSweepOpts {
    const char *cmd;        /* "run" or "grad", for messages */
    const char *netlist, *inputs, *outdir;
    const char *ext;        /* of the outputs: "h5", "raw", "csv" */
    const char *reserved;   /* a file the command writes into OUTDIR itself (grad: "summary.csv"), or NULL */
    int threads;            /* per process; 0: one per core */
    int quiet;
} MsSweepOpts;

typedef struct MsSweep {
    MsSweepOpts o;
    MsDist dist;
    MsCircuit *c;           /* shared read-only by the threads */
    MsInputSets in;
    char **out;             /* per input file: OUTDIR/<stem>.<ext> */
    pthread_mutex_t io;     /* the output writers (HDF5 is not thread-safe) and progress lines */
    int done;               /* this rank's files finished, for the progress lines */
} MsSweep;

/* One input file: w is a fresh work of s->c with the file's overrides;
 * simulate, write `out` (between ms_sweep_lock and ms_sweep_unlock), fill
 * rec (the command's nrec doubles for this file). */
typedef int (*MsSweepFn)(MsSweep *s, void *user, MsWork *w, const char *out, double *rec, MsError *err);

/* Join the MPI job if launched by one, load the netlist, read every input
 * file (all ranks read all: a bad file stops the job before any
 * simulation), make OUTDIR.  Collective: a failure on any rank is returned
 * on every rank. */
int ms_sweep_begin(MsSweep *s, const MsSweepOpts *o, MsError *err);
/* fn for this rank's input files; afterwards, on every rank, rec (allocated,
 * n files x nrec) holds every file's record in file order.  A failing file
 * fails the job on every rank, the message naming the first failing file
 * (in file order: the same whatever the number of ranks and threads). */
int ms_sweep_run(MsSweep *s, int nrec, MsSweepFn fn, void *user, double **rec, MsError *err);
void ms_sweep_lock(MsSweep *s);
void ms_sweep_unlock(MsSweep *s);
/* Release everything, leave the MPI job; the exit code for rc (rank 0
 * prints the error, the other ranks stay silent). */
int ms_sweep_end(MsSweep *s, int rc, MsError *err);

/* Exit code `code` for an early exit (--help, a usage error) of a sweep
 * under a launcher: joins and leaves the job first, so that mpirun does not
 * end rank 0 before it has printed. */
int ms_sweep_exit_early(int code);
/* 1 if opt is one of argv[1..argc) (to tell a sweep before parsing). */
int ms_cli_has_opt(int argc, char **argv, const char *opt);

#endif
