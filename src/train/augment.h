/* augment.h — data augmentation of training images (`memspice train
 * --augment shift=N`): each training sample, each epoch, is translated by
 * (dx, dy) drawn uniformly from [-N, N]^2, the vacated pixels zero.
 *
 * The draw is a hash of (seed, epoch, dataset row) (rng.h), not a shared
 * stream, so it does not depend on the threads, the engine's chunks, the
 * MPI ranks or where a run was resumed.  Evaluation never augments. */
#ifndef MS_TRAIN_AUGMENT_H
#define MS_TRAIN_AUGMENT_H

#include "dataset.h"

#include <stdint.h>

/* out = in moved dx columns right and dy rows down (negative: left, up),
 * zero where nothing moves in; rows x cols row-major; in != out. */
void ms_augment_shift(const float *in, float *out, int rows, int cols, int dx, int dy);

/* The shift of dataset row `row` in `epoch` (1-based), each in [-n, n]. */
void ms_augment_draw(uint64_t seed, int epoch, int row, int n, int *dx, int *dy);

/* --augment shift=n fits the set: an image shape, 0 <= n <= min(rows, cols) / 2. */
int ms_augment_check(int n, const MsDataset *d, MsError *err);

#endif
