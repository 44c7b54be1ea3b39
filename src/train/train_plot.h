/* train_plot.h — PNG plots of a training run, drawn by gnuplot (Debian's
 * gnuplot-nox; $MEMSPICE_GNUPLOT overrides the program, as for `check`).
 *
 * gnuplot is started without a shell (fork + exec) on a script file that
 * holds no caller-supplied text: the output name, the data file and every
 * title or label go in as gnuplot's script arguments (ARG1, ARG2, ...), so a
 * title with quotes, backticks or line breaks is printed, never executed.
 * The data go through a temporary data file next to the PNG; the PNG is
 * drawn under "<path>.tmp.<pid>", fsync'ed and renamed into place, and every
 * temporary file is removed, whatever happens. */
#ifndef MS_TRAIN_PLOT_H
#define MS_TRAIN_PLOT_H

#include "checkpoint.h"

/* dir/loss.png (train loss, and test loss where known, per epoch) and
 * dir/accuracy.png (train and test accuracy in %, per epoch) for the n
 * epochs of h.  Non-finite values are left out.  An error (MS_ERR_IO) if
 * gnuplot is missing or fails; it names the file. */
int ms_train_plot(const char *dir, const MsEpochStats *h, int n, MsError *err);

/* One curve of a fault sweep: the accuracy at each stuck-at fraction. */
typedef struct MsFaultSeries {
    const char *label;     /* key entry, e.g. "plain training"; NULL: "accuracy" */
    const double *mean;    /* nf accuracies as fractions in [0,1] (mean over the fault seeds; NaN: none) */
    const double *lo, *hi; /* nf each: the spread over the seeds (min and max) drawn as error
                            * bars; both NULL for none (a single seed) */
} MsFaultSeries;

/* path (a PNG): accuracy (%) against the fraction of stuck-at cells
 * (fractions[0..nf-1], as given to --fault-sweep) for series a and, unless
 * b is NULL, a second series b on the same fractions (e.g. plain and
 * fault-aware training).  title NULL: a default one. */
int ms_fault_plot(const char *path, const double *fractions, int nf, const MsFaultSeries *a,
                  const MsFaultSeries *b, const char *title, MsError *err);

#endif
