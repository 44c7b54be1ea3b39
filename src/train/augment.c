/* augment.c — see augment.h. */
#include "augment.h"
#include "rng.h"
#include "../util/util.h"

void ms_augment_shift(const float *in, float *out, int rows, int cols, int dx, int dy)
{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            int sr = r - dy, sc = c - dx;
            out[r * cols + c] = sr >= 0 && sr < rows && sc >= 0 && sc < cols ? in[sr * cols + sc] : 0.0f;
        }
}

void ms_augment_draw(uint64_t seed, int epoch, int row, int n, int *dx, int *dy)
{
    uint64_t s = ms_hash3(seed, MS_RNG_AUGMENT, (uint64_t)epoch);
    /* u < 1, so the index is at most 2n */
    *dx = (int)(ms_uniform3(s, (uint64_t)row, 0) * (2 * n + 1)) - n;
    *dy = (int)(ms_uniform3(s, (uint64_t)row, 1) * (2 * n + 1)) - n;
}

int ms_augment_check(int n, const MsDataset *d, MsError *err)
{
    if (n == 0)
        return MS_OK;
    if (d->rows <= 0 || d->cols <= 0 || (long)d->rows * d->cols != d->nfeat)
        return ms_err(err, MS_ERR_ARG, "--augment shift=%d: the training set has no image shape (%d flat features "
                                       "per sample; shifts need IDX images or an HDF5 /x of samples x rows x cols)",
                      n, d->nfeat);
    int most = (d->rows < d->cols ? d->rows : d->cols) / 2;
    if (n < 0 || n > most)
        return ms_err(err, MS_ERR_ARG, "--augment shift=%d: out of range 0..%d for %dx%d images", n, most, d->rows,
                      d->cols);
    return MS_OK;
}
