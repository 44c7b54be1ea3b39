/* checkpoint.h — the files `memspice train` writes into its output folder
 * besides the plots: the HDF5 checkpoint (everything a resume needs, written
 * after every epoch) and metrics.csv (one row per epoch).
 *
 * Checkpoint layout (readable with h5dump and h5py):
 *
 *   /                  attributes format = "memspice-checkpoint", version = 1,
 *                      generator = "memspice", epoch (int32), step (int64),
 *                      seed (uint64), nparams (int32), config (string:
 *                      the training options, "key=value\n" lines),
 *                      checksum (uint32, over the datasets' contents; see
 *                      checkpoint.c)
 *   /names             nparams fixed-width NUL-terminated UTF-8 strings
 *   /params            nparams doubles
 *   /opt_m, /opt_v     nparams doubles each, or 0 elements when the optimiser
 *                      has no such moment (SGD without momentum: both empty;
 *                      SGD with momentum: /opt_v empty)
 *   /history/<column>  one value per completed epoch, columns epoch (int32),
 *                      train_loss, train_acc, test_loss, test_acc, seconds,
 *                      samples_per_s, lr (doubles; NaN = not evaluated)
 *
 * Doubles are stored as IEEE little-endian 64-bit and come back bit for bit
 * (NaN payloads and -0.0 included), so a resumed run continues exactly.
 * Strings are fixed-length (h5py returns them as bytes): variable-length
 * strings live in HDF5's unchecksummed global heap, and HDF5 1.10 crashes
 * or hangs on a damaged one.  The file uses the HDF5 1.8 format, whose
 * metadata is checksummed; with the checksum attribute over the data, a
 * damaged file is refused rather than resumed from wrong values.  The
 * file is built in memory and written like every memspice output: to
 * "<path>.tmp.<pid>", flushed, fsync'ed, renamed over <path> (and the folder
 * fsync'ed), so a crash or kill -9 leaves either the previous checkpoint or
 * the new one, never a mix. */
#ifndef MS_TRAIN_CHECKPOINT_H
#define MS_TRAIN_CHECKPOINT_H

#include "../util/util.h"

typedef struct MsEpochStats {
    int epoch;                       /* 1-based */
    double train_loss, train_acc;    /* accuracies as fractions in [0,1] */
    double test_loss, test_acc;      /* NAN when not evaluated */
    double seconds, samples_per_s, lr;
    double val_loss, val_acc;        /* on the held-out part of the training set (--val); NAN: none */
} MsEpochStats;

typedef struct MsCheckpoint {
    int epoch;            /* epochs completed */
    long step;            /* optimiser steps taken */
    unsigned long long seed;
    int nparams;
    char **names;         /* parameter names (checked on resume) */
    double *params;       /* values */
    double *opt_m, *opt_v;/* optimiser moments (Adam m and v; SGD momentum in m, v NULL); may be NULL */
    int nhist;
    MsEpochStats *hist;   /* one per completed epoch, for metrics.csv and plots after a resume */
    char *config;         /* the training options as text, "key=value\n" lines */
} MsCheckpoint;

/* Write ck to path (HDF5, atomically).  A NULL config is written as "". */
int ms_checkpoint_write(const char *path, const MsCheckpoint *ck, MsError *err);

/* Read path into *ck (every field allocated, opt_m/opt_v NULL when the file
 * holds none, config never NULL; release with ms_checkpoint_free).  A
 * missing, truncated, damaged or foreign file, or one without a dataset or
 * attribute of the layout above, is an MS_ERR_IO error naming the file; *ck
 * is then empty. */
int ms_checkpoint_read(const char *path, MsCheckpoint *ck, MsError *err);

/* Free what ms_checkpoint_read allocated and zero *ck (NULL-safe). */
void ms_checkpoint_free(MsCheckpoint *ck);

/* metrics.csv, atomically: the header
 *   epoch,train_loss,train_acc,test_loss,test_acc,seconds,samples_per_s,lr
 * then one row per entry of h; accuracies as fractions in [0,1] (as
 * PyTorch Lightning's CSVLogger writes them), values in the shortest form
 * that reads back to the same double, an empty field for NaN (not
 * evaluated), "inf"/"-inf" for infinities. */
int ms_metrics_write_csv(const char *path, const MsEpochStats *h, int n, MsError *err);

#endif
