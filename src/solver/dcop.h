/* dcop.h — DC operating point: plain Newton, then gmin stepping, then
 * source stepping (the order ngspice tries them in). */
#ifndef MS_DCOP_H
#define MS_DCOP_H

#include "circuit.h"

/* Solve f(x, t) = 0 into w->x (w->f, w->q evaluated there).  dc_op selects
 * the sources' DC values (.op) instead of their values at time t.  .ic
 * values are enforced when force_ic is set. */
int ms_dcop(MsWork *w, double t, int dc_op, int force_ic, MsError *err);

/* Report a singular matrix or a Newton failure at unknown `unk`. */
int ms_numeric_error(const MsWork *w, int rc, int unk, const char *what, double t, MsError *err);

#endif
