/* trainer.h — the training loop of `memspice train` and evaluation.
 *
 * Minibatches of samples, each forward and backward through the circuit
 * (net.h) in worker threads, one MsWork each; every sample's gradient has
 * its own slot and the slots are summed in sample order, so results do not
 * depend on the thread count.  All randomness (shuffles, rate-coded spikes,
 * stuck cells, noise, augmentation shifts) is drawn from hashes of (seed,
 * epoch, sample), so a run resumed from its checkpoint continues exactly. */
#ifndef MS_TRAIN_TRAINER_H
#define MS_TRAIN_TRAINER_H

#include "checkpoint.h"
#include "dataset.h"
#include "net.h"
#include "optim.h"
#include "train_mpi.h"

#include <stdio.h>

typedef struct MsTrainOpts {
    int epochs, batch, threads;
    MsOptim opt;              /* kind, lr, betas, eps, momentum, weight decay, schedule */
    unsigned long long seed;
    int train_limit, test_limit;   /* 0: all */
    int val;                  /* the last val of the (limited) training samples: validation, not trained on */
    double fault_aware;       /* fraction of cells stuck afresh each batch (0: none) */
    double sa1;               /* share of stuck cells stuck at the low-resistance state */
    int augment_shift;        /* training images shifted by up to this many pixels (augment.h; 0: none) */
    const char *outdir;
    int resume;               /* continue from outdir/checkpoint.h5 */
    int plots;                /* write loss.png / accuracy.png */
    const MsDist *dist;       /* several MPI processes (train_mpi.h); NULL: one */
} MsTrainOpts;

/* The samples a --train-limit / --test-limit of `limit` leaves of n (0: all). */
static inline int ms_train_limited(int limit, int n) { return limit > 0 && limit < n ? limit : n; }

void ms_train_opts_default(MsTrainOpts *o);

/* What the progress callback is told, after every batch and at an epoch's end. */
typedef struct MsTrainTick {
    const char *phase;        /* "train" or "test" */
    int epoch, epochs;
    long done, total;         /* samples of this phase */
    double loss, acc;         /* running means */
    double samples_per_s, eta_s;
} MsTrainTick;
typedef void (*MsTrainProgressFn)(const MsTrainTick *t, void *user);

/* The data set fits the network: features = .input sources, labels < classes. */
int ms_train_check_data(const MsNet *net, const MsDataset *d, const char *what, MsError *err);

/* --val leaves samples to train on; --augment fits the images. */
int ms_train_check_split(const MsTrainOpts *o, const MsDataset *train, MsError *err);

/* A per-epoch summary line is printed to `log` (NULL: none).  With o->dist,
 * every rank calls this; rank 0 alone writes the output folder and reads the
 * checkpoint (--resume), and a failure after the set-up ends the job. */
int ms_train_run(MsNet *net, const MsDataset *train, const MsDataset *test, const MsTrainOpts *o,
                 MsTrainProgressFn progress, void *user, FILE *log, MsError *err);

/* Faults and noise applied for an evaluation. */
typedef struct MsEvalOpts {
    double faults, sa1;       /* stuck fraction of the trainable memristor cells, share at sa1 */
    unsigned long long fault_seed;
    double program_noise;     /* sigma of a Gaussian on the states, as a fraction of their range */
    double input_noise;       /* probability that a binary pixel flips (features >= 0.5 count as 1) */
    unsigned long long seed;  /* rate-code and noise seed */
    int threads, limit;
    const MsDist *dist;       /* several MPI processes (train_mpi.h); NULL: one */
} MsEvalOpts;

/* Accuracy (fraction) and mean loss on d; the circuit's values are restored after. */
int ms_train_evaluate(MsNet *net, const MsDataset *d, const MsEvalOpts *e, MsTrainProgressFn progress, void *user,
                      double *acc, double *loss, MsError *err);

#endif
