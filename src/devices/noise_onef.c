/* noise_onef.c — see noise_onef.h.  The convolution goes through one
 * complex FFT of length M >= 2n (zero padded, so it is linear, not
 * circular): h in the real part, w in the imaginary part, split by the
 * symmetry of real sequences' transforms, multiplied, transformed back. */
#include "noise_onef.h"
#include "noise_wave.h"
#include "../util/fft.h"
#include "../util/util.h"

#include <stdlib.h>
#include <string.h>

double *ms_onef_samples(uint64_t stream, double namp, double alpha, long n)
{
    size_t m = 1;
    while (m < 2 * (size_t)n)
        m <<= 1;
    double *z = ms_calloc(2 * m, sizeof *z);
    double h = 1;
    for (long j = 0; j < n; j++) {
        if (j > 0)
            h *= (alpha / 2 + (double)(j - 1)) / (double)j;
        z[2 * j] = h;
        z[2 * j + 1] = namp * ms_noise_gauss(stream, (uint64_t)j, 2);
    }
    ms_fft(z, m, -1);
    for (size_t k = 0; k <= m / 2; k++) {
        size_t q = (m - k) % m;
        double a = z[2 * k], b = z[2 * k + 1], c = z[2 * q], d = z[2 * q + 1];
        double hr = (a + c) / 2, hi = (b - d) / 2;   /* H_k = (Z_k + conj Z_q) / 2 */
        double wr = (b + d) / 2, wi = (c - a) / 2;   /* W_k = (Z_k - conj Z_q) / 2i */
        double pr = hr * wr - hi * wi, pi = hr * wi + hi * wr;
        z[2 * k] = pr;
        z[2 * k + 1] = pi;
        z[2 * q] = pr;   /* P_q = conj P_k: the product is a real sequence's */
        z[2 * q + 1] = k == q ? 0 : -pi;
    }
    ms_fft(z, m, +1);
    double *out = ms_malloc((size_t)n * sizeof *out), x0 = z[0] / (double)m;
    for (long k = 0; k < n; k++)
        out[k] = z[2 * k] / (double)m - x0;
    free(z);
    return out;
}
