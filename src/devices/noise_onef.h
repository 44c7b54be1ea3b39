/* noise_onef.h — TRNOISE's 1/f^alpha part, as ngspice defines it (Kasdin,
 * Proc. IEEE 83(5), 1995): white Gaussian samples w_j of rms NAMP through
 * the filter h_0 = 1, h_j = h_{j-1} (alpha/2 + j - 1) / j, whose power
 * spectrum is NAMP^2 / |2 sin(pi f NT)|^alpha (f^-alpha below ~1/(10 NT));
 * sample k of the source is X_k - X_0 (ngspice: sample 0 is 0).
 * memspice's X is the causal (linear) convolution X_k = sum_{j<=k} h_j
 * w_{k-j}, so sample k depends on w_0..w_k only, not on tstop; ngspice's
 * FFT makes it circular over its run (the same spectrum, another edge). */
#ifndef MS_NOISE_ONEF_H
#define MS_NOISE_ONEF_H

#include <stdint.h>

/* Samples 0..n-1 (X_k - X_0) of stream's 1/f sequence in a new array;
 * w_j is draw j's Gaussian (ms_noise_gauss, uniforms 2 and 3). */
double *ms_onef_samples(uint64_t stream, double namp, double alpha, long n);

#endif
