/* compare.h — the numbers of a cross-check: two sampled waveforms of one
 * signal, each on its own time axis (memspice's and ngspice's accepted
 * points), compared without resampling either onto a grid of our choosing.
 *
 * Each waveform is interpolated onto the other's points, inside the time span
 * both cover (points outside it are not used at all); the error figures of
 * the two directions are computed separately and the worse of each counts,
 * so a feature that only one side resolved (a spike between the other's
 * points) is never averaged away. */
#ifndef MS_CHECK_COMPARE_H
#define MS_CHECK_COMPARE_H

#include <stddef.h>

/* One sampled signal: y[k * stride] at t[k], k = 0..n-1, t non-decreasing
 * (equal times are allowed: a jump at a breakpoint). */
typedef struct MsWave {
    const double *t, *y;
    size_t n, stride;
} MsWave;

/* y(tq) by linear interpolation plus a limited quadratic term (see
 * compare.c), clamped to the end values outside [t[0], t[n-1]].  hint (may be NULL) keeps the last interval between calls
 * with increasing tq, making a sweep O(n). */
double ms_wave_at(const MsWave *w, double tq, size_t *hint);

typedef struct MsWaveErr {
    double max_abs;    /* largest |a - b| over both directions */
    double t_max;      /* where it occurs */
    double scale;      /* the signal's range: the larger of the two waveforms'
                          max - min in the common span; when both are
                          constant (to 1e-9 of their magnitude), the
                          largest magnitude; 0 if both are 0 */
    double max_rel;    /* max_abs / scale (0 when max_abs == 0, inf when scale == 0) */
    double nrms;       /* time-weighted RMS of a - b over the common span,
                          divided by scale; the worse direction */
    double t0, t1;     /* the common span compared */
    size_t na, nb;     /* points of a and of b inside it */
} MsWaveErr;

/* Compare a with b.  Returns 0, or -1 when the waveforms share no time span
 * (e is then zeroed except for na, nb = 0). */
int ms_wave_compare(const MsWave *a, const MsWave *b, MsWaveErr *e);

/* Compare two sweeps sampled at the same points (a DC sweep: the scale may
 * repeat or run backwards, so nothing is interpolated): a[k] with b[k],
 * k = 0..n-1.  e->t_max is x[k] at the worst point (x: the scale), t0/t1
 * the first and last x, nrms the plain RMS over the points; scale as
 * ms_wave_compare. */
void ms_points_compare(const MsWave *a, const MsWave *b, MsWaveErr *e);

/* The pass rule of every comparison: err <= atol + rtol * scale. */
double ms_allowed(double scale, double rtol, double atol);

/* The difference a - b on the union of both point sets (in the common span),
 * for plotting: *t and *d are malloc'ed, *n points.  */
void ms_wave_diff(const MsWave *a, const MsWave *b, double **t, double **d, size_t *n);

#endif
