/* noise_rts.c — see noise_rts.h. */
#include "noise_rts.h"
#include "noise_wave.h"
#include "../util/limits.h"
#include "../util/util.h"

#include <math.h>
#include <stdlib.h>

long ms_rts_instants(uint64_t stream, double capt, double emt, double tstop, double **out)
{
    long n = 0, cap = 64;
    double *t = ms_malloc((size_t)cap * sizeof *t), now = 0;
    do {
        if (n == MS_MAX_NOISE_TABLE) {
            free(t);
            *out = NULL;
            return -1;
        }
        if (n == cap) {
            cap *= 2;
            t = ms_realloc(t, (size_t)cap * sizeof *t);
        }
        now += -(n % 2 ? emt : capt) * log(ms_noise_uniform(stream, (uint64_t)n, 4));
        t[n++] = now;
    } while (now <= tstop);
    *out = t;
    return n;
}

int ms_rts_level(const double *inst, long n, double t)
{
    long lo = 0, hi = n;   /* the number of instants <= t: the first index with inst > t */
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (inst[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int)(lo % 2);
}
