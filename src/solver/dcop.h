/* dcop.h — DC operating point: plain Newton, then gmin stepping, then
 * source stepping (the order ngspice tries them in). */
#ifndef MS_DCOP_H
#define MS_DCOP_H

#include "circuit.h"

/* Solve f(x, t) = 0 into w->x (w->f, w->q evaluated there).  dc_op selects
 * the sources' DC values (.op) instead of their values at time t.  .ic
 * values are enforced when force_ic is set. */
int ms_dcop(MsWork *w, double t, int dc_op, int force_ic, MsError *err);
/* The same, first trying Newton from guess (n+1 values, may be NULL) with
 * the devices' limiting memory as it is; where (NULL: "operating point")
 * names the point in messages instead of the time. */
int ms_dcop_guess(MsWork *w, double t, int dc_op, int force_ic, const double *guess, const char *where,
                  MsError *err);

/* Report a singular matrix or a Newton failure at unknown `unk` (t NaN:
 * `what` alone says where). */
int ms_numeric_error(const MsWork *w, int rc, int unk, const char *what, double t, MsError *err);

#endif
