/* ac_sweep.h — the frequencies of an .ac sweep. */
#ifndef MS_AC_SWEEP_H
#define MS_AC_SWEEP_H

#include "../memspice.h"

/* The sweep's frequencies into f (NULL: count only); returns their number,
 * stopping at MS_MAX_AC_POINTS + 1.  dec/oct as ngspice steps: f_0 = fstart,
 * f_{k+1} = f_k * 10^(1/N) (2^(1/N)), while f <= fstop + 10^(1/N) fstop reltol;
 * lin: N points fstart + k (fstop - fstart) / (N - 1), the last one fstop
 * (ngspice's `lin 2` gives only fstart: a quirk not copied). */
long ms_ac_sweep(const MsAcSpec *s, double reltol, double *f);

#endif
