/* noise_rts.h — TRNOISE's random telegraph part, as ngspice defines it: 0
 * for an exponential time of mean RTSCAPT (until a capture), then RTSAM
 * for an exponential time of mean RTSEMT (until the emission), and so on;
 * at a switching instant the source already has the new level. */
#ifndef MS_NOISE_RTS_H
#define MS_NOISE_RTS_H

#include <stdint.h>

/* The switching instants of stream's process up to the first one after
 * tstop, in *out (a new array); their number, or -1 if more than
 * MS_MAX_NOISE_TABLE.  Dwell i is draw i's exponential (uniform 4). */
long ms_rts_instants(uint64_t stream, double capt, double emt, double tstop, double **out);
/* The level (0 or 1) at t: 1 after an odd number of instants <= t. */
int ms_rts_level(const double *inst, long n, double t);

#endif
