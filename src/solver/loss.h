/* loss.h — the .loss objective on a recorded trajectory, and the trainable
 * element values (.trainable), resolved against the circuit. */
#ifndef MS_LOSS_H
#define MS_LOSS_H

#include "circuit.h"
#include "traj.h"

/* Resolve c->deck's .loss and .trainable cards (at load time). */
int ms_grad_setup(MsCircuit *c, MsError *err);

/* L = sum over terms of weight * (discrete objective on the trajectory):
 * value at a time: linear interpolation between the two points around it;
 * integrals: trapezoidal rule over the points inside [from, to].
 * ms_loss_point returns point k's share of L (x = x_k, weights[i] the
 * weight of term i) and, if g is not NULL, adds dL/dx_k to g. */
double ms_loss_point(const MsCircuit *c, const MsTraj *tr, size_t k, const double *x, const double *weights,
                     double *g);

/* The unweighted value of every term on a trajectory that stores every
 * point (MS_ERR_ARG otherwise); finds each MS_LOSS_MAX term's point. */
int ms_loss_terms(const MsCircuit *c, MsTraj *tr, double *values);

#endif
