/* ac_sweep.c — see ac_sweep.h. */
#include "ac_sweep.h"
#include "../util/limits.h"

#include <math.h>

long ms_ac_sweep(const MsAcSpec *s, double reltol, double *f)
{
    if (s->sweep == MS_AC_LIN) {
        long n = s->npoints > MS_MAX_AC_POINTS ? MS_MAX_AC_POINTS + 1 : s->npoints;
        double d = n > 1 ? (s->fstop - s->fstart) / (double)(n - 1) : 0;
        for (long k = 0; f && k < n; k++)
            f[k] = k == n - 1 && n > 1 ? s->fstop : s->fstart + (double)k * d;
        return n;
    }
    double ratio = exp(log(s->sweep == MS_AC_DEC ? 10.0 : 2.0) / (double)s->npoints);
    double tol = ratio * s->fstop * reltol, fk = s->fstart;
    long n = 0;
    /* multiplied on, not fstart * ratio^k: the same rounding as ngspice's points */
    for (; fk <= s->fstop + tol && n <= MS_MAX_AC_POINTS; fk *= ratio, n++)
        if (f)
            f[n] = fk;
    return n;
}
