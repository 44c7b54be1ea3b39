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
 * integrals: trapezoidal rule over the points inside [from, to]. */
double ms_loss_value(const MsCircuit *c, const MsTraj *tr);
/* Add dL/dx_k to g (n+1 entries). */
void ms_loss_dx(const MsCircuit *c, const MsTraj *tr, size_t k, double *g);

#endif
