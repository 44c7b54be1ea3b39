/* newton.h — evaluation of the circuit equations and Newton–Raphson.
 *
 * One Newton system covers DC and every implicit step:
 *     R(x) = cq q(x) + a f(x, t) + hist + shunt terms = 0
 *     J    = cq C + a G
 * DC: cq = 0, a = 1, hist = 0.  Backward Euler: cq = 1, a = h,
 * hist = -q_prev.  Trapezoidal: cq = 1, a = h/2, hist = -q_prev + h/2 f_prev. */
#ifndef MS_NEWTON_H
#define MS_NEWTON_H

#include "circuit.h"

#define MS_HOLD_G 1e10   /* S: what holds a .nodeset node at its value */

typedef struct MsNewtonSys {
    double t;
    double cq, a;
    const double *hist;     /* n+1, or NULL */
    double src_scale;       /* source stepping */
    int dc_op;              /* sources at their .op (DC) values */
    double gshunt;          /* gmin stepping: conductance from every node to ground */
    const MsIc *force;      /* DC with .ic: rows replaced by x[unk] = x[ref] + value */
    int nforce;
    const MsIc *hold;       /* .nodeset: MS_HOLD_G from each such node to its value (as ngspice) */
    int nhold;
    int maxiter;
    int fixed_iters;        /* > 0: exactly this many solves, no convergence test (replaying a step) */
    int chord;              /* transient step: may reuse factors (its first iteration's, an earlier step's) */
} MsNewtonSys;

typedef struct MsNewtonResult {
    int iters;
    int worst;              /* unknown with the largest scaled update (for messages) */
    int singular;           /* unknown of a singular column, 0 if none */
} MsNewtonResult;

/* Evaluate f, q (and G, C) at w->x: f includes -b(t), the linear stamps and
 * the nonlinear devices. */
void ms_eval_circuit(MsWork *w, const MsNewtonSys *sys, int first_iter);
/* The point in w->x was accepted (step h, 0 at the start): the devices'
 * accepted() hooks.  1 if one changed discretely (restart the integrator);
 * *hmax lowered to the next step they allow. */
int ms_devices_accepted(MsWork *w, double h, double *hmax);

/* Solve the system from the start value in w->x.  On success w->x, w->f,
 * w->q hold the solution and the equations evaluated there. */
int ms_newton(MsWork *w, const MsNewtonSys *sys, MsNewtonResult *res);

/* Replace the rows of .ic unknowns in J by x[unk] - x[ref] = value (DC with .ic). */
void ms_force_ic_rows(const MsCircuit *c, const MsIc *ics, int nics, double *J);

/* "node 'out'" / "branch 'v1#branch'" for messages. */
const char *ms_unknown_kind_name(const MsCircuit *c, int unk);

#endif
