/* fft.h — an in-place radix-2 complex FFT (for the 1/f noise sequence). */
#ifndef MS_FFT_H
#define MS_FFT_H

#include <stddef.h>

/* x holds n complex values as (re, im) pairs, n a power of 2.  sign -1:
 * X_k = sum_j x_j e^{-2 pi i jk/n}; sign +1: the unscaled inverse. */
void ms_fft(double *x, size_t n, int sign);

#endif
