/* tran.h — one implicit time step, shared by the transient and by the
 * adjoint's recomputation of checkpointed segments. */
#ifndef MS_TRAN_H
#define MS_TRAN_H

#include "newton.h"

typedef struct MsStep {
    double t, h;              /* from t to t + h */
    int be;                   /* backward Euler (else trapezoidal) */
    int np;                   /* predictor: extrapolate the last np (0, 2 or 3) points */
    const double *p[3];       /* those points, newest first */
    double pt[3];             /* and their times */
    int maxiter;
    int fixed_iters;          /* > 0: exactly this many Newton solves (recomputation) */
    int chord;                /* Newton may reuse factors (chord iterations, newton.c) */
    int uic_start;            /* the first step of a uic run: start from ms_uic_start_guess */
} MsStep;

/* Solve the step from the accepted point in w (x_prev, f_prev, q_prev);
 * hist is scratch of n+1.  On success w->x, w->f, w->q hold the new point. */
int ms_tran_step(MsWork *w, const MsStep *st, double *hist, MsNewtonResult *nr);

/* x (a copy of the uic start point): the voltages of nodes with initial
 * conditions carried across voltage sources to the nodes behind them
 * (uic_start.c). */
void ms_uic_start_guess(const MsWork *w, double *x);

#endif
