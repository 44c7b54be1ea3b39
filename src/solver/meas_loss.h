/* meas_loss.h — `.loss meas NAME [target=v] [weight=w]`: a .meas tran
 * result as a loss term, L = w m or w (m - v)^2, differentiated through the
 * measure (measure/measure.h) into per-point dL/dx_k for the adjoint. */
#ifndef MS_MEAS_LOSS_H
#define MS_MEAS_LOSS_H

#include "circuit.h"
#include "traj.h"

/* A measure term's value on one trajectory and dm/dx at the points it
 * depends on, sorted by point: dm/dx[a[j]] += d[j], dm/dx[b[j]] -= d[j] at k[j]. */
typedef struct MsMeasLossVal {
    double value;
    size_t n;
    size_t *k;
    int *a, *b;
    double *d;
} MsMeasLossVal;

/* At load: each .loss meas names a .meas tran whose value is a
 * differentiable function of the trajectory (errors at the .loss card);
 * lists the signals a gradient run records (c->meas_sv_*). */
int ms_meas_loss_setup(MsCircuit *c, MsError *err);
/* After a recorded forward run: the measures on it and their derivatives
 * (tr->mloss).  A measure that fails on this run is an error. */
int ms_meas_loss_eval(const MsCircuit *c, MsTraj *tr, MsError *err);
/* Term i's share of the loss at point k (all of it at k = 0) with weight
 * `weight`, and its dL/dx_k added to g (if not NULL). */
double ms_meas_loss_point(const MsCircuit *c, int i, const MsTraj *tr, size_t k, double weight, double *g);
void ms_meas_loss_free(MsTraj *tr);

#endif
