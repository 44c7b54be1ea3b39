/* batch_neuron.h — one implicit time step of one neuron for the samples of
 * a chunk at once ("lanes"), laid out so that the compiler vectorises over
 * the samples (structure of arrays, lane innermost).
 *
 * A neuron: membrane v with capacitance cm, memristive branches b with
 * states x_b (level 5, MMS), z = (v, x_1 .. x_nb).  The step solves
 *     q(z) - q(zp) + a f(z, u) + ah fp = 0,   q = (cm v, x_b),
 *     f_v = sum_b I_b(v - e_b, x_b) - u,      f_xb = -g_b(v - e_b, x_b)
 * (ah = a for a trapezoidal step, 0 for backward Euler; fp = f at zp) by
 * Newton to rounding, and leaves f and the branch derivatives at z. */
#ifndef MS_TRAIN_BATCH_NEURON_H
#define MS_TRAIN_BATCH_NEURON_H

#include "batch_internal.h"

#define MS_LANES MS_BATCH_CHUNK

typedef struct NeuronLanes {
    double z[1 + MS_BATCH_MAX_BRANCH][MS_LANES];    /* in: the predictor; out: the solution */
    double zp[1 + MS_BATCH_MAX_BRANCH][MS_LANES];   /* the previous point */
    double z2[1 + MS_BATCH_MAX_BRANCH][MS_LANES];   /* the two before it (the caller's, for its predictor) */
    double z3[1 + MS_BATCH_MAX_BRANCH][MS_LANES];
    double fp[1 + MS_BATCH_MAX_BRANCH][MS_LANES];   /* f there */
    double u[MS_LANES];                             /* the input current at this step */
    double f[1 + MS_BATCH_MAX_BRANCH][MS_LANES];    /* out: f at z */
    double d[MS_BATCH_MAX_BRANCH][4][MS_LANES];     /* out: dI/dv, dI/dx, dg/dv, dg/dx per branch */
} NeuronLanes;

/* f and d at z for n lanes (no update). */
void ms_neuron_lanes_eval(const BatchNeuron *nr, int n, NeuronLanes *L);

/* n lanes; MS_OK or MS_ERR_NONCONV. */
int ms_neuron_lanes_step(const BatchNeuron *nr, int n, double a, double ah, NeuronLanes *L);

/* The adjoint of step k, backward: with d the branch derivatives at z_k,
 * dLv = dL/dv_k and lam = lam_{k+1} (a' = a'_{k+1}, 0 after the last step),
 *     J_k^T lam_k = dL/dz_k - (dR_{k+1}/dz_k)^T lam_{k+1},
 *     J_k = C + a G_k,  dR_{k+1}/dz_k = -C + a' G_k,
 * lam becomes lam_k and du = dL/du_k = a lam_k,v + a' lam_{k+1},v (u enters
 * the membrane row as -a u, and dL/dp = -lam . dR/dp). */
typedef struct NeuronAdjLanes {
    double d[MS_BATCH_MAX_BRANCH][4][MS_LANES];
    double dLv[MS_LANES];
    double lam[1 + MS_BATCH_MAX_BRANCH][MS_LANES];
    double du[MS_LANES];
} NeuronAdjLanes;
void ms_neuron_lanes_adjoint(const BatchNeuron *nr, int n, double a, double an, NeuronAdjLanes *A);

#endif
